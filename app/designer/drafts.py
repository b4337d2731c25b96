"""Drafts: what a designer saved but has not deployed, one per process (or decision table), plus the
document the editor opens (a version, the draft, or the latest version) and the starting diagram of a
new process."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from lxml import etree
from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.database import DbSession
from app.designer.models import DesignDraft, DraftKind
from app.errors import NotFound, ValidationFailed
from app.workflow import camunda, deploy
from app.workflow.models import ProcessModel
from app.workflow.validation import KEY_PATTERN, KEY_RULE
from app.workflow.xmlsafe import parse_xml, to_text

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def check_key(key: str) -> str:
    """A process or table key: a letter or underscore first, then letters, digits, underscores."""
    key = key.strip()
    if not KEY_PATTERN.match(key):
        raise ValidationFailed(f"标识“{key}”不合规：{KEY_RULE}")
    return key


def process_ids(xml: str | bytes) -> list[str]:
    """Ids of the processes a BPMN document defines (after a safe parse)."""
    root = parse_xml(xml, "BPMN")
    return [str(node.get("id")) for node in root.iterfind(f"{{{BPMN_NS}}}process")]


def main_process_id(xml: str | bytes) -> str:
    """The process a file is about: its first executable one, as deployment chooses (engine.parse_model)."""
    root = parse_xml(xml, "BPMN")
    processes = list(root.iterfind(f"{{{BPMN_NS}}}process"))
    for node in processes:
        if node.get("isExecutable", "true") == "true":
            return str(node.get("id"))
    if processes:
        return str(processes[0].get("id"))
    raise ValidationFailed("文件中没有流程（bpmn:process）")


def process_name(xml: str | bytes, key: str) -> str:
    root = parse_xml(xml, "BPMN")
    for node in root.iterfind(f"{{{BPMN_NS}}}process"):
        if node.get("id") == key:
            return str(node.get("name") or key)
    return key


def _normalised(xml: str | bytes, what: str) -> str:
    """Safely parsed and re-serialised, so whatever is stored has passed the safe parser."""
    if isinstance(xml, bytes):
        return to_text(parse_xml(xml, what))
    parse_xml(xml, what)
    return xml


def get_draft(session: DbSession, kind: DraftKind, key: str) -> DesignDraft | None:
    return session.scalar(select(DesignDraft).where(DesignDraft.kind == kind, DesignDraft.key == key))


def save_draft(session: DbSession, kind: DraftKind, key: str, xml: str | bytes, actor: User,
               base_version: int | None = None) -> DesignDraft:
    """Store (or replace) the draft of a process or decision table; the XML must pass the safe parser."""
    key = check_key(key)
    text = _normalised(xml, "BPMN" if kind == DraftKind.BPMN else "DMN")
    if kind == DraftKind.BPMN:
        # The designer shows what the engine will run, laid out when the file has no coordinates (as deployment does).
        text = deploy.with_layout(camunda.translated_text(text)[0])
        ids = process_ids(text)
        if key not in ids:
            raise ValidationFailed(f"流程图中没有 id 为 {key} 的流程（图中的流程：{'、'.join(ids) or '无'}）",
                                   details=[{"element_id": "", "element_name": "", "message": "流程标识不一致"}])
        name = process_name(text, key)
    else:
        name = table_name(text) or key
    draft = get_draft(session, kind, key)
    now = clock.now()
    if draft is None:
        draft = DesignDraft(kind=kind, key=key, created_at=now, base_version=base_version)
        session.add(draft)
    elif base_version is not None:
        draft.base_version = base_version
    draft.xml = text
    draft.name = name[:200]
    draft.author_id = actor.id
    draft.updated_at = now
    session.flush()
    return draft


def discard_draft(session: DbSession, kind: DraftKind, key: str) -> None:
    """Throw a draft away (after a deployment, or on request)."""
    draft = get_draft(session, kind, key)
    if draft is not None:
        session.delete(draft)
        session.flush()


def drafts(session: DbSession, kind: DraftKind | None = None) -> list[DesignDraft]:
    stmt = select(DesignDraft).order_by(DesignDraft.updated_at.desc())
    if kind is not None:
        stmt = stmt.where(DesignDraft.kind == kind)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Document:
    """What the editor opens: the XML and where it came from."""

    key: str
    xml: str
    source: str  # "draft" or "version"
    version: int | None  # the published version shown, or the one the draft started from
    label: str


def open_process(session: DbSession, key: str, version: int | None = None) -> Document:
    """A given version; else the draft; else the latest version."""
    if version is None:
        draft = get_draft(session, DraftKind.BPMN, key)
        if draft is not None:
            when = clock.local(draft.updated_at)
            author = draft.author.name if draft.author else ""
            return Document(key, draft.xml, "draft", draft.base_version,
                            f"草稿（{author} {when:%m-%d %H:%M} 保存）" if when else "草稿")
        model = deploy.latest(session, key)
    else:
        model = session.scalar(select(ProcessModel).where(ProcessModel.key == key, ProcessModel.version == version))
    if model is None:
        raise NotFound(f"流程 {key} 没有{'第 ' + str(version) + ' 版' if version else '已发布的版本或草稿'}")
    return Document(key, model.bpmn_xml, "version", model.version, f"第 {model.version} 版（已发布）")


def versions(session: DbSession, key: str) -> list[ProcessModel]:
    return list(session.scalars(select(ProcessModel).where(ProcessModel.key == key)
                                .order_by(ProcessModel.version.desc())))


def new_process_xml(key: str, name: str, lane: str) -> str:
    """The starting diagram of a new process: a pool with one lane (a role) and a start event."""
    key = check_key(key)
    name_attr, lane_attr = quoteattr(name.strip() or key), quoteattr(lane)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Definitions_{key}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:collaboration id="Collaboration_{key}">
    <bpmn:participant id="Participant_{key}" name={name_attr} processRef="{key}" />
  </bpmn:collaboration>
  <bpmn:process id="{key}" name={name_attr} isExecutable="true">
    <bpmn:laneSet id="LaneSet_{key}">
      <bpmn:lane id="Lane_1" name={lane_attr}>
        <bpmn:flowNodeRef>StartEvent_1</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" name="开始" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_{key}">
    <bpmndi:BPMNPlane id="BPMNPlane_{key}" bpmnElement="Collaboration_{key}">
      <bpmndi:BPMNShape id="Participant_{key}_di" bpmnElement="Participant_{key}" isHorizontal="true">
        <dc:Bounds x="120" y="60" width="900" height="250" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_1_di" bpmnElement="Lane_1" isHorizontal="true">
        <dc:Bounds x="150" y="60" width="870" height="250" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="212" y="167" width="36" height="36" />
        <bpmndi:BPMNLabel><dc:Bounds x="218" y="210" width="24" height="14" /></bpmndi:BPMNLabel>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"


def table_name(xml: str | bytes) -> str:
    """The name of the first decision in a DMN document."""
    root = parse_xml(xml, "DMN")
    for node in root.iter():
        if isinstance(node.tag, str) and etree.QName(node).localname == "decision":
            return str(node.get("name") or node.get("id") or "")
    return ""


def new_table_xml(key: str, name: str) -> str:
    """The starting document of a new decision table: one input, one output, one rule."""
    key = check_key(key)
    name_attr = quoteattr(name.strip() or key)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{DMN_NS}" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/"
  xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="Definitions_{key}" name={name_attr}
  namespace="http://licaiflow/rules">
  <decision id="{key}" name={name_attr}>
    <decisionTable id="DecisionTable_{key}" hitPolicy="FIRST">
      <input id="Input_1" label="金额">
        <inputExpression id="InputExpression_1" typeRef="number"><text>amount</text></inputExpression>
      </input>
      <output id="Output_1" label="结果" name="result" typeRef="string" />
      <rule id="Rule_1">
        <inputEntry id="InputEntry_1"><text>&gt;= 1000000</text></inputEntry>
        <outputEntry id="OutputEntry_1"><text>"high"</text></outputEntry>
      </rule>
      <rule id="Rule_2">
        <inputEntry id="InputEntry_2"><text>-</text></inputEntry>
        <outputEntry id="OutputEntry_2"><text>"normal"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="DMNDiagram_{key}">
      <dmndi:DMNShape id="DMNShape_{key}" dmnElementRef="{key}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""
