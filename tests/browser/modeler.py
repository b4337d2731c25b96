"""Driving the bpmn-js Modeler and its properties panel from Playwright, as a designer would."""

from __future__ import annotations

import re
from typing import Any


def open_group(page: Any, group_id: str) -> None:
    """Expand a properties-panel group (groups start collapsed)."""
    header = page.locator(f'[data-group-id="group-{group_id}"] > .bio-properties-panel-group-header')
    header.wait_for()
    if "open" not in (header.get_attribute("class") or ""):
        header.click()


def element(page: Any, element_id: str) -> Any:
    """The canvas element with this BPMN id."""
    return page.locator(f'.djs-element[data-element-id="{element_id}"]').first


def pick(page: Any, element_id: str) -> None:
    """Click an element on the canvas unless it is selected already (a second click may count as a double click)."""
    selected = page.evaluate("() => window.licaiModeler.get('selection').get().map((e) => e.id)")
    if selected != [element_id]:
        element(page, element_id).click()


def append(page: Any, action: str) -> str:
    """Use the selected element's context pad to append a shape; returns the new element's id."""
    page.locator(f'.djs-context-pad [data-action="{action}"]').click()
    return page.evaluate("() => window.licaiModeler.get('selection').get()[0].id")


def wait_for_model(page: Any, element_id: str, check: str) -> None:
    """Wait until the business object satisfies a JS expression over ``bo`` (the panel debounces input)."""
    page.wait_for_function(f"(id) => {{ const bo = window.licaiModeler.get('elementRegistry').get(id).businessObject;"
                           f" return {check}; }}", arg=element_id)


def click_connection(page: Any, flow_id: str) -> None:
    """Click the middle of a connection's first segment (a straight line has no height for Playwright)."""
    x, y = page.evaluate("""(id) => {
        const modeler = window.licaiModeler;
        const [a, b] = modeler.get('elementRegistry').get(id).waypoints;
        const box = modeler.get('canvas').viewbox();
        const rect = document.querySelector('#canvas').getBoundingClientRect();
        return [rect.left + ((a.x + b.x) / 2 - box.x) * box.scale, rect.top + ((a.y + b.y) / 2 - box.y) * box.scale];
    }""", flow_id)
    page.mouse.click(x, y)
    page.wait_for_function("(id) => window.licaiModeler.get('selection').get()[0]?.id === id", arg=flow_id)


def replace(page: Any, element_id: str, option: str) -> None:
    pick(page, element_id)
    page.locator('.djs-context-pad [data-action="replace"]').click()
    page.locator(f'.djs-popup [data-id="{option}"]').click()


def name_new(page: Any, name: str) -> None:
    page.locator(".djs-direct-editing-parent").wait_for()
    page.keyboard.type(name)
    page.locator(".djs-container svg").first.click(position={"x": 600, "y": 20})


def new_process(page: Any, key: str, name: str, lane: str = "seat") -> None:
    """流程设计 › 新建流程: a pool with one lane (a role), opened in the modeler."""
    page.goto("/designer/processes/new")
    page.get_by_label("流程标识").fill(key)
    page.get_by_label("流程名称").fill(name)
    page.get_by_label("第一个泳道（角色）").select_option(lane)
    page.get_by_role("button", name="创建并打开设计器").click()
    page.locator("#canvas[data-loaded='true']").wait_for()


def publish(page: Any, note: str, version: int = 1) -> None:
    """发布新版本… with a note and the confirmation; waits for the designer to say which version it became."""
    page.get_by_role("button", name="发布新版本…").click()
    page.get_by_label("发布说明").fill(note)
    page.get_by_label(re.compile("我确认发布流程图")).check()
    page.get_by_role("button", name="确认发布").click()
    page.locator("#designer-status.alert-success", has_text=f"已发布为第 {version} 版").wait_for()
