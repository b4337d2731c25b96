"""System notice (系统通知维护) and content template (内容模板维护) forms."""

from __future__ import annotations

from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.notices.models import Audience, NoticeLevel
from forms.base import Form, fixed_choices


class TemplateForm(Form):
    name = StringField("模板名称", validators=[DataRequired("请填写模板名称"), Length(max=100)])
    title = StringField("标题", validators=[Optional(), Length(max=200)])
    body = TextAreaField("内容", validators=[Optional(), Length(max=20000)],
                         description="发布通知时可选用此模板，标题和内容会预先填好")


class NoticeForm(Form):
    title = StringField("通知标题", validators=[DataRequired("请填写通知标题"), Length(max=200)])
    body = TextAreaField("通知内容", validators=[DataRequired("请填写通知内容"), Length(max=20000)])
    level = SelectField("级别", default=NoticeLevel.NORMAL.value, choices=fixed_choices(
        [(NoticeLevel.NORMAL.value, "普通"), (NoticeLevel.URGENT.value, "紧急（每次打开页面都弹窗，直至确认知悉）")]))
    major = BooleanField("重大公告（在首页展示并弹窗）")
    audience = SelectField("发送范围", default=Audience.ALL.value,
                           choices=fixed_choices((a.value, a.label) for a in Audience))
    org_id = SelectField("组织", coerce=int, default=0)
    user_ids = SelectMultipleField("人员", coerce=int)
    expires_on = DateField("展示截止日期", validators=[Optional()],
                           description="过了这一天不再滚动、弹窗；不填则一直有效")
