"""Dispatch plans (工作计划 / 任务下达): monthly, weekly and daily targets per metric for an org or a seat,
split down the org tree and tracked against the daily facts of the task calendar."""
