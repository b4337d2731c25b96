"""Membership (会员): points from a trade's arrival audit, level evaluation (event and nightly), member prices
on new trades, adjustments with a second person's approval, the ledger's guarantees, scope and bad input."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from app import clock
from app.database import write_intent
from app.designer import rule_tables
from app.errors import Conflict, DomainError
from app.extensions import db
from app.members import adjustments, ledger, points, prices
from app.members.models import (
    AdjustmentStatus,
    LevelChange,
    Member,
    MemberPrice,
    PointsAdjustment,
    PointsEntry,
    PointsKind,
)
from app.workflow.deploy import DeploymentRefused
from scheduler import members as member_jobs
from tests.conftest import user_named
from tests.customer_helpers import fresh, make_customer
from tests.integration.trading import create_trade, customers_of, finance_pass, make_project
from tests.race import at_once

# Set-based SQL, database guards and dates in SQL: these run on PostgreSQL too.
pytestmark = pytest.mark.db_sensitive

LEVELS_XML = (Path(__file__).resolve().parents[2] / "rules" / "member_levels.dmn").read_text(encoding="utf-8")


def member_of(customer_id: int) -> Member | None:
    fresh()
    return db.session.scalar(select(Member).where(Member.customer_id == customer_id))


def ledger_rows(customer_id: int) -> list[PointsEntry]:
    fresh()
    return list(db.session.scalars(select(PointsEntry).where(PointsEntry.customer_id == customer_id)
                                   .order_by(PointsEntry.id)))


def test_an_arrival_audit_credits_points_once_and_levels_the_new_member(login_as):
    customer = make_customer("到账积分客户", seat="seat01", type_="intent")
    project = make_project()
    seat, finance = login_as("seat01"), login_as("finance01")
    trade = create_trade(seat, customer.id, project.id, "1000000")
    assert member_of(customer.id) is None
    finance_pass(finance, trade)
    [entry] = ledger_rows(customer.id)
    assert (entry.delta, entry.balance_after, entry.kind) == (100, 100, PointsKind.SUBSCRIPTION)
    assert entry.trade_id == trade.id
    assert entry.expires_at is not None and entry.expires_at > clock.now() + timedelta(days=700)
    member = member_of(customer.id)
    assert member is not None and member.points_balance == 100
    assert member.cumulative_subscription == Decimal("1000000.00")
    assert member.level_code == "silver"  # 持有 100 万元以上
    [change] = db.session.scalars(select(LevelChange).where(LevelChange.customer_id == customer.id)).all()
    assert (change.from_level, change.to_level, change.trigger) == ("", "silver", "event")
    page = seat.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "会员与积分" in page and "银卡" in page and "认购积分" in page
    member_page = seat.get(f"/members/{customer.id}").get_data(as_text=True)
    assert "交易 " + trade.trade_no in member_page and "到账即时评定" in member_page


def test_the_member_price_of_the_customers_level_applies_to_a_new_trade(login_as):
    gold = customers_of("seat01")[0]
    assert member_of(gold.id).level_code == "gold"  # the demo's 金卡 customer
    plain = make_customer("非会员客户", seat="seat01")
    project = make_project(minimum="1000000")
    admin = login_as("admin")
    saved = admin.post("/members/prices", data={"level_code": "gold", "target": f"project:{project.id}",
                                                "fee_discount": "20", "min_reduction": "300000",
                                                "yield_bonus": "0.5"})
    assert saved.status_code == 302
    seat = login_as("seat01")
    seat.post(f"/customers/{plain.id}/current")
    refused = seat.post("/trades/new", data={"project_id": str(project.id), "intended_amount": "800000"})
    assert refused.status_code == 422 and "低于项目起购金额 1,000,000.00 元" in refused.get_data(as_text=True)
    trade = create_trade(seat, gold.id, project.id, "800000")
    assert (trade.member_level, trade.member_yield_bonus, trade.member_fee_discount) == (
        "gold", Decimal("0.5000"), Decimal("20.0000"))
    assert trade.member_min_subscription == Decimal("700000.00")
    page = seat.get(f"/trades/{trade.id}").get_data(as_text=True)
    assert "会员价：金卡 收益率加成 0.5%" in page and "起购金额 700,000.00 元" in page


def test_the_trade_api_creates_with_the_member_price_and_returns_it(api_as):
    gold = customers_of("seat01")[0]
    project = make_project(minimum="1000000")
    prices.save_price(db.session, prices.PriceInput("gold", project.id, None, "10", "100000", "0.3"))
    db.session.commit()
    seat = api_as("seat01")
    made = seat.post("/api/v1/trades", json={"customer_id": gold.id, "project_id": project.id,
                                             "intended_amount": "900000"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (body["member_level"], body["member_min_subscription"], body["member_yield_bonus"]) == (
        "gold", "900000.00", "0.3000")


def test_a_project_price_wins_over_its_categorys(login_as):
    gold = customers_of("seat01")[0]
    project = make_project()
    admin = login_as("admin")
    admin.post("/members/prices", data={"level_code": "gold", "target": f"category:{project.category_id}",
                                        "yield_bonus": "0.2"})
    trade = create_trade(login_as("seat01"), gold.id, project.id)
    assert trade.member_yield_bonus == Decimal("0.2000")
    admin.post("/members/prices", data={"level_code": "gold", "target": f"project:{project.id}", "yield_bonus": "0.8"})
    assert create_trade(login_as("seat01"), gold.id, project.id).member_yield_bonus == Decimal("0.8000")
    bad = admin.post("/members/prices", data={"level_code": "gold", "target": f"project:{project.id}",
                                              "yield_bonus": "abc"})
    assert bad.status_code in (302, 422)
    fresh()
    assert db.session.scalar(select(func.count()).select_from(MemberPrice)
                             .where(MemberPrice.project_id == project.id)) == 1


def test_an_adjustment_needs_a_reason_and_another_persons_approval(login_as):
    customer = customers_of("seat01")[1]
    before = member_of(customer.id).points_balance
    head, manager = login_as("head01"), login_as("manager01")
    count = db.session.scalar(select(func.count()).select_from(PointsAdjustment))
    fresh()
    missing = head.post(f"/members/{customer.id}/adjustments", data={"delta": "50", "reason": " "},
                        headers={"Accept": "application/json"})
    assert missing.status_code == 422 and "请填写积分调整原因" in missing.get_json()["error"]["message"]
    assert db.session.scalar(select(func.count()).select_from(PointsAdjustment)) == count
    head.post(f"/members/{customer.id}/adjustments", data={"delta": "50", "reason": "活动补录"})
    fresh()
    adjustment = db.session.scalars(select(PointsAdjustment).order_by(PointsAdjustment.id.desc())).first()
    assert adjustment.status == AdjustmentStatus.PENDING and member_of(customer.id).points_balance == before
    own = head.post(f"/members/adjustments/{adjustment.id}/approve", headers={"Accept": "application/json"})
    assert own.status_code == 403 and "不能审批本人" in own.get_json()["error"]["message"]
    assert manager.post(f"/members/adjustments/{adjustment.id}/approve").status_code == 302
    assert member_of(customer.id).points_balance == before + 50
    again = manager.post(f"/members/adjustments/{adjustment.id}/approve", headers={"Accept": "application/json"})
    assert again.status_code == 409
    assert member_of(customer.id).points_balance == before + 50
    listing = manager.get("/members/adjustments").get_data(as_text=True)
    assert "活动补录" in listing and "已批准" in listing


def test_a_debit_beyond_the_balance_is_refused_and_nothing_is_written(login_as):
    customer = customers_of("seat01")[1]
    balance = member_of(customer.id).points_balance
    rows = len(ledger_rows(customer.id))
    head = login_as("head01")
    response = head.post(f"/members/{customer.id}/adjustments", data={"delta": str(-(balance + 1)), "reason": "扣减"},
                         headers={"Accept": "application/json"})
    assert response.status_code == 409 and f"当前余额 {balance} 分" in response.get_json()["error"]["message"]
    # A request that fitted when filed but no longer does when approved: refused at approval, nothing written.
    fresh()
    pending = adjustments.request_adjustment(db.session, customer, -balance, "兑换礼品", user_named("head01"))
    db.session.commit()
    ledger.post(db.session, customer.id, -1, PointsKind.ADJUSTMENT, "先扣 1 分")
    db.session.commit()
    refused = login_as("manager01").post(f"/members/adjustments/{pending.id}/approve",
                                         headers={"Accept": "application/json"})
    assert refused.status_code == 409 and "积分余额不足" in refused.get_json()["error"]["message"]
    fresh()
    assert db.session.get(PointsAdjustment, pending.id).status == AdjustmentStatus.PENDING
    assert member_of(customer.id).points_balance == balance - 1 and len(ledger_rows(customer.id)) == rows + 1
    with pytest.raises(Conflict):
        ledger.post(db.session, customer.id, -balance, PointsKind.ADJUSTMENT, "超额")
    db.session.rollback()


def test_the_database_keeps_the_ledger_append_only_and_the_balance_non_negative(app):
    customer = customers_of("seat01")[0]
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(update(PointsEntry).where(PointsEntry.customer_id == customer.id).values(delta=1))
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("DELETE FROM points_ledger"))
    db.session.rollback()
    with pytest.raises(Exception, match="(?i)check"):
        db.session.execute(update(Member).where(Member.customer_id == customer.id).values(points_balance=-1))
    db.session.rollback()


def test_two_approvals_at_once_credit_the_points_once(app, database_url, tmp_path):
    customer = customers_of("seat01")[2]
    before = ledger.balance(db.session, customer.id)
    adjustment_id = adjustments.request_adjustment(db.session, customer, 70, "同时审批", user_named("service01")).id
    db.session.commit()

    def approve(username: str, _prepared: object) -> str:
        token = write_intent.set(True)  # as a POST does: on SQLite the write lock is taken up front
        try:
            adjustments.approve(db.session, db.session.get(PointsAdjustment, adjustment_id), user_named(username))
            db.session.commit()
            return "approved"
        except DomainError as refusal:
            db.session.rollback()
            return refusal.message
        finally:
            write_intent.reset(token)

    results = at_once(database_url, tmp_path / "race", ["head01", "manager01"], approve)
    assert sorted(results.values()) == ["approved", "这条积分调整已经审批过了"]
    assert member_of(customer.id).points_balance == before + 70
    assert db.session.scalar(select(func.count()).where(PointsEntry.adjustment_id == adjustment_id)) == 1


def test_a_level_table_naming_an_unknown_level_is_refused_at_publish_and_evaluation(login_as, monkeypatch):
    bad = LEVELS_XML.replace('"gold"', '"diamond"')
    with pytest.raises(DeploymentRefused, match="结果“diamond”不是已定义的会员等级"):
        rule_tables.publish(db.session, "member_levels", bad, "加钻石卡", user_named("admin"))
    db.session.rollback()
    levels_before = dict(db.session.execute(select(Member.customer_id, Member.level_code)).all())
    history_before = db.session.scalar(select(func.count()).select_from(LevelChange))
    db.session.execute(update(Member).values(points_balance=Member.points_balance + 5000))
    db.session.commit()
    from app.workflow import dmn_tables

    monkeypatch.setattr(dmn_tables, "published_xml", lambda _session, _key: bad)
    admin = login_as("admin")
    response = admin.post("/members/levels/evaluate", headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert "结果“diamond”不是已定义的会员等级" in response.get_json()["error"]["message"]
    fresh()
    assert dict(db.session.execute(select(Member.customer_id, Member.level_code)).all()) == levels_before
    assert db.session.scalar(select(func.count()).select_from(LevelChange)) == history_before
    page = admin.get("/members/levels").get_data(as_text=True)
    assert "规则表不能使用" in page and "diamond" in page


def test_the_nightly_job_enrols_dealt_customers_and_levels_everyone_set_based(app):
    dealt = make_customer("夜间成交客户", seat="seat02", type_="dealt")
    rich = customers_of("seat01")[1]
    db.session.execute(update(Member).where(Member.customer_id == rich.id).values(points_balance=5000))
    db.session.commit()
    now = clock.now()
    summary = member_jobs.evaluate_levels(db.session, now)
    db.session.commit()
    assert "新登记会员 1 位" in summary
    assert member_of(dealt.id).level_code == "normal"
    assert member_of(rich.id).level_code == "gold"
    changes = {c.customer_id: c for c in db.session.scalars(select(LevelChange).where(LevelChange.changed_at == now))}
    assert changes[rich.id].to_level == "gold" and changes[rich.id].trigger == "nightly"
    assert (changes[dealt.id].from_level, changes[dealt.id].to_level) == ("", "normal")
    assert "等级变化 0 位" in member_jobs.evaluate_levels(db.session, now + timedelta(seconds=1))


def test_points_expire_first_in_first_out(app):
    customer = make_customer("过期积分客户", seat="seat01")
    start = clock.now() - timedelta(days=800)
    ledger.post(db.session, customer.id, 100, PointsKind.REFERRAL, "早年积分", now=start)
    ledger.post(db.session, customer.id, -30, PointsKind.ADJUSTMENT, "兑换", now=start + timedelta(days=10))
    ledger.post(db.session, customer.id, 50, PointsKind.REFERRAL, "新积分", now=clock.now() - timedelta(days=1))
    db.session.commit()
    assert member_jobs.expire_points(db.session, clock.now()) == "1 位会员有积分过期"
    db.session.commit()
    rows = ledger_rows(customer.id)
    assert (rows[-1].kind, rows[-1].delta, rows[-1].balance_after) == (PointsKind.EXPIRY, -70, 50)
    assert member_of(customer.id).points_balance == 50
    assert member_jobs.expire_points(db.session, clock.now()) == "0 位会员有积分过期"  # nothing twice


def test_birthday_points_once_a_year_and_salon_points_once_per_activity(app):
    member_jobs.birthday_points(db.session, clock.now())  # the demo members born today
    db.session.commit()
    customer = make_customer("生日客户", seat="seat01")
    today = clock.today()
    customer.birthday = date(1980, today.month, today.day)  # 1980 is a leap year: 29 February exists
    ledger.ensure_member(db.session, customer.id)
    db.session.commit()
    assert member_jobs.birthday_points(db.session, clock.now()) == "1 位会员获得生日积分"
    assert member_jobs.birthday_points(db.session, clock.now()) == "0 位会员获得生日积分"
    db.session.commit()
    assert [e.delta for e in ledger_rows(customer.id)] == [100]
    assert points.points_for(db.session, "salon") == 50
    assert points.points_for(db.session, "subscription", Decimal("1234567")) == 123


def test_out_of_scope_members_look_missing(login_as, api_as):
    theirs = customers_of("seat01")[0]
    assert login_as("seat11").get(f"/members/{theirs.id}").status_code == 404
    assert login_as("head11").post(f"/members/{theirs.id}/adjustments",
                                   data={"delta": "10", "reason": "越权"}).status_code == 404
    assert login_as("seat01").post(f"/members/{theirs.id}/adjustments",
                                   data={"delta": "10", "reason": "无权限"}).status_code == 403
    assert api_as("seat11").get(f"/api/v1/members/{theirs.id}").status_code == 404
    listed = api_as("seat11").get("/api/v1/members?per_page=200").get_json()
    assert theirs.id not in {m["customer_id"] for m in listed["items"]}
    assert theirs.name not in login_as("seat11").get(f"/members/{theirs.id}").get_data(as_text=True)


def test_member_api_lists_shows_ledgers_and_takes_adjustments(api_as):
    customer = customers_of("seat01")[0]
    seat = api_as("seat01")
    listed = seat.get("/api/v1/members").get_json()
    assert customer.id in {m["customer_id"] for m in listed["items"]}
    detail = seat.get(f"/api/v1/members/{customer.id}").get_json()
    assert detail["level_code"] == "gold" and detail["level_name"] == "金卡" and detail["level_history"]
    entries = seat.get(f"/api/v1/members/{customer.id}/ledger").get_json()
    assert sum(e["delta"] for e in entries["items"]) == detail["points_balance"]
    head = api_as("head01")
    bad = head.post(f"/api/v1/members/{customer.id}/adjustments", json={"delta": 10})
    assert bad.status_code == 422 and "请填写积分调整原因" in bad.get_json()["error"]["message"]
    made = head.post(f"/api/v1/members/{customer.id}/adjustments", json={"delta": -10, "reason": "兑换礼品"})
    assert made.status_code == 201
    adjustment_id = made.get_json()["id"]
    assert head.post(f"/api/v1/members/adjustments/{adjustment_id}/approve", json={}).status_code == 403
    rejected = api_as("manager01").post(f"/api/v1/members/adjustments/{adjustment_id}/reject", json={})
    assert rejected.status_code == 422 and "驳回原因" in rejected.get_json()["error"]["message"]
    approved = api_as("manager01").post(f"/api/v1/members/adjustments/{adjustment_id}/approve", json={"note": "同意"})
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert seat.get(f"/api/v1/members/{customer.id}").get_json()["points_balance"] == detail["points_balance"] - 10


def test_levels_are_defined_on_a_screen_and_kept_while_in_use(login_as):
    admin = login_as("admin")
    assert admin.post("/members/levels", data={"code": "diamond", "name": "钻石卡", "rank": "4"}).status_code == 302
    dup = admin.post("/members/levels", data={"code": "diamond", "name": "另一个", "rank": "5"},
                     headers={"Accept": "application/json"})
    assert dup.status_code == 422 and "等级代码“diamond”已存在" in dup.get_json()["error"]["message"]
    bad = admin.post("/members/levels", data={"code": "钻", "name": "x"}, headers={"Accept": "application/json"})
    assert bad.status_code == 422
    page = admin.get("/members/levels").get_data(as_text=True)
    assert "钻石卡" in page and "会员等级规则表" in page
    gold = db.session.scalar(text("SELECT id FROM member_level WHERE code = 'gold'"))
    held = admin.post(f"/members/levels/{gold}/delete", headers={"Accept": "application/json"})
    assert held.status_code == 409 and "金卡" in held.get_json()["error"]["message"]


def test_a_merge_keeps_one_member_whose_balance_is_its_ledger(login_as):
    survivor_id = make_customer("合并甲", seat="seat01").id
    merged_id = make_customer("合并乙", seat="seat01").id
    ledger.post(db.session, survivor_id, 30, PointsKind.REFERRAL, "甲的积分")
    ledger.post(db.session, merged_id, 40, PointsKind.REFERRAL, "乙的积分")
    db.session.commit()
    response = login_as("head01").post("/customers/merge/", data={"survivor": survivor_id, "merged": [merged_id]})
    assert response.status_code == 302
    assert member_of(survivor_id).points_balance == 70 and len(ledger_rows(survivor_id)) == 2
    assert db.session.scalar(select(func.count()).select_from(Member).where(Member.customer_id == merged_id)) == 0


def test_a_member_attending_a_salon_earns_its_points_once(app):
    from app.oa import activities
    from app.oa.models import Activity, ActivityInvitee, InviteeStatus

    member_id = customers_of("seat01")[1].id
    seat = user_named("seat01")
    before = ledger.balance(db.session, member_id)
    activity = Activity(title="理财沙龙", kind="salon", starts_at=clock.now() - timedelta(hours=2),
                        ends_at=clock.now() - timedelta(hours=1), org_id=seat.org_id, organizer_id=seat.id)
    db.session.add(activity)
    db.session.flush()
    invitee = ActivityInvitee(activity_id=activity.id, name="会员", customer_id=member_id, invited_by_id=seat.id)
    db.session.add(invitee)
    db.session.flush()
    for status in (InviteeStatus.ATTENDED, InviteeStatus.ABSENT, InviteeStatus.ATTENDED):
        activities.record_attendance(db.session, activity, invitee, seat, status)
    db.session.commit()
    salon = [e for e in ledger_rows(member_id) if e.kind == PointsKind.SALON]
    assert [(e.delta, e.activity_id) for e in salon] == [(50, activity.id)]
    assert ledger.balance(db.session, member_id) == before + 50


def test_member_search_is_scoped_and_filtered(login_as):
    mine = customers_of("seat01")[0]
    theirs = customers_of("seat11")[0]
    seat = login_as("seat01")
    page = seat.get("/members/").get_data(as_text=True)
    assert mine.number in page and theirs.number not in page and "金卡" in page
    assert mine.number in seat.get("/members/?level=gold").get_data(as_text=True)
    assert mine.number not in seat.get("/members/?level=normal").get_data(as_text=True)
    assert mine.number not in seat.get("/members/?min_points=999999").get_data(as_text=True)
    found = seat.get(f"/members/?q={mine.number}").get_data(as_text=True)
    assert f'data-customer="{mine.number}"' in found
    head = login_as("head11").get("/members/?level=__all").get_data(as_text=True)
    assert mine.number not in head
