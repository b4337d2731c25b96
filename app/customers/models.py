"""Customers (客户): identity, phones, addresses, classification tree, pool state, aliases, imports, blacklist.

The pool a customer sits in (个人/部门/公共/城市经理/主管标红) and the counters the recycle rules
read (follow-ups since assignment, valid calls, last valid call) live on the customer row, so a
recycle sweep over a million customers is one indexed UPDATE rather than a join per customer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.audit.models import Audited
from app.auth.models import User
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from rules import phones as phone_rules
from rules.identity import IdType
from rules.labelled_enum import LabelledStrEnum


class CustomerType(LabelledStrEnum):
    """客户类型: where a customer stands in the sales funnel."""

    NEW = "new", "新建"
    INTENT = "intent", "意向"
    VALID = "valid", "有效"
    INVALID = "invalid", "无效"
    DEALT = "dealt", "成交"


CUSTOMER_TYPE_LABELS = CustomerType.labels()


class Gender(LabelledStrEnum):
    MALE = "male", "男"
    FEMALE = "female", "女"
    UNKNOWN = "unknown", "未知"


class Pool(LabelledStrEnum):
    """The information pool (信息池) a customer is in; only PERSONAL has a service seat.

    INVALID (无效客户池) holds customers marked 无效: out of every seat's pool and cap until revived.
    """

    PERSONAL = "personal", "个人信息池"
    DEPARTMENT = "department", "部门信息池"
    PUBLIC = "public", "公共信息池"
    CITY = "city", "城市经理公共池"
    HEAD = "head", "主管标红池"
    INVALID = "invalid", "无效客户池"
    HANDOVER = "handover", "离职待交接"  # a leaver's customers waiting for the head to hand them over (离职待交接)
    DELETED = "deleted", "已删除"  # soft-deleted: out of every list until an admin restores it (customers.lifecycle)


POOL_LABELS = Pool.labels()


class AddressKind(LabelledStrEnum):
    HOME = "home", "住宅"
    WORK = "work", "单位"
    MAIL = "mail", "通讯"


class CustomerCategory(Audited, Base):
    """A node of the customer classification tree (客户分类, seed 000 §2.13)."""

    __tablename__ = "customer_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("customer_category.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    path: Mapped[str] = mapped_column(String(255), default="", index=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[CustomerCategory | None] = relationship(remote_side=[id])

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2


class Customer(Audited, Base):
    """One customer (客户) with a generated unique number (客户编号)."""

    __tablename__ = "customer"
    __table_args__ = (
        Index("ix_customer_pool_org", "pool", "service_org_id"),
        Index("ix_customer_pool_assigned", "pool", "assigned_at"),
        Index("ix_customer_pool_changed", "pool", "pool_changed_at"),
        Index("ix_customer_pool_invalid_at", "pool", "invalid_at"),
        # Partial: most rows were never moved in bulk, and planners then know the index is selective.
        Index("ix_customer_pool_move_batch", "pool_move_batch", sqlite_where=text("pool_move_batch IS NOT NULL"),
              postgresql_where=text("pool_move_batch IS NOT NULL")),
        # Mining conditions (挖掘条件) filter by type with a date, by source, and by org with type.
        Index("ix_customer_type_last_valid_call", "type", "last_valid_call_at"),
        Index("ix_customer_type_created", "type", "created_at"),
        Index("ix_customer_source_type_created", "source", "type", "created_at"),
        Index("ix_customer_org_type", "service_org_id", "type"),
        Index("ix_customer_created_at", "created_at"),  # 客户获取报表 by period (app.reports)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[Gender] = mapped_column(str_enum(Gender, 10), default=Gender.UNKNOWN)
    birthday: Mapped[date | None] = mapped_column(Date)
    id_type: Mapped[IdType] = mapped_column(str_enum(IdType), default=IdType.ID_CARD)
    id_number: Mapped[str | None] = mapped_column(String(40), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("customer_category.id"), index=True)
    type: Mapped[CustomerType] = mapped_column(str_enum(CustomerType, 10), default=CustomerType.NEW)
    grade: Mapped[str] = mapped_column(String(10), default="", index=True)  # 客户等级 A/B/C, dictionary customer_grade
    source: Mapped[str] = mapped_column(String(30), default="")  # 客户来源, dictionary customer_source
    import_batch: Mapped[str] = mapped_column(String(40), default="", index=True)  # 导入编号
    tags: Mapped[str] = mapped_column(String(255), default="")  # comma-separated 标签
    remark: Mapped[str] = mapped_column(Text, default="")

    # Pool state (服务坐席 / 服务组织) and what the recycle rules read.
    service_seat_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    service_org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    pool: Mapped[Pool] = mapped_column(str_enum(Pool, 12), default=Pool.DEPARTMENT)
    pool_reason: Mapped[str] = mapped_column(String(30), default="")
    pool_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Which set-based move (recycle sweep, hand-over) last moved the customer: its history rows are
    # written by one INSERT … SELECT of the rows carrying that batch number.
    pool_move_batch: Mapped[int | None] = mapped_column(Integer)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    prev_seat_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    followup_count: Mapped[int] = mapped_column(Integer, default=0)  # since assigned_at
    valid_call_count: Mapped[int] = mapped_column(Integer, default=0)  # since assigned_at
    last_followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_valid_call_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recycle_count: Mapped[int] = mapped_column(Integer, default=0)
    red_flag_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    red_flag_reason: Mapped[str] = mapped_column(String(200), default="")
    red_flag_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 标记无效: why (dictionary invalid_reason), a remark, when and by whom; cleared when revived (激活).
    invalid_reason: Mapped[str] = mapped_column(String(30), default="")
    invalid_note: Mapped[str] = mapped_column(String(200), default="")
    invalid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invalid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 删除客户 (soft): when and by whom (a plain user id, like the audit log's: users are never deleted); the
    # customer sits in Pool.DELETED until an admin restores it (app.customers.lifecycle).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(Integer)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    category: Mapped[CustomerCategory | None] = relationship()
    service_seat: Mapped[User | None] = relationship(foreign_keys=[service_seat_id])
    service_org: Mapped[Org] = relationship()
    prev_seat: Mapped[User | None] = relationship(foreign_keys=[prev_seat_id])
    invalid_by: Mapped[User | None] = relationship(foreign_keys=[invalid_by_id])
    phones: Mapped[list[CustomerPhone]] = relationship(
        back_populates="customer", order_by="CustomerPhone.is_primary.desc(), CustomerPhone.id",
        cascade="all, delete-orphan")
    addresses: Mapped[list[CustomerAddress]] = relationship(
        back_populates="customer", order_by="CustomerAddress.is_primary.desc(), CustomerAddress.id",
        cascade="all, delete-orphan")

    @property
    def primary_phone(self) -> str:
        return self.phones[0].phone if self.phones else ""

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]

    def __repr__(self) -> str:
        return f"<Customer {self.number} {self.name}>"


class CustomerPhone(Audited, Base):
    """One of a customer's phone numbers, stored normalised (digits, no +86)."""

    __tablename__ = "customer_phone"
    __table_args__ = (UniqueConstraint("customer_id", "phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    remark: Mapped[str] = mapped_column(String(100), default="")

    customer: Mapped[Customer] = relationship(back_populates="phones")

    @property
    def kind_label(self) -> str:
        return "手机" if phone_rules.is_mobile(self.phone) else "固话"


class CustomerAddress(Audited, Base):
    __tablename__ = "customer_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AddressKind] = mapped_column(str_enum(AddressKind, 10), default=AddressKind.HOME)
    address: Mapped[str] = mapped_column(String(255))
    postcode: Mapped[str] = mapped_column(String(10), default="")
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship(back_populates="addresses")


class CustomerAlias(Base):
    """A customer number merged into another (合并客户): looking it up finds the survivor."""

    __tablename__ = "customer_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    former_name: Mapped[str] = mapped_column(String(50), default="")
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class PhoneBlacklistMark(Base):
    """One seat's mark of a phone as harassing (黑名单); enough marks blacklist the phone everywhere."""

    __tablename__ = "phone_blacklist_mark"
    __table_args__ = (UniqueConstraint("phone", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship()


class ImportStatus(LabelledStrEnum):
    VALIDATING = "validating", "校验中"
    VALIDATED = "validated", "待确认"
    IMPORTING = "importing", "导入中"
    DONE = "done", "已导入"
    CANCELLED = "cancelled", "已放弃"
    FAILED = "failed", "失败"

    @property
    def running(self) -> bool:
        return self in (ImportStatus.VALIDATING, ImportStatus.IMPORTING)


class ImportJob(Base):
    """One upload of the customer import template (客户信息导入), validated and imported in the background."""

    __tablename__ = "customer_import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)  # 导入编号, becomes Customer.import_batch
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    file_path: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[ImportStatus] = mapped_column(str_enum(ImportStatus, 12), default=ImportStatus.VALIDATING)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    valid_rows: Mapped[int] = mapped_column(Integer, default=0)
    error_rows: Mapped[int] = mapped_column(Integer, default=0)
    imported_rows: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.IMPORTING:
            done, total = self.imported_rows, self.valid_rows
        else:
            done, total = self.processed_rows, self.total_rows
        if not total:
            return 0 if self.status.running else 100
        return min(100, int(done * 100 / total))


class ImportRow(Base):
    """A staged row of an import: normalised fields when valid, the raw cells and reasons when not."""

    __tablename__ = "customer_import_row"
    __table_args__ = (
        Index("ix_customer_import_row_job_row", "job_id", "row_no"),
        Index("ix_customer_import_row_job_seq", "job_id", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("customer_import_job.id", ondelete="CASCADE"))
    row_no: Mapped[int] = mapped_column(Integer)
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    seq: Mapped[int | None] = mapped_column(Integer)  # 1, 2, 3 … over the valid rows: picks the customer number
    number: Mapped[str | None] = mapped_column(String(20))  # the customer number, set when importing
    errors: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[list[Any] | None] = mapped_column(JSON)
    name: Mapped[str] = mapped_column(String(50), default="")
    gender: Mapped[str] = mapped_column(String(10), default="unknown")
    birthday: Mapped[date | None] = mapped_column(Date)
    id_type: Mapped[str] = mapped_column(String(20), default="id_card")
    id_number: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20), default="")
    phone2: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    org_id: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(30), default="")
    grade: Mapped[str] = mapped_column(String(10), default="")
    tags: Mapped[str] = mapped_column(String(255), default="")
    remark: Mapped[str] = mapped_column(Text, default="")
