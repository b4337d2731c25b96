"""数据挖掘: mining conditions, mining tasks, distribution rules and their runs, the invalid-customer pool
(seed 000 §2.11–2.19)."""
