"""客户 360: the process instances touching a customer, and keeping them attached through a merge."""

from __future__ import annotations

from typing import Any

from app import signals, workflow
from app.customers import sections
from app.customers.models import Customer
from app.database import DbSession


def business_key(customer_id: int) -> str:
    """The business key naming a customer in process instances (``customer:17``)."""
    return f"customer:{customer_id}"


def _section(session: DbSession, customer: Customer) -> dict[str, Any]:
    return {"instances": workflow.instances_about(session, business_key(customer.id))}


def _on_merge(session: DbSession, survivor_id: int, merged_ids: list[int], **_: Any) -> None:
    workflow.rename_business_keys(session, [business_key(i) for i in merged_ids], business_key(survivor_id))


sections.add("processes", "相关流程", "customers/_section_processes.html", _section, order=60)
signals.customers_merged.connect(_on_merge)
