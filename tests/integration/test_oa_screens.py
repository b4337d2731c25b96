"""Every daily-management screen a demo user can reach by links renders (no 500), for each kind of user."""

from __future__ import annotations

import re

import pytest

LINK = re.compile(r'href="(/(?:oa|notices|chat|admin/notices)/[^"#]*)"')


@pytest.mark.parametrize("username", ["admin", "manager01", "head01", "seat01", "finance01", "hr01"])
def test_every_reachable_daily_management_screen_renders(login_as, username):
    client = login_as(username)
    queue = ["/"]
    seen: set[str] = set()
    while queue and len(seen) < 120:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, f"{username}: GET {url} answered {response.status_code}"
        if response.mimetype != "text/html":
            response.close()
            continue
        for link in LINK.findall(response.get_data(as_text=True)):
            path = link.replace("&amp;", "&")
            if "export" not in path and "/attachments/" not in path and path not in seen:
                queue.append(path)
    assert any(url.startswith("/oa/applications/") for url in seen) and "/notices/" in seen
