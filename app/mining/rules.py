"""Distribution rules (客户数据挖掘分配): create, change and check a rule, and run it through the one engine.

A rule's data scope is its org's subtree: it takes customers only from the unassigned pools of that
subtree and gives them only to seats or orgs inside it, whoever (or whatever, the scheduler) runs it.
Every check a run makes is made again when the rule is saved, so a bad rule is refused while the head
is still looking at the editor, and a rule whose seat has left since is refused at its next run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from app import clock
from app.audit import services as audit
from app.auth.models import DataScope, User
from app.customers.models import Customer, Pool
from app.database import DbSession
from app.errors import Conflict, NotFound, ValidationFailed
from app.mining import conditions, distribution
from app.mining.rule_models import RULE_POOLS, DistributionRule, DistributionRuleTarget, RuleKind, TimeField
from app.mining.run_models import DistributionItem, DistributionRun, RunKind, RunStatus
from app.org import scope as data_scope
from app.org.models import Org
from app.org.scope import Scope
from rules.distribution import Method

MAX_TARGETS = 500


@dataclass
class RuleInput:
    """What the editor (or the API) submits for a rule; targets are seats by 工号 and orgs by id."""

    name: str = ""
    description: str = ""
    enabled: bool = True
    auto: bool = False
    semi: bool = True
    kind: str = RuleKind.TO_PEOPLE.value
    method: str = Method.AVERAGE.value
    sort: int = 0
    condition_id: int | None = None
    time_field: str = TimeField.POOL_CHANGED_AT.value
    date_from: date | None = None
    date_to: date | None = None
    recent_days: int | None = None
    pools: list[str] = field(default_factory=lambda: [Pool.DEPARTMENT.value, Pool.PUBLIC.value])
    max_per_run: int | None = None
    seat_work_nos: list[str] = field(default_factory=list)
    org_ids: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, rule: DistributionRule) -> RuleInput:
        """The input that would save ``rule`` as it is (the editor's starting values)."""
        return cls(name=rule.name, description=rule.description, enabled=rule.enabled, auto=rule.auto,
                   semi=rule.semi, kind=rule.kind.value, method=rule.method.value, sort=rule.sort,
                   condition_id=rule.condition_id, time_field=rule.time_field.value, date_from=rule.date_from,
                   date_to=rule.date_to, recent_days=rule.recent_days, pools=list(rule.pools or []),
                   max_per_run=rule.max_per_run,
                   seat_work_nos=[t.seat.work_no for t in rule.targets if t.seat is not None],
                   org_ids=[t.org_id for t in rule.targets if t.org_id is not None])


# --- finding rules ----------------------------------------------------------------------------------


def rule_query(scope: Scope) -> Select[Any]:
    """The rules a user may see: those of orgs in the scope, and their own."""
    return data_scope.apply(select(DistributionRule), scope, DistributionRule.org_id, DistributionRule.created_by_id)


def get_rule(session: DbSession, scope: Scope, rule_id: int) -> DistributionRule:
    """Load a rule in scope; out of scope looks exactly like missing (404)."""
    return data_scope.get_or_404(session, DistributionRule, rule_id, scope, owner_attr="created_by_id")


def rule_scope(session: DbSession, rule: DistributionRule) -> Scope:
    """The scope a rule runs in: its org's subtree, the same for the scheduler as for a person."""
    org = session.get(Org, rule.org_id)
    assert org is not None
    return Scope(0, DataScope.DEPARTMENT_TREE, org.id, org.path)


# --- saving -----------------------------------------------------------------------------------------


def _clean_source(session: DbSession, scope: Scope, data: RuleInput, may_use_city: bool) -> list[str]:
    pools = [p for p in dict.fromkeys(data.pools) if p in {pool.value for pool in RULE_POOLS}]
    if not pools:
        raise ValidationFailed("请至少选择一个客户来源数据池")
    if Pool.CITY.value in pools and not may_use_city:
        raise ValidationFailed("您没有城市经理公共池的权限，不能从该池分配客户")
    if data.time_field not in {t.value for t in TimeField}:
        raise ValidationFailed("时间范围的字段无效")
    if data.date_from and data.date_to and data.date_from > data.date_to:
        raise ValidationFailed("时间范围的开始日期不能晚于结束日期")
    if data.recent_days is not None and not 1 <= data.recent_days <= 3650:
        raise ValidationFailed("“最近天数”应在 1 到 3650 之间")
    if data.condition_id is None and not (data.date_from or data.date_to or data.recent_days):
        raise ValidationFailed("请选择挖掘条件或设置时间范围，作为客户来源")
    if data.condition_id is not None:
        condition = conditions.saved(session, data.condition_id, scope)
        conditions.validate(session, condition.spec)  # an empty or contradictory condition is refused here
    return pools


def _clean_targets(session: DbSession, scope: Scope, data: RuleInput) -> tuple[list[int], list[int]]:
    """Resolve the targets to seat ids and org ids, refusing what the engine would refuse at run time."""
    work_nos = [w.strip() for w in dict.fromkeys(data.seat_work_nos) if w and w.strip()]
    org_ids = list(dict.fromkeys(data.org_ids))
    if not work_nos and not org_ids:
        raise ValidationFailed("请至少添加一个分配目标")
    if len(work_nos) + len(org_ids) > MAX_TARGETS:
        raise ValidationFailed(f"分配目标最多 {MAX_TARGETS} 个")
    kind = RuleKind(data.kind)
    if kind == RuleKind.TO_PEOPLE and org_ids:
        raise ValidationFailed("“分配到人”的规则只能添加坐席（工号）作为分配目标")
    if kind == RuleKind.TO_GROUPS and work_nos:
        raise ValidationFailed("“分配到组”的规则只能添加组织作为分配目标")
    seats = {u.work_no: u for u in session.scalars(select(User).where(User.work_no.in_(work_nos)))}
    for work_no in work_nos:
        seat = seats.get(work_no)
        if seat is None or not data_scope.covers(session, scope, seat.org_id):
            raise NotFound(f"坐席 {work_no} 不存在或不在您的管理范围内")
    seat_ids = [seats[w].id for w in work_nos]
    targets = (distribution.seat_targets(session, scope, seat_ids) if seat_ids
               else distribution.org_targets(session, scope, org_ids))
    if Method(data.method) == Method.WEIGHT and all(t.weight <= 0 for t in targets):
        raise ValidationFailed("所有分配目标的权重都为 0，无法按权重分配")
    return seat_ids, org_ids


def save_rule(session: DbSession, actor: User, scope: Scope, data: RuleInput, rule: DistributionRule | None = None,
              *, may_use_city: bool = False) -> DistributionRule:
    """Create a rule (``rule`` None) or change one, after every check; nothing is written when one fails."""
    name = data.name.strip()
    if not name:
        raise ValidationFailed("请填写规则名称")
    if len(name) > 60:
        raise ValidationFailed("规则名称最多 60 个字")
    if data.kind not in {k.value for k in RuleKind}:
        raise ValidationFailed("请选择分配规则：分配到组或分配到人")
    if data.method not in {m.value for m in Method}:
        raise ValidationFailed("请选择分配方式：平均、随机或权重")
    if data.max_per_run is not None and not 1 <= data.max_per_run <= 1_000_000:
        raise ValidationFailed("“每次最多分配”应在 1 到 1000000 之间")
    # The rule's own scope when it already has one: a city manager editing a head's rule keeps it there.
    target_scope = scope if rule is None else _narrower(session, scope, rule_scope(session, rule))
    pools = _clean_source(session, scope, data, may_use_city)
    seat_ids, org_ids = _clean_targets(session, target_scope, data)
    if rule is None:
        rule = DistributionRule(org_id=actor.org_id, created_by_id=actor.id, created_at=clock.now())
        session.add(rule)
    rule.name, rule.description = name, data.description.strip()[:500]
    rule.enabled, rule.auto, rule.semi = data.enabled, data.auto, data.semi
    rule.kind, rule.method, rule.sort = RuleKind(data.kind), Method(data.method), data.sort
    rule.condition_id, rule.time_field = data.condition_id, TimeField(data.time_field)
    rule.date_from, rule.date_to, rule.recent_days = data.date_from, data.date_to, data.recent_days
    rule.pools, rule.max_per_run = pools, data.max_per_run
    rule.targets = ([DistributionRuleTarget(seat_id=seat_id, position=i) for i, seat_id in enumerate(seat_ids)]
                    + [DistributionRuleTarget(org_id=org_id, position=i) for i, org_id in enumerate(org_ids)])
    session.flush()
    return rule


def _narrower(session: DbSession, editor: Scope, rule: Scope) -> Scope:
    """Of the editor's scope and the rule's, the one targets must lie in (both, in practice: the narrower)."""
    if editor.is_all:
        return rule
    return rule if rule.subtree_path.startswith(editor.subtree_path or "\0") else editor


def delete_rule(session: DbSession, rule: DistributionRule) -> None:
    """Delete a rule; its past runs stay in 分配记录 (they keep the rule's id and title)."""
    audit.record(session, "mining.rule_delete", rule, summary=f"删除分配规则“{rule.name}”")
    session.delete(rule)
    session.flush()


# --- running ----------------------------------------------------------------------------------------


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.SHANGHAI)


