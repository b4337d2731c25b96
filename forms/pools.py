"""Pool forms: red flags (标红) and applications (标红申请)."""

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from forms.base import Form


class RedFlagForm(Form):
    reason = StringField("标红原因", validators=[DataRequired("请填写标红原因"), Length(max=200)])


class ApplicationForm(Form):
    reason = TextAreaField("申请理由", validators=[DataRequired("请填写申请理由"), Length(max=500)])
