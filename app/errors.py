"""Domain error types and the one handler that turns them into a Chinese page or a JSON error body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, flash, jsonify, redirect, render_template, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app.extensions import db


class DomainError(Exception):
    """A business rule refused the request; ``message`` is shown to the user in Chinese."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


HTTP_MESSAGES = {
    400: "请求无效",
    401: "请先登录",
    403: "您没有权限访问此页面或数据",
    404: "页面或数据不存在",
    405: "不支持的请求方法",
    409: "数据已被他人修改，请刷新后重试",
    413: "上传的文件太大",
    422: "提交的数据有误",
    429: "请求过于频繁，请稍后再试",
    500: "系统内部错误，请稍后再试或联系管理员",
}


def wants_json() -> bool:
    """Tell whether the current request expects a JSON error body rather than a page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """Build the JSON error envelope used by every API error."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def _respond(status: int, code: str, message: str, details: Any = None) -> Any:
    if wants_json():
        return jsonify(error_body(code, message, details)), status
    if status in (400, 409, 422) and request.method == "POST" and request.referrer:
        # A refused form action goes back to the page it came from, with the reason on top.
        flash(message, "danger")
        return redirect(request.referrer)
    return render_template("errors/error.html", status=status, message=message), status


def refused(exc: DomainError, page: str | Callable[[], Any], **context: Any) -> Any:
    """Answer a form the domain refused: undo what the request wrote, put the reason on top and show the page
    again, with what was typed, under the refusal's status (409, 422 …).

    ``page`` is a template rendered with ``context``, or a function that makes the page (a body, or a
    ``(body, status)`` pair whose status the refusal's replaces) or a redirect, which is returned as it is. It
    runs after the rollback, so it reads the stored state of what it shows.
    """
    db.session.rollback()
    flash(exc.message, "danger")
    if isinstance(page, str):
        return render_template(page, **context), exc.status
    answer = page()
    if isinstance(answer, Response):
        return answer
    return (answer[0] if isinstance(answer, tuple) else answer), exc.status


def register_error_handlers(app: Flask) -> None:
    """Attach handlers for domain errors, HTTP errors and unexpected failures."""

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> Any:
        db.session.rollback()
        return _respond(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(StaleDataError)
    def _stale(_exc: StaleDataError) -> Any:
        # Optimistic locking: someone else changed the same record (e.g. the same process instance) first.
        db.session.rollback()
        return _respond(409, "conflict", HTTP_MESSAGES[409])

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        if status == 400 and "CSRF" in (exc.description or ""):
            return _respond(400, "csrf_failed", "页面已过期或请求来源无效（CSRF 校验失败），请刷新页面后重试")
        message = HTTP_MESSAGES.get(status, exc.name)
        return _respond(status, exc.name.lower().replace(" ", "_"), message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, "internal_error", HTTP_MESSAGES[500])
