"""Customer records: create and edit on screens, checks with Chinese messages, phones and addresses,
classification tree, combined search, 客户 360, export, the seat's work-platform views."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditLog
from app.customers.models import Customer, CustomerCategory, CustomerType, Pool
from app.extensions import db
from app.pools.models import MoveReason, PoolHistory
from tests.customer_helpers import fresh, make_customer, new_id_number, new_phone, org, user


def _by_name(name: str) -> Customer:
    fresh()
    customer = db.session.scalar(select(Customer).where(Customer.name == name))
    assert customer is not None
    return customer


def test_seat_creates_a_customer_into_own_personal_pool(login_as):
    client = login_as("seat01")
    response = client.post("/customers/new", data={
        "name": "王新客", "gender": "unknown", "id_type": "id_card", "id_number": "110105491231002",
        "phone": "138 0013 8000", "phone2": "010-62345678", "type": "intent", "category_id": 0,
        "grade": "", "source": "", "tags": "高净值，老客户", "remark": "电话咨询",
    })
    assert response.status_code == 302
    customer = _by_name("王新客")
    assert customer.number.startswith("KH") and len(customer.number) == 10
    assert customer.id_number == "11010519491231002X"  # 15 digits normalised to 18
    assert str(customer.birthday) == "1949-12-31" and customer.gender.value == "female"  # read from the ID
    assert [p.phone for p in customer.phones] == ["13800138000", "01062345678"]
    assert customer.pool == Pool.PERSONAL and customer.service_seat_id == user("seat01").id
    assert customer.tags == "高净值,老客户"
    move = db.session.scalar(select(PoolHistory).where(PoolHistory.customer_id == customer.id))
    assert move.reason == MoveReason.CREATE and move.to_pool == Pool.PERSONAL
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "王新客" in page and "个人信息池" in page and "11010519491231002X" in page


def test_head_creates_into_the_department_pool_of_a_managed_org(login_as):
    client = login_as("head01")
    response = client.post("/customers/new", data={
        "name": "部门新客", "gender": "male", "id_type": "id_card", "id_number": "", "phone": new_phone(),
        "type": "new", "category_id": 0, "org_id": org("SH-LC1").id, "seat_id": 0})
    assert response.status_code == 302
    customer = _by_name("部门新客")
    assert customer.pool == Pool.DEPARTMENT and customer.service_seat_id is None
    # An org the head does not manage is refused.
    refused = client.post("/customers/new", data={
        "name": "越权客户", "gender": "male", "id_type": "id_card", "phone": new_phone(), "type": "new",
        "category_id": 0, "org_id": org("SH-LC2").id, "seat_id": 0}, headers={"Referer": "/customers/new"})
    assert refused.status_code == 422
    assert "不是有效的选择" in refused.get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(Customer).where(Customer.name == "越权客户")) is None


def test_invalid_id_number_is_refused_in_chinese_and_nothing_is_saved(login_as):
    client = login_as("seat01")
    response = client.post("/customers/new", data={
        "name": "校验失败", "gender": "unknown", "id_type": "id_card", "id_number": "110105194912310021",
        "phone": new_phone(), "type": "new", "category_id": 0}, headers={"Referer": "/customers/new"})
    assert response.status_code == 302
    assert "校验位不正确" in client.get("/customers/new").get_data(as_text=True)
    assert db.session.scalar(select(Customer).where(Customer.name == "校验失败")) is None


def test_bad_phone_and_contradicting_birthday_are_refused(login_as):
    client = login_as("seat01")
    client.post("/customers/new", data={"name": "电话错", "gender": "unknown", "id_type": "id_card",
                                        "phone": "1380013", "type": "new", "category_id": 0},
                headers={"Referer": "/customers/new"})
    assert "手机号码“1380013”格式不正确" in client.get("/customers/new").get_data(as_text=True)
    client.post("/customers/new", data={"name": "生日错", "gender": "unknown", "id_type": "id_card",
                                        "id_number": new_id_number("19850601"), "birthday": "1990-01-01",
                                        "phone": new_phone(), "type": "new", "category_id": 0},
                headers={"Referer": "/customers/new"})
    assert "出生日期与身份证号不一致" in client.get("/customers/new").get_data(as_text=True)


def test_duplicate_id_number_or_phone_is_refused_with_the_existing_number(login_as):
    existing = make_customer("老客户", seat="seat02", phones=["13912345678"], id_number=new_id_number())
    client = login_as("seat01")
    client.post("/customers/new", data={"name": "重复", "gender": "unknown", "id_type": "id_card",
                                        "phone": "+86 139-1234-5678", "type": "new", "category_id": 0},
                headers={"Referer": "/customers/new"})
    page = client.get("/customers/new").get_data(as_text=True)
    assert f"电话 13912345678 已登记在客户 {existing.number} 名下" in page
    client.post("/customers/new", data={"name": "重复", "gender": "unknown", "id_type": "id_card",
                                        "id_number": existing.id_number.lower(), "phone": new_phone(),
                                        "type": "new", "category_id": 0}, headers={"Referer": "/customers/new"})
    assert "已登记在客户" in client.get("/customers/new").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).where(Customer.name == "重复")) == 0


def test_edit_basic_info_is_audited(login_as):
    customer = make_customer("改资料", seat="seat01")
    client = login_as("seat01")
    response = client.post(f"/customers/{customer.id}/edit", data={
        "name": "改好了", "gender": "male", "id_type": "passport", "id_number": "e1234 5678", "type": "valid",
        "category_id": 0, "grade": "A", "source": "referral", "tags": "a b", "remark": "新备注"})
    assert response.status_code == 302
    changed = _by_name("改好了")
    assert changed.id_number == "E12345678" and changed.type == CustomerType.VALID and changed.grade == "A"
    audit = db.session.scalar(select(AuditLog).where(AuditLog.object_type == "customer", AuditLog.action == "update",
                                                     AuditLog.object_id == str(customer.id)))
    assert audit is not None and audit.after["name"] == "改好了" and audit.actor_name == "张坐席"


def test_phones_and_addresses_are_managed_on_the_360_page(login_as):
    customer = make_customer("多电话", seat="seat01", phones=["13700000001"])
    client = login_as("seat01")
    client.post(f"/customers/{customer.id}/phones", data={"phone": "13700000002", "remark": "单位"})
    client.post(f"/customers/{customer.id}/addresses", data={"kind": "work", "address": "上海市浦东新区 1 号",
                                                              "postcode": "200120"})
    customer = _by_name("多电话")
    assert [p.phone for p in customer.phones] == ["13700000001", "13700000002"]
    second = customer.phones[1]
    client.post(f"/customers/{customer.id}/phones/{second.id}/primary")
    customer = _by_name("多电话")
    assert customer.primary_phone == "13700000002"
    client.post(f"/customers/{customer.id}/phones/{customer.phones[0].id}/delete")
    client.post(f"/customers/{customer.id}/phones/{_by_name('多电话').phones[0].id}/delete",
                headers={"Referer": f"/customers/{customer.id}"})
    assert "客户至少需要保留一个电话" in client.get(f"/customers/{customer.id}").get_data(as_text=True)
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "上海市浦东新区 1 号" in page and "单位" in page


def test_classification_tree_and_moving_customers(login_as):
    client = login_as("manager01")
    client.post("/customers/categories", data={"name": "测试大类", "parent_id": 0})
    parent = db.session.scalar(select(CustomerCategory).where(CustomerCategory.name == "测试大类"))
    client.post("/customers/categories", data={"name": "测试小类", "parent_id": parent.id})
    fresh()
    child = db.session.scalar(select(CustomerCategory).where(CustomerCategory.name == "测试小类"))
    assert child.path == f"{parent.path}{child.id}/"
    first, second = make_customer("分类一", seat="seat01"), make_customer("分类二", seat="seat01")
    client.post("/customers/move-category", data={"customer_id": [first.id, second.id], "category_id": child.id})
    assert {c.category_id for c in (_by_name("分类一"), _by_name("分类二"))} == {child.id}
    # Filtering by the parent finds customers in the sub-category.
    listing = client.get(f"/customers/?category={parent.id}").get_data(as_text=True)
    assert "分类一" in listing and "分类二" in listing
    # A category in use cannot be deleted.
    client.post(f"/customers/categories/{child.id}/delete", headers={"Referer": "/customers/categories"})
    assert "该分类下还有 2 个客户" in client.get("/customers/categories").get_data(as_text=True)


def test_combined_search_matches_any_field(login_as):
    customer = make_customer("组合查询", seat="seat01", phones=["15800001111"], id_number=new_id_number())
    customer.tags, customer.remark = "沙龙意向", "喜欢稳健产品"
    db.session.commit()
    client = login_as("seat01")
    for query in ("组合查询", "1111", customer.number, customer.id_number[-6:], "沙龙意向", "稳健", "组合 158"):
        page = client.get("/customers/", query_string={"q": query}).get_data(as_text=True)
        assert customer.number in page, query
    assert customer.number not in client.get("/customers/", query_string={"q": "组合 139"}).get_data(as_text=True)


def test_export_is_an_xlsx_of_the_filtered_list_with_formula_escaping(login_as):
    customer = make_customer("=HYPERLINK(\"x\")", seat="seat01", phones=["15800002222"])
    client = login_as("seat01")
    response = client.get("/customers/export", query_string={"q": "15800002222"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "客户编号" and len(rows) == 2
    assert rows[1][0] == customer.number and rows[1][1] == "'=HYPERLINK(\"x\")"


def test_workbench_views_split_my_customers_by_type(login_as):
    make_customer("意向甲", seat="seat01", type_="intent")
    make_customer("有效乙", seat="seat01", type_="valid")
    client = login_as("seat01")
    intent = client.get("/customers/workbench/intent").get_data(as_text=True)
    valid = client.get("/customers/workbench/valid").get_data(as_text=True)
    assert "意向甲" in intent and "有效乙" not in intent
    assert "有效乙" in valid and "意向甲" not in valid


def test_current_customer_is_carried_to_the_current_page(login_as):
    customer = make_customer("当前甲", seat="seat01")
    client = login_as("seat01")
    assert "还没有当前客户" in client.get("/customers/workbench/current").get_data(as_text=True)
    client.post(f"/customers/{customer.id}/current")
    page = client.get("/customers/workbench/current").get_data(as_text=True)
    assert "当前甲" in page and f"/customers/{customer.id}" in page


def test_quick_type_change_submits_an_intent_customer(login_as):
    customer = make_customer("提交意向", seat="seat01", type_="new")
    client = login_as("seat01")
    client.post(f"/customers/{customer.id}/type", data={"type": "intent"})
    assert _by_name("提交意向").type == CustomerType.INTENT


def test_360_page_shows_every_registered_section(login_as):
    customer = make_customer("三六零", seat="seat01")
    page = login_as("seat01").get(f"/customers/{customer.id}").get_data(as_text=True)
    for title in ("基本信息", "电话与地址", "跟进记录（有效跟进）", "预约", "数据池与流转记录"):
        assert title in page
