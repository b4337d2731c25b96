"""The cockpits (驾驶舱): every figure against Python counting over the ORM rows, every chart's drill-down link
opening a list with the same rows, data scope (out of scope is 404, no permission 403), bad input in Chinese."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import clock
from app.auth.models import User, UserStatus
from app.cockpits import leadership as lead_service
from app.cockpits.charts import wan
from app.customers.models import Customer, CustomerType, Pool
from app.extensions import db
from app.followups import services as followups
from app.org.models import Org, OrgKind
from app.org.scope import scope_of
from app.performance.period import Grain, Period, this_month
from app.pools.models import PoolHistory
from app.trades.models import (
    IncomeStatus,
    InterestLine,
    PayoutStatus,
    Trade,
    TradeIncome,
    TradeStatus,
)
from tests.conftest import user_named

ZERO = Decimal("0.00")


def _options(html: str) -> dict[str, dict]:
    """The ECharts options a page carries, by chart id."""
    return {m.group(1): json.loads(m.group(2)) for m in re.finditer(
        r'<script type="application/json" id="([^"]+)-option">(.*?)</script>', html, re.S)}


def _is_deal(trade: Trade) -> bool:
    return bool(trade.arrival_confirmed and trade.arrival_date
                and trade.status not in (TradeStatus.REFUNDED, TradeStatus.FAILED))


def _branch(org: Org) -> Org | None:
    while org is not None and org.kind != OrgKind.BRANCH:
        org = org.parent
    return org


def _months(today):
    """The twelve (start, end) months up to today's, oldest first — counted by hand."""
    result, cursor = [], today.replace(day=1)
    for _ in range(12):
        following = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
        result.append((cursor, following - timedelta(days=1)))
        cursor = (cursor - timedelta(days=1)).replace(day=1)
    return result[::-1]


def _month_index(months, day):
    return next((i for i, (start, end) in enumerate(months) if start <= day <= end), None)


@pytest.mark.date_sensitive
@pytest.mark.db_sensitive
def test_leadership_figures_agree_with_counting_every_row(app, login_as):
    today = clock.today()
    month = this_month(today)
    # A refunded deal of this month stops counting everywhere.
    refunded = db.session.scalars(select(Trade).where(Trade.arrival_confirmed.is_(True),
                                                      Trade.status == TradeStatus.INCOME)).first()
    assert refunded is not None
    refunded.arrival_date = today
    refunded.status = TradeStatus.REFUNDED
    db.session.commit()

    trades = list(db.session.scalars(select(Trade)))
    in_month = [t for t in trades if _is_deal(t) and month.start <= t.arrival_date <= month.end]
    assert in_month, "the demo has deals this month"
    found = lead_service.leadership(db.session, scope_of(db.session, user_named("admin")), month)

    assert found.totals.count == len(in_month)
    assert found.totals.amount == sum((t.arrival_amount for t in in_month), ZERO)
    per_project, per_seat, per_branch = defaultdict(Decimal), defaultdict(Decimal), defaultdict(Decimal)
    for t in in_month:
        per_project[t.project.name] += t.arrival_amount
        per_seat[t.seat.name] += t.arrival_amount
        branch = _branch(t.org)
        per_branch[branch.name if branch else "公司直属"] += t.arrival_amount
    assert {s.label: s.amount for s in found.by_project} == dict(per_project)
    assert {s.label: s.amount for s in found.top_seats} == dict(per_seat)
    assert {s.label: s.amount for s in found.by_branch} == dict(per_branch)

    months = _months(today)
    assert [(m.start, m.end) for m in found.months] == months
    by_month, counts = [ZERO] * 12, [0] * 12
    for t in trades:
        if _is_deal(t) and (i := _month_index(months, t.arrival_date)) is not None:
            by_month[i] += t.arrival_amount
            counts[i] += 1
    assert [s.amount for s in found.by_month] == by_month and [s.count for s in found.by_month] == counts
    income = [ZERO] * 12
    for record in db.session.scalars(select(TradeIncome).where(TradeIncome.status == IncomeStatus.SUBMITTED)):
        if (i := _month_index(months, record.income_date)) is not None:
            income[i] += record.amount
    assert found.income_by_month == income and sum(income) > 0
    interest = [ZERO] * 12
    for line in db.session.scalars(select(InterestLine)):
        i = _month_index(months, line.payment.payment_date)
        if line.payment.status == PayoutStatus.POSTED and i is not None:
            interest[i] += line.amount
    assert found.interest_by_month == interest and sum(interest) > 0

    customers = list(db.session.scalars(select(Customer).where(Customer.pool != Pool.DELETED)))  # deleted: gone
    holders = {t.customer_id for t in trades if _is_deal(t) and t.status != TradeStatus.SETTLED}
    assert (found.holding, found.empty) == (len(holders), len(customers) - len(holders))
    assert dict(found.pools) == {pool: Counter(c.pool for c in customers)[pool] for pool in Pool
                                 if pool != Pool.DELETED}
    flows = Counter(move.reason for move in db.session.scalars(select(PoolHistory))
                    if month.start <= clock.local(move.at).date() <= month.end)
    assert dict(found.flows) == dict(flows) and flows
    assert [count for _, count in found.flows] == sorted(flows.values(), reverse=True)

    page = login_as("admin").get("/cockpits/leadership")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "指导驾驶舱" in html
    options = _options(html)
    assert options["chart-projects"]["series"][0]["data"] == [wan(s.amount) for s in found.by_project]
    assert options["chart-months"]["series"][1]["data"] == counts
    empty = len(customers) - len(holders)
    assert options["chart-holdings"]["series"][0]["data"] == [{"name": "持仓客户", "value": len(holders)},
                                                             {"name": "空仓客户", "value": empty}]
    assert f"{found.totals.amount:,.2f}" in html


