"""Demo questionnaires: a published 客户满意度回访 with a few answers seat01 took on calls, and a staff survey."""

from __future__ import annotations

from sqlalchemy import select

from app.customers.models import Customer
from app.database import DbSession
from app.demo import DemoContext, loader
from app.surveys import services
from app.surveys.models import SurveyAudience

SATISFACTION = [
    {"key": "q1", "kind": "rating", "text": "您对理财顾问的服务满意吗？", "required": True, "max": 5},
    {"key": "q2", "kind": "single", "text": "是否愿意继续了解新的理财产品？", "required": True, "options": [
        {"key": "o1", "text": "愿意", "jump": ""}, {"key": "o2", "text": "暂不需要", "jump": "q4"}]},
    {"key": "q3", "kind": "multiple", "text": "您关注哪些产品类型？", "required": False, "options": [
        {"key": "o1", "text": "固定收益", "jump": ""}, {"key": "o2", "text": "权益类", "jump": ""},
        {"key": "o3", "text": "保险保障", "jump": ""}]},
    {"key": "q4", "kind": "text", "text": "其他意见或建议", "required": False},
]
TRAINING = [
    {"key": "q1", "kind": "multiple", "text": "您希望参加哪些培训？", "required": True, "options": [
        {"key": "o1", "text": "产品知识", "jump": ""}, {"key": "o2", "text": "合规要求", "jump": ""},
        {"key": "o3", "text": "沟通技巧", "jump": ""}]},
    {"key": "q2", "kind": "rating", "text": "上次培训的收获程度", "required": False, "max": 5},
]
ANSWERS = [
    {"q1": ["5"], "q2": ["o1"], "q3": ["o1", "o3"], "q4": ["顾问讲解很清楚"]},
    {"q1": ["4"], "q2": ["o1"], "q3": ["o1"]},
    {"q1": ["3"], "q2": ["o2"], "q4": ["最近资金安排紧张"]},
]


@loader("surveys")
def load_demo(session: DbSession, ctx: DemoContext) -> None:
    head, seat = ctx.users["head01"], ctx.users["seat01"]
    survey = services.save_draft(session, head, None, {
        "title": "客户满意度回访", "audience": SurveyAudience.CUSTOMER.value, "questions": SATISFACTION,
        "description": "<p>电话回访时逐题询问客户，按客户原话记录。</p>"})
    services.publish(session, survey)
    customers = session.scalars(select(Customer).where(Customer.service_seat_id == seat.id)
                                .order_by(Customer.id).limit(len(ANSWERS)))
    for customer, answers in zip(customers, ANSWERS, strict=False):
        services.submit(session, seat, survey, answers, customer=customer)
    staff = services.save_draft(session, ctx.users["admin"], None, {
        "title": "员工培训需求调查", "audience": SurveyAudience.STAFF.value, "questions": TRAINING})
    services.publish(session, staff)
