"""The leaving-employee hand-over (离职交接) record: one per leaver, until the head hands the customers on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.auth.models import User
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from rules.labelled_enum import LabelledStrEnum


class HandoverStatus(LabelledStrEnum):
    PENDING = "pending", "待交接"  # customers still wait in 离职待交接 (some may already be handed over)
    DONE = "done", "已交接"  # every customer handed to a successor
    EXPIRED = "expired", "逾期转城市经理池"  # the deadline passed: what was left went to the city-manager pool


class Handover(Base):
    """A leaver's customers waiting in the 离职待交接 pool (``Customer.pool == HANDOVER``, ``prev_seat_id`` = leaver).

    ``counts`` are the customers by type (成交/有效/意向/新建 …) when the account was disabled; what is
    still pending is always counted live from the customer table.
    """

    __tablename__ = "handover"
    __table_args__ = (Index("ix_handover_status_deadline", "status", "deadline"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    leaver_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[HandoverStatus] = mapped_column(str_enum(HandoverStatus, 10), default=HandoverStatus.PENDING)
    total: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    handed: Mapped[int] = mapped_column(Integer, default=0)  # given to successors so far
    overdue: Mapped[int] = mapped_column(Integer, default=0)  # moved to the city-manager pool at the deadline
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the last successor chosen
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(500), default="")

    leaver: Mapped[User] = relationship(foreign_keys=[leaver_id])
    org: Mapped[Org] = relationship()
    successor: Mapped[User | None] = relationship(foreign_keys=[successor_id])
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])
