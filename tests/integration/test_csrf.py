"""CSRF everywhere: every state-changing URL outside the Bearer-token API refuses a request without a token.

The rules are enumerated from the URL map, so a screen added later is covered without touching this file.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.routing import Rule

from app import clock
from app.extensions import db
from app.oa.models import Todo
from tests.conftest import csrf_token_from, user_named

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SAMPLE_VALUES = {"DatabaseIntConverter": 1, "UnicodeConverter": "x", "PathConverter": "x", "UUIDConverter":
                 "00000000-0000-0000-0000-000000000000"}


def unsafe_rules(app: Any) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.methods and rule.methods & UNSAFE and not rule.rule.startswith("/api/")),
                  key=lambda rule: rule.rule)


def sample_url(app: Any, rule: Rule) -> str:
    values = {name: SAMPLE_VALUES[type(converter).__name__] for name, converter in rule._converters.items()}
    return app.url_map.bind("localhost").build(rule.endpoint, values)


@pytest.fixture
def csrf_client(app, login_as):
    """An admin logged in; CSRF protection is on for the whole suite, as in production."""
    assert app.config["WTF_CSRF_ENABLED"] is not False
    return app, login_as("admin")


def test_every_state_changing_screen_url_requires_a_csrf_token(csrf_client):
    app, client = csrf_client
    rules = unsafe_rules(app)
    endpoints = {rule.endpoint for rule in rules}
    # The enumeration really sees the screens (a broken filter would pass vacuously).
    assert {"auth.login", "auth.logout", "users.change_level", "users.leave", "roles.create", "online.force_logout",
            "basedata.add_item", "admin.params_update", "org.create", "designer.save_draft", "designer.deploy_version",
            "designer.upload", "designer_rules.publish", "designer_forms.new", "launch.start",
            "workflow.migrate_many"} <= endpoints
    checked = []
    for rule in rules:
        url = sample_url(app, rule)
        for method in sorted(rule.methods & UNSAFE):
            response = client.open(url, method=method, data={"name": "x"}, csrf=False)
            assert response.status_code == 400, f"{method} {url} answered {response.status_code} without a CSRF token"
            assert "CSRF 校验失败" in response.get_data(as_text=True), f"{method} {url}"
            forged = client.open(url, method=method, data={"name": "x", "csrf_token": "forged"})
            assert forged.status_code == 400, f"{method} {url} accepted a forged CSRF token"
            checked.append(f"{method} {rule.rule}")
    assert len(checked) >= 30
    # Still logged in and nothing changed: the refusals happened before any view ran.
    assert client.get("/").status_code == 200


def test_a_form_posted_without_a_token_is_refused_in_chinese_and_changes_nothing(login_as):
    head = login_as("head01")
    todo = {"assignee_id": str(user_named("seat01").id), "title": "回访张先生", "urgency": "urgent",
            "content": "下午三点前", "due_date": (clock.today() + timedelta(days=2)).isoformat()}
    before = db.session.scalar(select(func.count()).select_from(Todo))
    refused = head.post("/oa/todos/new", data=todo, csrf=False)
    assert refused.status_code == 400
    assert "页面已过期或请求来源无效（CSRF 校验失败），请刷新页面后重试" in refused.get_data(as_text=True)
    assert head.post("/oa/todos/new", data={**todo, "csrf_token": "forged"}).status_code == 400
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Todo)) == before
    # The same form with the token its page carries (the test client posts it, as the browser does) is saved.
    assert head.post("/oa/todos/new", data=todo).status_code == 302
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Todo)) == before + 1


def test_an_htmx_post_without_the_token_header_is_refused_as_json(login_as):
    seat = login_as("seat01")
    refused = seat.post("/admin/params/refresh-cache", headers={"Accept": "application/json"}, csrf=False)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "csrf_failed"


def test_a_real_token_is_accepted(csrf_client):
    _app, client = csrf_client
    token = csrf_token_from(client.get("/admin/params").get_data(as_text=True))
    response = client.post("/admin/params/refresh-cache", data={"csrf_token": token})
    assert response.status_code == 302


def test_the_token_header_used_by_htmx_and_fetch_is_accepted(csrf_client):
    _app, client = csrf_client
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/admin/params/refresh-cache", headers={"X-CSRFToken": token})
    assert response.status_code == 302


def test_the_api_is_exempt_because_cookies_do_not_authenticate_it(csrf_client):
    _app, client = csrf_client
    response = client.post("/api/v1/users", json={"username": "x"})
    assert response.status_code == 401  # no Bearer token: refused as unauthenticated, not by CSRF


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
LINK = re.compile(r'href="(/[^"#]*)"')
NOT_PAGES = ("/vendor/", "/static/", "/api/", "/logout")


def test_every_post_form_on_every_reachable_page_carries_a_token(csrf_client):
    """Crawl the screens an admin can reach by links and check each POST form sends a CSRF token."""
    _app, client = csrf_client
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    # Start from the home page and the admin screens; the crawl then follows links from every domain.
    queue = ["/", "/admin/users/", "/admin/roles/", "/admin/permissions/", "/admin/online/", "/admin/base-data/",
             "/org/", "/profile"]
    forms_checked = 0
    while queue and len(seen) < 300:
        url = queue.pop(0)
        # Pages of one shape (/trades/17, /trades/18, …) carry the same forms: a few of each will do.
        shape = re.sub(r"\d+", "N", url.split("?")[0])
        if url in seen or shapes.get(shape, 0) >= 3:
            continue
        seen.add(url)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        for attributes, body in FORM.findall(html):
            if 'method="post"' in attributes.lower():
                assert 'name="csrf_token"' in body, f"a POST form on {url} has no CSRF token: <form{attributes}>"
                forms_checked += 1
        for link in LINK.findall(html):
            path = link.replace("&amp;", "&")
            if not path.startswith(NOT_PAGES) and "export" not in path and path not in seen:
                queue.append(path)
    assert {"/admin/users/", "/admin/roles/", "/admin/permissions/", "/admin/online/", "/admin/base-data/",
            "/org/", "/profile"} <= seen
    assert any(re.fullmatch(r"/admin/users/\d+", url) for url in seen)
    assert forms_checked >= 50
