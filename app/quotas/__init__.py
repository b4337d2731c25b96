"""Quotas (配额维护), the daily facts behind them and the seat's task calendar (任务日历)."""
