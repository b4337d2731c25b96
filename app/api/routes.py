"""JSON API under /api/v1: Bearer-token auth, JSON errors, OpenAPI document.

Domain modules add their endpoints in ``app/<domain>/api.py`` on this blueprint and declare them
with :func:`app.api.spec.operation`; ``app.create_app`` imports them before registering it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify, request

from app.api import spec
from app.extensions import csrf
from app.inputs import DB_INT_MAX

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens, not cookies, authenticate the API, so cross-site requests carry no credentials.
csrf.exempt(bp)

MAX_PER_PAGE = 200
# Far past any real listing, and small enough that (page - 1) * per_page stays a database integer.
MAX_PAGE = 1_000_000
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")


def query_int(name: str) -> int | None:
    """Read an integer query parameter: None when absent or not a whole number; a number beyond the
    database's range is clamped to it (no row has it, so it still finds nothing)."""
    text = request.args.get(name, "").strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        return None
    if len(text.lstrip("+-")) > len(str(DB_INT_MAX)):  # int() of thousands of digits is slow, or refused
        return -DB_INT_MAX if text.startswith("-") else DB_INT_MAX
    return max(-DB_INT_MAX, min(DB_INT_MAX, int(text)))


def page_args() -> tuple[int, int]:
    """Read ?page=&per_page= with sane bounds; what is not a usable number falls back to the default."""
    page, per_page = query_int("page"), query_int("per_page")
    page = min(MAX_PAGE, max(1, 1 if page is None else page))
    per_page = min(MAX_PER_PAGE, max(1, 50 if per_page is None else per_page))
    return page, per_page


def page_body(items: list[dict[str, Any]], page: int, per_page: int, total: int) -> dict[str, Any]:
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(spec.document())


