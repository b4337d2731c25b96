"""Camunda → sandbox translation: JUEL/FEEL expressions, cron timers and the in-place rewrite of a diagram."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from app.workflow import camunda, juel, sandbox
from app.workflow.validation import Problem, properties
from app.workflow.xmlsafe import parse_xml, to_text

TRANSLATED = [
    ("${approved}", "approved"),
    ("#{!approved}", "(not approved)"),
    ("${amount > 1000}", "(amount > 1000)"),
    ("${x == 'y'}", "(x == 'y')"),
    ('${x == "it\\"s"}', "(x == 'it\"s')"),
    ("${a && b || c}", "((a and b) or c)"),
    ("${a and not b or c}", "((a and (not b)) or c)"),
    ("${amount eq 5 and n ne 2}", "((amount == 5) and (n != 2))"),
    ("${a lt 1 || a gt 9 || a le 0 || a ge 10}", "((((a < 1) or (a > 9)) or (a <= 0)) or (a >= 10))"),
    ("${empty comment}", "(comment in (None, '', [], {}))"),
    ("${not empty comment}", "(not (comment in (None, '', [], {})))"),
    ("${x == null}", "(x == None)"),
    ("${flag == true || flag == false}", "((flag == True) or (flag == False))"),
    ("${order.amount >= 1e3}", "(order.amount >= 1e3)"),
    ("${items[0] == 'a'}", "(items[0] == 'a')"),
    ("${(a + b) * 2 div 4 mod 3 - -1}", "(((((a + b) * 2) / 4) % 3) - (-1))"),
    ("${vip ? 'gold' : 'normal'}", "('gold' if vip else 'normal')"),
    (" ${ approved } ", "approved"),
    ("=amount > 1000", "(amount > 1000)"),  # FEEL (Camunda 8)
    ('=x = "y" and not(approved)', "((x == 'y') and (not approved))"),
]
REFUSED = [
    ("${execution.getVariable('x')}", "Camunda 引擎对象 execution"),
    ("${myBean.isOk()}", "调用了方法 isOk()"),
    ("${dateTime()}", "调用了函数或方法 dateTime()"),
    ("${task.assignee}", "Camunda 引擎对象 task"),
    ("${a} and ${b}", "不能与文字混排"),
    ("amount ${a}", "不能与文字混排"),
    ("${}", "表达式为空"),
    ("${a = 1}", "不支持赋值"),
    ("${a instanceof b}", "多余的内容"),
    ("${class == 1}", "Python 保留字"),
    ("${a ? b}", "此处应为“:”"),
    ("${a @ b}", "无法识别的字符“@”"),
    ("${(a}", "此处应为“)”"),
]


@pytest.mark.parametrize(("juel_text", "python"), TRANSLATED)
def test_simple_juel_and_feel_translate_to_the_sandbox_language(juel_text, python):
    assert juel.translate(juel_text) == python
    sandbox.parse_expression(python)  # the sandbox accepts every translation


@pytest.mark.parametrize(("juel_text", "reason"), REFUSED)
def test_what_reaches_into_camunda_or_is_not_simple_is_refused_with_the_reason(juel_text, reason):
    with pytest.raises(juel.JuelRefused) as refused:
        juel.translate(juel_text)
    assert reason in str(refused.value)


def test_the_start_events_initiator_variable_means_our_initiator_id():
    assert juel.translate("${initiator}", {"initiator": "initiator_id"}) == "initiator_id"
    assert juel.translate("${starter == owner}", {"starter": "initiator_id"}) == "(initiator_id == owner)"


JAVA_SEMANTICS = {  # JUEL operator → what it computes on numbers (Java), to compare with the sandbox's result
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b, "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b, "gt": lambda a, b: a > b, "le": lambda a, b: a <= b, "ge": lambda a, b: a >= b,
}


def test_translated_comparisons_and_connectives_evaluate_as_juel_would_over_a_grid_of_values():
    values = (Decimal("-1.5"), 0, 1, 1000, Decimal("1000.01"))
    for (op, expected), a, b, flag in itertools.product(JAVA_SEMANTICS.items(), values, values, (True, False)):
        for connective, combine in (("&&", lambda x, y: x and y), ("||", lambda x, y: x or y)):
            python = juel.translate(f"${{a {op} b {connective} !flag}}")
            result = sandbox.evaluate(python, {"a": a, "b": b, "flag": flag})
            assert bool(result) == combine(expected(a, b), not flag), (op, connective, a, b, flag)


def test_empty_is_true_for_null_blank_and_empty_collections_only():
    python = juel.translate("${empty x}")
    for value, empty in ((None, True), ("", True), ([], True), ({}, True), (0, False), ("0", False),
                         ([0], False), (False, False)):
        assert sandbox.evaluate(python, {"x": value}) is empty, value


@pytest.mark.parametrize(("cron", "iso"), [
    ("0 0/5 * * * ?", "R/PT5M"),
    ("0 */15 * * * ?", "R/PT15M"),
    ("0 0 * * * ?", "R/PT1H"),
    ("0 0 */2 * * ?", "R/PT2H"),
    ("0/30 * * * * ?", "R/PT30S"),
    ("0 0/10 * * * ? *", "R/PT10M"),
])
def test_cron_that_is_a_plain_interval_becomes_an_iso_repeating_interval(cron, iso):
    assert juel.cron_to_iso(cron) == iso


@pytest.mark.parametrize(("cron", "reason"), [
    ("0 0 9 * * ?", "固定的时刻"),
    ("0 15 * * * ?", "固定的时刻"),
    ("0 0/7 * * * ?", "整除"),
    ("0 0 9 ? * MON-FRI", "星期"),
    ("0 0 0 1 * ?", "日期"),
    ("0 0 12 * * ? 2027", "日期"),
    ("every day", "cron"),
])
def test_cron_naming_a_time_day_or_uneven_step_is_refused(cron, reason):
    with pytest.raises(juel.JuelRefused) as refused:
        juel.cron_to_iso(cron)
    assert reason in str(refused.value)


HEAD = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d"><bpmn:process id="p" isExecutable="true">')
TAIL = "</bpmn:process></bpmn:definitions>"


def _translate(body: str, head: str = HEAD) -> tuple[object, list[Problem]]:
    root = parse_xml(head + body + TAIL)
    return root, camunda.translate(root)


def _node(root, element_id: str):
    return next(node for node in root.iter() if node.get("id") == element_id)


def test_camunda_7_task_attributes_become_our_properties_after_the_documentation():
    root, problems = _translate(
        '<bpmn:userTask id="t" name="审批" camunda:formKey="embedded:app:forms/approve.html" camunda:assignee="demo" '
        'camunda:candidateGroups="finance,投服" camunda:candidateUsers="a,b">'
        '<bpmn:documentation>说明</bpmn:documentation></bpmn:userTask>')
    assert problems == []
    task = _node(root, "t")
    assert properties(task) == {"formKey": "approve", "assignee": "'demo'", "candidateGroups": "finance,投服",
                                "candidateUsers": "a,b"}
    assert [child.tag.split("}")[1] for child in task] == ["documentation", "extensionElements"]
    assert not [name for name in task.attrib if "camunda" in name]


def test_zeebe_form_and_assignment_definitions_are_read():
    root, problems = _translate(
        '<bpmn:userTask id="t"><bpmn:extensionElements><zeebe:formDefinition formKey="camunda-forms:bpmn:review" />'
        '<zeebe:assignmentDefinition assignee="=initiator" candidateGroups="seat" /></bpmn:extensionElements>'
        '</bpmn:userTask>')
    assert problems == []
    assert properties(_node(root, "t")) == {"formKey": "review", "assignee": "initiator", "candidateGroups": "seat"}


def test_an_existing_property_of_ours_wins_over_the_camunda_attribute():
    root, _ = _translate(
        '<bpmn:userTask id="t" camunda:formKey="theirs"><bpmn:extensionElements>'
        '<spiffworkflow:properties xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core">'
        '<spiffworkflow:property name="formKey" value="ours" /></spiffworkflow:properties></bpmn:extensionElements>'
        '</bpmn:userTask>')
    assert properties(_node(root, "t"))["formKey"] == "ours"


def test_timers_are_quoted_translated_or_refused_and_reported_on_their_event():
    root, problems = _translate(
        '<bpmn:intermediateCatchEvent id="e1" name="等5分钟"><bpmn:timerEventDefinition id="td1">'
        '<bpmn:timeDuration>PT5M</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="e2"><bpmn:timerEventDefinition id="td2">'
        '<bpmn:timeDate>2027-01-31T09:00:00</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="e3"><bpmn:timerEventDefinition id="td3">'
        '<bpmn:timeCycle>R3/PT10M</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="e4"><bpmn:timerEventDefinition id="td4">'
        '<bpmn:timeCycle>0 0/15 * * * ?</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="e5"><bpmn:timerEventDefinition id="td5">'
        '<bpmn:timeDuration>${wait}</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="e6" name="坏"><bpmn:timerEventDefinition id="td6">'
        '<bpmn:timeDuration>five minutes</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')
    texts = [node.text for node in root.iter() if isinstance(node.tag, str) and node.tag.endswith(("Duration", "Date",
                                                                                                   "Cycle"))]
    assert texts == ['"PT5M"', '"2027-01-31T09:00:00"', '"R3/PT10M"', '"R/PT15M"', "wait", "five minutes"]
    [problem] = problems
    assert (problem.element_id, problem.element_name) == ("e6", "坏") and "ISO 8601 时长" in problem.message
    again = camunda.translate(root)  # read again (a stored version): nothing changes, the same problem only
    assert [node.text for node in root.iter() if isinstance(node.tag, str)
            and node.tag.endswith(("Duration", "Date", "Cycle"))] == texts
    assert again == problems


def test_what_camunda_would_run_as_code_is_refused_by_element_and_left_in_place():
    root, problems = _translate(
        '<bpmn:serviceTask id="s" name="记账" camunda:class="com.acme.Booking" />'
        '<bpmn:userTask id="u" name="填写" camunda:candidateGroups="${groups}"><bpmn:extensionElements>'
        '<camunda:taskListener class="com.acme.L" event="create" /></bpmn:extensionElements></bpmn:userTask>'
        '<bpmn:scriptTask id="g" name="算" scriptFormat="groovy"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
        '<bpmn:sequenceFlow id="f" name="走" sourceRef="u" targetRef="s"><bpmn:conditionExpression '
        'xsi:type="bpmn:tFormalExpression" language="javascript">x &gt; 1</bpmn:conditionExpression>'
        '</bpmn:sequenceFlow>')
    found = {(p.element_id, p.element_name): p.message for p in problems}
    assert "Java 类" in found[("s", "记账")]
    assert ("g", "算") not in found  # a groovy script is refused by validation, for every diagram, not twice
    assert "javascript" in found[("f", "走")]
    messages_for_u = [p.message for p in problems if p.element_id == "u"]
    assert any("任务监听器" in m for m in messages_for_u)
    assert any("只支持固定的逗号分隔列表" in m for m in messages_for_u)
    # Left as it was, so reading the stored diagram again finds the same problems.
    assert _node(root, "u").get("{http://camunda.org/schema/1.0/bpmn}candidateGroups") == "${groups}"
    assert len(camunda.translate(root)) == len(problems)


def test_translation_is_idempotent_and_leaves_other_diagrams_alone():
    source = (HEAD + '<bpmn:startEvent id="s" camunda:initiator="starter" />'
              '<bpmn:userTask id="t" camunda:assignee="${starter}" camunda:formKey="f" />'
              '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"><bpmn:conditionExpression>'
              '${starter != null}</bpmn:conditionExpression></bpmn:sequenceFlow>' + TAIL)
    once, from_camunda = camunda.translated_text(source)
    assert from_camunda and "initiator_id" in once and "(initiator_id != None)" in once
    assert camunda.translated_text(once) == (once, True)
    ours = to_text(parse_xml(source.replace("http://camunda.org/schema", "http://example.org/schema")))
    assert camunda.translated_text(ours) == (ours, False)


def test_merge_drops_the_sandboxs_duplicate_about_the_same_untranslated_text():
    own = [Problem("f", "走", "条件“${a.b()}”是 Camunda 表达式，无法自动转换")]
    others = [Problem("f", "走", "条件“${a.b()}”不能通过安全检查：invalid syntax"),
              Problem("t", "审批", "人工任务缺少表单（formKey）")]
    assert camunda.merge(own, others) == [own[0], others[1]]
