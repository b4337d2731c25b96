"""The audit log's codes in Chinese (日志查询): actions and the object types (table names) rows are about."""

from __future__ import annotations

from app import labels

LOGIN = "auth.login"
ACTION_LABELS = {
    "create": "新增", "update": "修改", "delete": "删除", "auth.login": "登录", "auth.login_failed": "登录失败",
    "auth.locked": "登录暂停（密码错误过多）", "auth.unlock": "解锁账户", "auth.force_logout": "强制下线",
    "blacklist.flagged": "标记黑名单电话", "blacklist.cleared": "解除黑名单电话", "customers.import": "导入客户",
    "customers.import_upload": "上传客户导入文件", "customers.import_cancel": "放弃客户导入",
    "customers.merge": "合并客户", "customers.delete": "删除客户", "customers.restore": "恢复已删除的客户",
    "designer.publish_rules": "发布规则表", "mining.invalid_mark": "标记无效客户",
    "mining.invalid_revive": "激活无效客户", "mining.rule_delete": "删除分配规则",
    "mining.task.publish": "发布挖掘任务", "mining.task.distribute": "分配挖掘任务",
    "mining.task.close": "关闭挖掘任务", "mining.auto_distribute": "自动分配挖掘客户",
    "pools.recycle": "回收到期客户", "org.move": "调整组织", "pools.assign": "分配客户",
    "pools.handover": "离职交接", "pools.handover_overdue": "离职交接逾期转入城市经理公共池",
    "pools.recovery": "客户数据回收", "pools.transfer": "客户转移", "pools.user_left": "离职客户退回",
    "pools.release": "放入公共信息池", "pools.to_department": "放入部门信息池", "role.permissions": "调整角色权限",
    "system.refresh_cache": "刷新缓存", "user.left": "员工离职", "user.level": "升降级",
    "user.reset_password": "重置密码", "user.roles": "调整用户角色", "workflow.deploy": "发布流程",
    "workflow.instance.variables": "修改流程变量", "workflow.instance.move": "流程退回环节",
    "workflow.instance.skip": "流程跳过环节",
    "workflow.operation": "流程服务操作",
    "survey.publish": "发布问卷", "survey.close": "关闭问卷",
    "qa.accept": "采纳回答", "qa.close": "关闭问题", "qa.promote": "问答转为知识草稿",
    "kb.submit": "提交知识审核", "kb.withdraw": "下架知识",
    "complaint.escalate": "投诉超时升级",
    "grading.run": "客户评级",
    "members.adjust_request": "申请积分调整", "members.adjust_approve": "批准积分调整",
    "members.adjust_reject": "驳回积分调整", "members.referral": "登记推荐积分",
}

OBJECT_TYPE_LABELS = {
    "api_token": "接口令牌", "callback": "回访", "callback_strategy": "回访策略",
    "attendance_day": "考勤记录", "attendance_type_rule": "考勤类型设置",
    "base_data_item": "基础数据项", "base_dictionary": "基础数据字典", "customer": "客户",
    "customer_address": "客户地址", "customer_category": "客户分类", "customer_phone": "客户电话",
    "distribution_rule": "分配规则", "interest_payment": "付息", "mining_condition": "挖掘条件",
    "mining_task": "挖掘任务", "member_level": "会员等级", "points_adjustment": "积分调整",
    "member_price": "会员价格策略", "mining_task_category": "任务分类", "notice": "系统通知", "survey": "问卷",
    "kb_category": "知识分类", "kb_article": "知识", "kb_article_version": "知识版本",
    "grading_run": "客户评级批次",
    "notice_template": "通知模板", "oa_activity": "活动", "oa_application": "OA 申请", "oa_branch": "网点",
    "oa_minutes": "纪要", "org": "组织", "permission": "权限", "plan": "工作计划", "plan_target": "计划指标",
    "project": "理财项目", "project_category": "项目分类", "public_holiday": "公休假期", "quota": "任务配额",
    "role": "角色", "scheduled_job": "调度任务", "settlement": "清算", "staff_certificate": "资格证书",
    "staff_profile": "员工信息", "system_parameter": "系统参数", "task_form_definition": "任务表单",
    "qa_answer": "问答回答", "qa_category": "问题分类", "qa_question": "业务问题",
    "trade": "交易", "trade_income": "交易收益", "users": "用户", "customer_import_job": "客户导入批次",
    "handover": "离职交接", "phone": "电话", "process_model": "流程模型", "login_session": "登录会话",
    "customer_alias": "客户别名", "phone_blacklist_mark": "黑名单电话标记", "customer_import_row": "客户导入行",
    "decision_table": "规则表", "process_instance": "流程实例", "chat_message": "即时消息", "oa_todo": "待办事项",
    "appointment": "预约", "care_template": "关怀模板", "complaint": "投诉", "complaint_category": "投诉类别",
}

labels.register("audit_action", ACTION_LABELS)
labels.register("audit_object", OBJECT_TYPE_LABELS)
