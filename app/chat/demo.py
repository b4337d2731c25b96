"""Demo conversations: two seats about a salon, and a head's message the seat has not read yet."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from app.chat.models import ChatMessage
from app.database import DbSession
from app.demo import DemoContext, loader


@loader("chat")
def load_demo(session: DbSession, ctx: DemoContext) -> None:
    seat01, seat02, head01 = ctx.users["seat01"], ctx.users["seat02"], ctx.users["head01"]
    start = clock.now() - timedelta(hours=2)
    lines = [(seat02, seat01, "张姐，新年沙龙你邀了几位客户？"),
             (seat01, seat02, "三位了，还在约陆家嘴那位王总。"),
             (seat02, seat01, "好的，名单周五前交给李主管。"),
             (head01, seat01, "张坐席，稳健一号到期的客户今天记得回访。")]
    for minutes, (sender, recipient, body) in enumerate(lines):
        sent = start + timedelta(minutes=minutes * 7)
        read = sent + timedelta(minutes=1) if minutes < len(lines) - 1 else None
        session.add(ChatMessage(sender_id=sender.id, recipient_id=recipient.id, body=body, sent_at=sent, read_at=read))
