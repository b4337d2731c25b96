"""Call-back (回访) forms: the 客户 360 quick call-back, completing or cancelling one, and the 回访策略."""

from wtforms import BooleanField, DateTimeLocalField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from forms.base import Form, fixed_choices


class QuickCallbackForm(Form):
    """快速回访: record a call-back made just now, or schedule one (定时回访)."""

    mode = RadioField("方式", id="callback-mode",
                      choices=fixed_choices([("now", "现在回访并记录"), ("schedule", "预约回访时间")]), default="now",
                      validators=[DataRequired("请选择回访方式")])
    reason = StringField("回访事由", id="callback-reason", validators=[Optional(), Length(max=200)])
    due_at = DateTimeLocalField("回访时间", id="callback-due-at", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    note = TextAreaField("回访结果", id="callback-note", validators=[Optional(), Length(max=2000)])
    connected = BooleanField("已接通", id="callback-connected", default=True)
    duration_seconds = IntegerField("通话时长（秒）", id="callback-duration", default=0,
                                    validators=[Optional(), NumberRange(min=0, max=86400, message="通话时长无效")])


class CompleteCallbackForm(Form):
    note = TextAreaField("回访结果", validators=[DataRequired("请填写回访结果"), Length(max=2000)])
    connected = BooleanField("已接通", default=True)
    duration_seconds = IntegerField("通话时长（秒）", default=0,
                                    validators=[Optional(), NumberRange(min=0, max=86400, message="通话时长无效")])


class CancelCallbackForm(Form):
    note = StringField("取消原因", validators=[DataRequired("请填写取消原因"), Length(max=500)])


class StrategyForm(Form):
    rule_id = SelectField("无服务坐席的客户按此分配规则选择回访人", coerce=int, default=0,
                          description="使用分配规则的分配目标与分配方式（平均、随机、权重），每次选一位；不选则进入待领队列")
    queue_org_id = SelectField("陌生号码与无法分配的回访进入此部门的待领队列", coerce=int, default=0,
                               description="不选：客户的服务组织；陌生号码进入公司的待领队列")
    due_minutes = IntegerField("回访时限（分钟）", default=30,
                               validators=[InputRequired("请填写回访时限"),
                                           NumberRange(min=1, max=10080, message="回访时限应为 1–10080 分钟")])
