"""Checks a diagram must pass before deployment, each reported in Chinese against the element it concerns.

One rule set for 校验, designer upload, deployment and ``flask bpmn deploy`` (all go through
``deploy.check_diagram``). Only executable processes are checked: a pool marked ``isExecutable="false"``
documents a partner and never runs. Beyond "SpiffWorkflow can parse it" (its English errors translated in
``library``): every process id is a valid model key; every user task sits in a lane naming a known role and
has a form the registry resolves; every condition, timer and parameter is Python the sandbox accepts
(a bare ``PT2M`` timer is refused with how to quote it); every script is inline Python RestrictedPython
compiles; gateways without a default flow have a condition on each outgoing flow; service tasks name a
registered operation; start settings name known roles and an existing start form, and a start form comes
with 可发起角色; a condition of a 发起流程 process reads only variables something sets (``variables``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lxml import etree

from app.workflow.validation import calls, elements, expressions, variables
from app.workflow.validation.common import (
    KEY_PATTERN,
    KEY_RULE,
    NS,
    Problem,
    executable_processes,
    is_executable,
    key_problem,
    properties,
    split_roles,
)

__all__ = ["KEY_PATTERN", "KEY_RULE", "NS", "Problem", "check", "executable_processes", "is_executable",
           "properties", "split_roles"]


def check(root: etree._Element, known_roles: Mapping[str, str], dmn_xmls: Iterable[str] = ()) -> list[Problem]:
    """Return every problem found in a parsed BPMN document (empty when deployable).

    ``known_roles`` maps a role code and a role name to the role code; ``dmn_xmls`` are the decision tables
    deployed with the diagram (their outputs are variables conditions may read).
    """
    problems: list[Problem] = []
    tables = list(dmn_xmls)
    elements.check_data_stores(problems, root)
    problems += calls.call_cycle_problems(root)
    for process in executable_processes(root):
        invalid_key = key_problem(process)
        if invalid_key:
            problems.append(invalid_key)
        elements.check_start_events(problems, process, known_roles)
        elements.check_human_tasks(problems, process, known_roles)
        elements.check_gateways(problems, process)
        elements.check_services(problems, process)
        expressions.check_process_expressions(problems, process)
        variables.check_condition_names(problems, process, tables)
    return problems
