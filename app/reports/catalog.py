"""The reports in menu order, by key; the three ledgers share one menu entry and switch by tabs."""

from __future__ import annotations

from app.reports import acquisition, followups, ledgers, pools, trades
from app.reports.framework import Report

REPORTS: dict[str, Report] = {report.key: report for report in (
    trades.REPORT, followups.REPORT, pools.REPORT, acquisition.REPORT, *ledgers.LEDGERS)}
LEDGER_KEYS = tuple(report.key for report in ledgers.LEDGERS)
