"""客户获取报表: customers created in the period (entered, imported, merged in), by source (客户来源), import
batch (导入编号), department, month and creator, with how many of them are now 意向 / 有效 / 成交 / 无效."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, func, literal, select

from app.auth.models import User
from app.customers import visibility
from app.customers.access import CUSTOMER_SOURCE
from app.customers.models import CUSTOMER_TYPE_LABELS, Customer, CustomerType, ImportJob
from app.org import scope as data_scope
from app.org.models import Org
from app.reports import filters
from app.reports.access import ACQUISITION_REPORT
from app.reports.framework import (
    Column,
    Context,
    Dimension,
    Filter,
    Measure,
    Report,
    arg_drill,
    lookup_names,
    moment_bounds,
    month_drill,
    month_of_moment,
    plain_names,
)

TYPE_NAMES = {kind.value: label for kind, label in CUSTOMER_TYPE_LABELS.items()}


def _base(ctx: Context) -> Select[Any]:
    start, end = moment_bounds(ctx.period)
    stmt = select(literal(1)).select_from(Customer).where(Customer.created_at >= start, Customer.created_at < end,
                                                          visibility.alive())  # deleted customers count nowhere
    return data_scope.apply(stmt, ctx.scope, Customer.service_org_id, Customer.service_seat_id)


def _now(kind: CustomerType) -> Any:
    return func.coalesce(func.sum(case((Customer.type == kind, 1), else_=0)), 0)


def _batch_names(ctx: Context, keys: list[tuple[Any, ...]]) -> list[str]:
    numbers = {key[0] for key in keys if key[0]}
    files = {row.number: row.filename for row in ctx.session.execute(
        select(ImportJob.number, ImportJob.filename).where(ImportJob.number.in_(numbers)))} if numbers else {}
    return [f"{key[0]}（{files[key[0]]}）" if files.get(key[0]) else (key[0] or "（非导入）") for key in keys]


def _batch_filter() -> Filter:
    return Filter("batch", "导入编号", None,
                  lambda stmt, value, _ctx: stmt.where(Customer.import_batch == value))


REPORT = Report(
    key="acquisition", title="客户获取报表", permission=ACQUISITION_REPORT, period_label="建档日期",
    intro="统计期间内新建档的客户（录入、导入），按客户来源和导入批次汇总，并看这些客户现在的类型。",
    base=_base,
    columns=[Column("建档时间", Customer.created_at, "datetime"), Column("客户编号", Customer.number),
             Column("客户", Customer.name),
             Column("客户来源", filters.dictionary_label(CUSTOMER_SOURCE, Customer.source)),
             Column("导入编号", Customer.import_batch),
             Column("客户类型", Customer.type, display=lambda value: TYPE_NAMES.get(str(value), str(value))),
             Column("服务组织", select(Org.name).where(Org.id == Customer.service_org_id).scalar_subquery()),
             Column("服务坐席", select(User.name).where(User.id == Customer.service_seat_id).scalar_subquery())],
    row_id=Customer.id,
    order=lambda: [Customer.created_at.desc(), Customer.id.desc()],
    measures=[Measure("新增客户", func.count(Customer.id)), Measure("现为意向", _now(CustomerType.INTENT)),
              Measure("现为有效", _now(CustomerType.VALID)), Measure("现为成交", _now(CustomerType.DEALT)),
              Measure("现为无效", _now(CustomerType.INVALID))],
    dimensions=[
        Dimension("source", "客户来源", lambda _ctx: [Customer.source], filters.dictionary_names(CUSTOMER_SOURCE),
                  arg_drill("source")),
        Dimension("batch", "导入批次", lambda _ctx: [Customer.import_batch], _batch_names, arg_drill("batch")),
        Dimension("org", "服务组织", lambda _ctx: [Customer.service_org_id], lookup_names(Org, lambda o: o.name),
                  arg_drill("org")),
        Dimension("creator", "建档人", lambda _ctx: [Customer.created_by_id],
                  lookup_names(User, lambda u: f"{u.name}（{u.work_no}）", blank="（系统）")),
        Dimension("month", "月份", lambda _ctx: [month_of_moment(Customer.created_at)],
                  plain_names(), month_drill, chronological=True),
    ],
    filters=[filters.dictionary_filter("source", "客户来源", CUSTOMER_SOURCE, Customer.source), _batch_filter(),
             filters.org_filter(Customer.service_org_id, "服务组织")],
)
