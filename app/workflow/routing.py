"""Who a human task goes to: its assignee, its candidate roles and its candidate users.

- **Roles.** A task's ``candidateGroups`` property (role codes or names, comma-separated; Camunda's
  ``camunda:candidateGroups``) *replaces* its lane: as in Camunda, candidate groups say who may take the
  task, and a lane drawn around it is then only a picture. Without them the lane's role is the candidate.
  Each role reaches its holders whose role data scope covers the business object, exactly as a lane does.
  The first role is the task row's ``candidate_role`` (the indexed inbox path every single-role task uses);
  further roles are ``TaskCandidate`` rows.
- **Users.** ``candidateUsers`` (usernames) may take the task whatever their data scope: they are named.
  They find it under 待我处理, and claim it there like any group task.
- **Assignee.** The ``assignee`` expression's value: a user id, or a username (Camunda writes a literal
  ``demo`` or ``${starter}``); the task goes straight to that active user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lxml import etree
from sqlalchemy import delete, insert, or_, select

from app import clock
from app.auth.models import DataScope, Role, User, UserStatus
from app.database import DbSession
from app.org import scope as data_scope
from app.org.models import Org
from app.workflow import engine, store
from app.workflow.models import ProcessInstance, TaskCandidate, TaskStatus, WorkflowTask
from app.workflow.validation import NS, Problem, properties, split_roles
from app.workflow.validation.elements import HUMAN_TASKS

_candidates: Any = TaskCandidate.__table__


@dataclass(frozen=True)
class Candidates:
    """The candidates of one task beyond its row's ``candidate_role``."""

    roles: tuple[str, ...] = ()
    user_ids: tuple[int, ...] = ()


def known_roles(session: DbSession) -> dict[str, str]:
    """Role codes and names → role code (a lane or candidate group may be named either way)."""
    roles: dict[str, str] = {}
    for code, name in session.execute(select(Role.code, Role.name)):
        roles[code] = code
        roles[name] = code
    return roles


def role_codes(session: DbSession) -> dict[str, str]:
    """Role code or name → role code, once per session (a request or a job run)."""
    cached = session.info.get("workflow_roles")
    if cached is None:
        cached = session.info["workflow_roles"] = known_roles(session)
    return cached


def _active_ids(session: DbSession, usernames: Sequence[str]) -> list[int]:
    if not usernames:
        return []
    found = dict(session.execute(select(User.username, User.id).where(User.username.in_(usernames),
                                                                      User.status == UserStatus.ACTIVE)).all())
    return [found[name] for name in usernames if name in found]


def assignee_id(session: DbSession, props: Mapping[str, str], data: Mapping[str, Any]) -> int | None:
    """The user the task goes to: its ``assignee`` expression as a user id, or a username looked up."""
    expression = props.get("assignee", "").strip()
    if not expression:
        return None
    try:
        value = engine.sandbox.evaluate(expression, data)
    except (engine.sandbox.SandboxError, SyntaxError):
        return None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text or text.isdigit():
            return int(text) if text else None
        found = _active_ids(session, [text])
        return found[0] if found else None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _routing(session: DbSession, lane: str, props: Mapping[str, str]) -> tuple[str, Candidates]:
    """The row's candidate role and the further candidates."""
    codes = role_codes(session)
    groups = split_roles(props.get("candidateGroups", ""))
    named = groups or ([lane] if lane else [])
    roles = list(dict.fromkeys(codes.get(name, name) for name in named))
    users = _active_ids(session, split_roles(props.get("candidateUsers", "")))
    return (roles[0] if roles else ""), Candidates(tuple(roles[1:]), tuple(users))


def task_rows(session: DbSession, instance: ProcessInstance, tasks: list[Any]
              ) -> tuple[list[dict[str, Any]], dict[str, Candidates]]:
    """Projection rows for READY human tasks, and the further candidates of those that have any (by guid)."""
    now = clock.now()
    rows, extra = [], {}
    for task in tasks:
        info = engine.task_info(task)
        props = info["properties"]
        due_days = props.get("dueDays", "").strip()
        role, candidates = _routing(session, info["lane"], props)
        assignee = assignee_id(session, props, info["data"])  # assigned by the diagram: claimed on arrival
        if candidates.roles or candidates.user_ids:
            extra[info["guid"]] = candidates
        rows.append({
            "instance_id": instance.id, "task_guid": info["guid"], "element_id": info["element_id"],
            "name": info["name"], "process_key": instance.process_key, "business_key": instance.business_key,
            "title": instance.title, "lane": info["lane"], "candidate_role": role,
            "org_id": instance.org_id, "owner_id": instance.owner_id,
            "assignee_id": assignee, "claimed_at": now if assignee is not None else None,
            "form_key": props.get("formKey", ""), "status": TaskStatus.OPEN.value, "created_at": now,
            "due_at": now + timedelta(days=int(due_days)) if due_days.isdigit() else None,
            "outcome": "", "comment": "",
        })
    return rows, extra


