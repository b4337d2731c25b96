"""Validate and deploy a diagram from the designer — exactly the checks of ``flask bpmn deploy``
(``deploy.check_diagram``), with the decision tables the diagram calls as currently published."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.auth.models import User
from app.database import DbSession
from app.designer import drafts, rule_tables
from app.designer.models import DesignDraft, DraftKind
from app.errors import ValidationFailed
from app.workflow import deploy
from app.workflow.models import InstanceStatus, ProcessInstance, ProcessModel
from app.workflow.validation import Problem
from app.workflow.xmlsafe import XmlRejected

LIVE = (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)


def problem_json(problem: Problem) -> dict[str, str]:
    return {"element_id": problem.element_id, "element_name": problem.element_name, "message": problem.message}


def validate(session: DbSession, key: str, xml: str | bytes) -> list[Problem]:
    """Every problem deployment would refuse the diagram for (empty: deployable)."""
    try:
        text = deploy.as_text(xml)
        deploy.check_diagram(session, text, rule_tables.tables_for(session, text), key)
    except deploy.DeploymentRefused as exc:
        return list(exc.problems)
    except XmlRejected as exc:
        return [Problem("", "", exc.message)]
    return []


@dataclass(frozen=True)
class Deployment:
    model: ProcessModel
    created: bool
    older_live: int  # live instances on earlier versions (candidates for migration)


def deploy_process(session: DbSession, key: str, xml: str | bytes, comment: str, actor: User) -> Deployment:
    """Deploy the diagram as the next version of ``key`` and drop its draft; refused with every problem."""
    key = drafts.check_key(key)
    comment = comment.strip()
    if not comment:
        raise ValidationFailed("请填写发布说明（本次修改了什么）")
    text = deploy.as_text(xml)
    result = deploy.deploy(session, text, rule_tables.tables_for(session, text), source="designer",
                           comment=comment[:2000], actor=actor, process_key=key)
    if result.created:
        drafts.discard_draft(session, DraftKind.BPMN, key)
    older = session.scalar(select(func.count()).select_from(ProcessInstance).join(ProcessModel).where(
        ProcessInstance.process_key == key, ProcessInstance.status.in_(LIVE),
        ProcessModel.version < result.model.version)) or 0
    return Deployment(result.model, result.created, older)


@dataclass(frozen=True)
class ProcessSummary:
    key: str
    name: str
    versions: list[ProcessModel]
    live_by_version: dict[int, int]
    draft: DesignDraft | None

    @property
    def latest(self) -> ProcessModel | None:
        return self.versions[0] if self.versions else None

    @property
    def live_total(self) -> int:
        return sum(self.live_by_version.values())


def summaries(session: DbSession) -> list[ProcessSummary]:
    """Process models with their versions, live instances per version and draft (drafts of new processes too)."""
    models = list(session.scalars(select(ProcessModel).order_by(ProcessModel.key, ProcessModel.version.desc())))
    live = dict(session.execute(select(ProcessInstance.model_id, func.count())
                                .where(ProcessInstance.status.in_(LIVE)).group_by(ProcessInstance.model_id)).all())
    draft_by_key = {draft.key: draft for draft in drafts.drafts(session, DraftKind.BPMN)}
    grouped: dict[str, list[ProcessModel]] = {}
    for model in models:
        grouped.setdefault(model.key, []).append(model)
    result = []
    for key in sorted(set(grouped) | set(draft_by_key)):
        versions = grouped.get(key, [])
        draft = draft_by_key.get(key)
        name = versions[0].name if versions else (draft.name if draft else key)
        result.append(ProcessSummary(key, name, versions, {m.version: live.get(m.id, 0) for m in versions}, draft))
    return result
