"""In Chromium under the real Content-Security-Policy: key pages load with zero CSP violations and their
scripts still work (designer, ECharts, calendars, pickers, the urgent notice pop-up)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import browser_login, screenshot

pytestmark = pytest.mark.browser

# Every violation lands here: the DOM event and Chromium's "Refused to …" console line.
WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));"""


class Violations:
    """Collect CSP refusals and script errors of a page across navigations."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        self.events: list[str] = []
        page.add_init_script(WATCH)
        page.on("console", lambda msg: self.console.append(msg.text)
                if "Content Security Policy" in msg.text or "Refused to" in msg.text else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def visit(self, url: str, ready: str | None = None) -> None:
        """Open ``url``, wait for ``ready`` (a selector) and record the page's violations."""
        self.page.goto(url)
        # "load": every script of the page has run. Not "networkidle": the chat badge polls, and on a slow
        # machine the network may never look idle for long enough.
        self.page.wait_for_load_state("load")
        if ready:
            self.page.locator(ready).first.wait_for()
        self.collect(url)

    def collect(self, where: str) -> None:
        self.events += [f"{where}: {v}" for v in self.page.evaluate("window.__csp || []")]

    def assert_none(self) -> None:
        assert self.console == [] and self.events == [] and self.errors == [], (self.console, self.events, self.errors)


def test_headers_carry_the_policy(page, live_server):
    response = page.request.get("/login")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy and "frame-ancestors 'none'" in policy


def test_key_pages_work_with_no_csp_violation(app, page, login_as):
    from tests.integration.test_notices import _publish

    _publish(login_as("admin"), level="urgent", title="台风停工通知")
    seen = Violations(page)
    seen.visit("/login")
    browser_login(page, "admin")
    page.locator("#notice-popup.show").wait_for()  # the urgent notice pops up (notices.js)
    seen.collect("/")
    page.locator("#notice-popup").get_by_role("button", name="我已知悉").click()

    seen.visit("/customers/", "#customer-table")
    page.locator("[data-check-all='customer-table']").check()
    assert page.locator("#customer-table input[name='customer_id']:checked").count() > 0

    seen.visit("/cockpits/leadership", '#chart-flows[data-chart-ready="1"]')  # ECharts
    seen.visit("/designer/processes/trade_review", "#canvas[data-loaded='true']")  # bpmn-js modeler
    screenshot(page, "csp-designer")

    seen.visit("/designer/rules/new")
    page.get_by_label("规则表标识").fill("csp_grade")
    page.get_by_label("规则表名称").fill("客户等级")
    page.get_by_role("button", name="创建并打开编辑器").click()
    page.locator("#dmn-container[data-loaded='true']").wait_for()  # dmn-js
    seen.collect("dmn editor")

    seen.visit("/plans/new", "#kind")
    kinds = page.locator("#kind option").evaluate_all("(options) => options.map((o) => o.value)")
    page.locator("#kind").select_option(kinds[-1])
    assert page.locator("[data-period]:not([hidden])").count() == 1

    seen.visit("/admin/notices/new", "#audience")
    page.locator("#audience").select_option("org")
    assert page.locator("[data-audience='org']").is_visible()
    assert not page.locator("[data-audience='users']").is_visible()

    seen.visit("/oa/applications/new", "#type_code")
    options = page.locator("#type_code option").evaluate_all("(os) => os.map((o) => o.value).filter(Boolean)")
    with page.expect_response(lambda r: "type_code=" in r.url):
        page.locator("#type_code").select_option(options[-1])

    seen.visit("/kb/articles/new", ".ql-editor")  # 富文本编辑器 (Quill): pasted Word markup keeps bold and lists
    page.locator(".ql-editor").click()
    page.evaluate("""() => { const data = new DataTransfer();
      data.setData('text/html', '<p class="MsoNormal"><b>赎回</b>规则<o:p></o:p></p><ul><li>开放日申请</li></ul>');
      data.setData('text/plain', '赎回规则 开放日申请');
      document.querySelector('.ql-editor').dispatchEvent(
        new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true})); }""")
    page.locator(".ql-editor strong", has_text="赎回").wait_for()
    assert page.locator(".ql-editor li").inner_text() == "开放日申请"
    page.evaluate("""() => { const data = new DataTransfer();
      data.setData('text/html', '<table><thead><tr><th>产品</th><th>费率</th></tr></thead>'
                                + '<tbody><tr><td>稳盈</td><td>0.5%</td></tr></tbody></table>');
      document.querySelector('.ql-editor').dispatchEvent(
        new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true})); }""")
    page.locator(".ql-editor table").wait_for()  # a pasted table keeps its rows and cells
    assert page.locator(".ql-editor td").all_inner_texts() == ["产品", "费率", "稳盈", "0.5%"]
    screenshot(page, "csp-richtext-paste")
    seen.collect("rich text paste")

    seen.visit("/oa/calendar/", ".fc")  # FullCalendar
    seen.visit("/process-analytics/", "#process-table")
    seen.visit("/reports/interest/", "main")
    seen.visit("/chat/", "main")
    seen.assert_none()


def test_an_inline_script_is_refused_and_seen(page):
    seen = Violations(page)
    seen.visit("/login")
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.__ran = 1'; document.body.appendChild(s); }""")
    page.wait_for_function("() => window.__csp.length > 0")  # a function: an expression would need eval
    assert page.evaluate("window.__ran") is None
    seen.collect("/login")
    assert any("script-src" in event for event in seen.events)
