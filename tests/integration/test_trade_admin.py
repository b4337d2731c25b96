"""交易状态监控 (every state, filters, counts, export) and 交易综合管理 (edit/delete only where allowed, audited)."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from app.extensions import db
from app.trades.models import Trade, TradeStatus
from app.workflow.models import InstanceStatus, ProcessInstance
from tests.conftest import audit_rows
from tests.integration.trading import drive, make_project, reload, service_trade


def test_monitor_shows_every_state_with_counts_filters_and_export(login_as):
    service = login_as("service01")
    page = service.get("/trades/admin/monitor").get_data(as_text=True)
    for label in ("交易财务审核", "交易核对", "确认个人合同", "等待募集成功", "确认集体合同", "已退回待修订",
                  "收益阶段", "已清算", "已退款", "认购交易失败"):
        assert label in page
    db.session.rollback()
    returned = db.session.scalars(select(Trade).where(Trade.status == TradeStatus.RETURNED)).first()
    assert returned is not None  # the demo data has one
    filtered = service.get("/trades/admin/monitor?status=returned").get_data(as_text=True)
    assert returned.trade_no in filtered
    other = db.session.scalars(select(Trade).where(Trade.status == TradeStatus.INCOME)).first()
    assert other is not None and other.trade_no not in filtered
    by_text = service.get(f"/trades/admin/monitor?q={returned.trade_no}").get_data(as_text=True)
    assert returned.trade_no in by_text and other.trade_no not in by_text

    response = service.get("/trades/admin/monitor/export?status=returned")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(load_workbook(io.BytesIO(response.data), read_only=True).active.iter_rows(values_only=True))
    assert rows[0][0] == "交易编号" and {r[0] for r in rows[1:]} == {
        t.trade_no for t in db.session.scalars(select(Trade).where(Trade.status == TradeStatus.RETURNED))}


def test_manage_edits_descriptive_fields_in_open_states_and_refuses_closed_ones(login_as):
    trade = service_trade(make_project())
    service = login_as("service01")
    response = service.post(f"/trades/admin/{trade.id}/edit", data={
        "contract_no": "HT-9", "collective_contract_no": "JT-9", "bank_name": "工商银行", "bank_account": "6222 0000",
        "remark": "客户要求更换收款账户"})
    assert response.status_code == 302
    trade = reload(trade.id)
    assert trade.bank_name == "工商银行" and trade.remark == "客户要求更换收款账户"
    assert (trade.contract_no, trade.collective_contract_no) == ("HT-9", "JT-9")
    [row] = [r for r in audit_rows("update", trade) if "bank_name" in (r.after or {})]
    assert row.after["bank_name"] == "工商银行" and row.actor_name == "孙投服"

    drive(trade, "pass", "finance01", arrival_date=__import__("datetime").date.today(),
          arrival_amount=trade.intended_amount)
    drive(trade, "refund", "service01", "客户撤单")
    assert reload(trade.id).status == TradeStatus.REFUNDED
    refused = service.get(f"/trades/admin/{trade.id}/edit")
    assert refused.status_code == 422 and "交易处于“已退款”，不能再修改" in refused.get_data(as_text=True)


def test_manage_deletes_only_trades_holding_no_money_and_cancels_a_live_review(login_as):
    service = login_as("service01")
    project = make_project()
    waiting = service_trade(project)
    instance_id = waiting.review_instance_id
    passed = service_trade(project)
    drive(passed, "pass", "finance01", arrival_date=__import__("datetime").date.today(),
          arrival_amount=passed.intended_amount)
    assert reload(passed.id).status == TradeStatus.VERIFICATION

    refused = service.post(f"/trades/admin/{passed.id}/delete", data={"reason": "误录"}, headers={"Referer": "/"},
                           follow_redirects=True)
    assert "不能删除" in refused.get_data(as_text=True)
    assert service.post(f"/trades/admin/{waiting.id}/delete", data={"reason": ""},
                        headers={"Referer": "/"}).status_code == 302
    assert db.session.get(Trade, waiting.id) is not None  # a reason is required
    trade_id, number = waiting.id, waiting.trade_no
    assert service.post(f"/trades/admin/{trade_id}/delete", data={"reason": "重复录入"}).status_code == 302
    db.session.rollback()
    assert db.session.get(Trade, trade_id) is None
    instance = db.session.get(ProcessInstance, instance_id)
    assert instance.status == InstanceStatus.CANCELLED and "重复录入" in instance.end_reason
    deleted = [row for row in audit_rows("delete") if row.object_type == "trade" and row.object_id == str(trade_id)]
    assert deleted and deleted[0].before["trade_no"] == number


def test_seats_and_heads_cannot_manage(login_as):
    trade = service_trade(make_project())
    assert login_as("seat01").get("/trades/admin/manage").status_code == 403
    assert login_as("head01").get("/trades/admin/manage").status_code == 403
    assert login_as("head01").get("/trades/admin/monitor").status_code == 200
    assert login_as("seat01").post(f"/trades/admin/{trade.id}/delete", data={"reason": "x"}).status_code == 403