@pytest.mark.date_sensitive
def test_every_chart_opens_the_rows_it_counts(app, login_as):
    client = login_as("admin")
    options = _options(client.get("/cockpits/leadership").get_data(as_text=True))
    found = lead_service.leadership(db.session, scope_of(db.session, user_named("admin")), this_month(clock.today()))
    checked = 0
    for chart, slices in (("chart-projects", found.by_project), ("chart-branches", found.by_branch),
                          ("chart-seats", found.top_seats), ("chart-months", found.by_month)):
        links = options[chart]["links"]
        links = links[next(iter(links))] if isinstance(links, dict) else links
        for url, piece in zip(links, slices, strict=True):
            if piece.count:
                listed = client.get(url).get_data(as_text=True)
                assert listed.count('data-trade="') == piece.count, (chart, url)
                checked += 1
    assert checked >= 4
    customers = list(db.session.scalars(select(Customer)))
    for url, (pool, count) in zip(options["chart-pools"]["links"], found.pools, strict=True):
        listed = client.get(url).get_data(as_text=True)
        assert listed.count('data-customer="') == min(count, 50), pool
    for url, value in zip(options["chart-holdings"]["links"], (found.holding, found.empty), strict=True):
        listed = client.get(url).get_data(as_text=True)
        assert listed.count('data-customer="') == min(value, 50), url
    assert found.holding + found.empty == len(customers)
    for url, (reason, count) in zip(options["chart-flows"]["links"], found.flows, strict=True):
        assert f"reason={reason.value}" in url and f"共 {count} 次流转" in client.get(url).get_data(as_text=True)
    for series, figures in (("交易收益（万元）", found.income_by_month), ("已付利息（万元）", found.interest_by_month)):
        for url, amount in zip(options["chart-income"]["links"][series], figures, strict=True):
            listed = client.get(url).get_data(as_text=True)
            amounts = re.findall(r'<td class="text-end">([\d,]+\.\d\d)</td>(?:<td class="small|</tr>)', listed)
            assert sum((Decimal(a.replace(",", "")) for a in amounts), ZERO) == amount, url


