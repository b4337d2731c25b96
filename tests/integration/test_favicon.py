"""The site has an icon: /favicon.ico (which browsers ask for on their own) and the one every page links, as a
data: URL (no request a closing page could drop)."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote


def test_favicon_is_served_to_anyone_and_linked_from_the_login_page(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data

    page = client.get("/login").get_data(as_text=True)
    link = re.search(r'<link rel="icon" type="image/svg\+xml" href="data:image/svg\+xml,([^"]+)"', page)
    assert link is not None
    assert unquote(html.unescape(link.group(1))).encode() == response.data
