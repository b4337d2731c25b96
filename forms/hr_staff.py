"""Staff profile forms (员工信息): the profile, a qualification certificate, and 离职. Dropdowns come from base
data and are filled in by the route."""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from forms.base import Form


class StaffProfileForm(Form):
    hire_date = DateField("入职日期", validators=[Optional()])
    contract_type = SelectField("合同类型", validators=[Optional()])
    contract_start = DateField("合同开始日期", validators=[Optional()])
    contract_end = DateField("合同结束日期", validators=[Optional()], description="无固定期限合同可不填")
    education = SelectField("学历", validators=[Optional()])
    school = StringField("毕业院校", validators=[Optional(), Length(max=100)])
    major = StringField("专业", validators=[Optional(), Length(max=100)])
    id_number = StringField("身份证号", validators=[Optional(), Length(max=30)],
                            description="18 位（旧版 15 位自动转换为 18 位），校验位不对的号码不能保存")
    emergency_name = StringField("紧急联系人", validators=[Optional(), Length(max=50)])
    emergency_relation = StringField("与本人关系", validators=[Optional(), Length(max=20)])
    emergency_phone = StringField("紧急联系人电话", validators=[Optional(), Length(max=30)])
    remark = TextAreaField("备注", validators=[Optional(), Length(max=2000)])


class CertificateForm(Form):
    cert_type = SelectField("证书类型", validators=[DataRequired("请选择证书类型")])
    number = StringField("证书编号", validators=[DataRequired("请填写证书编号"), Length(max=60)])
    issued_on = DateField("发证日期", validators=[DataRequired("请填写发证日期")])
    expires_on = DateField("到期日期", validators=[Optional()], description="长期有效的证书可不填")


class LeavingForm(Form):
    end_date = DateField("离职日期", validators=[DataRequired("请填写离职日期")],
                         description="不能晚于今天：办理后账号立即停用，名下客户转入离职待交接")
