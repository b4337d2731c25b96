"""Follow-up (有效跟进) and appointment (预约) forms, and the basic-information forms of the 有效跟进 page."""

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.customers.models import Gender
from app.followups.models import FOLLOW_UP_KIND_LABELS
from forms.base import Form, fixed_choices


class FollowUpForm(Form):
    kind = SelectField("跟进方式", id="follow-up-kind",
                       choices=fixed_choices((k.value, v) for k, v in FOLLOW_UP_KIND_LABELS.items()))
    at = DateTimeLocalField("跟进时间", id="follow-up-at", format="%Y-%m-%dT%H:%M", validators=[Optional()],
                            description="留空为现在")
    phone = SelectField("拨打电话", id="follow-up-phone", validate_choice=False, default="")
    connected = BooleanField("已接通", id="follow-up-connected")
    duration_seconds = IntegerField("通话时长（秒）", id="follow-up-duration-seconds", default=0,
                                    validators=[Optional(), NumberRange(min=0, max=86400, message="通话时长无效")])
    result = SelectField("跟进结果", id="follow-up-result", default="")
    content = TextAreaField("跟进内容", id="follow-up-content", validators=[Optional(), Length(max=2000)])
    new_type = SelectField("更新客户类型", id="follow-up-new-type", default="")


class AppointmentForm(Form):
    at = DateTimeLocalField("预约时间", id="appointment-at", format="%Y-%m-%dT%H:%M",
                            validators=[DataRequired("请选择预约时间")])
    content = StringField("预约内容", id="appointment-content", validators=[Optional(), Length(max=500)])


class RescheduleForm(Form):
    new_at = DateTimeLocalField("改期到", format="%Y-%m-%dT%H:%M", validators=[DataRequired("请选择新的预约时间")])


class BasicInfoForm(Form):
    name = StringField("客户姓名", id="basic-name", validators=[DataRequired("请填写客户姓名"), Length(max=50)])
    gender = SelectField("性别", id="basic-gender", choices=fixed_choices((g.value, g.label) for g in Gender))
    birthday = DateField("出生日期", id="basic-birthday", validators=[Optional()])
    grade = SelectField("客户等级", id="basic-grade", default="")


class PhoneFixForm(Form):
    phone = StringField("正确号码", validators=[DataRequired("请填写电话号码"), Length(max=30)])
