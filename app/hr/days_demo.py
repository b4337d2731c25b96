"""Demo data of attendance and public holidays: the 2026–2027 holidays, 双休 and a few attendance days.

The small (test) demo keeps only a holiday before every moment the suite runs at and no weekly rest days, so
no test's today, week or month is a day off unless the test makes it one; ``make run`` gets the whole calendar.
"""

from __future__ import annotations

from datetime import date, timedelta

from app import clock
from app.admin import params
from app.database import DbSession
from app.demo import DemoContext, loader
from app.hr import attendance, days, holidays

NOTE = "演示数据，以国务院办公厅通知为准"
SMALL_HOLIDAYS = [("劳动节", date(2026, 5, 1), date(2026, 5, 5))]
FULL_HOLIDAYS = [
    ("元旦", date(2026, 1, 1), date(2026, 1, 3)),
    ("端午节", date(2026, 6, 19), date(2026, 6, 21)),
    ("中秋节", date(2026, 9, 25), date(2026, 9, 27)),
    ("国庆节", date(2026, 10, 1), date(2026, 10, 7)),
    ("元旦", date(2027, 1, 1), date(2027, 1, 3)),
    ("春节", date(2027, 2, 5), date(2027, 2, 11)),
    ("清明节", date(2027, 4, 5), date(2027, 4, 5)),
]
# username, days before today (first, last), type, note
ATTENDANCE = [
    ("seat02", 8, 7, "sick", "感冒发烧，已交医院证明"),
    ("seat01", 2, 2, "late", "早高峰地铁故障，迟到 40 分钟"),
    ("seat11", 12, 12, "personal", "家中有事"),
    ("seat01", 20, 20, "absent", "未请假未到岗"),
]


@loader("hr_days")
def load(session: DbSession, ctx: DemoContext) -> None:
    hr01 = ctx.users["hr01"]
    for name, start, end in SMALL_HOLIDAYS + (FULL_HOLIDAYS if ctx.size == "full" else []):
        holidays.create(session, hr01, name, start, end, NOTE)
    if ctx.size != "full":
        return
    params.set_value(session, days.REST_WEEKDAYS, "6,7")
    today = clock.today()
    for username, first, last, type_code, note in ATTENDANCE:
        attendance.mark_range(session, ctx.users[username].id, today - timedelta(days=first),
                              today - timedelta(days=last), type_code, source=f"hr:{hr01.username}", note=note)
