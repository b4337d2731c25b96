"""Mining tasks (数据挖掘任务): lifecycle, sources, the four types, draws under 最大执行数量, scope, job, API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import clock
from app.admin import params
from app.auth.models import User
from app.customers.models import Customer, Pool
from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.followups.models import FollowUp
from app.mining import conditions, task_demo, task_draws, task_sources, tasks
from app.mining.task_models import ItemStatus, MiningTask, MiningTaskItem, MiningTaskPick, TaskStatus
from app.pools import services as pool_services
from app.pools.models import MoveReason, PoolHistory
from scheduler.mining_tasks import generate_task_sources
from tests.customer_helpers import fresh, make_customer, make_seats, public_customers, user
from tests.race import at_once


def _task(name: str = "测试任务", *, type_: str = "random", source: str = "fixed", seats: tuple[str, ...] = (
        "seat01", "seat02"), customers: list[int] | None = None, publish: bool = True, actor: str = "head01",
          **extra) -> MiningTask:
    """A task made through the services as ``actor``, with a fixed selection, published by default."""
    head = user(actor)
    scope = tasks.manager_scope(db.session, head)
    today = clock.today()
    data = tasks.TaskInput(name=name, type=type_, source_kind=source, start_date=today - timedelta(days=1),
                           end_date=today + timedelta(days=10), seat_work_nos=[user(s).work_no for s in seats],
                           **extra)
    task = tasks.create_task(db.session, head, scope, data)
    if customers:
        tasks.add_picks(db.session, scope, task, customers)
    if publish:
        tasks.publish(db.session, head, scope, task)
    db.session.commit()
    return task


def _unassigned(n: int, prefix: str = "挖掘") -> list[int]:
    return [make_customer(f"{prefix}{i}", pool=Pool.DEPARTMENT).id for i in range(n)]


def _items(task_id: int) -> list[MiningTaskItem]:
    fresh()
    return list(db.session.scalars(select(MiningTaskItem).where(MiningTaskItem.task_id == task_id)
                                   .order_by(MiningTaskItem.id)))


# --- categories and lifecycle -----------------------------------------------------------------------------


def test_categories_are_kept_by_heads_and_closed_to_seats(login_as):
    head = login_as("head01")
    assert head.post("/mining/task-categories", data={"name": "客户关怀", "sort": "5"}).status_code == 302
    category = db.session.scalar(select(tasks.MiningTaskCategory).where(tasks.MiningTaskCategory.name == "客户关怀"))
    assert category is not None and category.sort == 5
    category_id = category.id
    head.post(f"/mining/task-categories/{category_id}", data={"name": "客户关怀回访", "sort": "1"})
    page = head.get("/mining/task-categories").get_data(as_text=True)
    assert "客户关怀回访" in page
    clash = head.post("/mining/task-categories", data={"name": "客户关怀回访", "sort": "0"},
                      headers={"Referer": "/mining/task-categories"}, follow_redirects=True)
    assert "已存在" in clash.get_data(as_text=True)
    head.post(f"/mining/task-categories/{category_id}/delete")
    fresh()
    assert db.session.get(tasks.MiningTaskCategory, category_id) is None
    assert login_as("seat01").get("/mining/task-categories").status_code == 403


def test_lifecycle_from_the_screens_draft_publish_close(login_as):
    ids = _unassigned(3)
    head = login_as("head01")
    today = clock.today()
    response = head.post("/mining/tasks/new", data={
        "name": "屏幕任务", "type": "random", "source_kind": "fixed", "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=5)).isoformat(), "max_unexecuted": "2", "seat_work_nos": "S0001，S0002"})
    assert response.status_code == 302
    task = db.session.scalar(select(MiningTask).where(MiningTask.name == "屏幕任务"))
    assert task.status == TaskStatus.DRAFT and task.org_id == user("head01").org_id
    assert {t.seat.work_no for t in task.targets} == {"S0001", "S0002"}
    found = head.get(f"/mining/tasks/{task.id}?q=挖掘0").get_data(as_text=True)
    assert "挖掘0" in found
    head.post(f"/mining/tasks/{task.id}/picks", data={"customer_id": [str(i) for i in ids]})
    assert tasks.pick_count(db.session, task.id) == 3
    assert head.post(f"/mining/tasks/{task.id}/publish").status_code == 302
    assert len(_items(task.id)) == 3
    page = head.get(f"/mining/tasks/{task.id}").get_data(as_text=True)
    assert "关闭任务" in page and 'id="task-counts"' in page
    refused = head.post(f"/mining/tasks/{task.id}/edit", data={"name": "改名"},
                        headers={"Referer": f"/mining/tasks/{task.id}"}, follow_redirects=True)
    assert "只有草稿可以修改" in refused.get_data(as_text=True)
    listing = head.get("/mining/tasks").get_data(as_text=True)
    assert "屏幕任务" in listing and "progress-bar" in listing
    head.post(f"/mining/tasks/{task.id}/close")
    fresh()
    assert db.session.get(MiningTask, task.id).status == TaskStatus.CLOSED


def test_publish_refuses_an_incomplete_task(app):
    task = _task("空任务", publish=False)
    with pytest.raises(ValidationFailed, match="固定选择来源还没有客户"):
        tasks.publish(db.session, user("head01"), tasks.manager_scope(db.session, user("head01")), task)
    db.session.rollback()
    with pytest.raises(NotFound, match="不在您的管理范围内"):
        _task("越权目标", seats=("seat11",), publish=False)
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="分配方式"):
        _task("没有分配方式", type_="system", publish=False)


def test_fixed_source_is_frozen_at_publish(app):
    ids = _unassigned(4)
    task = _task("固定来源", customers=ids[:3])
    assert sorted(i.customer_id for i in _items(task.id)) == sorted(ids[:3])
    with pytest.raises(Conflict, match="只有草稿可以修改"):
        tasks.add_picks(db.session, tasks.manager_scope(db.session, user("head01")), task, [ids[3]])
    db.session.rollback()
    generate_task_sources(db.session, clock.now())  # the job leaves a fixed random-draw task alone
    assert len(_items(task.id)) == 3
    assert all(i.status == ItemStatus.OPEN and i.seat_id is None for i in _items(task.id))


def test_picks_outside_the_heads_scope_are_ignored(app):
    theirs = make_customer("二部客户", org_code="SH-LC2", pool=Pool.DEPARTMENT).id
    task = _task("范围", customers=[theirs, *_unassigned(1)], publish=False)
    assert tasks.pick_count(db.session, task.id) == 1


# --- the four types ---------------------------------------------------------------------------------------------


def test_re_service_items_go_to_each_customers_service_seat(login_as):
    a = make_customer("回访甲", seat="seat01").id
    b = make_customer("回访乙", seat="seat02").id
    loose = _unassigned(1)[0]
    task = _task("客户回访", type_="reservice", seats=(), customers=[a, b, loose])
    items = {i.customer_id: i for i in _items(task.id)}
    assert set(items) == {a, b}  # a customer without a seat is no re-service source
    assert items[a].seat_id == user("seat01").id and items[b].seat_id == user("seat02").id
    assert all(i.status == ItemStatus.DRAWN for i in items.values())
    seat02 = login_as("seat02")
    assert seat02.post(f"/mining/my-items/{items[a].id}/execute", data={"outcome": "interested"}).status_code == 404
    seat01 = login_as("seat01")
    assert "客户回访" in seat01.get("/mining/my-tasks").get_data(as_text=True)
    assert seat01.post(f"/mining/my-items/{items[a].id}/execute",
                       data={"outcome": "interested", "note": "满意"}).status_code == 302
    done = {i.customer_id: i for i in _items(task.id)}
    assert done[a].status == ItemStatus.DONE and done[a].note == "满意" and done[b].status == ItemStatus.DRAWN


def test_system_task_distributes_unowned_customers_and_keeps_owned_ones(app):
    loose = _unassigned(6)
    owned = make_customer("已有坐席", seat="seat02").id
    task = _task("系统分配", type_="system", method="average", customers=[*loose, owned])
    items = {i.customer_id: i for i in _items(task.id)}
    assert all(i.seat_id is not None and i.status == ItemStatus.DRAWN for i in items.values())
    assert items[owned].seat_id == user("seat02").id
    seat01, seat02 = user("seat01").id, user("seat02").id
    spread = [items[c].seat_id for c in loose]
    assert sorted(spread.count(s) for s in (seat01, seat02)) == [3, 3]  # 平均
    seats = dict(db.session.execute(select(Customer.id, Customer.service_seat_id).where(Customer.id.in_(loose))).all())
    assert all(seats[c] == items[c].seat_id for c in loose)  # landed in the seat's personal pool
    reasons = set(db.session.scalars(select(PoolHistory.reason).where(PoolHistory.customer_id.in_(loose))))
    assert MoveReason.MINING_TASK in reasons


# --- draws -------------------------------------------------------------------------------------------------------


def test_random_draw_stops_at_max_execution_count_and_moves_the_customer(login_as):
    ids = _unassigned(5)
    task = _task("随机抽取", customers=ids, max_unexecuted=3)
    seat = login_as("seat01")
    for _ in range(3):
        assert seat.post(f"/mining/my-tasks/{task.id}/draw").status_code == 302
    refused = seat.post(f"/mining/my-tasks/{task.id}/draw", headers={"Referer": "/mining/my-tasks"},
                        follow_redirects=True).get_data(as_text=True)
    assert "您还有 3 个未执行的任务客户，达到最大执行数量 3，请先执行" in refused
    mine = [i for i in _items(task.id) if i.seat_id == user("seat01").id]
    assert len(mine) == 3
    owners = set(db.session.scalars(select(Customer.service_seat_id).where(
        Customer.id.in_([i.customer_id for i in mine]))))
    assert owners == {user("seat01").id}
    history = db.session.scalars(select(PoolHistory).where(PoolHistory.customer_id == mine[0].customer_id,
                                                           PoolHistory.reason == MoveReason.MINING_TASK)).all()
    assert len(history) == 1 and "随机抽取" in history[0].note
    assert MoveReason.MINING_TASK.label == "数据挖掘任务"
    executed = seat.post(f"/mining/my-items/{mine[0].id}/execute", data={
        "outcome": "no_answer", "note": "无人接听", "record_followup": "1", "kind": "call", "duration_seconds": "0",
        "result": "no_answer"})
    assert executed.status_code == 302
    done = next(i for i in _items(task.id) if i.id == mine[0].id)
    assert done.status == ItemStatus.DONE and done.outcome == "no_answer" and done.followup_id
    assert db.session.get(FollowUp, done.followup_id).customer_id == done.customer_id
    assert seat.post(f"/mining/my-tasks/{task.id}/draw").status_code == 302  # room again under the limit
    page = seat.get(f"/mining/my-tasks/{task.id}").get_data(as_text=True)
    assert "抽取一个" in page and 'id="unexecuted">3<' in page


def test_execute_links_the_latest_follow_up_logged_after_drawing(app):
    task = _task("关联跟进", customers=_unassigned(1))
    seat = user("seat01")
    item = task_draws.draw_random(db.session, seat, task.id)
    from app.followups import services as followups

    customer = db.session.get(Customer, item.customer_id)
    record = followups.log_follow_up(db.session, customer, seat,
                                     followups.FollowUpInput(kind="visit", content="上门拜访"))
    task_draws.execute(db.session, seat, item.id, "interested")
    db.session.commit()
    assert item.followup_id == record.id
    with pytest.raises(Conflict, match="已执行"):
        task_draws.execute(db.session, seat, item.id, "interested")


def test_active_pick_takes_chosen_rows_and_skips_those_taken(app):
    ids = _unassigned(4)
    task = _task("主动抽取", type_="active", customers=ids, max_unexecuted=3)
    items = _items(task.id)
    first = task_draws.pick(db.session, user("seat02"), task.id, [items[0].id])
    db.session.commit()
    assert first.taken == [items[0].id]
    result = task_draws.pick(db.session, user("seat01"), task.id, [items[0].id, items[1].id])
    db.session.commit()
    assert result.taken == [items[1].id] and result.skipped == 1
    with pytest.raises(ValidationFailed, match="本次最多还能抽取 2 个"):
        task_draws.pick(db.session, user("seat01"), task.id, [items[2].id, items[3].id, items[2].id + 999])
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="不能随机抽取"):
        task_draws.draw_random(db.session, user("seat01"), task.id)


def test_a_closed_task_refuses_draws_and_executions(login_as):
    task = _task("中途关闭", customers=_unassigned(3))
    item = task_draws.draw_random(db.session, user("seat01"), task.id)
    db.session.commit()
    tasks.close(db.session, db.session.get(MiningTask, task.id))
    db.session.commit()
    seat = login_as("seat01")
    drawn = seat.post(f"/mining/my-tasks/{task.id}/draw", headers={"Referer": "/mining/my-tasks"},
                      follow_redirects=True).get_data(as_text=True)
    assert "任务“中途关闭”已关闭，不能再抽取" in drawn
    executed = seat.post(f"/mining/my-items/{item.id}/execute", data={"outcome": "other"},
                         headers={"Referer": "/mining/my-tasks"}, follow_redirects=True).get_data(as_text=True)
    assert "任务“中途关闭”已关闭，不能再执行" in executed


def test_scope_untargeted_seat_and_other_department_head_get_404(login_as):
    task = _task("范围检查", customers=_unassigned(2))
    seat11 = login_as("seat11")
    assert seat11.get(f"/mining/my-tasks/{task.id}").status_code == 404
    assert seat11.post(f"/mining/my-tasks/{task.id}/draw").status_code == 404
    assert "范围检查" not in seat11.get("/mining/my-tasks").get_data(as_text=True)
    head11 = login_as("head11")
    assert head11.get(f"/mining/tasks/{task.id}").status_code == 404
    assert head11.post(f"/mining/tasks/{task.id}/close").status_code == 404
    assert "范围检查" not in head11.get("/mining/tasks").get_data(as_text=True)
    assert login_as("manager01").get(f"/mining/tasks/{task.id}").status_code == 200


@pytest.mark.db_sensitive
def test_seats_drawing_at_once_never_get_the_same_item(database_url, tmp_path: Path, app):
    seat_ids = make_seats(12, prefix="draw")
    params.set_value(db.session, pool_services.OWNED_CAP, "5000")
    source = public_customers(60)
    head = user("head01")
    scope = tasks.manager_scope(db.session, head)
    today = clock.today()
    task = tasks.create_task(db.session, head, scope, tasks.TaskInput(
        name="并发抽取", type="random", source_kind="fixed", start_date=today, end_date=today,
        org_ids=[head.org_id]))
    tasks.add_picks(db.session, scope, task, source)
    tasks.publish(db.session, head, scope, task)
    db.session.commit()
    task_id = task.id  # read here: the threads must not touch the test's session
    fresh()

    def drawer(_seat_id: int, seat: User) -> list[int]:
        mine = []
        for _ in range(6):
            try:
                mine.append(task_draws.draw_random(db.session, seat, task_id).id)
                db.session.commit()
            except ValidationFailed:
                db.session.rollback()
        return mine

    won = at_once(database_url, tmp_path / "race", seat_ids, drawer,
                  prepare=lambda seat_id: db.session.get(User, seat_id))
    drawn = [i for ids in won.values() for i in ids]
    assert len(drawn) == len(set(drawn)) == 60  # every item drawn once, the source is used up
    items = {i.id: i for i in _items(task_id)}
    owners = dict(db.session.execute(select(Customer.id, Customer.service_seat_id)
                                     .where(Customer.id.in_(source))).all())
    for seat_id, ids in won.items():
        assert all(items[i].seat_id == seat_id and owners[items[i].customer_id] == seat_id for i in ids)
    moves = db.session.scalar(select(func.count()).where(PoolHistory.reason == MoveReason.MINING_TASK,
                                                         PoolHistory.customer_id.in_(source)))
    assert moves == 60


# --- dynamic source and the scheduler job ---------------------------------------------------------------------


@pytest.mark.date_sensitive
def test_job_adds_new_matching_customers_to_a_dynamic_task_until_it_closes(app):
    head = user("head01")
    spec = {"op": "and", "items": [{"field": "type", "cmp": "in", "value": ["valid"]}]}
    condition = conditions.create(db.session, head, "有效客户", spec)
    db.session.commit()
    before = make_customer("动态甲", type_="valid", pool=Pool.DEPARTMENT).id
    task = _task("动态来源", source="dynamic", condition_id=condition.id, type_="random")
    first = {i.customer_id for i in _items(task.id)}
    assert before in first
    assert all(c in first for c in db.session.scalars(select(Customer.id).where(
        Customer.type == "valid", Customer.service_seat_id.is_(None), Customer.service_org_id == head.org_id)))
    later = make_customer("动态乙", type_="valid", pool=Pool.DEPARTMENT).id
    summary = generate_task_sources(db.session, clock.now())
    db.session.commit()
    assert "新增来源客户 1 个" in summary
    assert {i.customer_id for i in _items(task.id)} == first | {later}
    generate_task_sources(db.session, clock.now())  # nothing new: no duplicates
    db.session.commit()
    assert len(_items(task.id)) == len(first) + 1
    tasks.close(db.session, db.session.get(MiningTask, task.id))
    db.session.commit()
    make_customer("动态丙", type_="valid", pool=Pool.DEPARTMENT)
    generate_task_sources(db.session, clock.now())
    db.session.commit()
    assert len(_items(task.id)) == len(first) + 1
    assert task_sources.due_tasks(db.session, clock.now()) == [] or all(
        t.id != task.id for t in task_sources.due_tasks(db.session, clock.now()))


def test_the_job_is_in_the_scheduler_catalogue():
    from scheduler.registry import JOBS

    spec = JOBS["mining.task_sources"]
    assert spec.name == "数据挖掘任务来源生成" and spec.interval_seconds == 1800


def test_merging_customers_keeps_one_item_per_task(app):
    a, b = _unassigned(2, prefix="合并")
    task = _task("合并", customers=[a, b])
    task_sources._on_merge(db.session, survivor_id=a, merged_ids=[b])
    db.session.commit()
    assert [i.customer_id for i in _items(task.id)] == [a]
    assert db.session.scalar(select(func.count()).where(MiningTaskPick.task_id == task.id)) == 1


# --- API --------------------------------------------------------------------------------------------------------


def test_api_create_publish_draw_execute_close(api_as):
    ids = _unassigned(3)
    head = api_as("head01")
    today = clock.today()
    created = head.post("/api/v1/mining/tasks", json={
        "name": "接口任务", "type": "random", "source_kind": "fixed", "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=3)).isoformat(), "max_unexecuted": 1, "seat_work_nos": ["S0001"],
        "customer_ids": ids})
    assert created.status_code == 201, created.get_json()
    task_id = created.get_json()["id"]
    published = head.post(f"/api/v1/mining/tasks/{task_id}/publish")
    assert published.status_code == 200 and published.get_json()["counts"]["source"] == 3
    listed = head.get("/api/v1/mining/tasks?status=published").get_json()
    assert task_id in [t["id"] for t in listed["items"]]
    seat = api_as("seat01")
    assert seat.get(f"/api/v1/mining/tasks/{task_id}").status_code == 200
    drawn = seat.post(f"/api/v1/mining/tasks/{task_id}/draw", json={})
    assert drawn.status_code == 200, drawn.get_json()
    item = drawn.get_json()["items"][0]
    again = seat.post(f"/api/v1/mining/tasks/{task_id}/draw", json={})
    assert again.status_code == 422 and "达到最大执行数量 1" in again.get_json()["error"]["message"]
    mine = seat.get(f"/api/v1/mining/tasks/{task_id}/items?status=drawn").get_json()
    assert [i["id"] for i in mine["items"]] == [item["id"]]
    executed = seat.post(f"/api/v1/mining/tasks/items/{item['id']}/execute", json={
        "outcome": "interested", "note": "约了面谈", "followup": {"kind": "call", "connected": True,
                                                                 "duration_seconds": 120, "result": "interested"}})
    assert executed.status_code == 200 and executed.get_json()["followup_id"]
    assert api_as("seat11").get(f"/api/v1/mining/tasks/{task_id}").status_code == 404
    assert api_as("head11").get(f"/api/v1/mining/tasks/{task_id}").status_code == 404
    assert head.post(f"/api/v1/mining/tasks/{task_id}/close").get_json()["status"] == "closed"
    closed = seat.post(f"/api/v1/mining/tasks/{task_id}/draw", json={})
    assert closed.status_code == 422 and "已关闭" in closed.get_json()["error"]["message"]
    bad = head.post("/api/v1/mining/tasks", json={"name": "坏", "type": "random", "source_kind": "fixed",
                                                  "start_date": "明天", "end_date": today.isoformat()})
    assert bad.status_code == 422


def test_every_mining_task_endpoint_is_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/mining/tasks", "/mining/tasks/{mining_task_id}", "/mining/tasks/{mining_task_id}/items",
                 "/mining/tasks/{mining_task_id}/publish", "/mining/tasks/{mining_task_id}/close",
                 "/mining/tasks/{mining_task_id}/draw", "/mining/tasks/items/{item_id}/execute"):
        assert path in paths, path


# --- demo -----------------------------------------------------------------------------------------------------


def test_demo_task_lets_seat01_draw_until_the_max_execution_count(login_as):
    task = db.session.scalar(select(MiningTask).where(MiningTask.name == task_demo.DEMO_TASK))
    assert task is not None and task.status == TaskStatus.PUBLISHED and task.max_unexecuted == 3
    seat = login_as("seat01")
    home = seat.get("/").get_data(as_text=True)
    assert "我的挖掘任务" in home
    for _ in range(3):
        assert seat.post(f"/mining/my-tasks/{task.id}/draw").status_code == 302
    stopped = seat.post(f"/mining/my-tasks/{task.id}/draw", headers={"Referer": f"/mining/my-tasks/{task.id}"},
                        follow_redirects=True).get_data(as_text=True)
    assert "达到最大执行数量 3，请先执行" in stopped


def test_every_screen_renders(login_as):
    head = user("head01")
    condition = conditions.create(db.session, head, "意向客户",
                                  {"op": "and", "items": [{"field": "type", "cmp": "in", "value": ["intent"]}]})
    db.session.commit()
    dynamic = _task("动态草稿", source="dynamic", condition_id=condition.id, publish=False)
    active = _task("主动挑选", type_="active", customers=_unassigned(2, prefix="挑选"))
    fixed_draft = _task("固定草稿", customers=_unassigned(1, prefix="草稿"), publish=False)
    manager = login_as("head01")
    form = manager.get("/mining/tasks/new").get_data(as_text=True)
    assert "意向客户" in form and "S0001" in form and "理财一部" in form
    assert "动态草稿" in manager.get(f"/mining/tasks/{dynamic.id}/edit").get_data(as_text=True)
    assert "动态条件来源" in manager.get(f"/mining/tasks/{dynamic.id}").get_data(as_text=True)
    assert "已选来源客户（1）" in manager.get(f"/mining/tasks/{fixed_draft.id}").get_data(as_text=True)
    for status in ("", "open", "drawn", "done"):
        assert manager.get(f"/mining/tasks/{active.id}?status={status}").status_code == 200
    seat = login_as("seat01")
    page = seat.get(f"/mining/my-tasks/{active.id}").get_data(as_text=True)
    assert 'id="pickable-table"' in page and "挑选0" in page and "*" in page  # phones masked before picking
    item_ids = [str(i.id) for i in _items(active.id)]
    assert seat.post(f"/mining/my-tasks/{active.id}/pick", data={"item_id": item_ids[:1]}).status_code == 302
    page = seat.get(f"/mining/my-tasks/{active.id}?status=drawn").get_data(as_text=True)
    assert "保存执行结果" in page and "已联系有意向" in page
    assert "主动挑选" in seat.get("/mining/my-tasks?closed=1").get_data(as_text=True)
    assert "待执行" in seat.get("/").get_data(as_text=True)
