"""项目分类维护 and 理财项目维护 through HTTP as the demo users; the project lifecycle up to 资金募集 and 募集失败."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.products.models import Project, ProjectCategory, ProjectStage
from app.workflow.models import InstanceStatus, TaskStatus, WorkflowTask
from tests.conftest import user_named


def _category(name: str) -> ProjectCategory:
    db.session.rollback()
    return db.session.scalars(select(ProjectCategory).where(ProjectCategory.name == name)).one()


def _project(code: str) -> Project:
    db.session.rollback()
    return db.session.scalars(select(Project).where(Project.code == code)).one()


PROJECT_FORM = {
    "code": "XM-T01", "name": "测试稳健一号", "org_id": "", "manager_id": "0", "raise_target": "5000000",
    "lp_amount": "3000000", "lp_count": "3", "min_subscription": "1000000", "expected_yield": "6.5",
    "term_months": "12", "interest_schedule": "quarterly", "risk_level": "R2", "raise_start": "2026-01-01",
    "raise_end": "2026-12-31", "value_date": "", "maturity_date": "", "description": "测试项目",
}


def create_project(client, category_id: int, org_id: int, **changes: str) -> Project:
    data = {**PROJECT_FORM, "category_id": str(category_id), "org_id": str(org_id), **changes}
    response = client.post("/products/projects/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return _project(data["code"])


def test_category_tree_create_child_rename_and_delete_only_when_empty(login_as):
    client = login_as("service01")
    assert client.post("/products/categories/", data={"name": "测试固收", "parent_id": "0"}).status_code == 302
    top = _category("测试固收")
    assert client.post("/products/categories/", data={"name": "测试债权", "parent_id": str(top.id)}).status_code == 302
    child = _category("测试债权")
    assert child.parent_id == top.id and child.path == f"{top.path}{child.id}/"
    duplicate = client.post("/products/categories/", data={"name": "测试债权", "parent_id": str(top.id)},
                            headers={"Referer": "/products/categories/"}, follow_redirects=True)
    assert "同一上级下已有名为“测试债权”的分类" in duplicate.get_data(as_text=True)

    assert client.post(f"/products/categories/{child.id}/rename", data={"name": "测试债权类"}).status_code == 302
    assert _category("测试债权类").id == child.id
    refused = client.post(f"/products/categories/{top.id}/delete", headers={"Referer": "/products/categories/"},
                          follow_redirects=True)
    assert "下还有子分类，不能删除" in refused.get_data(as_text=True)
    assert "测试债权类" in client.get("/products/categories/").get_data(as_text=True)
    assert client.post(f"/products/categories/{child.id}/delete").status_code == 302
    assert client.post(f"/products/categories/{top.id}/delete").status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(ProjectCategory).where(ProjectCategory.name.like("测试%"))) is None


def test_project_is_created_in_preparation_with_its_lifecycle_and_published_to_raising(login_as):
    client = login_as("service01")
    client.post("/products/categories/", data={"name": "测试分类", "parent_id": "0"})
    category = _category("测试分类")
    org_id = user_named("service01").org_id
    project = create_project(client, category.id, org_id)
    assert project.stage == ProjectStage.PREPARING
    assert project.lifecycle_instance is not None
    task = db.session.scalars(select(WorkflowTask).where(
        WorkflowTask.instance_id == project.lifecycle_instance_id, WorkflowTask.status == TaskStatus.OPEN)).one()
    assert task.name == "调研筹备" and task.candidate_role == "investor_service"

    refused = client.post(f"/products/categories/{category.id}/delete", headers={"Referer": "/"},
                          follow_redirects=True)
    assert "下还有 1 个项目，不能删除" in refused.get_data(as_text=True)

    page = client.get(f"/products/projects/{project.id}").get_data(as_text=True)
    assert "调研筹备" in page and 'value="publish"' in page and "data-diagram-url" in page
    diagram = client.get(f"/products/projects/{project.id}/diagram.json").get_json()
    assert diagram["current"] == ["preparing"]

    assert client.post(f"/products/projects/{project.id}/stage", data={"outcome": "publish"}).status_code == 302
    project = _project("XM-T01")
    assert project.stage == ProjectStage.RAISING
    page = client.get(f"/products/projects/{project.id}").get_data(as_text=True)
    assert 'value="success"' in page and 'value="failure"' in page


def test_failure_needs_a_reason_closes_the_project_and_success_needs_the_quota(login_as):
    client = login_as("service01")
    client.post("/products/categories/", data={"name": "测试分类", "parent_id": "0"})
    project = create_project(client, _category("测试分类").id, user_named("service01").org_id)
    client.post(f"/products/projects/{project.id}/stage", data={"outcome": "publish"})

    response = client.post(f"/products/projects/{project.id}/stage", data={"outcome": "success"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "不能宣布募集成功" in text and "还差 3,000,000.00 元" in text
    assert _project("XM-T01").stage == ProjectStage.RAISING

    response = client.post(f"/products/projects/{project.id}/stage", data={"outcome": "failure", "comment": " "})
    assert response.status_code == 422 and "必须填写" in response.get_data(as_text=True)
    response = client.post(f"/products/projects/{project.id}/stage",
                           data={"outcome": "failure", "comment": "市场变化，认购不足"})
    assert response.status_code == 302
    project = _project("XM-T01")
    assert project.stage == ProjectStage.FAILED and project.failure_reason == "市场变化，认购不足"
    assert project.lifecycle_instance.status == InstanceStatus.COMPLETED
    edit = client.post(f"/products/projects/{project.id}/edit", data={**PROJECT_FORM, "name": "改名"})
    assert edit.status_code == 409 and "项目当前为“募集失败”，不能再修改" in edit.get_data(as_text=True)


def test_project_terms_freeze_after_raise_and_only_preparing_projects_can_be_deleted(login_as):
    client = login_as("service01")
    client.post("/products/categories/", data={"name": "测试分类", "parent_id": "0"})
    org_id = user_named("service01").org_id
    category = _category("测试分类")
    first = create_project(client, category.id, org_id)
    second = create_project(client, category.id, org_id, code="XM-T02", name="测试二号")
    second_id = second.id
    assert client.post(f"/products/projects/{second_id}/delete").status_code == 302
    db.session.rollback()
    assert db.session.get(Project, second_id) is None
    client.post(f"/products/projects/{first.id}/stage", data={"outcome": "publish"})
    form = {**PROJECT_FORM, "category_id": str(category.id), "org_id": str(org_id), "lp_amount": "2500000"}
    assert client.post(f"/products/projects/{first.id}/edit", data=form).status_code == 302
    assert _project("XM-T01").lp_amount == Decimal("2500000.00")
    refused = client.post(f"/products/projects/{first.id}/delete", headers={"Referer": "/"}, follow_redirects=True)
    assert "只有调研筹备阶段的项目可以删除" in refused.get_data(as_text=True)


def test_bad_project_input_is_refused_and_kept(login_as):
    client = login_as("service01")
    client.post("/products/categories/", data={"name": "测试分类", "parent_id": "0"})
    data = {**PROJECT_FORM, "category_id": str(_category("测试分类").id),
            "org_id": str(user_named("service01").org_id), "min_subscription": "9000000"}
    response = client.post("/products/projects/new", data=data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "起购金额不能大于LP募集额度" in text and 'value="测试稳健一号"' in text


def test_seats_cannot_open_project_maintenance_and_other_branches_do_not_see_it(login_as):
    assert login_as("seat01").get("/products/projects/").status_code == 403
    assert login_as("finance01").get("/products/projects/").status_code == 200
