"""The form-js schema compiler (forms/form_schema.py): every component kind, every refusal in Chinese naming the
field, and the server-side checks of 客户 / 理财项目 / 角色 / 附件 values (never the browser's word)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from forms.form_schema import compile_schema, load
from forms.task_forms import DefinitionError

ROOT = Path(__file__).resolve().parents[2]


def schema(*components: dict[str, Any], **licai: Any) -> dict[str, Any]:
    return {"type": "default", "id": "Form_x", "schemaVersion": 16, "components": list(components),
            "licai": {"title": "客户回访", "outcomes": [["done", "已回访"], ["later", "稍后再联系"]], **licai}}


EVERY_KIND = schema(
    {"type": "text", "text": "请先电话联系客户。\n\n再填写结果"},
    {"type": "textfield", "key": "topic", "label": "主题", "validate": {"required": True, "maxLength": 20}},
    {"type": "textarea", "key": "notes", "label": "记录", "description": "通话要点"},
    {"type": "number", "key": "rating", "label": "满意度", "validate": {"min": 1, "max": 5}},
    {"type": "checkbox", "key": "called", "label": "已接通"},
    {"type": "select", "key": "result", "label": "回访结果",
     "values": [{"label": "满意", "value": "ok"}, {"label": "不满意", "value": "bad"}]},
    {"type": "radio", "key": "grade", "label": "客户等级", "properties": {"dictionary": "customer_grade"}},
    {"type": "licai-amount", "key": "amount", "label": "金额", "validate": {"min": 0.01}},
    {"type": "licai-date", "key": "next_on", "label": "下次联系", "properties": {"requiredFor": "later"}},
    {"type": "licai-customer", "key": "customer_id", "label": "客户", "validate": {"required": True}},
    {"type": "licai-project", "key": "project_id", "label": "理财项目"},
    {"type": "licai-user", "key": "head_id", "label": "主管", "properties": {"candidates": "oa_handlers"}},
    {"type": "licai-role", "key": "notify_role", "label": "通知角色"},
    {"type": "licai-file", "key": "record_file", "label": "录音", "properties": {"accept": ".mp3,.pdf"}},
    {"type": "textfield", "key": "trade_no", "label": "交易编号", "readonly": True},
    commentLabel="回访说明", commentRequiredFor=["later"],
)


class Lookups:
    """What the server would allow: customer 5, project 8, file 11; two roles."""

    def customer(self, ident: int) -> str | None:
        return {5: "张三（C0005）"}.get(ident)

    def project(self, ident: int) -> str | None:
        return {8: "稳盈一号（P008）"}.get(ident)

    def file(self, ident: int) -> str | None:
        return {11: "录音.pdf"}.get(ident)

    def roles(self) -> list[tuple[str, str]]:
        return [("seat", "坐席"), ("dept_head", "部门主管")]


def filled(app: Any, data: dict[str, str], lookups: Any = None, kind: dict[str, Any] = EVERY_KIND) -> Any:
    form_class = compile_schema("callback", kind)
    with app.test_request_context():
        form = form_class(formdata=MultiDict(data), meta={"csrf": False})
        form.prepare(lambda code: [("A", "A 类"), ("B", "B 类")], lambda source: [(3, "李主管")],
                     Lookups() if lookups is None else (lookups or None))
        ok = form.validate()
        return form, ok


GOOD = {"topic": "回访", "rating": "4", "called": "y", "result": "ok", "grade": "A", "amount": "1000.5",
        "next_on": "2026-12-20", "customer_id": "5", "project_id": "8", "head_id": "3", "notify_role": "seat",
        "record_file": "11", "trade_no": "T1"}


def test_every_component_kind_compiles_to_a_typed_field(app):
    form, ok = filled(app, GOOD)
    assert ok, form.errors
    assert form.task_data() == {
        "topic": "回访", "notes": None, "rating": 4, "called": True, "result": "ok", "grade": "A",
        "amount": Decimal("1000.50"), "next_on": date(2026, 12, 20), "customer_id": 5, "project_id": 8,
        "head_id": 3, "notify_role": "seat", "record_file": 11}  # static text and read-only fields are not written
    cls = type(form)
    assert cls.title == "客户回访" and cls.comment_label == "回访说明" and cls.comment_required_for == {"later"}
    assert cls.subject_fields == {"customer_id": "customer", "project_id": "project"}
    assert cls.required_for == {"next_on": frozenset({"later"})} and cls.readonly_fields == {"trade_no"}
    assert cls.dictionaries == {"grade": "customer_grade"} and cls.people == {"head_id": "oa_handlers"}
    assert cls.role_fields == {"notify_role"} and cls.file_fields == {"record_file"}
    assert form.record_file.accept == ".mp3,.pdf"
    # What the user reads is a name, never an id.
    assert [form.display(f) for f in (form.customer_id, form.project_id, form.notify_role, form.record_file,
                                      form.head_id, form.called)] == ["张三（C0005）", "稳盈一号（P008）", "坐席",
                                                                      "录音.pdf", "李主管", "是"]
    static = form.data_fields()[0]
    assert str(static()) == '<p class="mb-1">请先电话联系客户。</p><p class="mb-1">再填写结果</p>'
    assert form.check_outcome("later", "x") == []


def test_ids_the_server_does_not_allow_are_refused_naming_the_field(app):
    form, ok = filled(app, {**GOOD, "customer_id": "6", "project_id": "9", "record_file": "12",
                            "notify_role": "ghost", "head_id": "4"})
    assert not ok
    assert form.errors["customer_id"] == ["客户：所选客户不存在或不在您的数据范围内"]
    assert form.errors["project_id"] == ["理财项目：所选理财项目不存在或不可选择"]
    assert form.errors["record_file"] == ["录音：附件不存在，或不是您为此表单上传的文件，请重新上传"]
    assert set(form.errors) == {"customer_id", "project_id", "record_file", "notify_role", "head_id"}
    assert form.customer_id.data == 6  # kept: the page shows what was posted


def test_without_lookups_no_id_is_accepted_and_text_is_refused(app):
    form, ok = filled(app, GOOD, lookups=False)
    assert not ok and {"customer_id", "project_id", "record_file"} <= set(form.errors)
    form, ok = filled(app, {**GOOD, "customer_id": "张三"})
    assert not ok and form.errors["customer_id"] == ["客户：所选客户不存在或不在您的数据范围内"]
    form, ok = filled(app, {**GOOD, "customer_id": ""})
    assert not ok and form.errors["customer_id"] == ["请填写客户"]


def test_amounts_have_two_places_and_bounds(app):
    form, ok = filled(app, {**GOOD, "amount": "0"})
    assert not ok and form.errors["amount"] == ["金额须不小于 0.01"]
    decimals = schema({"type": "number", "key": "rate", "label": "费率", "decimalDigits": 3})
    form, ok = filled(app, {"rate": "1.2345"}, kind=decimals)
    assert ok and form.task_data()["rate"] == Decimal("1.2345")


@pytest.mark.parametrize("kind, words", [
    ("button", "字段“甲”：不支持的组件类型 button"),
    ("dynamiclist", "不支持的组件类型 dynamiclist"),
    ("datetime", "不支持的组件类型 datetime"),
    ("iframe", "不支持的组件类型 iframe"),
    ("group", "不支持的组件类型 group"),
])
def test_unsupported_component_types_are_refused(kind, words):
    with pytest.raises(DefinitionError, match=words):
        compile_schema("f", schema({"type": kind, "key": "a", "label": "甲"}))


FIELD = {"type": "textfield", "key": "topic", "label": "主题"}


@pytest.mark.parametrize("change, words", [
    ({"key": "Topic"}, "字段“主题”：键（流程变量名）须以小写字母开头"),
    ({"key": None}, "字段“主题”：键（流程变量名）须以小写字母开头"),
    ({"key": "a" * 51}, "键（流程变量名）须以小写字母开头"),
    ({"key": "outcome"}, "字段“主题”：键 outcome 为保留名称"),
    ({"key": "comment"}, "键 comment 为保留名称"),
    ({"properties": {"requiredFor": "done,never"}}, "字段“主题”：requiredFor 含有未定义的处理结果 never"),
    ({"validate": {"pattern": "^a"}}, "字段“主题”：不支持的校验设置 pattern"),
    ({"validate": {"min": 1}}, "只有数字和金额字段可以设置最小值/最大值"),
    ({"validate": {"maxLength": "x"}}, "最大长度须为正整数"),
    ({"validate": {"required": "=a"}}, "必填须为是/否"),
    ({"readonly": "=done"}, "readonly 须为是/否，不支持表达式"),
    ({"conditional": {"hide": "=x"}}, "不支持条件显示"),
    ({"label": 3}, "标签须为文本"),
    ({"properties": "x"}, "自定义属性（properties）必须是一个对象"),
])
def test_bad_components_are_refused_naming_the_field(change, words):
    with pytest.raises(DefinitionError, match=words):
        compile_schema("f", schema({**FIELD, **change}))


@pytest.mark.parametrize("component, words", [
    ({"type": "select", "key": "a", "label": "甲"}, "字段“甲”：选择字段需要选项或基础数据字典"),
    ({"type": "select", "key": "a", "label": "甲", "values": [{"label": "x", "value": "1"}],
      "properties": {"dictionary": "customer_grade"}}, "选项与基础数据字典只能二选一"),
    ({"type": "select", "key": "a", "label": "甲", "values": [{"label": "x", "value": "1"},
                                                             {"label": "y", "value": "1"}]}, "选项值 1 重复"),
    ({"type": "select", "key": "a", "label": "甲", "values": [{"label": "x"}]}, "每个选项须有值和名称"),
    ({"type": "radio", "key": "a", "label": "甲", "valuesKey": "list"}, "不支持动态选项"),
    ({"type": "radio", "key": "a", "label": "甲", "properties": {"dictionary": "../x"}}, "基础数据字典代码 ../x 无效"),
    ({"type": "number", "key": "a", "label": "甲", "decimalDigits": 9}, "小数位数须为 0–6 的整数"),
    ({"type": "licai-user", "key": "a", "label": "甲", "properties": {"candidates": "../x"}}, "候选人来源 ../x 无效"),
    ({"type": "licai-file", "key": "a", "label": "甲", "properties": {"accept": "pdf;exe"}},
     "accept 须为逗号分隔的扩展名"),
    ({"type": "text", "text": 5}, "说明文字须为文本"),
    ("x", "第 1 个组件必须是一个对象"),
])
def test_bad_kind_settings_are_refused(component, words):
    with pytest.raises(DefinitionError, match=words):
        compile_schema("f", schema(component))


@pytest.mark.parametrize("root, words", [
    ([], "表单 f 的定义必须是一个 JSON 对象"),
    ({"type": "wizard"}, "根类型须为 default"),
    ({"components": {}}, "components 必须是组件列表"),
    ({"licai": []}, "licai 设置必须是一个对象"),
    ({"licai": {"outcomes": [["Done", "完成"]]}}, "处理结果须为 \\[代码, 名称\\] 列表"),
    ({"licai": {"outcomes": [["done", "完成"], ["done", "又完成"]]}}, "处理结果 done 重复"),
    ({"licai": {"outcomes": "done"}}, "处理结果须为"),
    ({"licai": {"commentRequiredFor": ["later"]}}, "含有未定义的处理结果：later"),
    ({"licai": {"commentRequiredFor": "later"}}, "commentRequiredFor 须为处理结果代码列表"),
    ({"components": [FIELD, {**FIELD, "label": "又一个主题"}]}, "字段 topic（又一个主题）重复"),
    ({"components": [FIELD] * 201}, "组件不能超过 200 个"),
])
def test_bad_roots_are_refused(root, words):
    with pytest.raises(DefinitionError, match=words):
        compile_schema("f", root)


def test_without_licai_settings_the_defaults_apply():
    cls = compile_schema("plain", {"components": [FIELD]})
    assert cls.title == "plain" and cls.outcomes == [("submit", "提交")] and cls.comment_label == "处理意见"


def test_schema_text_must_be_a_json_object():
    with pytest.raises(DefinitionError, match="不是有效的 JSON"):
        load("{")
    with pytest.raises(DefinitionError, match="必须是一个 JSON 对象"):
        load("[1]")


def test_the_shipped_forms_are_form_js_schemas_and_compile():
    files = sorted((ROOT / "forms" / "tasks").glob("*"))
    assert files and all(path.suffix == ".form" for path in files)  # one format: no TOML left
    for path in files:
        cls = compile_schema(path.stem, json.loads(path.read_text(encoding="utf-8")))
        assert cls.title and cls.outcomes, path.name
