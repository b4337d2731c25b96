"""Grading every customer set-based (客户评级), and what the screens read.

One run is four statements whatever the number of customers:

1. ``DELETE`` the previous snapshot and ``INSERT … SELECT`` the new one: per customer the inputs (aggregates of
   trades and follow-ups), the score (``dmn_tables.collect_sum`` of the scoring table), the rows that fired
   (``dmn_tables.fired``) and the grade (``dmn_tables.case`` of the band table over the score);
2. ``INSERT … SELECT`` a history row for every customer whose new grade differs from the one read in step 1
   (kept in the snapshot as ``previous_grade``, so no second pass over the customers);
3. ``UPDATE`` ``customer.grade`` of those customers only.

The rules are checked first (app.grading.scoring): a bad table refuses the run with nothing written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    delete,
    distinct,
    extract,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import contains_eager

from app.audit import services as audit
from app.auth.models import User
from app.customers import services as customer_services
from app.customers.models import Customer, Pool
from app.database import DbSession, UTCDateTime, table_of
from app.errors import ValidationFailed
from app.followups.models import FollowUp, FollowUpKind
from app.grading import scoring
from app.grading.access import VIEW
from app.grading.models import SCORE_TABLE, CustomerGradeHistory, CustomerGrading, GradingRun, RunTrigger
from app.org import scope as data_scope
from app.trades.models import Trade, TradeStatus
from app.workflow import dmn_tables

RATE_DAYS = 365  # 回款率: trades of the last year
ACTIVITY_DAYS = 90  # 有效联系: follow-ups of the last 90 days
LOST_TRADES = (TradeStatus.FAILED, TradeStatus.REFUNDED)
SECONDS_PER_YEAR = 31_557_600  # 365.25 days
AnySelect = Select[*tuple[Any, ...]]


def _cents(value: Any) -> ColumnElement[int]:
    """An amount in whole cents, as an integer on both databases (SQLite sums money as floats)."""
    return cast(func.round(value * 100), BigInteger)


def _years_since(session: DbSession, moment: Any, now: datetime) -> ColumnElement[int]:
    """Whole years (365.25 days) from ``moment`` to ``now``."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(extract("epoch", literal(now, UTCDateTime) - moment) / SECONDS_PER_YEAR), Integer)
    stamp = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return cast((func.julianday(stamp) - func.julianday(moment)) / 365.25, Integer)


def grading_inputs(session: DbSession, now: datetime) -> AnySelect:
    """Per customer not deleted: holding, collection_rate, years, products, activity (never NULL)."""
    held = and_(Trade.arrival_confirmed.is_(True), Trade.status.not_in(LOST_TRADES))
    recent = Trade.created_at >= now - timedelta(days=RATE_DAYS)
    trades = (select(Trade.customer_id.label("customer_id"),
                     func.sum(case((held, Trade.arrival_amount), else_=0)).label("holding"),
                     func.count(distinct(case((held, Trade.project_id)))).label("products"),
                     func.sum(case((and_(recent, Trade.status != TradeStatus.FAILED), _cents(Trade.intended_amount)),
                                   else_=0)).label("intended"),
                     func.sum(case((and_(recent, held), _cents(Trade.arrival_amount)), else_=0)).label("arrived"))
              .group_by(Trade.customer_id).subquery("trade_figures"))
    contacts = (select(FollowUp.customer_id.label("customer_id"), func.count().label("activity"))
                .where(FollowUp.at >= now - timedelta(days=ACTIVITY_DAYS),
                       or_(FollowUp.kind != FollowUpKind.CALL, FollowUp.valid.is_(True)))
                .group_by(FollowUp.customer_id).subquery("contact_figures"))
    # Whole percent, truncated alike on both databases (integer division; PostgreSQL sums bigints as numeric).
    rate = case((trades.c.intended > 0, cast(trades.c.arrived, BigInteger) * 100 / cast(trades.c.intended, BigInteger)),
                else_=0)
    return (select(Customer.id.label("customer_id"), Customer.grade.label("previous_grade"),
                   func.coalesce(trades.c.holding, 0).label("holding"),
                   func.coalesce(rate, 0).label("collection_rate"),
                   _years_since(session, Customer.created_at, now).label("years"),
                   func.coalesce(trades.c.products, 0).label("products"),
                   func.coalesce(contacts.c.activity, 0).label("activity"))
            .select_from(Customer)
            .outerjoin(trades, trades.c.customer_id == Customer.id)
            .outerjoin(contacts, contacts.c.customer_id == Customer.id)
            .where(Customer.pool != Pool.DELETED))


def graded_rows(session: DbSession, rules: scoring.RuleSet, run_id: int, now: datetime) -> AnySelect:
    """The rows of customer_grading for every customer, scored and graded by ``rules``."""
    inputs = grading_inputs(session, now).subquery("grading_inputs")
    columns = {name: inputs.c[name] for name in scoring.INPUTS}
    scored = select(inputs, dmn_tables.collect_sum(rules.score, columns, scoring.SCORE_OUTPUT).label("score"),
                    dmn_tables.fired(rules.score, columns).label("fired")).subquery("scored")
    grade = dmn_tables.case(rules.bands, {scoring.SCORE_OUTPUT: scored.c.score}, scoring.GRADE_OUTPUT, default="")
    return select(scored.c.customer_id, literal(SCORE_TABLE), literal(run_id), scored.c.score, grade,
                  scored.c.previous_grade, scored.c.fired, scored.c.holding, scored.c.collection_rate,
                  scored.c.years, scored.c.products, scored.c.activity, literal(now, UTCDateTime))


