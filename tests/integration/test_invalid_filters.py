"""An unknown value in a list filter is a 400 with a Chinese message, never a 500; LIKE searches escape % and _."""

from __future__ import annotations

BOGUS = {"status": "x", "state": "x", "kind": "x", "type": "x", "pool": "x", "grain": "x", "view": "x",
         "tab": "x", "source": "x", "level": "x", "reason": "x", "audience": "x"}
LISTS = ["/oa/applications/", "/workflow/monitor", "/customers/", "/customers/workbench/current",
         "/customers/workbench/intent", "/customers/workbench/valid", "/oa/applications/monitor", "/trades/",
         "/tasks/", "/plans/", "/mining/rules", "/mining/tasks", "/performance/", "/reports/interest/",
         "/admin/audit/", "/admin/users/"]


def test_an_unknown_status_is_a_400_in_chinese_and_a_known_one_filters(login_as):
    client = login_as("admin")
    for url in ("/oa/applications/", "/workflow/monitor"):
        response = client.get(url, query_string={"status": "approved"})
        assert response.status_code == 400, url
        assert "筛选条件 status 的值“approved”无效" in response.get_data(as_text=True)
    assert client.get("/workflow/monitor?status=running").status_code == 200
    assert client.get("/oa/applications/?status=draft").status_code == 200


def test_no_list_fails_on_unknown_filter_values(login_as):
    client = login_as("admin")
    failed = [url for url in LISTS if client.get(url, query_string=BOGUS).status_code >= 500]
    assert failed == []


def test_an_underscore_in_a_search_is_a_letter_not_a_wildcard(login_as):
    client = login_as("admin")
    assert "张坐席" in client.get("/admin/users/?q=S0001").get_data(as_text=True)
    for wildcard in ("S_001", "S%001", "_"):
        assert "张坐席" not in client.get("/admin/users/", query_string={"q": wildcard}).get_data(as_text=True)
