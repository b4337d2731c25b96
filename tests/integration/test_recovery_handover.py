"""客户数据回收, 客户转移 and 离职交接: a leaver's customers wait for the head (成交 never public), are handed to a
successor within the cap or go to the city-manager pool after N days; transfers need a reason; a recovery moves
exactly what its preview showed and never a dealt customer; two heads at once move each customer once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app import clock
from app.admin import params
from app.auth.models import User
from app.customers.models import Customer, CustomerType, Pool
from app.errors import Conflict
from app.extensions import db
from app.org import scope as data_scope
from app.pools import handover, recovery, services
from app.pools.handover_models import Handover, HandoverStatus
from app.pools.models import MoveReason, PoolHistory
from app.pools.recovery_access import MINING_HANDOVER, MINING_RECOVERY
from scheduler.registry import JOBS
from tests.conftest import audit_rows
from tests.customer_helpers import fresh, make_customer, make_seats, org, pool_history, reloaded, user
from tests.race import at_once

TYPES = ("dealt", "dealt", "valid", "intent", "new")




def _set(key: str, value: int) -> None:
    fresh()
    params.set_value(db.session, key, str(value))
    db.session.commit()


def _leave(login_as, username: str = "seat02") -> tuple[list[int], Handover]:
    """Give the seat a customer of each type, disable the account as HR would; return all its customer ids."""
    for i, type_ in enumerate(TYPES):
        make_customer(f"交接客户{i}", seat=username, type_=type_)
    fresh()
    seat = user(username)
    ids = list(db.session.scalars(select(Customer.id).where(Customer.service_seat_id == seat.id)))
    response = login_as("hr01").post(f"/admin/users/{seat.id}/leave")
    assert response.status_code == 302
    fresh()
    record = db.session.scalar(select(Handover).where(Handover.leaver_id == seat.id))
    assert record is not None
    return ids, record


def _owned(username: str) -> int:
    fresh()
    return services.owned_count(db.session, user(username).id)


# --- 离职交接 ------------------------------------------------------------------------------------------------


def test_disabling_a_seat_puts_its_customers_in_pending_hand_over_never_public(login_as):
    ids, record = _leave(login_as)
    leaver = user("seat02")
    pools = dict(db.session.execute(select(Customer.id, Customer.pool).where(Customer.id.in_(ids))).all())
    assert set(pools.values()) == {Pool.HANDOVER}
    assert all(reloaded(cid).prev_seat_id == leaver.id and reloaded(cid).service_seat_id is None for cid in ids)
    assert record.status == HandoverStatus.PENDING and record.total == len(ids)
    assert record.counts["dealt"] >= 2 and sum(record.counts.values()) == len(ids)
    assert record.org_id == leaver.org_id
    assert record.deadline == record.created_at + timedelta(days=7)
    dealt = [cid for cid in ids if reloaded(cid).type == CustomerType.DEALT]
    assert dealt and not any(move.to_pool == Pool.PUBLIC for cid in dealt for move in pool_history(cid))
    [audit] = audit_rows("pools.user_left")
    assert f"{len(ids)} 个客户转入离职待交接" in audit.summary

    head = login_as("head01")
    listing = head.get("/mining/handovers").get_data(as_text=True)
    assert "陈坐席" in listing and f'data-handover="{record.id}"' in listing
    assert "离职交接" in head.get("/").get_data(as_text=True)  # 数据挖掘 → 离职交接 in the menu
    detail = head.get(f"/mining/handovers/{record.id}").get_data(as_text=True)
    assert "全部交接" in detail and "交接客户0" in detail
    assert login_as("seat01").get("/mining/handovers").status_code == 403
    assert login_as("head11").get(f"/mining/handovers/{record.id}").status_code == 404  # SH-LC2: not his


@pytest.mark.db_sensitive
def test_head_hands_everything_to_a_successor_with_history_and_audit(login_as):
    ids, record = _leave(login_as)
    seat01 = user("seat01")
    response = login_as("head01").post(f"/mining/handovers/{record.id}", data={"seat_id": seat01.id,
                                                                                "note": "由张坐席接手"})
    assert response.status_code == 302
    for cid in ids:
        customer = reloaded(cid)
        assert (customer.pool, customer.service_seat_id) == (Pool.PERSONAL, seat01.id)
        move = pool_history(cid)[-1]
        assert (move.reason, move.from_pool, move.to_pool, move.from_seat_id, move.to_seat_id, move.actor_id) == (
            MoveReason.HANDOVER, Pool.HANDOVER, Pool.PERSONAL, user("seat02").id, seat01.id, user("head01").id)
        assert "张坐席" in move.note and "由张坐席接手" in move.note
    fresh()
    done = db.session.get(Handover, record.id)
    assert done.status == HandoverStatus.DONE and done.handed == len(ids) and done.successor_id == seat01.id
    assert done.done_by_id == user("head01").id and done.done_at is not None
    [audit] = audit_rows("pools.handover")
    assert audit.object_type == "handover" and f"已将 {len(ids)} 个客户交接给 张坐席" in audit.summary
    again = login_as("head01").post(f"/mining/handovers/{record.id}", data={"seat_id": seat01.id})
    assert again.status_code == 409


@pytest.mark.db_sensitive
def test_successor_cap_hands_every_dealt_customer_and_says_what_stayed(login_as, api_as):
    ids, record = _leave(login_as)
    dealt = record.counts["dealt"]
    _set(services.OWNED_CAP, _owned("seat01") + dealt + 1)  # room for the dealt ones and one more
    head = api_as("head01")
    result = head.post(f"/api/v1/pools/handovers/{record.id}", json={"seat_id": user("seat01").id}).get_json()
    assert result["moved"] == dealt + 1 and result["dealt"] == dealt and result["left"] == len(ids) - dealt - 1
    assert f"{result['left']} 个客户未交接" in result["message"] and "个人客户数上限" in result["message"]
    assert result["handover"]["status"] == "pending" and sum(result["handover"]["pending"].values()) == result["left"]
    assert all(reloaded(cid).service_seat_id == user("seat01").id
               for cid in ids if reloaded(cid).type == CustomerType.DEALT)
    # The valid customer goes before intent and new ones.
    assert any(reloaded(cid).type == CustomerType.VALID and reloaded(cid).pool == Pool.PERSONAL for cid in ids)
    full = head.post(f"/api/v1/pools/handovers/{record.id}", json={"seat_id": user("seat01").id})
    assert full.status_code == 422 and "达到个人客户数上限" in full.get_json()["error"]["message"]
    [extra] = make_seats(1, org_code="SH-LC1-A", prefix="succ")
    rest = head.post(f"/api/v1/pools/handovers/{record.id}", json={"seat_id": extra}).get_json()
    assert rest["moved"] == len(ids) - dealt - 1 and rest["left"] == 0 and rest["handover"]["status"] == "done"
    listed = head.get("/api/v1/pools/handovers", query_string={"status": "done"}).get_json()
    assert [h["id"] for h in listed["items"]] == [record.id]


@pytest.mark.db_sensitive
def test_head_spreads_a_hand_over_evenly_with_the_distribution_engine(login_as):
    ids, record = _leave(login_as)
    [extra] = make_seats(1, org_code="SH-LC1-A", prefix="even")
    _set(services.OWNED_CAP, 5000)
    seat01 = user("seat01").id
    response = login_as("head01").post(f"/mining/handovers/{record.id}", data={
        "mode": "spread", "seat_ids": [seat01, extra]})
    assert response.status_code == 302
    fresh()
    movable = [cid for cid in ids if reloaded(cid).type != CustomerType.INVALID]
    owners = [reloaded(cid).service_seat_id for cid in movable]
    assert set(owners) == {seat01, extra} and abs(owners.count(seat01) - owners.count(extra)) <= 1
    move = pool_history(movable[0])[-1]
    assert (move.reason, move.from_pool) == (MoveReason.HANDOVER, Pool.HANDOVER)
    assert move.run_id is not None and "离职交接：陈坐席（S0002）平均分给 2 个坐席" in move.note
    assert reloaded(movable[0]).prev_seat_id == user("seat02").id
    fresh()
    done = db.session.get(Handover, record.id)
    left = db.session.scalar(select(func.count()).where(handover.pending_condition(user("seat02").id)))
    assert done.handed + left == len(ids) and done.handed >= len(movable)
    assert "平均交接给 2 个坐席" in audit_rows("pools.handover")[-1].summary


def test_a_successor_or_hand_over_outside_the_scope_is_404_and_nothing_moves(login_as, api_as):
    ids, record = _leave(login_as)
    outside = login_as("head01").post(f"/mining/handovers/{record.id}", data={"seat_id": user("seat11").id})
    assert outside.status_code == 404
    foreign = api_as("head11").post(f"/api/v1/pools/handovers/{record.id}", json={"seat_id": user("seat11").id})
    assert foreign.status_code == 404
    assert api_as("head11").get("/api/v1/pools/handovers").get_json()["items"] == []
    fresh()
    assert {reloaded(cid).pool for cid in ids} == {Pool.HANDOVER}


@pytest.mark.date_sensitive
@pytest.mark.db_sensitive
def test_overdue_hand_overs_go_to_the_city_pool_after_the_parameter_days(login_as):
    _set(handover.HANDOVER_DAYS, 3)
    ids, record = _leave(login_as)
    job = JOBS["pools.handover_overdue"]
    assert job.name == "离职客户逾期转城市经理池"
    fresh()
    before = record.created_at + timedelta(days=3) - timedelta(minutes=1)
    assert job.func(db.session, before) == "没有逾期未交接的离职客户"
    db.session.commit()
    assert {reloaded(cid).pool for cid in ids} == {Pool.HANDOVER}
    fresh()
    summary = job.func(db.session, clock.now() + timedelta(days=3, minutes=1))
    db.session.commit()
    assert summary == f"1 个离职交接逾期，{len(ids)} 个客户转入城市经理公共池"
    for cid in ids:
        customer = reloaded(cid)
        assert customer.pool == Pool.CITY and customer.service_seat_id is None
        move = pool_history(cid)[-1]
        assert (move.reason, move.from_pool, move.to_pool, move.actor_id) == (
            MoveReason.HANDOVER_OVERDUE, Pool.HANDOVER, Pool.CITY, None)
    fresh()
    expired = db.session.get(Handover, record.id)
    assert expired.status == HandoverStatus.EXPIRED and expired.overdue == len(ids)
    [audit] = audit_rows("pools.handover_overdue")
    assert f"{len(ids)} 个客户转入城市经理公共池" in audit.summary and audit.actor_id is None
    assert "交接客户0" in login_as("manager01").get("/pools/city").get_data(as_text=True)


# --- 客户转移 ------------------------------------------------------------------------------------------------


def test_transfer_needs_a_reason_and_respects_the_cap(login_as, api_as):
    picked = [make_customer(f"转移客户{i}", seat="seat02").id for i in range(3)]
    form = {"from_seat_id": user("seat02").id, "to_seat_id": user("seat01").id, "customer_id": picked}
    head = login_as("head01")
    refused = head.post("/mining/transfer", data={**form, "reason": "  "})
    assert refused.status_code == 422 and "请填写转移原因" in refused.get_data(as_text=True)
    assert {reloaded(cid).service_seat_id for cid in picked} == {user("seat02").id}
    _set(services.OWNED_CAP, _owned("seat01") + 2)
    over = head.post("/mining/transfer", data={**form, "reason": "客户要求更换"})
    assert over.status_code == 422 and "超过个人客户数上限" in over.get_data(as_text=True)
    _set(services.OWNED_CAP, 1000)
    assert "转移客户0" in head.get(f"/mining/transfer?from_seat_id={user('seat02').id}").get_data(as_text=True)
    done = head.post("/mining/transfer", data={**form, "reason": "客户要求更换"})
    assert done.status_code == 302
    for cid in picked:
        assert reloaded(cid).service_seat_id == user("seat01").id
        move = pool_history(cid)[-1]
        assert (move.reason, move.from_seat_id, move.to_seat_id) == (MoveReason.TRANSFER, user("seat02").id,
                                                                     user("seat01").id)
        assert "原因：客户要求更换" in move.note
    assert "客户要求更换" in audit_rows("pools.transfer")[-1].summary
    api = api_as("head01")
    outside = api.post("/api/v1/pools/transfer", json={"from_seat_id": user("seat01").id,
                                                       "to_seat_id": user("seat11").id,
                                                       "customer_ids": picked, "reason": "跨部门"})
    assert outside.status_code == 404
    empty = api.post("/api/v1/pools/transfer", json={"from_seat_id": user("seat01").id,
                                                     "to_seat_id": user("seat02").id, "customer_ids": picked,
                                                     "reason": ""})
    assert empty.status_code == 422 and empty.get_json()["error"]["message"] == "请填写转移原因"


# --- 客户数据回收 ----------------------------------------------------------------------------------------------


def _old_customers(seat: str, n: int, days: float, type_: str = "intent") -> list[int]:
    return [make_customer(f"回收客户{seat}{i}", seat=seat, type_=type_, assigned_days_ago=days).id for i in range(n)]


@pytest.mark.db_sensitive
def test_recovery_preview_is_what_the_move_takes_and_dealt_customers_stay(api_as, login_as):
    old = _old_customers("seat01", 3, 40)
    dealt_old = _old_customers("seat01", 1, 40, type_="dealt")
    recent = _old_customers("seat01", 2, 5)
    body = {"seat_ids": [user("seat01").id], "assigned_days": 30}
    api = api_as("head01")
    preview = api.post("/api/v1/pools/recovery/preview", json=body).get_json()
    fresh()
    expected = set(db.session.scalars(select(Customer.id).where(
        Customer.service_seat_id == user("seat01").id, Customer.type != CustomerType.DEALT,
        Customer.assigned_at < clock.now() - timedelta(days=30))))
    assert set(old) <= expected and not expected & set(dealt_old + recent)
    assert preview["total"] == len(expected) == sum(p["count"] for p in preview["per_seat"])
    assert preview["per_seat"][0]["seat_id"] == user("seat01").id
    assert preview["conditions"] == ["分配已满 30 天"]
    page = login_as("head01").get("/mining/recovery", query_string={**body, "preview": 1}).get_data(as_text=True)
    assert f'id="preview-total">{len(expected)}<' in page
    done = api.post("/api/v1/pools/recovery", json={**body, "to_org_id": org("SH-LC1").id}).get_json()
    assert done["moved"] == len(expected)
    fresh()
    moved = set(db.session.scalars(select(Customer.id).where(Customer.pool_move_batch == done["batch"])))
    assert moved == expected
    for cid in old:
        customer = reloaded(cid)
        assert (customer.pool, customer.service_seat_id, customer.service_org_id) == (
            Pool.DEPARTMENT, None, org("SH-LC1").id)
        move = pool_history(cid)[-1]
        assert (move.reason, move.from_seat_id, move.actor_id) == (MoveReason.RECOVERY, user("seat01").id,
                                                                   user("head01").id)
        assert "理财一部的部门信息池" in move.note
    assert all(reloaded(cid).service_seat_id == user("seat01").id for cid in dealt_old + recent)
    assert db.session.scalar(select(func.count()).where(PoolHistory.reason == MoveReason.RECOVERY)) == len(expected)
    assert f"客户数据回收 {len(expected)} 个客户" in audit_rows("pools.recovery")[-1].summary


def test_recovery_by_silence_to_a_seat_and_bad_requests(api_as, login_as):
    quiet = _old_customers("seat02", 2, 20)
    api = api_as("head01")
    body = {"seat_ids": [user("seat02").id], "no_valid_days": 10, "to_seat_id": user("seat01").id}
    preview = api.post("/api/v1/pools/recovery/preview", json=body).get_json()
    assert preview["total"] >= 2 and preview["conditions"] == ["10 天内无有效跟进"]
    done = login_as("head01").post("/mining/recovery", data=body)
    assert done.status_code == 302
    assert all(reloaded(cid).service_seat_id == user("seat01").id for cid in quiet)
    assert pool_history(quiet[0])[-1].to_seat_id == user("seat01").id
    for bad, message in (({"seat_ids": [user("seat01").id]}, "请至少设置一个时间条件"),
                         ({"assigned_days": 3}, "请选择要回收客户的坐席或组织"),
                         ({"seat_ids": [user("seat01").id], "assigned_days": 3, "assigned_before": "2026-01-01"},
                          "请填写日期或天数之一"),
                         ({"seat_ids": [user("seat01").id], "assigned_before": "2026-13-01"}, "YYYY-MM-DD")):
        refused = api.post("/api/v1/pools/recovery", json={**bad, "to_org_id": org("SH-LC1").id})
        assert refused.status_code == 422 and message in refused.get_json()["error"]["message"], bad
    assert api.post("/api/v1/pools/recovery", json={"seat_ids": [user("seat01").id], "assigned_days": 1}
                    ).get_json()["error"]["message"] == "请选择回收到的部门或坐席"
    for outside in ({"seat_ids": [user("seat11").id], "assigned_days": 1, "to_org_id": org("SH-LC1").id},
                    {"org_ids": [org("SH-LC2").id], "assigned_days": 1, "to_org_id": org("SH-LC1").id},
                    {"seat_ids": [user("seat01").id], "assigned_days": 1, "to_org_id": org("SH-LC2").id}):
        assert api.post("/api/v1/pools/recovery", json=outside).status_code == 404
    assert login_as("seat01").get("/mining/recovery").status_code == 403


# --- two heads at once -------------------------------------------------------------------------------------


def _race(database_url: str, tmp_path: Path, usernames: list[str], work: Any) -> dict[str, Any]:
    """Run ``work(user)`` for each user at once; a refusal (Conflict) is that user's result."""
    def attempt(_username: str, actor: User) -> Any:
        try:
            result = work(actor)
            db.session.commit()
            return result
        except Conflict as exc:
            db.session.rollback()
            return exc

    return at_once(database_url, tmp_path / "race", usernames, attempt,
                   prepare=lambda username: db.session.scalar(select(User).where(User.username == username)))


