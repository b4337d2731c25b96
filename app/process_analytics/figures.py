"""The SQL behind process analytics: durations in whole seconds and their median / p90 by group, computed in
the database the same way on SQLite and PostgreSQL.

Durations: each timestamp is cut to whole seconds since the epoch before subtracting (``strftime('%s')`` on
SQLite, ``floor(extract(epoch))`` on PostgreSQL), so both databases see the same integers. Percentiles: the
rows of a group are numbered by value with ``row_number()``; the median is the middle value, or the mean of
the two middle values of an even count; p90 is the nearest-rank value, the ⌈0.9·n⌉-th smallest. Only window
functions and integer arithmetic are used — no ``percentile_cont`` (PostgreSQL only) and no rows in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app import clock
from app.database import DbSession
from app.performance.period import Period
from app.workflow.models import InstanceStatus, ProcessInstance, TaskStatus, WorkflowTask

AnySelect = Select[*tuple[Any, ...]]


class SecondsBetween(FunctionElement[int]):
    """``end - start`` in whole seconds (NULL when either is NULL)."""

    type = Integer()
    inherit_cache = True
    name = "seconds_between"


def _ends(element: SecondsBetween, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    start, end = list(element.clauses)
    return compiler.process(start, **kw), compiler.process(end, **kw)


@compiles(SecondsBetween, "sqlite")
def _seconds_sqlite(element: SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _ends(element, compiler, **kw)
    return f"(CAST(strftime('%s', {end}) AS INTEGER) - CAST(strftime('%s', {start}) AS INTEGER))"


@compiles(SecondsBetween, "postgresql")
def _seconds_postgresql(element: SecondsBetween, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _ends(element, compiler, **kw)
    return f"(CAST(floor(extract(epoch from {end})) AS BIGINT) - CAST(floor(extract(epoch from {start})) AS BIGINT))"


def seconds_between(start: Any, end: Any) -> ColumnElement[int]:
    return SecondsBetween(start, end)


@dataclass(frozen=True)
class Spread:
    """How many durations a group has, their median and p90 (seconds; None without any)."""

    count: int = 0
    median: float | None = None
    p90: float | None = None


def bounds(period: Period) -> tuple[datetime, datetime]:
    """The period's first instant and the instant after its last day, in UTC (days are Asia/Shanghai days)."""
    start = datetime.combine(period.start, time(), tzinfo=clock.SHANGHAI).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time(), tzinfo=clock.SHANGHAI).astimezone(UTC)
    return start, end