def rule_source(session: DbSession, rule: DistributionRule, now: datetime,
                exclude_runs: Sequence[int] = ()) -> Select[Any]:
    """The customer ids a rule would distribute now: its condition and time range over its pools, in its scope,
    minus customers other runs of the same preview already place (a 半自动 batch never plans one twice)."""
    scope = rule_scope(session, rule)
    if rule.condition_id is not None:
        stmt = conditions.customer_ids(session, rule.condition.spec, scope, now)
    else:
        stmt = select(Customer.id).where(data_scope.org_condition(scope, Customer.service_org_id))
    stmt = stmt.where(Customer.pool.in_(rule.pool_list), Customer.service_seat_id.is_(None))
    column = Customer.created_at if rule.time_field == TimeField.CREATED_AT else Customer.pool_changed_at
    if rule.date_from:
        stmt = stmt.where(column >= _local_midnight(rule.date_from))
    if rule.date_to:
        stmt = stmt.where(column < _local_midnight(rule.date_to + timedelta(days=1)))
    if rule.recent_days:
        stmt = stmt.where(column >= now - timedelta(days=rule.recent_days))
    if exclude_runs:
        stmt = stmt.where(Customer.id.not_in(select(DistributionItem.customer_id)
                                             .where(DistributionItem.run_id.in_(list(exclude_runs)))))
    return stmt


