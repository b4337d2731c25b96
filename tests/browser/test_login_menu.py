"""In Chromium: log in through the real page, the menu follows the permissions, and a promotion (升降级)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser

ADMIN_MENUS = ["用户组织维护", "用户维护", "用户角色维护", "角色维护", "权限维护", "在线用户管理", "系统参数维护",
               "基础数据维护", "日志查询"]


def menu_labels(page) -> list[str]:
    return [text.strip() for text in page.locator("#main-menu a.nav-link").all_inner_texts()]


def test_admin_logs_in_and_sees_the_admin_menus(page):
    page.goto("/")
    assert "/login" in page.url
    screenshot(page, "login")
    browser_login(page, "admin")
    assert page.get_by_role("heading", name="您好，系统管理员").is_visible()
    labels = menu_labels(page)
    assert labels[0] == "首页"
    assert [label for label in labels if label in ADMIN_MENUS] == ADMIN_MENUS  # all there, in menu order
    assert page.locator('.menu-section[data-section="admin"] .menu-section-title').inner_text().strip() == "系统管理"
    screenshot(page, "admin-home")


def test_seat_sees_no_admin_menus_and_is_refused_admin_screens(page):
    browser_login(page, "seat01")
    assert page.get_by_role("heading", name="您好，张坐席").is_visible()
    labels = menu_labels(page)
    assert not set(ADMIN_MENUS) & set(labels)
    assert page.locator('.menu-section[data-section="admin"]').count() == 0
    screenshot(page, "seat-home")
    response = page.goto("/admin/users/")
    assert response.status == 403
    assert page.locator("#error-message").inner_text() == "您没有权限访问此页面或数据"
    screenshot(page, "seat-forbidden")


def test_admin_promotes_a_seat_from_the_users_screen(page):
    page.emulate_media(reduced_motion="reduce")  # Bootstrap then skips the dialog's fade: screenshots are sharp
    browser_login(page, "admin")
    page.locator("#main-menu").get_by_role("link", name="用户维护", exact=True).click()
    page.wait_for_url(re.compile(r".*/admin/users/$"))
    assert page.locator("#user-table tbody tr").count() == 15  # the demo users, finance02, kb01 and cti01 included
    screenshot(page, "users-list")

    page.get_by_label("姓名、工号或用户名").fill("陈坐席")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#user-table tbody tr")).to_have_count(1)
    page.get_by_role("link", name="陈坐席").click()
    page.wait_for_url(re.compile(r".*/admin/users/\d+$"))
    page.wait_for_load_state("load")  # Bootstrap's dialog handler is bound once its script has run
    assert page.locator("#user-level").inner_text() == "初级 / P1"

    # First without a remark: refused, the dialog comes back with the choice kept.
    page.get_by_role("button", name="升降级").click()
    dialog = page.locator("#level-modal")
    dialog.wait_for(state="visible")
    dialog.get_by_label("层级").select_option("中级")
    dialog.get_by_label("级别").select_option("P2")
    screenshot(page, "level-dialog")
    dialog.get_by_role("button", name="确定").click()
    dialog.wait_for(state="visible")
    assert "请填写升降级备注" in page.locator(".alert-danger").inner_text()
    assert dialog.get_by_label("层级").input_value() == "中级"
    screenshot(page, "level-dialog-refused")

    dialog.get_by_label("备注").fill("季度考核优秀，晋升中级")
    dialog.get_by_role("button", name="确定").click()
    page.wait_for_url(re.compile(r".*/admin/users/\d+$"))
    assert "陈坐席 的层级/级别已调整为 中级 / P2" in page.locator(".alert-success").inner_text()
    assert page.locator("#user-level").inner_text() == "中级 / P2"
    history = page.locator("#level-history tbody tr").first.inner_text()
    assert "初级 / P1" in history and "中级 / P2" in history and "季度考核优秀" in history and "系统管理员" in history
    screenshot(page, "level-changed")


SCREENS = [("/admin/roles/", "角色维护", "roles"), ("/admin/permissions/", "权限维护", "permissions"),
           ("/admin/online/", "在线用户管理", "online"), ("/admin/base-data/", "基础数据维护", "base-data"),
           ("/admin/base-data/user_level", "员工层级", "base-data-items"),
           ("/admin/users/roles", "用户角色维护", "user-roles"), ("/admin/users/new", "新建用户", "user-new")]


def test_admin_screens_render_in_chinese(page):
    browser_login(page, "admin")
    for url, heading, name in SCREENS:
        page.goto(url)
        assert page.get_by_role("heading", level=1).inner_text().startswith(heading)
        screenshot(page, f"admin-{name}")
    page.goto("/admin/roles/")
    page.get_by_role("link", name="部门主管").click()
    page.wait_for_url(re.compile(r"/admin/roles/\d+$"))  # count() does not wait for the navigation
    assert page.locator('#permission-groups input[type="checkbox"]:checked').count() >= 1
    screenshot(page, "admin-role-form")
    page.goto("/admin/users/roles?q=seat01")
    page.get_by_role("link", name="分配角色").click()
    assert page.get_by_label("坐席").is_checked()
    screenshot(page, "admin-user-role-form")


def test_a_forced_out_browser_lands_on_the_login_page(page, browser, live_server):
    seat_context = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1400, "height": 900})
    try:
        seat = seat_context.new_page()
        browser_login(seat, "seat01")
        browser_login(page, "admin")
        page.locator("#main-menu").get_by_role("link", name="在线用户管理").click()
        row = page.locator('#online-table tr[data-user="seat01"]')
        assert "理财一部A组" in row.inner_text()
        screenshot(page, "online-before")
        page.once("dialog", lambda dialog: dialog.accept())  # the 确定强制下线该会话？ confirmation
        row.get_by_role("button", name="强制下线").click()
        page.locator(".alert-success").wait_for()
        assert "已强制下线 张坐席 的会话" in page.locator(".alert-success").inner_text()
        assert page.locator('#online-table tr[data-user="seat01"]').count() == 0
        seat.reload()
        assert "/login" in seat.url
        assert seat.get_by_role("button", name="登录").is_visible()
    finally:
        seat_context.close()
