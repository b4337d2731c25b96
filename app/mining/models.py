"""Saved mining conditions (挖掘条件): a named condition spec over customer fields, owned by an org."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime
from app.extensions import Base
from app.org.models import Org


class MiningCondition(Audited, Base):
    """A named, cleaned condition spec (see app.mining.conditions); its org and creator place it in data scope."""

    __tablename__ = "mining_condition"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    org: Mapped[Org] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<MiningCondition {self.id} {self.name}>"
