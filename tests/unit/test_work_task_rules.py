"""Work tasks without a database: what an action records, when a seat's quota counts as done, the result message."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.mining.task_models import TASK_ACTION_LABELS, TaskAction
from app.mining.task_work import Distribution
from app.mining.tasks import SeatProgress


@pytest.mark.parametrize(("action", "kind", "label"), [
    (TaskAction.CALL, "call", "电话"), (TaskAction.VISIT, "visit", "见客"),
    (TaskAction.CARE_CALL, "call", "关怀电话"), (TaskAction.QUESTIONNAIRE, "call", "问卷")])
def test_each_action_records_its_follow_up_kind(action, kind, label):
    assert action.followup_kind == kind and action.label == label == TASK_ACTION_LABELS[action]


@pytest.mark.parametrize(("assigned", "executed", "quota", "met"), [
    (0, 0, 5, False),  # nothing assigned: nothing done
    (10, 4, 5, False), (10, 5, 5, True),  # executed the quota out of more assigned
    (3, 2, 5, False), (3, 3, 5, True),  # fewer assigned than the quota: all of them
    (4, 4, None, True)])
def test_quota_is_met_at_the_quota_or_everything_assigned(assigned, executed, quota, met):
    assert SeatProgress(SimpleNamespace(), assigned, executed, quota).quota_met is met  # type: ignore[arg-type]


def test_the_distribution_message_names_each_seat_and_what_is_left():
    a, b = SimpleNamespace(name="张坐席", work_no="S0001"), SimpleNamespace(name="陈坐席", work_no="S0002")
    assert Distribution([(a, 3), (b, 2)], 0).message() == "已分配 5 个任务客户：张坐席（S0001）3，陈坐席（S0002）2"
    assert Distribution([], 4).message() == "没有新分配的任务客户；4 个未分配（每人配额已满，或为无效、黑名单客户）"
