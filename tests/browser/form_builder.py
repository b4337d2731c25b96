"""Driving the form builder (流程设计 › 任务表单, form-js) from Playwright, as a designer would."""

from __future__ import annotations

from typing import Any


def schema(page: Any) -> dict[str, Any]:
    """What the page would submit now: the editor's schema with the settings in `licai`."""
    return page.evaluate("window.licaiFormSchema()")


def components(page: Any) -> list[dict[str, Any]]:
    return schema(page)["components"]


def wait_loaded(page: Any) -> None:
    page.locator("#form-builder[data-loaded='true']").wait_for()


def drag_from_palette(page: Any, name: str) -> dict[str, Any]:
    """Drag the palette entry labelled ``name`` below the last field; returns the new component."""
    before = len(components(page))
    page.evaluate("document.getElementById('form-builder').scrollIntoView({ block: 'start', behavior: 'instant' })")
    entry = page.locator(".fjs-palette-field", has=page.get_by_text(name, exact=True))
    source = entry.bounding_box()
    target = page.locator(".fjs-form-container .fjs-drop-container-vertical").first.bounding_box()
    assert source and target
    page.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
    page.mouse.down()
    page.mouse.move(source["x"] + 30, source["y"] + 30, steps=3)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] - 12, steps=12)
    page.mouse.up()
    page.wait_for_function("(n) => window.licaiFormSchema().components.length === n", arg=before + 1)
    return components(page)[-1]


def select_field(page: Any, field_id: str) -> None:
    """Select a field on the canvas (a click on the selected field would deselect it)."""
    if page.locator(f'.fjs-properties-panel[data-field="{field_id}"]').count() == 0:
        page.locator(f'.fjs-form-container .fjs-element[data-id="{field_id}"]').click()
    page.locator(f'.fjs-properties-panel[data-field="{field_id}"]').wait_for()


def open_group(page: Any, group_id: str) -> Any:
    """Expand a group of the builder's properties panel; returns it."""
    group = page.locator(f'.fjs-properties-panel [data-group-id="group-{group_id}"]')
    header = group.locator("> .bio-properties-panel-group-header")
    if "open" not in (header.get_attribute("class") or ""):
        header.click()
    return group


def set_label(page: Any, text: str) -> None:
    """The label entry is a small code editor (form-js templating), not an <input>."""
    open_group(page, "general")
    editor = page.locator("#bio-properties-panel-label")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def set_key(page: Any, field_id: str, key: str) -> None:
    open_group(page, "general")
    page.locator("#bio-properties-panel-key").fill(key)
    page.wait_for_function(
        "([id, key]) => window.licaiFormSchema().components.some((c) => c.id === id && c.key === key)",
        arg=[field_id, key])


def delete_field(page: Any, field_id: str) -> None:
    """Select a field and click the bin of its context pad."""
    before = len(components(page))
    select_field(page, field_id)
    page.locator(f'.fjs-element[data-id="{field_id}"] .fjs-context-pad-item').click()
    page.wait_for_function("(n) => window.licaiFormSchema().components.length === n", arg=before - 1)


def fill_options(page: Any, options: list[tuple[str, str]]) -> None:
    """Give the selected 单选 / 下拉选择 field these (label, value) options in its 选项 group (it starts with two)."""
    group = open_group(page, "staticOptions")
    for _ in range(len(options) - 2):
        group.locator(".bio-properties-panel-add-entry").click()
    for index, (label, value) in enumerate(options):
        item = group.locator(f'[data-entry-id="staticOptions-{index}"]')
        if not item.locator(f"#bio-properties-panel-staticOptions-{index}-label").is_visible():
            item.locator(".bio-properties-panel-collapsible-entry-header").click()
        item.locator(f"#bio-properties-panel-staticOptions-{index}-label").fill(label)
        item.locator(f"#bio-properties-panel-staticOptions-{index}-value").fill(value)