def _moves_per_customer(ids: list[int], reason: MoveReason) -> dict[int, int]:
    fresh()
    return dict(db.session.execute(select(PoolHistory.customer_id, func.count()).where(
        PoolHistory.customer_id.in_(ids), PoolHistory.reason == reason).group_by(PoolHistory.customer_id)).all())


@pytest.mark.db_sensitive
def test_two_heads_handing_over_at_once_move_each_customer_once(login_as, database_url, tmp_path):
    ids, record = _leave(login_as)
    [extra] = make_seats(1, org_code="SH-LC1-A", prefix="race")
    _set(services.OWNED_CAP, 5000)
    successors = {"head01": user("seat01").id, "manager01": extra}
    handover_id = record.id
    fresh()

    def hand(actor: User) -> Any:
        scope = data_scope.scope_of(db.session, actor, MINING_HANDOVER)
        return handover.hand_to_seat(db.session, actor, scope, handover_id, successors[actor.username]).moved

    results = _race(database_url, tmp_path, list(successors), hand)
    moved = [r for r in results.values() if isinstance(r, int)]
    assert sum(moved) == len(ids)
    assert _moves_per_customer(ids, MoveReason.HANDOVER) == {cid: 1 for cid in ids}
    owners = {reloaded(cid).service_seat_id for cid in ids}
    assert len(owners) == 1 and owners <= set(successors.values())  # one head won the whole hand-over
    fresh()
    assert db.session.get(Handover, record.id).status == HandoverStatus.DONE


@pytest.mark.db_sensitive
def test_two_heads_recovering_the_same_customers_at_once_move_each_once(app, database_url, tmp_path):
    ids = _old_customers("seat01", 20, 40)
    seat01 = user("seat01").id
    fresh()
    matching = set(db.session.scalars(select(Customer.id).where(
        Customer.service_seat_id == seat01, Customer.type != CustomerType.DEALT,
        Customer.assigned_at < clock.now() - timedelta(days=30))))
    targets = {"head01": org("SH-LC1").id, "manager01": org("SH-LC1-A").id}
    fresh()

    def recover(actor: User) -> Any:
        scope = data_scope.scope_of(db.session, actor, MINING_RECOVERY)
        spec = recovery.parse(db.session, scope, {"seat_ids": [seat01], "assigned_days": 30,
                                                  "to_org_id": targets[actor.username]}, clock.now(), True)
        return recovery.execute(db.session, actor, scope, spec).count

    results = _race(database_url, tmp_path, list(targets), recover)
    assert sum(results.values()) == len(matching)
    assert _moves_per_customer(sorted(matching), MoveReason.RECOVERY) == {cid: 1 for cid in matching}
    assert {reloaded(cid).pool for cid in ids} == {Pool.DEPARTMENT}
