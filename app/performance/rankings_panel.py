"""Home-page panel 业绩排名: this month's 金榜 (交易金额 top 3) and 银榜 (成单量 top 3) of the whole company, and
the viewer's own place when he is a seat."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app.extensions import db
from app.home import panels
from app.performance import period, rankings
from app.performance.metrics import PerfMetric
from app.performance.rankings_access import RANKINGS_VIEW

PANEL_ROWS = 3
GOLD, SILVER = PerfMetric.AMOUNT, PerfMetric.DEALS  # 金榜 = 交易金额, 银榜 = 成单量


def _rankings() -> dict[str, Any]:
    month = period.this_month()
    gold = rankings.board(db.session, GOLD, month.start, month.end)
    silver = rankings.board(db.session, SILVER, month.start, month.end)
    return {"month": month, "boards": [("金榜", gold), ("银榜", silver)], "rows": PANEL_ROWS,
            "mine": [(board.metric, board.entry_of(current_user.id), board.total) for board in (gold, silver)]}


panels.add("业绩排名", "performance/rankings/_panel.html", _rankings, RANKINGS_VIEW, order=20)
