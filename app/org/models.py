"""Org tree (用户组织): company → branch 分公司 → department 部门 → group 小组."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from rules.labelled_enum import LabelledStrEnum


class OrgKind(LabelledStrEnum):
    COMPANY = "company", "公司"
    BRANCH = "branch", "分公司"
    DEPARTMENT = "department", "部门"
    GROUP = "group", "小组"

    @property
    def rank(self) -> int:
        return list(OrgKind).index(self)


ORG_KIND_LABELS = OrgKind.labels()


class Org(Audited, Base):
    """One node of the org tree; ``path`` ("/1/4/9/") makes subtree queries a prefix match."""

    __tablename__ = "org"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(50), unique=True)
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind))
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    parent: Mapped[Org | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Org]] = relationship(back_populates="parent", order_by="Org.sort, Org.id")

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def __repr__(self) -> str:
        return f"<Org {self.id} {self.name}>"
