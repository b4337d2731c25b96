"""Audit log (日志查询)."""
