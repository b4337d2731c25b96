"""Org tree forms (用户组织维护)."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.org.models import ORG_KIND_LABELS


class OrgForm(FlaskForm):
    name = StringField("组织名称", validators=[DataRequired("请填写组织名称"), Length(max=100)])
    code = StringField("组织编码", validators=[DataRequired("请填写组织编码"), Length(max=50)])
    kind = SelectField("类型", choices=[(k.value, v) for k, v in ORG_KIND_LABELS.items()])
    parent_id = SelectField("上级组织", coerce=int, validators=[Optional()])
    sort = IntegerField("排序", default=0, validators=[Optional(), NumberRange(min=0, max=9999)])


class RenameOrgForm(FlaskForm):
    name = StringField("新名称", validators=[DataRequired("请填写组织名称"), Length(max=100)])


class MoveOrgForm(FlaskForm):
    parent_id = SelectField("移动到", coerce=int)
