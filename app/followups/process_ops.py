"""Service-task operation of appointments: 预约客户（跟进提醒） for the process's customer, shown in the seat's
预约提醒 and on the home page's 今日预约提醒 like an appointment booked on 客户 360."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from app import clock
from app.customers.process_ops import CUSTOMER_PARAM, process_customer
from app.followups import services
from app.workflow.operations import (
    OperationContext,
    OperationFailed,
    Param,
    audited_as,
    fill,
    operation,
    record,
    user_of,
)

_TIME = re.compile(r"([01]?\d|2[0-3])[:：]([0-5]\d)")


def _at(after_days: Any, at_time: Any) -> datetime:
    limit = services.MAX_BOOKING_DAYS
    if isinstance(after_days, bool) or not isinstance(after_days, int) or not 0 <= after_days <= limit:
        raise OperationFailed(f"“几天后”应为 0 到 {services.MAX_BOOKING_DAYS} 的整数，实际为 {after_days!r:.40}")
    match = _TIME.fullmatch(str(at_time or "").strip())
    if match is None:
        raise OperationFailed(f"“时间”应写成 时:分，如 10:00，实际为“{at_time}”")
    day = clock.today() + timedelta(days=after_days)
    return clock.from_local(datetime.combine(day, time(int(match.group(1)), int(match.group(2)))))


@operation("followups.book_appointment", "预约客户（跟进提醒）", {
    "after_days": Param("几天后", "expression", description="整数天数，不填为 1（明天）"),
    "time": Param("时间", "text", description="时:分，不填为 10:00"),
    "content": Param("预约内容", "text", description="可用 {变量名} 引用流程变量，如 回访：{comment}"),
    "user": Param("提醒谁", "user",
                  description="得到用户 id 的表达式；不填时为客户的服务坐席（没有服务坐席时为执行人）"),
    "customer": CUSTOMER_PARAM,
})
def book(ctx: OperationContext, after_days: Any = 1, time: Any = "10:00", content: Any = "", user: Any = None,
         customer: Any = None) -> dict[str, Any]:
    """Book an appointment with the customer for its seat (or the user named)."""
    actor, target = process_customer(ctx, customer, "预约客户")
    seat = user_of(ctx, user, "提醒谁") if user is not None else (target.service_seat or actor)
    at = _at(after_days, time)
    with audited_as(actor):
        appointment = services.book_appointment(ctx.session, target, seat, at, fill(content, ctx.data))
    record(ctx, actor, "预约客户", f"为{seat.name}预约客户 {target.name}（{target.number}）"
                                   f"{clock.local(appointment.at):%Y-%m-%d %H:%M}：{appointment.content[:100]}",
           object_type="appointment", object_id=appointment.id)
    return {"appointment_id": appointment.id, "at": appointment.at.isoformat()}
