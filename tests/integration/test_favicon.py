"""The site has an icon: /favicon.ico (which browsers ask for on their own) and the one every page links."""

from __future__ import annotations

import re


def test_favicon_is_served_to_anyone_and_linked_from_the_login_page(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data

    page = client.get("/login").get_data(as_text=True)
    link = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', page)
    assert link is not None
    linked = client.get(link.group(1))
    assert (linked.status_code, linked.data) == (200, response.data)
