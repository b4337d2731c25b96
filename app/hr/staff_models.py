"""Staff profiles (员工信息, 人员登录维护): one HR profile per account, and the qualification certificates
(资格证书) each employee holds with their expiry dates.

Contract type, education and certificate type are base-data codes (基础数据); the employee's org and
status stay on the account (``users``), so the data scope and 离职 work exactly as for 用户维护.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime
from app.extensions import Base
from rules.labelled_enum import LabelledStrEnum


class CertificateState(LabelledStrEnum):
    """Where a certificate stands against today and the reminder window (到期提醒天数)."""

    VALID = "valid", "有效"
    EXPIRING = "expiring", "即将到期"
    EXPIRED = "expired", "已过期"
    PERMANENT = "permanent", "长期有效"


class StaffProfile(Audited, Base):
    """The HR record of one employee: hire date, contract, education, ID number, emergency contact, 离职日期."""

    __tablename__ = "staff_profile"
    __audit_exclude__ = frozenset({"id_number", "emergency_phone"})  # the log says they changed, not to what

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    hire_date: Mapped[date | None] = mapped_column(Date)  # 入职日期
    contract_type: Mapped[str] = mapped_column(String(30), default="")  # base data staff_contract_type
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date, index=True)
    education: Mapped[str] = mapped_column(String(30), default="")  # 学历, base data staff_education
    school: Mapped[str] = mapped_column(String(100), default="")  # 毕业院校
    major: Mapped[str] = mapped_column(String(100), default="")  # 专业
    id_number: Mapped[str] = mapped_column(String(18), default="", index=True)  # 身份证号, normalised to 18
    emergency_name: Mapped[str] = mapped_column(String(50), default="")
    emergency_phone: Mapped[str] = mapped_column(String(30), default="")
    emergency_relation: Mapped[str] = mapped_column(String(20), default="")
    end_date: Mapped[date | None] = mapped_column(Date)  # 离职日期, set when the account is disabled
    remark: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    user: Mapped[User] = relationship()


class StaffCertificate(Audited, Base):
    """A qualification certificate (资格证书) an employee holds; no expiry date means 长期有效.

    ``reminded_for`` is the expiry date the reminder notice was sent for: renewing the certificate (a new
    expiry date) makes it due for a reminder again, and the job never sends two for the same date.
    """

    __tablename__ = "staff_certificate"
    __table_args__ = (UniqueConstraint("cert_type", "number"),
                      Index("ix_staff_certificate_expires_on", "expires_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cert_type: Mapped[str] = mapped_column(String(30))  # base data staff_certificate_type
    number: Mapped[str] = mapped_column(String(60))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    reminded_for: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship()

    def state(self, today: date, window_days: int) -> CertificateState:
        """Tell whether the certificate is valid, inside the reminder window, expired or without expiry."""
        if self.expires_on is None:
            return CertificateState.PERMANENT
        if self.expires_on < today:
            return CertificateState.EXPIRED
        if (self.expires_on - today).days <= window_days:
            return CertificateState.EXPIRING
        return CertificateState.VALID
