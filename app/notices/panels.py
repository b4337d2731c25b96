"""Home-page panel: major announcements (重大公告)."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from app import clock
from app.extensions import db
from app.home import panels
from app.notices import services
from app.notices.access import VIEW


def _major() -> dict[str, Any]:
    return {"rows": services.major(db.session, current_user, clock.now())}


panels.add("重大公告", "notices/_panel_major.html", _major, VIEW, order=5)
