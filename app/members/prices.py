"""Member prices (会员价格策略): per project or project category and per level, a fee discount (费率折扣 %),
a reduction of the minimum subscription (起购金额减免, yuan) and a yield bonus (收益率加成 %).

When a seat creates a trade the customer's level picks the most specific strategy — the project's over its
category's — and the trade keeps what was applied, so a later change of level or strategy does not rewrite it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.members.models import Member, MemberLevel, MemberPrice
from app.products.models import Project, ProjectCategory


@dataclass(frozen=True)
class AppliedPrice:
    """What a member price gives on one trade."""

    level_code: str
    level_name: str
    fee_discount: Decimal
    min_subscription: Decimal
    min_reduction: Decimal
    yield_bonus: Decimal
    basis: str  # "项目" or "项目分类"

    def summary(self) -> str:
        """会员价：金卡 收益率加成 0.5% · 费率折扣 20% · 起购金额减免 100,000 元."""
        parts = []
        if self.yield_bonus:
            parts.append(f"收益率加成 {self.yield_bonus.normalize():f}%")
        if self.fee_discount:
            parts.append(f"费率折扣 {self.fee_discount.normalize():f}%")
        if self.min_reduction:
            parts.append(f"起购金额减免 {self.min_reduction:,.0f} 元（起购 {self.min_subscription:,.0f} 元）")
        return f"会员价：{self.level_name} " + " · ".join(parts or ["无优惠"])


@dataclass
class PriceInput:
    level_code: str
    project_id: int | None
    category_id: int | None
    fee_discount: str = "0"
    min_reduction: str = "0"
    yield_bonus: str = "0"


def _number(raw: str, label: str, high: Decimal) -> Decimal:
    try:
        value = Decimal(str(raw).strip() or "0")
    except InvalidOperation as exc:
        raise ValidationFailed(f"{label}必须是数字") from exc
    if not value.is_finite() or value < 0 or value > high:
        raise ValidationFailed(f"{label}必须在 0 到 {high:,} 之间")
    return value.quantize(Decimal("0.01"))


def save_price(session: DbSession, data: PriceInput, price: MemberPrice | None = None) -> MemberPrice:
    """Create or change a member price; one per level and project (or category)."""
    if session.scalar(select(MemberLevel.id).where(MemberLevel.code == data.level_code)) is None:
        raise ValidationFailed("请选择已定义的会员等级")
    if (data.project_id is None) == (data.category_id is None):
        raise ValidationFailed("请选择一个理财项目或一个项目分类（二选一）")
    if data.project_id is not None and session.get(Project, data.project_id) is None:
        raise ValidationFailed("理财项目不存在")
    if data.category_id is not None and session.get(ProjectCategory, data.category_id) is None:
        raise ValidationFailed("项目分类不存在")
    fee = _number(data.fee_discount, "费率折扣", Decimal(100))
    reduction = _number(data.min_reduction, "起购金额减免", Decimal(10) ** 12)
    bonus = _number(data.yield_bonus, "收益率加成", Decimal(100))
    clash = session.scalar(select(MemberPrice.id).where(
        MemberPrice.level_code == data.level_code, MemberPrice.project_id.is_(None) if data.project_id is None
        else MemberPrice.project_id == data.project_id, MemberPrice.category_id.is_(None)
        if data.category_id is None else MemberPrice.category_id == data.category_id))
    if clash is not None and (price is None or clash != price.id):
        raise ValidationFailed("这一等级在该项目（或分类）上已有会员价格策略，请修改原有的")
    if price is None:
        price = MemberPrice()
        session.add(price)
    price.level_code, price.project_id, price.category_id = data.level_code, data.project_id, data.category_id
    price.fee_discount, price.min_reduction, price.yield_bonus = fee, reduction, bonus
    session.flush()
    return price


def get_price(session: DbSession, price_id: int) -> MemberPrice:
    price = session.get(MemberPrice, price_id)
    if price is None:
        raise NotFound("会员价格策略不存在")
    return price


def all_prices(session: DbSession) -> list[MemberPrice]:
    return list(session.scalars(select(MemberPrice).options(selectinload(MemberPrice.project),
                                                            selectinload(MemberPrice.category))
                                .order_by(MemberPrice.level_code, MemberPrice.project_id, MemberPrice.category_id)))


def price_for(session: DbSession, customer_id: int, project: Project) -> AppliedPrice | None:
    """The member price the customer's level gets on the project (project over category), if any."""
    level = session.execute(select(MemberLevel).join(Member, Member.level_code == MemberLevel.code)
                            .where(Member.customer_id == customer_id)).scalar()
    if level is None:
        return None
    found = session.scalar(select(MemberPrice).where(MemberPrice.level_code == level.code,
                                                     MemberPrice.project_id == project.id))
    basis = "项目"
    if found is None:  # the nearest category up the project's category path (/1/4/: 4 before 1)
        category = session.get(ProjectCategory, project.category_id)
        path_ids = [int(part) for part in (category.path if category else "").split("/") if part.isdigit()]
        candidates = {row.category_id: row for row in session.scalars(select(MemberPrice).where(
            MemberPrice.level_code == level.code, MemberPrice.category_id.in_(path_ids or [project.category_id])))}
        found = next((candidates[i] for i in reversed(path_ids or [project.category_id]) if i in candidates), None)
        basis = "项目分类"
    if found is None:
        return None
    minimum = max(Decimal("0.01"), project.min_subscription - found.min_reduction)
    return AppliedPrice(level.code, level.name, found.fee_discount, minimum,
                        project.min_subscription - minimum, found.yield_bonus, basis)
