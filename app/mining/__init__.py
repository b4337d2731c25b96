"""数据挖掘: mining conditions, mining tasks, distribution rules and their runs (seed 000 §2.11–2.19)."""
