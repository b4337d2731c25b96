"""The knowledge base end to end through the screens: categories, drafts from a 内容模板, attachments checked
and stored on disk, versions, the 知识库审核 process (return → resubmit → approve, reject, a concurrent double
approval), withdrawing, who sees what, downloads and the API."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.extensions import db
from app.kb import attachments
from app.kb.models import KbArticle, KbArticleVersion, KbAttachment, KbCategory, KbSearchRow, VersionStatus
from app.notices import services as notice_services
from app.workflow.models import TaskStatus, WorkflowTask
from tests import kb_documents as docs
from tests.conftest import audit_rows, user_named


def _category(name: str = "产品知识") -> KbCategory:
    db.session.commit()
    return db.session.scalar(select(KbCategory).where(KbCategory.name == name))


def _post(client, url: str, fields: dict[str, str], files: list[tuple[bytes, str]]):
    """Post a form with files, encoded in memory: the test client would spool a large body to a temporary file
    it never closes."""
    data: dict[str, object] = dict(fields)
    data["attachments"] = [FileStorage(io.BytesIO(content), name) for content, name in files]
    boundary, body = encode_multipart(data)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _new_article(client, title: str = "稳盈 90 天产品说明", body: str = "<p>理财收益按日计算，到期赎回</p>",
                 files: list[tuple[bytes, str]] | None = None) -> int:
    response = _post(client, "/kb/articles/new", {"category_id": str(_category().id), "title": title,
                                                  "body_html": body}, files or [])
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/kb/articles/(\d+)$", response.headers["Location"]).group(1))


def _article(article_id: int) -> KbArticle:
    db.session.commit()
    article = db.session.get(KbArticle, article_id)
    db.session.refresh(article)
    return article


def _versions(article_id: int) -> list[KbArticleVersion]:
    db.session.commit()
    rows = list(db.session.scalars(select(KbArticleVersion).where(KbArticleVersion.article_id == article_id)
                                   .order_by(KbArticleVersion.number)))
    for row in rows:
        db.session.refresh(row)
    return rows


def _review_task(version_id: int) -> WorkflowTask:
    db.session.commit()
    return db.session.scalar(select(WorkflowTask).where(WorkflowTask.business_key == f"kb_version:{version_id}",
                                                        WorkflowTask.status == TaskStatus.OPEN))


def _review(client, version_id: int, outcome: str, comment: str = ""):
    task = _review_task(version_id)
    return client.post(f"/tasks/{task.id}/complete", data={"outcome": outcome, "comment": comment})


def test_categories_nest_and_one_with_articles_cannot_be_deleted(login_as):
    admin = login_as("admin")
    parent = _category("产品知识")
    assert admin.post("/kb/categories/", data={"name": "养老理财", "parent_id": str(parent.id)}).status_code == 302
    child = _category("养老理财")
    assert child.parent_id == parent.id
    page = admin.get("/kb/categories/").get_data(as_text=True)
    assert "产品知识 / 养老理财" in page
    duplicate = admin.post("/kb/categories/", data={"name": "养老理财", "parent_id": str(parent.id)})
    assert duplicate.status_code == 422 and "已有名为“养老理财”的分类" in duplicate.get_data(as_text=True)
    loop = admin.post(f"/kb/categories/{parent.id}", data={"name": "产品知识", "parent_id": str(child.id)})
    assert loop.status_code == 422 and "不能把分类移到它自己或它的下级分类之下" in loop.get_data(as_text=True)
    used = _category("合规话术")
    refused = admin.post(f"/kb/categories/{used.id}/delete")
    assert refused.status_code == 409 and "下还有知识，不能删除" in refused.get_data(as_text=True)
    assert _category("合规话术") is not None
    assert admin.post(f"/kb/categories/{used.id}", data={"name": "合规话术", "sort_order": "5"}).status_code == 302
    assert _category("合规话术").active is False  # unchecked 启用
    assert admin.post(f"/kb/categories/{child.id}/delete").status_code == 302
    assert _category("养老理财") is None
    assert login_as("seat01").get("/kb/categories/").status_code == 403


def test_a_template_fills_placeholders_into_a_new_article(login_as):
    template = notice_services.create_template(db.session, name="产品介绍模板", title="{产品名称}产品介绍",
                                               body="{产品名称}的期限为{期限}。\n风险等级：{风险等级}")
    db.session.commit()
    page = login_as("hr01").get(f"/kb/articles/new?template={template.id}&ph_产品名称=稳盈180&ph_期限=180天"
                                ).get_data(as_text=True)
    assert 'value="稳盈180产品介绍"' in page and "稳盈180的期限为180天。" in page and "{风险等级}" in page


def test_bad_attachments_are_refused_and_nothing_is_written(login_as, app):
    hr = login_as("hr01")
    store = Path(app.instance_path) / "files" / "kb"
    before = db.session.scalar(select(func.count()).select_from(KbArticle))
    for content, name, message in [(docs.EXE, "合同.docx", "内容与其类型不符"),
                                   (docs.zip_bomb(), "收益表.xlsx", "压缩炸弹"),
                                   (b"<script>alert(1)</script>", "页面.html", "不支持的附件类型")]:
        response = _post(hr, "/kb/articles/new", {"category_id": str(_category().id), "title": "带附件",
                                                  "body_html": "<p>正文</p>"}, [(content, name)])
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    from app.admin import params

    params.set_value(db.session, "kb.video_max_mb", "1")
    db.session.commit()
    big = _post(hr, "/kb/articles/new", {"category_id": str(_category().id), "title": "视频", "body_html": "x"},
                [(docs.MP4 + b"\x00" * (1024 * 1024), "讲解.mp4")])
    assert big.status_code == 422 and "视频“讲解.mp4”超过 1 MB 的大小上限" in big.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(KbArticle)) == before
    assert not store.exists() or not any(p.is_file() for p in store.rglob("*"))


def test_return_resubmit_approve_then_a_new_version_keeps_the_old_one_live(login_as, app):
    hr = login_as("hr01")
    article_id = _new_article(hr, body='<p onclick="x()">理财收益<script>alert(1)</script></p>',
                              files=[(docs.docx("稳盈理财赎回规则"), "赎回规则.docx")])
    [draft] = _versions(article_id)
    assert draft.status == VersionStatus.DRAFT and "script" not in draft.body_html and "onclick" not in draft.body_html
    [stored] = draft.attachments
    assert stored.text == "稳盈理财赎回规则" and attachments.path_of(stored.sha256).read_bytes().startswith(b"PK")
    assert (Path(app.instance_path) / "files" / "kb" / stored.sha256[:2] / stored.sha256).is_file()
    assert login_as("seat01").get(f"/kb/articles/{article_id}").status_code == 404  # drafts are private

    assert hr.post(f"/kb/articles/{article_id}/submit").status_code == 302
    twice = hr.post(f"/kb/articles/{article_id}/submit")
    assert twice.status_code == 409 and "请勿重复提交" in twice.get_data(as_text=True)
    assert hr.post(f"/kb/articles/{article_id}/edit", data={"category_id": str(_category().id), "title": "改",
                                                            "body_html": "x"}).status_code == 409
    reviewer = login_as("kb01")
    assert "稳盈 90 天产品说明" in reviewer.get("/tasks/?tab=group").get_data(as_text=True)
    task_page = reviewer.get(f"/tasks/{_review_task(draft.id).id}").get_data(as_text=True)
    assert "理财收益" in task_page and "赎回规则.docx" in task_page
    no_comment = _review(reviewer, draft.id, "return")
    assert no_comment.status_code == 422
    assert _review(reviewer, draft.id, "return", "请补充风险提示").status_code == 302
    [returned] = _versions(article_id)
    assert returned.status == VersionStatus.RETURNED and returned.review_comment == "请补充风险提示"
    assert "请补充风险提示" in hr.get(f"/kb/articles/{article_id}").get_data(as_text=True)

    edited = hr.post(f"/kb/articles/{article_id}/edit", data={
        "category_id": str(_category().id), "title": "稳盈 90 天产品说明",
        "body_html": "<p>理财收益按日计算，到期赎回。理财非存款，投资须谨慎。</p>"})
    assert edited.status_code == 302 and len(_versions(article_id)) == 1  # the same version, edited
    assert hr.post(f"/kb/articles/{article_id}/submit").status_code == 302
    assert _review(reviewer, draft.id, "approve").status_code == 302
    [live] = _versions(article_id)
    assert live.status == VersionStatus.PUBLISHED and _article(article_id).live_version_id == live.id
    row = db.session.get(KbSearchRow, article_id)
    assert row is not None and "投资须谨慎" in row.body and "稳盈理财赎回规则" in row.attachment_text
    assert len(audit_rows("kb.submit")) == 2

    seat = login_as("seat01")
    assert "理财非存款" in seat.get(f"/kb/articles/{article_id}").get_data(as_text=True)

    assert hr.post(f"/kb/articles/{article_id}/edit", data={
        "category_id": str(_category().id), "title": "稳盈 90 天产品说明（2027 版）",
        "body_html": "<p>新版收益说明</p>"}).status_code == 302
    first, second = _versions(article_id)
    assert second.status == VersionStatus.DRAFT and [a.sha256 for a in second.attachments] == [stored.sha256]
    assert _article(article_id).live_version_id == first.id
    page = seat.get(f"/kb/articles/{article_id}").get_data(as_text=True)
    assert "理财非存款" in page and "新版收益说明" not in page
    assert seat.get(f"/kb/articles/{article_id}/versions/{second.id}").status_code == 404
    hr.post(f"/kb/articles/{article_id}/submit")
    assert _article(article_id).live_version_id == first.id  # still live while the new version is in review
    assert _review(reviewer, second.id, "approve").status_code == 302
    first, second = _versions(article_id)
    assert first.status == VersionStatus.SUPERSEDED and second.status == VersionStatus.PUBLISHED
    assert db.session.get(KbSearchRow, article_id).version_id == second.id
    history = hr.get(f"/kb/articles/{article_id}").get_data(as_text=True)
    assert "已被新版本取代" in history and "请补充风险提示" in history

    assert seat.post(f"/kb/articles/{article_id}/withdraw").status_code == 403
    assert reviewer.post(f"/kb/articles/{article_id}/withdraw").status_code == 302
    assert db.session.get(KbSearchRow, article_id) is None and _article(article_id).live_version_id is None
    assert seat.get(f"/kb/articles/{article_id}").status_code == 404
    assert audit_rows("kb.withdraw")


def test_a_rejected_version_never_goes_live(login_as):
    hr = login_as("hr01")
    article_id = _new_article(hr, title="不合规的话术")
    hr.post(f"/kb/articles/{article_id}/submit")
    [version] = _versions(article_id)
    reviewer = login_as("kb01")
    assert _review(reviewer, version.id, "reject").status_code == 422  # a rejection needs its reason
    assert _review(reviewer, version.id, "reject", "承诺保本，违反合规要求").status_code == 302
    [version] = _versions(article_id)
    assert version.status == VersionStatus.REJECTED and _article(article_id).live_version_id is None
    assert hr.post(f"/kb/articles/{article_id}/submit").status_code == 409


@pytest.mark.db_sensitive
def test_two_reviewers_approving_at_once_publish_once(login_as, database_url, tmp_path):
    from app import workflow
    from app.auth.models import User
    from app.errors import Conflict
    from app.org import services as org_services
    from tests.race import at_once

    org_services.create_user(db.session, username="kb02", work_no="K0002", name="二号审核", password="Licai@demo2026",
                             org_id=user_named("kb01").org_id, role_codes=["kb_reviewer"])
    db.session.commit()
    hr = login_as("hr01")
    article_id = _new_article(hr)
    hr.post(f"/kb/articles/{article_id}/submit")
    [version] = _versions(article_id)
    task_id = _review_task(version.id).id

    def work(_key: str, reviewer: User) -> str:
        try:
            workflow.complete_task(db.session, task_id, reviewer, {}, outcome="approve", comment="")
            db.session.commit()
            return "done"
        except Conflict:
            db.session.rollback()
            return "taken"

    results = at_once(database_url, tmp_path / "race", ["kb01", "kb02"], work,
                      prepare=lambda key: db.session.scalar(select(User).where(User.username == key)))
    assert sorted(results.values()) == ["done", "taken"]
    [version] = _versions(article_id)
    assert version.status == VersionStatus.PUBLISHED
    assert db.session.scalar(select(func.count()).select_from(KbSearchRow)
                             .where(KbSearchRow.article_id == article_id)) == 1


def test_downloads_are_attachments_with_the_allow_list_type(login_as):
    hr = login_as("hr01")
    article_id = _new_article(hr, files=[(docs.docx("正文"), "产品 说明书.docx"), (docs.PNG, "图.png")])
    [version] = _versions(article_id)
    word, image = version.attachments
    url = f"/kb/articles/{article_id}/versions/{version.id}/files"
    download = hr.get(f"{url}/{word.id}?inline=1")
    assert download.status_code == 200 and download.data.startswith(b"PK")
    assert download.mimetype.endswith("wordprocessingml.document")
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=attachment; filename*=UTF-8''%E4%BA%A7%E5%93%81%20%E8%AF%B4%E6%98%8E%E4%B9%A6.docx")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    shown = hr.get(f"{url}/{image.id}?inline=1")
    assert shown.mimetype == "image/png" and shown.headers["Content-Disposition"].startswith("inline;")
    assert login_as("seat01").get(f"{url}/{word.id}").status_code == 404  # not published yet
    assert login_as("head11").get(f"{url}/{word.id}").status_code == 404  # an author other than hr01
    other = db.session.scalar(select(KbAttachment.id).where(KbAttachment.version_id != version.id).limit(1))
    if other:
        assert hr.get(f"{url}/{other}").status_code == 404


def test_the_author_list_reviewer_list_and_outsiders(login_as):
    hr = login_as("hr01")
    article_id = _new_article(hr, title="只属于人事的草稿")
    assert "只属于人事的草稿" in hr.get("/kb/manage").get_data(as_text=True)
    assert "只属于人事的草稿" not in login_as("head01").get("/kb/manage").get_data(as_text=True)
    assert "只属于人事的草稿" in login_as("kb01").get("/kb/manage?status=draft").get_data(as_text=True)
    head = login_as("head01")
    assert head.post(f"/kb/articles/{article_id}/submit").status_code == 404
    assert login_as("seat01").get("/kb/manage").status_code == 403
    assert login_as("seat01").get("/kb/articles/new").status_code == 403
    index = login_as("seat01").get("/kb/").get_data(as_text=True)
    assert "稳盈 180 天理财计划产品介绍" in index and "只属于人事的草稿" not in index
    products = login_as("seat01").get(f"/kb/?category={_category('产品知识').id}").get_data(as_text=True)
    assert "稳盈 180 天理财计划产品介绍" in products and "进取成长混合型" in products  # sub-categories included
    assert "合规话术要点" not in products


def test_the_api_gives_the_tree_and_an_article_within_scope(api_as, login_as):
    seat = api_as("seat01")
    tree = seat.get("/api/v1/kb/categories")
    assert tree.status_code == 200
    paths = [row["path"] for row in tree.get_json()]
    assert "产品知识 / 固收类" in paths
    live_id = db.session.scalar(select(KbArticle.id).where(KbArticle.live_version_id.is_not(None)).limit(1))
    body = seat.get(f"/api/v1/kb/articles/{live_id}").get_json()
    assert body["live_version"]["status"] == "published" and body["versions"] == []
    draft_id = _new_article(login_as("hr01"), title="API 草稿")
    assert seat.get(f"/api/v1/kb/articles/{draft_id}").status_code == 404
    mine = api_as("hr01").get(f"/api/v1/kb/articles/{draft_id}").get_json()
    assert mine["live_version"] is None and mine["versions"][0]["status_label"] == "草稿"


def test_two_submits_at_once_start_one_review_round(login_as, database_url, tmp_path):
    from app.auth.models import User
    from app.errors import Conflict
    from app.kb import articles
    from app.workflow.models import ProcessInstance
    from tests.race import at_once

    article_id = _new_article(login_as("hr01"))

    def work(_key: int, author: User) -> str:
        try:
            articles.submit(db.session, db.session.get(KbArticle, article_id), author)
            db.session.commit()
            return "submitted"
        except Conflict:
            db.session.rollback()
            return "refused"

    results = at_once(database_url, tmp_path / "race", [1, 2], work,
                      prepare=lambda _key: db.session.scalar(select(User).where(User.username == "hr01")))
    assert sorted(results.values()) == ["refused", "submitted"]  # a double click: one round, one message
    [version] = _versions(article_id)
    assert version.status == VersionStatus.IN_REVIEW
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance)
                             .where(ProcessInstance.business_key == f"kb_version:{version.id}")) == 1
