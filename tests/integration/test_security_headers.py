"""Every response carries the Content-Security-Policy; HSTS only when configured; no template has inline script."""

from __future__ import annotations

import re

from app.extensions import db
from app.security_headers import CONTENT_SECURITY_POLICY
from tests.conftest import REPO, make_app

TEMPLATES = REPO / "app" / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(src|type=\"application/json\"))[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)


def test_pages_json_and_errors_carry_the_policy(client):
    for url in ("/login", "/api/v1/me", "/no-such-page", "/static/js/app.js"):
        response = client.get(url)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in response.headers  # not configured in tests
        response.close()
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY.split("script-src", 1)[1].split(";", 1)[0]


def test_hsts_when_configured(database_url, tmp_path):
    app = make_app(database_url, tmp_path / "hsts", HSTS=True)
    assert app.test_client().get("/login").headers["Strict-Transport-Security"].startswith("max-age=31536000")
    with app.app_context():
        db.engine.dispose()


def test_no_template_has_inline_script_or_event_handler():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in INLINE_SCRIPT.finditer(text)]
        offenders += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in HANDLER.finditer(text)]
        offenders += [f"{path.relative_to(TEMPLATES)}: js:" for _ in re.finditer(r"hx-vals=\"js:", text)]
    assert offenders == []
