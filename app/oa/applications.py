"""Applications (申请): create and edit drafts, submit into ``bpmn/oa_application.bpmn``, handle, and
who may see what.

Types are base data (``oa_application_type``). A type may have its own fields: the declarative form
with key ``oa_apply_<type code>`` (``forms/tasks/oa_apply_leave.form``, or one made in the process
designer), so adding a type needs no Python. Once submitted an application is immutable; its route is
the list of hops the handlers recorded.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, or_, select

from app import clock, workflow
from app.admin import dictionaries, params
from app.auth.models import User, UserStatus
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.oa.models import Application, ApplicationHop, ApplicationStatus
from app.org import scope as data_scope
from app.org.scope import Scope
from app.workflow import people
from app.workflow.models import TaskStatus, WorkflowTask
from forms import registry as form_registry
from forms.task_forms import DefinitionError, TaskForm

PROCESS_KEY = "oa_application"
BUSINESS_PREFIX = "oa_application"
DETAILS_FORM_PREFIX = "oa_apply_"
TYPES = dictionaries.define("oa_application_type", "申请类型", [
    ("leave", "请假申请"), ("activity", "活动签呈"), ("expense", "费用报销"), ("general", "其他申请")],
    "OA 申请的类型；类型 X 的专属字段由表单 oa_apply_X 定义（可选）")
LEAVE_TYPES = params.define(
    "oa.leave_types", "str", "leave", "记为请假的申请类型",
    "这些类型的申请处理完成且结果为“同意”时，按其开始日期、结束日期把申请人记为请假（多个类型编码用逗号分隔）",
    section="日常管理")
NOT_EDITABLE = "申请已提交，不能修改"


# --- types and their own fields ------------------------------------------------------------------------


def type_label(session: DbSession, type_code: str) -> str:
    return dictionaries.label(session, TYPES, type_code)


def details_form_class(type_code: str) -> type[TaskForm] | None:
    """The declarative form holding a type's own fields, or None when the type has none."""
    try:
        return form_registry.resolve(DETAILS_FORM_PREFIX + type_code)
    except (form_registry.UnknownForm, DefinitionError):
        return None


def plain_details(form: TaskForm) -> dict[str, Any]:
    """A details form's typed values as JSON (dates ISO, amounts as text)."""
    values: dict[str, Any] = {}
    for name, value in form.task_data().items():
        if isinstance(value, date):
            values[name] = value.isoformat()
        elif isinstance(value, Decimal):
            values[name] = str(value)
        else:
            values[name] = value
    return values


def details_rows(session: DbSession, application: Application) -> list[tuple[str, str]]:
    """(label, shown value) of the type's own fields, in the form's order."""
    cls = details_form_class(application.type_code)
    if cls is None:
        return [(name, str(value)) for name, value in (application.details or {}).items()]
    form = cls(formdata=None, meta={"csrf": False})
    form.prepare(lambda code: dictionaries.choices(session, code))
    rows = []
    for field in form.data_fields():
        value = (application.details or {}).get(field.name)
        if value in (None, ""):
            continue
        shown = dict(field.choices).get(value, value) if hasattr(field, "choices") and field.choices else value
        rows.append((str(field.label.text), "是" if value is True else str(shown)))
    return rows


def _check_range(details: dict[str, Any]) -> None:
    start, end = details.get("start_date"), details.get("end_date")
    if start and end and str(end) < str(start):
        raise ValidationFailed("结束日期不能早于开始日期")


# --- handlers -----------------------------------------------------------------------------------------


def handler_candidates(session: DbSession, applicant: User, chooser: User) -> list[User]:
    """Whom an application may go to: active employees of the applicant's 分公司 and head office,
    except the applicant and the person choosing."""
    return people.active_in_branch(session, applicant.org, exclude=[applicant.id, chooser.id])


def _candidate_choices(session: DbSession, task: WorkflowTask | None, user: User) -> list[tuple[int, str]]:
    applicant = user
    if task is not None:
        application = application_of_task(session, task)
        if application is not None:
            applicant = application.applicant
    return [(u.id, people.label(u)) for u in handler_candidates(session, applicant, user)]


