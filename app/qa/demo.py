"""Demo 业务问答: the four question categories and a few questions of the demo seats, answered by their
managers and colleagues — one accepted, one waiting for acceptance, one unanswered, one closed, one from
last month — so the lists and 问答汇总 have something to show."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app import clock
from app.auth.models import User
from app.database import DbSession
from app.demo import DemoContext, loader
from app.notices.models import Notice
from app.qa import services
from app.qa.models import QaCategory, QaQuestion

CATEGORIES = ("产品咨询", "交易流程", "系统使用", "合规")


def _ask(session: DbSession, asker: User, category: QaCategory, title: str, body: str, at: datetime) -> QaQuestion:
    question = services.ask(session, asker, category_id=category.id, title=title, body=body)
    question.created_at = at
    return question


def _answer(session: DbSession, question: QaQuestion, author: User, body: str, at: datetime) -> None:
    """An answer dated ``at``; the asker's notice about it is dated then too, so it sits in the past."""
    reply = services.answer(session, question, author, body)
    reply.created_at = at
    question.first_answered_at = min(question.first_answered_at or at, at)
    notice = session.scalar(select(Notice).order_by(Notice.id.desc()).limit(1))
    if notice is not None and notice.published_by_id == author.id and notice.title.startswith("您的提问有了新回答"):
        notice.published_at = at
    session.flush()


@loader("qa")
def load_demo(session: DbSession, ctx: DemoContext) -> None:
    users = ctx.users
    category = {name: services.save_category(session, None, name=name, sort=(i + 1) * 10)
                for i, name in enumerate(CATEGORIES)}
    now = clock.now()

    product = _ask(session, users["seat01"], category["产品咨询"], "稳盈 1 号的起投金额和封闭期是多少？",
                   "客户想了解稳盈 1 号：最低投资多少、封闭多久、提前赎回有没有费用。", now - timedelta(days=20))
    _answer(session, product, users["head01"],
            "<p>起投 100 万元，以 10 万元递增；封闭期 12 个月，封闭期内不能赎回。</p>"
            "<p>详细条款以产品说明书为准，给客户介绍时请同时提示风险。</p>", now - timedelta(days=20, hours=-2))
    _answer(session, product, users["seat02"], "我上周问过产品部，起投是 100 万。", now - timedelta(days=19))
    services.accept(session, product, services.answers(session, product)[0], users["seat01"])

    trade = _ask(session, users["seat01"], category["交易流程"], "客户到账后多久能确认个人合同？",
                 "财务已经确认到账，投服那边一般几天内完成个人合同确认？", now - timedelta(days=6))
    _answer(session, trade, users["head01"], "一般 1–2 个工作日，交易核对通过后就进入确认个人合同。",
            now - timedelta(days=6, hours=-5))

    _ask(session, users["seat02"], category["系统使用"], "怎样把不想跟进的客户放回公共信息池？",
         "个人信息池里有几个客户明确拒绝，想放回公共池给别的同事。", now - timedelta(days=2))

    compliance = _ask(session, users["seat11"], category["合规"], "客户要求承诺保本保收益，该怎么回复？",
                      "客户说别家都承诺保本，我们能不能口头答应？", now - timedelta(days=40))
    _answer(session, compliance, users["manager01"],
            "<p><strong>绝对不能承诺保本保收益</strong>，口头也不行。请如实说明产品风险等级，销售过程必须双录。</p>",
            now - timedelta(days=40, hours=-1))
    services.accept(session, compliance, services.answers(session, compliance)[0], users["seat11"])

    closed = _ask(session, users["seat01"], category["系统使用"], "通话记录没有同步到客户跟进里",
                  "昨天下午的几通电话没有出现在跟进记录里。", now - timedelta(days=35))
    services.close(session, closed, users["seat01"])
