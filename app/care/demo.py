"""Demo 客户关怀: three care templates (生日、成交纪念日、节日) and, counted from the demo's today, three of seat01's
customers with a birthday in the next days (today, in 2 and in 5 days) — their ID numbers follow the new birth
dates — plus one care record from last year, so 生日关怀, the reminder job and the 360 page show something."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from sqlalchemy import select

from app import clock
from app.care import services, windows
from app.care.models import CareKind, CareRecord
from app.customers.models import Customer, CustomerType, Pool
from app.database import DbSession
from app.demo import DemoContext, loader
from app.notices.models import NoticeTemplate
from rules.identity import check_char

TEMPLATES = (
    (CareKind.BIRTHDAY, "生日祝福", "生日快乐",
     "{称呼}您好！我是您的理财顾问{坐席姓名}。今天是您的 {年龄} 岁生日，祝您生日快乐、身体健康、阖家幸福！"
     "感谢您一直以来对联宇财富的信任。"),
    (CareKind.ANNIVERSARY, "成交周年感谢", "感谢相伴",
     "{称呼}您好！{日期}是您与联宇财富相伴 {周年} 周年的日子，感谢您的信任与支持。"
     "如需了解持仓或新产品，欢迎随时联系我（{坐席姓名}）。"),
    (CareKind.FESTIVAL, "节日问候", "节日快乐",
     "{称呼}您好！值此佳节，{坐席姓名}代表联宇财富祝您节日快乐、万事如意！"),
)
BIRTHDAYS_AHEAD = ((0, 45), (2, 38), (5, 61))  # days from today, age then


def _born(today: date, ahead: int, age: int) -> date:
    day = today + timedelta(days=ahead)
    while day.month == 2 and day.day == 29 and not calendar.isleap(day.year - age):
        age += 1  # born on a 29 February, so that the birthday is today (or then) in a leap year too
    return windows.kept_on(day, day.year - age)


@loader("care")
def load_demo(session: DbSession, ctx: DemoContext) -> None:
    for kind, name, title, body in TEMPLATES:
        services.save_template(session, None, kind=kind.value, name=name, title=title, body=body)
    seat = ctx.users["seat01"]
    today = clock.today()
    # Not the dealt ones: the mining demo's "生日在本月的成交客户" counts stay as they were.
    chosen = list(session.scalars(select(Customer).where(Customer.service_seat_id == seat.id,
                                                         Customer.pool == Pool.PERSONAL,
                                                         Customer.type != CustomerType.DEALT)
                                  .order_by(Customer.id).limit(len(BIRTHDAYS_AHEAD))))
    for customer, (ahead, age) in zip(chosen, BIRTHDAYS_AHEAD, strict=False):
        born = _born(today, ahead, age)
        customer.birthday = born
        if customer.id_number and len(customer.id_number) == 18:
            first17 = f"{customer.id_number[:6]}{born:%Y%m%d}{customer.id_number[14:17]}"
            customer.id_number = first17 + check_char(first17)
    session.flush()
    if chosen:
        template = session.scalar(select(NoticeTemplate).where(NoticeTemplate.name == "生日祝福"))
        first = chosen[0]
        last_year = clock.now() - timedelta(days=365)
        session.add(CareRecord(customer_id=first.id, kind=CareKind.BIRTHDAY,
                               occasion=_born(today, 0, 1), template_id=template.id if template else None,
                               message=f"{first.name}您好！祝您生日快乐，身体健康！", by_id=seat.id,
                               org_id=seat.org_id, cared_at=last_year))
        session.flush()
