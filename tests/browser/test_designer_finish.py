"""The modeler's fit and finish: its menus and the decision table speak Chinese; after a property is edited,
the next click on the canvas selects the element clicked (and the panel shows it); lanes show their role's
name, not its code."""

from __future__ import annotations

import re

import pytest

from tests.browser.modeler import append, element, name_new, new_process, open_group, pick
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser


def open_new_process(page, key: str) -> None:
    browser_login(page, "designer01")
    new_process(page, key, "收尾检查")


# English that bpmn-js / dmn-js show unless translated (the 更改类型 menu, context pad, panel, decision table).
ENGLISH = re.compile(r"\b(Task|Event|Gateway|Sub-process|Loop|[Mm]ulti-instance|Ad-hoc|Escalation|Conditional"
                     r"|Error|Signal|Compensation|Message|Timer|[Bb]oundary|Change|Search|Expression|Predefined"
                     r"|No values|First"
                     r"|Unique|Collect|Rule order|Input|Output|Annotations?|When|Then|Hit policy|number|string|boolean"
                     r"|date|Add rule|Type|Delete|Append|Create|Connect|General|Documentation|Name|Activate|Toggle)\b")


def english_in(page, selector: str) -> list[str]:
    """English words in the visible text and the tooltips (title attributes) under a selector."""
    texts = page.eval_on_selector_all(selector, """(nodes) => nodes.flatMap((node) => [node.innerText,
        ...[...node.querySelectorAll('[title]')].map((n) => n.title), node.title || ''])""")
    return sorted({word for text in texts for word in ENGLISH.findall(text or "")})


def test_replace_menus_context_pad_panel_and_decision_table_speak_chinese(app, page, deploy_fixture):
    deploy_fixture("timer_escalation")
    browser_login(page, "designer01")
    page.goto("/designer/processes/test_timer")
    page.locator("#canvas[data-loaded='true']").wait_for()
    assert english_in(page, ".djs-palette") == []

    pick(page, "call_back")
    assert english_in(page, ".djs-context-pad") == []
    assert english_in(page, ".bio-properties-panel-header, .bio-properties-panel-group-header") == []
    page.locator('.djs-context-pad [data-action="replace"]').click()
    menu = page.locator(".djs-popup")
    menu.wait_for()
    assert "服务任务" in menu.inner_text() and "自由子流程（折叠）" in menu.inner_text()
    placeholders = menu.locator("input").evaluate_all("(inputs) => inputs.map((i) => i.placeholder)")
    assert not [text for text in placeholders if ENGLISH.search(text)]
    assert english_in(page, ".djs-popup") == []
    screenshot(page, "designer-replace-menu-task")
    page.keyboard.press("Escape")

    # Every group of the properties panel, opened, for a user task, a boundary timer and the start event.
    for element_id in ("call_back", "too_late", "start"):
        select_by_id(page, element_id)
        closed = page.locator("#properties .bio-properties-panel-group-header:not(.open)")
        while closed.count():
            closed.first.click()
        page.wait_for_function("(id) => document.querySelector('#bio-properties-panel-id')?.value === id",
                               arg=element_id)
        assert english_in(page, "#properties") == [], element_id

    pick(page, "too_late")
    page.locator('.djs-context-pad [data-action="replace"]').click()
    menu.wait_for()
    for entry in ("升级边界事件", "条件边界事件", "错误边界事件", "信号边界事件", "补偿边界事件"):
        assert entry in menu.inner_text(), entry
    assert english_in(page, ".djs-popup") == []
    screenshot(page, "designer-replace-menu-boundary")
    page.keyboard.press("Escape")

    page.goto("/designer")
    page.get_by_role("link", name="新建规则表").click()
    page.get_by_label("规则表标识").fill("finish_grade")
    page.get_by_label("规则表名称").fill("客户等级")
    page.get_by_role("button", name="创建并打开编辑器").click()
    page.locator("#dmn-container[data-loaded='true']").wait_for()
    table = page.locator("#dmn-container")
    assert "命中策略" in table.inner_text() and "首条" in table.inner_text()
    assert english_in(page, "#dmn-container .decision-table-head, #dmn-container .hit-policy") == []
    page.locator("th.input-cell").first.dblclick()
    editor = page.locator(".context-menu")
    editor.wait_for()
    assert "表达式" in editor.inner_text() and "数字" in editor.inner_text()
    assert english_in(page, ".context-menu") == []
    screenshot(page, "designer-dmn-input-editor")
    page.keyboard.press("Escape")
    page.locator("td[data-element-id]").first.click(button="right")
    assert "上方添加规则" in editor.inner_text()
    assert english_in(page, ".context-menu") == []


def select_by_id(page, element_id: str) -> None:
    page.evaluate("(id) => { const m = window.licaiModeler;"
                  " m.get('selection').select(m.get('elementRegistry').get(id)); }", element_id)


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
    name_of = "(id) => window.licaiModeler.get('elementRegistry').get(id).businessObject.name"
    assert page.evaluate(name_of, task) == "电话回访"

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
        return [rect.left + (lane.x + 45 - box.x) * box.scale,
                rect.top + (lane.y + lane.height - 8 - box.y) * box.scale];
    }""", lane)
