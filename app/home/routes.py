"""首页."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, send_from_directory
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


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Browsers ask for /favicon.ico on their own (pages link the same icon): the SVG in static/img."""
    folder = f"{current_app.static_folder}/img"
    return send_from_directory(folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
