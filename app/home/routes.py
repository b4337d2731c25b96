"""首页."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
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
