"""Project category (项目分类维护) and wealth project (理财项目维护) forms."""

from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from forms.base import Form


class CategoryForm(Form):
    name = StringField("分类名称", validators=[DataRequired("请填写分类名称"), Length(max=100)])
    parent_id = SelectField("上级分类", coerce=int, default=0, validators=[Optional()])


class RenameCategoryForm(Form):
    name = StringField("新名称", validators=[DataRequired("请填写分类名称"), Length(max=100)])


def _money(label: str, required: bool = True, description: str = "") -> DecimalField:
    checks = [InputRequired(f"请填写{label}")] if required else [Optional()]
    return DecimalField(label, places=2, description=description,
                        validators=[*checks, NumberRange(min=0, max=10**15, message=f"{label}须在 0 到 10^15 元之间")])


class ProjectForm(Form):
    code = StringField("项目编号", validators=[DataRequired("请填写项目编号"), Length(max=30)])
    name = StringField("项目名称", validators=[DataRequired("请填写项目名称"), Length(max=100)])
    category_id = SelectField("项目分类", coerce=int)
    org_id = SelectField("管理机构", coerce=int, description="该机构及其下级的坐席可认购此项目")
    manager_id = SelectField("项目经理", coerce=int, default=0)
    raise_target = _money("募集总额（元）", required=False, description="提示性的募集额度，无时间限制")
    lp_amount = _money("LP募集额度（元）", description="募集成功的金额条件")
    lp_count = IntegerField("LP募集数量（笔）", validators=[
        InputRequired("请填写LP募集数量"), NumberRange(min=1, max=100000, message="LP募集数量须为 1 以上")])
    min_subscription = _money("起购金额（元）")
    expected_yield = DecimalField("预期年化收益率（%）", places=4,
                                  validators=[InputRequired("请填写预期年化收益率"),
                                              NumberRange(min=0, max=100, message="预期年化收益率须在 0 到 100 之间")])
    term_months = IntegerField("期限（月）", validators=[InputRequired("请填写期限"),
                                                     NumberRange(min=1, max=600, message="期限须在 1 到 600 个月之间")])
    interest_schedule = SelectField("付息方式", default="")
    risk_level = SelectField("风险等级", default="")
    raise_start = DateField("募集开始日期", validators=[Optional()])
    raise_end = DateField("募集结束日期", validators=[Optional()])
    value_date = DateField("起息日", validators=[Optional()], description="不填则在进入收益阶段当天起息")
    maturity_date = DateField("到期日", validators=[Optional()])
    description = TextAreaField("项目说明", validators=[Optional(), Length(max=5000)])


class StageActionForm(Form):
    """A stage button on the project page: the outcome comes from the pressed button."""

    comment = TextAreaField("说明", validators=[Optional(), Length(max=2000)])
