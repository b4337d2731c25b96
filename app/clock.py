"""The one source of "now": UTC-aware times for storage, Asia/Shanghai for display and business days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """Return the current time in UTC (aware)."""
    return datetime.now(UTC)


def today() -> date:
    """Return today's business date in Asia/Shanghai."""
    return now().astimezone(SHANGHAI).date()


def local(moment: datetime | None) -> datetime | None:
    """Convert a stored UTC time to Asia/Shanghai for display."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI)


def from_local(moment: datetime) -> datetime:
    """Read a naive time typed in a form as Asia/Shanghai and return it in UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC)
