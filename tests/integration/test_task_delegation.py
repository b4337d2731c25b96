"""委派 and 转办 the Camunda way, and claiming: only candidates are offered and accepted, a delegated task comes
back to its owner, a transferred one does not, and a lost claim race says who won (409, not 404)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app import workflow
from app.errors import Conflict
from app.extensions import db
from app.workflow import deploy, gateway
from app.workflow.models import InstanceEvent, ProcessInstance, TaskStatus, WorkflowTask
from tests.conftest import user_named

APPROVAL = (Path(__file__).parents[1] / "data" / "approval.bpmn").read_text(encoding="utf-8")
FILL_KEY = '<spiffworkflow:property name="formKey" value="test_fill" />'
JSON = {"Accept": "application/json"}


def _start(text: str = APPROVAL) -> ProcessInstance:
    deploy.deploy(db.session, text, source="test")
    seat = user_named("seat01")
    instance = workflow.start(db.session, "test_approval", business_key="test:9", title="测试单据九",
                              org_id=seat.org_id, owner_id=seat.id, actor=seat)
    db.session.commit()
    return instance


def _task(instance: ProcessInstance) -> WorkflowTask:
    db.session.expire_all()
    return db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id,
                                                         WorkflowTask.status == TaskStatus.OPEN)).one()


def _at_review(login_as, text: str = APPROVAL) -> WorkflowTask:
    instance = _start(text)
    seat = login_as("seat01")
    assert seat.post(f"/tasks/{_task(instance).id}/complete", data={"amount": "150", "outcome": "submit"}
                     ).status_code == 302
    return _task(instance)


def _offered(page: str) -> str:
    return page.split('id="hand-over"', 1)[1].split("</div></div>", 1)[0] if 'id="hand-over"' in page else ""


def test_only_candidates_within_scope_are_offered(login_as):
    task = _at_review(login_as)
    offered = _offered(login_as("finance01").get(f"/tasks/{task.id}").get_data(as_text=True))
    finance02, finance11 = user_named("finance02"), user_named("finance11")
    assert f'value="{finance02.id}"' in offered  # same department, same role
    assert f'value="{finance11.id}"' not in offered  # 理财二部: outside the task's scope
    assert f'value="{user_named("seat01").id}"' not in offered and f'value="{user_named("head01").id}"' not in offered


def test_a_heads_review_offers_no_finance_user_and_refuses_one_posted(login_as):
    task = _at_review(login_as, APPROVAL.replace('name="finance"', 'name="dept_head"'))
    head = login_as("head01")
    page = head.get(f"/tasks/{task.id}").get_data(as_text=True)
    finance01 = user_named("finance01")
    assert f'value="{finance01.id}"' not in _offered(page)
    assert "没有其他能办理此任务的人" in page
    for action in ("delegate", "transfer"):
        refused = head.post(f"/tasks/{task.id}/{action}", data={"to_user_id": finance01.id}, headers=JSON)
        assert refused.status_code == 422
        assert "不能办理“财务审核”（不是该任务的候选人或不在其数据范围内）" in refused.get_json()["error"]["message"]
        assert _task_row(task).assignee_id is None  # nothing moved


def _task_row(task: WorkflowTask) -> WorkflowTask:
    db.session.expire_all()
    return db.session.get(WorkflowTask, task.id)


def test_a_delegated_task_is_worked_by_the_delegate_and_resolved_back_to_its_owner(login_as):
    instance = _start(APPROVAL.replace(FILL_KEY, FILL_KEY + '<spiffworkflow:property name="candidateUsers" '
                                                           'value="seat02" />'))
    task = _task(instance)
    owner, delegate = login_as("seat01"), login_as("seat02")
    seat01, seat02 = user_named("seat01"), user_named("seat02")
    assert owner.post(f"/tasks/{task.id}/delegate", data={"to_user_id": seat02.id, "comment": "请帮忙核对金额"}
                      ).status_code == 302
    row = _task_row(task)
    assert (row.assignee_id, row.delegated_from_id) == (seat02.id, seat01.id)
    assert "已委派给" in owner.get(f"/tasks/{task.id}").get_data(as_text=True)

    # The delegate cannot complete it, hand it on or put it back in the pool: it goes back to its owner.
    refused = delegate.post(f"/tasks/{task.id}/complete", data={"amount": "88", "outcome": "submit"}, headers=JSON)
    assert refused.status_code == 409 and "委派给您的任务" in refused.get_json()["error"]["message"]
    assert delegate.post(f"/tasks/{task.id}/transfer", data={"to_user_id": seat01.id}, headers=JSON
                         ).status_code == 409
    page = delegate.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="delegated-note"' in page and "办理完毕，交回" in page and 'value="submit"' not in page
    assert "退回任务池" not in page and 'id="hand-over"' not in page
    assert delegate.post(f"/tasks/{task.id}/release", headers=JSON).status_code == 409
    assert delegate.post(f"/tasks/{task.id}/resolve", data={"amount": "-1"}).status_code == 422  # validated
    assert delegate.post(f"/tasks/{task.id}/resolve", data={"amount": "88.00", "comment": "已核对"}
                         ).status_code == 302
    row = _task_row(task)
    assert (row.assignee_id, row.delegated_from_id, row.status) == (seat01.id, None, TaskStatus.OPEN)

    # The owner's form starts from what the delegate entered; the owner completes it.
    page = owner.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="resolved-note"' in page and 'value="88.00"' in page
    assert owner.post(f"/tasks/{task.id}/complete", data={"amount": "88.00", "outcome": "submit"}).status_code == 302
    row = _task_row(task)
    assert row.status == TaskStatus.COMPLETED and row.completed_by_id == seat01.id
    events = db.session.execute(select(InstanceEvent.kind, InstanceEvent.actor_name).where(
        InstanceEvent.instance_id == instance.id).order_by(InstanceEvent.id)).all()
    assert [tuple(e) for e in events if e.kind != "start"][:3] == [
        ("delegate", seat01.name), ("resolve", seat02.name), ("complete", seat01.name)]
    history = owner.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "委派交回" in history and f"→ {seat02.name}" in history


def test_transfer_hands_the_task_over_for_good(login_as):
    task = _at_review(login_as)
    finance01, finance02 = login_as("finance01"), login_as("finance02")
    assert finance01.post(f"/tasks/{task.id}/claim").status_code == 302
    assert finance01.post(f"/tasks/{task.id}/transfer", data={"to_user_id": user_named("finance02").id}
                          ).status_code == 302
    row = _task_row(task)
    assert (row.assignee_id, row.delegated_from_id) == (user_named("finance02").id, None)
    refused = finance01.post(f"/tasks/{task.id}/complete", data={"outcome": "pass"}, headers=JSON)
    assert refused.status_code in (404, 409)  # no longer theirs
    assert finance02.post(f"/tasks/{task.id}/complete", data={"outcome": "pass"}).status_code == 302


def test_the_loser_of_a_claim_race_is_told_who_won_not_404(login_as):
    task = _at_review(login_as)
    finance01, finance02 = login_as("finance01"), login_as("finance02")
    assert finance01.post(f"/tasks/{task.id}/claim").status_code == 302
    lost = finance02.post(f"/tasks/{task.id}/claim", headers=JSON)
    assert lost.status_code == 409
    assert lost.get_json()["error"]["message"] == f"该任务已被{user_named('finance01').name}认领，请刷新待办"
    assert login_as("finance11").post(f"/tasks/{task.id}/claim").status_code == 404  # not a candidate at all


def test_two_claims_at_the_same_moment_one_wins_the_other_gets_a_conflict(login_as, monkeypatch):
    task = _at_review(login_as)
    finance01, finance02 = user_named("finance01"), user_named("finance02")
    stale = db.session.get(WorkflowTask, task.id)  # finance02's read, made while the task was still unheld
    db.session.expunge(stale)
    workflow.claim(db.session, task.id, finance01)  # finance01's claim commits in between
    db.session.commit()
    monkeypatch.setattr(gateway, "get_task", lambda *_args, **_kwargs: stale)
    with pytest.raises(Conflict, match="该任务已被他人认领"):
        workflow.claim(db.session, task.id, finance02)
    db.session.rollback()
    assert _task_row(task).assignee_id == finance01.id


def test_a_group_task_page_says_completing_claims_it(login_as):
    task = _at_review(login_as)
    page = login_as("finance01").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="group-note"' in page and "提交即由您认领并办理" in page
