"""Diagram checks as the designer reads them: Chinese, against the element, and no library exception escaping.

Each diagram under tests/data/validation/ carries one mistake that used to pass validation and then break
every instance (or crash the parser); the checks here need no database.
"""

from __future__ import annotations

import pytest

from app.workflow import specs, validation
from app.workflow.errors import DiagramError
from app.workflow.validation import library
from app.workflow.xmlsafe import parse_xml
from tests.conftest import DATA

ROLES = {"seat": "seat", "坐席": "seat", "dept_head": "dept_head"}
CASES = DATA / "validation"


def problems_of(name: str) -> list[validation.Problem]:
    """What 校验 reports: the diagram checks, then the library's parse (first error only), as check_diagram does."""
    text = (CASES / name).read_text(encoding="utf-8")
    found = validation.check(parse_xml(text), ROLES)
    try:
        specs.parse_model(text)
    except DiagramError as exc:
        found.insert(0, validation.Problem(exc.element_id, exc.element_name, exc.message))
    return found


def by_element(problems: list[validation.Problem]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for p in problems:
        result.setdefault(p.element_id, []).append(p.message)
    return result


def test_a_partner_pool_that_does_not_run_is_not_checked():
    # The customer's pool has a gateway without conditions, a task without lane or form and a hyphenated id.
    assert problems_of("partner_pool.bpmn") == []


def test_the_process_id_rule_says_which_id_and_what_it_must_look_like():
    [found] = problems_of("bad_process_id.bpmn")
    assert (found.element_id, found.element_name) == ("leave-request", "请假申请")
    assert found.message == ("流程标识“leave-request”不合规：须以字母或下划线开头，只含字母、数字、下划线，"
                             "2–100 个字符（例如 leave_request）")


def test_an_unquoted_duration_is_refused_with_how_to_write_it():
    [found] = problems_of("unquoted_timer.bpmn")
    assert (found.element_id, found.element_name) == ("too_late", "两分钟未处理")
    assert "PT2M 缺少引号" in found.message and '例如 "PT2M"' in found.message


@pytest.mark.parametrize("timer", ["2026-12-31T09:00:00", "R3/PT1H", "P3D"])
def test_other_bare_iso_times_are_refused_too_and_quoted_ones_pass(timer):
    text = (CASES / "unquoted_timer.bpmn").read_text(encoding="utf-8").replace("PT2M", timer)
    [found] = validation.check(parse_xml(text), ROLES)
    assert found.element_id == "too_late" and f"例如 \"{timer}\"" in found.message
    assert validation.check(parse_xml(text.replace(timer, f'"{timer}"')), ROLES) == []


def test_a_condition_reading_a_variable_nothing_sets_is_named():
    found = problems_of("condition_typo.bpmn")
    # f_known reads outcome, priority (postScript), customer_name (start form) and owner_id: all set somewhere.
    assert [(p.element_id, p.element_name) for p in found] == [("f_urgent", "紧急")]
    assert "变量 priorty 没有任何表单字段、脚本、发起数据或结果变量设置过" in found[0].message


def test_the_variable_check_stays_out_of_processes_whose_data_it_cannot_see():
    text = (CASES / "condition_typo.bpmn").read_text(encoding="utf-8")
    # Started by code or the API (no startRoles): the start data is not in the diagram.
    code_started = text.replace('<spiffworkflow:property name="startRoles" value="seat" />', "")
    assert not [p for p in validation.check(parse_xml(code_started), ROLES) if p.element_id == "f_urgent"]
    # A message caught without a variable merges its payload into the data.
    with_message = text.replace('<bpmn:endEvent id="end">', '<bpmn:intermediateCatchEvent id="wait">'
                                '<bpmn:messageEventDefinition id="m" messageRef="msg" /></bpmn:intermediateCatchEvent>'
                                '<bpmn:endEvent id="end">')
    assert not [p for p in validation.check(parse_xml(with_message), ROLES) if p.element_id == "f_urgent"]


def test_a_start_form_without_start_roles_is_refused():
    [found] = problems_of("start_form_without_roles.bpmn")
    assert (found.element_id, found.element_name) == ("start", "登记回访")
    assert "没有可发起角色（startRoles）" in found.message and "发起流程" in found.message


def test_a_condition_that_is_not_python_says_so_and_an_unsafe_one_is_refused_as_such():
    found = by_element(problems_of("conditions_not_python.bpmn"))
    assert found["f_juel"] == ['条件“${approved}”不是 Python 表达式（第 1 个字符附近有语法错误）；'
                               '请用 Python 写，例如 amount > 1000、outcome == "pass"']
    assert found["f_unsafe"] == ["条件“().__class__”不能通过安全检查：不允许访问属性：__class__"]


def test_scripts_in_another_language_or_from_an_external_resource_are_refused():
    found = by_element(problems_of("script_formats.bpmn"))
    only_python = "不受支持：只能运行写在任务中的 Python 脚本（scriptFormat 留空或为 python）"
    assert found["js"] == [f"脚本格式“javascript”{only_python}"]
    assert found["xslt"] == [f"脚本格式“xslt”{only_python}"]
    assert found["external"] == ["脚本任务没有脚本内容：引用外部资源“classpath://score.py”的脚本不受支持；"
                                 "请把 Python 脚本写在任务中"]
    assert found["empty"] == ["脚本任务没有脚本内容：请把 Python 脚本写在任务中"]


def test_schema_errors_name_the_element_and_line():
    [found] = problems_of("schema_error.bpmn")
    assert (found.element_id, found.element_name) == ("end", "结束")
    assert found.message == "不符合 BPMN 规范（XSD）：第 7 行元素 bpmn:endEvent 的属性 priority：不允许属性 priority"


def test_a_data_store_is_named_in_chinese():
    found = problems_of("data_store.bpmn")
    expected = "数据存储“CRM 数据库”没有实现：本系统不支持数据存储，请改用数据对象或流程变量"
    assert ("crm_db", "CRM 数据库", expected) in [(p.element_id, p.element_name, p.message) for p in found]


def test_library_errors_arrive_in_chinese_against_their_element():
    [found] = problems_of("subprocess_two_starts.bpmn")
    assert (found.element_id, found.element_name) == ("sub", "核对子流程")
    assert found.message == "子流程必须恰好有一个开始事件，现有 2 个"


def test_a_chain_too_deep_for_the_parser_is_a_problem_not_a_crash():
    tasks = "".join(f'<bpmn:manualTask id="t{i}"><bpmn:incoming>f{i}</bpmn:incoming><bpmn:outgoing>f{i + 1}'
                    f"</bpmn:outgoing></bpmn:manualTask>" for i in range(600))
    targets = [f"t{i}" for i in range(1, 600)] + ["end"]
    flows = "".join(f'<bpmn:sequenceFlow id="f{i + 1}" sourceRef="t{i}" targetRef="{target}"/>'
                    for i, target in enumerate(targets))
    text = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
            '<bpmn:process id="val_long" isExecutable="true"><bpmn:startEvent id="start"><bpmn:outgoing>f0'
            '</bpmn:outgoing></bpmn:startEvent><bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="t0"/>'
            f'{tasks}{flows}<bpmn:endEvent id="end"><bpmn:incoming>f600</bpmn:incoming></bpmn:endEvent>'
            "</bpmn:process></bpmn:definitions>")
    with pytest.raises(DiagramError) as refused:
        specs.parse_model(text)
    assert "串联或嵌套过深" in refused.value.message and refused.value.element_id.startswith("t")


