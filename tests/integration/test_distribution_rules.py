"""Distribution rules (客户数据挖掘分配): the editor and its refusals, data scope, dry-run previews that equal what
the run moves, weighted shares, 半自动 batches, 手动分配, the 客户自动分配 job and the JSON API."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict

from app import clock
from app.auth.models import User, UserStatus
from app.customers.models import Customer, Pool
from app.extensions import db
from app.mining import rules
from app.mining.models import MiningCondition
from app.mining.rule_demo import CONDITION_NAME, DEMO_BATCH, RULE_NAME
from app.mining.rule_models import DistributionRule
from app.mining.run_models import DistributionItem, DistributionRun, RunKind, RunStatus
from app.pools.models import MoveReason, PoolHistory
from scheduler.mining_distribution import distribute_by_rules
from tests.customer_helpers import fresh, org, user

SEAT01, SEAT02 = "张坐席（S0001）", "陈坐席（S0002）"


def _demo_rule() -> DistributionRule:
    fresh()
    rule = db.session.scalar(select(DistributionRule).where(DistributionRule.name == RULE_NAME))
    assert rule is not None
    return rule


def _condition_id(name: str = CONDITION_NAME) -> int:
    fresh()
    found = db.session.scalar(select(MiningCondition.id).where(MiningCondition.name == name))
    assert found is not None
    return found


def _batch_ids() -> list[int]:
    fresh()
    return list(db.session.scalars(select(Customer.id).where(Customer.import_batch == DEMO_BATCH)))


def _owners(ids: list[int]) -> dict[int, int | None]:
    fresh()
    return dict(db.session.execute(select(Customer.id, Customer.service_seat_id).where(Customer.id.in_(ids))).all())


def _rule_count() -> int:
    fresh()
    return int(db.session.scalar(select(func.count()).select_from(DistributionRule)) or 0)


def _form(**overrides: Any) -> MultiDict[str, Any]:
    """The editor's fields for a weighted rule over the demo condition to seat01 and seat02."""
    fields: dict[str, Any] = {"name": "测试权重规则", "description": "", "enabled": "y", "semi": "y",
                              "kind": "to_people", "method": "weight", "sort": "0", "max_per_run": "",
                              "condition_id": str(_condition_id()), "time_field": "pool_changed_at", "date_from": "",
                              "date_to": "", "recent_days": "", "pools": ["department", "public"],
                              "seat_no": ["S0001", "S0002"]}
    fields.update(overrides)
    data: MultiDict[str, Any] = MultiDict()
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            data.add(key, item)
    return data


def _bad_condition(spec: dict[str, Any]) -> int:
    """A saved condition whose spec the engine refuses (stored around the validation, as old data could be)."""
    head = user("head01")
    condition = MiningCondition(name=f"坏条件{len(str(spec))}", spec=spec, org_id=head.org_id, created_by_id=head.id)
    db.session.add(condition)
    db.session.commit()
    return condition.id


# --- the editor -------------------------------------------------------------------------------------


def test_head_creates_a_weighted_rule_in_the_editor(login_as):
    head = login_as("head01")
    page = head.get("/mining/rules/new")
    assert page.status_code == 200 and "添加分配目标" in page.get_data(as_text=True)
    response = head.post("/mining/rules/new", data=_form())
    assert response.status_code == 302
    fresh()
    rule = db.session.scalar(select(DistributionRule).where(DistributionRule.name == "测试权重规则"))
    assert rule is not None and rule.method.value == "weight" and rule.org_id == org("SH-LC1").id
    assert [t.seat.work_no for t in rule.targets] == ["S0001", "S0002"]
    listing = head.get("/mining/rules").get_data(as_text=True)
    assert "测试权重规则" in listing and "张坐席（S0001）" in listing
    info = head.get(f"/mining/rules/condition-info?condition_id={rule.condition_id}").get_data(as_text=True)
    assert "客户类型" in info and re.search(r"符合条件的客户 <strong>9</strong> 个", info)


def _leave(username: str) -> None:
    db.session.execute(update(User).where(User.username == username).values(status=UserStatus.LEFT))
    db.session.commit()


