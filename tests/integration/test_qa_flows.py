"""业务问答 (issue 19): asking, answering, accepting, closing, who sees what, the lists, the API and promotion
of an accepted answer to a knowledge draft — with the refusals (bad input, wrong person, wrong state)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.errors import Conflict
from app.extensions import db
from app.kb.models import KbArticleVersion, KbCategory
from app.notices.models import Notice, NoticeReceipt
from app.org import services as org_services
from app.org.models import Org, OrgKind
from app.qa import services
from app.qa.models import QaAnswer, QaCategory, QaQuestion, QuestionStatus
from tests.conftest import DEMO_PASSWORD, audit_rows, user_named
from tests.race import at_once


def _category(name: str = "产品咨询") -> QaCategory:
    category = db.session.scalar(select(QaCategory).where(QaCategory.name == name))
    assert category is not None
    return category


def _count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _ask(client, title: str = "封闭期内能否提前赎回？", body: str = "客户急用钱。", category: str = "产品咨询"):
    return client.post("/qa/ask", data={"category_id": str(_category(category).id), "title": title, "body": body})


def _latest_question() -> QaQuestion:
    db.session.commit()
    question = db.session.scalars(select(QaQuestion).order_by(QaQuestion.id.desc())).first()
    assert question is not None
    return question


def _answers(question: QaQuestion) -> list[QaAnswer]:
    db.session.commit()
    return list(db.session.scalars(select(QaAnswer).where(QaAnswer.question_id == question.id)
                                   .order_by(QaAnswer.id)))


def _other_branch_user(username: str = "bjseat01") -> None:
    """A seat in a second 分公司 (北京), which must not see 上海's questions."""
    company = db.session.scalar(select(Org).where(Org.code == "HQ"))
    branch = org_services.create_org(db.session, "北京分公司", "BJ", OrgKind.BRANCH, company.id)
    org_services.create_user(db.session, username=username, work_no="B0001", name="北坐席", org_id=branch.id,
                             password=DEMO_PASSWORD, role_codes=["seat"])
    db.session.commit()


def test_seat_asks_head_answers_seat_accepts_and_the_asker_is_notified(login_as):
    seat, head = login_as("seat01"), login_as("head01")
    response = _ask(seat)
    assert response.status_code == 302
    question = _latest_question()
    assert (question.status, question.asker.username, question.org_id) == (
        QuestionStatus.OPEN, "seat01", user_named("seat01").org_id)
    assert "封闭期内能否提前赎回" in seat.get("/qa/?view=open").get_data(as_text=True)

    answered = head.post(f"/qa/{question.id}/answers", data={"body": "封闭期内不能赎回。\n可以申请转让。"})
    assert answered.status_code == 302
    question = _latest_question()
    assert (question.status, question.answer_count) == (QuestionStatus.ANSWERED, 1)
    assert question.first_answered_at is not None
    reply = _answers(question)[0]
    assert reply.body == "<p>封闭期内不能赎回。</p><p>可以申请转让。</p>"
    notice = db.session.scalars(select(Notice).order_by(Notice.id.desc())).first()
    assert notice.title == f"您的提问有了新回答：{question.title}"
    assert [r.user.username for r in db.session.scalars(
        select(NoticeReceipt).where(NoticeReceipt.notice_id == notice.id))] == ["seat01"]

    assert seat.post(f"/qa/{question.id}/answers/{reply.id}/accept").status_code == 302
    question = _latest_question()
    assert (question.status, question.accepted_answer_id) == (QuestionStatus.ACCEPTED, reply.id)
    assert _answers(question)[0].accepted and _answers(question)[0].accepted_at is not None
    assert len(audit_rows("qa.accept", question)) == 1
    page = head.get(f"/qa/{question.id}").get_data(as_text=True)
    assert "已采纳" in page and "我来回答" not in page
    assert str(question.id) in head.get("/qa/?view=answered").get_data(as_text=True)


def test_an_empty_title_or_no_category_is_refused_in_chinese_and_nothing_is_written(login_as):
    seat = login_as("seat01")
    before = _count(QaQuestion)
    empty = _ask(seat, title="   ")
    assert empty.status_code == 422 and "请填写问题标题" in empty.get_data(as_text=True)
    nocat = seat.post("/qa/ask", data={"category_id": "", "title": "有标题"})
    assert nocat.status_code == 422 and "请选择有效的问题分类" in nocat.get_data(as_text=True)
    assert "有标题" in nocat.get_data(as_text=True)  # what was typed stays in the form
    assert _count(QaQuestion) == before


