"""Demo data of daily management: outlets, applications at every stage (draft, at the first handler,
forwarded, completed leave with its attendance), work-calendar entries, minutes, to-dos, activities."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from app import clock, workflow
from app.auth.models import User
from app.database import DbSession
from app.demo import DemoContext, loader
from app.oa import activities, applications, calendar, minutes, todos
from app.oa.models import (
    Activity,
    ActivityInvitee,
    ActivityStatus,
    Branch,
    CalendarKind,
    CalendarPeriod,
    InviteeStatus,
    Todo,
    TodoUrgency,
)
from app.org import scope as data_scope
from app.workflow import deploy
from app.workflow.models import TaskStatus, WorkflowTask

BRANCHES = [
    ("SH-HP-01", "黄浦外滩营业部", "上海", "黄浦区", "中山东一路 18 号 5 楼", "021-63210001", "孙立",
     "周一至周六 9:00-17:30", "理财咨询、产品签约、客户沙龙"),
    ("SH-PD-01", "浦东陆家嘴营业部", "上海", "浦东新区", "世纪大道 88 号金茂大厦 12 楼", "021-50470002", "钱敏",
     "周一至周五 9:00-18:00", "理财咨询、高端客户服务"),
    ("SH-XH-01", "徐汇滨江营业部", "上海", "徐汇区", "龙腾大道 2555 号", "021-64280003", "赵阳",
     "周一至周日 10:00-19:00", "理财咨询、投资讲座"),
    ("HZ-XH-01", "杭州西湖营业部", "杭州", "西湖区", "文三路 90 号", "0571-88000004", "周婷", "周一至周五 9:00-17:30",
     "理财咨询"),
]


def _handle(session: DbSession, application: Any, user: User, outcome: str, comment: str, result: str,
            next_handler: User | None = None) -> None:
    task = session.scalar(select(WorkflowTask).where(WorkflowTask.business_key == application.business_key,
                                                     WorkflowTask.status == TaskStatus.OPEN))
    assert task is not None, "demo application has no open handler task"
    data: dict[str, Any] = {"result": result, "next_handler_id": next_handler.id if next_handler else None}
    workflow.complete_task(session, task.id, user, data, outcome=outcome, comment=comment)


def _ensure_process(session: DbSession) -> None:
    """Demo applications need the OA diagram; deploy the shipped ones if `flask bpmn deploy` did not run yet."""
    if deploy.latest(session, applications.PROCESS_KEY) is None:
        deploy.deploy_directory(session, current_app.config["BPMN_DIR"], current_app.config["RULES_DIR"])


def _more_applications(session: DbSession, users: dict[str, User], today: Any) -> None:
    """A few weeks of history for 申请监控 in the full demo."""
    head01, manager01, hr01 = users["head01"], users["manager01"], users["hr01"]
    for number in range(12):
        applicant = users["seat01" if number % 2 else "seat02"]
        application = applications.create_application(
            session, applicant, type_code="general", title=f"办公用品申领（{number + 1}）",
            description="申领打印纸、笔记本等办公用品。", handler_id=head01.id)
        applications.submit(session, application, applicant)
        if number % 3 == 0:
            continue  # still with the department head
        _handle(session, application, head01, "forward", "请人事统一采购。", "approve", hr01)
        if number % 3 == 1:
            _handle(session, application, hr01, "forward", "金额较大，请城市经理确认。", "noted", manager01)
            _handle(session, application, manager01, "complete", "同意采购。", "approve")
        else:
            _handle(session, application, hr01, "complete", "已采购发放。", "approve")


def _applications(session: DbSession, users: dict[str, User], today: Any) -> None:
    _ensure_process(session)
    seat01, seat02, seat11 = users["seat01"], users["seat02"], users["seat11"]
    head01, head11, manager01 = users["head01"], users["head11"], users["manager01"]
    start = today + timedelta(days=10)
    applications.create_application(
        session, seat01, type_code="leave", title="春节前年假", description="探亲，工作已与陈坐席交接。",
        handler_id=head01.id, details={"leave_kind": "annual", "start_date": start.isoformat(),
                                       "end_date": (start + timedelta(days=2)).isoformat()})
    expense = applications.create_application(
        session, seat02, type_code="expense", title="客户拜访交通费", description="拜访浦东三位意向客户的出租车费用。",
        handler_id=head01.id, details={"category": "travel", "amount": "286.50", "expense_date": today.isoformat()})
    applications.submit(session, expense, seat02)
    salon = applications.create_application(
        session, seat01, type_code="activity", title="新年理财沙龙签呈",
        description="邀请 20 位高意向客户参加新年策略沙龙。", handler_id=head01.id,
        details={"activity_name": "新年理财沙龙", "activity_date": (today + timedelta(days=14)).isoformat(),
                 "expected_guests": 20, "budget": "6000"})
    applications.submit(session, salon, seat01)
    _handle(session, salon, head01, "forward", "部门同意，预算请城市经理审批。", "approve", manager01)
    leave = applications.create_application(
        session, seat11, type_code="leave", title="病假一天", description="发烧就医，附医院证明。",
        handler_id=head11.id,
        details={"leave_kind": "sick", "start_date": (today - timedelta(days=3)).isoformat(),
                 "end_date": (today - timedelta(days=3)).isoformat()})
    applications.submit(session, leave, seat11)
    _handle(session, leave, head11, "complete", "同意，注意休息。", "approve")


def _calendar(session: DbSession, users: dict[str, User], today: Any) -> None:
    seat01, head01, manager01 = users["seat01"], users["head01"], users["manager01"]
    entries = [
        (seat01, CalendarKind.PLAN, CalendarPeriod.DAY, today, "回访 5 位意向客户", "上午电话回访，下午整理跟进记录。"),
        (seat01, CalendarKind.PLAN, CalendarPeriod.DAY, today + timedelta(days=1), "陆家嘴客户面谈",
         "携带稳健一号资料。"),
        (seat01, CalendarKind.REPORT, CalendarPeriod.DAY, today - timedelta(days=1), "昨日工作汇报",
         "有效通话 62 通，新增意向客户 3 位。"),
        (seat01, CalendarKind.PLAN, CalendarPeriod.WEEK, today, "本周目标", "新增意向客户 10 位，成交 1 笔。"),
        (head01, CalendarKind.PLAN, CalendarPeriod.WEEK, today, "理财一部周计划", "周三部门例会；周五新年沙龙筹备。"),
        (head01, CalendarKind.REPORT, CalendarPeriod.WEEK, today - timedelta(days=7), "上周部门汇报",
         "成交 4 笔，合计 520 万。"),
        (manager01, CalendarKind.PLAN, CalendarPeriod.MONTH, today, "本月分公司计划",
         "募集目标 3000 万；完成两场沙龙。"),
    ]
    for owner, kind, period, day, title, content in entries:
        calendar.create_entry(session, owner, kind=kind, period=period, day=day, title=title, content=content)


def _minutes_and_todos(session: DbSession, users: dict[str, User], today: Any) -> None:
    seat01, seat02, head01 = users["seat01"], users["seat02"], users["head01"]
    meeting = minutes.create(session, head01, title="理财一部周例会", meeting_date=today - timedelta(days=1),
                             location="三楼小会议室", attendee_ids=[seat01.id, seat02.id],
                             content="回顾上周业绩，讨论新年沙龙的客户邀约。",
                             decisions="1. 每人邀约不少于 5 位客户；\n2. 周五前提交邀约名单。")
    todos.follow_up(session, meeting, head01, assignee_id=seat02.id, title="提交新年沙龙邀约名单",
                    urgency=TodoUrgency.IMPORTANT, due_date=today + timedelta(days=2), today=today)
    scope = data_scope.scope_for_role(session, head01, head01.roles[0])
    todos.assign(session, head01, scope, assignee_ids=[seat01.id], title="回访张先生（稳健一号到期）",
                 content="确认续投意向。", urgency=TodoUrgency.URGENT, due_date=today + timedelta(days=1), today=today)
    todos.assign(session, head01, scope, assignee_ids=[seat02.id], title="整理本月成交客户资料",
                 urgency=TodoUrgency.NORMAL, due_date=today + timedelta(days=3), today=today)
    # One the seat let slip, so the home page shows an overdue to-do.
    session.add(Todo(title="补录上周拜访记录", urgency=TodoUrgency.IMPORTANT, due_date=today - timedelta(days=1),
                     assignee_id=seat01.id, assigned_by_id=head01.id, org_id=seat01.org_id))


def _at(day: Any, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.SHANGHAI)


def _activities(session: DbSession, users: dict[str, User], branches: list[Branch], today: Any) -> None:
    seat01, seat02, head01 = users["seat01"], users["seat02"], users["head01"]
    upcoming = Activity(title="新年理财策略沙龙", kind="salon", starts_at=_at(today + timedelta(days=14), 14),
                        ends_at=_at(today + timedelta(days=14), 16), location="", branch_id=branches[1].id, capacity=30,
                        description="2026 年资产配置展望与稳健一号介绍。", org_id=head01.org_id, organizer_id=head01.id)
    past = Activity(title="养老规划讲座", kind="seminar", starts_at=_at(today - timedelta(days=5), 10),
                    ends_at=_at(today - timedelta(days=5), 12), location="黄浦外滩营业部多功能厅",
                    branch_id=branches[0].id, capacity=0, description="退休金规划与年金产品。", org_id=head01.org_id,
                    organizer_id=head01.id)
    session.add_all([upcoming, past])
    session.flush()
    activities.invite(session, upcoming, seat01, name="张建国", phone="13800001001", remark="稳健型，关注到期续投")
    activities.invite(session, upcoming, seat02, name="李秀英", phone="13800001002")
    for name, phone, status in (("王海", "13800001003", InviteeStatus.ATTENDED),
                                ("赵敏", "13800001004", InviteeStatus.ABSENT)):
        session.add(ActivityInvitee(activity_id=past.id, name=name, phone=phone, invited_by_id=seat01.id, status=status,
                                    attended_at=past.starts_at if status == InviteeStatus.ATTENDED else None))
    past.status = ActivityStatus.FINISHED


@loader("oa")
def load_demo(session: DbSession, ctx: DemoContext) -> None:
    today = clock.today()
    count = 3 if ctx.size == "small" else len(BRANCHES)
    branches = [Branch(code=code, name=name, city=city, district=district, address=address, phone=phone,
                       manager=manager, business_hours=hours, services=services,
                       org_id=ctx.orgs["SH"].id if city == "上海" else None)
                for code, name, city, district, address, phone, manager, hours, services in BRANCHES[:count]]
    session.add_all(branches)
    session.flush()
    _applications(session, ctx.users, today)
    if ctx.size != "small":
        _more_applications(session, ctx.users, today)
    _calendar(session, ctx.users, today)
    _minutes_and_todos(session, ctx.users, today)
    _activities(session, ctx.users, branches, today)
