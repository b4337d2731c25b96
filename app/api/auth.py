"""Bearer-token authentication for /api/v1 (cookies never authenticate the API)."""

from __future__ import annotations

from datetime import timedelta

from flask import Request, has_request_context, request
from sqlalchemy import update

from app import clock
from app.auth import services
from app.auth.models import ApiToken, User
from app.database import write_soon
from app.extensions import db, login_manager

TOUCH_INTERVAL = timedelta(minutes=5)


API_PREFIX = "/api/"


def is_api_request() -> bool:
    """Tell whether the current request is for the JSON API, which only a Bearer token authenticates."""
    return has_request_context() and request.path.startswith(API_PREFIX)


@login_manager.request_loader
def load_user_from_bearer(request: Request) -> User | None:
    """Return the user whose API token the request carries (API requests only)."""
    if not request.path.startswith(API_PREFIX):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    user = services.user_for_api_token(db.session, token.strip())
    if user is not None:
        token_hash = services.hash_token(token.strip())
        cutoff = clock.now() - TOUCH_INTERVAL
        write_soon(update(ApiToken).where(ApiToken.token_hash == token_hash,
                                          (ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < cutoff))
                   .values(last_used_at=clock.now()))
    return user
