"""Data mining (数据挖掘): the invalid-customer pool, conditions, tasks, distribution rules and runs."""
