"""Work tasks (任务管理): 任务设置 with 执行内容 and 每人配额, 任务分配 by 平均/随机/配额 without moving customers,
任务执行 recording follow-ups with progress, the head's completion per seat, scope, bad input, the job, the API."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import clock
from app.auth.models import User
from app.customers.models import Customer, CustomerType, Pool
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.followups.models import FollowUp, FollowUpKind
from app.mining import conditions, task_demo, task_work, tasks
from app.mining.run_models import DistributionRun
from app.mining.task_models import ItemStatus, MiningTask, MiningTaskItem, TaskStatus, TaskType
from app.pools.models import PoolHistory
from rules import phones as phone_rules
from scheduler.mining_tasks import generate_task_sources
from tests.customer_helpers import fresh, make_customer, make_seats, new_id_number, org, user
from tests.race import at_once


def _born_this_month(name: str, seat: str = "seat01") -> Customer:
    """A dealt customer of ``seat`` whose ID card says it was born in the current (pinned) month."""
    return make_customer(name, seat=seat, type_="dealt",
                         id_number=new_id_number(f"1980{clock.today().month:02d}15"))


def _care_customers(n: int, seat: str = "seat01", prefix: str = "关怀") -> tuple[list[int], int]:
    """``n`` dealt customers of ``seat`` born this month, and a saved condition matching exactly the
    dealt customers of that seat born this month (the demo's own are excluded by the seat list below)."""
    ids = [_born_this_month(f"{prefix}{i}", seat).id for i in range(n)]
    spec = {"op": "and", "items": [
        {"field": "birthday_month", "cmp": "in", "value": [str(clock.today().month)]},
        {"field": "type", "cmp": "in", "value": ["dealt"]},
        {"field": "created_at", "cmp": "after", "value": {"days_ago": 1}},
        {"field": "service_seat", "cmp": "in", "value": [user(seat).id]}]}
    condition = conditions.create(db.session, user("head01"), f"{prefix}条件", spec)
    db.session.commit()
    matched = set(db.session.scalars(conditions.customer_ids(
        db.session, condition.spec, tasks.manager_scope(db.session, user("head01")), clock.now())))
    assert matched == set(ids)
    return ids, condition.id


def _work_task(condition_id: int, *, name: str = "关怀电话任务", action: str = "care_call",
               quota: int = 5) -> MiningTask:
    head = user("head01")
    today = clock.today()
    task = tasks.create_task(db.session, head, tasks.manager_scope(db.session, head), tasks.TaskInput(
        name=name, type="work", action=action, quota=quota, condition_id=condition_id,
        start_date=today, end_date=today + timedelta(days=10)))
    db.session.commit()
    return task


def _distribute(task_id: int, method: str, seats: tuple[str, ...] = ("seat01", "seat02"),
                org_codes: tuple[str, ...] = (), actor: str = "head01") -> task_work.Distribution:
    head = user(actor)
    result = task_work.distribute(db.session, head, tasks.manager_scope(db.session, head),
                                  db.session.get(MiningTask, task_id), method, [user(s).work_no for s in seats],
                                  [org(c).id for c in org_codes])
    db.session.commit()
    return result


def _held(task_id: int) -> dict[str, int]:
    """Items per seat username."""
    fresh()
    rows = db.session.execute(
        select(User.username, func.count()).join(MiningTaskItem, MiningTaskItem.seat_id == User.id)
        .where(MiningTaskItem.task_id == task_id).group_by(User.username)).all()
    return {name: int(n) for name, n in rows}


def _snapshot(ids: list[int]) -> list[tuple]:
    """What a pool move would change on the customers."""
    fresh()
    return [tuple(row) for row in db.session.execute(
        select(Customer.id, Customer.pool, Customer.service_seat_id, Customer.service_org_id, Customer.assigned_at,
               Customer.pool_changed_at).where(Customer.id.in_(ids)).order_by(Customer.id))]


def _history_count(ids: list[int]) -> int:
    fresh()
    return int(db.session.scalar(select(func.count()).where(PoolHistory.customer_id.in_(ids))) or 0)


# --- 任务设置 ----------------------------------------------------------------------------------------------


@pytest.mark.date_sensitive
def test_head_defines_a_care_call_task_with_action_period_and_quota(login_as):
    _ids, condition_id = _care_customers(3)
    head = login_as("head01")
    form = head.get("/tasks/setup/new").get_data(as_text=True)
    assert "关怀电话" in form and "每人配额" in form and "关怀条件" in form
    today = clock.today()
    response = head.post("/tasks/setup/new", data={
        "name": "六月生日关怀", "action": "care_call", "condition_id": str(condition_id), "quota": "4",
        "start_date": today.isoformat(), "end_date": (today + timedelta(days=7)).isoformat(),
        "description": "祝客户生日快乐"})
    assert response.status_code == 302 and "/tasks/assign/" in response.headers["Location"]
    fresh()
    task = db.session.scalar(select(MiningTask).where(MiningTask.name == "六月生日关怀"))
    assert task.type == TaskType.WORK and task.action == "care_call" and task.quota == 4
    assert task.status == TaskStatus.DRAFT and task.condition_id == condition_id
    assign = head.get(response.headers["Location"]).get_data(as_text=True)
    assert "现在符合任务条件的客户 <strong>3</strong> 个" in assign
    listing = head.get("/tasks/setup").get_data(as_text=True)
    assert "六月生日关怀" in listing and "关怀电话" in listing
    info = head.get(f"/tasks/setup/condition-info?condition_id={condition_id}").get_data(as_text=True)
    assert "<strong>3</strong> 个" in info and "生日月份" in info
    # the mining task list does not show work tasks, and the mining editor sends them to 任务设置
    assert "六月生日关怀" not in head.get("/mining/tasks").get_data(as_text=True)
    assert head.get(f"/mining/tasks/{task.id}/edit").headers["Location"].endswith(f"/tasks/setup/{task.id}/edit")


BAD_INPUT = [
    ({"condition_id": ""}, "请选择任务条件"),
    ({"quota": "0"}, "每人配额应为 1 到 10000 之间的整数"),
    ({"quota": "-3"}, "每人配额应为 1 到 10000 之间的整数"),
    ({"quota": ""}, "请填写每人配额"),
    ({"action": ""}, "请选择执行内容"),
    ({"end_date": "yesterday"}, "结束日期不能早于开始日期"),
]


@pytest.mark.parametrize(("change", "message"), BAD_INPUT)
def test_bad_task_input_is_refused_in_chinese_and_nothing_is_written(login_as, change, message):
    _ids, condition_id = _care_customers(1)
    before = db.session.scalar(select(func.count()).select_from(MiningTask))
    today = clock.today()
    data = {"name": "坏任务", "action": "call", "condition_id": str(condition_id), "quota": "5",
            "start_date": today.isoformat(), "end_date": (today + timedelta(days=3)).isoformat()}
    data.update(change)
    if data["end_date"] == "yesterday":
        data["end_date"] = (today - timedelta(days=1)).isoformat()
    response = login_as("head01").post("/tasks/setup/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert 'value="坏任务"' in page  # the form comes back with what was typed
    fresh()
    assert db.session.scalar(select(func.count()).select_from(MiningTask)) == before


def test_an_empty_saved_condition_is_refused(app):
    _ids, condition_id = _care_customers(1)
    db.session.execute(conditions.MiningCondition.__table__.update()
                       .where(conditions.MiningCondition.id == condition_id).values(spec={"op": "and", "items": []}))
    db.session.commit()
    with pytest.raises(ValidationFailed, match="请至少添加一个条件"):
        _work_task(condition_id)
    db.session.rollback()
    assert not db.session.scalar(select(MiningTask.id).where(MiningTask.name == "关怀电话任务"))


# --- 任务分配 ----------------------------------------------------------------------------------------------


@pytest.mark.db_sensitive
def test_average_gives_even_shares_and_moves_no_customer(app):
    ids, condition_id = _care_customers(10)
    before, history = _snapshot(ids), _history_count(ids)
    runs = db.session.scalar(select(func.count()).select_from(DistributionRun))
    task = _work_task(condition_id)
    result = _distribute(task.id, "average")
    assert result.total == 10 and result.waiting == 0
    assert _held(task.id) == {"seat01": 5, "seat02": 5}
    assert "已分配 10 个任务客户：张坐席（S0001）5，陈坐席（S0002）5" == result.message()
    # a care call on 成交 customers: nobody changes pool, seat or owner, no history, no engine run
    assert _snapshot(ids) == before and _history_count(ids) == history
    assert db.session.scalar(select(func.count()).select_from(DistributionRun)) == runs
    assert db.session.get(MiningTask, task.id).status == TaskStatus.PUBLISHED


def test_average_with_fewer_items_than_seats_gives_each_at_most_one(app):
    _ids, condition_id = _care_customers(1, prefix="独一")
    task = _work_task(condition_id)
    _distribute(task.id, "average")
    assert sorted(_held(task.id).values()) == [1]


def test_random_assigns_every_item_once(app):
    ids, condition_id = _care_customers(9)
    task = _work_task(condition_id)
    result = _distribute(task.id, "random")
    assert result.total == 9 and sum(_held(task.id).values()) == 9
    assert db.session.scalar(select(func.count()).where(MiningTaskItem.task_id == task.id,
                                                        MiningTaskItem.status == ItemStatus.DRAWN)) == 9
    assert len(set(db.session.scalars(select(MiningTaskItem.customer_id)
                                      .where(MiningTaskItem.task_id == task.id)))) == len(ids)


@pytest.mark.db_sensitive
def test_quota_gives_each_seat_its_quota_at_most_and_keeps_the_rest(app):
    _ids, condition_id = _care_customers(10)
    task = _work_task(condition_id, quota=3)
    result = _distribute(task.id, "quota", seats=(), org_codes=("SH-LC1-A",))  # the group: seat01 and seat02
    assert _held(task.id) == {"seat01": 3, "seat02": 3}
    assert result.waiting == 4 and "4 个未分配" in result.message()
    again = _distribute(task.id, "quota", seats=(), org_codes=("SH-LC1-A",))
    assert again.total == 0
    assert again.message() == "没有新分配的任务客户；4 个未分配（每人配额已满，或为无效、黑名单客户）"
    # the group grows: the newcomer gets its quota from what was left, the others nothing more
    make_seats(1, "SH-LC1-A", prefix="newseat")
    more = _distribute(task.id, "quota", seats=(), org_codes=("SH-LC1-A",))
    assert more.total == 3 and more.waiting == 1
    assert _held(task.id) == {"seat01": 3, "seat02": 3, "newseat000": 3}


@pytest.mark.db_sensitive
def test_a_head_and_the_job_assigning_at_once_give_each_item_once_within_the_quota(database_url, tmp_path: Path,
                                                                                 app):
    _ids, condition_id = _care_customers(20, prefix="并发")
    task = _work_task(condition_id, quota=3)
    _distribute(task.id, "quota", seats=(), org_codes=("SH-LC1-A",))
    assert _held(task.id) == {"seat01": 3, "seat02": 3}
    make_seats(6, "SH-LC1-A", prefix="race")  # 18 more places for the 14 items left
    task_id, group = task.id, org("SH-LC1-A").id

    def work(key: str, head: User) -> int:
        if key == "job":
            generate_task_sources(db.session, clock.now())
            db.session.commit()
            return 0
        result = task_work.distribute(db.session, head, tasks.manager_scope(db.session, head),
                                      db.session.get(MiningTask, task_id), "quota", [], [group])
        db.session.commit()
        return result.total

    at_once(database_url, tmp_path / "race", ["job", "head"], work,
            prepare=lambda _key: db.session.scalar(select(User).where(User.username == "head01")))
    held = _held(task_id)
    assert sum(held.values()) == 20 and all(n <= 3 for n in held.values())
    assert db.session.scalar(select(func.count(func.distinct(MiningTaskItem.customer_id)))
                             .where(MiningTaskItem.task_id == task_id, MiningTaskItem.seat_id.is_not(None))) == 20


def test_distribution_refuses_bad_input_and_writes_nothing(app):
    _ids, condition_id = _care_customers(2)
    task = _work_task(condition_id)
    head = user("head01")
    scope = tasks.manager_scope(db.session, head)
    cases = [("average", [], [], ValidationFailed, "请至少选择一个分配目标"),
             ("", ["S0001"], [], ValidationFailed, "请选择分配方式"),
             ("weight", ["S0001"], [], ValidationFailed, "请选择分配方式"),
             ("average", [user("seat11").work_no], [], NotFound, "不在您的管理范围内"),
             ("average", [], [org("SH-LC2").id], NotFound, "不在您的管理范围内")]
    for method, work_nos, org_ids, error, message in cases:
        with pytest.raises(error, match=message):
            task_work.distribute(db.session, head, scope, db.session.get(MiningTask, task.id), method, work_nos,
                                 org_ids)
        db.session.rollback()
    fresh()
    stored = db.session.get(MiningTask, task.id)
    assert stored.status == TaskStatus.DRAFT and stored.targets == [] and stored.method == ""
    assert not db.session.scalar(select(func.count()).where(MiningTaskItem.task_id == task.id))


@pytest.mark.date_sensitive
def test_the_job_adds_and_assigns_new_matching_customers(app):
    _ids, condition_id = _care_customers(4)
    task = _work_task(condition_id)
    _distribute(task.id, "average")
    assert _held(task.id) == {"seat01": 2, "seat02": 2}
    later = [_born_this_month(f"关怀新{i}").id for i in range(2)]
    generate_task_sources(db.session, clock.now())
    db.session.commit()
    assert _held(task.id) == {"seat01": 3, "seat02": 3}
    fresh()
    assert set(later) <= set(db.session.scalars(select(MiningTaskItem.customer_id)
                                                .where(MiningTaskItem.task_id == task.id)))


def test_invalid_customers_stay_unassigned(app):
    ids, condition_id = _care_customers(3)
    spec = dict(db.session.get(conditions.MiningCondition, condition_id).spec)
    spec["items"] = [i for i in spec["items"] if i["field"] != "type"]
    db.session.get(conditions.MiningCondition, condition_id).spec = spec
    db.session.execute(Customer.__table__.update().where(Customer.id == ids[0]).values(type=CustomerType.INVALID))
    db.session.commit()
    task = _work_task(condition_id)
    result = _distribute(task.id, "average")
    assert result.total == 2 and result.waiting == 1


# --- 任务执行 ----------------------------------------------------------------------------------------------


def test_seat_executes_customer_by_customer_and_the_head_sees_progress(login_as):
    ids, condition_id = _care_customers(4)  # seat01's customers, worked by seat02
    task = _work_task(condition_id, quota=2)
    _distribute(task.id, "average", seats=("seat02",))
    assert _held(task.id) == {"seat02": 4}
    before = _snapshot(ids)
    seat = login_as("seat02")
    listing = seat.get("/tasks/mine").get_data(as_text=True)
    assert "关怀电话任务" in listing and "执行下一个" in listing
    opened = seat.get(f"/tasks/mine/{task.id}/next")
    assert opened.status_code == 302 and "/tasks/items/" in opened.headers["Location"]
    page = seat.get(opened.headers["Location"]).get_data(as_text=True)
    item_id = int(opened.headers["Location"].rsplit("/", 1)[1])
    customer = db.session.get(Customer, db.session.get(MiningTaskItem, item_id).customer_id)
    phone = customer.phones[0].phone
    assert phone_rules.mask(phone) in page and phone not in page  # seat01's customer: masked for seat02
    assert "关怀电话：" in page and "完成进度：已执行 <strong>0</strong> / 已分配 <strong>4</strong>" in page
    done = seat.post(f"/tasks/items/{item_id}", data={"phone_index": "0", "connected": "1",
                                                      "duration_seconds": "95", "outcome": "interested",
                                                      "note": "客户很高兴，约下周面谈", "then": "next"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/tasks/mine/{task.id}/next")
    fresh()
    item = db.session.get(MiningTaskItem, item_id)
    assert item.status == ItemStatus.DONE and item.outcome == "interested"
    follow_up = db.session.get(FollowUp, item.followup_id)
    assert follow_up.kind == FollowUpKind.CALL and follow_up.user_id == user("seat02").id
    assert follow_up.result == "interested" and follow_up.content == "客户很高兴，约下周面谈"
    assert follow_up.valid and follow_up.phone == phone and follow_up.customer_id == customer.id
    assert [row[:4] for row in _snapshot(ids)] == [row[:4] for row in before]  # still seat01's, same pool
    progress = seat.get(f"/tasks/mine/{task.id}").get_data(as_text=True)
    assert "已执行 <strong>1</strong> / 已分配 <strong>4</strong>（25%）" in progress
    head_page = login_as("head01").get(f"/mining/tasks/{task.id}").get_data(as_text=True)
    row = head_page.split('data-seat="S0002"')[1].split("</tr>")[0]
    assert ">1/4<" in row and "1/2" in row  # executed/assigned, and against the quota of 2


def test_a_visit_task_records_a_visit_and_refusals_write_nothing(login_as):
    _ids, condition_id = _care_customers(2, prefix="见客")
    task = _work_task(condition_id, action="visit", name="见客任务")
    _distribute(task.id, "average", seats=("seat01",))
    seat = login_as("seat01")
    item_id = int(seat.get(f"/tasks/mine/{task.id}/next").headers["Location"].rsplit("/", 1)[1])
    page = seat.get(f"/tasks/items/{item_id}").get_data(as_text=True)
    customer = db.session.get(Customer, db.session.get(MiningTaskItem, item_id).customer_id)
    assert customer.phones[0].phone in page  # seat01 serves this customer: the number is shown
    follow_ups = db.session.scalar(select(func.count()).select_from(FollowUp))
    refused = seat.post(f"/tasks/items/{item_id}", data={"outcome": "", "note": "没选结果"})
    assert refused.status_code == 422 and "请选择执行结果" in refused.get_data(as_text=True)
    fresh()
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == follow_ups
    assert db.session.get(MiningTaskItem, item_id).status == ItemStatus.DRAWN
    seat.post(f"/tasks/items/{item_id}", data={"outcome": "considering", "note": "上门拜访", "then": "list"})
    fresh()
    item = db.session.get(MiningTaskItem, item_id)
    assert db.session.get(FollowUp, item.followup_id).kind == FollowUpKind.VISIT
    again = seat.post(f"/tasks/items/{item_id}", data={"outcome": "considering"})
    assert again.status_code == 409
    tasks.close(db.session, db.session.get(MiningTask, task.id))
    db.session.commit()
    other = db.session.scalar(select(MiningTaskItem.id).where(MiningTaskItem.task_id == task.id,
                                                              MiningTaskItem.status == ItemStatus.DRAWN))
    closed = seat.post(f"/tasks/items/{other}", data={"outcome": "considering"})
    assert closed.status_code == 422 and "已关闭" in closed.get_data(as_text=True)


# --- scope -------------------------------------------------------------------------------------------------


def test_scope_other_departments_and_other_seats_get_404_seats_get_403(login_as):
    _ids, condition_id = _care_customers(2)
    task = _work_task(condition_id)
    _distribute(task.id, "average", seats=("seat02",))
    item_id = db.session.scalar(select(MiningTaskItem.id).where(MiningTaskItem.task_id == task.id))
    assert login_as("seat11").get(f"/tasks/items/{item_id}").status_code == 404
    assert login_as("seat01").get(f"/tasks/items/{item_id}").status_code == 404  # not its item
    assert login_as("seat01").post(f"/tasks/items/{item_id}", data={"outcome": "interested"}).status_code == 404
    assert login_as("seat11").get(f"/tasks/mine/{task.id}").status_code == 404
    other_head = login_as("head11")
    assert other_head.get(f"/tasks/assign/{task.id}").status_code == 404
    assert other_head.post(f"/tasks/assign/{task.id}", data={"method": "average", "org_id": str(org("SH-LC2").id)}
                           ).status_code == 404
    assert other_head.get(f"/tasks/setup/{task.id}/edit").status_code == 404
    assert "关怀电话任务" not in other_head.get("/tasks/setup").get_data(as_text=True)
    seat = login_as("seat01")
    for path in ("/tasks/setup", "/tasks/setup/new", "/tasks/assign", f"/tasks/assign/{task.id}"):
        assert seat.get(path).status_code == 403
    assert login_as("head01").get("/tasks/mine").status_code == 403  # 任务执行 is the seats'
    assert _held(task.id) == {"seat02": 2}


def test_the_menu_has_a_task_management_group(login_as):
    head = login_as("head01").get("/").get_data(as_text=True)
    group = head.split('data-section="tasks"')[1].split('class="menu-section"')[0]
    for label in ("任务管理", "任务分类", "任务设置", "任务分配"):
        assert label in group
    assert "任务执行" not in group and "挖掘任务分类" not in head
    seat = login_as("seat01").get("/").get_data(as_text=True)
    assert "任务执行" in seat.split('data-section="tasks"')[1].split('class="menu-section"')[0]


def test_distributing_from_the_screen_and_a_refusal_keeps_the_form(login_as):
    _ids, condition_id = _care_customers(4)
    task = _work_task(condition_id)
    head = login_as("head01")
    draft = head.get(f"/mining/tasks/{task.id}").get_data(as_text=True)
    assert "任务分配</a>中选择组或人员" in draft and f"/tasks/assign/{task.id}" in draft
    edit = head.get(f"/tasks/setup/{task.id}/edit").get_data(as_text=True)
    assert 'value="关怀电话任务"' in edit and 'value="5"' in edit
    today = clock.today()
    saved = head.post(f"/tasks/setup/{task.id}/edit", data={
        "name": "关怀电话任务", "action": "care_call", "condition_id": str(condition_id), "quota": "2",
        "start_date": today.isoformat(), "end_date": (today + timedelta(days=5)).isoformat()})
    assert saved.status_code == 302
    fresh()
    assert db.session.get(MiningTask, task.id).quota == 2
    listing = head.get("/tasks/assign").get_data(as_text=True)
    assert 'data-task="关怀电话任务"' in listing and "未分配" in listing
    refused = head.post(f"/tasks/assign/{task.id}", data={"method": "average"})
    assert refused.status_code == 422 and "请至少选择一个分配目标（组或人员）" in refused.get_data(as_text=True)
    fresh()
    assert db.session.get(MiningTask, task.id).status == TaskStatus.DRAFT
    done = head.post(f"/tasks/assign/{task.id}", data={"method": "average", "org_id": str(org("SH-LC1-A").id)},
                     follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "已分配 4 个任务客户：张坐席（S0001）2，陈坐席（S0002）2" in text
    assert 'id="seat-progress"' in text and "待分配" in text
    refused_edit = head.post(f"/tasks/setup/{task.id}/edit", data={"name": "改名"})
    assert refused_edit.status_code == 409 and "只有草稿可以修改" in refused_edit.get_data(as_text=True)


# --- API ---------------------------------------------------------------------------------------------------


def test_api_create_distribute_progress_and_execute(api_as):
    ids, condition_id = _care_customers(4)
    head = api_as("head01")
    today = clock.today()
    body = {"name": "接口关怀", "type": "work", "action": "care_call", "quota": 2, "condition_id": condition_id,
            "start_date": today.isoformat(), "end_date": (today + timedelta(days=3)).isoformat()}
    bad = head.post("/api/v1/mining/tasks", json={**body, "quota": 0})
    assert bad.status_code == 422 and "每人配额" in bad.get_json()["error"]["message"]
    created = head.post("/api/v1/mining/tasks", json=body)
    assert created.status_code == 201
    task = created.get_json()
    assert task["action"] == "care_call" and task["quota"] == 2 and task["type"] == "work"
    empty = head.post(f"/api/v1/mining/tasks/{task['id']}/distribute", json={"method": "quota"})
    assert empty.status_code == 422 and "请至少选择一个分配目标" in empty.get_json()["error"]["message"]
    given = head.post(f"/api/v1/mining/tasks/{task['id']}/distribute",
                      json={"method": "quota", "seat_work_nos": ["S0001", "S0002"]})
    assert given.status_code == 200
    result = given.get_json()
    assert sorted(a["count"] for a in result["assigned"]) == [2, 2] and result["waiting"] == 0
    assert result["task"]["status"] == "published" and result["task"]["counts"]["drawn"] == 4
    seat = api_as("seat02")
    mine = seat.get(f"/api/v1/mining/tasks/{task['id']}/items?status=drawn").get_json()["items"]
    assert len(mine) == 2
    executed = seat.post(f"/api/v1/mining/tasks/items/{mine[0]['id']}/execute", json={
        "outcome": "callback", "note": "约下周回访", "followup": {"connected": True, "duration_seconds": 30,
                                                              "phone_index": 0}})
    assert executed.status_code == 200 and executed.get_json()["followup_id"]
    fresh()
    follow_up = db.session.get(FollowUp, executed.get_json()["followup_id"])
    assert follow_up.kind == FollowUpKind.CALL and follow_up.result == "callback" and not follow_up.valid
    progress = head.get(f"/api/v1/mining/tasks/{task['id']}/progress").get_json()["seats"]
    assert {(p["work_no"], p["assigned"], p["executed"]) for p in progress} == {("S0001", 2, 0), ("S0002", 2, 1)}
    assert api_as("head11").get(f"/api/v1/mining/tasks/{task['id']}/progress").status_code == 404
    assert api_as("head11").post(f"/api/v1/mining/tasks/{task['id']}/distribute",
                                 json={"method": "average", "seat_work_nos": ["S0011"]}).status_code == 404
    assert all(c.pool == Pool.PERSONAL and c.service_seat_id == user("seat01").id
               for c in db.session.scalars(select(Customer).where(Customer.id.in_(ids))))


# --- demo --------------------------------------------------------------------------------------------------


@pytest.mark.date_sensitive
def test_demo_has_the_birthday_condition_with_customers_and_a_distributed_work_task(app):
    head = user("head01")
    scope = tasks.manager_scope(db.session, head)
    condition = db.session.scalar(select(conditions.MiningCondition).where(
        conditions.MiningCondition.name == task_demo.BIRTHDAY_CONDITION))
    assert condition.spec["items"][0] == {"field": "birthday_month", "cmp": "in", "value": [str(clock.today().month)]}
    matched = list(db.session.scalars(select(Customer).where(Customer.id.in_(
        conditions.customer_ids(db.session, condition.spec, scope, clock.now())))))
    assert {c.service_seat_id for c in matched} >= {user("seat01").id, user("seat02").id}
    assert all(c.type == CustomerType.DEALT and c.birthday.month == clock.today().month for c in matched)
    work = db.session.scalar(select(MiningTask).where(MiningTask.name == task_demo.DEMO_WORK_TASK))
    assert work.status == TaskStatus.PUBLISHED and work.method == "quota"
    assert set(_held(work.id)) == {"seat01", "seat02"} and all(n <= work.quota for n in _held(work.id).values())