def add_tasks(session: DbSession, instance: ProcessInstance, tasks: list[Any]) -> None:
    """Insert the projection rows of newly READY human tasks with their further candidates."""
    rows, extra = task_rows(session, instance, tasks)
    store.add_tasks(session, rows)
    write_candidates(session, extra)


def write_candidates(session: DbSession, extra: dict[str, Candidates], replace: bool = False) -> None:
    """Store further candidates of task rows (by guid); ``replace`` drops what those rows had first."""
    if not extra:
        return
    ids = dict(session.execute(select(WorkflowTask.task_guid, WorkflowTask.id)
                               .where(WorkflowTask.task_guid.in_(list(extra)))).all())
    conn = session.connection()
    if replace:
        conn.execute(delete(_candidates).where(_candidates.c.task_id.in_(list(ids.values()))))
    values = [{"task_id": ids[guid], "role_code": role, "user_id": None}
              for guid, found in extra.items() if guid in ids for role in found.roles]
    values += [{"task_id": ids[guid], "role_code": "", "user_id": user_id}
               for guid, found in extra.items() if guid in ids for user_id in found.user_ids]
    if values:
        conn.execute(insert(_candidates), values)


def is_candidate(session: DbSession, user: User, task: WorkflowTask) -> bool:
    """Tell whether the user may take the task: a candidate role within its scope, or a named candidate user."""
    if _holds_in_scope(session, user, task, {task.candidate_role}):
        return True
    rows = session.execute(select(TaskCandidate.role_code, TaskCandidate.user_id)
                           .where(TaskCandidate.task_id == task.id)).all()
    if any(user_id == user.id for _role, user_id in rows):
        return True
    return _holds_in_scope(session, user, task, {role for role, _user in rows if role})


def _holds_in_scope(session: DbSession, user: User, task: WorkflowTask, codes: set[str]) -> bool:
    return holds_in_scope(session, user, codes, task.org_id, task.owner_id)


def holds_in_scope(session: DbSession, user: User, codes: set[str], org_id: int | None, owner_id: int | None) -> bool:
    """Tell whether the user holds one of the roles with a data scope covering the object (org and owner)."""
    for role in user.roles:
        if role.code in codes:
            scope = data_scope.scope_for_role(session, user, role)
            if data_scope.covers(session, scope, org_id, owner_id):
                return True
    return False


def role_holders(session: DbSession, role_code: str, org_id: int | None, owner_id: int | None) -> list[User]:
    """The active holders of a role whose role data scope covers the object: who a lane of that role reaches."""
    org = session.get(Org, org_id) if org_id is not None else None
    # Only these can cover it (the exact rule follows): the owner, holders in the object's org or above it, and
    # branch- or company-wide scopes — not every seat of the company one by one.
    near = or_(User.id == owner_id, User.org_id.in_(org.ancestor_ids if org else []),
               Role.data_scope.in_([DataScope.BRANCH, DataScope.ALL]))
    holders = session.scalars(select(User).join(User.roles).where(
        Role.code == role_code, User.status == UserStatus.ACTIVE, near).order_by(User.id))
    return [user for user in holders if holds_in_scope(session, user, {role_code}, org_id, owner_id)]


def check(session: DbSession, root: etree._Element) -> list[Problem]:
    """Candidate groups must name known roles and candidate users existing active users."""
    codes = role_codes(session)
    problems = []
    for process in root.iterfind("bpmn:process", NS):
        for kind in HUMAN_TASKS:
            for task in process.iterfind(f".//bpmn:{kind}", NS):
                where = (str(task.get("id", "")), str(task.get("name") or ""))
                props = properties(task)
                for group in split_roles(props.get("candidateGroups", "")):
                    if group not in codes:
                        problems.append(Problem(*where, f"候选组“{group}”不是已知角色的名称或编码"))
                usernames = split_roles(props.get("candidateUsers", ""))
                if not usernames:
                    continue
                known = set(session.scalars(select(User.username).where(User.username.in_(usernames),
                                                                        User.status == UserStatus.ACTIVE)))
                for name in usernames:
                    if name not in known:
                        problems.append(Problem(*where, f"候选人“{name}”不是在职用户的用户名"))
    return problems
