"""合并客户信息: everything moves to the survivor, merged numbers stay as aliases, the preview says what moves,
duplicate groups are suggested and merged in batch, and every merge is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import clock
from app.audit.models import AuditLog
from app.customers import links
from app.customers.models import Customer, CustomerAlias, CustomerType, Pool
from app.extensions import db
from app.followups.models import Appointment, FollowUp
from app.pools.models import MoveReason, PoolHistory, RedFlagApplication
from tests.customer_helpers import fresh, make_customer, new_id_number, user


def _count(model, customer_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(model.customer_id == customer_id)) or 0


@pytest.fixture
def duplicates(login_as):
    """One person recorded three times, each record with follow-ups, an appointment or history."""
    id_number = new_id_number()
    survivor = make_customer("合并主档", seat="seat01", phones=["13577770001"], type_="intent")
    second = make_customer("合并主档", seat="seat01", phones=["13577770002", "13577770003"],
                           id_number=id_number, type_="valid")
    third = make_customer("合并主档", org_code="SH-LC1", phones=["13577770004"], type_="new")
    seat = login_as("seat01")
    seat.post(f"/followups/customers/{second.id}", data={"kind": "visit", "content": "第二个编号的跟进"})
    seat.post(f"/followups/customers/{second.id}/appointments", data={
        "at": (clock.local(clock.now()) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"), "content": "第二个编号的预约"})
    fresh()
    db.session.add(RedFlagApplication(customer_id=third.id, seat_id=user("seat01").id, reason="测试"))
    db.session.commit()
    return survivor, second, third


def test_preview_says_what_will_move(login_as, duplicates):
    survivor, second, third = duplicates
    page = login_as("head01").get("/customers/merge/preview", query_string={
        "survivor": survivor.number, "merged": f"{second.number},{third.number}"}).get_data(as_text=True)
    assert "合并预览" in page
    for text in ("跟进记录</td><td>1 条", "预约</td><td>1 条", "标红申请</td><td>1 条", "13577770002",
                 "证件号码取自", "意向 → 有效"):
        assert text in page, text
    fresh()
    assert db.session.get(Customer, second.id) is not None  # nothing changed yet


def test_the_preview_masks_new_phones_where_the_survivors_pool_masks_them(login_as, duplicates):
    survivor, second, third = duplicates
    fresh()
    kept = db.session.get(Customer, survivor.id)
    kept.pool, kept.service_seat_id = Pool.PUBLIC, None
    db.session.commit()
    page = login_as("head01").get("/customers/merge/preview", query_string={
        "survivor": survivor.number, "merged": second.number}).get_data(as_text=True)
    assert "135****0002" in page and "13577770002" not in page


def test_merge_moves_everything_and_keeps_the_numbers_as_aliases(login_as, api_as, duplicates):
    survivor, second, third = duplicates
    fresh()
    second_number, third_number, id_number = second.number, third.number, second.id_number
    second_id, third_id = second.id, third.id
    before_history = _count(PoolHistory, second.id) + _count(PoolHistory, third.id) + _count(PoolHistory, survivor.id)
    client = login_as("head01")
    response = client.post("/customers/merge/", data={"survivor": survivor.id, "merged": [second_id, third_id]})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/customers/{survivor.id}")
    fresh()
    assert db.session.get(Customer, second_id) is None and db.session.get(Customer, third_id) is None
    kept = db.session.get(Customer, survivor.id)
    assert kept is not None
    assert sorted(p.phone for p in kept.phones) == ["13577770001", "13577770002", "13577770003", "13577770004"]
    assert kept.id_number == id_number and kept.type == CustomerType.VALID
    assert _count(FollowUp, kept.id) == 1 and _count(Appointment, kept.id) == 1
    assert _count(RedFlagApplication, kept.id) == 1
    assert _count(PoolHistory, kept.id) == before_history + 1  # everyone's history, plus the merge itself
    assert kept.followup_count == 1  # recounted from the moved follow-ups
    merge_move = db.session.scalar(select(PoolHistory).where(PoolHistory.customer_id == kept.id,
                                                             PoolHistory.reason == MoveReason.MERGE))
    assert second_number in merge_move.note and third_number in merge_move.note
    kept_id, kept_number = kept.id, kept.number
    # The merged numbers still find the survivor: by URL, in the combined search, through the API.
    assert client.get(f"/customers/n/{second_number}").headers["Location"].endswith(f"/customers/{kept_id}")
    assert kept_number in client.get("/customers/", query_string={"q": third_number}).get_data(as_text=True)
    fresh()
    found = api_as("head01").get("/api/v1/customers", query_string={"q": second_number}).get_json()
    assert [c["id"] for c in found["items"]] == [kept_id]
    page = client.get(f"/customers/{kept_id}").get_data(as_text=True)
    assert second_number in page and "第二个编号的跟进" in page and "客户合并" in page
    fresh()
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "customers.merge"))
    assert audit is not None and audit.after["survivor"] == kept_number and audit.actor_name == "李主管"
    deletes = db.session.scalar(select(func.count()).where(AuditLog.action == "delete",
                                                           AuditLog.object_type == "customer"))
    assert deletes == 2  # the merged records' last state is in the audit log


def test_merging_into_an_alias_chain_repoints_old_aliases(login_as):
    first, second, third = (make_customer("链式", seat="seat01") for _ in range(3))
    first_number, second_number, third_id = first.number, second.number, third.id
    client = login_as("head01")
    client.post("/customers/merge/", data={"survivor": second.id, "merged": [first.id]})
    client.post("/customers/merge/", data={"survivor": third.id, "merged": [second.id]})
    fresh()
    aliases = dict(db.session.execute(select(CustomerAlias.number, CustomerAlias.customer_id)).all())
    assert aliases[first_number] == third_id and aliases[second_number] == third_id


def test_different_id_numbers_are_not_merged(login_as):
    one = make_customer("张甲", seat="seat01", id_number=new_id_number())
    other = make_customer("张甲", seat="seat01", id_number=new_id_number())
    client = login_as("head01")
    client.post("/customers/merge/", data={"survivor": one.id, "merged": [other.id]},
                headers={"Referer": "/customers/merge/"})
    assert "证件号码不同，不是同一个人" in client.get("/customers/merge/").get_data(as_text=True)
    fresh()
    assert db.session.get(Customer, other.id) is not None


def test_suggested_groups_merge_in_batch(login_as):
    # Duplicates come from legacy data and old imports; the services refuse new ones, so write them directly.
    shared_id = new_id_number()
    a1 = make_customer("批量甲", seat="seat01", id_number=shared_id)
    a2 = make_customer("批量甲", org_code="SH-LC1", phones=["13577770031"])
    a3 = make_customer("批量甲", org_code="SH-LC1", phones=["13577770032"])
    b1 = make_customer("批量乙", seat="seat01", phones=["13577770041"])
    b2 = make_customer("批量乙", org_code="SH-LC1", phones=["13577770042"])
    fresh()
    db.session.get(Customer, a2.id).id_number = shared_id
    db.session.get(Customer, a3.id).phones[0].phone = "13577770031"  # linked to a2 by phone
    db.session.get(Customer, b2.id).phones[0].phone = "13577770041"
    db.session.commit()
    client = login_as("head01")
    page = client.get("/customers/merge/").get_data(as_text=True)
    assert f"证件号码 {shared_id}" in page and "电话 13577770041" in page
    fresh()
    from app.customers import merge as merge_services
    from app.org import scope as data_scope

    groups = merge_services.duplicate_groups(db.session, data_scope.scope_of(db.session, user("head01")))
    ours = {g.key: g for g in groups if {c.name for c in g.customers} <= {"批量甲", "批量乙"}}
    group_a = next(g for g in ours.values() if a1.id in {c.id for c in g.customers})
    assert {c.id for c in group_a.customers} == {a1.id, a2.id, a3.id}
    assert group_a.suggested_survivor.id == a1.id  # the one a seat serves
    data = {"group": ["1", "2"], "survivor_1": a1.id, "members_1": [a1.id, a2.id, a3.id],
            "survivor_2": b1.id, "members_2": [b1.id, b2.id]}
    client.post("/customers/merge/batch", data=data)
    fresh()
    assert db.session.scalar(select(func.count()).where(Customer.name.in_(["批量甲", "批量乙"]))) == 2
    assert db.session.scalar(select(func.count()).where(AuditLog.action == "customers.merge")) == 2


def test_merge_needs_scope_over_every_customer(login_as):
    mine = make_customer("范围甲", seat="seat11")
    theirs = make_customer("范围乙", seat="seat01")
    response = login_as("head11").post("/customers/merge/", data={"survivor": mine.id, "merged": [theirs.id]})
    assert response.status_code == 404


def test_every_customer_foreign_key_is_registered_for_merging(app):
    """A table pointing at customers must follow merges; an unregistered one would block them."""
    from app.extensions import Base

    registered = {(link.column.table.name, link.column.name) for link in links.LINKS}
    handled_by_merge = {("customer_phone", "customer_id"), ("customer_address", "customer_id"),
                        ("customer_alias", "customer_id"),
                        ("customer_search", "customer_id")}  # the search index: database triggers keep it
    for table in Base.metadata.tables.values():
        for fk in table.foreign_keys:
            if fk.column.table.name == "customer":
                assert (table.name, fk.parent.name) in registered | handled_by_merge, table.name
