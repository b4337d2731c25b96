"""关怀提醒: each morning every serving seat gets one system notice listing its customers whose birthday or
成交纪念日 is kept today or in the next days (parameter ``care.remind_days``).

One ``care_reminder`` row per seat and day records what was sent; a rerun the same day (or a second scheduler
process racing it: the unique constraint) sends nothing again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select

from app import clock
from app.admin import params
from app.care import occasions, windows
from app.care.access import REMIND_DAYS
from app.care.models import CareKind, CareReminder
from app.database import DbSession
from app.notices import services as notices
from app.notices.models import Audience, NoticeLevel

WEEKDAYS = "一二三四五六日"


def remind_days(session: DbSession) -> int:
    return min(params.get_int(REMIND_DAYS, session), windows.MAX_DAYS)


def _line(kind: CareKind, row: occasions.Row) -> str:
    what = f"{row.years} 岁生日" if kind == CareKind.BIRTHDAY else f"成交 {row.years} 周年"
    day = f"{row.on.month}月{row.on.day}日（周{WEEKDAYS[row.on.weekday()]}，{row.when}）"
    return f"· {day}{row.name}（{row.number}）{what}"


def notice_text(seat_name: str, today: date, days: int,
                due: list[tuple[CareKind, occasions.Row]]) -> tuple[str, str]:
    due = sorted(due, key=lambda pair: (pair[1].ahead, pair[0].value, pair[1].name))
    today_count = sum(1 for _kind, row in due if row.ahead == 0)
    title = f"客户关怀提醒：{len(due)} 位客户生日或纪念日将至" + (f"（今天 {today_count} 位）" if today_count else "")
    span = "今天" if days == 1 else f"今天起 {days} 天内"
    lines = "\n".join(_line(kind, row) for kind, row in due)
    body = (f"{seat_name}：\n\n您服务的以下客户{span}过生日或成交纪念日：\n{lines}\n\n"
            "请在“客户管理 → 生日关怀 / 纪念日关怀”中查看关怀话术，关怀后登记。")
    return title[:200], body


def send_due(session: DbSession, now: datetime) -> str:
    """Send today's reminders to the seats not reminded yet today; return a Chinese summary."""
    today = clock.local(now).date()  # type: ignore[union-attr]
    days = remind_days(session)
    already = set(session.scalars(select(CareReminder.seat_id).where(CareReminder.reminded_on == today)))
    by_seat: dict[int, list[tuple[CareKind, occasions.Row]]] = defaultdict(list)
    for seat_id, kind, row in occasions.due_for_seats(session, today, days):
        if seat_id not in already:
            by_seat[seat_id].append((kind, row))
    if not by_seat:
        return "今天没有需要提醒的客户关怀" if not already else f"今天已提醒过 {len(already)} 名坐席"
    publisher = notices.system_publisher(session)
    if publisher is None:
        return f"{len(by_seat)} 名坐席待提醒，但没有在职的系统管理员可作为通知发布人"
    sent: list[dict[str, Any]] = []
    for seat_id, due in sorted(by_seat.items()):
        title, body = notice_text(due[0][1].seat_name, today, days, due)
        notice = notices.publish(session, publisher, title=title, body=body, level=NoticeLevel.NORMAL, major=False,
                                 audience=Audience.USERS, user_ids=[seat_id])
        sent.append({"seat_id": seat_id, "reminded_on": today, "customers": len(due), "notice_id": notice.id,
                     "sent_at": now})
    session.execute(insert(CareReminder), sent)
    return f"已向 {len(sent)} 名坐席发送客户关怀提醒，共 {sum(len(due) for due in by_seat.values())} 位客户"