def _seat_oracle(seat_ids, org_paths=()):
    """Customers by type (个人信息池), trades by status and this month's deals of these seats — by hand."""
    month = this_month(clock.today())
    orgs = {org.id: org.path for org in db.session.scalars(select(Org))}

    def in_orgs(org_id):
        return any(orgs[org_id].startswith(path) for path in org_paths)

    customers = [c for c in db.session.scalars(select(Customer)) if c.pool == Pool.PERSONAL
                 and (c.service_seat_id in seat_ids or in_orgs(c.service_org_id))]
    trades = [t for t in db.session.scalars(select(Trade)) if t.seat_id in seat_ids or in_orgs(t.org_id)]
    deals = [t for t in trades if _is_deal(t) and t.seat_id in seat_ids and month.start <= t.arrival_date <= month.end]
    return (Counter(c.type for c in customers), Counter(t.status for t in trades), len(deals),
            sum((t.arrival_amount for t in deals), ZERO))


def _rank_oracle(seat):
    """The seat's competition rank (1, 2, 2, 4) among every active seat by this month's 交易金额 — by hand."""
    month = this_month(clock.today())
    seats = [u for u in db.session.scalars(select(User)) if u.status == UserStatus.ACTIVE
             and any(r.code == "seat" for r in u.roles)]
    amounts = defaultdict(Decimal)
    for t in db.session.scalars(select(Trade)):
        if _is_deal(t) and month.start <= t.arrival_date <= month.end:
            amounts[t.seat_id] += t.arrival_amount
    return 1 + sum(1 for u in seats if amounts[u.id] > amounts[seat.id]), len(seats)


def _desk_figures(html):
    options = _options(html)
    types = {d["name"]: d["value"] for d in options["chart-types"]["series"][0]["data"]}
    pipeline = dict(zip(options["chart-pipeline"]["yAxis"]["data"], options["chart-pipeline"]["series"][0]["data"],
                        strict=True))
    deals = re.search(r'id="card-deals">.*?(\d+) 单.*?交易金额 ([\d,.]+) 元', html, re.S)
    return types, pipeline, int(deals.group(1)), Decimal(deals.group(2).replace(",", "")), options


@pytest.mark.date_sensitive
def test_a_seat_sees_his_own_desk_and_its_lists(app, login_as):
    seat = user_named("seat01")
    customer = db.session.scalars(select(Customer).where(Customer.service_seat_id == seat.id)).first()
    at = clock.now() + timedelta(minutes=10)
    followups.book_appointment(db.session, customer, seat, at, "面谈理财方案")
    db.session.commit()
    client = login_as("seat01")
    html = client.get("/cockpits/manager").get_data(as_text=True)
    types, pipeline, count, amount, options = _desk_figures(html)
    want_types, want_status, want_count, want_amount = _seat_oracle({seat.id})
    assert types == {kind.label: want_types[kind] for kind in CustomerType}
    assert pipeline == {status.label: want_status[status] for status in TradeStatus}
    assert (count, amount) == (want_count, want_amount) and count > 0
    assert "面谈理财方案" in html and customer.name in html
    rank, ranked = _rank_oracle(seat)
    card = re.sub(r"<[^>]+>|\s+", " ", re.search(r'id="card-rank">(.*?)</a>', html, re.S).group(1))
    assert f"第 {rank} 名" in card and f"共 {ranked} 人" in card
    # The bars open the seat's own lists with the same rows.
    for url, kind in zip(options["chart-types"]["links"], CustomerType, strict=True):
        assert client.get(url).get_data(as_text=True).count('data-customer="') == want_types[kind]
    for url, status in zip(options["chart-pipeline"]["links"], TradeStatus, strict=True):
        assert url.startswith("/trades/?") and client.get(url).get_data(as_text=True).count('data-trade="') == \
            want_status[status]
    deals_url = re.search(r'href="([^"]+)" id="card-deals"', html).group(1).replace("&amp;", "&")
    assert client.get(deals_url).get_data(as_text=True).count('data-trade="') == want_count
    assert client.get(f"/cockpits/manager?seat={user_named('seat02').id}").status_code == 404


