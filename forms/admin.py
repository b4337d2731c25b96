"""Base-data forms (基础数据维护)."""

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from forms.base import Form


class DictionaryForm(Form):
    code = StringField("字典编码", validators=[DataRequired("请填写字典编码"), Length(max=50)],
                       description="小写字母开头，只含小写字母、数字和下划线")
    name = StringField("字典名称", validators=[DataRequired("请填写字典名称"), Length(max=100)])
    description = TextAreaField("说明", validators=[Optional(), Length(max=500)])


class DictionaryItemForm(Form):
    code = StringField("编码", validators=[DataRequired("请填写数据项编码"), Length(max=50)],
                       description="保存到业务数据中的值，创建后不能修改")
    label = StringField("显示名称", validators=[DataRequired("请填写显示名称"), Length(max=100)])


class ItemLabelForm(Form):
    label = StringField("显示名称", validators=[DataRequired("请填写显示名称"), Length(max=100)])
