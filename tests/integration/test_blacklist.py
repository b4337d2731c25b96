"""Phone blacklist (seed 002): after N marks by different seats a phone is flagged everywhere it appears."""

from __future__ import annotations

from app.admin import params
from app.customers import blacklist
from app.extensions import db
from tests.customer_helpers import fresh, make_customer


def _mark_caller(client, phone: str) -> str:
    response = client.post("/customers/blacklist/mark", data={"phone": phone, "reason": "骚扰来电"},
                           headers={"Referer": "/followups/"})
    assert response.status_code == 302
    return client.get("/followups/").get_data(as_text=True)


def _mark(client, customer, phone: str) -> str:
    response = client.post(f"/customers/{customer.id}/blacklist", data={"phone": phone, "reason": "恶意骚扰"},
                           headers={"Referer": f"/customers/{customer.id}"})
    assert response.status_code == 302
    return client.get(f"/customers/{customer.id}").get_data(as_text=True)


def test_three_marks_blacklist_the_phone_in_lists_360_pools_and_api(login_as, api_as):
    first = make_customer("骚扰一", seat="seat01", phones=["13933330001"])
    second = make_customer("骚扰二", seat="seat11", phones=["13933330001"[:-1] + "2"])
    second.phones[0].phone = "13933330001"  # the same number registered twice (before de-duplication)
    db.session.commit()
    page = _mark(login_as("seat01"), first, "13933330001")
    assert "已标记（1/3）" in page and "黑名单</span>" not in page.split('id="phone-table"')[1].split("</table>")[0]
    assert "已标记（2/3）" in _mark_caller(login_as("seat02"), "139-3333-0001")  # a call, not a customer of seat02
    page = _mark(login_as("head01"), first, "13933330001")
    assert "列入黑名单" in page
    phone_table = page.split('id="phone-table"')[1].split("</table>")[0]
    assert "黑名单" in phone_table
    # Everywhere the phone appears: another department's customer list, and the API.
    assert "黑名单" in login_as("seat11").get("/customers/", query_string={"q": "13933330001"}).get_data(as_text=True)
    fresh()
    body = api_as("seat11").get(f"/api/v1/customers/{second.id}").get_json()
    assert body["phones"][0]["blacklisted"] is True


def test_one_seat_counts_once_and_the_threshold_is_a_parameter(login_as):
    customer = make_customer("骚扰三", seat="seat01", phones=["13933330003"])
    client = login_as("seat01")
    _mark(client, customer, "13933330003")
    assert "您已经标记过这个电话" in _mark(client, customer, "13933330003")
    fresh()
    params.set_value(db.session, blacklist.THRESHOLD, "1")
    db.session.commit()
    fresh()
    assert "13933330003" in blacklist.blacklisted(db.session, ["13933330003"])


def test_head_can_clear_a_blacklisted_phone(login_as):
    make_customer("骚扰四", seat="seat01", phones=["13933330004"])
    for username in ("seat01", "seat02", "seat11"):
        _mark_caller(login_as(username), "13933330004")
    head = login_as("head01")
    page = head.get("/customers/blacklist", query_string={"only": "1"}).get_data(as_text=True)
    assert "13933330004" in page
    head.post("/customers/blacklist/13933330004/clear")
    fresh()
    assert not blacklist.blacklisted(db.session, ["13933330004"])
    assert login_as("seat01").get("/customers/blacklist").status_code == 403
