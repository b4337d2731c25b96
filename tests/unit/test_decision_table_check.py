"""DMN tables are checked like the engine will evaluate them, problems named by cell id."""

from __future__ import annotations

from app.workflow.decisions import check_table
from tests.conftest import DATA


def grade_table(high: str = "gold") -> str:
    return (DATA / "grade.dmn").read_text(encoding="utf-8").replace("{high}", high)


def test_a_good_table_passes():
    assert check_table(grade_table()) == []
    assert check_table(grade_table().replace("&gt;= 1000000", "1000 &lt; ? &lt; 5000")) == []


def test_unsafe_or_broken_cells_are_reported_by_id():
    bad = grade_table().replace("&gt;= 1000000", "__import__('os')").replace('"normal"', "().__class__.__base__")
    problems = {p.element_id: p.message for p in check_table(bad)}
    assert set(problems) == {"r1_in", "r2_out"}
    assert "不能通过安全检查" in problems["r1_in"]
    assert "不能通过安全检查" in problems["r2_out"]
    broken = grade_table().replace("<text>amount</text>", "<text>amount +</text>")
    assert [(p.element_id, p.message) for p in check_table(broken)] == [
        ("in_amount", "输入表达式“amount +”不是 Python 表达式（语法错误）")]


def test_a_feel_range_is_told_it_is_not_python():
    feel = grade_table().replace("&gt;= 1000000", "[1000000..5000000]")
    [problem] = check_table(feel)
    assert problem.element_id == "r1_in"
    assert problem.message.startswith("规则 r1 的条件“[1000000..5000000]”不是 Python 表达式")


def test_not_a_table_or_unsafe_xml():
    assert check_table('<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="x" '
                       'namespace="n"/>')[0].message.startswith(("决策表无效", "文件中没有决策"))
    import pytest

    from app.workflow.xmlsafe import XmlRejected

    with pytest.raises(XmlRejected):
        check_table('<!DOCTYPE x [<!ENTITY e "e">]><definitions/>')
