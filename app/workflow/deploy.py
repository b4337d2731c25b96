"""Deploying process models: validate, then store a new version only when the content changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import User
from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.workflow import camunda, layout, model_forms, operation_params, routing, specs, validation
from app.workflow.errors import DiagramError
from app.workflow.models import DecisionTable, ProcessModel
from app.workflow.routing import known_roles
from app.workflow.xmlsafe import XmlRejected, parse_xml, to_text

DMN_NS = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}


class DeploymentRefused(ValidationFailed):
    code = "deployment_refused"

    def __init__(self, problems: list[validation.Problem], source: str = "", what: str = "流程图") -> None:
        where = f"{source} " if source else ""
        super().__init__(f"{what}{where}未通过校验：" + "；".join(str(p) for p in problems[:10]),
                         details=[{"element_id": p.element_id, "element_name": p.element_name, "message": p.message}
                                  for p in problems])
        self.problems = problems
        self.source = source


@dataclass(frozen=True)
class DeployResult:
    model: ProcessModel
    created: bool


def content_hash(bpmn_xml: str, dmn_xmls: list[str]) -> str:
    digest = hashlib.sha256(bpmn_xml.encode("utf-8"))
    for dmn in dmn_xmls:
        digest.update(b"\0")
        digest.update(dmn.encode("utf-8"))
    return digest.hexdigest()


def check_diagram(session: DbSession, bpmn_xml: str | bytes, dmn_xmls: list[str] | None = None,
                  process_key: str | None = None) -> specs.ParsedModel:
    """Parse and validate a diagram; raise DeploymentRefused listing every problem by element."""
    root = parse_xml(bpmn_xml, "BPMN")
    translation = camunda.translate(root)
    problems = camunda.merge(translation, routing.check(session, root)
                             + validation.check(root, known_roles(session), dmn_xmls or [])
                             + operation_params.check(session, root))
    try:
        parsed = specs.parse_model(bpmn_xml, dmn_xmls or [], process_key)
    except DiagramError as exc:
        # The library stops at its first error; the checks above may have named it already (with the element).
        if not any(p.message == exc.message for p in problems):
            problems.insert(0, validation.Problem(exc.element_id, exc.element_name, exc.message))
        raise DeploymentRefused(problems) from exc
    if problems:
        raise DeploymentRefused(problems)
    return parsed


def as_text(xml: str | bytes) -> str:
    """The document as text for storage: UTF-8 as given, other encodings re-serialised after a safe parse."""
    if isinstance(xml, str):
        return xml
    root = parse_xml(xml, "BPMN")
    try:
        return xml.decode("utf-8")
    except UnicodeDecodeError:
        return to_text(root)


def with_layout(text: str) -> str:
    """Add an automatic layout to a diagram without coordinates, so the viewer can draw it."""
    root = parse_xml(text, "BPMN")
    if not layout.add_layout(root):
        return text
    return to_text(root)


def latest(session: DbSession, key: str) -> ProcessModel | None:
    return session.scalar(select(ProcessModel).where(ProcessModel.key == key)
                          .order_by(ProcessModel.version.desc()).limit(1))


def latest_models(session: DbSession) -> list[ProcessModel]:
    """The latest version of every process."""
    newest = select(func.max(ProcessModel.id)).group_by(ProcessModel.key)
    return list(session.scalars(select(ProcessModel).where(ProcessModel.id.in_(newest)).order_by(ProcessModel.key)))


def latest_or_404(session: DbSession, key: str) -> ProcessModel:
    model = latest(session, key)
    if model is None:
        raise NotFound(f"流程 {key} 尚未部署")
    return model


def deploy(session: DbSession, bpmn_xml: str | bytes, dmn_xmls: list[str] | None = None, *, source: str = "",
           comment: str = "", actor: User | None = None, process_key: str | None = None) -> DeployResult:
    """Validate and store a diagram as the next version of its process (no-op when unchanged)."""
    dmn_xmls = dmn_xmls or []
    text, from_camunda = camunda.translated_text(as_text(bpmn_xml))
    text = with_layout(text)
    parsed = check_diagram(session, text, dmn_xmls, process_key)
    sha = content_hash(text, dmn_xmls)
    current = latest(session, parsed.process_key)
    # The forms the diagram names are deployed with it: a changed form makes a new version too.
    schemas = model_forms.current_schemas(model_forms.form_keys(parse_xml(text, "BPMN")))
    if current is not None and current.sha256 == sha:
        kept = model_forms.snapshot(session, current.id)
        if kept == schemas:
            return DeployResult(current, False)
        if not kept:  # deployed before forms were versioned: they are its forms
            model_forms.store(session, current.id, schemas)
            return DeployResult(current, False)
    model = ProcessModel(key=parsed.process_key, version=(current.version + 1) if current else 1,
                         name=parsed.name, bpmn_xml=text, dmn_xml=dmn_xmls, sha256=sha, source=source[:200],
                         comment=comment, deployed_by_id=actor.id if actor else None)
    session.add(model)
    session.flush()
    model_forms.store(session, model.id, schemas)
    audit.record(session, "workflow.deploy", model,
                 summary=f"发布流程 {model.name}（{model.key}）第 {model.version} 版"
                         + ("（由 Camunda Modeler 流程图转换）" if from_camunda else ""),
                 after={"key": model.key, "version": model.version, "sha256": sha, "source": model.source,
                        "comment": comment, "forms": sorted(schemas),
                        **({"translated_from": "Camunda Modeler"} if from_camunda else {})})
    return DeployResult(model, True)


def decision_ids(dmn_text: str) -> set[str]:
    """Ids of the decisions a DMN document defines."""
    root = parse_xml(dmn_text, "DMN")
    return {str(node.get("id")) for node in root.iter() if etree.QName(node).localname == "decision"}


def called_decisions(bpmn_text: str) -> set[str]:
    """Ids of the decisions a BPMN document's business-rule tasks call."""
    root = parse_xml(bpmn_text, "BPMN")
    return {node.text.strip() for node in root.iter()
            if isinstance(node.tag, str) and etree.QName(node).localname == "calledDecisionId" and node.text}


