"""Permission codes and menu entries of attendance and public holidays (人事管理)."""

from app import menu
from app.auth.permissions import define, grant
from app.hr import types  # noqa: F401  (declares the attendance_type dictionary)

SECTION = "人事管理"

ATTENDANCE = define("hr.attendance", "用户考勤维护（查询、登记、导出）", kind="menu", section=SECTION)
ATTENDANCE_TYPES = define("hr.attendance_types", "考勤类型设置（是否视为完成）", kind="menu", section=SECTION)
HOLIDAYS = define("hr.holidays", "公休假期维护", kind="menu", section=SECTION)

grant("hr", ATTENDANCE, HOLIDAYS)  # 考勤类型设置 stays with administrators (admin holds every code)

menu.add("hr", "用户考勤维护", "hr_attendance.index", ATTENDANCE, order=40)
menu.add("hr", "公休假期维护", "hr_holidays.index", HOLIDAYS, order=50)
menu.add("hr", "考勤类型设置", "hr_attendance.types_index", ATTENDANCE_TYPES, order=60)
