"""Data scope by id swapping: a seat or head of 理财二部 never sees 理财一部's customers — screens, exports,
API and actions all answer 404 (out of scope looks exactly like missing)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.customer_helpers import make_customer


@pytest.fixture
def theirs():
    """seat01's customer in 理财一部A组 and seat11's in 理财二部."""
    return make_customer("一部客户", seat="seat01", phones=["13611110001"]), \
        make_customer("二部客户", seat="seat11", phones=["13611110002"])


def test_seat11_cannot_open_or_change_seat01s_customer(login_as, theirs):
    mine_for_01, mine_for_11 = theirs
    client = login_as("seat11")
    assert client.get(f"/customers/{mine_for_11.id}").status_code == 200
    for method, url, data in [
        ("get", f"/customers/{mine_for_01.id}", None),
        ("get", f"/customers/{mine_for_01.id}/edit", None),
        ("post", f"/customers/{mine_for_01.id}/edit", {"name": "篡改"}),
        ("post", f"/customers/{mine_for_01.id}/phones", {"phone": "13611119999"}),
        ("post", f"/customers/{mine_for_01.id}/type", {"type": "invalid"}),
        ("post", f"/customers/{mine_for_01.id}/current", None),
        ("post", f"/customers/{mine_for_01.id}/blacklist", {"phone": "13611110001", "reason": "x"}),
        ("post", f"/followups/customers/{mine_for_01.id}", {"kind": "call", "phone": "13611110001"}),
        ("post", f"/followups/customers/{mine_for_01.id}/appointments", {"at": "2030-01-01T10:00"}),
        ("get", f"/customers/n/{mine_for_01.number}", None),
    ]:
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "记录不存在或您无权查看" in response.get_data(as_text=True) or method == "post"


def test_lists_search_and_exports_leave_out_other_departments(login_as, theirs):
    mine_for_01, mine_for_11 = theirs
    client = login_as("seat11")
    listing = client.get("/customers/", query_string={"q": "1361111"}).get_data(as_text=True)
    assert mine_for_11.number in listing and mine_for_01.number not in listing
    for url in ("/customers/export", "/customers/workbench/current/export", "/pools/personal/export"):
        sheet = load_workbook(io.BytesIO(client.get(url, query_string={"q": "1361111"}).data)).active
        numbers = {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert mine_for_11.number in numbers and mine_for_01.number not in numbers, url


def test_heads_see_their_own_department_tree_only(login_as, theirs):
    mine_for_01, mine_for_11 = theirs
    head01, head11 = login_as("head01"), login_as("head11")
    assert head01.get(f"/customers/{mine_for_01.id}").status_code == 200
    assert head01.get(f"/customers/{mine_for_11.id}").status_code == 404
    assert head11.get(f"/customers/{mine_for_11.id}").status_code == 200
    assert head11.get(f"/customers/{mine_for_01.id}").status_code == 404
    assert head11.get("/customers/merge/preview", query_string={
        "survivor": mine_for_11.id, "merged": mine_for_01.id}).status_code == 404
    assert head11.post(f"/pools/customers/{mine_for_01.id}/red-flag", data={"reason": "x"}).status_code == 404
    # The city manager's branch scope covers both departments.
    manager = login_as("manager01")
    assert manager.get(f"/customers/{mine_for_01.id}").status_code == 200
    assert manager.get(f"/customers/{mine_for_11.id}").status_code == 200


def test_api_answers_404_for_another_departments_customer(api_as, theirs):
    mine_for_01, mine_for_11 = theirs
    api = api_as("seat11")
    assert api.get(f"/api/v1/customers/{mine_for_11.id}").status_code == 200
    for method, path, body in [
        ("get", f"/api/v1/customers/{mine_for_01.id}", None),
        ("patch", f"/api/v1/customers/{mine_for_01.id}", {"remark": "篡改"}),
        ("get", f"/api/v1/customers/{mine_for_01.id}/followups", None),
        ("post", f"/api/v1/customers/{mine_for_01.id}/followups", {"kind": "visit"}),
    ]:
        response = getattr(api, method)(path, json=body) if body is not None else getattr(api, method)(path)
        assert response.status_code == 404, (method, path)
        assert response.get_json()["error"]["code"] == "not_found"
    found = api.get("/api/v1/customers", query_string={"q": "1361111"}).get_json()
    assert [c["number"] for c in found["items"]] == [mine_for_11.number]


@pytest.mark.parametrize("url", ["/pools/department", "/pools/city", "/pools/red-flags", "/pools/recycle",
                                 "/customers/imports/", "/customers/merge/"])
def test_a_seat_cannot_reach_department_pools_or_head_screens(login_as, url):
    assert login_as("seat11").get(url).status_code == 403
