"""To-dos (待办事项): managers give subordinates to-dos 1–3 days ahead with an urgency (紧急/重要/一般), to one
or several people at once (one to-do each, all written or none); follow-up items of meeting minutes become
to-dos too. Due-soon and overdue ones show on the home page.

"Subordinates" are the active employees inside the manager's data scope for 给下属分配待办事项.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, false, or_, select

from app import clock
from app.admin import params
from app.auth.models import User, UserStatus
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.oa.models import Minutes, Todo, TodoUrgency
from app.org import scope as data_scope
from app.org.models import Org
from app.org.scope import Scope

MIN_DAYS = params.define("oa.todo_min_days_ahead", "int", 1, "待办事项最少提前天数",
                         "管理人员分配待办时，完成日期至少在今天之后几天", section="日常管理", minimum=0)
MAX_DAYS = params.define("oa.todo_max_days_ahead", "int", 3, "待办事项最多提前天数",
                         "管理人员分配待办时，完成日期最多在今天之后几天", section="日常管理", minimum=0)
URGENCY_ORDER = case({u.value: u.rank for u in TodoUrgency}, value=Todo.urgency)


def day_window(session: DbSession, today: date) -> tuple[date, date]:
    """The due dates a manager may give: today + min … today + max days."""
    low, high = params.get_int(MIN_DAYS, session), params.get_int(MAX_DAYS, session)
    return today + timedelta(days=low), today + timedelta(days=max(low, high))


def assignable(session: DbSession, manager: User, scope: Scope) -> list[User]:
    """Active employees a manager may give to-dos to: inside the scope, not the manager."""
    stmt = (data_scope.apply(select(User).join(Org, Org.id == User.org_id), scope, User.org_id)
            .where(User.status == UserStatus.ACTIVE, User.id != manager.id).order_by(Org.path, User.work_no))
    return list(session.scalars(stmt))


def _text(title: str, content: str) -> tuple[str, str]:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("请填写待办事项")
    if len(title) > 200 or len(content or "") > 2000:
        raise ValidationFailed("事项不能超过 200 字，说明不能超过 2000 字")
    return title, (content or "").strip()


def assign(session: DbSession, manager: User, scope: Scope, *, assignee_ids: Sequence[int], title: str,
           content: str = "", urgency: TodoUrgency, due_date: date, today: date | None = None) -> list[Todo]:
    """Give one or several subordinates the same to-do due 1–3 days (the parameters) from today: one row each,
    all or none."""
    wanted = list(dict.fromkeys(assignee_ids))
    if not wanted:
        raise ValidationFailed("请选择执行人")
    allowed = {u.id: u for u in assignable(session, manager, scope)}
    if any(i not in allowed for i in wanted):  # no names: an id outside the scope tells nothing about its owner
        raise ValidationFailed("执行人须为您管理范围内的在职员工")
    first, last = day_window(session, today or clock.today())
    if not first <= due_date <= last:
        raise ValidationFailed(f"待办事项须提前分配：完成日期应在 {first:%Y-%m-%d} 至 {last:%Y-%m-%d} 之间")
    title, content = _text(title, content)
    rows = [Todo(title=title, content=content, urgency=urgency, due_date=due_date, assignee_id=allowed[i].id,
                 assigned_by_id=manager.id, org_id=allowed[i].org_id) for i in wanted]
    session.add_all(rows)
    session.flush()
    return rows


def follow_up(session: DbSession, minutes: Minutes, author: User, *, assignee_id: int, title: str,
              urgency: TodoUrgency, due_date: date, today: date | None = None) -> Todo:
    """Turn a follow-up item of minutes into a to-do of one of its attendees (or the author)."""
    if minutes.created_by_id != author.id:
        raise NotFound("纪要不存在或您无权修改")
    allowed = {u.id for u in minutes.attendees} | {minutes.created_by_id}
    assignee = session.get(User, assignee_id)
    if assignee is None or assignee.id not in allowed or assignee.status != UserStatus.ACTIVE:
        raise ValidationFailed("跟进事项的负责人须为参会人员")
    if due_date < (today or clock.today()):
        raise ValidationFailed("完成日期不能早于今天")
    title, _content = _text(title, "")
    todo = Todo(title=title, content=f"来自会议纪要：{minutes.title}", urgency=urgency, due_date=due_date,
                assignee_id=assignee.id, assigned_by_id=author.id, org_id=assignee.org_id, minutes_id=minutes.id)
    session.add(todo)
    session.flush()
    return todo


def give_from_process(session: DbSession, giver: User, assignee: User, *, title: str, content: str,
                      urgency: TodoUrgency, due_date: date) -> Todo:
    """A to-do a process step gives (服务操作 创建待办事项): to any active employee, due today or later — the
    process decided who does it, so the manager's subordinates and 1–3-day window do not apply."""
    if assignee.status != UserStatus.ACTIVE:
        raise ValidationFailed(f"{assignee.name} 已离职，不能接收待办事项")
    if due_date < clock.today():
        raise ValidationFailed("完成日期不能早于今天")
    title, content = _text(title, content)
    todo = Todo(title=title, content=content, urgency=urgency, due_date=due_date, assignee_id=assignee.id,
                assigned_by_id=giver.id, org_id=assignee.org_id)
    session.add(todo)
    session.flush()
    return todo


