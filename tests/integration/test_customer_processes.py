"""客户 360 lists the process instances touching a customer, and they follow the customer through a merge."""

from __future__ import annotations

from sqlalchemy import select

from app import workflow
from app.customers import merge
from app.customers.models import Customer
from app.customers.processes import business_key
from app.extensions import db
from app.org import scope as data_scope
from tests.conftest import user_named


def _two_customers_of(seat) -> list[Customer]:
    customers = list(db.session.scalars(select(Customer).where(Customer.service_seat_id == seat.id)
                                        .order_by(Customer.id).limit(2)))
    assert len(customers) == 2
    return customers


def test_360_shows_related_processes_and_a_merge_carries_them(login_as, deploy_fixture):
    deploy_fixture("approval")
    seat = user_named("seat01")
    first, second = _two_customers_of(seat)
    workflow.start(db.session, "test_approval", business_key="test:1", title="回访审批·客户相关",
                   org_id=seat.org_id, owner_id=seat.id, related=[business_key(second.id)])
    db.session.commit()
    client = login_as("seat01")
    page = client.get(f"/customers/{second.id}").get_data(as_text=True)
    assert "相关流程" in page and "回访审批·客户相关" in page
    assert "回访审批·客户相关" not in client.get(f"/customers/{first.id}").get_data(as_text=True)

    second.id_number = None  # the same person entered twice, once without an ID number
    db.session.commit()
    admin = user_named("admin")
    plan = merge.plan_merge(db.session, data_scope.scope_of(db.session, admin), first.id, [second.id])
    merge.merge(db.session, admin.id, plan)
    db.session.commit()
    # (the demo trades' review instances concern these customers too)
    assert "回访审批·客户相关" in [i.title for i in workflow.instances_about(db.session, business_key(first.id))]
    assert workflow.instances_about(db.session, business_key(second.id)) == []
    assert "回访审批·客户相关" in client.get(f"/customers/{first.id}").get_data(as_text=True)
