"""Demo history for 流程性能: the demo trades run through their review steps in one go, so every wait and
handling time would read 0 秒 and the heatmap would show nothing. This loader lays each demo instance's
tasks out on a plausible past timeline (waiting, then claimed and handled) — finance audit waits longest,
contracts a day or two — ending where the instance really is, so a new user sees where trades stall.

Only timestamps move: the order of tasks, who did them and the outcomes stay as the engine recorded them.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.database import DbSession
from app.demo import DemoContext, loader
from app.workflow.models import ProcessInstance, TaskStatus, WorkflowTask

# Element id → (waiting hours low, high, handling minutes low, high) of the shipped trade review.
TYPICAL = {
    "finance_audit": (4, 30, 10, 60),
    "verification": (1, 8, 5, 30),
    "personal_contract": (6, 40, 15, 90),
    "collective_contract": (12, 60, 20, 120),
    "revision": (1, 6, 5, 40),
}
DEFAULT = (1, 4, 5, 30)


@loader("process_history")
def spread_task_history(session: DbSession, ctx: DemoContext) -> None:
    rng = random.Random(14)  # noqa: S311  (the same demo every time, not a secret)
    instances = session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "trade_review")
                                .order_by(ProcessInstance.id)).all()
    for instance in instances:
        tasks = session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id)
                                .order_by(WorkflowTask.created_at.desc(), WorkflowTask.id.desc())).all()
        if not tasks:
            continue
        moment = tasks[0].completed_at or tasks[0].created_at
        for task in tasks:  # newest first: each task ends where the next one began
            wait_lo, wait_hi, handle_lo, handle_hi = TYPICAL.get(task.element_id, DEFAULT)
            waiting = timedelta(hours=rng.uniform(wait_lo, wait_hi))
            if task.status == TaskStatus.COMPLETED and task.completed_at is not None:
                task.completed_at = moment
                handling = timedelta(minutes=rng.uniform(handle_lo, handle_hi))
                task.claimed_at = moment - handling  # the completer claimed it first, as seats do
                moment -= handling
            elif task.claimed_at is not None:
                task.claimed_at = moment
            task.created_at = moment - waiting
            moment = task.created_at
        instance.started_at = min(instance.started_at, moment)
