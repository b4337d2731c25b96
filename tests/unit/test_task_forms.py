"""Declarative task forms: compiled into WTForms, values typed, mistakes reported by form and field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from forms import registry
from forms.task_forms import DefinitionError, compile_definition

DEFINITION = {
    "title": "财务审核",
    "outcomes": [["pass", "通过"], ["return", "退回"]],
    "comment_label": "审核意见",
    "comment_required_for": ["return"],
    "fields": [
        {"name": "arrival_amount", "label": "实际到账金额", "type": "decimal", "required": True, "min": 0},
        {"name": "arrival_date", "label": "到账日期", "type": "date", "required": True},
        {"name": "copies", "label": "份数", "type": "integer", "max": 5},
        {"name": "channel", "label": "渠道", "type": "choice", "choices": [["bank", "银行"], ["cash", "现金"]]},
        {"name": "intended", "label": "意向金额", "type": "decimal", "readonly": True},
    ],
}


@pytest.fixture
def form_class():
    return compile_definition("finance_audit", DEFINITION)


def _form(form_class, **values):
    # A form class needs an app context for CSRF; unit tests switch CSRF off per instance.
    from flask import Flask

    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=False)
    with app.test_request_context():
        form = form_class(formdata=MultiDict(values), meta={"csrf": False})
        ok = form.validate()
        return form, ok


def test_values_arrive_typed(form_class):
    form, ok = _form(form_class, arrival_amount="1000000.50", arrival_date="2026-03-01", copies="2",
                     channel="bank", intended="999")
    assert ok, form.errors
    data = form.task_data()
    assert data == {"arrival_amount": Decimal("1000000.50"), "arrival_date": date(2026, 3, 1), "copies": 2,
                    "channel": "bank"}  # read-only fields are never written back


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"arrival_amount": "", "arrival_date": "2026-03-01"}, "arrival_amount", "请填写实际到账金额"),
    ({"arrival_amount": "-1", "arrival_date": "2026-03-01"}, "arrival_amount", "实际到账金额须不小于 0"),
    ({"arrival_amount": "1", "arrival_date": "2026-02-30"}, "arrival_date", ""),
    ({"arrival_amount": "1", "arrival_date": "2026-03-01", "copies": "9"}, "copies", "份数须不大于 5"),
    ({"arrival_amount": "1", "arrival_date": "2026-03-01", "channel": "gold"}, "channel", ""),
])
def test_bad_values_are_refused_per_field(form_class, values, field, message):
    form, ok = _form(form_class, **values)
    assert not ok and field in form.errors
    if message:
        assert message in form.errors[field][0]


def test_outcome_rules(form_class):
    form, _ok = _form(form_class)
    assert form.check_outcome("pass", "") == []
    assert form.check_outcome("return", " ") == ["选择“退回”时必须填写审核意见"]
    assert form.check_outcome("approve", "x") == ["请选择有效的处理结果"]


@pytest.mark.parametrize(("change", "words"), [
    ({"fields": [{"name": "Amount", "type": "decimal"}]}, "字段名须以小写字母开头"),
    ({"fields": [{"name": "outcome", "type": "string"}]}, "保留名称"),
    ({"fields": [{"name": "amount", "type": "money"}]}, "未知类型 money"),
    ({"fields": [{"name": "kind", "type": "choice"}]}, "需要 choices 或 dictionary"),
    ({"fields": [{"name": "note", "type": "string", "min": 1}]}, "只有数字字段可以设置 min/max"),
    ({"fields": [{"name": "a", "type": "string"}, {"name": "a", "type": "text"}]}, "重复"),
    ({"outcomes": [["pass", "通过"]], "comment_required_for": ["return"]}, "未定义的处理结果"),
])
def test_definition_mistakes_name_the_form_and_field(change, words):
    with pytest.raises(DefinitionError, match=words) as exc:
        compile_definition("my_form", {**DEFINITION, **change})
    assert "my_form" in str(exc.value)


def test_registry_resolves_shipped_files_and_refuses_unknown_keys():
    assert registry.exists("approval")
    assert registry.resolve("approval").outcomes == [("pass", "通过"), ("return", "退回")]
    for key in ("no_such_form", "../etc/passwd", ".hidden", ""):
        assert not registry.exists(key)
    assert "approval" in registry.known_keys()


PICKER = {
    "outcomes": [["complete", "处理完成"], ["forward", "向下流转"]],
    "fields": [{"name": "next_handler_id", "label": "下一处理人", "type": "user", "candidates": "oa_handlers",
                "required_for": ["forward"]}],
}


def _picker(**values):
    from flask import Flask

    form_class = compile_definition("picker", PICKER)
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=False)
    with app.test_request_context():
        form = form_class(formdata=MultiDict(values), meta={"csrf": False})
        sources = []
        form.prepare(lambda code: [], lambda source: sources.append(source) or [(7, "李主管"), (9, "王城经")])
        return form, form.validate(), sources


def test_a_person_picker_offers_and_accepts_only_its_source():
    form, ok, sources = _picker(next_handler_id="9")
    assert ok and sources == ["oa_handlers"] and form.task_data() == {"next_handler_id": 9}
    form, ok, _ = _picker(next_handler_id="8")  # someone the source does not offer
    assert not ok and "next_handler_id" in form.errors
    form, ok, _ = _picker(next_handler_id="")
    assert ok and form.task_data() == {"next_handler_id": None}


def test_required_for_makes_a_field_required_for_some_outcomes_only():
    form, _ok, _ = _picker(next_handler_id="")
    assert form.check_outcome("complete", "") == []
    assert form.check_outcome("forward", "") == ["选择“向下流转”时必须填写下一处理人"]
    with pytest.raises(DefinitionError, match="未定义的处理结果"):
        compile_definition("picker", {**PICKER, "fields": [{**PICKER["fields"][0], "required_for": ["nope"]}]})
    with pytest.raises(DefinitionError, match="人员来源"):
        compile_definition("picker", {**PICKER, "fields": [{**PICKER["fields"][0], "candidates": "../x"}]})


def test_a_prefixed_form_keys_task_data_by_field_name(form_class):
    from flask import Flask

    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", WTF_CSRF_ENABLED=False)
    with app.test_request_context():
        form = form_class(formdata=MultiDict({"details-arrival_amount": "5", "details-arrival_date": "2026-03-01"}),
                          prefix="details", meta={"csrf": False})
        assert form.validate(), form.errors
        assert form.task_data()["arrival_amount"] == Decimal("5")