SNAPSHOT_COLUMNS = ["customer_id", "rules_key", "run_id", "score", "grade", "previous_grade", "fired", "holding",
                    "collection_rate", "years", "products", "activity", "computed_at"]


def grade_customers(session: DbSession, now: datetime, trigger: RunTrigger = RunTrigger.SCHEDULER,
                    actor: User | None = None) -> GradingRun:
    """Score and grade every customer; write customer.grade and a history row where the grade changed."""
    started = time.monotonic()
    rules = scoring.load_rules(session)  # refuses before anything is written
    run = GradingRun(trigger=trigger, actor_id=actor.id if actor else None, score_version=rules.score_version,
                     band_version=rules.band_version, started_at=now)
    session.add(run)
    session.flush()
    snapshot, customer = table_of(CustomerGrading), table_of(Customer)
    session.execute(delete(snapshot))
    graded = session.execute(insert(snapshot).from_select(SNAPSHOT_COLUMNS, graded_rows(session, rules, run.id, now)))
    # The snapshot carries each customer's grade as read: changes are found in it alone, without joining back.
    changed = snapshot.c.previous_grade != snapshot.c.grade
    session.execute(insert(table_of(CustomerGradeHistory)).from_select(
        ["customer_id", "run_id", "old_grade", "new_grade", "score", "changed_at"],
        select(snapshot.c.customer_id, literal(run.id), snapshot.c.previous_grade, snapshot.c.grade,
               snapshot.c.score, literal(now, UTCDateTime)).where(changed)))
    new_grade = select(snapshot.c.grade).where(snapshot.c.customer_id == customer.c.id).scalar_subquery()
    moved = session.execute(update(customer).where(customer.c.id.in_(select(snapshot.c.customer_id).where(changed)))
                            .values(grade=new_grade))
    run.customer_count = int(graded.rowcount or 0)  # type: ignore[attr-defined]
    run.changed_count = int(moved.rowcount or 0)  # type: ignore[attr-defined]
    run.finished_at = now
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.summary = f"已评级 {run.customer_count} 位客户，其中 {run.changed_count} 位等级变化"
    session.flush()
    session.expire_all()  # customers loaded before the run carry their old grade
    audit.record(session, "grading.run", run, summary=f"{trigger.label}：{run.summary}",
                 after={"score_version": run.score_version, "band_version": run.band_version,
                        "customers": run.customer_count, "changed": run.changed_count})
    return run


# --- what the screens and the API read -----------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """A scoring row that fired: its number, Chinese description and points."""

    number: int
    description: str
    points: Any


@dataclass(frozen=True)
class CustomerGrade:
    grading: CustomerGrading | None
    reasons: list[Reason]
    history: list[CustomerGradeHistory]
    rules_changed: bool  # the scoring table in force is not the one the reasons were computed by


def reasons_for(session: DbSession, grading: CustomerGrading) -> tuple[list[Reason], bool]:
    """The fired rows with their descriptions and points, read from the scoring table in force."""
    try:
        table = dmn_tables.load(session, SCORE_TABLE)
    except ValidationFailed:  # a broken table must not take the 客户 360 page down
        return [], True
    points = dmn_tables.output_literals(table, scoring.SCORE_OUTPUT)
    rules = {rule.number: (rule, points[index]) for index, rule in enumerate(table.rules)}
    reasons = [Reason(number, rules[number][0].description or f"第 {number} 行", rules[number][1])
               for number in grading.fired_numbers if number in rules]
    changed = grading.run.score_version != scoring.version_in_force(session, SCORE_TABLE)
    return reasons, changed


def customer_grade(session: DbSession, customer: Customer, history_limit: int = 20) -> CustomerGrade:
    """A customer's grade, score, reasons and grade changes (newest first); the caller checked the scope."""
    grading = session.get(CustomerGrading, customer.id)
    reasons, changed = reasons_for(session, grading) if grading is not None else ([], False)
    history = list(session.scalars(select(CustomerGradeHistory).where(CustomerGradeHistory.customer_id == customer.id)
                                   .order_by(CustomerGradeHistory.changed_at.desc(), CustomerGradeHistory.id.desc())
                                   .limit(history_limit)))
    return CustomerGrade(grading, reasons, history, changed)


def scope_of(session: DbSession, user: User) -> data_scope.Scope:
    return customer_services.customer_scope(session, user, VIEW)


def grade_counts(session: DbSession, user: User) -> dict[str, int]:
    """Customers in the user's scope per grade in force ("" = 未评级)."""
    stmt: AnySelect = select(Customer.grade, func.count()).group_by(Customer.grade)
    stmt = customer_services.scoped(stmt, scope_of(session, user))
    return {grade: int(count) for grade, count in session.execute(stmt)}


def graded_listing(session: DbSession, user: User, grade: str = "") -> Select[Any]:
    """The graded customers in the user's scope (their CustomerGrading rows); ``grade`` narrows."""
    stmt = (select(CustomerGrading).join(Customer, Customer.id == CustomerGrading.customer_id)
            .options(contains_eager(CustomerGrading.customer)))
    if grade:
        stmt = stmt.where(Customer.grade == grade)
    return customer_services.scoped(stmt, scope_of(session, user))


LIST_ORDER = (CustomerGrading.score.desc(), CustomerGrading.customer_id.desc())  # highest score first


def latest_run(session: DbSession) -> GradingRun | None:
    return session.scalar(select(GradingRun).order_by(GradingRun.id.desc()).limit(1))