def _zero_weights() -> None:
    db.session.execute(update(User).where(User.username.in_(["seat01", "seat02"])).values(weight=0))
    db.session.commit()


BAD_INPUTS = [
    ("no_targets", {"seat_no": []}, None, 422, "请至少添加一个分配目标"),
    ("all_weights_zero", {}, _zero_weights, 422, "所有分配目标的权重都为 0，无法按权重分配"),
    ("seat_left", {}, lambda: _leave("seat02"), 422, "坐席 陈坐席（S0002）已离职"),
    ("out_of_scope", {"seat_no": ["S0001", "S0011"]}, None, 404, "不在您的管理范围内"),
    ("no_source", {"condition_id": "0"}, None, 422, "请选择挖掘条件或设置时间范围"),
    ("empty_condition", {"condition_id": lambda: str(_bad_condition({}))}, None, 422, "请至少添加一个条件"),
    ("contradictory_condition", {"condition_id": lambda: str(_bad_condition(
        {"op": "and", "items": [{"field": "age", "cmp": "between", "value": {"from": 60, "to": 30}}]}))},
     None, 422, "条件互相矛盾"),
    ("dates_reversed", {"date_from": "2026-06-10", "date_to": "2026-06-01"}, None, 422, "开始日期不能晚于结束日期"),
    ("groups_with_seats", {"kind": "to_groups"}, None, 422, "“分配到组”的规则只能添加组织作为分配目标"),
]


@pytest.mark.parametrize(("case", "overrides", "setup", "status", "message"), BAD_INPUTS,
                         ids=[case[0] for case in BAD_INPUTS])
def test_a_bad_rule_is_refused_in_chinese_and_the_form_keeps_the_input(login_as, case, overrides, setup, status,
                                                                        message):
    if setup:
        setup()
    values = {key: value() if callable(value) else value for key, value in overrides.items()}
    before = _rule_count()
    head = login_as("head01")
    response = head.post("/mining/rules/new", data=_form(**values))
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:500]
    assert message in html
    assert 'value="测试权重规则"' in html  # the editor shows what was typed
    assert _rule_count() == before


def test_a_rule_is_changed_and_deleted(login_as):
    head = login_as("head01")
    rule = _demo_rule()
    page = head.get(f"/mining/rules/{rule.id}/edit").get_data(as_text=True)
    assert f'value="{RULE_NAME}"' in page and 'value="S0002"' in page
    response = head.post(f"/mining/rules/{rule.id}/edit", data=_form(name="改名的规则", seat_no=["S0002"],
                                                                      method="average"))
    assert response.status_code == 302
    fresh()
    changed = db.session.get(DistributionRule, _rule_id_by_name("改名的规则"))
    assert changed is not None and [t.seat.work_no for t in changed.targets] == ["S0002"]
    changed_id = changed.id
    assert head.post(f"/mining/rules/{changed_id}/delete").status_code == 302
    fresh()
    assert db.session.get(DistributionRule, changed_id) is None


def _rule_id_by_name(name: str) -> int:
    fresh()
    found = db.session.scalar(select(DistributionRule.id).where(DistributionRule.name == name))
    assert found is not None
    return found


def test_another_departments_rule_is_invisible(login_as, api_as):
    other = api_as("head11")
    created = other.post("/api/v1/mining/rules", json={
        "name": "二部规则", "kind": "to_people", "method": "average", "recent_days": 30, "seat_work_nos": ["S0011"]})
    assert created.status_code == 201, created.get_json()
    rule_id = created.get_json()["id"]
    head = login_as("head01")
    assert head.get(f"/mining/rules/{rule_id}/edit").status_code == 404
    assert head.post(f"/mining/rules/{rule_id}/delete").status_code == 404
    assert "二部规则" not in head.get("/mining/rules").get_data(as_text=True)
    api = api_as("head01")
    assert api.get(f"/api/v1/mining/rules/{rule_id}").status_code == 404
    assert api.post(f"/api/v1/mining/rules/{rule_id}/preview").status_code == 404
    assert "二部规则" in login_as("manager01").get("/mining/rules").get_data(as_text=True)  # the city manager's branch