people.register("oa_handlers", _candidate_choices, "申请人所在分公司及总部的在职员工（日常管理）")


def check_handler(session: DbSession, applicant: User, chooser: User, handler_id: int | None) -> User:
    """Return the chosen handler if they may receive the application; refuse anyone else."""
    handler = session.get(User, handler_id) if handler_id else None
    if handler is None or handler.status != UserStatus.ACTIVE:
        raise ValidationFailed("处理人不存在或已离职")
    if handler.id not in {u.id for u in handler_candidates(session, applicant, chooser)}:
        raise ValidationFailed("处理人须为本分公司或总部的在职员工，且不能是申请人或您自己")
    return handler


# --- drafts ---------------------------------------------------------------------------------------------


def _clean(text: str, what: str, limit: int, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed(f"请填写{what}")
    if len(text) > limit:
        raise ValidationFailed(f"{what}不能超过 {limit} 个字")
    return text


def _check_type(session: DbSession, type_code: str) -> None:
    if type_code not in {code for code, _label in dictionaries.choices(session, TYPES)}:
        raise ValidationFailed("请选择有效的申请类型")


def create_application(session: DbSession, applicant: User, *, type_code: str, title: str, description: str,
                       handler_id: int | None, details: dict[str, Any] | None = None) -> Application:
    """Save a new application as a draft (草稿) of the applicant."""
    _check_type(session, type_code)
    handler = check_handler(session, applicant, applicant, handler_id)
    details = dict(details or {})
    _check_range(details)
    application = Application(type_code=type_code, title=_clean(title, "申请标题", 100),
                              description=_clean(description, "申请描述", 5000), details=details,
                              applicant_id=applicant.id, org_id=applicant.org_id, handler_id=handler.id,
                              status=ApplicationStatus.DRAFT)
    session.add(application)
    session.flush()
    return application


def ensure_editable(application: Application, actor: User) -> None:
    """Refuse any change once submitted, and any change by someone else than the applicant."""
    if application.applicant_id != actor.id:
        raise NotFound("申请不存在或您无权查看")
    if application.status != ApplicationStatus.DRAFT:
        raise Conflict(NOT_EDITABLE, code="application_submitted")


def update_application(session: DbSession, application: Application, actor: User, *, type_code: str, title: str,
                       description: str, handler_id: int | None, details: dict[str, Any] | None = None) -> None:
    """Change a draft; a submitted application is immutable."""
    ensure_editable(application, actor)
    _check_type(session, type_code)
    handler = check_handler(session, actor, actor, handler_id)
    details = dict(details or {})
    _check_range(details)
    application.type_code = type_code
    application.title = _clean(title, "申请标题", 100)
    application.description = _clean(description, "申请描述", 5000)
    application.handler_id = handler.id
    application.details = details
    session.flush()


def delete_draft(session: DbSession, application: Application, actor: User) -> None:
    """Delete a draft with its attachments."""
    ensure_editable(application, actor)
    session.delete(application)
    session.flush()


def submit(session: DbSession, application: Application, actor: User) -> Application:
    """提交申请: freeze the application and send it to its handler through the OA process."""
    if application.applicant_id != actor.id:
        raise NotFound("申请不存在或您无权查看")
    if application.status != ApplicationStatus.DRAFT:
        raise Conflict("申请已提交，不能重复提交", code="application_submitted")
    handler = check_handler(session, actor, actor, application.handler_id)
    now = clock.now()
    application.status = ApplicationStatus.PROCESSING
    application.submitted_at = now
    application.current_handler_id = handler.id
    application.hop_count = 1
    session.flush()
    instance = workflow.start(
        session, PROCESS_KEY, business_key=application.business_key,
        title=f"{type_label(session, application.type_code)}：{application.title}"[:200],
        org_id=application.org_id, owner_id=application.applicant_id, actor=actor,
        data={"application_id": application.id, "handler_id": handler.id, "type_code": application.type_code,
              "segment": 1, "segment_hops": 0})
    session.add(ApplicationHop(application_id=application.id, seq=1, handler_id=handler.id, instance_id=instance.id,
                               arrived_at=now))
    application.instance_id = instance.id
    session.flush()
    return application


# --- who sees what --------------------------------------------------------------------------------------


def visible_condition(user: User, monitor_scope: Scope | None) -> ColumnElement[bool]:
    """Applications a user may open: their own, those that reached them, and those a monitor's scope covers."""
    reached = exists().where(ApplicationHop.application_id == Application.id,
                             or_(ApplicationHop.handler_id == user.id, ApplicationHop.handled_by_id == user.id))
    monitored = (data_scope.org_condition(monitor_scope, Application.org_id, Application.applicant_id)
                 if monitor_scope is not None else false())
    drafts_are_private = or_(Application.status != ApplicationStatus.DRAFT, Application.applicant_id == user.id)
    return or_(Application.applicant_id == user.id, reached, monitored) & drafts_are_private


def get_visible(session: DbSession, user: User, application_id: int, monitor_scope: Scope | None) -> Application:
    """Load an application the user may see; anything else looks exactly like a missing one."""
    application = session.scalar(select(Application).where(Application.id == application_id,
                                                           visible_condition(user, monitor_scope)))
    if application is None:
        raise NotFound("申请不存在或您无权查看")
    return application


def mine(user: User) -> Select[Any]:
    return select(Application).where(Application.applicant_id == user.id).order_by(Application.id.desc())


def application_of_task(session: DbSession, task: WorkflowTask) -> Application | None:
    ident = _application_id(task)
    return session.get(Application, ident) if ident is not None else None


def waiting_for(session: DbSession, user: User) -> list[tuple[Application, WorkflowTask]]:
    """待办申请: applications whose open handler task is in the user's hands (assigned or delegated to them)."""
    tasks = list(session.scalars(select(WorkflowTask).where(
        WorkflowTask.process_key == PROCESS_KEY, WorkflowTask.status == TaskStatus.OPEN,
        WorkflowTask.assignee_id == user.id).order_by(WorkflowTask.created_at)))
    ids = [(task, _application_id(task)) for task in tasks]
    found = {a.id: a for a in session.scalars(select(Application).where(
        Application.id.in_([ident for _task, ident in ids if ident is not None])))}
    return [(found[ident], task) for task, ident in ids if ident is not None and ident in found]


def _application_id(task: WorkflowTask) -> int | None:
    prefix, _, ident = task.business_key.partition(":")
    return int(ident) if prefix == BUSINESS_PREFIX and ident.isdigit() else None


def handled_by(user: User) -> Select[Any]:
    """Applications the user has handled at some hop (已办)."""
    done = select(ApplicationHop.application_id).where(ApplicationHop.handled_by_id == user.id)
    return select(Application).where(Application.id.in_(done)).order_by(Application.id.desc())


def open_task(session: DbSession, application: Application, user: User) -> WorkflowTask | None:
    """The open handler task of this application that the user may complete, if any."""
    for task in session.scalars(select(WorkflowTask).where(WorkflowTask.business_key == application.business_key,
                                                           WorkflowTask.status == TaskStatus.OPEN)):
        if workflow.can_act(session, user, task):
            return task
    return None


def handle(session: DbSession, application: Application, user: User, form: TaskForm, outcome: str,
           comment: str) -> WorkflowTask:
    """Complete the user's handler task with the handling form (the diagram records the hop)."""
    task = open_task(session, application, user)
    if task is None:
        raise Conflict("该申请当前不在您的待办中，可能已被处理")
    return workflow.complete_task(session, task.id, user, form.task_data(), outcome=outcome, comment=comment,
                                  outcome_label=dict(form.outcomes).get(outcome, ""))


def route_names(application: Application) -> str:
    """The route as one line: 李主管 → 王城经 → …"""
    return " → ".join(hop.handler.name for hop in application.hops)