def resolve_targets(session: DbSession, rule: DistributionRule) -> list[distribution.Target]:
    """The rule's targets as the engine takes them, each seat with its 权重; a seat who left is refused."""
    scope = rule_scope(session, rule)
    seat_ids = [t.seat_id for t in rule.targets if t.seat_id is not None]
    org_ids = [t.org_id for t in rule.targets if t.org_id is not None]
    if not seat_ids and not org_ids:
        raise ValidationFailed(f"规则“{rule.name}”没有分配目标，请至少添加一个分配目标")
    return distribution.seat_targets(session, scope, seat_ids) + distribution.org_targets(session, scope, org_ids)


def run_title(session: DbSession, rule: DistributionRule) -> str:
    done = session.scalar(select(func.count()).where(DistributionRun.rule_id == rule.id,
                                                     DistributionRun.status == RunStatus.DONE)) or 0
    return f"规则“{rule.name}” 第 {int(done) + 1} 次运行"


def run_rule(session: DbSession, rule: DistributionRule, actor: User | None, *, dry_run: bool,
             kind: RunKind = RunKind.SEMI, exclude_runs: Sequence[int] = ()) -> DistributionRun:
    """Plan a run of the rule (the dry-run preview) and, unless ``dry_run``, execute exactly that plan."""
    if not rule.enabled:
        raise ValidationFailed(f"规则“{rule.name}”已停用，不能运行")
    now = clock.now()
    run = distribution.plan(session, kind=kind, method=rule.method, targets=resolve_targets(session, rule),
                            source=rule_source(session, rule, now, exclude_runs),
                            actor_id=actor.id if actor else None, title=run_title(session, rule), rule_id=rule.id,
                            limit=rule.max_per_run)
    if not dry_run:
        execute_runs(session, actor, [run])
    return run


