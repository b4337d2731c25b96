"""Scheduler job: 客户自动分配 — run every enabled automatic distribution rule (app/mining/rules.py) once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.audit import services as audit
from app.database import DbSession
from app.errors import DomainError
from app.mining import rules
from app.mining.rule_models import DistributionRule
from app.mining.run_models import RunKind
from scheduler.registry import job


@job("mining.distribute", "客户自动分配", interval_seconds=3600,
     description="按顺序运行每条启用且参与自动分配的分配规则，每条规则运行一次（分配记录中为“自动分配”）")
def distribute_by_rules(session: DbSession, now: datetime) -> str:
    """Run each enabled automatic rule in order as the system; a refused rule is reported and the rest still run."""
    automatic = list(session.scalars(select(DistributionRule).where(
        DistributionRule.enabled.is_(True), DistributionRule.auto.is_(True))
        .order_by(DistributionRule.sort, DistributionRule.id)))
    if not automatic:
        return "没有启用的自动分配规则"
    done: list[str] = []
    refused: list[str] = []
    moved = 0
    with audit.acting_as(audit.SYSTEM):
        for rule in automatic:
            try:
                with session.begin_nested():  # a refused rule leaves nothing behind, the others carry on
                    run = rules.run_rule(session, rule, None, dry_run=False, kind=RunKind.AUTO)
            except DomainError as exc:
                refused.append(f"规则“{rule.name}”未运行：{exc.message}")
                continue
            moved += run.moved
            done.append(f"“{rule.name}” {run.moved}")
        if moved:
            audit.record(session, "mining.auto_distribute", summary=f"自动分配 {moved} 个客户",
                         object_type="distribution_rule")
    summary = f"运行 {len(done)} 条自动分配规则，分配 {moved} 个客户" + (f"（{'，'.join(done)}）" if done else "")
    return "；".join([summary, *refused])
