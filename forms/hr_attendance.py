"""Forms of 用户考勤维护 and 公休假期维护; choices are filled by the screens (users in scope, attendance types)."""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from forms.base import Form


class AttendanceForm(Form):
    """A type for one user's day, or for every day of a range (结束日期 empty: one day)."""

    user_id = SelectField("员工", coerce=int, default=0, validators=[DataRequired("请选择员工")])
    start = DateField("日期", validators=[DataRequired("请选择考勤日期")])
    end = DateField("至", validators=[Optional()], description="登记一段日期时填写；只登记一天则留空")
    type_code = SelectField("考勤类型", validators=[DataRequired("请选择考勤类型")])
    note = StringField("备注", validators=[Optional(), Length(max=200)])


class HolidayForm(Form):
    """A public holiday: one day (结束日期 empty) or a range."""

    name = StringField("假期名称", validators=[DataRequired("请填写假期名称"), Length(max=40)])
    start = DateField("开始日期", validators=[DataRequired("请选择开始日期")])
    end = DateField("结束日期", validators=[Optional()], description="只有一天则留空")
    note = StringField("备注", validators=[Optional(), Length(max=200)])
