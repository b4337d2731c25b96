"""Accounts: users (工号, 层级/级别), roles with permission codes and a data scope, sessions, API tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock, labels
from app.audit.models import Audited
from app.database import UTCDateTime, str_enum
from app.extensions import Base
from app.org.models import Org
from rules.labelled_enum import LabelledStrEnum


class DataScope(LabelledStrEnum):
    """How far a role sees: its holder's own records up to the whole company (数据权限)."""

    SELF = "self", "仅本人"
    DEPARTMENT = "department", "本部门"
    DEPARTMENT_TREE = "department_tree", "本部门及下级"
    BRANCH = "branch", "本分公司"
    ALL = "all", "全部"

    @property
    def rank(self) -> int:
        return list(DataScope).index(self)


class UserStatus(LabelledStrEnum):
    ACTIVE = "active", "在职"
    LEFT = "left", "离职"


user_roles = Table(
    "user_role",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("role.id", ondelete="CASCADE"), primary_key=True, index=True),
)

role_permissions = Table(
    "role_permission",
    Base.metadata,
    Column("role_id", ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
    Column("permission_id", ForeignKey("permission.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class PermissionKind(LabelledStrEnum):
    """A menu permission opens a screen; an action permission allows an operation on it."""

    MENU = "menu", "菜单"
    ACTION = "action", "操作"


labels.register_enum("permission_kind", PermissionKind)


class Permission(Audited, Base):
    """A menu or action permission code (权限), e.g. ``customers.view``."""

    __tablename__ = "permission"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), default="action")  # a PermissionKind value
    section: Mapped[str] = mapped_column(String(50), default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")


class Role(Audited, Base):
    """A role (角色): a set of permission codes plus the data scope they apply with."""

    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    data_scope: Mapped[DataScope] = mapped_column(str_enum(DataScope), default=DataScope.SELF)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")

    permissions: Mapped[list[Permission]] = relationship(secondary=role_permissions, order_by=Permission.code)


class User(UserMixin, Audited, Base):
    """An employee account: 工号, org, 层级/级别, distribution weight, status."""

    __tablename__ = "users"
    __audit_exclude__ = frozenset({"password_hash", "failed_logins", "last_login_at", "locked_until"})

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    work_no: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    superior_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    level: Mapped[str] = mapped_column(String(30), default="")  # 层级, base data user_level
    tier: Mapped[str] = mapped_column(String(30), default="")  # 级别, base data user_tier
    weight: Mapped[int] = mapped_column(Integer, default=1)  # 分配权重
    status: Mapped[UserStatus] = mapped_column(str_enum(UserStatus, 10), default=UserStatus.ACTIVE, index=True)
    phone: Mapped[str] = mapped_column(String(30), default="")
    # 分机号: the CTI screen-pop (app.callcentre) finds the seat by it; empty for staff without a phone seat.
    extension: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    # Nearly every request needs the user's org and roles (menu, permissions, data scope): load them with the user.
    org: Mapped[Org] = relationship(lazy="joined")
    superior: Mapped[User | None] = relationship(remote_side=[id])
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, order_by=Role.id, lazy="selectin")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.status == UserStatus.ACTIVE

    @property
    def is_locked(self) -> bool:
        """Tell whether repeated log-in failures have locked the account right now."""
        return self.locked_until is not None and self.locked_until > clock.now()

    @property
    def role_codes(self) -> set[str]:
        return {role.code for role in self.roles}

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class LoginSession(Base):
    """A server-side login session (在线用户); revoking it logs the browser out on its next request."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    revoked_reason: Mapped[str] = mapped_column(String(30), default="")

    user: Mapped[User] = relationship()


class ApiToken(Audited, Base):
    """A personal API token for ``Authorization: Bearer``; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    __audit_exclude__ = frozenset({"token_hash", "last_used_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UserLevelChange(Base):
    """History of promotions and demotions (升降级) with the remark given."""

    __tablename__ = "user_level_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    from_level: Mapped[str] = mapped_column(String(30), default="")
    from_tier: Mapped[str] = mapped_column(String(30), default="")
    to_level: Mapped[str] = mapped_column(String(30))
    to_tier: Mapped[str] = mapped_column(String(30))
    remark: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])
