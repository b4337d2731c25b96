"""The modeler's fit and finish: after a property is edited, the next click on the canvas selects the element
clicked (and the panel shows it); lanes show their role's name, not its code."""

from __future__ import annotations

import pytest

from tests.browser.modeler import append, element, name_new, open_group, pick
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def open_new_process(page, key: str) -> None:
    browser_login(page, "designer01")
    page.goto("/designer/processes/new")
    page.get_by_label("流程标识").fill(key)
    page.get_by_label("流程名称").fill("收尾检查")
    page.get_by_label("第一个泳道（角色）").select_option("seat")
    page.get_by_role("button", name="创建并打开设计器").click()
    page.locator("#canvas[data-loaded='true']").wait_for()


def selected(page) -> list[str]:
    return page.evaluate("() => window.licaiModeler.get('selection').get().map((e) => e.id)")


def test_after_editing_a_property_the_next_click_selects_the_element(app, page):
    open_new_process(page, "finish_click")
    pick(page, "StartEvent_1")
    task = append(page, "append.append-task")
    name_new(page, "回访")

    pick(page, "StartEvent_1")
    open_group(page, "general")
    page.locator("#bio-properties-panel-name").fill("客户来电")
    page.wait_for_function("() => window.licaiModeler.get('elementRegistry').get('StartEvent_1')"
                           ".businessObject.name === '客户来电'")
    element(page, task).click(position={"x": 80, "y": 60})  # clear of the start event's context pad
    page.wait_for_timeout(400)
    assert selected(page) == [task]
    assert page.locator("#bio-properties-panel-name").input_value() == "回访"

    # Typing and clicking away at once (before the panel's debounce) keeps the text and selects the element.
    page.locator("#bio-properties-panel-name").fill("电话回访")
    element(page, "StartEvent_1").click()
    page.wait_for_timeout(400)
    assert selected(page) == ["StartEvent_1"]
    assert page.locator("#bio-properties-panel-name").input_value() == "客户来电"
    assert page.evaluate("(id) => window.licaiModeler.get('elementRegistry').get(id).businessObject.name", task) == "电话回访"

    # Edit the selected element, then click it again: it stays selected, its panel stays open.
    page.locator("#bio-properties-panel-name").fill("客户致电")
    element(page, "StartEvent_1").click()
    page.wait_for_timeout(400)
    assert selected(page) == ["StartEvent_1"]
    assert page.locator("#bio-properties-panel-name").input_value() == "客户致电"
    screenshot(page, "designer-click-after-edit")


def test_lanes_show_role_names_and_the_panel_offers_names(app, page):
    open_new_process(page, "finish_lane")
    lane = page.evaluate("() => window.licaiModeler.get('elementRegistry').filter((e) => e.type === 'bpmn:Lane')[0].id")
    label = page.locator(f'.djs-element[data-element-id="{lane}"] .djs-label')
    assert label.text_content() == "坐席"
    page.mouse.click(*lane_point(page, lane))
    page.wait_for_function("(id) => window.licaiModeler.get('selection').get()[0]?.id === id", arg=lane)
    open_group(page, "licai-lane")
    role = page.locator("#bio-properties-panel-licai-lane-role")
    options = role.locator("option").all_text_contents()
    assert "坐席" in options and "部门主管" in options
    assert not [text for text in options if "seat" in text or "dept_head" in text]
    assert page.locator("#bio-properties-panel-name").count() == 0  # the name is the role, chosen above
    role.select_option(label="部门主管")
    page.wait_for_function("(id) => window.licaiModeler.get('elementRegistry').get(id).businessObject.name"
                           " === 'dept_head'", arg=lane)
    assert label.text_content() == "部门主管"
    pick(page, "StartEvent_1")
    open_group(page, "licai-start")
    assert page.get_by_text("坐席", exact=True).count() >= 1
    assert page.locator("#properties").get_by_text("seat").count() == 0
    screenshot(page, "designer-lane-role-names")


def lane_point(page, lane: str) -> tuple[float, float]:
    """A point inside the lane, clear of the shapes on it (its lower left, right of the pool's name band)."""
    return page.evaluate("""(id) => {
        const modeler = window.licaiModeler;
        const lane = modeler.get('elementRegistry').get(id);
        const box = modeler.get('canvas').viewbox();
        const rect = document.querySelector('#canvas').getBoundingClientRect();
        return [rect.left + (lane.x + 45 - box.x) * box.scale, rect.top + (lane.y + lane.height - 8 - box.y) * box.scale];
    }""", lane)
