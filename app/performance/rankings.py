"""Rankings (业绩排名): active seats ranked by 成单量, 邀约量 or 交易金额 over a period (a month on the screens).

Who is ranked: every active seat (role 坐席) of the company, or of one branch / department and below. The
board is public inside the company — whoever holds ``performance.rankings`` sees every ranked seat's name,
department and figure (no drill-down into another seat's customers or trades: that stays data-scoped).

How: competition ranking (1, 2, 2, 4) by the figure, highest first; seats with the same figure share the
rank and are listed by 工号. Seats without a deal or invitation are ranked too, sharing the last rank, so
"第 n 名 / 共 m 人" always counts the whole population. Deals come from :mod:`app.performance.deals`
(one indexed aggregation over ``trade``), invitations from the daily facts (``quota_daily_fact``) — about
a thousand seats, so the board is one grouped query per figure plus a sort of at most a thousand rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.auth.models import Role, User, UserStatus, user_roles
from app.database import DbSession
from app.errors import NotFound
from app.org.models import Org, OrgKind
from app.performance import deals, period
from app.performance.metrics import PerfMetric
from app.quotas import facts
from app.quotas.metrics import Metric

RANKED = (PerfMetric.AMOUNT, PerfMetric.DEALS, PerfMetric.INVITATIONS)  # 金榜, 银榜, then 邀约
SEAT_ROLE = "seat"


@dataclass(frozen=True)
class RankedSeat:
    user_id: int
    name: str
    work_no: str
    org_name: str
    org_path: str


@dataclass(frozen=True)
class Entry:
    rank: int
    seat: RankedSeat
    value: Decimal | int  # 交易金额 in 元 (Decimal), counts as int


@dataclass(frozen=True)
class Board:
    metric: PerfMetric
    start: date
    end: date  # inclusive
    org: Org | None  # None: the whole company
    entries: list[Entry]

    @property
    def total(self) -> int:
        return len(self.entries)

    def top(self, n: int) -> list[Entry]:
        return self.entries[:n]

    def entry_of(self, user_id: int) -> Entry | None:
        return next((entry for entry in self.entries if entry.seat.user_id == user_id), None)


def ranked_seats(session: DbSession, org: Org | None = None) -> list[RankedSeat]:
    """The active seats of the company, or of ``org`` and below, by 工号 (plain columns: the board needs no
    User objects, and a thousand of them with their org and roles would cost more than the figures)."""
    stmt = (select(User.id, User.name, User.work_no, Org.name.label("org_name"), Org.path)
            .join(Org, Org.id == User.org_id)
            .where(User.status == UserStatus.ACTIVE,
                   User.id.in_(select(user_roles.c.user_id).join(Role, Role.id == user_roles.c.role_id)
                               .where(Role.code == SEAT_ROLE))))
    if org is not None:
        stmt = stmt.where(Org.path.startswith(org.path, autoescape=True))
    return [RankedSeat(row.id, row.name, row.work_no, row.org_name, row.path)
            for row in session.execute(stmt.order_by(User.work_no))]


def org_of(session: DbSession, org_id: int | None) -> Org | None:
    """The org a board is narrowed to (None: the whole company); NotFound when it does not exist."""
    if org_id is None:
        return None
    org = session.get(Org, org_id)
    if org is None or not org.active:
        raise NotFound("组织不存在")
    return org


def figures(session: DbSession, metric: PerfMetric, seat_ids: Sequence[int], start: date,
            end: date) -> dict[int, Decimal | int]:
    """Per seat, its figure for ``metric`` from ``start`` to ``end`` inclusive (zeros included)."""
    if metric == PerfMetric.INVITATIONS:
        return {seat: counts[Metric.INVITATION] for seat, counts in facts.totals(session, seat_ids, start, end).items()}
    totals = deals.by_seat(session, seat_ids, start, end)
    if metric == PerfMetric.DEALS:
        return {seat: total.count for seat, total in totals.items()}
    if metric == PerfMetric.AMOUNT:
        return {seat: total.amount for seat, total in totals.items()}
    raise ValueError(f"not a ranked figure: {metric}")


def rank(seats: Sequence[RankedSeat], values: dict[int, Decimal | int]) -> list[Entry]:
    """Competition ranking (1, 2, 2, 4), highest figure first; ties listed by 工号."""
    ordered = sorted(seats, key=lambda seat: (-values.get(seat.user_id, 0), seat.work_no))
    entries: list[Entry] = []
    for position, seat in enumerate(ordered, start=1):
        value = values.get(seat.user_id, 0)
        shared = entries and entries[-1].value == value
        entries.append(Entry(entries[-1].rank if shared else position, seat, value))
    return entries


def board(session: DbSession, metric: PerfMetric, start: date, end: date, org: Org | None = None) -> Board:
    """The ranking of ``metric`` (成单量 / 邀约量 / 交易金额) from ``start`` to ``end`` inclusive, over the whole
    company or ``org`` and below."""
    if metric not in RANKED:
        raise ValueError(f"not a ranked figure: {metric}")
    seats = ranked_seats(session, org)
    values = figures(session, metric, [seat.user_id for seat in seats], start, end)
    return Board(metric, start, end, org, rank(seats, values))


def rank_of(session: DbSession, user: User, metric: PerfMetric, month_start: date,
            month_end: date) -> tuple[int, int] | None:
    """The user's place on the company-wide board of ``metric`` from ``month_start`` to ``month_end``
    inclusive, as (rank, number of ranked seats); None when the user is not an active seat."""
    found = board(session, metric, month_start, month_end)
    entry = found.entry_of(user.id)
    return (entry.rank, found.total) if entry is not None else None


def boards(session: DbSession, start: date, end: date, org: Org | None = None) -> dict[PerfMetric, Board]:
    """The three boards (交易金额, 成单量, 邀约量) of one period and population, the seats loaded once."""
    seats = ranked_seats(session, org)
    ids = [seat.user_id for seat in seats]
    return {metric: Board(metric, start, end, org, rank(seats, figures(session, metric, ids, start, end)))
            for metric in RANKED}


def filter_orgs(session: DbSession) -> list[Org]:
    """The orgs a board may be narrowed to: every active branch and department, in tree order (the board is
    company-wide, so this is not the viewer's data scope)."""
    return list(session.scalars(select(Org).where(Org.active.is_(True),
                                                  Org.kind.in_((OrgKind.BRANCH, OrgKind.DEPARTMENT)))
                                .order_by(Org.path)))


def month_of(text: str) -> period.Period:
    """The month named ``YYYY-MM`` (this month when empty); ValidationFailed in Chinese when malformed."""
    return period.from_args({"grain": period.Grain.MONTH.value, "value": text[:20]})