@pytest.mark.date_sensitive
@pytest.mark.db_sensitive
def test_a_head_sees_his_departments_or_one_of_his_seats(app, login_as):
    head = user_named("head01")
    client = login_as("head01")
    types, pipeline, count, amount, _unused = _desk_figures(client.get("/cockpits/manager").get_data(as_text=True))
    want_types, want_status, _count, _amount = _seat_oracle({head.id}, [head.org.path])
    assert types == {kind.label: want_types[kind] for kind in CustomerType}
    assert pipeline == {status.label: want_status[status] for status in TradeStatus}
    team = {u.id for u in db.session.scalars(select(User)) if u.status == UserStatus.ACTIVE
            and u.org.path.startswith(head.org.path) and any(r.code == "seat" for r in u.roles)}
    assert user_named("seat01").id in team
    assert (count, amount) == _seat_oracle(team)[2:]
    seat02 = user_named("seat02")
    html = client.get(f"/cockpits/manager?seat={seat02.id}").get_data(as_text=True)
    types, pipeline, count, amount, options = _desk_figures(html)
    want_types, want_status, want_count, want_amount = _seat_oracle({seat02.id})
    assert types == {kind.label: want_types[kind] for kind in CustomerType}
    assert pipeline == {status.label: want_status[status] for status in TradeStatus}
    assert (count, amount) == (want_count, want_amount)
    for url, status in zip(options["chart-pipeline"]["links"], TradeStatus, strict=True):
        assert url.startswith("/trades/admin/monitor?") and f"seat={seat02.id}" in url
        assert client.get(url).get_data(as_text=True).count('data-trade="') == want_status[status]
    assert client.get(f"/cockpits/manager?seat={user_named('seat11').id}").status_code == 404


@pytest.mark.parametrize(("username", "url", "status", "message"), [
    ("seat01", "/cockpits/leadership", 403, None),
    ("head01", "/cockpits/leadership", 403, None),
    ("finance01", "/cockpits/manager", 403, None),
    ("manager01", "/cockpits/leadership?grain=year", 422, "统计周期应为"),
    ("manager01", "/cockpits/leadership?grain=month&value=2026-13", 422, "月份格式应为 YYYY-MM"),
    ("manager01", "/cockpits/leadership?grain=range&start=2026-06-30&end=2026-06-01", 422, "结束日期不能早于开始日期"),
    ("manager01", "/cockpits/leadership/moves?grain=month&value=June", 422, "月份格式应为 YYYY-MM"),
    ("manager01", "/cockpits/leadership/incomes?grain=week&value=2026-06", 422, "周的格式应为 YYYY-Www"),
    ("seat01", "/cockpits/manager?seat=999999", 404, None),
])
def test_refusals(app, login_as, username, url, status, message):
    response = login_as(username).get(url)
    assert response.status_code == status
    if message:
        assert message in response.get_data(as_text=True)


def test_the_city_manager_sees_his_branch(app, login_as):
    manager = user_named("manager01")
    branch = _branch(manager.org)
    start = clock.today() - timedelta(days=730)
    found = lead_service.leadership(db.session, scope_of(db.session, manager, "cockpits.leadership"),
                                    Period(Grain.RANGE, start, clock.today()))
    path = branch.path if branch else "/"
    deals = [t for t in db.session.scalars(select(Trade)) if _is_deal(t) and t.org.path.startswith(path)
             and start <= t.arrival_date <= clock.today()]
    assert found.totals.count == len(deals) > 0
    customers = [c for c in db.session.scalars(select(Customer)) if c.service_org.path.startswith(path)]
    assert found.holding + found.empty == len(customers)


