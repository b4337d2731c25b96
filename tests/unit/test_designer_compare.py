"""Version comparison: only what the engine reads counts; moving shapes is no change."""

from __future__ import annotations

from app.designer.compare import compare
from app.designer.drafts import new_process_xml
from tests.conftest import DATA

APPROVAL = (DATA / "approval.bpmn").read_text(encoding="utf-8")


def by_id(changes):
    return {c.element_id: c for c in changes}


def test_identical_documents_and_moved_shapes_have_no_changes():
    assert compare(APPROVAL, APPROVAL) == []
    drawn = new_process_xml("care_visit", "客户关怀", "seat")
    moved = drawn.replace('x="212"', 'x="400"').replace('width="900"', 'width="1200"')
    assert moved != drawn and compare(drawn, moved) == []


def test_renames_conditions_properties_and_lanes_are_changes_with_details():
    new = (APPROVAL.replace('name="财务审核"', 'name="财务复核"')
           .replace('outcome == "pass" and amount &gt;= 100', 'outcome == "pass"')
           .replace('value="test_fill"', 'value="approval"')
           .replace('<bpmn:lane id="Lane_finance" name="finance">',
                    '<bpmn:lane id="Lane_finance" name="investor_service">'))
    changes = by_id(compare(APPROVAL, new))
    assert changes["review"].change == "changed" and "名称：财务审核 → 财务复核" in changes["review"].details
    assert "泳道：finance → investor_service" in changes["review"].details
    assert any(d.startswith("条件：") for d in changes["f_ok"].details)
    assert "属性 formKey：test_fill → approval" in changes["fill"].details
    assert changes["Lane_finance"].kind_label == "泳道"


def test_added_and_removed_elements():
    new = APPROVAL.replace('<bpmn:endEvent id="end_rejected" name="驳回">', '<bpmn:endEvent id="end_no" name="驳回">')
    changes = compare(APPROVAL, new)
    kinds = [(c.element_id, c.change) for c in changes]
    assert ("end_rejected", "removed") in kinds and ("end_no", "added") in kinds
    assert kinds.index(("end_rejected", "removed")) < kinds.index(("end_no", "added"))  # removed first
    assert by_id(changes)["end_no"].kind_label == "结束事件"


def test_timers_messages_and_scripts_are_compared():
    timer = (DATA / "timer_escalation.bpmn").read_text(encoding="utf-8")
    assert "定时器 timeDuration：\"P3D\" → \"P5D\"" in by_id(compare(timer, timer.replace('"P3D"', '"P5D"')))[
        "too_late"].details
    message = (DATA / "message_wait.bpmn").read_text(encoding="utf-8")
    renamed = message.replace('name="project_go"', 'name="project_started"')
    changes = by_id(compare(message, renamed))
    assert "消息：project_go → project_started" in changes["wait_go"].details
    script = (DATA / "script_task.bpmn").read_text(encoding="utf-8")
    changed = script.replace("interest = principal * rate / 100", "interest = principal * rate / 1000")
    assert any(d.startswith("脚本：") for d in by_id(compare(script, changed))["compute"].details)



def test_lanes_and_start_roles_are_shown_by_role_name_when_names_are_given():
    roles = {"finance": "财务", "investor_service": "投服", "seat": "坐席", "process_designer": "流程设计"}
    new = APPROVAL.replace('<bpmn:lane id="Lane_finance" name="finance">',
                           '<bpmn:lane id="Lane_finance" name="investor_service">')
    changes = by_id(compare(APPROVAL, new, roles))
    assert "泳道：财务 → 投服" in changes["review"].details
    assert (changes["Lane_finance"].name, changes["Lane_finance"].details) == ("投服", ["名称：财务 → 投服"])

    three_step = (DATA / "three_step.bpmn").read_text(encoding="utf-8")
    wider = three_step.replace('name="startRoles" value="seat"', 'name="startRoles" value="seat,process_designer"')
    [start] = compare(three_step, wider, roles)
    assert start.details == ["属性 startRoles：坐席 → 坐席,流程设计"]
