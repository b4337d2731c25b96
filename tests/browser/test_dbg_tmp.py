import pytest
from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser

def test_open(app, deploy_fixture, page):
    deploy_fixture("approval")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(r.url) if r.status == 404 else None)
    browser_login(page, "designer01")
    page.goto("/designer/")
    screenshot(page, "dbg-designer-index")
    page.goto("/designer/processes/test_approval")
    page.locator("#canvas[data-loaded='true']").wait_for()
    page.locator("[data-element-id='fill']").first.click()
    page.wait_for_timeout(500)
    screenshot(page, "dbg-editor")
    print(errors)
    assert not errors
