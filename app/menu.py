"""The left menu: sections in a fixed order, items declared by each domain with the permission they need."""

from __future__ import annotations

from dataclasses import dataclass

SECTIONS: list[tuple[str, str, str]] = [
    ("home", "首页", "house"),
    ("workbench", "工作平台", "briefcase"),
    ("tasks", "任务管理", "list-check"),
    ("customers", "客户管理", "people"),
    ("pools", "数据池", "inboxes"),
    ("mining", "数据挖掘", "funnel"),
    ("trades", "交易管理", "cash-coin"),
    ("products", "产品管理", "box-seam"),
    ("workflow", "流程中心", "diagram-3"),
    ("oa", "日常管理", "calendar-week"),
    ("kb", "知识库", "book"),
    ("hr", "人事管理", "person-badge"),
    ("performance", "业绩", "graph-up"),
    ("reports", "查询&报表", "table"),
    ("admin", "系统管理", "gear"),
]
SECTION_KEYS = {key for key, _label, _icon in SECTIONS}


@dataclass(frozen=True)
class MenuItem:
    section: str
    label: str
    endpoint: str
    permission: str | None
    order: int = 100


ITEMS: list[MenuItem] = []


def add(section: str, label: str, endpoint: str, permission: str | None, order: int = 100) -> None:
    """Declare a menu entry; it shows only to users holding ``permission`` (None: every user)."""
    if section not in SECTION_KEYS:
        raise KeyError(f"unknown menu section {section}")
    ITEMS.append(MenuItem(section, label, endpoint, permission, order))


def visible(held: frozenset[str]) -> list[tuple[str, str, str, list[MenuItem]]]:
    """Return the sections and items a user with these permission codes may see, in menu order."""
    result = []
    for key, label, icon in SECTIONS:
        items = sorted(
            (item for item in ITEMS if item.section == key and (item.permission is None or item.permission in held)),
            key=lambda item: (item.order, item.label),
        )
        if items:
            result.append((key, label, icon, items))
    return result
