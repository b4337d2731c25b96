"""Distribution rule forms (客户数据挖掘分配规则): the editor's basic options and source; targets are rows the
page adds (工号 or org) and come in as repeated fields."""

from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from forms.base import Form, fixed_choices

KIND_CHOICES = [("to_people", "分配到人"), ("to_groups", "分配到组")]
METHOD_CHOICES = [("average", "平均"), ("random", "随机"), ("weight", "权重")]
TIME_FIELD_CHOICES = [("pool_changed_at", "入池时间"), ("created_at", "创建时间")]
POOL_CHOICES = [("department", "部门信息池"), ("public", "公共信息池"), ("city", "城市经理公共池")]


class RuleForm(Form):
    name = StringField("规则名称", validators=[DataRequired("请填写规则名称"), Length(max=60)])
    description = StringField("说明", validators=[Optional(), Length(max=500)])
    enabled = BooleanField("启用", default=True)
    auto = BooleanField("参与自动分配")
    semi = BooleanField("参与半自动分配", default=True)
    kind = RadioField("分配规则", choices=fixed_choices(KIND_CHOICES), default="to_people")
    method = RadioField("分配方式", choices=fixed_choices(METHOD_CHOICES), default="average",
                        description="平均：客户数少于目标数时随机；权重：按坐席的分配权重比例")
    sort = IntegerField("执行顺序", default=0, validators=[Optional(), NumberRange(min=0, max=9999)])
    max_per_run = IntegerField("每次最多分配", validators=[Optional(), NumberRange(min=1, max=1_000_000)],
                               description="留空表示不限")
    condition_id = SelectField("挖掘条件", coerce=int, default=0)
    time_field = SelectField("时间字段", choices=fixed_choices(TIME_FIELD_CHOICES), default="pool_changed_at")
    date_from = DateField("开始日期", validators=[Optional()])
    date_to = DateField("结束日期", validators=[Optional()])
    recent_days = IntegerField("最近天数", validators=[Optional(), NumberRange(min=1, max=3650)],
                               description="只取最近 N 天内的客户，适合每小时运行的自动规则")
    pools = SelectMultipleField("客户来源数据池", choices=fixed_choices(POOL_CHOICES),
                                default=["department", "public"])
