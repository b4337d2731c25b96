"""The workflow engine (SpiffWorkflow 3.2.0) behind one gateway; nothing else imports SpiffWorkflow.

Domain code uses:
    from app import workflow
    workflow.start(session, "trade_review", business_key="trade:42", org_id=..., owner_id=..., data={...})
    workflow.complete_task(session, task_id, user, data, outcome="pass", comment="")
    workflow.send_message(session, "project_raise_failed", {"project_id": 7}, {"reason": "..."})
and registers service-task operations with ``app.workflow.operations.operation``.
"""

from app.workflow.delegation import delegate, resolve, transfer
from app.workflow.gateway import (
    TASK_TAKEN,
    can_act,
    cancel,
    claim,
    complete_task,
    get_task,
    instances_about,
    release,
    rename_business_keys,
    retry,
    start,
    start_model,
    task_data,
)
from app.workflow.runtime import load_workflow, send_message

__all__ = [
    "TASK_TAKEN", "can_act", "cancel", "claim", "complete_task", "delegate", "get_task", "instances_about",
    "load_workflow", "release", "rename_business_keys", "resolve", "retry", "send_message", "start", "start_model",
    "task_data", "transfer",
]
