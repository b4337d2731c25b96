"""删除客户 (seed 000 §2.14): customers with trades or unfinished processes are kept with a clear reason; others
are soft-deleted with an audit entry, vanish from every list, search, pool, export and count, and an admin
restores them; two people deleting one customer at once: one wins, the other is told."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import workflow
from app.customers import lifecycle
from app.customers.models import Customer, Pool
from app.customers.processes import business_key
from app.database import write_intent
from app.errors import Conflict
from app.extensions import db
from app.pools.models import MoveReason
from app.trades.models import Trade
from tests.conftest import audit_rows, user_named
from tests.customer_helpers import fresh, make_customer, pool_history, reloaded
from tests.race import at_once


def _numbers(response) -> set[str]:
    sheet = load_workbook(io.BytesIO(response.data)).active
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}


def _in_list(client, url: str, customer: Customer, **query: str) -> bool:
    return f'data-customer="{customer.number}"' in client.get(url, query_string=query).get_data(as_text=True)


def test_a_deleted_customer_vanishes_everywhere_and_the_admin_restores_it(login_as, api_as):
    customer = make_customer("待删客户", org_code="SH-LC1-A", phones=["13917170001"], pool=Pool.DEPARTMENT)
    public = make_customer("待删公共客户", org_code="SH-LC1-A", phones=["13917170002"], pool=Pool.PUBLIC)
    head = login_as("head01")
    assert _in_list(head, "/customers/", customer, q="1391717")
    assert _in_list(head, "/pools/department", customer)

    response = head.post(f"/customers/{customer.id}/delete", data={"reason": "重复录入"})
    assert response.status_code == 302
    assert "已删除客户 待删客户" in head.get(response.location).get_data(as_text=True)
    head.post(f"/customers/{public.id}/delete", data={"reason": "空号"})

    for gone in (customer, public):
        assert not _in_list(head, "/customers/", gone, q="1391717")
        assert not _in_list(head, "/customers/", gone, q=gone.number)
        assert gone.number not in _numbers(head.get("/customers/export", query_string={"q": "1391717"}))
        assert head.get(f"/customers/{gone.id}").status_code == 404
        assert head.get(f"/customers/n/{gone.number}").status_code == 404
    assert not _in_list(head, "/pools/department", customer)
    assert customer.number not in _numbers(head.get("/pools/department/export"))
    seat = login_as("seat01")
    assert not _in_list(seat, "/pools/public", public)
    assert seat.post("/pools/public/extract", data={"customer_id": public.id}).status_code == 302
    assert reloaded(public.id).pool == Pool.DELETED  # a deleted customer cannot be extracted
    api = api_as("head01")
    assert api.get(f"/api/v1/customers/{customer.id}").status_code == 404
    assert customer.number not in {c["number"] for c in api.get("/api/v1/customers?q=1391717").json["items"]}
    cockpit = login_as("manager01").get("/cockpits/leadership").get_data(as_text=True)
    assert "部门信息池" in cockpit and "已删除" not in cockpit

    deleted = reloaded(customer.id)
    assert deleted.deleted_at is not None and deleted.deleted_by_id == user_named("head01").id
    moves = pool_history(customer.id)
    assert (moves[-1].from_pool, moves[-1].to_pool, moves[-1].reason, moves[-1].note) == \
        (Pool.DEPARTMENT, Pool.DELETED, MoveReason.DELETE, "重复录入")
    entries = audit_rows("customers.delete", deleted)
    assert len(entries) == 1 and "重复录入" in entries[0].summary and entries[0].actor_name == "李主管"

    admin = login_as("admin")
    page = admin.get("/customers/deleted").get_data(as_text=True)
    assert f'data-customer="{customer.number}"' in page and "重复录入" in page and "李主管" in page
    restored = admin.post(f"/customers/deleted/{customer.id}/restore")
    assert restored.status_code == 302
    assert "已恢复客户 待删客户" in admin.get(restored.location).get_data(as_text=True)
    back = reloaded(customer.id)
    assert (back.pool, back.deleted_at, back.deleted_by_id) == (Pool.DEPARTMENT, None, None)
    assert _in_list(head, "/pools/department", customer)
    assert _in_list(head, "/customers/", customer, q="1391717")
    assert len(audit_rows("customers.restore", back)) == 1


def test_a_customer_with_trades_or_a_running_process_is_kept_with_the_reason(login_as, deploy_fixture):
    traded_id = db.session.scalar(select(Trade.customer_id).join(Customer, Customer.id == Trade.customer_id)
                                  .where(Customer.service_seat_id == user_named("seat01").id).limit(1))
    assert traded_id is not None
    head = login_as("head01")
    response = head.post(f"/customers/{traded_id}/delete", data={"reason": "不要了"},
                         headers={"Referer": f"http://localhost/customers/{traded_id}"})
    assert response.status_code == 302
    page = head.get(response.location).get_data(as_text=True)
    assert "不能删除客户" in page and "笔交易" in page
    assert reloaded(traded_id).pool != Pool.DELETED

    deploy_fixture("approval")
    customer = make_customer("流程中的客户", org_code="SH-LC1-A", pool=Pool.DEPARTMENT)
    seat = user_named("seat01")
    workflow.start(db.session, "test_approval", business_key="test:9", title="回访审批", org_id=seat.org_id,
                   owner_id=seat.id, related=[business_key(customer.id)])
    db.session.commit()
    refused = head.post(f"/customers/{customer.id}/delete", data={"reason": "不要了"})
    assert refused.status_code == 409
    assert "有 1 个未结束的流程" in refused.get_data(as_text=True)
    assert reloaded(customer.id).pool == Pool.DEPARTMENT
    blank = head.post(f"/customers/{make_customer('无原因', org_code='SH-LC1-A').id}/delete", data={"reason": " "})
    assert blank.status_code == 422 and "请填写删除原因" in blank.get_data(as_text=True)


def test_only_permitted_roles_delete_and_only_the_admin_restores(login_as):
    customer = make_customer("权限客户", seat="seat01")
    for role in ("seat01", "finance01"):
        assert login_as(role).post(f"/customers/{customer.id}/delete", data={"reason": "x"}).status_code == 403
    assert login_as("head11").post(f"/customers/{customer.id}/delete", data={"reason": "x"}).status_code == 404
    assert "删除客户" not in login_as("seat01").get(f"/customers/{customer.id}").get_data(as_text=True)
    assert login_as("head01").post(f"/customers/{customer.id}/delete", data={"reason": "x"}).status_code == 302
    for role in ("head01", "manager01", "seat01"):
        assert login_as(role).get("/customers/deleted").status_code == 403
        assert login_as(role).post(f"/customers/deleted/{customer.id}/restore").status_code == 403
    assert reloaded(customer.id).pool == Pool.DELETED
    assert reloaded(customer.id).service_seat_id is None and reloaded(customer.id).prev_seat_id is not None
    assert login_as("admin").post("/customers/deleted/999999/restore").status_code == 404


@pytest.mark.db_sensitive
def test_two_deletes_of_one_customer_at_once_delete_it_once(app, database_url, tmp_path):
    customer_id = make_customer("同时删除", org_code="SH-LC1-A", pool=Pool.DEPARTMENT).id
    fresh()

    def delete(username: str, _prepared: object) -> str:
        token = write_intent.set(True)  # as a POST does: on SQLite the write lock is taken up front
        try:
            lifecycle.delete_customer(db.session, user_named(username), db.session.get(Customer, customer_id),
                                      f"{username} 删除")
            db.session.commit()
            return "deleted"
        except Conflict as refusal:
            db.session.rollback()
            return refusal.message
        finally:
            write_intent.reset(token)

    results = at_once(database_url, tmp_path / "race", ["head01", "manager01"], delete)
    assert list(results.values()).count("deleted") == 1
    assert any("已被他人删除" in r for r in results.values())
    fresh()
    deletes = [m for m in pool_history(customer_id) if m.reason == MoveReason.DELETE]
    assert len(deletes) == 1
    assert len(audit_rows("customers.delete", db.session.get(Customer, customer_id))) == 1


def test_entering_a_deleted_customer_again_points_to_the_restore(login_as):
    deleted = make_customer("已删老客户", seat="seat01", phones=["13917170009"])
    login_as("head01").post(f"/customers/{deleted.id}/delete", data={"reason": "误删"})
    client = login_as("seat01")
    client.post("/customers/new", data={"name": "再录入", "gender": "unknown", "id_type": "id_card",
                                        "phone": "13917170009", "type": "new", "category_id": 0},
                headers={"Referer": "/customers/new"})
    page = client.get("/customers/new").get_data(as_text=True)
    assert f"电话 13917170009 已登记在已删除的客户 {deleted.number} 名下" in page
    assert "请联系管理员在“已删除客户”中恢复该客户" in page
