"""Customers in processes: the 客户 subject (the card on a task about a customer), the 客户 360 section 相关流程,
and keeping instances attached through a merge.

A process started from a customer's 360 page (or with a 客户 field on its start form) has the business key
``customer:<id>`` (app.workflow.launch). Its tasks show the customer card to whoever holds them — the process
gives them work on the customer — but the card is what a task needs, not the record: name, number, the primary
phone masked as the 公共信息池 shows it, type, grade, seat and org; no ID number, no address. The link to
客户 360 is shown only to a user who may open the customer (app.customers.services.get_customer), so a task
holder outside the customer's scope (the customer moved to another seat since) works from the card alone.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import labels, signals, workflow
from app.admin import dictionaries
from app.auth.permissions import can
from app.customers import sections, services
from app.customers.access import CUSTOMER_GRADE, CUSTOMERS_VIEW
from app.customers.models import Customer, Pool
from app.database import DbSession
from app.errors import NotFound
from app.extensions import db
from app.workflow import related, subjects
from rules import phones as phone_rules

PREFIX = "customer"


def business_key(customer_id: int) -> str:
    """The business key naming a customer in process instances (``customer:17``)."""
    return f"{PREFIX}:{customer_id}"


labels.register("customer_grade", lambda: dict(dictionaries.choices(db.session, CUSTOMER_GRADE)))


def _summarise(session: DbSession, ident: str) -> subjects.Subject | None:
    customer = session.get(Customer, int(ident)) if ident.isdigit() else None
    if customer is None:
        return None
    phone = customer.primary_phone
    title = customer.name + ("（已删除）" if customer.pool == Pool.DELETED else "")
    return subjects.Subject(title, url_for("customers.detail", customer_id=customer.id), [
        ("客户编号", customer.number),
        ("电话", phone_rules.mask(phone) if phone else "—"),
        ("客户类型", customer.type.label),
        ("客户等级", labels.label(customer.grade, "customer_grade") or "未评级"),
        ("服务坐席", customer.service_seat.name if customer.service_seat else "（无）"),
        ("服务组织", customer.service_org.name),
    ], kind="客户", link_label="客户 360")


def _preload(session: DbSession, customer_ids: list[int]) -> list[object]:
    return list(session.scalars(select(Customer).where(Customer.id.in_(customer_ids)).options(
        joinedload(Customer.phones), joinedload(Customer.service_seat), joinedload(Customer.service_org))).unique())


def _openable(customer_id: int) -> Customer:
    """The customer as 客户 360 would open it for the current user (NotFound when out of their scope)."""
    if not can(CUSTOMERS_VIEW):
        raise NotFound("客户不存在或您无权查看")
    return services.get_customer(db.session, services.customer_scope(db.session, current_user), customer_id)


subjects.register(PREFIX, _summarise, _preload)
subjects.opens_with(PREFIX, _openable, linkable=True)


def _section(session: DbSession, customer: Customer) -> dict[str, Any]:
    return related.about(session, current_user, business_key(customer.id))


def _on_merge(session: DbSession, survivor_id: int, merged_ids: list[int], **_: Any) -> None:
    workflow.rename_business_keys(session, [business_key(i) for i in merged_ids], business_key(survivor_id))


sections.add("processes", "相关流程", "customers/_section_processes.html", _section, order=60)
signals.customers_merged.connect(_on_merge)
