"""Loading DMN documents into the engine's parser so that no document can crash it.

DMN 1.1 and 1.3 are checked against the library's schemas. The library's DMN 1.2 schema does not compile
under lxml (its ``DMNDI12.xsd`` is really the DI schema, so ``dmndi:DMNDI`` never resolves), which made
every DMN 1.2 file fail with an exception. DMN 1.2 is checked here against the same ``DMN12.xsd`` with the
diagram-interchange part (``dmndi:DMNDI``, layout only) accepted as any foreign element: the decision
model is still validated strictly. Every failure of the library's DMN parser (ValidationException,
AttributeError, IndexError, KeyError, XPathEvalError, …) becomes a ``DiagramError`` naming the decision.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS, XSD_DIR

from app.workflow.errors import DiagramError
from app.workflow.validation import library
from app.workflow.validation.common import local_name

DMN12_NAMESPACES = frozenset({"http://www.omg.org/spec/DMN/20180521/MODEL/",
                              # Some tools write the 1.2 namespace with https, as 1.3 does.
                              "https://www.omg.org/spec/DMN/20180521/MODEL/"})
# The library validates these itself; DMN 1.2 is validated here (see the module docstring).
LIBRARY_SCHEMAS = {ns: path for ns, path in SCHEMAS.items() if ns not in DMN12_NAMESPACES}
XSD = "http://www.w3.org/2001/XMLSchema"


@lru_cache(maxsize=2)
def dmn12_schema(namespace: str) -> etree.XMLSchema:
    """The shipped DMN 1.2 schema for ``namespace``, with ``dmndi:DMNDI`` replaced by a lax wildcard."""
    text = Path(XSD_DIR, "DMN12.xsd").read_text(encoding="utf-8")
    text = text.replace("http://www.omg.org/spec/DMN/20180521/MODEL/", namespace)
    schema = etree.fromstring(text.encode("utf-8"))
    for node in list(schema.iter(f"{{{XSD}}}import")):
        schema.remove(node)
    for ref in list(schema.iter(f"{{{XSD}}}element")):
        if ref.get("ref") == "dmndi:DMNDI":
            wildcard = etree.Element(f"{{{XSD}}}any", namespace="##other", processContents="lax",
                                     minOccurs="0", maxOccurs="1")
            parent = ref.getparent()
            assert parent is not None
            parent.replace(ref, wildcard)
    return etree.XMLSchema(schema)


def _decision(root: etree._Element) -> tuple[str, str]:
    for node in root.iter():
        if local_name(node) == "decision":
            return str(node.get("id") or ""), str(node.get("name") or "")
    return "", ""


def _refuse(root: etree._Element, message: str, element_id: str = "", element_name: str = "") -> DiagramError:
    decision_id, decision_name = _decision(root)
    label = f"决策“{decision_name or decision_id}”" if decision_id else "规则表"
    if element_id:
        return DiagramError(f"{label}：{message}", element_id, element_name)
    return DiagramError(f"{label}：{message}", decision_id, decision_name)


def add_dmn(parser: Any, root: etree._Element, filename: str) -> None:
    """Validate and parse one DMN document into ``parser``; raise DiagramError naming the decision."""
    namespace = etree.QName(root).namespace or ""
    if namespace in DMN12_NAMESPACES:
        schema = dmn12_schema(namespace)
        if not schema.validate(root):
            error = schema.error_log[0]
            found = library.xsd_problem(root, error.message, error.line, "DMN")
            raise _refuse(root, found.message, found.element_id, found.element_name)
    if not any(local_name(node) == "decision" for node in root.iter()):
        raise DiagramError("文件中没有决策（decision）")
    before = set(parser.dmn_parsers)
    try:
        parser.add_dmn_xml(root, filename=filename)
        for key in set(parser.dmn_parsers) - before:
            parser.dmn_parsers[key].parse()
    except ValidationException as exc:
        found = library.problem_from(exc, root, "DMN")
        raise _refuse(root, found.message, found.element_id, found.element_name) from exc
    except RecursionError as exc:
        raise _refuse(root, "嵌套过深，无法解析") from exc
    except Exception as exc:  # the library's parser fails with anything; none may reach a 500
        raise _refuse(root, f"结构有误，无法解析（{type(exc).__name__}：{library.shorten(str(exc))}）") from exc
