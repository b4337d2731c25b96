"""Care templates (关怀模板) over the 内容模板, the rendered message, care records and care tasks.

A care template is an ordinary 内容模板 (app.notices) marked with an occasion kind; its {占位符} are filled from
the customer and the seat: {客户姓名} {称呼} {年龄} {周年} {日期} {坐席姓名}. Unknown placeholders stay as typed,
like the knowledge base's templates. A care task is a 再次服务 mining task with a fixed selection (app.mining):
each chosen customer becomes an item of its serving seat, executed when the seat records the care.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer, func, insert, literal, select

from app import clock
from app.auth.models import User
from app.care import occasions
from app.care.models import CareKind, CareRecord, CareTask, CareTemplate
from app.customers import visibility
from app.customers.models import Customer, Gender
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.mining import task_draws, tasks
from app.mining.task_models import ItemStatus, MiningTask, MiningTaskItem, MiningTaskPick, TaskStatus
from app.notices import services as notices
from app.notices.models import NoticeTemplate
from app.org import scope as data_scope

PLACEHOLDER = re.compile(r"\{([^{}\s]{1,20})\}")
PLACEHOLDERS = {"客户姓名": "客户全名", "称呼": "姓 + 先生/女士（性别未知时为全名）", "年龄": "生日当天的周岁",
                "周年": "成交满几周年", "日期": "生日或纪念日（如 6月19日）", "坐席姓名": "服务坐席（登记人）姓名"}
MAX_MESSAGE = 1000
MAX_TASK_CUSTOMERS = 5000

# --- templates -------------------------------------------------------------------------------------------


def care_templates(session: DbSession, kind: CareKind | None = None, active_only: bool = False) -> list[CareTemplate]:
    stmt = select(CareTemplate).join(NoticeTemplate, NoticeTemplate.id == CareTemplate.template_id)
    if kind is not None:
        stmt = stmt.where(CareTemplate.kind == kind)
    if active_only:
        stmt = stmt.where(NoticeTemplate.active.is_(True))
    return list(session.scalars(stmt.order_by(CareTemplate.kind, NoticeTemplate.name)))


def template_choices(session: DbSession, kind: CareKind) -> list[CareTemplate]:
    """Active care templates for the message page: the occasion's own kind first, then the others."""
    return sorted(care_templates(session, active_only=True), key=lambda c: c.kind != kind)


def get_care_template(session: DbSession, care_template_id: int) -> CareTemplate:
    found = session.get(CareTemplate, care_template_id)
    if found is None:
        raise NotFound("关怀模板不存在")
    return found


def _clean_kind(raw: Any) -> CareKind:
    try:
        return CareKind(str(raw or ""))
    except ValueError as exc:
        raise ValidationFailed("请选择关怀类型（生日、纪念日、节日或其他）") from exc


def save_template(session: DbSession, care: CareTemplate | None, *, kind: Any, name: str, title: str,
                  body: str) -> CareTemplate:
    """Create or change a care template: the 内容模板 holds the text, the care row the occasion."""
    kind = _clean_kind(kind)
    if not (body or "").strip():
        raise ValidationFailed("请填写关怀话术（模板内容）")
    if care is None:
        template = notices.create_template(session, name=name, title=title, body=body)
        care = CareTemplate(template_id=template.id, kind=kind, created_at=clock.now())
        session.add(care)
    else:
        notices.update_template(session, care.template, name=name, title=title, body=body)
        care.kind = kind
    session.flush()
    return care


def adopt_template(session: DbSession, template_id: int, kind: Any) -> CareTemplate:
    """Use an existing 内容模板 as a care template."""
    kind = _clean_kind(kind)
    template = notices.get_template(session, template_id)
    if session.scalar(select(CareTemplate.id).where(CareTemplate.template_id == template.id)):
        raise Conflict(f"内容模板“{template.name}”已是关怀模板")
    care = CareTemplate(template_id=template.id, kind=kind, created_at=clock.now())
    session.add(care)
    session.flush()
    return care


def unused_templates(session: DbSession) -> list[NoticeTemplate]:
    taken = select(CareTemplate.template_id)
    return [t for t in notices.templates(session, active_only=True) if t.id not in set(session.scalars(taken))]


# --- the message ---------------------------------------------------------------------------------------


def salutation(customer: Customer) -> str:
    """称呼: surname and 先生/女士; the full name when the gender is unknown."""
    if customer.gender == Gender.MALE:
        return f"{customer.name[:1]}先生"
    if customer.gender == Gender.FEMALE:
        return f"{customer.name[:1]}女士"
    return customer.name


@dataclass(frozen=True)
class Message:
    template: NoticeTemplate | None
    kind: CareKind
    occasion: date | None
    years: int | None
    text: str


def values_for(customer: Customer, seat: User, kind: CareKind, occasion: date | None,
               years: int | None) -> dict[str, str]:
    values = {"客户姓名": customer.name, "称呼": salutation(customer), "坐席姓名": seat.name,
              "日期": f"{occasion.month}月{occasion.day}日" if occasion else ""}
    if years is not None:
        values["年龄" if kind == CareKind.BIRTHDAY else "周年"] = str(years)
    return values


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or m.group(0), text)


