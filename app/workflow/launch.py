"""发起流程: who may start which process, and starting one — the one rule for the screen and the API.

A user may start a process iff the start event of its latest version carries the spiff property
``startRoles`` (可发起角色: role codes or names, comma-separated) and the user holds one of those roles
(admins hold every role). A process without ``startRoles`` is started only by domain code (a trade starts
its review, an OA application its handling), never by a person through the screen or the API.

An optional ``formKey`` on the start event is the start form: its typed values become the start data
(on the API too). The starter picks the business owner (业务归属人, themselves by default, or a user in
their data scope; the API starts for the caller); the instance belongs to the owner and the owner's org,
so lanes route tasks as they do for domain processes. ``initiator_id`` and ``owner_id`` are in the start
data for assignee expressions.

发起流程 about a business object (关联业务对象): started from a customer's 360 page (or a project's, a trade's) the
instance's business key is ``customer:<id>`` and its title names the process and the object ("客户回访 · 张三");
a start form whose fields name objects (``TaskForm.subject_fields``, e.g. a 客户 field) links the chosen one
the same way. Either way the starter must be able to open the object as its own page would (out of scope →
404/403, nothing started): its tasks show the object's card to whoever gets them. A free-typed business key
naming a domain object is refused — only this checked path links one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app import clock
from app.auth.models import Role, User, UserStatus
from app.auth.permissions import ADMIN_ROLE
from app.database import DbSession
from app.errors import Forbidden, NotFound, ValidationFailed
from app.org import scope as data_scope
from app.workflow import gateway, runtime, subjects, validation
from app.workflow.deploy import known_roles, latest_models, latest_or_404
from app.workflow.models import ProcessInstance, ProcessModel

START_ROLES = "startRoles"


@dataclass(frozen=True)
class Startable:
    model: ProcessModel
    roles: list[str]  # role codes
    form_key: str

    @property
    def key(self) -> str:
        return self.model.key


def start_settings(session: DbSession, model: ProcessModel) -> Startable | None:
    """The start event's settings of a model version, or None when it is not startable from the screen."""
    parsed = runtime.parsed_model(model)
    ns = validation.NS
    for process in parsed.bpmn_root.iterfind("bpmn:process", ns):
        if process.get("id") != model.key:
            continue
        for start in process.iterfind("bpmn:startEvent", ns):
            props = validation.properties(start)
            roles = validation.split_roles(props.get(START_ROLES, ""))
            if roles:
                codes = known_roles(session)
                return Startable(model, sorted({codes.get(r, r) for r in roles}),
                                 props.get("formKey", "").strip())
    return None


def may_start(user: User, startable: Startable) -> bool:
    """Tell whether the user holds one of the process's start roles (admins hold every role)."""
    codes = {role.code for role in user.roles}
    return ADMIN_ROLE in codes or bool(codes & set(startable.roles))


def startable_for(session: DbSession, user: User) -> list[Startable]:
    """Latest versions of the processes this user may start."""
    found = []
    for model in sorted(latest_models(session), key=lambda m: m.name):
        settings = start_settings(session, model)
        if settings is not None and may_start(user, settings):
            found.append(settings)
    return found


def get_startable(session: DbSession, user: User, key: str) -> Startable:
    """The latest version of ``key`` if the user may start it; NotFound or Forbidden saying why not."""
    model = latest_or_404(session, key)
    settings = start_settings(session, model)
    if settings is None:
        raise Forbidden(f"流程“{model.name}”由系统在业务办理中自动发起，不能手工发起（未设置可发起角色）")
    if not may_start(user, settings):
        rows = session.execute(select(Role.code, Role.name).where(Role.code.in_(settings.roles)))
        names = {code: name for code, name in rows}
        allowed = "、".join(names.get(code, code) for code in settings.roles)
        raise Forbidden(f"您的角色不能发起“{model.name}”：可发起角色为 {allowed}")
    return settings


def owner_choices(session: DbSession, user: User, permission: str) -> list[User]:
    """Users the starter may name as business owner: active users inside their data scope (themselves first)."""
    scope = data_scope.scope_of(session, user, permission)
    stmt = select(User).where(User.status == UserStatus.ACTIVE,
                              data_scope.org_condition(scope, User.org_id, User.id)).order_by(User.username)
    others = [u for u in session.scalars(stmt) if u.id != user.id]
    return [user, *others]


