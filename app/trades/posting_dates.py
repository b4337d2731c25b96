"""The one rule for dates that post money: 到账时间, 收益日期, 计息截止日, 付息日 and 清算日 are never after today.

Money is booked when it has moved; a payment or settlement dated ahead would post income today that has not
happened yet. Every service that books money by a date calls ``refuse_future`` before it writes anything.
"""

from __future__ import annotations

from datetime import date

from app import clock
from app.errors import ValidationFailed


def refuse_future(day: date, what: str) -> None:
    """Refuse a money-posting date after today's business date (Asia/Shanghai), naming the field."""
    today = clock.today()
    if day > today:
        raise ValidationFailed(f"{what}不能晚于今天（{today:%Y-%m-%d}）：只能登记已经发生的款项，请到期后再办理")
