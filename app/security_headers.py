"""Response headers every page carries: Content-Security-Policy (no inline script), HSTS when configured,
and the client address taken from trusted reverse proxies only (werkzeug ProxyFix).

Scripts come only from this origin: templates hold no inline <script> and no on*="" handlers; data for a
script travels in data-* attributes or <script type="application/json"> blocks, which are not executed.
Inline styles stay allowed (bootstrap, bpmn-js and ECharts set element styles).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
))
HSTS = "max-age=31536000; includeSubDomains"


def register(app: Flask) -> None:
    """Trust the configured number of proxies and add the security headers to every response."""
    proxies = int(app.config.get("TRUSTED_PROXIES", 0))
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    hsts = bool(app.config.get("HSTS"))

    @app.after_request
    def _security_headers(response: Any) -> Any:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if current_user and getattr(current_user, "is_authenticated", False):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