def _in_scope(session: DbSession, user: User, other: User, permission: str) -> bool:
    """Tell whether another user is inside the starter's data scope (one indexed look-up, not the whole list)."""
    scope = data_scope.scope_of(session, user, permission)
    return session.scalar(select(User.id).where(User.id == other.id,
                                                data_scope.org_condition(scope, User.org_id, User.id))) is not None


def linked_subject(session: DbSession, business_key: str) -> subjects.Subject:
    """The business object a process is started about (``customer:17``), once the starter — the current user —
    is found to open it as its own page would; NotFound or Forbidden otherwise (nothing is started)."""
    prefix, _, ident = business_key.partition(":")
    if not subjects.is_linkable(prefix) or not ident.isdigit():
        raise NotFound("关联的业务对象不存在或不能关联流程")
    subjects.check_opens(business_key)
    subject = subjects.summarise(session, business_key)
    if subject is None:
        raise NotFound("关联的业务对象不存在或您无权查看")
    return subject


def subject_keys(subject_fields: Mapping[str, str], data: Mapping[str, Any]) -> list[str]:
    """Business keys a start form's object fields name (``customer_id`` = 17 → ``customer:17``), in field order."""
    keys: list[str] = []
    for name, prefix in subject_fields.items():
        value = data.get(name)
        if value in (None, ""):
            continue
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
            raise ValidationFailed(f"字段 {name} 的值不是有效的编号")
        key = f"{prefix}:{int(value)}"
        if key not in keys:
            keys.append(key)
    return keys


def launch(session: DbSession, startable: Startable, user: User, owner: User, data: dict[str, Any],
           permission: str, *, business_key: str = "", title: str = "", subject: str = "",
           named: Sequence[str] = ()) -> ProcessInstance:
    """Start the process for ``owner`` with the start form's data.

    ``subject`` is the business object it is started about (发起流程 on the object's page, ``customer:17``);
    ``named`` the objects the start form's fields name (:func:`subject_keys`). Each is checked with
    :func:`linked_subject`; the first becomes the business key (unless a free one is given), the others are
    related keys, so every one of them lists the instance. Each is in the start data as ``<prefix>_id``
    (``customer_id``: 17) unless the start form set that variable itself.
    """
    if owner.id != user.id and not _in_scope(session, user, owner, permission):
        raise Forbidden("不能为数据范围以外的人员发起流程")
    if owner.status != UserStatus.ACTIVE:
        raise ValidationFailed("业务归属人已离职")
    if subjects.names_domain_object(business_key):
        # The task page would show that object to whoever gets the task, outside the object's own data scope.
        raise ValidationFailed(f"业务编号“{business_key}”是业务对象的编号，不能直接指定：请在该对象的页面上发起流程"
                               "（接口用 customer_id、project_id 或 trade_id），系统会核对您能否查看它")
    if subject and business_key:
        raise ValidationFailed("关联业务对象发起的流程以该对象为业务编号，不能另行指定业务编号")
    prefix, _, ident = subject.partition(":")
    subject = f"{prefix}:{int(ident)}" if ident.isdigit() else subject  # customer:017 lists as customer:17
    linked = list(dict.fromkeys([*([subject] if subject else []), *named]))
    found = {key: linked_subject(session, key) for key in linked}
    related = linked
    if linked and not business_key:
        business_key, related = linked[0], linked[1:]
    # The objects are process variables too (``customer_id``): a task form's 客户 field shows the customer, and
    # conditions and operations read it.
    named_ids = {f"{key.partition(':')[0]}_id": int(key.partition(":")[2]) for key in reversed(linked)}
    start_data = {**named_ids, **data, "initiator_id": user.id, "owner_id": owner.id}
    if not title and business_key in found:
        title = f"{startable.model.name} · {found[business_key].title}"
    when = clock.local(clock.now())
    title = title or f"{startable.model.name} · {owner.name}{f' · {when:%m-%d %H:%M}' if when else ''}"
    return gateway.start_model(session, startable.model, business_key=business_key, title=title,
                               org_id=owner.org_id, owner_id=owner.id, data=start_data, actor=user, related=related)
