"""Moving an instance's token by hand (实例修复): back to an element already passed, or past the current one.

Built on SpiffWorkflow's own reset and completion, inside ``engine.library_errors`` so a failure arrives as an
EngineError in Chinese against its element.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any
from uuid import uuid4

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from app.workflow import engine


def reset_to(workflow: BpmnWorkflow, task: Task) -> None:
    """Move the token back: drop everything after an earlier task and run again from it (with its data as it was
    then), the library's own reset; then run the engine."""
    with engine.library_errors(task):
        workflow.reset_from_task_id(task.id)
        _renew_id(task)
    engine.step(workflow)


def _renew_id(task: Task) -> None:
    """Give a reset task a new id: the library keeps the old one, which the task table already holds for the pass
    that was completed (a new row needs its own id, and the old row keeps pointing at history)."""
    owner, old, parent, children = task.workflow, task.id, task.parent, task.children
    task.id = uuid4()
    owner.tasks[task.id] = owner.tasks.pop(old)
    if parent is not None:  # the tree links tasks by id
        parent._children = [task.id if child == old else child for child in parent._children]
    for child in children:
        child._parent = task.id
    waiting = owner.top_workflow.event_manager.tasks
    if old in waiting:
        waiting[task.id] = waiting.pop(old)


def skip(workflow: BpmnWorkflow, task: Task, data: dict[str, Any]) -> None:
    """Complete a task without running it (a failed script, a timer that cannot be set, a human task nobody can do),
    with ``data`` set on it, then run the engine. A failed task first gets back the data it was reached with."""
    with engine.library_errors(task):
        if task.has_state(TaskState.ERROR | TaskState.FUTURE) and task.parent is not None:
            task.data = deepcopy(task.parent.data)
        task.set_data(**data)
        task.workflow.top_workflow.event_manager.remove_task(task)  # a waiting event no longer waits
        task.complete()
    engine.step(workflow)
