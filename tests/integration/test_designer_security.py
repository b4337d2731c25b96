"""Every designer endpoint — screens, JSON actions and API, enumerated from the URL map — refuses users
without the 流程设计 permission (403) and anonymous users, and the designer's pages carry CSRF tokens."""

from __future__ import annotations

import pytest

from tests.integration.test_csrf import SAMPLE_VALUES

DESIGNER_BLUEPRINTS = ("designer.", "designer_rules.", "designer_forms.")
# The migration screens belong to 流程监控 (workflow.manage), which designers hold and seats do not.
MIGRATION_ENDPOINTS = ("workflow.migration_plan", "workflow.migrate_many", "workflow.migrate")
API_PREFIX = "/api/v1/designer/"


def designer_rules(app):
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith(DESIGNER_BLUEPRINTS) or rule.endpoint in MIGRATION_ENDPOINTS
             or rule.rule.startswith(API_PREFIX)]
    return sorted(rules, key=lambda rule: rule.rule)


def requests_for(app):
    adapter = app.url_map.bind("localhost")
    for rule in designer_rules(app):
        values = {name: SAMPLE_VALUES[type(conv).__name__] for name, conv in rule._converters.items()}
        url = adapter.build(rule.endpoint, values)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, url


def test_the_enumeration_sees_every_designer_endpoint(app):
    endpoints = {rule.endpoint for rule in designer_rules(app)}
    assert {"designer.index", "designer.new_process", "designer.upload_new", "designer.editor", "designer.document",
            "designer.save_draft", "designer.discard_draft", "designer.validate", "designer.deploy_version",
            "designer.compare_draft", "designer.compare_versions", "designer.download", "designer.upload",
            "designer_rules.new", "designer_rules.editor", "designer_rules.document", "designer_rules.save_draft",
            "designer_rules.discard_draft", "designer_rules.validate", "designer_rules.publish",
            "designer_rules.download", "designer_rules.upload", "designer_forms.new", "designer_forms.edit",
            "workflow.migration_plan", "workflow.migrate_many", "workflow.migrate",
            "api.processes", "api.draft_list", "api.validate", "api.deploy_version"} <= endpoints
    assert len(list(requests_for(app))) >= 35


@pytest.mark.parametrize("username", ["seat01", "finance01", "head01"])
def test_users_without_the_designer_role_get_403_on_every_designer_endpoint(app, login_as, api_as, username):
    client = login_as(username)
    api = api_as(username).client
    token = api_as(username).headers
    checked = 0
    for rule, method, url in requests_for(app):
        if url.startswith("/api/"):
            response = api.open(url, method=method, headers=token, json={"process_key": "x", "xml": "<a/>"})
        else:
            response = client.open(url, method=method, data={"xml": "<a/>"})
        assert response.status_code == 403, f"{username}: {method} {url} ({rule.endpoint}) → {response.status_code}"
        checked += 1
    assert checked >= 35


def test_anonymous_users_are_sent_to_log_in_and_the_api_wants_a_token(app, client):
    for _rule, method, url in requests_for(app):
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code == 401, f"{method} {url}"
        else:
            assert response.status_code in (302, 401), f"{method} {url}"
            if response.status_code == 302:
                assert "/login" in response.headers["Location"]


def test_designers_and_admins_reach_the_designer(login_as):
    for username in ("designer01", "admin"):
        client = login_as(username)
        assert client.get("/designer/").status_code == 200, username
        assert client.get("/designer/forms/new").status_code == 200, username
