"""变更明细 in Chinese: the audited tables' column names as people call them.

A column is named by its table's own entry first, then by the shared entry; a column neither knows is shown
as it is (a test fails when an audited column has no name here, so a new column brings its name along).
"""

from __future__ import annotations

SHARED = {
    "id": "编号", "created_at": "创建时间", "updated_at": "修改时间", "created_by_id": "创建人", "name": "名称",
    "description": "说明", "status": "状态", "remark": "备注", "code": "代码", "kind": "类别", "sort": "排序",
    "title": "标题", "user_id": "员工", "source": "来源", "parent_id": "上级", "active": "启用", "note": "备注",
    "end_date": "结束日期", "start_date": "开始日期", "category_id": "分类", "type_code": "类型", "path": "路径",
    "project_id": "理财项目", "customer_id": "客户", "level": "级别", "org_id": "组织", "phone": "电话",
    "label": "名称", "builtin": "系统内置", "section": "分组", "org": "组织", "annual_rate": "年化利率",
    "day_basis": "计息天数基准", "reviewed_by_id": "复核人", "reviewed_at": "复核时间", "total": "金额合计",
    "published_at": "发布时间", "condition_id": "挖掘条件", "method": "分配方式", "address": "地址",
    "is_primary": "首选", "body": "正文", "content": "内容", "location": "地点", "key": "标识",
    "value": "取值", "enabled": "启用", "data_scope": "数据范围", "amount": "金额", "tier": "档位",
}

