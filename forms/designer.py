"""流程设计 forms: a new process or decision table (task forms are built in the form builder)."""

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from forms.base import Form


class NewProcessForm(Form):
    key = StringField("流程标识", validators=[DataRequired("请填写流程标识"), Length(max=100)],
                      description="英文字母开头，只含字母、数字、下划线，如 care_callback；发布后不能修改")
    name = StringField("流程名称", validators=[DataRequired("请填写流程名称"), Length(max=200)])
    lane = SelectField("第一个泳道（角色）", validators=[DataRequired("请选择角色")],
                       description="泳道名称即办理角色，之后可在流程图中增加泳道")


class NewTableForm(Form):
    key = StringField("规则表标识", validators=[DataRequired("请填写规则表标识"), Length(max=100)],
                      description="同时作为决策标识，规则任务通过它调用本表")
    name = StringField("规则表名称", validators=[DataRequired("请填写规则表名称"), Length(max=200)])

