"""客户分类维护: counts include the sub-classes (as the list filtered by a category does), and a category moves
under another parent with everything below it, never under itself or its own sub-class."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.customers.models import CustomerCategory
from app.extensions import db
from tests.customer_helpers import fresh, make_customer


def _category(name: str) -> CustomerCategory:
    fresh()
    found = db.session.scalar(select(CustomerCategory).where(CustomerCategory.name == name))
    assert found is not None, name
    return found


def _count_shown(page: str, name: str) -> int:
    row = re.search(rf'<tr data-category="{name}">.*?</tr>', page, re.S)
    assert row is not None, name
    counted = re.search(r'category=\d+">(\d+)</a>', row.group(0))
    assert counted is not None
    return int(counted.group(1))


def _tree(client, *names_and_parents: tuple[str, str | None]) -> None:
    for name, parent in names_and_parents:
        client.post("/customers/categories", data={"name": name, "parent_id": _category(parent).id if parent else 0})


def test_counts_include_sub_classes(login_as):
    client = login_as("manager01")
    _tree(client, ("计数大类", None), ("计数小类", "计数大类"), ("计数孙类", "计数小类"))
    for name, category in (("大类客户", "计数大类"), ("小类客户", "计数小类"), ("孙类客户1", "计数孙类"),
                           ("孙类客户2", "计数孙类")):
        customer = make_customer(name, seat="seat01")
        customer.category_id = _category(category).id
        db.session.commit()
    page = client.get("/customers/categories").get_data(as_text=True)
    assert "客户数（含下级）" in page
    assert (_count_shown(page, "计数大类"), _count_shown(page, "计数小类"), _count_shown(page, "计数孙类")) == (4, 3, 2)
    # The count is what the linked list shows.
    listing = client.get("/customers/", query_string={"category": _category("计数大类").id}).get_data(as_text=True)
    assert listing.count('data-customer="') == 4


def test_a_category_moves_under_another_parent_with_its_subtree(login_as):
    client = login_as("manager01")
    _tree(client, ("甲类", None), ("乙类", None), ("甲子类", "甲类"), ("甲孙类", "甲子类"))
    customer = make_customer("移动分类客户", seat="seat01")
    customer.category_id = _category("甲孙类").id
    db.session.commit()
    response = client.post("/customers/categories/move",
                           data={"category_id": _category("甲子类").id, "parent_id": _category("乙类").id})
    assert response.status_code == 302
    assert "已移动分类“甲子类”" in client.get(response.location).get_data(as_text=True)
    second, child, grandchild = _category("乙类"), _category("甲子类"), _category("甲孙类")
    assert child.parent_id == second.id and child.path == f"{second.path}{child.id}/"
    assert grandchild.path == f"{child.path}{grandchild.id}/"
    page = client.get("/customers/categories").get_data(as_text=True)
    assert (_count_shown(page, "甲类"), _count_shown(page, "乙类")) == (0, 1)
    # Back to the top level.
    client.post("/customers/categories/move", data={"category_id": child.id, "parent_id": 0})
    assert _category("甲子类").parent_id is None and _category("甲子类").path == f"/{child.id}/"


def test_a_move_that_would_make_a_cycle_is_refused(login_as):
    client = login_as("manager01")
    _tree(client, ("环大类", None), ("环小类", "环大类"), ("同名", None), ("同名", "环小类"))
    top, below = _category("环大类"), _category("环小类")
    for target in (below, top):
        refused = client.post("/customers/categories/move", data={"category_id": top.id, "parent_id": target.id})
        assert refused.status_code == 422
        assert "不能把分类“环大类”移到它自己或它的下级分类" in refused.get_data(as_text=True)
    assert _category("环大类").parent_id is None and _category("环小类").path == f"{top.path}{below.id}/"
    nested = db.session.scalar(select(CustomerCategory).where(CustomerCategory.name == "同名",
                                                              CustomerCategory.parent_id == below.id))
    clash = client.post("/customers/categories/move", data={"category_id": nested.id, "parent_id": 0})
    assert clash.status_code == 409 and "同一级下已有分类“同名”" in clash.get_data(as_text=True)
    assert login_as("head01").post("/customers/categories/move",
                                   data={"category_id": below.id, "parent_id": 0}).status_code == 403
