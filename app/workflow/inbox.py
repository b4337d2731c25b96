"""Inbox (待办) queries over the task projection — they never load workflow JSON.

A user sees an open task when it is assigned to them, or when it is unassigned, its candidate role is
one of theirs and the role's data scope covers the task's business object, or when it names them as a
candidate user (``app.workflow.routing``). "待我处理" holds tasks assigned to me, unassigned ones about my
own business objects (a seat's revision of their own trade) and unassigned ones naming me; "可认领" holds
the rest of the unassigned ones (a finance group's audits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import g, has_request_context
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, union_all

from app import clock
from app.auth.models import User
from app.database import DbSession
from app.org import scope as data_scope
from app.workflow.models import TaskCandidate, TaskStatus, WorkflowTask

TABS = {
    "mine": "待我处理",
    "group": "可认领",
    "delegated": "我委派的",
    "done": "我已办",
}


@dataclass(frozen=True)
class Filters:
    process_key: str = ""
    business_key: str = ""
    start: date | None = None
    end: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.process_key or self.business_key or self.start or self.end)

    def apply(self, stmt: Select[Any], done: bool = False) -> Select[Any]:
        if self.process_key:
            stmt = stmt.where(WorkflowTask.process_key == self.process_key)
        if self.business_key:
            stmt = stmt.where(or_(WorkflowTask.business_key.contains(self.business_key, autoescape=True),
                                  WorkflowTask.title.contains(self.business_key, autoescape=True)))
        column = WorkflowTask.completed_at if done else WorkflowTask.created_at
        if self.start:
            stmt = stmt.where(column >= datetime.combine(self.start, time.min, tzinfo=clock.SHANGHAI))
        if self.end:
            stmt = stmt.where(column < datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=clock.SHANGHAI))
        return stmt


def _task_ids_for_roles(codes: list[str]) -> Select[Any]:
    return select(TaskCandidate.task_id).where(TaskCandidate.role_code.in_(codes))


def _has_further_candidates(session: DbSession, user: User) -> bool:
    """Whether any task names the user, or one of their roles after its first candidate role (both rare:
    Camunda's candidateUsers / several candidateGroups), so the usual inbox queries stay one index range.
    Looked up once per request: the menu badge, the tab counts and the page all ask."""
    cache: dict[int, bool] | None = g.setdefault("_further_candidates", {}) if has_request_context() else None
    if cache is not None and user.id in cache:
        return cache[user.id]
    codes = [role.code for role in user.roles]
    further = session.scalar(select(TaskCandidate.id).where(
        or_(TaskCandidate.user_id == user.id, TaskCandidate.role_code.in_(codes))).limit(1)) is not None
    if cache is not None:
        cache[user.id] = further
    return further


def candidate_condition(session: DbSession, user: User, include_owned: bool = True,
                        further: bool | None = None) -> ColumnElement[bool]:
    """Unassigned open tasks of one of the user's roles inside that role's data scope.

    ``include_owned=False`` leaves out the "or I own the business object" branch (the 可认领 tab, which
    excludes my own objects anyway), so the condition is a plain index range per role. A task's further
    candidate roles (``TaskCandidate``) count like its first one (``further``: whether any exist for the user,
    looked up when not given).
    """
    if further is None:
        further = _has_further_candidates(session, user)
    conditions = []
    for role in user.roles:
        scope = data_scope.scope_for_role(session, user, role)
        owner_col = WorkflowTask.owner_id if include_owned else None
        in_scope = data_scope.org_condition(scope, WorkflowTask.org_id, owner_col)
        conditions.append(and_(WorkflowTask.candidate_role == role.code, in_scope))
        if further:
            conditions.append(and_(WorkflowTask.id.in_(_task_ids_for_roles([role.code])), in_scope))
    if not conditions:
        return false()
    return and_(WorkflowTask.assignee_id.is_(None), or_(*conditions))


def _mine(user: User, further: bool) -> ColumnElement[bool]:
    # Indexed look-ups joined by UNION ALL: an OR of them lets planners fall back to a full scan.
    own_roles = [role.code for role in user.roles]
    assigned = select(WorkflowTask.id).where(WorkflowTask.assignee_id == user.id,
                                             WorkflowTask.status == TaskStatus.OPEN)
    owned = select(WorkflowTask.id).where(WorkflowTask.owner_id == user.id, WorkflowTask.status == TaskStatus.OPEN,
                                          WorkflowTask.assignee_id.is_(None),
                                          WorkflowTask.candidate_role.in_(own_roles))
    if not further:
        return WorkflowTask.id.in_(union_all(assigned, owned))
    unassigned = (select(WorkflowTask.id).join(TaskCandidate, TaskCandidate.task_id == WorkflowTask.id)
                  .where(WorkflowTask.status == TaskStatus.OPEN, WorkflowTask.assignee_id.is_(None)))
    named = unassigned.where(TaskCandidate.user_id == user.id)
    owned_further = unassigned.where(WorkflowTask.owner_id == user.id, TaskCandidate.role_code.in_(own_roles))
    return WorkflowTask.id.in_(union_all(assigned, owned, named, owned_further))


def _named(user: User, further: bool) -> ColumnElement[bool]:
    """Unassigned tasks naming the user as a candidate user."""
    if not further:
        return false()
    return and_(WorkflowTask.assignee_id.is_(None),
                WorkflowTask.id.in_(select(TaskCandidate.task_id).where(TaskCandidate.user_id == user.id)))


def _group(session: DbSession, user: User, further: bool) -> ColumnElement[bool]:
    not_mine = or_(WorkflowTask.owner_id.is_(None), WorkflowTask.owner_id != user.id)
    group = and_(candidate_condition(session, user, include_owned=False, further=further), not_mine)
    if not further:
        return group
    return and_(group, ~WorkflowTask.id.in_(select(TaskCandidate.task_id).where(TaskCandidate.user_id == user.id)))


def query(session: DbSession, user: User, tab: str, filters: Filters | None = None) -> Select[Any]:
    """The SELECT behind one inbox tab, newest first (done: most recently completed first)."""
    filters = filters or Filters()
    stmt = select(WorkflowTask)
    if tab == "mine":
        stmt = stmt.where(WorkflowTask.status == TaskStatus.OPEN, _mine(user, _has_further_candidates(session, user)))
    elif tab == "group":
        stmt = stmt.where(WorkflowTask.status == TaskStatus.OPEN,
                          _group(session, user, _has_further_candidates(session, user)))
    elif tab == "delegated":
        stmt = stmt.where(WorkflowTask.status == TaskStatus.OPEN, WorkflowTask.delegated_from_id == user.id)
    elif tab == "done":
        stmt = stmt.where(WorkflowTask.completed_by_id == user.id)
        return filters.apply(stmt, done=True).order_by(*order(tab))
    else:
        raise ValueError(tab)
    return filters.apply(stmt).order_by(*order(tab))


def order(tab: str) -> tuple[Any, ...]:
    """An inbox tab's sort: newest first (done: most recently completed first), the id breaking ties."""
    if tab == "done":
        return WorkflowTask.completed_at.desc(), WorkflowTask.id.desc()
    return WorkflowTask.created_at.desc(), WorkflowTask.id.desc()


def open_for(session: DbSession, user: User) -> Select[Any]:
    """Every open task the user can act on now: assigned to them or claimable."""
    further = _has_further_candidates(session, user)
    return (select(WorkflowTask)
            .where(WorkflowTask.status == TaskStatus.OPEN,
                   or_(WorkflowTask.assignee_id == user.id, candidate_condition(session, user, further=further),
                       _named(user, further)))
            .order_by(WorkflowTask.created_at.desc(), WorkflowTask.id.desc()))


def counts(session: DbSession, user: User) -> dict[str, int]:
    """Open-task counts for the menu badge and the tabs."""
    further = _has_further_candidates(session, user)
    mine = session.scalar(select(func.count()).select_from(WorkflowTask).where(
        WorkflowTask.status == TaskStatus.OPEN, _mine(user, further))) or 0
    group = session.scalar(select(func.count()).select_from(WorkflowTask).where(
        WorkflowTask.status == TaskStatus.OPEN, _group(session, user, further))) or 0
    return {"mine": mine, "group": group, "total": mine + group}
