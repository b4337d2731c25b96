"""无效客户池: marking a customer 无效 needs a reason and frees the seat's cap; heads and city managers revive
invalid customers of their scope to the public pool, a department or a seat, set-based and audited."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import clock
from app.admin import params
from app.auth.models import User
from app.customers.models import Customer, CustomerType, Pool
from app.extensions import db
from app.mining import conditions, invalid
from app.org import scope as data_scope
from app.pools import recycle
from app.pools import services as pool_services
from app.pools.models import MoveReason, PoolHistory
from tests.conftest import audit_rows
from tests.customer_helpers import fresh, make_customer, org, pool_history, reloaded, user
from tests.race import at_once


def _set_cap(value: int) -> None:
    fresh()
    params.set_value(db.session, pool_services.OWNED_CAP, str(value))
    db.session.commit()


def _mark(client, customer_id: int, reason: str = "empty_number", note: str = "") -> str:
    response = client.post(f"/mining/invalid/customers/{customer_id}/mark", data={"reason": reason, "note": note},
                           headers={"Referer": f"/customers/{customer_id}"})
    assert response.status_code == 302
    return client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.fixture
def marked(login_as):
    """Mark customers invalid as their seats would: ``marked("seat01", "名字")`` → id."""
    def _make(seat: str, name: str, reason: str = "empty_number", note: str = "") -> int:
        customer = make_customer(name, seat=seat)
        _mark(login_as(seat), customer.id, reason, note)
        assert reloaded(customer.id).pool == Pool.INVALID
        return customer.id
    return _make


# --- marking 无效 --------------------------------------------------------------------------------------


def test_marking_invalid_needs_a_reason_from_the_dictionary_and_changes_nothing_without_one(login_as):
    customer = make_customer("待判客户", seat="seat01")
    client = login_as("seat01")
    page = _mark(client, customer.id, reason="")
    assert "请选择无效原因" in page
    page = _mark(client, customer.id, reason="no_such_reason")
    assert "无效原因不存在" in page
    after = reloaded(customer.id)
    assert (after.pool, after.service_seat_id, after.type) == (Pool.PERSONAL, user("seat01").id, CustomerType.INTENT)
    assert [m.reason for m in pool_history(customer.id)] == [MoveReason.CREATE]
    # A plain type change to 无效 (type buttons, edit form, follow-up) is refused with the same hint.
    response = client.post(f"/customers/{customer.id}/type", data={"type": "invalid"},
                           headers={"Referer": f"/customers/{customer.id}"})
    assert "标记无效须选择无效原因" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert reloaded(customer.id).type == CustomerType.INTENT


def test_marking_invalid_moves_the_customer_out_of_the_seats_pool_and_cap_with_history(login_as):
    seat = user("seat01")
    owned = pool_services.owned_count(db.session, seat.id)
    customer = make_customer("空号客户", seat="seat01")
    _set_cap(owned + 1)  # seat01 is at the cap now
    spare = make_customer("部门客户", org_code="SH-LC1-A")
    head = login_as("head01")
    head.post("/pools/assign", data={"customer_id": [spare.id], "seat_id": seat.id}, headers={"Referer": "/"})
    assert reloaded(spare.id).service_seat_id is None  # refused: cap reached

    page = _mark(login_as("seat01"), customer.id, "empty_number", "连续三天空号")
    assert "已将 空号客户" in page and "移入无效客户池" in page
    after = reloaded(customer.id)
    assert (after.pool, after.service_seat_id, after.prev_seat_id, after.service_org_id, after.type) == (
        Pool.INVALID, None, seat.id, seat.org_id, CustomerType.INVALID)
    assert (after.invalid_reason, after.invalid_note, after.invalid_by_id) == ("empty_number", "连续三天空号", seat.id)
    assert after.invalid_at is not None and abs(after.invalid_at - clock.now()) < timedelta(minutes=1)
    move = pool_history(customer.id)[-1]
    assert (move.reason, move.from_pool, move.to_pool, move.from_seat_id, move.to_seat_id, move.actor_id) == (
        MoveReason.INVALID, Pool.PERSONAL, Pool.INVALID, seat.id, None, seat.id)
    assert move.reason.label == "标记无效" and "空号/停机" in move.note
    assert audit_rows("mining.invalid_mark", after)
    assert pool_services.owned_count(db.session, seat.id) == owned  # the cap counts it no more
    head.post("/pools/assign", data={"customer_id": [spare.id], "seat_id": seat.id}, headers={"Referer": "/"})
    assert reloaded(spare.id).service_seat_id == seat.id  # so the freed place can be filled
    assert customer.number not in login_as("seat01").get("/pools/personal").get_data(as_text=True)


def test_dealt_customers_cannot_be_marked_invalid_and_a_second_mark_conflicts(login_as):
    dealt = make_customer("成交客户", seat="seat01", type_="dealt")
    client = login_as("head01")
    assert "成交客户不能标记为无效" in _mark(client, dealt.id)
    assert reloaded(dealt.id).pool == Pool.PERSONAL
    other = make_customer("重复客户", seat="seat01")
    _mark(client, other.id, "duplicate")
    assert "该客户已在无效客户池中" in _mark(client, other.id, "duplicate")
    assert len([m for m in pool_history(other.id) if m.reason == MoveReason.INVALID]) == 1


def test_follow_up_and_api_patch_cannot_set_invalid_without_a_reason(api_as, login_as):
    customer = make_customer("跟进客户", seat="seat01")
    response = api_as("seat01").patch(f"/api/v1/customers/{customer.id}", json={"type": "invalid"})
    assert response.status_code == 422 and "无效原因" in response.get_json()["error"]["message"]
    response = api_as("seat01").post(f"/api/v1/customers/{customer.id}/followups",
                                     json={"kind": "visit", "content": "上门", "new_type": "invalid"})
    assert response.status_code == 422
    assert reloaded(customer.id).type == CustomerType.INTENT
    assert 'value="invalid"' not in login_as("seat01").get(f"/customers/{customer.id}").get_data(as_text=True) \
        .split('id="follow-up-new-type"')[-1].split("</select>")[0]


# --- the screen and scope ------------------------------------------------------------------------------


def test_head_sees_the_invalid_pool_of_his_scope_only_and_seats_get_403(login_as, marked):
    mine = marked("seat01", "一部无效客户", "refused", "不需要")
    theirs = marked("seat11", "二部无效客户")
    head = login_as("head01")
    assert "无效客户池" in head.get("/").get_data(as_text=True)  # menu 数据挖掘 → 无效客户池
    page = head.get("/mining/invalid/").get_data(as_text=True)
    assert "一部无效客户" in page and "二部无效客户" not in page and "明确拒绝" in page and "不需要" in page
    assert "张坐席" in page  # who marked it / the seat it came from
    searched = head.get("/mining/invalid/", query_string={"reason": "refused", "q": "一部"}).get_data(
        as_text=True)
    assert "一部无效客户" in searched and "全选符合条件的 1 个客户" in searched
    assert "一部无效客户" not in head.get("/mining/invalid/", query_string={"q": "没有这个人"}).get_data(as_text=True)
    today = clock.local(clock.now()).date().isoformat()  # type: ignore[union-attr]
    assert "一部无效客户" in head.get("/mining/invalid/", query_string={"from": today, "to": today,
                                                                     "marker": user("seat01").id}).get_data(
        as_text=True)
    assert head.get(f"/customers/{theirs}").status_code == 404
    response = head.post("/mining/invalid/revive", data={"customer_id": [theirs], "target": "public"},
                         headers={"Referer": "/mining/invalid/"})
    assert response.status_code == 404 and reloaded(theirs).pool == Pool.INVALID
    response = head.post("/mining/invalid/revive", data={"customer_id": [theirs, mine], "target": "public"},
                         headers={"Referer": "/mining/invalid/"})
    assert "已激活 1 个无效客户到公共信息池；1 个客户" in head.get("/mining/invalid/").get_data(as_text=True)
    assert reloaded(theirs).pool == Pool.INVALID and reloaded(mine).pool == Pool.PUBLIC
    seat = login_as("seat01")
    assert seat.get("/mining/invalid/").status_code == 403
    assert seat.post("/mining/invalid/revive", data={"customer_id": [theirs], "target": "public"}).status_code == 403


def test_invalid_customers_never_show_in_the_public_or_department_pools_and_recycle_leaves_them(login_as, marked):
    cid = marked("seat01", "回收无效客户")
    fresh()
    db.session.get(Customer, cid).assigned_at = clock.now() - timedelta(days=90)  # type: ignore[union-attr]
    db.session.commit()
    head = login_as("head01")
    for url in ("/pools/public", "/pools/department", "/customers/workbench/current"):
        assert "回收无效客户" not in head.get(url).get_data(as_text=True), url
    manager = login_as("manager01")
    assert "回收无效客户" not in manager.get("/pools/city").get_data(as_text=True)
    fresh()
    recycle.sweep(db.session, clock.now() + timedelta(days=60))
    db.session.commit()
    assert reloaded(cid).pool == Pool.INVALID


def test_a_saved_mining_condition_filters_the_pool_and_the_revive_of_all_matching(login_as, api_as, marked):
    picked = [marked("seat01", f"批次客户{i}") for i in range(2)]
    left = marked("seat02", "别的客户")
    fresh()
    for cid in picked:
        db.session.get(Customer, cid).import_batch = "INV-TEST-01"  # type: ignore[union-attr]
    condition = conditions.create(db.session, user("head01"), "无效测试批次", {
        "op": "and", "items": [{"field": "import_batch", "cmp": "in", "value": ["INV-TEST-01"]}]})
    db.session.commit()
    head = login_as("head01")
    page = head.get("/mining/invalid/", query_string={"condition": condition.id}).get_data(as_text=True)
    assert "按挖掘条件筛选" in page and "无效测试批次" in page
    assert "批次客户0" in page and "别的客户" not in page and "全选符合条件的 2 个客户" in page
    listing = api_as("head01").get("/api/v1/pools/invalid", query_string={"condition_id": condition.id}).get_json()
    assert sorted(row["id"] for row in listing["items"]) == sorted(picked)
    head.post("/mining/invalid/revive", data={"all": "1", "condition": condition.id, "target": "public"},
              headers={"Referer": "/mining/invalid/"})
    assert [reloaded(cid).pool for cid in picked] == [Pool.PUBLIC, Pool.PUBLIC]
    assert reloaded(left).pool == Pool.INVALID
    # head11's conditions are not head01's to apply.
    fresh()
    theirs = conditions.create(db.session, user("head11"), "二部条件", {
        "op": "and", "items": [{"field": "import_batch", "cmp": "in", "value": ["INV-TEST-01"]}]})
    db.session.commit()
    assert head.get("/mining/invalid/", query_string={"condition": theirs.id}).status_code == 404


def test_demo_data_fills_head01s_invalid_pool(login_as):
    page = login_as("head01").get("/mining/invalid/").get_data(as_text=True)
    assert page.count('name="customer_id"') >= 4 and "空号/停机" in page


# --- reviving -------------------------------------------------------------------------------------------


def test_revive_to_the_public_pool_makes_the_customer_an_intent_one(login_as, marked):
    cid = marked("seat01", "激活公共客户")
    head = login_as("head01")
    head.post("/mining/invalid/revive", data={"customer_id": [cid], "target": "public"},
              headers={"Referer": "/mining/invalid/"})
    after = reloaded(cid)
    assert (after.pool, after.type, after.service_seat_id, after.invalid_reason, after.invalid_at) == (
        Pool.PUBLIC, CustomerType.INTENT, None, "", None)
    move = pool_history(cid)[-1]
    assert (move.reason, move.from_pool, move.to_pool, move.actor_id) == (
        MoveReason.REVIVE, Pool.INVALID, Pool.PUBLIC, user("head01").id)
    assert move.reason.label == "无效客户激活"
    assert audit_rows("mining.invalid_revive")
    assert "激活公共客户" in login_as("seat02").get("/pools/public").get_data(as_text=True)


def test_bulk_revive_to_a_seat_respects_the_owned_customer_cap(login_as, marked):
    ids = [marked("seat01", f"批量激活{i}") for i in range(3)]
    seat02 = user("seat02")
    owned = pool_services.owned_count(db.session, seat02.id)
    _set_cap(owned + 2)
    head = login_as("head01")
    head.post("/mining/invalid/revive", data={"customer_id": ids, "target": "seat", "seat_id": seat02.id},
              headers={"Referer": "/mining/invalid/"})
    page = head.get("/mining/invalid/").get_data(as_text=True)
    assert f"陈坐席 已有 {owned} 个客户，再激活 3 个将超过个人客户数上限 {owned + 2}" in page
    assert all(reloaded(cid).pool == Pool.INVALID for cid in ids)
    head.post("/mining/invalid/revive", data={"customer_id": ids[:2], "target": "seat", "seat_id": seat02.id},
              headers={"Referer": "/mining/invalid/"})
    for cid in ids[:2]:
        after = reloaded(cid)
        assert (after.pool, after.service_seat_id, after.type) == (Pool.PERSONAL, seat02.id, CustomerType.NEW)
        assert after.assigned_at is not None and after.followup_count == 0
        move = pool_history(cid)[-1]
        assert (move.reason, move.from_pool, move.to_pool, move.from_seat_id, move.to_seat_id) == (
            MoveReason.REVIVE, Pool.INVALID, Pool.PERSONAL, None, seat02.id)
    assert pool_services.owned_count(db.session, seat02.id) == owned + 2
    # A seat outside the scope (二部) or one who has left is refused.
    response = head.post("/mining/invalid/revive", data={"customer_id": ids[2:], "target": "seat",
                                                         "seat_id": user("seat11").id})
    assert response.status_code == 404 and "坐席不存在或不在您的管理范围内" in response.get_data(as_text=True)
    assert reloaded(ids[2]).pool == Pool.INVALID


def test_revive_everything_matching_the_search_to_a_department_pool(login_as, marked):
    refused = [marked("seat01", f"拒绝客户{i}", "refused") for i in range(3)]
    other = marked("seat02", "号码错误客户", "wrong_number")
    group = org("SH-LC1-A")
    head = login_as("head01")
    head.post("/mining/invalid/revive", data={"all": "1", "reason": "refused", "target": "department",
                                              "org_id": group.id}, headers={"Referer": "/mining/invalid/"})
    fresh()
    demo_refused = db.session.scalar(select(func.count()).where(Customer.pool == Pool.INVALID,
                                                                Customer.invalid_reason == "refused"))
    assert demo_refused == 0
    for cid in refused:
        after = reloaded(cid)
        assert (after.pool, after.service_org_id, after.type, after.service_seat_id) == (
            Pool.DEPARTMENT, group.id, CustomerType.NEW, None)
    assert reloaded(other).pool == Pool.INVALID
    # A department outside the scope is refused.
    response = head.post("/mining/invalid/revive", data={"customer_id": [other], "target": "department",
                                                         "org_id": org("SH-LC2").id})
    assert response.status_code == 404 and "部门不存在或不在您的管理范围内" in response.get_data(as_text=True)
    assert reloaded(other).pool == Pool.INVALID


@pytest.mark.db_sensitive
def test_two_heads_reviving_the_same_customer_at_once_move_it_once(app, database_url, tmp_path: Path, marked):
    ids = [marked("seat01", f"争抢客户{i}") for i in range(20)]
    targets = {"head01": invalid.ReviveTarget(invalid.TargetKind.PUBLIC),
               "manager01": invalid.ReviveTarget(invalid.TargetKind.DEPARTMENT, org_id=org("SH-LC1").id)}
    fresh()

    def prepare(username: str) -> tuple[User, data_scope.Scope]:
        actor = user(username)
        return actor, data_scope.scope_of(db.session, actor, "mining.invalid")

    def reviver(username: str, prepared: tuple[User, data_scope.Scope]) -> invalid.ReviveResult:
        actor, scope = prepared
        result = invalid.revive(db.session, actor, scope, targets[username], ids=ids)
        db.session.commit()
        return result

    results = at_once(database_url, tmp_path / "race", list(targets), reviver, prepare=prepare)
    assert results["head01"].moved + results["manager01"].moved == len(ids)
    assert results["head01"].skipped == results["manager01"].moved
    fresh()
    revives = dict(db.session.execute(select(PoolHistory.customer_id, func.count())
                                      .where(PoolHistory.reason == MoveReason.REVIVE, PoolHistory.customer_id.in_(ids))
                                      .group_by(PoolHistory.customer_id)).all())
    assert sorted(revives) == sorted(ids) and set(revives.values()) == {1}
    pools = set(db.session.scalars(select(Customer.pool).where(Customer.id.in_(ids))))
    assert pools <= {Pool.PUBLIC, Pool.DEPARTMENT}


# --- API ------------------------------------------------------------------------------------------------


def test_api_marks_lists_and_revives_invalid_customers(api_as, marked):
    customer = make_customer("接口客户", seat="seat01")
    seat = api_as("seat01")
    response = seat.post(f"/api/v1/customers/{customer.id}/invalid", json={"reason": ""})
    assert response.status_code == 422 and response.get_json()["error"]["message"] == "请选择无效原因"
    response = seat.post(f"/api/v1/customers/{customer.id}/invalid", json={"reason": "not_owner", "note": "非本人"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["pool"], body["invalid_reason"], body["invalid_reason_label"], body["service_seat_id"]) == (
        "invalid", "not_owner", "非本人", None)
    assert seat.get("/api/v1/pools/invalid").status_code == 403

    theirs = marked("seat11", "二部接口客户")
    head = api_as("head01")
    listing = head.get("/api/v1/pools/invalid", query_string={"per_page": 200}).get_json()
    numbers = {row["number"] for row in listing["items"]}
    assert customer.number in numbers and reloaded(theirs).number not in numbers
    assert listing["total"] == len(listing["items"])
    assert head.get("/api/v1/pools/invalid", query_string={"reason": "not_owner", "q": "接口客户"}).get_json()[
        "total"] == 1

    response = head.post("/api/v1/pools/invalid/revive", json={"customer_ids": [theirs], "target": "public"})
    assert response.status_code == 404 and reloaded(theirs).pool == Pool.INVALID
    response = head.post("/api/v1/pools/invalid/revive", json={"customer_ids": [customer.id], "target": "seat"})
    assert response.status_code == 422 and "请选择要激活到的坐席" in response.get_json()["error"]["message"]
    response = head.post("/api/v1/pools/invalid/revive",
                         json={"customer_ids": [customer.id, theirs], "target": "seat", "seat_id": user("seat02").id})
    assert response.status_code == 200
    assert response.get_json() == {
        "moved": 1, "skipped": 1,
        "message": "已激活 1 个无效客户到陈坐席（S0002）；1 个客户已被他人处理或不在您的管理范围内，未激活"}
    assert reloaded(customer.id).service_seat_id == user("seat02").id
    response = seat.post(f"/api/v1/customers/{theirs}/invalid", json={"reason": "other"})
    assert response.status_code == 404


def test_openapi_documents_the_invalid_pool_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/pools/invalid", "/pools/invalid/revive", "/customers/{customer_id}/invalid"} <= set(paths)
    assert re.search("无效", paths["/pools/invalid"]["get"]["summary"])
