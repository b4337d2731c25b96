"""会员 in the browser: on a system without membership settings, the administrator defines three levels, a points
rule (the designer's points table: 2 points per 10,000 yuan) and a member price; seat01 creates a trade of
1,000,000 for a 金卡 customer and sees the member price on it; after finance01 passes its arrival audit the points
show on the customer's 360 page and member page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from app import clock
from app.extensions import db
from app.members.models import LevelChange, Member, MemberLevel, MemberPrice, PointsEntry
from app.trades.models import Trade
from tests.browser.test_designer_rules import edit_cell
from tests.conftest import browser_login, screenshot
from tests.integration.trading import customers_of, make_project

pytestmark = pytest.mark.browser


def _without_membership_settings() -> None:
    """As before membership was set up: members keep their points, but no level, price or level history."""
    db.session.execute(update(Member).values(level_code="", previous_level="", level_since=None))
    db.session.execute(delete(LevelChange))
    db.session.execute(delete(MemberPrice))
    db.session.execute(delete(MemberLevel))
    db.session.commit()


def test_admin_sets_up_membership_and_a_trade_earns_points_at_its_arrival_audit(app, page, browser, live_server):
    _without_membership_settings()
    project = make_project(minimum="1000000")
    customer = customers_of("seat01")[0]
    balance = db.session.scalar(select(Member.points_balance).where(Member.customer_id == customer.id))
    db.session.commit()
    assert balance >= 2000  # the demo's 贵宾 customer: 金卡 by the shipped level table

    browser_login(page, "admin")
    page.goto("/members/levels")
    for rank, code, name in ((1, "normal", "普通会员"), (2, "silver", "银卡"), (3, "gold", "金卡")):
        page.get_by_label("等级顺序", exact=True).last.fill(str(rank))
        page.locator("#new-code").fill(code)
        page.locator("#new-name").fill(name)
        page.get_by_role("button", name="新增等级").click()
        page.locator(".alert-success", has_text=f"已新增会员等级“{name}”").wait_for()
    assert page.locator("#level-table tr[data-level]").count() == 3
    assert page.locator("#level-table-problems").count() == 0  # the shipped rules name only defined levels

    page.get_by_role("link", name="在设计器中修改").last.click()
    page.locator("#dmn-container[data-loaded='true']").wait_for()
    edit_cell(page, "subscription_out2", "2")
    page.get_by_role("button", name="校验").click()
    page.locator("#designer-status.alert-success").wait_for()
    page.get_by_role("button", name="发布…").click()
    page.get_by_label("发布说明").fill("认购每万元 2 分")
    page.get_by_label("我确认发布规则表第 1 版").check()
    page.get_by_role("button", name="确认发布").click()
    page.locator("#designer-status.alert-success", has_text="已发布为第 1 版").wait_for()

    page.goto("/members/levels")
    page.get_by_role("button", name="立即评定全部会员").click()
    page.locator(".alert-success", has_text="位会员等级变化").wait_for()
    screenshot(page, "member-levels")
    page.goto("/members/prices")
    page.get_by_label("会员等级").select_option("gold")
    page.get_by_label("理财项目或项目分类").select_option(f"project:{project.id}")
    page.get_by_label("收益率加成 %").fill("0.5")
    page.get_by_label("起购金额减免（元）").fill("200000")
    page.get_by_role("button", name="保存").click()
    page.locator(".alert-success", has_text="已保存会员价格策略").wait_for()
    assert "金卡" in page.locator("#price-table").inner_text()

    seat_context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 900})
    seat = seat_context.new_page()
    browser_login(seat, "seat01")
    seat.goto(f"/customers/{customer.id}")
    assert "金卡" in seat.locator("#customer-member").inner_text()
    seat.get_by_role("button", name="设为当前客户").click()
    seat.goto("/trades/new")
    seat.get_by_label("理财项目").select_option(str(project.id))
    seat.get_by_label("意向金额（元）").fill("1000000")
    seat.get_by_role("button", name="提交交易").click()
    seat.locator("#diagram[data-rendered='true']").wait_for()
    member_price = seat.locator("#member-price").inner_text()
    assert "会员价：金卡 收益率加成 0.5%" in member_price and "起购金额 800,000.00 元" in member_price
    screenshot(seat, "member-price-on-trade")

    db.session.rollback()
    trade = db.session.scalars(select(Trade).where(Trade.project_id == project.id)).one()
    db.session.commit()
    finance_context = browser.new_context(base_url=live_server, locale="zh-CN",
                                          viewport={"width": 1400, "height": 900})
    finance = finance_context.new_page()
    browser_login(finance, "finance01")
    finance.goto(f"/tasks/?tab=group&q={trade.trade_no}")
    finance.locator("#task-table").get_by_role("link", name="交易财务审核").click()
    finance.locator("#diagram[data-rendered='true']").wait_for()
    finance.get_by_label("到账时间").fill((clock.today() - timedelta(days=1)).isoformat())
    finance.get_by_label("实际到账金额（元）").fill("1000000.00")
    finance.get_by_label("审核意见").fill("银行流水已核对")
    finance.get_by_role("button", name="通过").click()
    finance.wait_for_url("**/tasks/")
    finance_context.close()

    seat.goto(f"/customers/{customer.id}")
    section = seat.locator("#customer-member").inner_text()
    assert f"{balance + 200:,}" in section and "认购积分" in section and "+200" in section
    screenshot(seat, "member-customer-360")
    seat.get_by_role("link", name="会员详情").click()
    assert f"{balance + 200:,} 分" in seat.locator("#member-balance").inner_text()
    assert f"交易 {trade.trade_no} 到账 1,000,000.00 元" in seat.locator("#points-ledger").inner_text()
    screenshot(seat, "member-page")
    seat_context.close()

    db.session.rollback()
    earned = db.session.scalars(select(PointsEntry).where(PointsEntry.trade_id == trade.id)).one()
    assert earned.delta == 200
    db.session.commit()
