"""Log-in, password and API-token forms."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), Length(max=200)])
    confirm_password = PasswordField(
        "确认新密码", validators=[DataRequired("请再次输入新密码"), EqualTo("new_password", "两次输入的密码不一致")]
    )


class ApiTokenForm(FlaskForm):
    name = StringField("令牌名称", validators=[DataRequired("请填写令牌名称"), Length(max=100)])
