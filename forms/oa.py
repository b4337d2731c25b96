"""Daily-management (日常管理) forms: applications, work calendar, minutes, to-dos, branches, activities."""

from __future__ import annotations

from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.oa.models import CalendarKind, CalendarPeriod, InviteeStatus, TodoUrgency
from forms.base import Form, fixed_choices


class ApplicationForm(Form):
    """申请: type, title, handler, description; the type's own fields come from its declarative form."""

    type_code = SelectField("申请类型", validators=[DataRequired("请选择申请类型")])
    title = StringField("申请标题", validators=[DataRequired("请填写申请标题"), Length(max=100)])
    handler_id = SelectField("处理人", coerce=int, default=0, validators=[DataRequired("请选择处理人")],
                             description="本分公司及总部的在职员工")
    description = TextAreaField("申请描述", validators=[DataRequired("请填写申请描述"), Length(max=5000)])
    attachments = MultipleFileField("附件")


class AttachmentForm(Form):
    attachments = MultipleFileField("添加附件")


class CalendarEntryForm(Form):
    """行事历: a plan or report for a day, the week or the month containing ``day``."""

    kind = SelectField("类别", choices=fixed_choices((k.value, k.label) for k in CalendarKind))
    period = SelectField("周期", choices=fixed_choices((p.value, p.label) for p in CalendarPeriod))
    day = DateField("日期", validators=[DataRequired("请选择日期")],
                    description="周、月计划按所在的周（周一至周日）或月记录")
    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=100)])
    content = TextAreaField("内容", validators=[Optional(), Length(max=5000)])


class TodoForm(Form):
    """待办事项 given to one or several subordinates for a day 1–3 days ahead."""

    # The service checks each id against the manager's scope (its message), so WTForms does not check choices.
    assignee_id = SelectMultipleField("执行人", coerce=int, validate_choice=False,
                                      validators=[DataRequired("请选择执行人")], description="可选多人，每人一条待办")
    title = StringField("事项", validators=[DataRequired("请填写待办事项"), Length(max=200)])
    content = TextAreaField("说明", validators=[Optional(), Length(max=2000)])
    urgency = SelectField("紧急程度", default=TodoUrgency.NORMAL.value,
                          choices=fixed_choices((u.value, u.label) for u in TodoUrgency))
    due_date = DateField("完成日期", validators=[DataRequired("请选择完成日期")])


class TodoDoneForm(Form):
    done_note = TextAreaField("完成情况", validators=[Optional(), Length(max=2000)])


class MinutesForm(Form):
    title = StringField("会议主题", validators=[DataRequired("请填写会议主题"), Length(max=200)])
    meeting_date = DateField("会议日期", validators=[DataRequired("请选择会议日期")])
    location = StringField("地点", validators=[Optional(), Length(max=100)])
    attendee_ids = SelectMultipleField("参会人员", coerce=int)
    content = TextAreaField("会议内容", validators=[Optional(), Length(max=20000)])
    decisions = TextAreaField("决议事项", validators=[Optional(), Length(max=10000)])


class FollowUpForm(Form):
    """A follow-up item (跟进事项) of minutes; it becomes a to-do of its assignee."""

    assignee_id = SelectField("负责人", coerce=int, default=0, validators=[DataRequired("请选择负责人")])
    title = StringField("跟进事项", validators=[DataRequired("请填写跟进事项"), Length(max=200)])
    urgency = SelectField("紧急程度", default=TodoUrgency.NORMAL.value,
                          choices=fixed_choices((u.value, u.label) for u in TodoUrgency))
    due_date = DateField("完成日期", validators=[DataRequired("请选择完成日期")])


class BranchForm(Form):
    code = StringField("网点编码", validators=[DataRequired("请填写网点编码"), Length(max=30)])
    name = StringField("网点名称", validators=[DataRequired("请填写网点名称"), Length(max=100)])
    city = StringField("城市", validators=[Optional(), Length(max=50)])
    district = StringField("区县", validators=[Optional(), Length(max=50)])
    address = StringField("地址", validators=[Optional(), Length(max=200)])
    phone = StringField("电话", validators=[Optional(), Length(max=30)])
    manager = StringField("负责人", validators=[Optional(), Length(max=50)])
    business_hours = StringField("营业时间", validators=[Optional(), Length(max=100)])
    services = TextAreaField("业务范围", validators=[Optional(), Length(max=2000)])
    org_id = SelectField("所属分公司", coerce=int, default=0)


class ActivityForm(Form):
    title = StringField("活动名称", validators=[DataRequired("请填写活动名称"), Length(max=200)])
    kind = SelectField("活动类型", validators=[DataRequired("请选择活动类型")])
    starts_at = DateTimeLocalField("开始时间", format="%Y-%m-%dT%H:%M", validators=[DataRequired("请填写开始时间")])
    ends_at = DateTimeLocalField("结束时间", format="%Y-%m-%dT%H:%M", validators=[DataRequired("请填写结束时间")])
    branch_id = SelectField("举办网点", coerce=int, default=0)
    location = StringField("地点", validators=[Optional(), Length(max=200)])
    capacity = IntegerField("人数上限", default=0, validators=[Optional(), NumberRange(min=0, max=10000)],
                            description="0 表示不限")
    org_id = SelectField("主办组织", coerce=int)
    description = TextAreaField("活动说明", validators=[Optional(), Length(max=5000)])


class InviteeForm(Form):
    """邀约: a customer (or another guest) invited to an activity."""

    customer_number = StringField("客户编号", validators=[Optional(), Length(max=20)],
                                  description="输入客户编号（KH…）或姓名搜索您服务的客户；到场记入客户跟进")
    name = StringField("客户姓名", validators=[Optional(), Length(max=50)], description="选择客户后可不填")
    phone = StringField("电话", validators=[Optional(), Length(max=30)])
    remark = StringField("备注", validators=[Optional(), Length(max=200)])


class AttendanceForm(Form):
    status = SelectField("签到结果", choices=fixed_choices((s.value, s.label) for s in InviteeStatus))
