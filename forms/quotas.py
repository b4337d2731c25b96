"""配额维护 form: a 层级 × 级别, the date the targets apply from, and a daily number per metric."""

from __future__ import annotations

from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from forms.base import Form


class QuotaForm(Form):
    """Level and tier choices come from base data; the service checks them again and refuses unknown ones."""

    level = SelectField("层级", validate_choice=False, validators=[DataRequired("请选择层级")])
    tier = SelectField("级别", validate_choice=False, validators=[DataRequired("请选择级别")])
    effective_from = DateField("生效日期", validators=[DataRequired("请填写生效日期")],
                               description="从这一天起按新配额判断；今天或以后，过去的日子保留当时的配额")
    intent = IntegerField("意向客户（个/天）", validators=[Optional()])
    valid_call = IntegerField("有效电话（个/天）", validators=[Optional()])
    visit = IntegerField("见客（次/天）", validators=[Optional()], description="可选；留空表示不考核")
    invitation = IntegerField("邀约（次/天）", validators=[Optional()], description="可选；留空表示不考核")
    remark = StringField("备注", validators=[Optional(), Length(max=200)])
