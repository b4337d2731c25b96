"""In Chromium, as each demo role: every menu page, the inbox, a task page, an instance page and 日志查询 show
Chinese labels, never internal codes (business keys, outcome and role codes, process keys, English UI words).

A code a screen deliberately shows as secondary text (角色维护's role code under the Chinese name) is marked
``data-code`` and left out of the check; so is what a collapsed ``<details>`` hides (a monitor's raw process data).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from app import menu
from app.auth.models import Role, User
from app.auth.permissions import permissions_of
from app.extensions import db
from app.workflow.models import ProcessModel
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser

# One user per demo role (the other seats, heads and finance users see the same pages).
ROLE_USERS = ["admin", "manager01", "head01", "seat01", "finance01", "service01", "designer01", "hr01"]
BUSINESS_KEY = re.compile(r"\b[a-z_]+:\d+\b")
DOTTED_CODE = re.compile(r"\b[a-z_]+\.[a-z_]+\b")  # audit actions, permission and job codes: auth.login, pools.recycle
SNAKE_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # identifiers: project_raise_succeeded, base_data_item
OUTCOMES = ["done", "pass", "forward", "resubmit", "reject", "approve", "approved", "rejected", "submit", "back"]
ENGLISH = ["Cron", "designer", "None", "True", "False", "null", "undefined", "create", "update", "delete",
           "api_token", "base_data_item", "flask"]
# What innerText gives once code hints (data-code) are hidden; closed <details> are not rendered anyway.
VISIBLE_TEXT = """() => {
  for (const el of document.querySelectorAll('[data-code]')) el.style.display = 'none';
  return document.body.innerText;
}"""


def _words(words: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w.:/-])(" + "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
                      + r")(?![\w.:/-])")


def _codes(app: Any) -> list[re.Pattern[str]]:
    """The patterns a page must not match: role codes and process keys come from the database."""
    with app.app_context():
        roles = [code for code in db.session.scalars(select(Role.code)) if code != "admin"]  # also a user name
        keys = list(db.session.scalars(select(ProcessModel.key).distinct()))
    return [BUSINESS_KEY, DOTTED_CODE, SNAKE_CODE, _words(OUTCOMES + ENGLISH + roles + keys)]


def _menu_urls(app: Any, username: str) -> list[tuple[str, str]]:
    """The user's menu entries as (label, path), read from app.menu with the user's permissions."""
    with app.app_context(), app.test_request_context():
        from flask import url_for

        user = db.session.scalar(select(User).where(User.username == username))
        held = permissions_of(db.session, user)
        return [(item.label, url_for(item.endpoint)) for _key, _label, _icon, items in menu.visible(held)
                for item in items]


def _dismiss_notice(page: Any) -> None:
    popup = page.locator("#notice-popup.show")
    if popup.count():
        popup.get_by_role("button", name="我已知悉").click()


def _check(page: Any, where: str, patterns: list[re.Pattern[str]], found: list[str]) -> None:
    text = page.evaluate(VISIBLE_TEXT)
    for pattern in patterns:
        for match in sorted({m.group(0) for m in pattern.finditer(text)}):
            line = next((ln.strip() for ln in text.splitlines() if match in ln), "")
            found.append(f"{where}: {match!r} in {line[:120]!r}")


def _visit(page: Any, path: str, where: str, patterns: list[re.Pattern[str]], found: list[str]) -> None:
    response = page.goto(path)
    assert response is not None and response.status < 500, f"{where} {path}: {response and response.status}"
    page.locator("body").wait_for()
    _check(page, where, patterns, found)


def _first_link(page: Any, selector: str) -> str | None:
    link = page.locator(selector).first
    return link.get_attribute("href") if link.count() else None


def test_no_page_shows_a_code_to_any_role(app, browser, live_server):
    patterns = _codes(app)
    found: list[str] = []
    task_pages = instance_pages = 0
    for username in ROLE_USERS:
        context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                      viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        browser_login(page, username)
        _dismiss_notice(page)
        for label, path in _menu_urls(app, username):
            _visit(page, path, f"{username} {label}", patterns, found)
        for tab in ("mine", "group", "done"):
            _visit(page, f"/tasks/?tab={tab}", f"{username} 我的待办/{tab}", patterns, found)
            if href := _first_link(page, "#task-table tbody a[href*='/tasks/']"):
                _visit(page, href, f"{username} 任务页", patterns, found)
                task_pages += 1
                if username == "finance01" and tab == "group":
                    screenshot(page, "labels-task-page")
        if username == "finance01":
            _visit(page, "/tasks/?tab=group", "finance01 我的待办", patterns, found)
            screenshot(page, "labels-inbox")
        if username == "admin":
            page.goto("/workflow/monitor")
            if href := _first_link(page, "a[href*='/workflow/instances/']"):
                _visit(page, href, "admin 流程实例", patterns, found)
                instance_pages += 1
                screenshot(page, "labels-instance-page")
            _visit(page, "/admin/audit/", "admin 日志查询", patterns, found)
            screenshot(page, "labels-audit-log")
        context.close()
    assert task_pages and instance_pages, "the walk must reach a task page and an instance page"
    assert not found, "codes shown to users:\n" + "\n".join(found)
