"""Engine failures read as Chinese messages with the library's own text, never an object's repr."""

from __future__ import annotations

from SpiffWorkflow.exceptions import WorkflowException

from app.workflow import engine


def test_a_library_error_raised_with_its_arguments_swapped_still_reads_as_its_message():
    spec = object()
    message = engine._spiff_message(WorkflowException(spec, "No input task connected."))  # as specs/base.py raises
    assert message == "流程执行出错：No input task connected."
    assert "object at 0x" not in message
