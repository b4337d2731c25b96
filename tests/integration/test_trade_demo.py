"""The demo data shows a living system: projects in every stage, trades at every step, tasks in inboxes."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.products.models import Project, ProjectStage
from app.trades.models import InterestPayment, PayoutStatus, Settlement, Trade, TradeIncome, TradeStatus
from app.workflow.models import InstanceStatus, ProcessInstance


def test_demo_has_projects_in_every_stage_and_trades_in_every_status(app):
    stages = set(db.session.scalars(select(Project.stage)))
    assert stages == set(ProjectStage)
    statuses = set(db.session.scalars(select(Trade.status)))
    assert statuses == set(TradeStatus)
    assert db.session.scalar(select(func.max(Trade.review_round))) == 2
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.status == InstanceStatus.ERROR)) == 0
    assert db.session.scalar(select(InterestPayment.status)) == PayoutStatus.POSTED
    assert db.session.scalar(select(Settlement.status)) == PayoutStatus.POSTED
    assert db.session.scalar(select(func.count()).select_from(TradeIncome)) > 0


def test_demo_users_find_work_waiting(login_as):
    assert "交易财务审核" in login_as("finance01").get("/tasks/?tab=group").get_data(as_text=True)
    assert "交易核对" in login_as("service01").get("/tasks/?tab=group").get_data(as_text=True)
    assert "交易修订" in login_as("seat01").get("/tasks/?tab=mine").get_data(as_text=True) or \
        "交易修订" in login_as("seat02").get("/tasks/?tab=mine").get_data(as_text=True) or \
        "交易修订" in login_as("seat11").get("/tasks/?tab=mine").get_data(as_text=True)
    page = login_as("service01").get("/products/projects/").get_data(as_text=True)
    for label in ("调研筹备", "资金募集", "募集成功", "募集失败", "收益阶段", "项目完成"):
        assert label in page
