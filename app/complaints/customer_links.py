"""How complaints plug into the customers domain: merging customers moves their complaints, and the 客户 360 page
lists the customer's complaints (inside the viewer's complaint scope) with 登记投诉."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.complaints import services
from app.complaints.access import VIEW
from app.complaints.models import Complaint
from app.customers import links, sections
from app.customers.models import Customer
from app.database import DbSession

links.register("投诉", Complaint.__table__.c.customer_id)


def _section(session: DbSession, customer: Customer) -> dict[str, Any]:
    stmt = services.listing(session, current_user, customer_id=customer.id).limit(50)
    return {"complaints": list(session.scalars(stmt))}


sections.add("complaints", "投诉记录", "complaints/_customer_section.html", _section, permission=VIEW, order=65)
