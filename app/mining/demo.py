"""Demo mining conditions (挖掘条件): one per department head, so the list and the API start with examples."""

from __future__ import annotations

from app.database import DbSession
from app.demo import DemoContext, loader
from app.mining import conditions


@loader("mining_conditions")
def load_demo_conditions(session: DbSession, ctx: DemoContext) -> None:
    conditions.create(session, ctx.users["head01"], "意向客户 3 天无有效跟进", {"op": "and", "items": [
        {"field": "type", "cmp": "in", "value": ["intent"]},
        {"field": "last_valid_call_at", "cmp": "before", "value": {"days_ago": 3}}]},
        "回收与再分配前先看看这些客户")
    conditions.create(session, ctx.users["head11"], "未成交的 A 类客户", {"op": "and", "items": [
        {"field": "grade", "cmp": "in", "value": ["A"]}, {"field": "dealt", "cmp": "is", "value": False}]})
