"""DMN decision tables (规则表) for the designer: shipped files in ``rules/``, versions published in the
database (``DecisionTable``), and which tables a diagram needs when it is validated or deployed.

Process-model versions are immutable bundles of BPMN and the DMN they call. Publishing a table
therefore stores its new version and deploys a new version of every process whose latest version
calls one of its decisions; running instances stay on the versions they started with.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.audit import services as audit
from app.auth.models import User
from app.database import DbSession
from app.designer import drafts
from app.designer.models import DraftKind
from app.errors import NotFound, ValidationFailed
from app.workflow import decisions, deploy, dmn_tables
from app.workflow.models import DecisionTable, ProcessModel
from app.workflow.validation import Problem
from app.workflow.xmlsafe import XmlRejected


@dataclass(frozen=True)
class TableEntry:
    key: str
    name: str
    version: int | None  # latest published version in the database (None: only the shipped file)
    decision_ids: list[str]
    has_file: bool
    deployed_at: datetime | None


def tables(session: DbSession) -> list[TableEntry]:
    """Every decision table: shipped files and tables published from the browser."""
    newest = {row.key: row for row in session.scalars(
        select(DecisionTable).where(DecisionTable.id.in_(
            select(func.max(DecisionTable.id)).group_by(DecisionTable.key))))}
    keys = set(newest) | {path.stem for path in dmn_tables.rules_dir().glob("*.dmn")
                          if drafts.KEY_PATTERN.match(path.stem)}
    entries = []
    for key in sorted(keys):
        row = newest.get(key)
        if row is not None:
            entries.append(TableEntry(key, row.name, row.version, list(row.decision_ids),
                                      dmn_tables.shipped_file(key) is not None, row.deployed_at))
            continue
        text = dmn_tables.published_xml(session, key) or ""
        try:
            ids, name = sorted(deploy.decision_ids(text)), drafts.table_name(text)
        except XmlRejected:
            ids, name = [], key
        entries.append(TableEntry(key, name or key, None, ids, True, None))
    return entries


def tables_for(session: DbSession, bpmn_xml: str) -> list[str]:
    """The DMN documents a diagram's business-rule tasks call, as currently in force."""
    return deploy.tables_called_by(bpmn_xml, deploy.tables_in_force(session, dmn_tables.rules_dir()))


def validate(xml: str | bytes) -> list[Problem]:
    """Problems of a DMN document (the safe parser's refusal included)."""
    try:
        return decisions.check_table(xml)
    except XmlRejected as exc:
        return [Problem("", "", exc.message)]


def open_table(session: DbSession, key: str) -> drafts.Document:
    """The draft if any, else the table in force."""
    draft = drafts.get_draft(session, DraftKind.DMN, key)
    if draft is not None:
        return drafts.Document(key, draft.xml, "draft", draft.base_version, "草稿")
    row = dmn_tables.latest(session, key)
    if row is not None:
        return drafts.Document(key, row.xml, "version", row.version, f"第 {row.version} 版（已发布）")
    text = dmn_tables.published_xml(session, key)
    if text is None:
        raise NotFound(f"规则表 {key} 不存在")
    return drafts.Document(key, text, "version", None, f"rules/{key}.dmn（随系统发布）")


@dataclass(frozen=True)
class PublishResult:
    table: DecisionTable
    created: bool
    redeployed: list[ProcessModel]


def publish(session: DbSession, key: str, xml: str, comment: str, actor: User) -> PublishResult:
    """Publish a table version and redeploy the processes calling its decisions (refused with problems)."""
    key = drafts.check_key(key)
    if not comment.strip():
        raise ValidationFailed("请填写发布说明")
    problems = validate(xml)
    if not problems:
        problems = [Problem("", "", message) for message in dmn_tables.domain_problems(session, key, xml)]
    if problems:
        raise deploy.DeploymentRefused(problems, what="决策表")
    ids = sorted(deploy.decision_ids(xml))
    sha = hashlib.sha256(xml.encode("utf-8")).hexdigest()
    current = dmn_tables.latest(session, key)
    if current is not None and current.sha256 == sha:
        return PublishResult(current, False, [])
    taken = {decision for entry in tables(session) if entry.key != key for decision in entry.decision_ids}
    clash = sorted(taken & set(ids))
    if clash:
        raise ValidationFailed(f"决策标识 {'、'.join(clash)} 已在其他规则表中使用")
    row = DecisionTable(key=key, version=(current.version + 1) if current else 1, name=drafts.table_name(xml)[:200],
                        decision_ids=ids, xml=xml, sha256=sha, comment=comment.strip(), deployed_by_id=actor.id)
    session.add(row)
    session.flush()
    audit.record(session, "designer.publish_rules", row, summary=f"发布规则表 {row.name}（{key}）第 {row.version} 版",
                 after={"key": key, "version": row.version, "sha256": sha, "comment": row.comment})
    redeployed = []
    for model in deploy.latest_models(session):
        if not deploy.called_decisions(model.bpmn_xml) & set(ids):
            continue
        result = deploy.deploy(session, model.bpmn_xml, tables_for(session, model.bpmn_xml), source="designer",
                               comment=f"规则表 {key} 第 {row.version} 版：{row.comment}", actor=actor,
                               process_key=model.key)
        if result.created:
            redeployed.append(result.model)
    drafts.discard_draft(session, DraftKind.DMN, key)
    return PublishResult(row, True, redeployed)