def test_a_condition_a_rule_uses_cannot_be_deleted(login_as, api_as):
    fresh()
    condition_id = db.session.scalar(select(MiningCondition.id).where(MiningCondition.name == CONDITION_NAME))
    refused = api_as("head01").delete(f"/api/v1/mining/conditions/{condition_id}")
    assert refused.status_code == 409
    assert f"分配规则“{RULE_NAME}”正在使用该挖掘条件" in refused.get_json()["error"]["message"]
    page = login_as("head01").post(f"/mining/conditions/{condition_id}/delete", follow_redirects=True)
    assert "正在使用该挖掘条件，不能删除" in page.get_data(as_text=True)
    fresh()
    assert db.session.get(MiningCondition, condition_id) is not None


# --- runs -------------------------------------------------------------------------------------------


@pytest.mark.db_sensitive
def test_semi_automatic_preview_is_what_the_run_moves_by_weight(login_as):
    head = login_as("head01")
    rule = _demo_rule()
    assert RULE_NAME in head.get("/mining/semi").get_data(as_text=True)
    response = head.post("/mining/semi/preview", data={"rule_id": str(rule.id)})
    assert response.status_code == 302
    preview = head.get(response.headers["Location"]).get_data(as_text=True)
    assert "分配预览" in preview and "echarts.min.js" in preview and RULE_NAME in preview
    fresh()
    run = db.session.scalar(select(DistributionRun).where(DistributionRun.rule_id == rule.id))
    assert run is not None and (run.kind, run.status, run.planned) == (RunKind.SEMI, RunStatus.PREVIEWED, 9)
    assert {t.label: t.quota for t in run.targets} == {SEAT01: 6, SEAT02: 3}  # 权重 2 : 1
    plan = dict(db.session.execute(select(DistributionItem.customer_id, DistributionItem.seat_id)
                                   .where(DistributionItem.run_id == run.id)).all())
    assert set(plan) == set(_batch_ids()) and all(v is None for v in _owners(list(plan)).values())

    done = head.post("/mining/runs/execute", data={"run": str(run.id)}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert f"已分配 9 个客户：{SEAT01} 6，{SEAT02} 3" in text and "分配结果" in text
    assert _owners(list(plan)) == plan
    history = db.session.scalars(select(PoolHistory).where(PoolHistory.customer_id.in_(list(plan)),
                                                           PoolHistory.reason == MoveReason.DISTRIBUTE)).all()
    assert len(history) == 9 and all(f"规则“{RULE_NAME}” 第 1 次运行" in h.note for h in history)
    assert db.session.get(DistributionRule, rule.id).last_run_at is not None
    again = head.post("/mining/runs/execute", data={"run": str(run.id)},
                      headers={"Referer": "http://localhost/mining/runs/"})
    assert again.status_code == 302 and _owners(list(plan)) == plan  # a run executes once
    runs_page = head.get("/mining/runs/").get_data(as_text=True)
    assert "半自动分配" in runs_page and "已完成" in runs_page


@pytest.mark.db_sensitive
def test_a_semi_batch_never_plans_one_customer_twice(login_as, api_as):
    api = api_as("head01")
    second = api.post("/api/v1/mining/rules", json={
        "name": "同一批次平均", "kind": "to_people", "method": "average", "condition_id": _condition_id(),
        "seat_work_nos": ["S0001", "S0002"]}).get_json()
    head = login_as("head01")
    response = head.post("/mining/semi/preview", data=MultiDict([("rule_id", str(_demo_rule().id)),
                                                                 ("rule_id", str(second["id"]))]))
    run_ids = [int(v) for v in re.findall(r"run=(\d+)", response.headers["Location"])]
    fresh()
    first_run, second_run = (db.session.get(DistributionRun, i) for i in run_ids)
    assert (first_run.planned, second_run.planned) == (9, 0)
    page = head.get(response.headers["Location"]).get_data(as_text=True)
    assert "没有可分配的客户" not in page and "同一批次平均" in page


@pytest.mark.db_sensitive
def test_manual_distribution_to_several_seats(login_as):
    head = login_as("head01")
    condition = _condition_id()
    listing = head.get(f"/mining/manual?condition={condition}").get_data(as_text=True)
    assert "全部符合条件的 9 个客户" in listing
    response = head.post(f"/mining/manual/preview?condition={condition}",
                         data=MultiDict([("all", "1"), ("seat_id", str(user("seat01").id)),
                                         ("seat_id", str(user("seat02").id)), ("method", "average")]))
    assert response.status_code == 302
    run_id = int(re.findall(r"run=(\d+)", response.headers["Location"])[0])
    fresh()
    run = db.session.get(DistributionRun, run_id)
    assert run.kind == RunKind.MANUAL and sorted(t.quota for t in run.targets) == [4, 5]
    head.post("/mining/runs/execute", data={"run": str(run_id)})
    owners = _owners(_batch_ids())
    assert sorted(list(owners.values()).count(user(u).id) for u in ("seat01", "seat02")) == [4, 5]


def test_manual_distribution_refuses_a_seat_of_another_department(login_as):
    head = login_as("head01")
    response = head.post(f"/mining/manual/preview?condition={_condition_id()}",
                         data=MultiDict([("all", "1"), ("seat_id", str(user("seat11").id)), ("method", "average")]))
    assert response.status_code == 404
    assert all(v is None for v in _owners(_batch_ids()).values())


# --- the scheduler job ------------------------------------------------------------------------------


@pytest.mark.db_sensitive
def test_the_job_runs_only_enabled_automatic_rules(api_as):
    api = api_as("head01")
    base = {"kind": "to_people", "method": "average", "condition_id": _condition_id(), "seat_work_nos": ["S0001"]}
    auto = api.post("/api/v1/mining/rules",
                    json={**base, "name": "自动规则", "auto": True, "max_per_run": 4}).get_json()
    api.post("/api/v1/mining/rules", json={**base, "name": "停用的自动规则", "auto": True, "enabled": False})
    api.post("/api/v1/mining/rules", json={**base, "name": "半自动规则", "auto": False})
    fresh()
    summary = distribute_by_rules(db.session, clock.now())
    db.session.commit()
    assert summary == "运行 1 条自动分配规则，分配 4 个客户（“自动规则” 4）"
    runs = db.session.scalars(select(DistributionRun).where(DistributionRun.kind == RunKind.AUTO)).all()
    assert [(r.rule_id, r.moved, r.created_by_id) for r in runs] == [(auto["id"], 4, None)]
    assert sum(1 for v in _owners(_batch_ids()).values() if v == user("seat01").id) == 4


def test_the_job_reports_a_refused_rule_and_runs_the_others(api_as):
    api = api_as("head01")
    base = {"kind": "to_people", "method": "average", "condition_id": _condition_id(), "auto": True}
    api.post("/api/v1/mining/rules", json={**base, "name": "交给陈坐席", "seat_work_nos": ["S0002"], "sort": 1})
    api.post("/api/v1/mining/rules", json={**base, "name": "交给张坐席", "seat_work_nos": ["S0001"], "sort": 2})
    _leave("seat02")
    summary = distribute_by_rules(db.session, clock.now())
    db.session.commit()
    assert "运行 1 条自动分配规则，分配 9 个客户" in summary and "规则“交给陈坐席”未运行" in summary
    assert "已离职" in summary
    assert set(_owners(_batch_ids()).values()) == {user("seat01").id}


def test_admin_changes_the_period_in_the_scheduling_centre(login_as):
    from scheduler.models import ScheduledJob

    admin = login_as("admin")
    assert "客户自动分配" in admin.get("/admin/scheduler/").get_data(as_text=True)
    response = admin.post("/admin/scheduler/mining.distribute",
                          data={"mode": "interval", "interval_seconds": "600", "enabled": "on"})
    assert response.status_code == 302
    fresh()
    job = db.session.get(ScheduledJob, "mining.distribute")
    assert job is not None and (job.interval_seconds, job.enabled) == (600, True)


# --- API --------------------------------------------------------------------------------------------


@pytest.mark.db_sensitive
def test_api_crud_preview_and_execute(api_as):
    api = api_as("head01")
    created = api.post("/api/v1/mining/rules", json={
        "name": "API 规则", "kind": "to_people", "method": "weight", "condition_id": _condition_id(),
        "seat_work_nos": ["S0001", "S0002"], "semi": True})
    assert created.status_code == 201
    rule = created.get_json()
    assert rule["seat_work_nos"] == ["S0001", "S0002"] and rule["pools"] == ["department", "public"]
    assert api.get(f"/api/v1/mining/rules/{rule['id']}").get_json()["name"] == "API 规则"
    assert any(r["id"] == rule["id"] for r in api.get("/api/v1/mining/rules").get_json()["items"])
    changed = api.put(f"/api/v1/mining/rules/{rule['id']}", json={"description": "按权重"})
    assert changed.status_code == 200 and changed.get_json()["method"] == "weight"

    preview = api.post(f"/api/v1/mining/rules/{rule['id']}/preview")
    assert preview.status_code == 201
    run = preview.get_json()
    assert run["status"] == "previewed" and {t["label"]: t["planned"] for t in run["targets"]} == {SEAT01: 6,
                                                                                                   SEAT02: 3}
    executed = api.post(f"/api/v1/mining/runs/{run['id']}/execute")
    assert executed.status_code == 200
    body = executed.get_json()
    assert {t["label"]: t["moved"] for t in body["targets"]} == {t["label"]: t["planned"] for t in run["targets"]}
    assert body["message"] == f"已分配 9 个客户：{SEAT01} 6，{SEAT02} 3"
    assert api.get(f"/api/v1/mining/runs/{run['id']}").get_json()["status"] == "done"
    assert api.post(f"/api/v1/mining/runs/{run['id']}/execute").status_code == 409
    assert api.delete(f"/api/v1/mining/rules/{rule['id']}").status_code == 204
    assert api.get(f"/api/v1/mining/rules/{rule['id']}").status_code == 404


@pytest.mark.parametrize(("body", "message"), [
    ({"name": "x", "method": "average", "condition_id": None, "recent_days": 3}, "请至少添加一个分配目标"),
    ({"name": "x", "recent_days": 3, "seat_work_nos": ["S0011"]}, "不在您的管理范围内"),
    ({"name": "x", "recent_days": "3", "seat_work_nos": ["S0001"]}, "字段 recent_days 应为整数"),
    ({"name": "", "recent_days": 3, "seat_work_nos": ["S0001"]}, "请填写规则名称"),
])
def test_api_refuses_bad_rules(api_as, body, message):
    before = _rule_count()
    response = api_as("head01").post("/api/v1/mining/rules", json=body)
    assert response.status_code in (404, 422) and message in response.get_json()["error"]["message"]
    assert _rule_count() == before


@pytest.mark.parametrize("url", ["/mining/rules", "/mining/semi", "/mining/manual", "/mining/runs/"])
def test_seats_cannot_reach_the_distribution_screens(login_as, url):
    assert login_as("seat01").get(url).status_code == 403


def test_heads_find_the_distribution_rules_in_their_menu(login_as):
    assert "分配规则" in login_as("head01").get("/").get_data(as_text=True)


def test_rule_scope_is_its_orgs_subtree(app):
    rule = _demo_rule()
    scope = rules.rule_scope(db.session, rule)
    assert scope.subtree_path == org("SH-LC1").path and Pool.DEPARTMENT.value in rule.pools


def test_a_preview_can_be_discarded_and_other_departments_runs_stay_hidden(login_as):
    head = login_as("head01")
    listing = head.get("/mining/runs/").get_data(as_text=True)
    assert "李主管 手动分配" in listing and "待执行（已预览）" in listing
    fresh()
    run_id = db.session.scalar(select(DistributionRun.id).where(DistributionRun.kind == RunKind.MANUAL))
    planned = list(db.session.scalars(select(DistributionItem.customer_id).where(DistributionItem.run_id == run_id)))
    assert len(planned) == 2
    assert login_as("head11").get(f"/mining/runs/preview?run={run_id}").status_code == 404
    assert head.post("/mining/runs/discard", data={"run": str(run_id)}).status_code == 302
    fresh()
    assert db.session.get(DistributionRun, run_id).status == RunStatus.DISCARDED
    assert all(v is None for v in _owners(planned).values())