def tables_in_force(session: DbSession, rules_dir: Path) -> dict[str, str]:
    """DMN documents by table key: the shipped ``rules/*.dmn``, each replaced by its latest version published
    from the process designer (so a redeployment of the shipped diagrams never reverts a designer's table)."""
    tables = {path.stem: path.read_text(encoding="utf-8") for path in sorted(rules_dir.glob("*.dmn"))}
    newest = select(func.max(DecisionTable.id)).group_by(DecisionTable.key)
    for key, xml in session.execute(select(DecisionTable.key, DecisionTable.xml).where(DecisionTable.id.in_(newest))):
        tables[key] = xml
    return tables


def tables_called_by(bpmn_text: str, tables: dict[str, str]) -> list[str]:
    """The DMN documents (of ``tables``) defining a decision the diagram's business-rule tasks call."""
    called = called_decisions(bpmn_text)
    if not called:
        return []
    return [text for _key, text in sorted(tables.items()) if decision_ids(text) & called]


def deploy_directory(session: DbSession, bpmn_dir: Path, rules_dir: Path, actor: User | None = None
                     ) -> list[DeployResult]:
    """Deploy every ``*.bpmn`` in a directory with the DMN tables in force (``rules_dir``) each one calls."""
    tables = tables_in_force(session, rules_dir)
    results = []
    for path in sorted(bpmn_dir.glob("*.bpmn")):
        try:
            text = path.read_text(encoding="utf-8")
            results.append(deploy(session, text, tables_called_by(text, tables), source=f"bpmn/{path.name}",
                                  actor=actor))
        except DeploymentRefused as exc:
            raise DeploymentRefused(exc.problems, str(path)) from exc
        except (XmlRejected, UnicodeDecodeError) as exc:
            message = exc.message if isinstance(exc, XmlRejected) else "文件不是 UTF-8 编码的文本"
            raise DeploymentRefused([validation.Problem("", "", message)], str(path)) from exc
    return results
