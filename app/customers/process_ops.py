"""The process's customer for service-task operations, and 修改客户字段 on an explicit allow-list.

"The process's customer" is the instance's business key ``customer:<id>`` (a process started from 客户 360),
else the one customer the instance is linked to (e.g. a trade's customer); a parameter may name a customer id
instead. The acting user must reach the customer through their data scope; out of scope looks like missing.
A process may change only the fields in :data:`ALLOWED_FIELDS` — never phones, ID numbers, the name or who
owns the customer; the change is audited like an edit on 客户 360 (the customer row's audit) plus a
``workflow.operation`` entry and the instance's history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.admin import dictionaries
from app.auth.models import User
from app.customers import services, visibility
from app.customers.access import CUSTOMER_GRADE, CUSTOMERS_EDIT, CUSTOMERS_VIEW
from app.customers.models import CUSTOMER_TYPE_LABELS, Customer, CustomerCategory
from app.customers.processes import business_key
from app.errors import Forbidden, NotFound, ValidationFailed
from app.workflow.models import InstanceLink
from app.workflow.operation_params import register_choices
from app.workflow.operations import (
    OperationContext,
    OperationFailed,
    Param,
    acting_user,
    audited_as,
    operation,
    record,
)

ALLOWED_FIELDS = {"type": "客户类型", "grade": "客户等级", "category": "客户分类", "remark": "备注", "tags": "标签"}
register_choices("customer_field", lambda _session: list(ALLOWED_FIELDS.items()))
CUSTOMER_PARAM = Param("客户", "customer",
                       description="得到客户 id 的表达式；不填时为本流程关联的客户（从客户 360 发起的流程）")
PREFIX = business_key(0)[:-1]  # "customer:"


def _linked_customer_id(ctx: OperationContext) -> int | None:
    keys = [ctx.instance.business_key or ""]
    if not keys[0].startswith(PREFIX):
        keys = list(ctx.session.scalars(select(InstanceLink.business_key).where(
            InstanceLink.instance_id == ctx.instance.id, InstanceLink.business_key.startswith(PREFIX))))
    ids = {key[len(PREFIX):] for key in keys if key.startswith(PREFIX)}
    if len(ids) != 1:
        return None
    text = ids.pop()
    return int(text) if text.isdigit() else None


def process_customer(ctx: OperationContext, customer: Any, what: str,
                     permission: str = CUSTOMERS_VIEW) -> tuple[User, Customer]:
    """The acting user and the customer the operation concerns, inside that user's data scope for ``permission``."""
    user = acting_user(ctx)
    if customer is None or customer == "":
        customer_id = _linked_customer_id(ctx)
        if customer_id is None:
            raise OperationFailed("本流程没有关联客户（不是从客户 360 发起，业务编号不是 customer:<客户 id>），"
                                  "参数中也没有指定客户")
    else:
        try:
            customer_id = int(customer)
        except (TypeError, ValueError) as exc:
            raise OperationFailed(f"客户参数的值“{customer}”不是客户 id") from exc
    try:
        found = services.get_customer(ctx.session, services.customer_scope(ctx.session, user, permission), customer_id)
    except NotFound as exc:
        raise Forbidden(f"{what}被拒绝：客户（id {customer_id}）不存在或不在{user.name}的数据范围内") from exc
    return user, found


def _shown(customer: Customer, field: str) -> str:
    if field == "type":
        return customer.type.label
    if field == "category":
        return customer.category.name if customer.category else "（未分类）"
    return str(getattr(customer, field) or "（空）")


def _apply(ctx: OperationContext, customer: Customer, field: str, value: Any) -> None:
    text = "" if value is None else str(value).strip()
    if field == "type":
        services.set_type(ctx.session, customer, text)
    elif field == "grade":
        grades = dict(dictionaries.choices(ctx.session, CUSTOMER_GRADE))
        if text and text not in grades:
            raise ValidationFailed(f"客户等级“{text}”无效（可选：{'、'.join(grades)}）")
        customer.grade = text
    elif field == "category":
        category_id = int(text) if text.isdigit() else None
        if text and (category_id is None or ctx.session.get(CustomerCategory, category_id) is None):
            raise ValidationFailed(f"客户分类“{text}”不存在（值应为客户分类 id）")
        customer.category_id = category_id
    elif field == "remark":
        customer.remark = text[:2000]
    else:
        customer.tags = services.clean_tags(text)
    ctx.session.flush()


@operation("customer.update_field", "修改客户字段", {
    "field": Param("字段", "customer_field", required=True,
                   description="只能修改客户类型、客户等级、客户分类、备注、标签；电话、证件、姓名和归属不能由流程修改"),
    "value": Param("新值", "expression", required=True,
                   description="表达式：客户类型写编码（"
                               + "、".join(f"{k} {v}" for k, v in CUSTOMER_TYPE_LABELS.items())
                               + '），如 "valid"；客户等级如 "A"；客户分类写分类 id；备注、标签写文字，如 comment'),
    "customer": CUSTOMER_PARAM,
})
def update_field(ctx: OperationContext, field: Any, value: Any, customer: Any = None) -> dict[str, Any]:
    """Change one allowed field of the customer, as the acting user (audited like an edit on 客户 360)."""
    name = str(field or "")
    if name not in ALLOWED_FIELDS:
        raise ValidationFailed(f"客户字段“{name}”不允许由流程修改（只能修改：{'、'.join(ALLOWED_FIELDS.values())}）")
    user, target = process_customer(ctx, customer, "修改客户字段", CUSTOMERS_EDIT)
    visibility.check_change(target)
    before = _shown(target, name)
    with audited_as(user):
        _apply(ctx, target, name, value)
    after = _shown(target, name)
    summary = f"客户 {target.name}（{target.number}）的{ALLOWED_FIELDS[name]}：{before} → {after}"
    record(ctx, user, "修改客户字段", summary, target)
    return {"customer_id": target.id, "field": name, "value": after}
