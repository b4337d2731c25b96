"""Instant messages (即时通讯): delivery without a page reload (the polled fragment), unread counts,
history, and that nobody reads a conversation they are not part of."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.chat.models import ChatMessage
from app.extensions import db
from tests.conftest import user_named


def _send(client, to: str, body: str, htmx: bool = True):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/chat/with/{user_named(to).id}/messages", data={"body": body}, headers=headers)


def _badge(client) -> str:
    return client.get("/chat/unread").get_data(as_text=True)


@pytest.mark.db_sensitive  # the conversation list groups by a CASE expression
def test_messages_are_delivered_with_unread_counts(login_as):
    seat01, seat02 = login_as("seat01"), login_as("seat02")
    sent = _send(seat01, "seat02", "下午的沙龙你去吗？")
    assert sent.status_code == 200 and "下午的沙龙你去吗？" in sent.get_data(as_text=True)
    _send(seat01, "seat02", "我带两位客户")
    assert 'id="chat-unread">2<' in _badge(seat02)
    assert 'id="chat-unread">1<' in _badge(seat01)  # the demo message from head01, not these
    contacts = seat02.get("/chat/").get_data(as_text=True)
    assert "张坐席" in contacts and ">2</span>" in contacts
    # The open conversation polls for what is newer than the last message it shows.
    first_id = db.session.scalars(select(ChatMessage.id).where(ChatMessage.body == "下午的沙龙你去吗？")).one()
    polled = seat02.get(f"/chat/with/{user_named('seat01').id}/messages?after={first_id}").get_data(as_text=True)
    assert "我带两位客户" in polled and "下午的沙龙你去吗？" not in polled
    assert 'id="chat-unread"' not in _badge(seat02)  # reading the conversation cleared the count
    _send(seat02, "seat01", "好的，一起")
    page = seat01.get(f"/chat/with/{user_named('seat02').id}").get_data(as_text=True)
    page = page[page.index('id="messages"'):]
    assert page.index("下午的沙龙你去吗？") < page.index("我带两位客户") < page.index("好的，一起")
    assert "已读" in page  # seat02 read seat01's messages


@pytest.mark.db_sensitive
def test_nobody_reads_someone_elses_conversation(login_as):
    _send(login_as("seat01"), "seat02", "只给你看的")
    seat11 = login_as("seat11")
    for other in ("seat01", "seat02"):
        other_id = user_named(other).id
        assert "只给你看的" not in seat11.get(f"/chat/with/{other_id}").get_data(as_text=True)
        assert "只给你看的" not in seat11.get(f"/chat/with/{other_id}/messages?after=0").get_data(as_text=True)
    assert "只给你看的" not in seat11.get("/chat/").get_data(as_text=True)
    assert seat11.get("/chat/with/999999").status_code == 404
    assert seat11.get(f"/chat/with/{user_named('seat11').id}").status_code == 404  # no conversation with oneself


def test_empty_messages_and_leavers_are_refused(login_as, app):
    seat = login_as("seat01")
    empty = _send(seat, "seat02", "   ")
    assert empty.status_code == 422 and empty.get_data(as_text=True) == "请输入消息内容"
    assert _send(seat, "seat02", "x" * 2001).status_code == 422
    from app.org import services

    services.mark_left(db.session, user_named("seat02"))
    db.session.commit()
    gone = _send(seat, "seat02", "还在吗")
    assert gone.status_code == 422 and "已离职" in gone.get_data(as_text=True)
    assert db.session.scalars(select(ChatMessage).where(ChatMessage.body.in_(["   ", "还在吗"]))).all() == []


def test_the_status_bar_badge_is_on_every_page(login_as):
    _send(login_as("seat01"), "head01", "主管好")
    page = login_as("head01").get("/oa/todos/").get_data(as_text=True)
    assert 'id="chat-badge"' in page and 'hx-get="/chat/unread"' in page and 'id="chat-unread">1<' in page
