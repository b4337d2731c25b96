"""Demo projects in every lifecycle stage and trades at every review step, driven through the real
diagrams (project_lifecycle, trade_review) by the demo users, so a new user sees a living system.

finance01 computes the interest payment and the settlement, finance02 (the second finance user of 理财一部)
reviews and posts them. "small" (tests) makes one trade per step; "full" a few per step.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import cycle
from typing import Any

from sqlalchemy import select

from app import clock, workflow
from app.auth.models import User
from app.customers.models import Customer
from app.database import DbSession
from app.demo import DemoContext, loader
from app.org import services as org_services
from app.org.scope import scope_of
from app.products import categories, lifecycle
from app.products import services as product_services
from app.products.access import PROJECT_MANAGE
from app.products.models import Project
from app.products.services import ProjectData
from app.trades import incomes, payouts, services
from app.trades.access import INTEREST, SETTLEMENT
from app.trades.incomes import IncomeData
from app.trades.models import Trade
from app.trades.services import TradeInput
from forms import registry as form_registry

CATEGORY_TREE = [("固定收益类", ["债权投资", "票据资产"]), ("股权投资类", ["私募股权", "并购基金"]), ("现金管理类", [])]
WAN = Decimal("10000")


class _Demo:
    def __init__(self, session: DbSession, ctx: DemoContext) -> None:
        self.session, self.ctx = session, ctx
        self.users = ctx.users
        self.service = ctx.users["service01"]
        self.per_step = 1 if ctx.size == "small" else 3
        self.customers = {name: cycle(self._customers_of(ctx.users[name])) for name in ("seat01", "seat02", "seat11")}
        self.sellers = cycle(["seat01", "seat02", "seat11"])
        self.lc1_sellers = cycle(["seat01", "seat02"])
        self.serial = 0

    def _customers_of(self, seat: User) -> list[int]:
        ids = list(self.session.scalars(select(Customer.id).where(Customer.service_seat_id == seat.id)
                                        .order_by(Customer.id)))
        if not ids:
            raise RuntimeError(f"演示数据：坐席 {seat.username} 名下没有客户，请先载入客户演示数据")
        return ids

    def project(self, code: str, name: str, category: int, lp_amount: int, lp_count: int, minimum: int,
                rate: str, months: int, schedule: str, risk: str, **extra: Any) -> Project:
        today = clock.today()
        data = ProjectData(code=code, name=name, category_id=category, org_id=self.ctx.orgs["SH"].id,
                           manager_id=self.service.id, raise_target=Decimal(lp_amount) * WAN * 2,
                           lp_amount=Decimal(lp_amount) * WAN, lp_count=lp_count,
                           min_subscription=Decimal(minimum) * WAN, expected_yield=Decimal(rate), term_months=months,
                           interest_schedule=schedule, risk_level=risk, raise_start=today - timedelta(days=30),
                           raise_end=today + timedelta(days=60), description=extra.pop("description", ""), **extra)
        scope = scope_of(self.session, self.service, PROJECT_MANAGE)
        return product_services.create_project(self.session, data, scope, self.service)

    def stage(self, project: Project, outcome: str, comment: str = "") -> None:
        lifecycle.advance(self.session, project, self.service, outcome, comment)

    def trade(self, project: Project, amount_wan: int, seller: str | None = None) -> Trade:
        seller = seller or next(self.sellers)
        seat = self.users[seller]
        customer_id = next(self.customers[seller])
        self.serial += 1
        data = TradeInput(project_id=project.id, intended_amount=Decimal(amount_wan) * WAN,
                          bank_name="招商银行上海分行", bank_account=f"6225 8802 {self.serial:04d} 1234")
        return services.create_trade(self.session, customer_id, data, seat)

    def finance_of(self, trade: Trade) -> User:
        return self.users["finance01"] if trade.org_id in self._lc1_ids() else self.users["finance11"]

    def _lc1_ids(self) -> set[int]:
        lc1 = self.ctx.orgs["SH-LC1"]
        return {o.id for o in org_services.org_tree(self.session, lc1.path)}

    def act(self, trade: Trade, user: User, outcome: str, comment: str = "", **data: Any) -> None:
        task = services.open_review_task(self.session, trade)
        if task is None:
            raise RuntimeError(f"演示数据：交易 {trade.trade_no} 没有待办任务")
        label = dict(form_registry.resolve(task.form_key).outcomes).get(outcome, "")
        workflow.complete_task(self.session, task.id, user, data, outcome=outcome, comment=comment,
                               outcome_label=label)
        self.session.refresh(trade)

    def to_verification(self, trade: Trade) -> None:
        self.act(trade, self.finance_of(trade), "pass", "到账核对无误", arrival_date=clock.today() - timedelta(days=2),
                 arrival_amount=trade.intended_amount)

    def to_personal_contract(self, trade: Trade) -> None:
        self.to_verification(trade)
        self.act(trade, self.service, "pass", "信息核对无误")

    def to_awaiting(self, trade: Trade) -> None:
        self.to_personal_contract(trade)
        self.act(trade, self.service, "pass", "个人合同已签署", contract_no=f"HT-{trade.trade_no}")

    def to_income(self, trade: Trade) -> None:
        self.act(trade, self.service, "pass", "集体合同已确认", collective_contract_no=f"JT-{trade.trade_no}")


@loader("trades")
def load_demo_trades(session: DbSession, ctx: DemoContext) -> None:
    tree: dict[str, int] = {}
    for top, children in CATEGORY_TREE:
        parent = categories.create_category(session, top)
        tree[top] = parent.id
        for child in children:
            tree[child] = categories.create_category(session, child, parent.id).id
    demo = _Demo(session, ctx)
    n = demo.per_step

    demo.project("XM2026001", "稳健一号（调研中）", tree["债权投资"], 5000, 50, 100, "5.8", 12, "quarterly", "R2",
                 description="拟投向长三角优质城投债权，正在尽调。")

    raising = demo.project("XM2026002", "鑫安二号", tree["债权投资"], 3000, 30, 100, "6.5", 12, "quarterly", "R2",
                           description="资金募集中：交易处于审核的各个环节。")
    demo.stage(raising, "publish")
    for _ in range(n):
        demo.trade(raising, 100)  # 交易财务审核
        demo.to_verification(demo.trade(raising, 150))  # 交易核对
        demo.to_personal_contract(demo.trade(raising, 200))  # 确认个人合同
        demo.to_awaiting(demo.trade(raising, 300))  # 等待募集成功
        returned = demo.trade(raising, 120)
        demo.to_verification(returned)
        demo.act(returned, demo.service, "return", "身份证复印件不清晰，请补充后重新提交")  # 交易修订
        refunded = demo.trade(raising, 100)
        demo.to_verification(refunded)
        demo.act(refunded, demo.service, "refund", "客户撤回认购，原路退款")
        second_round = demo.trade(raising, 100, "seat01")
        demo.act(second_round, demo.finance_of(second_round), "return", "到账金额与意向金额不符")
        demo.act(second_round, ctx.users["seat01"], "resubmit", "已与客户确认，按实际到账金额修改",
                 intended_amount=Decimal("1100000"))

    ready = demo.project("XM2026003", "恒盈三号", tree["票据资产"], 300, 3, 100, "5.2", 6, "maturity", "R1",
                         description="个人合同已确认的交易达到LP募集额度，可点击“募集成功”。")
    demo.stage(ready, "publish")
    for _ in range(3):
        demo.to_awaiting(demo.trade(ready, 100, next(demo.lc1_sellers)))

    raised = demo.project("XM2026004", "汇通四号", tree["私募股权"], 400, 10, 100, "8.0", 24, "semiannual", "R4",
                          description="募集成功：等待确认集体合同。")
    demo.stage(raised, "publish")
    contracted = [demo.trade(raised, 200, next(demo.lc1_sellers)) for _ in range(2)]
    for trade in contracted:
        demo.to_awaiting(trade)
    demo.stage(raised, "success", "额度已满")
    demo.to_income(contracted[0])

    earning = demo.project("XM2026005", "长盛五号", tree["并购基金"], 300, 10, 100, "7.2", 12, "quarterly", "R3",
                           description="收益阶段：已付息一期。")
    demo.stage(earning, "publish")
    earners = [demo.trade(earning, 100 + 50 * i, next(demo.lc1_sellers)) for i in range(3)]
    for trade in earners:
        demo.to_awaiting(trade)
    demo.stage(earning, "success")
    for trade in earners:
        demo.to_income(trade)
    demo.stage(earning, "income")
    _backdate(session, earning, earners, days=120)
    finance_scope = scope_of(session, ctx.users["finance01"], INTEREST)
    payment = payouts.create_interest_payment(session, earning, finance_scope, ctx.users["finance01"],
                                              clock.today() - timedelta(days=30), clock.today() - timedelta(days=30),
                                              "第一期付息")
    payouts.post_interest_payment(session, payment, ctx.users["finance02"])
    incomes.create_income(session, earners[0], IncomeData("dividend", clock.today(), Decimal("1200.00"),
                                                          "项目超额收益分红"), demo.service)

    failed = demo.project("XM2026006", "瑞丰六号", tree["私募股权"], 5000, 20, 200, "9.0", 36, "annual", "R5",
                          description="募集失败：项目关闭，交易均为认购交易失败。")
    demo.stage(failed, "publish")
    demo.trade(failed, 200)
    demo.to_awaiting(demo.trade(failed, 300))
    demo.stage(failed, "failure", "认购金额远低于LP募集额度，项目取消")

    done = demo.project("XM2026007", "安泰七号", tree["现金管理类"], 200, 5, 100, "3.6", 3, "maturity", "R1",
                        description="项目完成：已清算。")
    demo.stage(done, "publish")
    finished = [demo.trade(done, 100, next(demo.lc1_sellers)) for _ in range(2)]
    for trade in finished:
        demo.to_awaiting(trade)
    demo.stage(done, "success")
    for trade in finished:
        demo.to_income(trade)
    demo.stage(done, "income")
    _backdate(session, done, finished, days=95)
    settlement = payouts.create_settlement(session, done, scope_of(session, ctx.users["finance01"], SETTLEMENT),
                                           ctx.users["finance01"], clock.today(), "到期清算")
    payouts.post_settlement(session, settlement, ctx.users["finance02"])
    demo.stage(done, "complete", "本息已全部兑付")


def _backdate(session: DbSession, project: Project, trades: list[Trade], days: int) -> None:
    """Demo only: pretend the income stage began ``days`` ago, so interest has accrued."""
    start = clock.today() - timedelta(days=days)
    project.value_date = start
    for trade in trades:
        trade.value_date = start
    session.flush()