def test_trade_and_customer_lists_take_the_drill_filters(app, login_as):
    seat = user_named("seat01")
    deals = [t for t in db.session.scalars(select(Trade)) if _is_deal(t)]
    first, last = min(t.arrival_date for t in deals), max(t.arrival_date for t in deals)
    mine = sorted(t.trade_no for t in deals if t.seat_id == seat.id and first <= t.arrival_date <= last)
    html = login_as("seat01").get(f"/trades/?deal=1&arrival_from={first}&arrival_to={last}").get_data(as_text=True)
    assert sorted(re.findall(r'data-trade="([^"]+)"', html)) == mine and mine
    assert "仅成单" in html
    html = login_as("head01").get(f"/trades/admin/monitor?deal=1&seat={seat.id}&arrival_from={last}"
                                  f"&arrival_to={last}").get_data(as_text=True)
    assert sorted(re.findall(r'data-trade="([^"]+)"', html)) == sorted(
        t.trade_no for t in deals if t.seat_id == seat.id and t.arrival_date == last)
    holders = {t.customer_id for t in deals if t.status != TradeStatus.SETTLED}
    numbers = {c.id: c.number for c in db.session.scalars(select(Customer))}
    html = login_as("admin").get("/customers/?holding=1").get_data(as_text=True)
    assert sorted(re.findall(r'data-customer="([^"]+)"', html)) == sorted(numbers[i] for i in holders)
    export = login_as("admin").get("/customers/export?holding=0")
    assert export.status_code == 200


@pytest.mark.date_sensitive
def test_the_api_gives_the_screens_figures(app, api_as):
    found = lead_service.leadership(db.session, scope_of(db.session, user_named("admin")), this_month(clock.today()))
    body = api_as("admin").get("/api/v1/cockpits/leadership").json
    assert (body["deals"], Decimal(body["amount"])) == (found.totals.count, found.totals.amount)
    assert [Decimal(s["amount"]) for s in body["by_project"]] == [s.amount for s in found.by_project]
    assert (body["holding"], body["empty"]) == (found.holding, found.empty)
    assert body["pools"] == {pool.value: count for pool, count in found.pools}
    assert api_as("admin").get("/api/v1/cockpits/leadership?grain=week&value=2026-W99").status_code == 422
    assert api_as("seat01").get("/api/v1/cockpits/leadership").status_code == 403

    seat = user_named("seat01")
    body = api_as("seat01").get("/api/v1/cockpits/manager").json
    want_types, want_status, want_count, want_amount = _seat_oracle({seat.id})
    assert body["seat_id"] == seat.id and body["team"] == [seat.id]
    assert body["customer_types"] == {kind.value: want_types[kind] for kind in CustomerType}
    assert {s["status"]: s["count"] for s in body["pipeline"]} == {s.value: want_status[s] for s in TradeStatus}
    assert (body["deals"], Decimal(body["amount"])) == (want_count, want_amount)
    assert (body["rank"], body["ranked"]) == _rank_oracle(seat)
    seat11 = user_named("seat11")
    assert api_as("head01").get(f"/api/v1/cockpits/manager?seat_id={seat11.id}").status_code == 404
    assert api_as("head01").get(f"/api/v1/cockpits/manager?seat_id={seat.id}").json["deals"] == want_count


@pytest.mark.date_sensitive
def test_the_leadership_page_keeps_its_figures_for_five_minutes_until_refreshed(app, login_as):
    client = login_as("manager01")
    before = client.get("/cockpits/leadership").get_data(as_text=True)
    month = this_month(clock.today())
    trade = db.session.scalars(select(Trade).where(Trade.arrival_confirmed.is_(True), Trade.status.not_in(
        (TradeStatus.REFUNDED, TradeStatus.FAILED)), Trade.arrival_date >= month.start,
        Trade.arrival_date <= month.end)).first()
    assert trade is not None
    amount = re.search(r'id="card-deals">.*?fs-4 fw-semibold">([\d,.]+)<', before, re.S).group(1)
    trade.status = TradeStatus.REFUNDED
    db.session.commit()
    cached = client.get("/cockpits/leadership").get_data(as_text=True)
    assert re.search(r'id="card-deals">.*?fs-4 fw-semibold">([\d,.]+)<', cached, re.S).group(1) == amount
    assert "数据更新于" in cached and "刷新" in cached
    fresh = client.get("/cockpits/leadership?fresh=1").get_data(as_text=True)
    now = Decimal(re.search(r'id="card-deals">.*?fs-4 fw-semibold">([\d,.]+)<', fresh, re.S).group(1).replace(",", ""))
    assert now == Decimal(amount.replace(",", "")) - trade.arrival_amount