@pytest.mark.parametrize(("english", "chinese"), [
    ("A Service Task must have an operator", "服务任务没有指定服务操作（spiffworkflow:serviceTaskOperator）"),
    ("Exactly one start event is required in a SubWorkflow Task; found 0.", "子流程必须恰好有一个开始事件，现有 0 个"),
    ("Data Store with name crm has no implementation",
     "数据存储“crm”没有实现：本系统不支持数据存储，请改用数据对象或流程变量"),
    ("Data Store identifier is missing from bpmn xml", "数据存储定义缺少 id"),
    ("Unknown Time Specification", "定时器没有指定时间（timeDuration、timeDate 或 timeCycle）"),
    ("Cannot resolve dataInputAssociation <Element x>", "数据输入关联指向的数据对象或数据存储不存在"),
    ("Cannot resolve dataOutputAssociation <Element x>", "数据输出关联指向的数据对象或数据存储不存在"),
    ("Expected a Signal node", "事件引用的信号定义不存在"),
    ("Process other is not executable.", "流程 other 不可执行（isExecutable 不是 true），不能运行或被调用"),
    ("Something new in {http://www.omg.org/spec/BPMN/20100524/MODEL}task",
     "流程图无法解析（SpiffWorkflow：Something new in bpmn:task）"),
])
def test_the_library_texts_are_translated(english, chinese):
    assert library.translate(english) == chinese
