"""Demo staff profiles (员工信息): every demo employee has a profile; seat01's 基金从业资格 expires in 30 days,
seat11's 证券从业资格 has expired and head11's contract ends within the contract reminder window — all relative
to the demo clock, so the home-page reminders and the list filters show something on any day."""

from __future__ import annotations

from datetime import date, timedelta

from app import clock
from app.database import DbSession
from app.demo import DemoContext, loader
from app.hr import staff
from rules.identity import check_char

# username: hire date, contract type, contract start, contract years (None: 无固定期限), education, school, major,
# first 17 digits of the ID number, emergency contact (name, relation, phone)
PROFILES: dict[str, tuple[date, str, date, int | None, str, str, str, str, tuple[str, str, str]]] = {
    "manager01": (date(2016, 3, 1), "labor", date(2022, 3, 1), None, "master", "复旦大学", "金融学",
                  "31010119820314201", ("王丽", "配偶", "13916000001")),
    "head01": (date(2018, 7, 1), "labor", date(2024, 7, 1), 3, "bachelor", "上海财经大学", "投资学",
               "31011019880521301", ("李强", "父亲", "13916000002")),
    "seat01": (date(2021, 9, 1), "labor", date(2024, 9, 1), 3, "bachelor", "华东师范大学", "经济学",
               "32050219960817402", ("张敏", "母亲", "13916000003")),
    "seat02": (date(2025, 3, 10), "labor", date(2025, 3, 10), 3, "college", "上海立信会计金融学院", "金融管理",
               "34010219990602503", ("陈刚", "父亲", "13916000004")),
    "seat11": (date(2022, 5, 16), "labor", date(2022, 5, 16), 5, "bachelor", "南京财经大学", "保险学",
               "32010219970930604", ("刘芳", "姐姐", "13916000005")),
    "finance01": (date(2019, 2, 18), "labor", date(2022, 2, 18), 5, "master", "上海交通大学", "会计学",
                  "31011519900112705", ("周伟", "配偶", "13916000006")),
    "service01": (date(2020, 10, 12), "labor", date(2023, 10, 12), 5, "bachelor", "上海大学", "法学",
                  "31010419930726806", ("孙洁", "母亲", "13916000007")),
    "hr01": (date(2017, 6, 5), "labor", date(2023, 6, 5), None, "bachelor", "华东政法大学", "人力资源管理",
             "31010719890403907", ("钱明", "配偶", "13916000008")),
}


def _years_later(start: date, years: int) -> date:
    return date(start.year + years, start.month, min(start.day, 28)) - timedelta(days=1)


@loader("staff")
def load_demo(session: DbSession, ctx: DemoContext) -> None:
    today = clock.today()
    for username, (hired, contract, start, years, education, school, major, id17, contact) in PROFILES.items():
        user = ctx.users[username]
        end = _years_later(start, years) if years else None
        staff.save_profile(session, user, staff.ProfileInput(
            hire_date=hired, contract_type=contract, contract_start=start, contract_end=end, education=education,
            school=school, major=major, id_number=id17 + check_char(id17), emergency_name=contact[0],
            emergency_relation=contact[1], emergency_phone=contact[2]))
    # head11's contract ends within the 30-day contract window (合同即将到期).
    staff.save_profile(session, ctx.users["head11"], staff.ProfileInput(
        hire_date=date(2019, 4, 15), contract_type="labor", contract_start=today - timedelta(days=3 * 365 - 20),
        contract_end=today + timedelta(days=20), education="bachelor", school="浙江大学", major="市场营销",
        remark="合同即将到期，待续签"))
    certificates = [
        ("seat01", "fund", "F3100021000123", today + timedelta(days=30)),  # inside the 60-day window
        ("seat01", "banking", "B3100021000456", None),
        ("seat02", "fund", "F3100025000789", today + timedelta(days=3 * 365)),
        ("seat11", "securities", "S3200022000321", today - timedelta(days=10)),  # expired: red
        ("head01", "fund", "F3100018000654", today + timedelta(days=2 * 365)),
        ("manager01", "cfp", "CFP2016000987", None),
    ]
    for username, kind, number, expires in certificates:
        issued = (expires or today) - timedelta(days=4 * 365)
        staff.add_certificate(session, ctx.users[username], staff.CertificateInput(
            cert_type=kind, number=number, issued_on=min(issued, today), expires_on=expires))
