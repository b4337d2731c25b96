"""Org tree (用户组织维护) and employee (用户维护, 升降级, 用户角色维护) forms."""

from wtforms import IntegerField, PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from app.org.models import ORG_KIND_LABELS
from forms.base import Form, fixed_choices


class OrgForm(Form):
    name = StringField("组织名称", validators=[DataRequired("请填写组织名称"), Length(max=100)])
    code = StringField("组织编码", validators=[DataRequired("请填写组织编码"), Length(max=50)])
    kind = SelectField("类型", choices=fixed_choices((k.value, v) for k, v in ORG_KIND_LABELS.items()))
    parent_id = SelectField("上级组织", coerce=int, validators=[Optional()])
    sort = IntegerField("排序", default=0, validators=[Optional(), NumberRange(min=0, max=9999)])


class RenameOrgForm(Form):
    name = StringField("新名称", validators=[DataRequired("请填写组织名称"), Length(max=100)])


class MoveOrgForm(Form):
    parent_id = SelectField("移动到", coerce=int)


class UserEditForm(Form):
    """The fields an administrator may change on an existing employee."""

    name = StringField("姓名", validators=[DataRequired("请填写姓名"), Length(max=50)])
    org_id = SelectField("所属组织", coerce=int)
    superior_id = SelectField("直属上级", coerce=int, default=0)
    weight = IntegerField("分配权重", default=1, validators=[NumberRange(min=0, max=1000)],
                          description="数据分配按权重时使用，0 表示不参与分配")
    phone = StringField("手机", validators=[Optional(), Length(max=30)])
    email = StringField("邮箱", validators=[Optional(), Length(max=120)])
    extension = StringField("分机号", validators=[Optional(), Length(max=20)],
                            description="呼叫中心坐席的电话分机，来电时在其页面弹出客户信息；不接电话的员工留空")


class UserCreateForm(UserEditForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(max=50)],
                           description="登录用，字母开头，可含字母、数字、下划线、点和减号")
    work_no = StringField("工号", validators=[DataRequired("请填写工号"), Length(max=30)])
    level = SelectField("层级", default="")
    tier = SelectField("级别", default="")
    password = PasswordField("初始密码", validators=[DataRequired("请填写初始密码"), Length(max=200)],
                             description="至少 12 个字符，包含大写字母、小写字母、数字、符号中的至少三类")
    confirm_password = PasswordField("确认密码", validators=[DataRequired("请再次输入密码"),
                                                          EqualTo("password", "两次输入的密码不一致")])


class LevelChangeForm(Form):
    """升降级: choose the new 层级/级别 and say why."""

    level = SelectField("层级", validators=[DataRequired("请选择层级")])
    tier = SelectField("级别", validators=[DataRequired("请选择级别")])
    remark = TextAreaField("备注", validators=[DataRequired("请填写升降级备注"), Length(max=500)])


class ResetPasswordForm(Form):
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), Length(max=200)])
    confirm_password = PasswordField("确认新密码", validators=[DataRequired("请再次输入新密码"),
                                                            EqualTo("new_password", "两次输入的密码不一致")])


class UserRolesForm(Form):
    roles = SelectMultipleField("角色", coerce=int)
