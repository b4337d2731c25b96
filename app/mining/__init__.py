"""Data mining (数据挖掘): saved customer conditions (挖掘条件) and what is built on them."""
