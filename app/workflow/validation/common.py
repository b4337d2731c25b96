"""What every diagram check shares: the problem record, namespaces, element helpers and the process-id rule."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
BPMN = NS["bpmn"]
# A process id becomes the model key: in URLs, file names and the designer, so one shape everywhere.
KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{1,99}$")
# The engine registers no data store class; the same text is used for the library's error (library.py).
DATA_STORE_UNSUPPORTED = "数据存储“{0}”没有实现：本系统不支持数据存储，请改用数据对象或流程变量"
KEY_RULE = "须以字母或下划线开头，只含字母、数字、下划线，2–100 个字符（例如 leave_request）"


@dataclass(frozen=True)
class Problem:
    element_id: str
    element_name: str
    message: str

    def __str__(self) -> str:
        where = f"{self.element_name}（{self.element_id}）" if self.element_name else self.element_id
        return f"{where}：{self.message}" if where else self.message


def name_of(node: etree._Element) -> str:
    """The element's ``name`` attribute ("" when absent)."""
    return str(node.get("name") or "")


def problem(node: etree._Element, message: str) -> Problem:
    """A problem reported against ``node`` (its id and name)."""
    return Problem(str(node.get("id") or ""), name_of(node), message)


def local_name(node: etree._Element) -> str:
    """The tag without its namespace ("" for comments and processing instructions)."""
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def properties(node: etree._Element) -> dict[str, str]:
    """The ``spiffworkflow:properties`` of an element as a dict."""
    return {p.get("name", ""): p.get("value", "")
            for p in node.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


def split_roles(value: str) -> list[str]:
    """Role codes or names listed in a ``startRoles`` property (comma-separated, either comma)."""
    return [part.strip() for part in value.replace("，", ",").split(",") if part.strip()]


def is_executable(process: etree._Element) -> bool:
    """Whether SpiffWorkflow would run the process (``isExecutable`` absent counts as true, as in the library)."""
    return process.get("isExecutable", "true") == "true"


def executable_processes(root: etree._Element) -> Iterator[etree._Element]:
    """The processes that will run: pools marked ``isExecutable="false"`` are documentation only."""
    return (p for p in root.iterfind("bpmn:process", NS) if is_executable(p))


def key_problem(process: etree._Element) -> Problem | None:
    """The process-id rule: every executable process id is a model key the designer can open."""
    key = str(process.get("id") or "")
    if KEY_PATTERN.match(key):
        return None
    return problem(process, f"流程标识“{key}”不合规：{KEY_RULE}")
