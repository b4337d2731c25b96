"""System parameters (系统参数) and base-data dictionaries (基础数据)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock, labels
from app.audit.models import Audited
from app.database import UTCDateTime
from app.extensions import Base
from rules.labelled_enum import LabelledStrEnum


class ParamType(LabelledStrEnum):
    """What a system parameter's text value holds."""

    INT = "int", "整数"
    DECIMAL = "decimal", "数字"
    BOOL = "bool", "是/否"
    STR = "str", "文本"


labels.register_enum("param_type", ParamType)


class SystemParameter(Audited, Base):
    """A typed key/value setting that changes behaviour without a deploy (lockout, pool rules, …)."""

    __tablename__ = "system_parameter"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    value_type: Mapped[str] = mapped_column(String(10))  # a ParamType value
    label: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    section: Mapped[str] = mapped_column(String(50), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class CacheGeneration(Base):
    """A counter bumped by 刷新系统缓存 so every worker process reloads its caches."""

    __tablename__ = "cache_generation"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


class BaseDictionary(Audited, Base):
    """A named list of dropdown values (customer types, application types, …)."""

    __tablename__ = "base_dictionary"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)

    items: Mapped[list[BaseDataItem]] = relationship(
        back_populates="dictionary", order_by="BaseDataItem.sort, BaseDataItem.id", cascade="all, delete-orphan"
    )


class BaseDataItem(Audited, Base):
    __tablename__ = "base_data_item"
    __table_args__ = (UniqueConstraint("dict_code", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dict_code: Mapped[str] = mapped_column(ForeignKey("base_dictionary.code", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(50))
    label: Mapped[str] = mapped_column(String(100))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    dictionary: Mapped[BaseDictionary] = relationship(back_populates="items")
