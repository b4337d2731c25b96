"""流程设计 › 任务表单 in the browser: designer01 builds a 客户回访 form in the form-js builder by dragging fields
from the Chinese palette, sets them up in the properties panel and the outcomes beside it, is refused a bad
form key without losing anything, saves, and previews the form the server renders from the stored schema."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.designer.models import TaskFormDefinition
from app.extensions import db
from tests.browser.form_builder import (
    components,
    delete_field,
    drag_from_palette,
    fill_options,
    open_group,
    schema,
    set_key,
    set_label,
    wait_loaded,
)
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser

# Every CSP refusal and script error of the page (the builder must run under the real policy).
WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));"""


def test_designer_builds_a_callback_form_in_the_form_builder(app, page):
    page.add_init_script(WATCH)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)

    browser_login(page, "designer01")
    page.get_by_role("link", name="流程设计", exact=True).click()
    page.get_by_role("link", name="新建表单").click()
    wait_loaded(page)

    # The palette speaks Chinese and offers only what the server accepts.
    palette = page.locator(".fjs-palette")
    for text in ("组件", "输入", "选择", "单行文本", "多行文本", "金额", "日期", "附件",
                 "客户", "理财项目", "用户", "角色", "单选"):
        assert palette.get_by_text(text, exact=True).count() >= 1, text
    offered = page.eval_on_selector_all(".fjs-palette-field", "(els) => els.map((e) => e.dataset.fieldType)")
    assert "licai-customer" in offered and not {"button", "datetime", "dynamiclist", "iframe", "image"} & set(offered)

    # Start from an empty canvas: remove the sample fields of a new form.
    for component in components(page):
        delete_field(page, component["id"])

    customer = drag_from_palette(page, "客户")
    assert customer["type"] == "licai-customer" and customer["key"] == "customer_id" and customer["label"] == "客户"
    open_group(page, "validation").get_by_label("必填").check()

    rating = drag_from_palette(page, "单选")
    assert rating["type"] == "radio"
    set_label(page, "满意度")
    set_key(page, rating["id"], "satisfaction")
    fill_options(page, [(f"{score} 分", str(score)) for score in range(1, 6)])
    licai_group = open_group(page, "licai")
    licai_group.get_by_label("仅在这些处理结果时必填").fill("done")
    licai_group.get_by_label("仅在这些处理结果时必填").press("Tab")

    comment = drag_from_palette(page, "多行文本")
    assert comment["type"] == "textarea"
    set_label(page, "回访记录")
    set_key(page, comment["id"], "remark")

    # The form's own settings: title, outcomes, comment label and which outcomes need a comment.
    page.get_by_label("标题").fill("客户回访")
    rows = page.locator("#outcome-rows .outcome-row")
    rows.nth(0).get_by_label("处理结果代码").fill("done")
    rows.nth(0).get_by_label("处理结果名称").fill("已回访")
    while rows.count() > 1:
        rows.nth(1).get_by_role("button", name="删除这个处理结果").click()
    page.get_by_role("button", name="添加处理结果").click()
    rows.nth(1).get_by_label("处理结果代码").fill("unreachable")
    rows.nth(1).get_by_label("处理结果名称").fill("无法联系")
    page.get_by_label("意见栏名称").fill("回访说明")
    page.locator("#comment-required").get_by_label("无法联系（unreachable）").check()
    screenshot(page, "form-builder")

    # A refused save (a key the server does not accept) shows a Chinese error and keeps everything.
    page.get_by_label("表单标识（formKey）").fill("客户回访")
    page.get_by_role("button", name="保存").click()
    page.locator(".alert-danger").first.wait_for()
    wait_loaded(page)
    assert "表单标识" in page.locator(".alert-danger").first.inner_text()
    kept = schema(page)
    assert [(c["type"], c["key"]) for c in kept["components"]] == [
        ("licai-customer", "customer_id"), ("radio", "satisfaction"), ("textarea", "remark")]
    assert page.get_by_label("标题").input_value() == "客户回访"
    assert kept["licai"]["outcomes"] == [["done", "已回访"], ["unreachable", "无法联系"]]
    assert page.get_by_label("表单标识（formKey）").input_value() == "客户回访"
    assert page.locator("#dirty-flag").is_visible()  # not saved yet, and the page says so

    page.get_by_label("表单标识（formKey）").fill("customer_callback")
    page.get_by_role("button", name="保存").click()
    page.locator(".alert-success", has_text="表单 customer_callback").wait_for()
    wait_loaded(page)
    assert page.locator("#dirty-flag").is_hidden()

    db.session.rollback()
    row = db.session.scalars(select(TaskFormDefinition).where(TaskFormDefinition.key == "customer_callback")).one()
    stored = row.definition
    db.session.commit()
    assert row.title == "客户回访"
    by_key = {c["key"]: c for c in stored["components"]}
    assert [(c["type"], c["key"]) for c in stored["components"]] == [
        ("licai-customer", "customer_id"), ("radio", "satisfaction"), ("textarea", "remark")]
    assert by_key["customer_id"]["validate"]["required"] is True
    assert by_key["satisfaction"]["label"] == "满意度"
    assert [v["value"] for v in by_key["satisfaction"]["values"]] == ["1", "2", "3", "4", "5"]
    assert by_key["satisfaction"]["properties"] == {"requiredFor": "done"}
    assert by_key["remark"]["label"] == "回访记录"
    assert stored["licai"] == {"title": "客户回访", "outcomes": [["done", "已回访"], ["unreachable", "无法联系"]],
                               "commentRequiredFor": ["unreachable"], "commentLabel": "回访说明"}

    # The preview is the server's rendering of the stored schema: fields, comment and outcome buttons.
    page.get_by_role("button", name="预览").click()
    wait_loaded(page)
    preview = page.locator("#form-preview")
    preview.get_by_text("满意度").wait_for()
    text = preview.inner_text()
    for expected in ("客户回访", "客户", "满意度", "5 分", "回访记录", "回访说明", "已回访", "无法联系"):
        assert expected in text, expected
    page.locator("#form-preview-card").scroll_into_view_if_needed()
    screenshot(page, "form-builder-preview")

    assert errors == [] and page.evaluate("window.__csp") == [], errors


