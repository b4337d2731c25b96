"""Attendance types (考勤类型): items of the base-data dictionary ``attendance_type`` and their calendar rule.

Labels, order and whether a type is offered live in the dictionary (基础数据维护); whether a type's days
count as complete on the task calendar (不计入考勤，视为完成) lives in :class:`AttendanceTypeRule`,
edited on the 考勤类型设置 screen. The migration that created the rules starts 公休/请假/病假/事假 as excused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.admin import dictionaries
from app.admin.models import BaseDataItem
from app.database import DbSession
from app.errors import NotFound, ValidationFailed
from app.hr.models import AttendanceTypeRule

NORMAL = "normal"  # 正常: a day without an attendance row
LEAVE = "leave"  # 请假: written by approved OA leave applications
HOLIDAY = "holiday"  # 公休

ATTENDANCE_TYPE = dictionaries.define("attendance_type", "考勤类型", [
    (NORMAL, "正常"), (LEAVE, "请假"), (HOLIDAY, "公休"), ("sick", "病假"), ("personal", "事假"),
    ("absent", "旷工"), ("late", "迟到"),
], "用户考勤维护的类型；是否“不计入考勤，视为完成”在 人事管理 › 考勤类型设置 中维护")


@dataclass(frozen=True)
class AttendanceType:
    code: str
    label: str
    active: bool
    excused: bool


def all_types(session: DbSession, include_inactive: bool = False) -> list[AttendanceType]:
    """Return the attendance types in dictionary order with their calendar rule."""
    rules = dict(session.execute(select(AttendanceTypeRule.type_code, AttendanceTypeRule.excused)).tuples())
    return [AttendanceType(item.code, item.label, item.active, rules.get(item.code, False))
            for item in dictionaries.items(session, ATTENDANCE_TYPE, include_inactive=include_inactive)]


def labels(session: DbSession) -> dict[str, str]:
    """Return code → label of every attendance type, disabled ones included (stored rows keep them)."""
    return {t.code: t.label for t in all_types(session, include_inactive=True)}


def require_type(session: DbSession, code: str) -> BaseDataItem:
    """Return the active dictionary item of an attendance type or refuse an unknown one."""
    item = session.scalar(select(BaseDataItem).where(BaseDataItem.dict_code == ATTENDANCE_TYPE,
                                                     BaseDataItem.code == code))
    if item is None or not item.active:
        raise ValidationFailed("请选择有效的考勤类型")
    return item


def set_excused(session: DbSession, code: str, excused: bool) -> AttendanceTypeRule:
    """Say whether days of a type count as complete on the task calendar."""
    item = session.scalar(select(BaseDataItem).where(BaseDataItem.dict_code == ATTENDANCE_TYPE,
                                                     BaseDataItem.code == code))
    if item is None:
        raise NotFound("考勤类型不存在")
    if code == NORMAL and excused:
        raise ValidationFailed("“正常”考勤的当天按任务完成情况计算，不能设为视为完成")
    rule = session.get(AttendanceTypeRule, code)
    if rule is None:
        rule = AttendanceTypeRule(type_code=code, excused=excused)
        session.add(rule)
    rule.excused = excused
    session.flush()
    return rule
