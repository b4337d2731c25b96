"""How trades plug into the customers domain: merging customers moves their trades, and the 客户 360 page
shows the customer's trades (inside the viewer's trade scope)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.auth.permissions import current_permissions
from app.customers import links, sections
from app.customers.models import Customer
from app.database import DbSession
from app.trades import services
from app.trades.access import TRADE_VIEWERS
from app.trades.models import Trade

links.register("交易", Trade.__table__.c.customer_id)


def _customer_trades(session: DbSession, customer: Customer) -> dict[str, Any]:
    held = current_permissions()
    if not any(code in held for code in TRADE_VIEWERS):
        return {"trades": None}
    scope = services.viewing_scope(session, current_user, held)
    stmt = services.trade_query(session, scope).where(Trade.customer_id == customer.id).limit(50)
    return {"trades": list(session.scalars(stmt))}


sections.add("trades", "交易记录", "trades/_customer_section.html", _customer_trades, order=40)
