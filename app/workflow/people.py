"""People sources for person pickers in task forms (field type ``user``).

A source is a function ``(session, task, user) -> [(user_id, label), …]`` registered under a name;
``task`` is the task being filled in (None when a form is shown outside a task) and ``user`` the
person filling it in. A form may accept only the people its source offers, so a source is also the
rule for who may be chosen. Domains register their own (``oa_handlers``); ``colleagues`` is the default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select

from app.auth.models import User, UserStatus
from app.database import DbSession
from app.org import scope as data_scope
from app.org.models import Org
from app.workflow.models import WorkflowTask

PeopleSource = Callable[[DbSession, WorkflowTask | None, User], list[tuple[int, str]]]
SOURCES: dict[str, PeopleSource] = {}
SOURCE_LABELS: dict[str, str] = {}  # name → what the form designer reads in the 候选人 dropdown


def register(name: str, source: PeopleSource, label: str = "") -> None:
    SOURCES[name] = source
    SOURCE_LABELS[name] = label or name


def choices(session: DbSession, name: str, task: WorkflowTask | None, user: User | None) -> list[tuple[int, str]]:
    """The people a source offers; an unknown source or no user offers nobody."""
    source = SOURCES.get(name)
    if source is None or user is None:
        return []
    return source(session, task, user)


def label(user: User) -> str:
    return f"{user.name}（{user.work_no} · {user.org.name}）"


def active_in_branch(session: DbSession, org: Org, exclude: Iterable[int] = ()) -> list[User]:
    """Active employees of the 分公司 ``org`` belongs to, plus those of the orgs above it (head office)."""
    path = data_scope.branch_path(session, org)
    above = [int(part) for part in path.strip("/").split("/") if part]
    stmt = (select(User).join(Org, Org.id == User.org_id)
            .where(User.status == UserStatus.ACTIVE, Org.path.startswith(path) | Org.id.in_(above))
            .order_by(Org.path, User.work_no))
    excluded = set(exclude)
    return [u for u in session.scalars(stmt) if u.id not in excluded and u.roles]


def _colleagues(session: DbSession, task: WorkflowTask | None, user: User) -> list[tuple[int, str]]:
    return [(u.id, label(u)) for u in active_in_branch(session, user.org, exclude=[user.id])]


register("colleagues", _colleagues, "本分公司及总部的在职同事")