BY_TABLE: dict[str, dict[str, str]] = {
    "customer": {
        "number": "客户编号", "name": "姓名", "gender": "性别", "birthday": "生日", "id_type": "证件类型",
        "id_number": "证件号码", "category_id": "客户分类", "type": "客户类型", "grade": "客户等级",
        "source": "客户来源", "import_batch": "导入批次", "tags": "标签", "service_seat_id": "服务坐席",
        "service_org_id": "服务组织", "pool": "所在信息池", "pool_reason": "入池原因", "pool_changed_at": "入池时间",
        "pool_move_batch": "调池批次", "assigned_at": "分配时间", "prev_seat_id": "原服务坐席",
        "followup_count": "跟进次数", "valid_call_count": "有效通话次数", "last_followup_at": "最近跟进时间",
        "last_valid_call_at": "最近有效通话时间", "recycle_count": "回收次数", "red_flag_at": "红旗标记时间",
        "red_flag_reason": "红旗原因", "red_flag_by_id": "红旗标记人", "invalid_reason": "无效原因",
        "invalid_note": "无效说明", "invalid_at": "标记无效时间", "invalid_by_id": "标记无效人",
        "deleted_at": "删除时间", "deleted_by_id": "删除人",
    },
    "customer_phone": {"phone": "电话号码"},
    "customer_address": {"kind": "地址类型", "postcode": "邮政编码"},
    "customer_category": {"name": "分类名称"},
    "staff_profile": {
        "hire_date": "入职日期", "contract_type": "合同类型", "contract_start": "合同开始", "contract_end": "合同结束",
        "education": "学历", "school": "毕业学校", "major": "专业", "emergency_name": "紧急联系人",
        "emergency_relation": "紧急联系人关系", "end_date": "离职日期",
    },
    "attendance_day": {"day": "日期", "type_code": "考勤类型", "source": "记录来源"},
    "attendance_type_rule": {"type_code": "考勤类型", "excused": "计为正常出勤"},
    "interest_payment": {"period_end": "计息截止日", "payment_date": "付息日期", "total": "付息总额"},
    "settlement": {"settlement_date": "清算日期", "total_principal": "本金合计", "total_interest": "利息合计"},
    "org": {"name": "组织名称", "code": "组织代码", "kind": "组织类型", "parent_id": "上级组织"},
    "users": {
        "username": "登录名", "work_no": "工号", "name": "姓名", "superior_id": "直属上级", "level": "职级",
        "tier": "档位", "weight": "分配权重", "email": "邮箱", "password_changed_at": "密码修改时间",
        "left_at": "离职时间", "extension": "分机号",
    },
    "callback": {
        "phone": "回访号码", "seat_id": "回访坐席", "org_id": "所属部门", "due_at": "回访时间", "reason": "回访事由",
        "source": "回访来源", "status": "回访状态", "missed_calls": "未接来电次数", "extension": "分机号",
        "result_note": "回访结果", "completed_at": "完成时间", "follow_up_id": "跟进记录", "created_by_id": "创建人",
    },
    "callback_strategy": {"rule_id": "分配规则", "queue_org_id": "待领队列部门", "due_minutes": "回访时限（分钟）"},
    "permission": {"code": "权限代码", "name": "权限名称", "kind": "权限类型"},
    "system_parameter": {"key": "参数", "value_type": "取值类型"},
    "notice": {
        "level": "紧急程度", "major": "重大通知", "audience": "发送范围", "audience_org_id": "接收组织",
        "published_by_id": "发布人", "expires_at": "过期时间", "withdrawn_at": "撤回时间",
    },
    "distribution_rule": {
        "auto": "自动分配", "semi": "半自动分配", "kind": "规则类型", "time_field": "时间字段", "date_from": "起始日期",
        "date_to": "截止日期", "recent_days": "最近天数", "pools": "来源信息池", "max_per_run": "每次最多分配",
        "last_run_at": "最近运行时间",
    },
    "plan": {
        "kind": "计划类型", "period_start": "周期开始", "period_end": "周期结束", "target_org_id": "计划组织",
        "target_user_id": "计划员工", "target_key": "计划对象", "parent_id": "上级计划", "publisher_id": "发布人",
    },
    "plan_target": {"plan_id": "工作计划", "metric": "指标"},
    "oa_application": {
        "type_code": "申请类型", "details": "申请内容", "applicant_id": "申请人", "handler_id": "处理人",
        "current_handler_id": "当前处理人", "result": "处理结果", "hop_count": "流转次数", "instance_id": "流程实例",
        "submitted_at": "提交时间", "completed_at": "完成时间",
    },
    "trade": {
        "trade_no": "交易编号", "seat_id": "坐席", "intended_amount": "意向金额", "arrival_amount": "到账金额",
        "arrival_date": "到账日期", "arrival_confirmed": "到账已确认", "status_reason": "状态原因",
        "returned_from": "退回环节", "review_round": "审核轮次", "contract_no": "个人合同编号",
        "collective_contract_no": "集体合同编号", "bank_name": "开户银行", "bank_account": "银行账号",
        "value_date": "起息日", "interest_paid_to": "已付息至", "settled_on": "清算日期",
        "review_instance_id": "审核流程实例", "status_changed_at": "状态变更时间",
        "member_level": "会员等级", "member_fee_discount": "会员费率折扣", "member_min_subscription": "会员起购金额",
        "member_yield_bonus": "会员收益率加成",
    },
    "member_level": {"code": "等级代码", "name": "等级名称", "rank": "等级顺序"},
    "points_adjustment": {
        "delta": "调整积分", "reason": "调整原因", "requested_by_id": "申请人", "requested_at": "申请时间",
        "decided_by_id": "审批人", "decided_at": "审批时间", "decision_note": "审批意见",
    },
    "member_price": {
        "level_code": "会员等级", "fee_discount": "费率折扣", "min_reduction": "起购金额减免",
        "yield_bonus": "收益率加成",
    },
    "trade_income": {
        "trade_id": "交易", "kind": "收益类型", "income_date": "收益日期", "submitted_by_id": "提交人",
        "submitted_at": "提交时间",
    },
    "base_dictionary": {"code": "字典代码", "name": "字典名称"},
    "base_data_item": {"dict_code": "字典", "code": "数据代码", "label": "数据名称"},
    "quota": {
        "effective_from": "生效日期", "intent": "意向客户数", "valid_call": "有效通话数", "visit": "拜访数",
        "invitation": "邀约数",
    },
    "role": {"code": "角色代码", "name": "角色名称"},
    "public_holiday": {"name": "假期名称"},
    "oa_minutes": {"meeting_date": "会议日期", "decisions": "决议事项"},
    "project_category": {"name": "分类名称"},
    "notice_template": {"name": "模板名称"},
    "care_template": {"template_id": "内容模板", "kind": "关怀类型"},
    "survey": {
        "audience": "问卷对象", "definition": "题目", "opens_at": "开始时间", "closes_at": "截止时间",
        "owner_id": "创建人", "closed_at": "关闭时间",
    },
    "kb_category": {"name": "分类名称", "sort_order": "排序"},
    "kb_article": {"author_id": "作者", "live_version_id": "生效版本"},
    "kb_article_version": {
        "article_id": "知识", "number": "版本号", "title": "知识标题", "template_id": "内容模板", "author_id": "作者",
        "process_instance_id": "审核流程", "submitted_at": "提交审核时间", "reviewed_by_id": "审核人",
        "reviewed_at": "审核时间", "review_comment": "审核意见",
    },
    "qa_category": {"name": "分类名称"},
    "complaint_category": {"name": "类别名称", "handler_role": "处理角色", "org_id": "处理部门",
                           "sla_hours": "处理时限（小时）", "sort": "排序"},
    "complaint": {
        "number": "投诉编号", "customer_id": "客户", "category_id": "投诉类别", "channel": "投诉渠道",
        "severity": "严重程度", "org_id": "所属组织", "filed_by_id": "登记人", "handler_id": "处理人",
        "due_at": "处理时限", "escalated": "已升级", "escalation_level": "升级级别", "escalated_at": "升级时间",
        "return_count": "退回次数", "result": "处理结果", "process_instance_id": "处理流程", "closed_at": "结案时间",
    },
    "qa_question": {
        "asker_id": "提问人", "org_id": "提问人组织", "title": "问题标题", "accepted_answer_id": "采纳的回答",
        "answer_count": "回答数", "first_answered_at": "首次回答时间", "accepted_at": "采纳时间",
        "closed_at": "关闭时间",
    },
    "qa_answer": {
        "question_id": "问题", "author_id": "回答人", "accepted": "已采纳", "accepted_at": "采纳时间",
        "promoted_article_id": "转成的知识",
    },
    "scheduled_job": {"interval_seconds": "间隔秒数", "cron": "定时表达式"},
    "mining_task": {
        "name": "任务名称", "type": "任务类型", "source_kind": "数据来源", "max_unexecuted": "最多未执行数",
        "action": "执行动作", "quota": "任务量", "closed_at": "关闭时间", "source_generated_at": "数据生成时间",
    },
    "mining_task_category": {"name": "分类名称"},
    "mining_condition": {"name": "条件名称", "spec": "条件内容"},
    "staff_certificate": {
        "cert_type": "证书类型", "number": "证书编号", "issued_on": "发证日期", "expires_on": "到期日期",
        "reminded_for": "已提醒到期日",
    },
    "task_form_definition": {"key": "表单标识", "definition": "表单定义", "source": "定义原文", "author_id": "作者"},
    "oa_branch": {
        "manager": "负责人", "business_hours": "营业时间", "services": "服务项目", "city": "城市", "district": "区县",
    },
    "oa_activity": {
        "starts_at": "开始时间", "ends_at": "结束时间", "branch_id": "网点", "capacity": "人数上限",
        "organizer_id": "组织者",
    },
    "project": {
        "code": "项目编号", "name": "项目名称", "manager_id": "项目经理", "raise_target": "募集目标",
        "lp_amount": "LP募集额度", "lp_count": "LP募集数量", "min_subscription": "起投金额",
        "expected_yield": "预期收益率", "term_months": "期限（月）", "interest_schedule": "付息方式",
        "risk_level": "风险等级", "raise_start": "募集开始", "raise_end": "募集结束", "value_date": "起息日",
        "maturity_date": "到期日", "stage": "项目阶段", "failure_reason": "募集失败原因",
        "stage_changed_at": "阶段变更时间", "lifecycle_instance_id": "阶段流程实例",
    },
    "api_token": {"prefix": "令牌前缀", "revoked_at": "吊销时间"},
}


def column_label(table: str, column: str) -> str:
    """The Chinese name of an audited column, or the column itself when nobody named it."""
    return BY_TABLE.get(table, {}).get(column) or SHARED.get(column) or column


def described(table: str, values: dict[str, object] | None) -> str:
    """A before/after snapshot as one line for the export: ``姓名：张三；客户类型：intent``."""
    return "；".join(f"{column_label(table, key)}：{value}" for key, value in (values or {}).items())
