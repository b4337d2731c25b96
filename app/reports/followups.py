"""跟进报表: follow-ups logged in the period, by seat / kind (方式) / result (结果) / department / month.

The data scope follows the staff who did the work, like 业绩: a seat sees his own follow-ups, a head those of
the seats in his departments (heads may narrow to one seat), the city manager everyone's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, literal, select

from app.auth.models import User
from app.customers.models import Customer
from app.followups.access import FOLLOWUP_RESULT
from app.followups.models import FOLLOW_UP_KIND_LABELS, FollowUp, FollowUpKind
from app.org import scope as data_scope
from app.org.models import Org
from app.reports import filters
from app.reports.access import FOLLOWUPS_REPORT
from app.reports.framework import (
    Column,
    Context,
    Dimension,
    Measure,
    Report,
    arg_drill,
    label_names,
    lookup_names,
    moment_bounds,
    month_drill,
    month_of_moment,
    name_of,
    plain_names,
)

KIND_NAMES = {kind.value: label for kind, label in FOLLOW_UP_KIND_LABELS.items()}


def _base(ctx: Context) -> Select[Any]:
    start, end = moment_bounds(ctx.period)
    staff = data_scope.apply(select(User.id), ctx.scope, User.org_id, User.id)
    stmt = (select(literal(1)).select_from(FollowUp).join(User, User.id == FollowUp.user_id)
            .where(FollowUp.at >= start, FollowUp.at < end))
    return stmt if ctx.scope.is_all else stmt.where(FollowUp.user_id.in_(staff))


def _valid_calls() -> Any:
    return func.coalesce(func.sum(case(((FollowUp.kind == FollowUpKind.CALL) & FollowUp.valid.is_(True), 1),
                                       else_=0)), 0)


def _kind_count(kind: FollowUpKind) -> Any:
    return func.coalesce(func.sum(case((FollowUp.kind == kind, 1), else_=0)), 0)


REPORT = Report(
    key="followups", title="跟进报表", permission=FOLLOWUPS_REPORT, period_label="跟进时间",
    intro="统计期间内记录的跟进；有效电话为接通且通话时长达到门槛的电话。主管可按坐席筛选。",
    base=_base,
    columns=[Column("跟进时间", FollowUp.at, "datetime"), Column("坐席", User.name), Column("工号", User.work_no),
             Column("客户编号", name_of(Customer, FollowUp.customer_id, "number")),
             Column("客户", name_of(Customer, FollowUp.customer_id)),
             Column("方式", FollowUp.kind, display=lambda value: KIND_NAMES.get(str(value), str(value))),
             Column("有效电话", FollowUp.valid, display=lambda value: "是" if value else "否"),
             Column("通话秒数", FollowUp.duration_seconds, "int"),
             Column("结果", filters.dictionary_label(FOLLOWUP_RESULT, FollowUp.result)),
             Column("内容", FollowUp.content)],
    row_id=FollowUp.id,
    order=lambda: [FollowUp.at.desc(), FollowUp.id.desc()],
    measures=[Measure("跟进次数", func.count(FollowUp.id)), Measure("电话", _kind_count(FollowUpKind.CALL)),
              Measure("有效电话", _valid_calls()), Measure("见客", _kind_count(FollowUpKind.VISIT)),
              Measure("来访", _kind_count(FollowUpKind.INCOMING_VISIT)),
              Measure("沙龙", _kind_count(FollowUpKind.SALON)), Measure("邀约", _kind_count(FollowUpKind.INVITATION))],
    dimensions=[
        Dimension("seat", "坐席", lambda _ctx: [FollowUp.user_id],
                  lookup_names(User, lambda u: f"{u.name}（{u.work_no}）"), arg_drill("seat")),
        Dimension("kind", "方式", lambda _ctx: [FollowUp.kind], label_names(KIND_NAMES), arg_drill("kind")),
        Dimension("result", "结果", lambda _ctx: [FollowUp.result], filters.dictionary_names(FOLLOWUP_RESULT),
                  arg_drill("result")),
        Dimension("org", "部门", lambda _ctx: [User.org_id], lookup_names(Org, lambda o: o.name), arg_drill("org")),
        Dimension("month", "月份", lambda _ctx: [month_of_moment(FollowUp.at)],
                  plain_names(), month_drill, chronological=True),
    ],
    filters=[filters.seat_filter(FollowUp.user_id), filters.org_filter(User.org_id),
             filters.code_filter("kind", "方式", KIND_NAMES, FollowUp.kind),
             filters.dictionary_filter("result", "结果", FOLLOWUP_RESULT, FollowUp.result)],
)
