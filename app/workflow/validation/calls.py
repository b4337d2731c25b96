"""A validation check for call activities that call their own process, directly or through others.

SpiffWorkflow accepts such a diagram and, at the start, creates one sub-workflow per call without end.
The engine refuses that at run time (``engine.MAX_CALL_DEPTH``); this check refuses it before deployment,
naming each call activity on the cycle and the chain of processes.
"""

from __future__ import annotations

from lxml import etree

from app.workflow.validation.common import NS, Problem


def _calls(root: etree._Element) -> dict[str, list[etree._Element]]:
    """Call activities of each process in the document, sub-processes included."""
    return {str(process.get("id")): list(process.iterfind(".//bpmn:callActivity", NS))
            for process in root.iterfind("bpmn:process", NS)}


def _chain_back(calls: dict[str, list[etree._Element]], start: str, target: str) -> list[str] | None:
    """A chain of called processes from ``start`` back to ``target`` (both included), if there is one."""
    seen: set[str] = set()
    paths = [[start]]
    while paths:
        path = paths.pop()
        if path[-1] == target:
            return path
        if path[-1] in seen:
            continue
        seen.add(path[-1])
        paths.extend([*path, str(c.get("calledElement"))] for c in calls.get(path[-1], []) if c.get("calledElement"))
    return None


def call_cycle_problems(root: etree._Element) -> list[Problem]:
    """Every call activity whose called process leads back to the process it sits in."""
    calls = _calls(root)
    problems = []
    for process_id, activities in calls.items():
        for activity in activities:
            called = str(activity.get("calledElement") or "")
            if called not in calls:
                continue
            chain = _chain_back(calls, called, process_id)
            if chain is not None:
                route = " → ".join([process_id, *chain])
                problems.append(Problem(str(activity.get("id", "")), str(activity.get("name") or ""),
                                        f"调用活动会循环调用流程（{route}），运行时将无限嵌套；请去掉循环调用"))
    return problems
