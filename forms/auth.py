"""Log-in, password, API-token, role and permission forms."""

from wtforms import PasswordField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.auth.models import DataScope, PermissionKind
from forms.base import Form, fixed_choices


class LoginForm(Form):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


class ChangePasswordForm(Form):
    current_password = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), Length(max=200)])
    confirm_password = PasswordField(
        "确认新密码", validators=[DataRequired("请再次输入新密码"), EqualTo("new_password", "两次输入的密码不一致")]
    )


class ApiTokenForm(Form):
    name = StringField("令牌名称", validators=[DataRequired("请填写令牌名称"), Length(max=100)])


class RoleForm(Form):
    """角色维护: a role's name, data scope and permission codes (the code is fixed once created)."""

    code = StringField("角色编码", validators=[Optional(), Length(max=50)],
                       description="小写字母开头，只含小写字母、数字和下划线，创建后不能修改")
    name = StringField("角色名称", validators=[DataRequired("请填写角色名称"), Length(max=100)])
    description = TextAreaField("说明", validators=[Optional(), Length(max=500)])
    data_scope = RadioField("数据范围", choices=fixed_choices((s.value, s.label) for s in DataScope),
                            default=DataScope.SELF.value)
    permissions = SelectMultipleField("权限", coerce=int)


class PermissionForm(Form):
    """权限维护: a custom permission code."""

    code = StringField("权限编码", validators=[Optional(), Length(max=80)],
                       description="格式为“模块.动作”：小写英文字母、数字或下划线，以点分隔；创建后不能修改")
    name = StringField("权限名称", validators=[DataRequired("请填写权限名称"), Length(max=100)])
    kind = SelectField("类型", choices=fixed_choices(PermissionKind.choices()), default="action")
    section = StringField("分组", validators=[Optional(), Length(max=50)], default="自定义",
                          render_kw={"list": "sections"})
    description = TextAreaField("说明", validators=[Optional(), Length(max=500)])