def preview_rules(session: DbSession, actor: User, rules: Sequence[DistributionRule]) -> list[DistributionRun]:
    """半自动分配's 预览: one planned run per rule, in the order chosen; later rules skip earlier rules' customers."""
    if not rules:
        raise ValidationFailed("请先从左侧选择要执行的分配规则")
    runs: list[DistributionRun] = []
    for rule in rules:
        if not rule.semi:
            raise ValidationFailed(f"规则“{rule.name}”未设置为参与半自动分配")
        runs.append(run_rule(session, rule, actor, dry_run=True, kind=RunKind.SEMI,
                             exclude_runs=[r.id for r in runs]))
    return runs


def execute_runs(session: DbSession, actor: User | None, runs: Sequence[DistributionRun]) -> list[DistributionRun]:
    """Execute previewed runs in order, each exactly as planned; a rule's last run time is set."""
    now = clock.now()
    for run in runs:
        distribution.execute(session, run, actor.id if actor else None)
        if run.rule_id is not None:
            rule = session.get(DistributionRule, run.rule_id)
            if rule is not None:
                rule.last_run_at = now
    session.flush()
    return list(runs)


def execute_previews(session: DbSession, actor: User, runs: Sequence[DistributionRun]) -> list[DistributionRun]:
    """执行 from a screen or the API: only 半自动 and 手动 previews; other kinds belong to their own screens."""
    for run in runs:
        if run.kind not in (RunKind.SEMI, RunKind.MANUAL):
            raise Conflict(f"{run.kind.label}的分配记录不能在此执行")
    return execute_runs(session, actor, runs)


def manual_preview(session: DbSession, actor: User, scope: Scope, seat_ids: Sequence[int], method: str,
                   source: Select[Any]) -> DistributionRun:
    """手动分配's 预览: the chosen customers (a source query) over several seats of the head's departments."""
    if not seat_ids:
        raise ValidationFailed("请至少选择一名坐席")
    if method not in {m.value for m in Method}:
        raise ValidationFailed("请选择分配方式：平均、随机或权重")
    targets = distribution.seat_targets(session, scope, seat_ids)
    return distribution.plan(session, kind=RunKind.MANUAL, method=Method(method), targets=targets, source=source,
                             actor_id=actor.id, title=f"{actor.name} 手动分配")


# --- what runs show ---------------------------------------------------------------------------------


def run_query(scope: Scope) -> Select[Any]:
    """Runs a user may see: started by someone in the scope, or of a rule of an org in it (自动 runs)."""
    starter = select(User.org_id).where(User.id == DistributionRun.created_by_id).scalar_subquery()
    owner = select(DistributionRule.org_id).where(DistributionRule.id == DistributionRun.rule_id).scalar_subquery()
    return data_scope.apply(select(DistributionRun), scope, func.coalesce(owner, starter),
                            DistributionRun.created_by_id)


def get_run(session: DbSession, scope: Scope, run_id: int) -> DistributionRun:
    run = session.scalar(run_query(scope).where(DistributionRun.id == run_id))
    if run is None:
        raise NotFound("分配记录不存在或您无权查看")
    return run


def over_cap(session: DbSession, run: DistributionRun) -> int:
    """Customers the run's source matched that no target had room for (a rule's 每次最多分配 is not "over cap")."""
    wanted = run.source_count
    rule = session.get(DistributionRule, run.rule_id) if run.rule_id is not None else None
    if rule is not None and rule.max_per_run:
        wanted = min(wanted, rule.max_per_run)
    return max(0, wanted - run.planned)


def result_message(session: DbSession, runs: Sequence[DistributionRun]) -> str:
    """"已分配 N 个客户：坐席 A 40，坐席 B 60；M 个因超出个人客户数上限未分配" for executed runs."""
    per_target: dict[str, int] = {}
    for run in runs:
        for target in run.targets:
            per_target[target.label] = per_target.get(target.label, 0) + target.moved
    parts = "，".join(f"{label} {n}" for label, n in per_target.items())
    text = f"已分配 {sum(r.moved for r in runs)} 个客户" + (f"：{parts}" if parts else "")
    capped = sum(over_cap(session, r) for r in runs)
    if capped:
        text += f"；{capped} 个因超出个人客户数上限未分配"
    skipped = sum(r.skipped for r in runs)
    if skipped:
        text += f"；{skipped} 个已被他人处理或执行时坐席已满，未分配"
    return text
