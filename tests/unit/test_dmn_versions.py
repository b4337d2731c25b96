"""DMN 1.2 (as Camunda Modeler 4 writes it) and 1.3 tables validate; whatever the library's DMN parser throws
becomes a Chinese problem naming the decision, never an exception."""

from __future__ import annotations

import pytest

from app.workflow import specs
from app.workflow.decisions import check_table
from app.workflow.errors import DiagramError
from tests.conftest import DATA

DMN12 = (DATA / "validation" / "grade_dmn12_camunda4.dmn").read_text(encoding="utf-8")
DMN13 = (DATA / "validation" / "grade_dmn13.dmn").read_text(encoding="utf-8")
DMN14_NS = "https://www.omg.org/spec/DMN/20211108/MODEL/"  # no schema shipped: only the parser checks it
RULE_TASK = (DATA / "rule_task.bpmn").read_text(encoding="utf-8")


@pytest.mark.parametrize("table", [
    DMN12, DMN13,
    DMN12.replace("http://www.omg.org/spec/DMN/20180521/MODEL/", "https://www.omg.org/spec/DMN/20180521/MODEL/"),
], ids=["dmn12", "dmn13", "dmn12-https"])
def test_dmn_12_and_13_tables_validate_and_parse_with_the_diagram_calling_them(table):
    assert check_table(table) == []
    parsed = specs.parse_model(RULE_TASK, [table])
    assert parsed.process_key == "test_rule_grade"


def test_a_dmn_12_schema_error_names_the_element_and_line():
    broken = DMN12.replace('<output id="Output_1"', '<output id="Output_1" colour="red"')
    [found] = check_table(broken)
    assert found.element_id == "Output_1"
    assert found.message == ("决策“客户等级”：不符合 DMN 规范（XSD）：第 10 行元素 output 的属性 colour："
                             "不允许属性 colour")
    with pytest.raises(DiagramError) as refused:
        specs.parse_model(RULE_TASK, [broken])
    assert refused.value.element_id == "Output_1" and "第 10 行" in refused.value.message


@pytest.mark.parametrize(("table", "exception"), [
    # A rule with more conditions than the table has inputs: IndexError in the parser.
    (DMN13.replace("https://www.omg.org/spec/DMN/20191111/MODEL/", DMN14_NS).replace(
        '<inputEntry id="UnaryTests_1">',
        '<inputEntry id="extra"><text>1</text></inputEntry><inputEntry id="UnaryTests_1">'),
     "IndexError"),
    # No default namespace: the parser's "dmn:" prefix is undefined (lxml XPathEvalError).
    (DMN13.replace('xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" ', ""), "XPathEvalError"),
])
def test_parser_exceptions_become_problems_naming_the_decision(table, exception):
    [found] = check_table(table)
    assert (found.element_id, found.element_name) == ("test_grade", "客户等级")
    assert found.message.startswith("决策“客户等级”：结构有误，无法解析（") and exception in found.message
    with pytest.raises(DiagramError):
        specs.parse_model(RULE_TASK, [table])


def test_a_decision_without_id_or_a_file_without_decisions_is_a_problem():
    [no_id] = check_table(DMN13.replace("https://www.omg.org/spec/DMN/20191111/MODEL/", DMN14_NS)
                          .replace('<decision id="test_grade" ', "<decision "))
    assert no_id.message.startswith("规则表：结构有误，无法解析（KeyError")
    [empty] = check_table('<definitions xmlns="http://www.omg.org/spec/DMN/20180521/MODEL/" id="d" name="x" '
                          'namespace="n"/>')
    assert empty.message == "文件中没有决策（decision）"
