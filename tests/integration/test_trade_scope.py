"""Scope: finance of 理财二部 cannot see 理财一部's trades — 404 on screens, API and exports — and
investor services see the branch; concurrent finance audits of one task: exactly one wins."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app import clock, workflow
from app.errors import Conflict
from app.extensions import db
from app.trades.models import TradeStatus
from app.workflow.models import InstanceEvent
from tests.conftest import user_named
from tests.integration.trading import create_trade, customers_of, make_project, open_task, reload


@pytest.fixture
def lc1_trade(login_as):
    project = make_project()
    return create_trade(login_as("seat01"), customers_of("seat01")[0].id, project.id)


def test_finance_of_another_department_gets_404_on_screens(login_as, lc1_trade):
    other = login_as("finance11")
    task = open_task(lc1_trade)
    assert other.get(f"/trades/{lc1_trade.id}").status_code == 404
    assert other.get(f"/trades/{lc1_trade.id}/diagram.json").status_code == 404
    assert other.get(f"/tasks/{task.id}").status_code == 404
    assert other.post(f"/tasks/{task.id}/complete", data={"outcome": "pass"}).status_code == 404
    assert other.get(f"/trades/admin/{lc1_trade.id}/edit").status_code == 404
    assert other.post(f"/trades/admin/{lc1_trade.id}/delete", data={"reason": "x"}).status_code == 404
    assert lc1_trade.trade_no not in other.get("/trades/queue/finance_audit").get_data(as_text=True)
    assert lc1_trade.trade_no not in other.get("/trades/admin/monitor").get_data(as_text=True)
    assert lc1_trade.trade_no not in other.get("/tasks/?tab=group").get_data(as_text=True)
    # …while finance01 of 理财一部 and service01 of the branch see it.
    assert login_as("finance01").get(f"/trades/{lc1_trade.id}").status_code == 200
    assert lc1_trade.trade_no in login_as("finance01").get("/trades/queue/finance_audit").get_data(as_text=True)
    assert login_as("service01").get(f"/trades/{lc1_trade.id}").status_code == 200
    # A seat sees its own trades only.
    assert login_as("seat02").get(f"/trades/{lc1_trade.id}").status_code == 404
    assert login_as("seat01").get(f"/trades/{lc1_trade.id}").status_code == 200


def _exported_numbers(client) -> set[str]:
    response = client.get("/trades/admin/monitor/export")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_exports_and_api_keep_the_scope(login_as, api_as, lc1_trade):
    assert lc1_trade.trade_no not in _exported_numbers(login_as("finance11"))
    assert lc1_trade.trade_no in _exported_numbers(login_as("finance01"))
    api = api_as("finance11")
    assert api.get(f"/api/v1/trades/{lc1_trade.id}").status_code == 404
    listed = api.get("/api/v1/trades?per_page=200").get_json()
    assert lc1_trade.trade_no not in {t["trade_no"] for t in listed["items"]}
    assert api_as("finance01").get(f"/api/v1/trades/{lc1_trade.id}").status_code == 200
    task = open_task(lc1_trade)
    assert api.post(f"/api/v1/tasks/{task.id}/complete", json={"outcome": "pass"}).status_code == 404


def test_swapping_ids_between_departments_leaks_nothing(login_as, lc1_trade):
    project = make_project()
    lc2_trade = create_trade(login_as("seat11"), customers_of("seat11")[0].id, project.id)
    finance01, finance11 = login_as("finance01"), login_as("finance11")
    assert finance11.get(f"/trades/{lc2_trade.id}").status_code == 200
    assert finance01.get(f"/trades/{lc2_trade.id}").status_code == 404
    assert finance11.get(f"/trades/{lc1_trade.id}").status_code == 404


@pytest.mark.db_sensitive
def test_two_finance_users_auditing_the_same_task_at_once_one_wins(app, login_as):
    project = make_project()
    trade = create_trade(login_as("seat01"), customers_of("seat01")[0].id, project.id)
    task_id = open_task(trade).id
    users = [user_named("finance01").id, user_named("finance02").id]
    db.session.commit()
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def audit(index: int) -> None:
        with app.app_context():
            from app.auth.models import User

            barrier.wait()
            try:
                user = db.session.get(User, users[index])
                workflow.complete_task(db.session, task_id, user,
                                       {"arrival_date": clock.today() - timedelta(days=1),
                                        "arrival_amount": Decimal(1000000 + index)}, outcome="pass")
                db.session.commit()
                results[index] = "ok"
            except Exception as exc:  # noqa: BLE001  (the outcome is what the test checks)
                db.session.rollback()
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=audit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results.count("ok") == 1, results
    [loser] = [r for r in results if r != "ok"]
    assert isinstance(loser, Conflict) and str(loser) == workflow.TASK_TAKEN
    trade = reload(trade.id)
    assert trade.status == TradeStatus.VERIFICATION
    assert trade.arrival_amount in (Decimal("1000000.00"), Decimal("1000001.00"))
    completions = db.session.scalar(select(func.count()).select_from(InstanceEvent).where(
        InstanceEvent.instance_id == trade.review_instance_id, InstanceEvent.kind == "complete"))
    assert completions == 1
    assert open_task(trade).name == "交易核对"


@pytest.mark.db_sensitive
def test_two_collective_confirmations_at_once_never_exceed_the_lp_count(app):
    from app.products import lifecycle
    from tests.integration.trading import drive, service_trade

    project = make_project(lp_amount="1000000", lp_count=1)
    first, late = service_trade(project), service_trade(project, customer_index=1)
    for trade in (first, late):
        drive(trade, "pass", "finance01", arrival_date=clock.today(), arrival_amount=Decimal("1000000"))
        drive(trade, "pass", "service01")
    drive(first, "pass", "service01", contract_no="")
    lifecycle.advance(db.session, project, user_named("service01"), "success")
    db.session.commit()
    drive(late, "pass", "service01", contract_no="")  # after the raise: straight to 确认集体合同
    tasks = [open_task(first).id, open_task(late).id]
    service_id = user_named("service01").id
    db.session.commit()
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def confirm(index: int) -> None:
        with app.app_context():
            from app.auth.models import User

            barrier.wait()
            try:
                workflow.complete_task(db.session, tasks[index], db.session.get(User, service_id), {},
                                       outcome="pass")
                db.session.commit()
                results[index] = "ok"
            except Exception as exc:  # noqa: BLE001  (the outcome is what the test checks)
                db.session.rollback()
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results.count("ok") == 1, results
    [refused] = [r for r in results if r != "ok"]
    assert "达到LP募集数量 1 笔" in str(refused)
    statuses = sorted(reload(t.id).status.value for t in (first, late))
    assert statuses == ["collective_contract", "income"]
