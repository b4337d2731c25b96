"""基础数据维护: dictionaries and their items; every change refreshes the system cache generation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.admin import dictionaries
from app.admin.models import BaseDataItem, BaseDictionary, CacheGeneration
from app.extensions import db
from tests.conftest import audit_rows, user_named


def generation() -> int:
    db.session.rollback()
    return db.session.scalar(select(CacheGeneration.generation).where(CacheGeneration.name == "system")) or 0


def item(dict_code: str, code: str) -> BaseDataItem:
    db.session.rollback()
    found = db.session.scalar(select(BaseDataItem).where(BaseDataItem.dict_code == dict_code,
                                                         BaseDataItem.code == code))
    assert found is not None
    return found


def active_codes(dict_code: str) -> list[str]:
    db.session.rollback()
    return [code for code, _ in dictionaries.choices(db.session, dict_code)]


def shown_order(page: str) -> list[str]:
    return re.findall(r'<tr data-item="([^"]+)"', page)


def test_dictionary_list_and_items(login_as):
    client = login_as("admin")
    page = client.get("/admin/base-data/").get_data(as_text=True)
    assert "员工层级" in page and "员工级别" in page and "内置" in page
    items = client.get("/admin/base-data/user_level").get_data(as_text=True)
    assert shown_order(items) == ["初级", "中级", "高级", "管理"]


def test_admin_adds_a_custom_dictionary_and_items(login_as):
    client = login_as("admin")
    before = generation()
    response = client.post("/admin/base-data/", data={"code": "visit_type", "name": "拜访方式", "description": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/base-data/visit_type")
    for code, label in (("phone", "电话"), ("home", "上门")):
        assert client.post("/admin/base-data/visit_type/items", data={"code": code, "label": label}).status_code == 302
    db.session.rollback()
    assert dictionaries.choices(db.session, "visit_type") == [("phone", "电话"), ("home", "上门")]
    assert generation() >= before + 3
    assert not db.session.get(BaseDictionary, "visit_type").builtin
    assert audit_rows("create", item("visit_type", "home"))


@pytest.mark.parametrize(("data", "message", "status"), [
    ({"code": "Visit Type"}, "字典编码须以小写字母开头", 422),
    ({"code": "user_level"}, "字典编码 user_level 已存在", 409),
    ({"name": ""}, "请填写字典名称", 422),
])
def test_bad_dictionaries_are_refused_and_the_form_keeps_its_input(login_as, data, message, status):
    response = login_as("admin").post("/admin/base-data/", data={"code": "visit_type", "name": "拜访方式",
                                                                 "description": "说明", **data})
    page = response.get_data(as_text=True)
    assert response.status_code == status and message in page and "说明" in page
    db.session.rollback()
    assert db.session.get(BaseDictionary, "visit_type") is None


def test_duplicate_or_empty_items_are_refused(login_as):
    client = login_as("admin")
    dup = client.post("/admin/base-data/user_level/items", data={"code": "中级", "label": "另一个中级"})
    assert dup.status_code == 409 and "编码 中级 在“员工层级”中已存在" in dup.get_data(as_text=True)
    assert 'value="另一个中级"' in dup.get_data(as_text=True)
    empty = client.post("/admin/base-data/user_level/items", data={"code": "特级", "label": ""})
    assert empty.status_code == 422 and "请填写显示名称" in empty.get_data(as_text=True)
    assert len(dictionaries.items(db.session, "user_level", include_inactive=True)) == 4


def test_relabel_reorder_disable_enable(login_as):
    client = login_as("admin")
    senior = item("user_level", "高级")
    base = "/admin/base-data/user_level/items"
    assert client.post(f"{base}/{senior.id}", data={"label": "资深"}).status_code == 302
    assert item("user_level", "高级").label == "资深"
    start = generation()
    assert client.post(f"{base}/{senior.id}/move", data={"direction": "up"}).status_code == 302
    assert shown_order(client.get("/admin/base-data/user_level").get_data(as_text=True)) == ["初级", "高级", "中级",
                                                                                            "管理"]
    assert generation() > start
    first = item("user_level", "初级")
    top = client.post(f"{base}/{first.id}/move", data={"direction": "up"})
    assert top.status_code == 422 and "已经在最前面了" in top.get_data(as_text=True)
    assert client.post(f"{base}/{senior.id}/disable").status_code == 302
    assert active_codes("user_level") == ["初级", "中级", "管理"]
    assert client.post(f"{base}/{senior.id}/enable").status_code == 302
    assert active_codes("user_level") == ["初级", "高级", "中级", "管理"]
    audit = audit_rows("update", item("user_level", "高级"))
    assert any(row.after.get("label") == "资深" for row in audit)
    assert any(row.after.get("active") is False for row in audit)


def test_disabled_levels_leave_the_promotion_dialog_but_stored_values_stay(login_as):
    client = login_as("admin")
    middle = item("user_level", "中级")
    client.post(f"/admin/base-data/user_level/items/{middle.id}/disable")
    seat11 = user_named("seat11")  # 中级 / P2
    page = client.get(f"/admin/users/{seat11.id}").get_data(as_text=True)
    assert "中级 / P2" in page
    dialog = page.split('id="level-modal"')[1]
    assert '<option value="中级"' not in dialog and '<option value="高级"' in dialog


def test_items_of_another_dictionary_are_not_reachable(login_as):
    tier = item("user_tier", "P1")
    client = login_as("admin")
    assert client.post(f"/admin/base-data/user_level/items/{tier.id}", data={"label": "x"}).status_code == 404
    assert client.get("/admin/base-data/no_such_dict").status_code == 404
    assert item("user_tier", "P1").label == "P1"


@pytest.mark.parametrize("who", ["hr01", "head01", "seat01"])
def test_only_admins_maintain_base_data(login_as, who):
    client = login_as(who)
    level = item("user_level", "初级")
    assert client.get("/admin/base-data/").status_code == 403
    assert client.post("/admin/base-data/", data={"code": "x_y", "name": "x"}).status_code == 403
    assert client.post(f"/admin/base-data/user_level/items/{level.id}/disable").status_code == 403
    assert item("user_level", "初级").active