def test_business_settings_of_fields_reach_the_schema_and_the_preview(app, page):
    """基础数据字典 replaces a select's listed options, 候选人来源 and 允许的文件类型 are kept, and the server
    compiles the result (the preview shows the dictionary's entries)."""
    browser_login(page, "designer01")
    page.goto("/designer/forms/new")
    wait_loaded(page)
    for component in components(page):
        delete_field(page, component["id"])

    grade = drag_from_palette(page, "下拉选择")
    assert grade["values"] and page.locator('[data-group-id="group-staticOptions"]').count() == 1
    set_label(page, "客户等级")
    set_key(page, grade["id"], "grade")
    open_group(page, "licai").get_by_label("基础数据字典").select_option(label="客户等级")
    page.wait_for_function("() => window.licaiFormSchema().components[0].properties?.dictionary === 'customer_grade'")
    assert components(page)[0]["values"] == []  # the server takes options from one source only
    assert page.locator('[data-group-id="group-staticOptions"]').count() == 0

    person = drag_from_palette(page, "用户")
    assert person["type"] == "licai-user" and person["key"] == "user_id"
    candidates = open_group(page, "licai").get_by_label("候选人来源")
    assert candidates.input_value() == "colleagues"  # the default, stored as no property
    candidates.select_option("oa_handlers")
    page.wait_for_function("() => window.licaiFormSchema().components[1].properties?.candidates === 'oa_handlers'")
    screenshot(page, "form-builder-user-field")

    drag_from_palette(page, "附件")
    accept = open_group(page, "licai").get_by_label("允许的文件类型")
    accept.fill(".pdf,.jpg")
    accept.press("Tab")
    page.wait_for_function("() => window.licaiFormSchema().components[2].properties?.accept === '.pdf,.jpg'")

    page.get_by_role("button", name="预览").click()
    wait_loaded(page)
    preview = page.locator("#form-preview")
    assert page.locator("#form-problem").count() == 0, page.locator("#form-problem").inner_text()
    assert "客户等级" in preview.inner_text()
    kept = components(page)  # the previewed schema is back in the builder
    assert [(c["type"], c["key"], c.get("properties")) for c in kept] == [
        ("select", "grade", {"dictionary": "customer_grade"}),
        ("licai-user", "user_id", {"candidates": "oa_handlers"}),
        ("licai-file", "attachment", {"accept": ".pdf,.jpg"})]
