"""One visibility rule per pool (app.customers.visibility), the same on every screen: for each role and pool, the
customer list, 客户 360, the exported .xlsx read back and a follow-up POST agree on masked / in full / 403 / 404."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.customers import services
from app.customers.models import Customer, Pool
from app.extensions import db
from app.followups.models import FollowUp
from tests.customer_helpers import fresh, make_customer, new_id_number

PHONE_PREFIX = "1351717"
POOLS = (Pool.PERSONAL, Pool.DEPARTMENT, Pool.PUBLIC, Pool.CITY, Pool.HEAD)
FULL, MASKED, HIDDEN, FORBIDDEN = "full", "masked", "hidden", "forbidden"

# What each role sees of a customer of each pool in 理财一部A组 (seat01's group).
SEES = {
    "seat01": {Pool.PERSONAL: FULL, Pool.DEPARTMENT: HIDDEN, Pool.PUBLIC: HIDDEN, Pool.CITY: HIDDEN,
               Pool.HEAD: HIDDEN},
    "head01": {Pool.PERSONAL: FULL, Pool.DEPARTMENT: FULL, Pool.PUBLIC: MASKED, Pool.CITY: HIDDEN,
               Pool.HEAD: FULL},
    "manager01": {Pool.PERSONAL: FULL, Pool.DEPARTMENT: FULL, Pool.PUBLIC: MASKED, Pool.CITY: FULL,
                  Pool.HEAD: FULL},
    "finance01": {Pool.PERSONAL: FULL, Pool.DEPARTMENT: FULL, Pool.PUBLIC: MASKED, Pool.CITY: HIDDEN,
                  Pool.HEAD: FULL},
    "admin": {Pool.PERSONAL: FULL, Pool.DEPARTMENT: FULL, Pool.PUBLIC: MASKED, Pool.CITY: FULL, Pool.HEAD: FULL},
}
# A follow-up POST: recorded (302), refused with the pool's reason (422), no such customer (404), not allowed (403).
FOLLOW_UP = {
    "seat01": {Pool.PERSONAL: 302, Pool.DEPARTMENT: 404, Pool.PUBLIC: 404, Pool.CITY: 404, Pool.HEAD: 404},
    "head01": {Pool.PERSONAL: 302, Pool.DEPARTMENT: 302, Pool.PUBLIC: 422, Pool.CITY: 404, Pool.HEAD: 302},
    "manager01": dict.fromkeys(POOLS, 403),  # city managers hold no 记录跟进
    "finance01": dict.fromkeys(POOLS, 403),
    "admin": {Pool.PERSONAL: 302, Pool.DEPARTMENT: 302, Pool.PUBLIC: 422, Pool.CITY: 302, Pool.HEAD: 302},
}
CASES = [(role, pool) for role in SEES for pool in POOLS]


def _phone(pool: Pool) -> str:
    return f"{PHONE_PREFIX}{POOLS.index(pool):04d}"


def _masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:]


@pytest.fixture
def customers() -> dict[Pool, Customer]:
    """One customer per pool, all in 理财一部A组, each with an ID number and an address."""
    made = {}
    for pool in POOLS:
        customer = make_customer(f"可见性{pool.label}", seat="seat01" if pool == Pool.PERSONAL else None,
                                 org_code="SH-LC1-A", phones=[_phone(pool)], id_number=new_id_number(),
                                 pool=pool, commit=False)
        services.add_address(db.session, customer, "home", f"可见路{POOLS.index(pool)}号")
        db.session.commit()
        made[pool] = customer
    return made


def _sheet_rows(response) -> dict[str, tuple]:
    sheet = load_workbook(io.BytesIO(response.data)).active
    return {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize(("role", "pool"), CASES, ids=[f"{r}-{p.value}" for r, p in CASES])
def test_list_detail_and_export_show_each_pool_as_its_rule_says(login_as, customers, role, pool):
    customer = customers[pool]
    phone, expected = _phone(pool), SEES[role][pool]
    client = login_as(role)

    listing = client.get("/customers/", query_string={"q": customer.number}).get_data(as_text=True)
    detail = client.get(f"/customers/{customer.id}")
    export = client.get("/customers/export", query_string={"q": customer.number})
    row = f'data-customer="{customer.number}"'
    if expected == HIDDEN:
        assert row not in listing
        assert detail.status_code == 404
    else:
        assert row in listing
        assert detail.status_code == 200
        page = detail.get_data(as_text=True)
        if expected == FULL:
            assert phone in listing and phone in page and customer.id_number in page and "可见路" in page
        else:
            assert phone not in listing and _masked(phone) in listing
            assert phone not in page and _masked(phone) in page and "只显示部分号码" in page
            assert customer.id_number not in page and "可见路" not in page
            assert 'id="follow-up-form"' not in page and "修改资料" not in page

    if role == "finance01":
        assert export.status_code == 403  # 客户导出 is not a finance permission
        return
    rows = _sheet_rows(export)
    if expected == HIDDEN:
        assert customer.number not in rows
    else:
        row = rows[customer.number]
        if expected == FULL:
            assert row[5] == customer.id_number and row[6] == phone and "可见路" in row[7]
        else:
            assert row[5] == "****" + customer.id_number[-4:] and row[6] == _masked(phone) and not row[7]


@pytest.mark.parametrize(("role", "pool"), CASES, ids=[f"{r}-{p.value}" for r, p in CASES])
def test_follow_up_post_obeys_the_pool_rule(login_as, customers, role, pool):
    customer = customers[pool]
    response = login_as(role).post(f"/followups/customers/{customer.id}",
                                   data={"kind": "visit", "content": "上门拜访"})
    assert response.status_code == FOLLOW_UP[role][pool], response.get_data(as_text=True)[:300]
    if response.status_code == 422:
        assert "须先提取" in response.get_data(as_text=True)
    fresh()
    logged = db.session.scalar(select(func.count()).where(FollowUp.customer_id == customer.id))
    assert logged == (1 if response.status_code == 302 else 0)


def test_pool_pages_and_their_exports_agree_with_the_customer_list(login_as, customers):
    head = login_as("head01")
    public = customers[Pool.PUBLIC]
    rows = _sheet_rows(head.get("/pools/public/export", query_string={"q": public.number}))
    assert rows[public.number][6] == _masked(_phone(Pool.PUBLIC))
    page = head.get("/pools/public", query_string={"q": public.number}).get_data(as_text=True)
    assert _masked(_phone(Pool.PUBLIC)) in page and _phone(Pool.PUBLIC) not in page
    # 城市经理公共池 is the city manager's alone: the page, its export and 客户信息管理 with 所在池 all agree.
    assert head.get("/pools/city").status_code == 403
    assert head.get("/pools/city/export").status_code == 403
    city = customers[Pool.CITY]
    listing = head.get("/customers/", query_string={"pool": "city"}).get_data(as_text=True)
    assert f'data-customer="{city.number}"' not in listing
    manager = login_as("manager01")
    assert f'data-customer="{city.number}"' in manager.get("/pools/city").get_data(as_text=True)
    assert _sheet_rows(manager.get("/pools/city/export"))[city.number][6] == _phone(Pool.CITY)


def test_api_masks_public_customers_and_hides_the_city_pool(api_as, customers):
    api = api_as("head01")
    body = api.get(f"/api/v1/customers/{customers[Pool.PUBLIC].id}").json
    assert body["phones"][0]["phone"] == _masked(_phone(Pool.PUBLIC)) and body["addresses"] == []
    assert body["id_number"].startswith("****")
    assert api.get(f"/api/v1/customers/{customers[Pool.CITY].id}").status_code == 404
    refused = api.patch(f"/api/v1/customers/{customers[Pool.PUBLIC].id}", json={"remark": "改"})
    assert refused.status_code == 422
    pooled = {c["number"]: c for c in api.get("/api/v1/pools/public?per_page=200").json["items"]}
    assert pooled[customers[Pool.PUBLIC].number]["phones"] == [_masked(_phone(Pool.PUBLIC))]
    department = {c["number"]: c for c in api.get("/api/v1/pools/department?per_page=200").json["items"]}
    assert department[customers[Pool.DEPARTMENT].number]["phones"] == [_phone(Pool.DEPARTMENT)]


def test_a_masked_customer_cannot_be_opened_for_editing(login_as, customers):
    head = login_as("head01")
    public = customers[Pool.PUBLIC]
    response = head.get(f"/customers/{public.id}/edit")
    assert response.status_code == 422
    assert "须先提取" in response.get_data(as_text=True)
    assert public.id_number not in response.get_data(as_text=True)