def visible_condition(user: User, scope: Scope | None) -> ColumnElement[bool]:
    """To-dos a user may see: theirs, those they gave, and those inside a manager's scope."""
    managed = data_scope.org_condition(scope, Todo.org_id) if scope is not None else false()
    return or_(Todo.assignee_id == user.id, Todo.assigned_by_id == user.id, managed)


def get_visible(session: DbSession, user: User, todo_id: int, scope: Scope | None) -> Todo:
    todo = session.scalar(select(Todo).where(Todo.id == todo_id, visible_condition(user, scope)))
    if todo is None:
        raise NotFound("待办事项不存在或您无权查看")
    return todo


def listing(user: User, tab: str, scope: Scope | None, show_done: bool = False) -> Select[Any]:
    """我的待办 (mine), 我分配的 (assigned) or 下属待办 (team, managers): open first, by due date and urgency."""
    stmt = select(Todo)
    if tab == "assigned":
        stmt = stmt.where(Todo.assigned_by_id == user.id)
    elif tab == "team" and scope is not None:
        stmt = stmt.where(data_scope.org_condition(scope, Todo.org_id), Todo.assignee_id != user.id)
    else:
        stmt = stmt.where(Todo.assignee_id == user.id)
    if not show_done:
        stmt = stmt.where(Todo.done_at.is_(None))
    return stmt.order_by(Todo.done_at.is_not(None), Todo.due_date, URGENCY_ORDER, Todo.id)


def mark_done(session: DbSession, todo: Todo, user: User, note: str = "") -> None:
    """The assignee reports a to-do done (with an optional note)."""
    if todo.assignee_id != user.id:
        raise ValidationFailed("只有执行人可以完成该待办事项")
    if todo.done_at is not None:
        raise Conflict("该待办事项已完成")
    todo.done_at = clock.now()
    todo.done_note = (note or "").strip()[:2000]
    session.flush()


def withdraw(session: DbSession, todo: Todo, user: User) -> None:
    """The manager who gave an open to-do takes it back."""
    if todo.assigned_by_id != user.id:
        raise ValidationFailed("只有分配人可以撤回该待办事项")
    if todo.done_at is not None:
        raise Conflict("已完成的待办事项不能撤回")
    session.delete(todo)
    session.flush()


def due_soon(session: DbSession, user: User, today: date) -> tuple[list[Todo], list[Todo]]:
    """The user's open to-dos: (overdue, due today or tomorrow)."""
    rows = list(session.scalars(select(Todo).where(
        Todo.assignee_id == user.id, Todo.done_at.is_(None), Todo.due_date <= today + timedelta(days=1))
        .order_by(Todo.due_date, URGENCY_ORDER)))
    return [t for t in rows if t.due_date < today], [t for t in rows if t.due_date >= today]


def overdue_given(session: DbSession, user: User, today: date) -> list[Todo]:
    """Open to-dos the user gave that are past their date (a manager's follow-up list)."""
    return list(session.scalars(select(Todo).where(
        Todo.assigned_by_id == user.id, Todo.done_at.is_(None), Todo.due_date < today)
        .order_by(Todo.due_date, URGENCY_ORDER).limit(10)))