def test_html_and_script_in_a_question_and_an_answer_are_cleaned(login_as):
    seat, head = login_as("seat01"), login_as("head01")
    _ask(seat, body='<p onclick="steal()">正文<script>alert(1)</script><a href="javascript:x()">链接</a></p>')
    question = _latest_question()
    assert "<script" not in question.body and "onclick" not in question.body and "javascript:" not in question.body
    assert "正文" in question.body
    head.post(f"/qa/{question.id}/answers", data={"body": '<img src=x onerror="alert(1)"><b>粗体</b>'})
    reply = _answers(question)[0]
    assert "onerror" not in reply.body and "<b>粗体</b>" in reply.body
    page = seat.get(f"/qa/{question.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "onerror" not in page
    empty = head.post(f"/qa/{question.id}/answers", data={"body": "<script>x</script>"})
    assert empty.status_code == 422 and "请填写回答内容" in empty.get_data(as_text=True)
    assert len(_answers(question)) == 1


def test_a_closed_or_accepted_question_takes_no_answer(login_as, api_as):
    seat, head = login_as("seat01"), login_as("head01")
    _ask(seat)
    question = _latest_question()
    assert seat.post(f"/qa/{question.id}/close").status_code == 302
    assert _latest_question().status == QuestionStatus.CLOSED
    refused = head.post(f"/qa/{question.id}/answers", data={"body": "还能答吗"},
                        headers={"Referer": f"/qa/{question.id}"})
    assert refused.status_code == 409 and "问题已关闭，不能再回答" in refused.get_data(as_text=True)
    api = api_as("head01").post(f"/api/v1/qa/questions/{question.id}/answers", json={"body": "再试"})
    assert api.status_code == 409 and api.get_json()["error"]["message"] == "问题已关闭，不能再回答"
    assert _answers(question) == [] and _latest_question().answer_count == 0
    assert len(audit_rows("qa.close", question)) == 1


def test_only_the_asker_or_an_admin_accepts_or_closes(login_as):
    seat, head, other = login_as("seat01"), login_as("head01"), login_as("seat02")
    _ask(seat)
    question = _latest_question()
    head.post(f"/qa/{question.id}/answers", data={"body": "答案"})
    reply = _answers(question)[0]
    assert other.post(f"/qa/{question.id}/answers/{reply.id}/accept").status_code == 403
    assert head.post(f"/qa/{question.id}/close").status_code == 403
    assert _latest_question().status == QuestionStatus.ANSWERED
    assert login_as("admin").post(f"/qa/{question.id}/answers/{reply.id}/accept").status_code == 302
    assert _latest_question().status == QuestionStatus.ACCEPTED
    again = seat.post(f"/qa/{question.id}/answers/{reply.id}/accept", headers={"Referer": f"/qa/{question.id}"})
    assert again.status_code == 302  # refused back to the page with the reason
    assert "问题已采纳了一个回答，不能再采纳" in seat.get(f"/qa/{question.id}").get_data(as_text=True)


@pytest.mark.db_sensitive  # the conditional UPDATE decides, on SQLite and PostgreSQL
def test_two_concurrent_accepts_leave_exactly_one_accepted_answer(app, login_as, database_url, tmp_path: Path):
    seat = login_as("seat01")
    _ask(seat)
    question = _latest_question()
    for name in ("head01", "seat02", "manager01", "seat11"):
        login_as(name).post(f"/qa/{question.id}/answers", data={"body": f"{name} 的回答"})
    reply_ids = [a.id for a in _answers(question)]
    asker_id, question_id = user_named("seat01").id, question.id

    def work(answer_id: int, _prepared: object) -> str:
        from app.auth.models import User

        asker, q = db.session.get(User, asker_id), db.session.get(QaQuestion, question_id)
        try:
            services.accept(db.session, q, db.session.get(QaAnswer, answer_id), asker)
            db.session.commit()
            return "won"
        except Conflict:
            db.session.rollback()
            return "refused"

    results = at_once(database_url, tmp_path / "race", reply_ids, work)
    assert sorted(results.values()) == ["refused"] * 3 + ["won"]
    winner = next(k for k, v in results.items() if v == "won")
    assert _latest_question().accepted_answer_id == winner
    assert [a.id for a in _answers(question) if a.accepted] == [winner]


def test_a_user_of_another_branch_sees_nothing_of_this_branch(login_as, api_as):
    _other_branch_user()
    _ask(login_as("seat01"))
    question = _latest_question()
    outsider = login_as("bjseat01")
    assert outsider.get(f"/qa/{question.id}").status_code == 404
    assert outsider.post(f"/qa/{question.id}/answers", data={"body": "x"}).status_code == 404
    assert question.title not in outsider.get("/qa/").get_data(as_text=True)
    api = api_as("bjseat01")
    assert api.get(f"/api/v1/qa/questions/{question.id}").status_code == 404
    assert api.get("/api/v1/qa/questions").get_json()["total"] == 0
    # colleagues of the same branch in another department see it; admins see everything
    assert login_as("seat11").get(f"/qa/{question.id}").status_code == 200
    assert login_as("admin").get(f"/qa/{question.id}").status_code == 200


def test_lists_filter_by_view_category_and_title_keyword(login_as):
    seat = login_as("seat01")
    _ask(seat, title="甲产品的风险等级", category="产品咨询")
    _ask(seat, title="乙流程的审批时限", category="交易流程")
    by_category = seat.get(f"/qa/?category={_category('交易流程').id}").get_data(as_text=True)
    assert "乙流程的审批时限" in by_category and "甲产品的风险等级" not in by_category
    by_keyword = seat.get("/qa/?q=风险等级").get_data(as_text=True)
    assert "甲产品的风险等级" in by_keyword and "乙流程" not in by_keyword
    mine = login_as("seat02").get("/qa/?view=mine").get_data(as_text=True)
    assert "甲产品" not in mine and "乙流程" not in mine
    assert "%" not in seat.get("/qa/?q=%25").get_data(as_text=True).split('id="qa-table"')[1].split("</table>")[0]


def test_lists_page_by_keyset(login_as):
    seat = login_as("seat01")
    for i in range(23):
        _ask(seat, title=f"分页问题{i:02d}")
    first = seat.get("/qa/?view=mine&q=分页问题").get_data(as_text=True)
    assert "分页问题22" in first and "分页问题02" not in first and "下一页" in first
    cursor = first.split("after=")[1].split('"')[0].replace("&amp;", "&")
    second = seat.get(f"/qa/?view=mine&q=分页问题&after={cursor}").get_data(as_text=True)
    assert "分页问题02" in second and "分页问题22" not in second


def test_the_api_lists_reads_asks_and_answers(api_as):
    seat, head = api_as("seat01"), api_as("head01")
    created = seat.post("/api/v1/qa/questions", json={"category_id": _category("合规").id,
                                                      "title": "双录要录多久", "body": "<script>x</script>全程？"})
    assert created.status_code == 201
    question_id = created.get_json()["id"]
    assert created.get_json()["body"] == "全程？"
    bad = seat.post("/api/v1/qa/questions", json={"category_id": _category("合规").id, "title": ""})
    assert bad.status_code == 422 and bad.get_json()["error"]["message"] == "请填写问题标题"
    listed = head.get("/api/v1/qa/questions?view=open&q=双录").get_json()
    assert [q["id"] for q in listed["items"]] == [question_id] and listed["items"][0]["status_label"] == "待解答"
    answered = head.post(f"/api/v1/qa/questions/{question_id}/answers", json={"body": "全程录音录像。"})
    assert answered.status_code == 201 and answered.get_json()["author_name"] == "李主管"
    detail = seat.get(f"/api/v1/qa/questions/{question_id}").get_json()
    assert detail["status"] == "answered" and [a["body"] for a in detail["answers"]] == ["<p>全程录音录像。</p>"]
    assert seat.get("/api/v1/qa/questions?view=bogus").status_code == 422


def _kb_category() -> KbCategory:
    category = KbCategory(name="业务问答沉淀", sort_order=1)
    db.session.add(category)
    db.session.commit()
    return category


def test_promote_an_accepted_answer_once_to_a_knowledge_draft(login_as):
    seat, head = login_as("seat01"), login_as("head01")
    kb_category = _kb_category()
    versions_before = _count(KbArticleVersion)  # the demo knowledge base has its own
    _ask(seat, title="到账后多久确认合同", body="<p>问题正文</p>")
    question = _latest_question()
    head.post(f"/qa/{question.id}/answers", data={"body": "<p>1–2 个工作日。</p>"})
    reply = _answers(question)[0]
    not_yet = head.post(f"/qa/{question.id}/answers/{reply.id}/promote",
                        data={"kb_category_id": str(kb_category.id)})
    assert not_yet.status_code == 409 and "只有已采纳的回答可以转为知识草稿" in not_yet.get_data(as_text=True)
    seat.post(f"/qa/{question.id}/answers/{reply.id}/accept")
    assert seat.get(f"/qa/{question.id}/answers/{reply.id}/promote").status_code == 403  # seats lack qa.promote
    no_category = head.post(f"/qa/{question.id}/answers/{reply.id}/promote", data={"kb_category_id": ""})
    assert no_category.status_code == 422 and "请选择有效的知识分类" in no_category.get_data(as_text=True)
    assert _count(KbArticleVersion) == versions_before

    done = head.post(f"/qa/{question.id}/answers/{reply.id}/promote", data={"kb_category_id": str(kb_category.id)})
    assert done.status_code == 302
    reply = _answers(question)[0]
    version = db.session.scalars(select(KbArticleVersion)
                                 .where(KbArticleVersion.source == f"qa_answer:{reply.id}")).one()
    assert reply.promoted_article_id == version.article_id
    assert (version.title, version.source, version.status.value) == ("到账后多久确认合同", f"qa_answer:{reply.id}",
                                                                     "draft")
    assert "问题正文" in version.body_html and "1–2 个工作日" in version.body_html
    assert version.author.username == "head01"
    assert len(audit_rows("qa.promote", reply)) == 1

    twice = head.post(f"/qa/{question.id}/answers/{reply.id}/promote", data={"kb_category_id": str(kb_category.id)})
    assert twice.status_code == 409
    assert f"该回答已转为知识草稿（知识编号 {reply.promoted_article_id}），不能重复转换" in twice.get_data(as_text=True)
    assert _count(KbArticleVersion) == versions_before + 1
    assert f"已转为知识草稿（知识编号 {reply.promoted_article_id}）" in head.get(f"/qa/{question.id}").get_data(
        as_text=True)


def test_category_maintenance_and_permissions(login_as):
    admin = login_as("admin")
    assert admin.post("/admin/qa/categories/new", data={"name": "营销活动", "sort": "50"}).status_code == 302
    category = _category("营销活动")
    dup = admin.post("/admin/qa/categories/new", data={"name": "合规", "sort": "1"})
    assert dup.status_code == 422 and "分类“合规”已存在" in dup.get_data(as_text=True)
    admin.post(f"/admin/qa/categories/{category.id}/active")
    db.session.refresh(category)
    assert category.active is False
    seat = login_as("seat01")
    assert "营销活动" not in seat.get("/qa/ask").get_data(as_text=True)
    stopped = seat.post("/qa/ask", data={"category_id": str(category.id), "title": "活动怎么报名"})
    assert stopped.status_code == 422
    assert seat.get("/admin/qa/categories").status_code == 403
    assert seat.get("/qa/summary").status_code == 403
    assert login_as("head01").get("/qa/summary").status_code == 200


def test_the_menu_shows_qa_under_the_knowledge_section(login_as):
    seat_home = login_as("seat01").get("/").get_data(as_text=True)
    assert "知识库" in seat_home and "业务问答" in seat_home and "问答汇总" not in seat_home
    admin_home = login_as("admin").get("/").get_data(as_text=True)
    assert "问答汇总" in admin_home and "问题分类维护" in admin_home


def test_demo_questions_are_there(login_as):
    page = login_as("seat01").get("/qa/").get_data(as_text=True)
    assert "稳盈 1 号的起投金额和封闭期是多少？" in page and "客户要求承诺保本保收益" in page
    accepted = db.session.scalar(select(QaQuestion).where(QaQuestion.title.startswith("稳盈")))
    assert accepted.status == QuestionStatus.ACCEPTED and accepted.answer_count == 2
