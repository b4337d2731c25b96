"""Helpers for the trade tests: fresh projects with known terms, customers of a seat, and driving the
review through HTTP as the demo users (the way people do it: the task page's form and buttons)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from app import clock
from app.customers.models import Customer
from app.extensions import db
from app.org.scope import scope_of
from app.products import categories, lifecycle
from app.products import services as product_services
from app.products.access import PROJECT_MANAGE
from app.products.models import Project, ProjectCategory
from app.products.services import ProjectData
from app.trades.models import Trade, TradeStatus
from app.workflow.models import TaskStatus, WorkflowTask
from tests.conftest import user_named

_serial = iter(range(1, 10**6))


def make_project(*, lp_amount: str = "3000000", lp_count: int = 3, minimum: str = "1000000", rate: str = "6.5",
                 publish: bool = True, org_code: str = "SH") -> Project:
    """A project managed by 上海分公司, published to 资金募集 by service01 unless ``publish`` is False."""
    service = user_named("service01")
    category = db.session.scalar(select(ProjectCategory).limit(1)) or categories.create_category(db.session, "测试")
    from app.org.models import Org

    org = db.session.scalars(select(Org).where(Org.code == org_code)).one()
    number = next(_serial)
    data = ProjectData(code=f"T{number:05d}", name=f"测试项目{number}", category_id=category.id, org_id=org.id,
                       manager_id=service.id, raise_target=Decimal(lp_amount) * 2, lp_amount=Decimal(lp_amount),
                       lp_count=lp_count, min_subscription=Decimal(minimum), expected_yield=Decimal(rate),
                       term_months=12)
    project = product_services.create_project(db.session, data, scope_of(db.session, service, PROJECT_MANAGE),
                                              service)
    if publish:
        lifecycle.advance(db.session, project, service, "publish")
    db.session.commit()
    return project


def customers_of(username: str) -> list[Customer]:
    seat = user_named(username)
    rows = list(db.session.scalars(select(Customer).where(Customer.service_seat_id == seat.id).order_by(Customer.id)))
    db.session.commit()
    assert rows, f"{username} has no customers in the demo data"
    return rows


def create_trade(client: FlaskClient, customer_id: int, project_id: int, amount: str = "1000000") -> Trade:
    """A seat makes the customer current and submits the new-trade form."""
    assert client.post(f"/customers/{customer_id}/current").status_code == 302
    response = client.post("/trades/new", data={"project_id": str(project_id), "intended_amount": amount,
                                                 "bank_name": "招商银行", "bank_account": "6225880212345678"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    trade_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    return reload(trade_id)


def reload(trade_id: int) -> Trade:
    db.session.rollback()
    trade = db.session.get(Trade, trade_id)
    assert trade is not None
    return trade


def open_task(trade: Trade) -> WorkflowTask:
    db.session.rollback()
    task = db.session.scalar(select(WorkflowTask).where(WorkflowTask.instance_id == trade.review_instance_id,
                                                        WorkflowTask.status == TaskStatus.OPEN))
    assert task is not None, f"trade {trade.trade_no} has no open task"
    return task


def act(client: FlaskClient, trade: Trade, outcome: str, comment: str = "", expect: int = 302, **data: Any) -> Any:
    """Complete the trade's open task through the task page's form as the client's user."""
    trade = reload(trade.id)
    task = open_task(trade)
    form = {"outcome": outcome, "comment": comment, **{k: str(v) for k, v in data.items()}}
    response = client.post(f"/tasks/{task.id}/complete", data=form)
    assert response.status_code == expect, response.get_data(as_text=True)[-2000:]
    return response


def finance_pass(client: FlaskClient, trade: Trade, amount: str | None = None,
                 arrived: date | None = None) -> None:
    act(client, trade, "pass", "已到账", arrival_date=(arrived or clock.today() - timedelta(days=1)).isoformat(),
        arrival_amount=amount or str(reload(trade.id).intended_amount))


def status(trade: Trade) -> TradeStatus:
    return reload(trade.id).status


def drive(trade: Trade, outcome: str, username: str, comment: str = "", **data: Any) -> None:
    """Complete the trade's open task through the gateway (fast set-up; HTTP tests use :func:`act`)."""
    from app import workflow

    task = open_task(trade)
    workflow.complete_task(db.session, task.id, user_named(username), data, outcome=outcome, comment=comment)
    db.session.commit()


def service_trade(project: Project, seat: str = "seat01", amount: str = "1000000", customer_index: int = 0) -> Trade:
    """A trade created through the service (no HTTP), waiting at 交易财务审核."""
    from app.trades import services
    from app.trades.services import TradeInput

    customer = customers_of(seat)[customer_index]
    trade = services.create_trade(db.session, customer.id, TradeInput(project.id, Decimal(amount)), user_named(seat))
    db.session.commit()
    return trade


def to_income(trade: Trade, finance: str = "finance01") -> None:
    """Take a trade of a project already 募集成功 from 交易财务审核 to 收益阶段."""
    drive(trade, "pass", finance, arrival_date=clock.today(), arrival_amount=reload(trade.id).intended_amount)
    drive(trade, "pass", "service01")
    drive(trade, "pass", "service01", contract_no="")
    drive(trade, "pass", "service01")


def earning_project(days_ago: int, amounts: tuple[str, ...] = ("1000000", "2000000"), seat: str = "seat01",
                    lp_count: int = 5) -> tuple[Project, list[Trade]]:
    """A project that entered 收益阶段 ``days_ago`` days ago with one income-stage trade per amount."""
    import time_machine

    with time_machine.travel(clock.now() - timedelta(days=days_ago), tick=False):
        total = sum(Decimal(a) for a in amounts)
        project = make_project(lp_amount=str(total), lp_count=lp_count)
        trades = [service_trade(project, seat, amount, index) for index, amount in enumerate(amounts)]
        for trade in trades:
            drive(trade, "pass", "finance01" if seat != "seat11" else "finance11", arrival_date=clock.today(),
                  arrival_amount=Decimal(reload(trade.id).intended_amount))
            drive(trade, "pass", "service01")
            drive(trade, "pass", "service01", contract_no="")
        service = user_named("service01")
        lifecycle.advance(db.session, project, service, "success")
        db.session.commit()
        for trade in trades:
            drive(trade, "pass", "service01")
        lifecycle.advance(db.session, project, service, "income")
        db.session.commit()
    db.session.rollback()
    return project, [reload(t.id) for t in trades]
