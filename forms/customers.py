"""Customer forms: create/edit (客户资料), phones, addresses, categories, import upload, blacklist marks."""

from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.customers.models import CUSTOMER_TYPE_LABELS, AddressKind, Gender
from forms.base import Form, fixed_choices
from rules.identity import ID_TYPE_LABELS


class CustomerForm(Form):
    name = StringField("客户姓名", validators=[DataRequired("请填写客户姓名"), Length(max=50)])
    gender = SelectField("性别", choices=fixed_choices((g.value, g.label) for g in Gender),
                         default=Gender.UNKNOWN.value)
    birthday = DateField("出生日期", validators=[Optional()], description="填写身份证号时可不填，将从证件号中读取")
    id_type = SelectField("证件类型", choices=fixed_choices((k.value, v) for k, v in ID_TYPE_LABELS.items()))
    id_number = StringField("证件号码", validators=[Optional(), Length(max=40)],
                            description="身份证号 15 位会自动升为 18 位并检查校验位")
    category_id = SelectField("客户分类", coerce=int, default=0)
    type = SelectField("客户类型", choices=fixed_choices((k.value, v) for k, v in CUSTOMER_TYPE_LABELS.items()))
    grade = SelectField("客户等级", default="")
    source = SelectField("客户来源", default="")
    tags = StringField("标签", validators=[Optional(), Length(max=255)], description="多个标签用逗号分隔")
    remark = TextAreaField("备注", validators=[Optional(), Length(max=2000)])


class NewCustomerForm(CustomerForm):
    phone = StringField("手机号码", validators=[DataRequired("请填写手机号码"), Length(max=30)])
    phone2 = StringField("其他电话", validators=[Optional(), Length(max=30)])
    address = StringField("地址", validators=[Optional(), Length(max=255)])
    org_id = SelectField("服务组织", coerce=int, default=0)
    seat_id = SelectField("服务坐席", coerce=int, default=0, description="留空则进入所选组织的部门信息池")


class PhoneForm(Form):
    phone = StringField("电话号码", id="new-phone-phone", validators=[DataRequired("请填写电话号码"), Length(max=30)])
    remark = StringField("备注", id="new-phone-remark", validators=[Optional(), Length(max=100)])


class AddressForm(Form):
    kind = SelectField("类型", id="new-address-kind", choices=fixed_choices((k.value, k.label) for k in AddressKind))
    address = StringField("地址", id="new-address-address", validators=[DataRequired("请填写地址"), Length(max=255)])
    postcode = StringField("邮编", id="new-address-postcode", validators=[Optional(), Length(max=10)])


class CategoryForm(Form):
    name = StringField("分类名称", validators=[DataRequired("请填写分类名称"), Length(max=50)])
    parent_id = SelectField("上级分类", coerce=int, default=0)


class ImportForm(Form):
    file = FileField("导入文件（.xlsx）")
    number = StringField("导入编号", validators=[Optional(), Length(max=40)],
                         description="用于区分本次导入，留空自动生成；不能与以往导入重复")


class BlacklistMarkForm(Form):
    phone = StringField("电话", id="blacklist-phone", validators=[DataRequired("请选择电话")])
    reason = StringField("原因", id="blacklist-reason", validators=[DataRequired("请填写标记原因"), Length(max=200)])