def message(session: DbSession, customer: Customer, seat: User, kind: CareKind,
            template_id: int | None = None) -> Message:
    """The care message for a customer, from the chosen care template (or the first of the occasion's kind)."""
    occasion, years = occasions.occasion_of(session, customer, kind, clock.today())
    choices = template_choices(session, kind)
    chosen = None
    if template_id is not None:
        chosen = next((c for c in choices if c.template_id == template_id), None)
        if chosen is None:
            raise ValidationFailed("请选择启用中的关怀模板")
    elif choices and choices[0].kind == kind:
        chosen = choices[0]
    if chosen is None:
        return Message(None, kind, occasion, years, "")
    text = fill(chosen.template.body, values_for(customer, seat, kind, occasion, years))
    return Message(chosen.template, kind, occasion, years, text)


# --- records -----------------------------------------------------------------------------------------------


def record(session: DbSession, customer: Customer, seat: User, *, kind: Any, message_text: str,
           template_id: int | None = None, occasion: date | None = None) -> CareRecord:
    """关怀已完成: write the care record and execute the seat's open care-task item of this customer, if any."""
    visibility.check_follow_up(customer)  # 公共信息池: extract or be assigned the customer first
    kind = _clean_kind(kind)
    text = (message_text or "").strip()
    if not text:
        raise ValidationFailed("请填写关怀内容（可用模板生成后修改）")
    if len(text) > MAX_MESSAGE:
        raise ValidationFailed(f"关怀内容不能超过 {MAX_MESSAGE} 字")
    if template_id is not None and session.get(NoticeTemplate, template_id) is None:
        raise ValidationFailed("所选关怀模板不存在")
    if occasion is not None and occasion > clock.today() + timedelta(days=366):
        raise ValidationFailed("关怀日期不能晚于一年以后")
    item_id = session.scalar(
        select(MiningTaskItem.id).join(CareTask, CareTask.task_id == MiningTaskItem.task_id)
        .join(MiningTask, MiningTask.id == MiningTaskItem.task_id)
        .where(MiningTaskItem.customer_id == customer.id, MiningTaskItem.seat_id == seat.id,
               MiningTaskItem.status == ItemStatus.DRAWN, MiningTask.status == TaskStatus.PUBLISHED,
               CareTask.kind == kind)
        .order_by(MiningTaskItem.id).limit(1))
    care = CareRecord(customer_id=customer.id, kind=kind, occasion=occasion, template_id=template_id, message=text,
                      by_id=seat.id, org_id=seat.org_id, cared_at=clock.now(), task_item_id=item_id)
    session.add(care)
    session.flush()
    if item_id is not None:
        task_draws.execute(session, seat, item_id, "other", note=f"已{kind.label}关怀")
    return care


def customer_records(session: DbSession, customer_id: int, limit: int = 50) -> list[CareRecord]:
    return list(session.scalars(select(CareRecord).where(CareRecord.customer_id == customer_id)
                                .order_by(CareRecord.cared_at.desc(), CareRecord.id.desc()).limit(limit)))


# --- care tasks -------------------------------------------------------------------------------------------


def create_task(session: DbSession, actor: User, scope: data_scope.Scope, kind: CareKind, days: int,
                customer_ids: list[int] | None) -> tuple[CareTask, int]:
    """关怀任务: a published 再次服务 mining task whose items are the chosen (or all) customers of the care list,
    each for its serving seat. Returns the care task and how many customers it got."""
    today = clock.today()
    up = occasions.upcoming(kind, today, days)
    chosen = occasions.scoped_ids(up, scope).where(Customer.service_seat_id.is_not(None))
    if customer_ids is not None:
        wanted = sorted({int(c) for c in customer_ids})
        if not wanted:
            raise ValidationFailed("请先勾选要关怀的客户，或选择“名单中全部客户”")
        chosen = chosen.where(Customer.id.in_(wanted))
    ids = chosen.with_only_columns(Customer.id).subquery("chosen")
    count = int(session.scalar(select(func.count()).select_from(ids)) or 0)
    if not count:
        raise ValidationFailed("所选客户都不在名单中或没有服务坐席，没有可生成关怀任务的客户")
    if count > MAX_TASK_CUSTOMERS:
        raise ValidationFailed(f"一个关怀任务最多 {MAX_TASK_CUSTOMERS} 位客户，请缩小天数或勾选客户")
    name = f"{kind.label}关怀 {today:%m月%d日}起 {days} 天"
    task = tasks.create_task(session, actor, scope, tasks.TaskInput(
        name=name, description=f"由{kind.label}关怀名单生成：逐一关怀后在关怀页面登记，任务自动执行完成。",
        start_date=today, end_date=today + timedelta(days=days - 1), type="reservice", source_kind="fixed"))
    session.execute(insert(MiningTaskPick).from_select(
        ["task_id", "customer_id"], select(literal(task.id, Integer()), ids.c.id)))
    added = tasks.publish(session, actor, scope, task)
    care = CareTask(task_id=task.id, kind=kind, days=days, created_by_id=actor.id, created_at=clock.now())
    session.add(care)
    session.flush()
    return care, added


def task_list(session: DbSession, scope: data_scope.Scope, limit: int = 20) -> list[CareTask]:
    """Care tasks of the scope (the mining tasks' own scope rule), newest first."""
    stmt = (select(CareTask).join(MiningTask, MiningTask.id == CareTask.task_id)
            .order_by(CareTask.created_at.desc(), CareTask.id.desc()).limit(limit))
    return list(session.scalars(data_scope.apply(stmt, scope, MiningTask.org_id, MiningTask.created_by_id)))
