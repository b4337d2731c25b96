"""Trade (客户交易), 交易综合管理, income record (交易收益), interest payment (付息) and settlement (清算) forms."""

from wtforms import DateField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from forms.base import Form

MAX_MONEY = 10**15


class TradeForm(Form):
    """A seat's new trade for the current customer."""

    project_id = SelectField("理财项目", coerce=int, validators=[DataRequired("请选择理财项目")],
                             description="只列出处于资金募集阶段、本机构可销售的项目")
    intended_amount = DecimalField("意向金额（元）", places=2, validators=[
        InputRequired("请填写意向金额"), NumberRange(min=0.01, max=MAX_MONEY, message="意向金额须大于 0")],
        description="不低于项目起购金额；到账金额默认与意向金额相等，由交易财务审核确认")
    bank_name = StringField("开户银行", validators=[Optional(), Length(max=100)])
    bank_account = StringField("银行账号", validators=[Optional(), Length(max=50)])
    remark = TextAreaField("备注", validators=[Optional(), Length(max=2000)])


class TradeCorrectionForm(Form):
    """交易综合管理: descriptive fields only; amounts change through the review chain."""

    contract_no = StringField("个人合同编号", validators=[Optional(), Length(max=50)])
    collective_contract_no = StringField("集体合同编号", validators=[Optional(), Length(max=50)])
    bank_name = StringField("开户银行", validators=[Optional(), Length(max=100)])
    bank_account = StringField("银行账号", validators=[Optional(), Length(max=50)])
    remark = TextAreaField("备注", validators=[Optional(), Length(max=2000)])


class DeleteTradeForm(Form):
    reason = StringField("删除原因", validators=[DataRequired("请填写删除原因"), Length(max=500)])


class IncomeForm(Form):
    kind = SelectField("收益类型", validators=[DataRequired("请选择收益类型")])
    income_date = DateField("收益日期", validators=[InputRequired("请填写收益日期")])
    amount = DecimalField("收益金额（元）", places=2, validators=[
        InputRequired("请填写收益金额"), NumberRange(min=0.01, max=MAX_MONEY, message="收益金额须大于 0")])
    remark = TextAreaField("备注", validators=[Optional(), Length(max=2000)])


class InterestPaymentForm(Form):
    project_id = SelectField("理财项目", coerce=int, validators=[DataRequired("请选择项目")])
    period_end = DateField("计息截止日", validators=[InputRequired("请填写计息截止日")],
                           description="各交易从上次付息截止日（或起息日）计至此日，不含此日")
    payment_date = DateField("付息日", validators=[InputRequired("请填写付息日")])
    remark = TextAreaField("备注", validators=[Optional(), Length(max=2000)])


class SettlementForm(Form):
    project_id = SelectField("理财项目", coerce=int, validators=[DataRequired("请选择项目")])
    settlement_date = DateField("清算日", validators=[InputRequired("请填写清算日")],
                                description="返还本金，并计付上次付息截止日（或起息日）至清算日的利息")
    remark = TextAreaField("备注", validators=[Optional(), Length(max=2000)])
