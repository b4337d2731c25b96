"""Business outlets (网点): maintained by administrators (网点维护), searched by every employee
(网点信息查询). Outlet details are public inside the company, so the search has no data scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select

from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.oa.models import Branch
from app.org.models import Org, OrgKind

FIELDS = ("code", "name", "city", "district", "address", "phone", "manager", "business_hours", "services")


def search(text: str = "", city: str = "", include_inactive: bool = False) -> Select[Any]:
    """Outlets matching a keyword (name, code, address, district, services) and a city."""
    stmt = select(Branch)
    if not include_inactive:
        stmt = stmt.where(Branch.active.is_(True))
    if text:
        stmt = stmt.where(or_(*(column.contains(text, autoescape=True) for column in (
            Branch.name, Branch.code, Branch.address, Branch.district, Branch.services))))
    if city:
        stmt = stmt.where(Branch.city == city)
    return stmt.order_by(Branch.city, Branch.code)


def cities(session: DbSession) -> list[str]:
    return [c for c in session.scalars(select(Branch.city).where(Branch.active.is_(True)).distinct()
                                       .order_by(Branch.city)) if c]


def get(session: DbSession, branch_id: int, include_inactive: bool = False) -> Branch:
    branch = session.get(Branch, branch_id)
    if branch is None or not (branch.active or include_inactive):
        raise NotFound("网点不存在")
    return branch


def branch_orgs(session: DbSession) -> list[Org]:
    """The 分公司 an outlet may belong to."""
    return list(session.scalars(select(Org).where(Org.kind == OrgKind.BRANCH, Org.active.is_(True))
                                .order_by(Org.path)))


def _apply(session: DbSession, branch: Branch, values: dict[str, Any]) -> None:
    code, name = (values.get("code") or "").strip(), (values.get("name") or "").strip()
    if not code or not name:
        raise ValidationFailed("请填写网点编码和网点名称")
    clash = session.scalar(select(Branch.id).where(Branch.code == code, Branch.id != (branch.id or 0)))
    if clash:
        raise Conflict(f"网点编码 {code} 已存在")
    for field in FIELDS:
        setattr(branch, field, (values.get(field) or "").strip())
    org_id = values.get("org_id") or None
    if org_id is not None and org_id not in {o.id for o in branch_orgs(session)}:
        raise ValidationFailed("所属分公司无效")
    branch.org_id = org_id


def create(session: DbSession, values: dict[str, Any]) -> Branch:
    branch = Branch()
    _apply(session, branch, values)
    session.add(branch)
    session.flush()
    return branch


def update(session: DbSession, branch: Branch, values: dict[str, Any]) -> None:
    _apply(session, branch, values)
    session.flush()


def set_active(session: DbSession, branch: Branch, active: bool) -> None:
    """Close an outlet (it leaves the search) or reopen it."""
    if branch.active == active:
        raise Conflict("网点已是" + ("营业" if active else "停用") + "状态")
    branch.active = active
    session.flush()
