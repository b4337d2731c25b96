"""首页."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, render_template
from flask_login import login_required

from app import menu
from app.auth.permissions import current_permissions
from app.home.panels import PANELS

bp = Blueprint("home", __name__)

menu.add("home", "首页", "home.index", None, order=0)


@bp.get("/")
@login_required
def index() -> Any:
    held = current_permissions()
    panels = [
        (panel, panel.context())
        for panel in sorted(PANELS, key=lambda p: p.order)
        if panel.permission is None or panel.permission in held
    ]
    return render_template("home/index.html", panels=panels)


# The icon is held in memory: a browser fetches it on its own and often drops the connection when a page
# closes, and a file being streamed then was left open (a flaky ResourceWarning in the browser tests).
FAVICON = (Path(__file__).resolve().parents[1] / "static" / "img" / "favicon.svg").read_bytes()
FAVICON_HREF = "data:image/svg+xml," + quote(FAVICON.decode("utf-8"))  # what every page links: no request


bp.add_app_template_global(lambda: FAVICON_HREF, "favicon_href")


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Browsers ask for /favicon.ico on their own (pages link the same icon as a data: URL)."""
    response = Response(FAVICON, mimetype="image/svg+xml")
    response.cache_control.max_age = 86400
    return response
