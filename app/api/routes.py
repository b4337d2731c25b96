"""JSON API under /api/v1: Bearer-token auth, JSON errors, OpenAPI document.

Domain modules add their endpoints in ``app/<domain>/api.py`` on this blueprint and declare them
with :func:`app.api.spec.operation`; ``app.create_app`` imports them before registering it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from app.api import spec
from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Bearer tokens, not cookies, authenticate the API, so cross-site requests carry no credentials.
csrf.exempt(bp)

MAX_PER_PAGE = 200


def page_args() -> tuple[int, int]:
    """Read ?page=&per_page= with sane bounds."""
    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = min(MAX_PER_PAGE, max(1, int(request.args.get("per_page", 50))))
    except ValueError:
        page, per_page = 1, 50
    return page, per_page


def page_body(items: list[dict[str, Any]], page: int, per_page: int, total: int) -> dict[str, Any]:
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(spec.document())