def spreads(session: DbSession, source: AnySelect, keys: Sequence[str], values: Sequence[str],
            extras: Sequence[str] = (), labels: Sequence[str] = ()) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Median and p90 of each value column of ``source`` per group of ``keys``, in one pass.

    ``source`` selects the key columns, the value columns (seconds, NULL = no such duration) and optional
    ``extras`` (numbers summed per group) and ``labels`` (texts, any one per group). Returns
    {group key: {value: Spread, "rows": n, extra: sum, label: text}}.
    """
    # Computed once: inlined, each reference to a duration below (value, window order, count) would parse the
    # timestamps again — three times slower on SQLite. MATERIALIZED needs SQLite 3.35 / PostgreSQL 12.
    rows = source.cte("durations").prefix_with("MATERIALIZED")
    part = [rows.c[k] for k in keys]
    ranked_columns: list[Any] = [*part]
    for name in values:
        value = rows.c[name]
        nulls_last = case((value.is_(None), 1), else_=0)
        ranked_columns += [value.label(name),
                           func.row_number().over(partition_by=part, order_by=(nulls_last, value)).label(f"{name}_rn"),
                           func.count(value).over(partition_by=part).label(f"{name}_n")]
    ranked_columns += [rows.c[name].label(name) for name in (*extras, *labels)]
    ranked = select(*ranked_columns).subquery("ranked")
    outer: list[Any] = [ranked.c[k] for k in keys] + [func.count().label("rows")]
    for name in values:
        value, rn, n = ranked.c[name], ranked.c[f"{name}_rn"], ranked.c[f"{name}_n"]
        middle = and_(value.is_not(None), rn * 2 >= n, rn * 2 <= n + 2)
        nearest_90 = and_(value.is_not(None), rn * 10 >= n * 9, (rn - 1) * 10 < n * 9)
        outer += [func.max(n).label(f"{name}_n"), func.avg(case((middle, value))).label(f"{name}_median"),
                  func.max(case((nearest_90, value))).label(f"{name}_p90")]
    outer += [func.coalesce(func.sum(ranked.c[name]), 0).label(name) for name in extras]
    outer += [func.max(ranked.c[name]).label(name) for name in labels]
    result: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in session.execute(select(*outer).group_by(*[ranked.c[k] for k in keys])).mappings():
        entry: dict[str, Any] = {"rows": int(row["rows"])}
        for name in values:
            median, p90 = row[f"{name}_median"], row[f"{name}_p90"]
            entry[name] = Spread(int(row[f"{name}_n"] or 0), None if median is None else float(median),
                                 None if p90 is None else float(p90))
        for name in extras:
            entry[name] = int(row[name] or 0)
        for name in labels:
            entry[name] = row[name]
        result[tuple(row[k] for k in keys)] = entry
    return result


# --- tasks ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementFigures:
    """One task element (环节) of a process over a period, plus its open tasks now."""

    element_id: str
    name: str
    completed: int = 0
    waiting: Spread = Spread()  # created → claimed (→ completed when never claimed)
    handling: Spread = Spread()  # claimed → completed, tasks that were claimed only
    late: int = 0  # completed in the period after their due time
    open: int = 0
    unclaimed: int = 0  # open and nobody holds it
    overdue_open: int = 0  # open and past its due time

    @property
    def overdue(self) -> int:
        return self.late + self.overdue_open


def _task_scope(stmt: AnySelect, process_key: str, model_id: int | None) -> AnySelect:
    stmt = stmt.where(WorkflowTask.process_key == process_key)
    if model_id is not None:
        stmt = stmt.join(ProcessInstance, ProcessInstance.id == WorkflowTask.instance_id).where(
            ProcessInstance.model_id == model_id)
    return stmt


def element_figures(session: DbSession, process_key: str, period: Period,
                    model_id: int | None = None) -> list[ElementFigures]:
    """Task figures per element: completed in the period (durations, late) and open now (overdue)."""
    start, end = bounds(period)
    task = WorkflowTask
    late = case((and_(task.due_at.is_not(None), task.completed_at > task.due_at), 1), else_=0)
    done = _task_scope(select(
        task.element_id.label("element_id"), task.name.label("name"),
        seconds_between(task.created_at, func.coalesce(task.claimed_at, task.completed_at)).label("waiting"),
        seconds_between(task.claimed_at, task.completed_at).label("handling"), late.label("late"),
    ).where(task.completed_at >= start, task.completed_at < end, task.status == TaskStatus.COMPLETED),
        process_key, model_id)
    figures = spreads(session, done, ["element_id"], ["waiting", "handling"], ["late"], ["name"])
    now = clock.now()
    open_rows = session.execute(_task_scope(select(
        task.element_id, func.max(task.name), func.count(),
        func.sum(case((task.claimed_at.is_(None), 1), else_=0)),
        func.sum(case((task.due_at < now, 1), else_=0)),
    ).where(task.completed_at.is_(None), task.status == TaskStatus.OPEN), process_key, model_id)
        .group_by(task.element_id)).all()
    by_element: dict[str, ElementFigures] = {}
    for (element_id,), entry in figures.items():
        by_element[element_id] = ElementFigures(element_id, entry["name"], entry["waiting"].count, entry["waiting"],
                                                entry["handling"], entry["late"])
    for element_id, name, count, unclaimed, overdue in open_rows:
        known = by_element.get(element_id)
        base = known or ElementFigures(element_id, name)
        by_element[element_id] = ElementFigures(base.element_id, base.name, base.completed, base.waiting,
                                                base.handling, base.late, int(count), int(unclaimed or 0),
                                                int(overdue or 0))
    return sorted(by_element.values(), key=lambda e: (-(e.waiting.median or -1), e.element_id))


# --- instances ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstanceFigures:
    """Instances of one process (or one version): started and completed in the period, live and in error now."""

    started: int = 0
    completed: int = 0
    duration: Spread = Spread()  # started → completed, of those completed in the period
    live: int = 0  # running or waiting now
    error: int = 0  # in error now (异常, an incident to resolve)


def instance_figures(session: DbSession, period: Period, process_key: str | None = None, *,
                     by_version: bool = False) -> dict[Any, InstanceFigures]:
    """Instance figures per process key (of every process, or of ``process_key`` only), or per version (model
    id) with ``by_version``."""
    start, end = bounds(period)
    inst = ProcessInstance
    group: Any = inst.model_id if by_version else inst.process_key

    def scoped(stmt: AnySelect) -> AnySelect:
        return stmt if process_key is None else stmt.where(inst.process_key == process_key)

    started: dict[Any, int] = dict(session.execute(scoped(select(group, func.count()).where(
        inst.started_at >= start, inst.started_at < end)).group_by(group)).all())
    finished = spreads(session, scoped(select(
        group.label("grp"), seconds_between(inst.started_at, inst.completed_at).label("duration"),
    ).where(inst.completed_at >= start, inst.completed_at < end, inst.status == InstanceStatus.COMPLETED)),
        ["grp"], ["duration"])
    live_states = (InstanceStatus.RUNNING, InstanceStatus.WAITING)
    now_rows = session.execute(scoped(select(
        group, func.sum(case((inst.status.in_(live_states), 1), else_=0)),
        func.sum(case((inst.status == InstanceStatus.ERROR, 1), else_=0)),
    ).where(inst.status.in_((*live_states, InstanceStatus.ERROR)))).group_by(group)).all()
    now = {key: (int(live or 0), int(error or 0)) for key, live, error in now_rows}
    result: dict[Any, InstanceFigures] = {}
    for key in set(started) | {k[0] for k in finished} | set(now):
        duration = finished.get((key,), {}).get("duration", Spread())
        live, error = now.get(key, (0, 0))
        result[key] = InstanceFigures(int(started.get(key, 0)), duration.count, duration, live, error)
    return result
