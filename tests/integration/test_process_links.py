"""Processes know their customer (and project, trade): started from the object's page or with a 客户 field on the
start form, the instance is linked to the object after checking the starter may open it; its tasks show the
object's card (the 客户 360 link only to users who may open the customer); the object's page lists it."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pytest
from sqlalchemy import event, select
from wtforms import IntegerField
from wtforms.validators import Optional

from app import workflow
from app.customers.models import Customer
from app.extensions import db
from app.workflow import deploy
from app.workflow.models import InstanceLink, ProcessInstance, TaskStatus, WorkflowTask
from forms import registry as form_registry
from forms.task_forms import TaskForm
from rules import phones as phone_rules
from tests.conftest import DATA, user_named
from tests.integration.trading import create_trade, customers_of, make_project

PROCESS = "test_customer_visit"
VISIT = (DATA / "customer_visit.bpmn").read_text(encoding="utf-8")


def instances() -> list[ProcessInstance]:
    db.session.rollback()
    return list(db.session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == PROCESS)
                                   .order_by(ProcessInstance.id)))


def open_task(instance: ProcessInstance) -> WorkflowTask:
    db.session.rollback()
    return db.session.scalars(select(WorkflowTask).where(WorkflowTask.instance_id == instance.id,
                                                         WorkflowTask.status == TaskStatus.OPEN)).one()


def links_of(instance: ProcessInstance) -> set[str]:
    return set(db.session.scalars(select(InstanceLink.business_key).where(InstanceLink.instance_id == instance.id)))


def someone_elses_customer(username: str = "seat02") -> Customer:
    return customers_of(username)[0]


@pytest.fixture
def visit(deploy_fixture) -> Any:
    return deploy_fixture("customer_visit")


class VisitRequest(TaskForm):
    """A start form with a 客户 field, as the form compiler makes one from a licai-customer component."""

    title = "登记回访"
    subject_fields: ClassVar[dict[str, str]] = {"customer_id": "customer"}
    customer_id = IntegerField("客户", validators=[Optional()])


@pytest.fixture
def visit_with_customer_field(app, monkeypatch) -> Any:
    """The visit process with the start form above (registered for this test only)."""
    monkeypatch.setattr(form_registry, "_python_forms", dict(form_registry._python_forms))
    form_registry.register("test_visit_request")(VisitRequest)
    text = VISIT.replace('<spiffworkflow:property name="startRoles"',
                         '<spiffworkflow:property name="formKey" value="test_visit_request" />'
                         '<spiffworkflow:property name="startRoles"')
    model = deploy.deploy(db.session, text, source="test").model
    db.session.commit()
    return model


def test_a_seat_starts_a_visit_from_the_customers_360_and_the_task_shows_the_customer_card(login_as, visit):
    customer = customers_of("seat01")[0]
    seat = login_as("seat01")
    page = seat.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert 'id="launch-menu"' in page
    assert f'href="/workflow/start/{PROCESS}?subject=customer:{customer.id}"' in page
    form = seat.get(f"/workflow/start/{PROCESS}?subject=customer:{customer.id}").get_data(as_text=True)
    assert f'name="subject" value="customer:{customer.id}"' in form and "客户 · " in form and customer.number in form

    response = seat.post(f"/workflow/start/{PROCESS}", data={"subject": f"customer:{customer.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/customers/{customer.id}")
    [instance] = instances()
    assert instance.business_key == f"customer:{customer.id}" and instance.title == f"客户回访 · {customer.name}"
    assert links_of(instance) == {f"customer:{customer.id}"}
    task = open_task(instance)
    # The customer is a process variable too: a task form's 客户 field and the diagram's conditions read it.
    assert workflow.task_data(task)["customer_id"] == customer.id

    # 客户 360 lists it: title, current step, status, started, linked to the seat's task.
    page = seat.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert f"已发起“客户回访 · {customer.name}”" in page
    row = page[page.index(f'data-instance="{instance.id}"'):]
    row = row[:row.index("</tr>")]
    assert f'href="/tasks/{task.id}"' in row and "回访客户" in row and "进行中" in row
    assert f"客户回访 · {customer.name}" in row

    # The task page shows the customer card, the phone masked, with the link to 客户 360.
    task_page = seat.get(f"/tasks/{task.id}").get_data(as_text=True)
    card = task_page[task_page.index('id="subject"'):]
    card = card[:card.index("</dl>")]
    phone = customer.primary_phone
    assert 'data-kind="客户"' in card and customer.name in card and customer.number in card
    assert phone_rules.mask(phone) in card and phone not in card
    assert customer.type.label in card and customer.service_org.name in card and "客户 360" in card
    assert f'href="/customers/{customer.id}"' in card and 'id="subject-outside"' not in task_page

    # The diagram names the lane by its role (the designer stores the role's code).
    xml = seat.get(f"/workflow/instances/{instance.id}/diagram.json").get_json()["xml"]
    assert 'name="坐席"' in xml and 'name="seat"' not in xml

    # The inbox shows the title (linked to the customer), not the business key.
    inbox = seat.get("/tasks/?tab=mine").get_data(as_text=True)
    assert f'<a href="/customers/{customer.id}">客户回访 · {customer.name}</a>' in inbox
    assert f"customer:{customer.id}" not in inbox


def test_a_customer_outside_the_starters_scope_cannot_be_linked_and_nothing_starts(login_as, api_as, visit):
    other = someone_elses_customer()
    seat = login_as("seat01")
    assert seat.get(f"/customers/{other.id}").status_code == 404
    assert seat.get(f"/workflow/start/?subject=customer:{other.id}").status_code == 404
    assert seat.get(f"/workflow/start/{PROCESS}?subject=customer:{other.id}").status_code == 404
    assert seat.post(f"/workflow/start/{PROCESS}", data={"subject": f"customer:{other.id}"}).status_code == 404
    assert seat.post(f"/workflow/start/{PROCESS}", data={"subject": "customer:999999"}).status_code == 404
    # Only objects whose domain allows it are linked; an OA application is not.
    assert seat.post(f"/workflow/start/{PROCESS}", data={"subject": "oa_application:1"}).status_code == 404
    api = api_as("seat01")
    refused = api.post("/api/v1/process-instances", json={"process_key": PROCESS, "customer_id": other.id})
    assert refused.status_code == 404
    # A free-typed key naming a customer is still refused: only the checked path links.
    typed = api.post("/api/v1/process-instances", json={"process_key": PROCESS,
                                                         "business_key": f"customer:{customers_of('seat01')[0].id}"})
    assert typed.status_code == 422 and "不能直接指定" in typed.get_json()["error"]["message"]
    assert instances() == []


def test_the_api_links_a_customer_by_id_with_the_same_checks(api_as, visit):
    customer = customers_of("seat01")[0]
    api = api_as("seat01")
    both = api.post("/api/v1/process-instances", json={"process_key": PROCESS, "customer_id": customer.id,
                                                       "business_key": "care:1"})
    assert both.status_code == 422 and "不能另行指定业务编号" in both.get_json()["error"]["message"]
    two = api.post("/api/v1/process-instances", json={"process_key": PROCESS, "customer_id": customer.id,
                                                      "trade_id": 1})
    assert two.status_code == 422 and "只能指定一个" in two.get_json()["error"]["message"]
    assert instances() == []
    started = api.post("/api/v1/process-instances", json={"process_key": PROCESS, "customer_id": customer.id})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["business_key"] == f"customer:{customer.id}" and body["title"] == f"客户回访 · {customer.name}"
    assert [t["name"] for t in body["current_tasks"]] == ["回访客户"]


def test_a_customer_field_on_the_start_form_links_the_chosen_customer(login_as, api_as, visit_with_customer_field):
    mine, other = customers_of("seat01")[0], someone_elses_customer()
    seat = login_as("seat01")
    # From 客户 360 the form's 客户 field starts with that customer.
    form = seat.get(f"/workflow/start/{PROCESS}?subject=customer:{mine.id}").get_data(as_text=True)
    assert re.search(rf'<input[^>]*name="customer_id"[^>]*value="{mine.id}"', form)
    refused = seat.post(f"/workflow/start/{PROCESS}", data={"customer_id": str(other.id)})
    assert refused.status_code == 404
    assert instances() == []
    assert seat.post(f"/workflow/start/{PROCESS}", data={"customer_id": str(mine.id)}).status_code == 302
    [instance] = instances()
    assert instance.business_key == f"customer:{mine.id}" and instance.title == f"客户回访 · {mine.name}"
    assert f"客户回访 · {mine.name}" in seat.get(f"/customers/{mine.id}").get_data(as_text=True)
    # Without a customer the start is not linked (and the free business key stays free).
    assert seat.post(f"/workflow/start/{PROCESS}", data={"customer_id": ""}).status_code == 302
    assert instances()[-1].business_key == ""
    # The API reads the same field with the same check.
    api = api_as("seat01")
    assert api.post("/api/v1/process-instances", json={"process_key": PROCESS,
                                                        "data": {"customer_id": other.id}}).status_code == 404
    started = api.post("/api/v1/process-instances", json={"process_key": PROCESS, "business_key": "care:9",
                                                          "data": {"customer_id": mine.id}})
    assert started.status_code == 201 and started.get_json()["business_key"] == "care:9"
    assert links_of(instances()[-1]) == {"care:9", f"customer:{mine.id}"}  # listed on 客户 360 all the same


def test_a_task_holder_outside_the_customers_scope_sees_the_card_masked_without_the_360_link(login_as, visit):
    customer = customers_of("seat01")[0]
    seat = login_as("seat01")
    assert seat.post(f"/workflow/start/{PROCESS}", data={"subject": f"customer:{customer.id}"}).status_code == 302
    [instance] = instances()
    task = open_task(instance)
    # The customer moves to another seat: seat01 keeps the task, no longer the customer.
    moved = db.session.get(Customer, customer.id)
    moved.service_seat_id = user_named("seat02").id
    db.session.commit()
    assert seat.get(f"/customers/{customer.id}").status_code == 404
    page = seat.get(f"/tasks/{task.id}").get_data(as_text=True)
    card = page[page.index('id="subject"'):]
    card = card[:card.index('id="task-form"')] if 'id="task-form"' in card else card
    assert customer.name in card and customer.number in card and phone_rules.mask(customer.primary_phone) in card
    assert customer.primary_phone not in page and f'href="/customers/{customer.id}"' not in page
    assert 'id="subject-outside"' in page and "不能打开客户 360" in page
    inbox = seat.get("/tasks/?tab=mine").get_data(as_text=True)
    assert f"客户回访 · {customer.name}" in inbox and f'href="/customers/{customer.id}"' not in inbox
    # Nobody sees a card for a task they cannot see: the new seat has no task, so no task page.
    seat02 = login_as("seat02")
    hidden = seat02.get(f"/tasks/{task.id}")
    assert hidden.status_code == 404 and customer.number not in hidden.get_data(as_text=True)
    # Their 客户 360 lists the process, without a link to a task they cannot see.
    page = seat02.get(f"/customers/{customer.id}").get_data(as_text=True)
    row = page[page.index(f'data-instance="{instance.id}"'):]
    assert f'href="/tasks/{task.id}"' not in row[:row.index("</tr>")]


def test_the_monitor_shows_the_title_and_links_the_instance(login_as, visit):
    customer = customers_of("seat01")[0]
    assert login_as("seat01").post(f"/workflow/start/{PROCESS}",
                                   data={"subject": f"customer:{customer.id}"}).status_code == 302
    [instance] = instances()
    designer = login_as("designer01")  # 流程监控, no customer permission
    monitor = designer.get(f"/workflow/monitor?process={PROCESS}").get_data(as_text=True)
    assert f"客户回访 · {customer.name}" in monitor and f"customer:{customer.id}" not in monitor
    assert f'href="/customers/{customer.id}"' not in monitor
    admin = login_as("admin")
    page = admin.get(f"/customers/{customer.id}").get_data(as_text=True)
    row = page[page.index(f'data-instance="{instance.id}"'):]
    assert f'href="/workflow/instances/{instance.id}"' in row[:row.index("</tr>")]


def test_a_project_and_a_trade_list_their_processes_and_start_more_about_themselves(login_as, visit):
    project = make_project()
    service = login_as("service01")
    page = service.get(f"/products/projects/{project.id}").get_data(as_text=True)
    assert f'data-instance="{project.lifecycle_instance_id}"' in page  # its lifecycle is listed there
    assert f"subject=project:{project.id}" in page
    assert service.post(f"/workflow/start/{PROCESS}", data={"subject": f"project:{project.id}"}).status_code == 302
    [instance] = instances()
    assert instance.business_key == f"project:{project.id}"
    assert instance.title == f"客户回访 · {project.name}（{project.code}）"
    page = service.get(f"/products/projects/{project.id}").get_data(as_text=True)
    assert f'data-instance="{instance.id}"' in page

    seat = login_as("seat01")
    trade = create_trade(seat, customers_of("seat01")[0].id, project.id)
    page = seat.get(f"/trades/{trade.id}").get_data(as_text=True)
    assert f'data-instance="{trade.review_instance_id}"' in page  # its own review round is listed there
    assert 'data-key="trade_review"' not in page  # started only by the trade itself
    refused = seat.post("/workflow/start/trade_review", data={"subject": f"trade:{trade.id}"})
    assert refused.status_code == 403 and "不能手工发起" in refused.get_data(as_text=True)
    assert seat.post(f"/workflow/start/{PROCESS}", data={"subject": f"trade:{trade.id}"}).status_code == 302
    started = instances()[-1]
    assert started.business_key == f"trade:{trade.id}"
    page = seat.get(f"/trades/{trade.id}").get_data(as_text=True)
    assert f'data-instance="{started.id}"' in page and f'data-instance="{trade.review_instance_id}"' in page
    # The review rounds stay the trade's own: another process about the trade is not a review round.
    assert "审核记录（共 1 轮）" in page
    # A seat of another department cannot start one about this trade.
    assert login_as("seat11").post(f"/workflow/start/{PROCESS}",
                                   data={"subject": f"trade:{trade.id}"}).status_code in (403, 404)


def test_the_inbox_reads_its_customers_together_not_one_by_one(app, login_as, visit):
    """An inbox page of tasks about customers loads the customers (cards' titles, links) in one query for the page:
    nine tasks cost what three do."""
    seat = login_as("seat01")
    customers = customers_of("seat01")[:9]
    assert len(customers) == 9

    def start(about: list[Customer]) -> None:
        for customer in about:
            started = seat.post(f"/workflow/start/{PROCESS}", data={"subject": f"customer:{customer.id}"})
            assert started.status_code == 302

    with app.app_context():
        requests_engine = db.engine

    def inbox() -> tuple[int, str]:
        sent: list[str] = []

        def record(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
            sent.append(statement)

        event.listen(requests_engine, "before_cursor_execute", record)
        try:
            page = seat.get("/tasks/?tab=mine").get_data(as_text=True)
        finally:
            event.remove(requests_engine, "before_cursor_execute", record)
        return len(sent), page

    start(customers[:3])
    few, page = inbox()
    start(customers[3:])
    many, page = inbox()
    assert all(f'<a href="/customers/{c.id}">客户回访 · {c.name}</a>' in page for c in customers)
    assert many <= few, (few, many)
