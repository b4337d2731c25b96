"""Shared fixtures: a fresh migrated database per test (SQLite copy or PostgreSQL template), clients
logged in as demo users, an OpenAPI-validating API client, and a live server for Playwright.

The clock is pinned for the whole session (every xdist worker, the template databases, the live server
thread): it starts at LICAI_TEST_NOW (ISO 8601 with offset; default a mid-month weekday morning in
Asia/Shanghai) and runs on from there, so the suite gives the same answers on any calendar day.

Set TEST_DATABASE_URL (e.g. postgresql+psycopg://127.0.0.1:5432/test) to run on PostgreSQL; each
test session then creates its own databases next to that one and drops them afterwards.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from app import create_app
from app.admin import params
from app.extensions import db
from forms import registry as form_registry

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
DEMO_PASSWORD = "Licai@demo2026"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
DEFAULT_TEST_NOW = "2026-06-17T10:00:00+08:00"  # a Wednesday mid-month in business hours, no public holiday
_TRAVELLER = pytest.StashKey[Any]()


def pinned_now() -> datetime:
    """Return the moment the test session starts at: LICAI_TEST_NOW or the default."""
    text = os.environ.get("LICAI_TEST_NOW") or DEFAULT_TEST_NOW
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise pytest.UsageError(f"LICAI_TEST_NOW={text!r} needs a UTC offset, e.g. 2028-02-29T10:00:00+08:00")
    return moment


def pytest_configure(config: pytest.Config) -> None:
    """Pin the clock before anything is collected or built; xdist workers run this hook too."""
    # tick=True: time still flows (timeouts, ordering by created_at), only the starting day is fixed.
    traveller = time_machine.travel(pinned_now(), tick=True)
    traveller.start()
    config.stash[_TRAVELLER] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    """Give the real clock back."""
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()


# A child process (the real scheduler) gets its own clock: start it where the test's clock is now, running on.
_CHILD_ON_PINNED_CLOCK = ("import runpy, sys, time_machine; "
                          "time_machine.travel(float(sys.argv.pop(1)), tick=True).start(); "
                          "runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)")


def python_module_argv(module: str, *args: str) -> list[str]:
    """Return the argv running ``python -m module args`` in a child whose clock starts at the test's now."""
    from app import clock

    return [sys.executable, "-c", _CHILD_ON_PINNED_CLOCK, str(clock.now().timestamp()), module, *args]


def pytest_report_header(config: pytest.Config) -> str:
    """Say which day the suite runs on."""
    return f"clock pinned at {pinned_now().isoformat()} (LICAI_TEST_NOW)"


BASE_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # cheap KDF cost for speed; policy checks are unchanged
    "NODE_MODULES": str(REPO / "node_modules"),
    "SCHEDULER_ENABLED": False,
}


# Task forms used only by the test diagrams in tests/data/.
if DATA / "forms" not in form_registry.SEARCH_DIRS:
    form_registry.SEARCH_DIRS.append(DATA / "forms")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL only the database-sensitive tests run (make test runs the rest on SQLite)."""
    if PG_URL:
        skip = pytest.mark.skip(reason="runs on SQLite only; TEST_DATABASE_URL runs db_sensitive tests")
        for item in items:
            if "db_sensitive" not in item.keywords:
                item.add_marker(skip)


# --- databases -------------------------------------------------------------------------------------


def _build(url: str, dataset: str, tmp_instance: Path) -> None:
    """Migrate an empty database with Alembic and load the dataset ("base" or "demo")."""
    from flask_migrate import upgrade

    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url}, instance_path=str(tmp_instance))
    with app.app_context():
        upgrade(directory=str(REPO / "migrations"))
        from app import demo
        from app.cli import seed_base

        seed_base()
        if dataset == "demo":
            from app.workflow import deploy

            # The shipped diagrams, as `make run` deploys them before loading demo data.
            deploy.deploy_directory(db.session, Path(app.config["BPMN_DIR"]), Path(app.config["RULES_DIR"]))
            demo.load(db.session, size="small")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


class SqliteDatabases:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.templates: dict[str, Path] = {}

    def template(self, dataset: str) -> Path:
        if dataset not in self.templates:
            path = self.root / f"template-{dataset}.db"
            _build(f"sqlite:///{path}", dataset, self.root / "instance")
            for suffix in ("-wal", "-shm"):
                assert not Path(f"{path}{suffix}").exists() or Path(f"{path}{suffix}").stat().st_size == 0
            self.templates[dataset] = path
        return self.templates[dataset]

    def fresh(self, dataset: str, target_dir: Path) -> str:
        target = target_dir / "licaiflow.db"
        shutil.copyfile(self.template(dataset), target)
        return f"sqlite:///{target}"

    def empty(self, target_dir: Path) -> str:
        return f"sqlite:///{target_dir / 'empty.db'}"

    def drop(self, url: str) -> None:
        """Files live in the test's tmp_path; nothing to drop."""


class PostgresDatabases:
    """Template databases per dataset; each test gets CREATE DATABASE … TEMPLATE (a file copy)."""

    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.url = sa.make_url(url)
        self.prefix = f"licai_t{uuid.uuid4().hex[:8]}"
        self.admin = sa.create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        self.templates: dict[str, str] = {}
        self.created: list[str] = []

    def _url(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def template(self, dataset: str) -> str:
        if dataset not in self.templates:
            name = f"{self.prefix}_tpl_{dataset}"
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            self.created.append(name)
            _build(self._url(name), dataset, self.root / "instance")
            self.templates[dataset] = name
        return self.templates[dataset]

    def fresh(self, dataset: str, target_dir: Path) -> str:
        template = self.template(dataset)
        name = f"{self.prefix}_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        self.created.append(name)
        return self._url(name)

    def empty(self, target_dir: Path) -> str:
        name = f"{self.prefix}_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self._url(name)

    def drop(self, url: str) -> None:
        name = sa.make_url(url).database
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in reversed(self.created):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteDatabases | PostgresDatabases]:
    root = tmp_path_factory.mktemp("databases")
    if PG_URL:
        pg = PostgresDatabases(root, PG_URL)
        yield pg
        pg.drop_all()
    else:
        yield SqliteDatabases(root)


def _dataset(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("dataset")
    return marker.args[0] if marker else "demo"


def make_app(url: str, instance: Path, **overrides: Any) -> Flask:
    """Create an app bound to ``url`` with the test configuration (CSRF protection on, as in production)."""
    params.clear_cache()
    application = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **overrides},
                             instance_path=str(instance))
    application.test_client_class = BrowserClient
    return application


@pytest.fixture
def database_url(databases: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database for this test: demo users by default, @pytest.mark.dataset("base") for none."""
    url = databases.fresh(_dataset(request), tmp_path)
    yield url
    databases.drop(url)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADERS = ("X-CSRFToken", "X-CSRF-Token")


class BrowserClient(FlaskClient):
    """Sends the CSRF token with every state-changing request outside the API, as the pages do: a form post
    carries the ``csrf_token`` field, a post without form data (htmx, fetch, JSON) the ``X-CSRFToken``
    header. A request that brings its own token (field or header) is left alone; ``csrf=False`` sends none.
    The token is the one a page would render for this client's own session."""

    def open(self, *args: Any, csrf: bool = True, **kwargs: Any) -> Any:
        if csrf and self._needs_token(args, kwargs):
            token = self.csrf_token()
            data = kwargs.get("data")
            if isinstance(data, MultiDict):  # keep every value of a repeated field
                kwargs["data"] = data.copy()
                kwargs["data"][CSRF_FIELD] = token
            elif isinstance(data, dict):
                kwargs["data"] = {**data, CSRF_FIELD: token}
            else:
                kwargs["headers"] = {**dict(kwargs.get("headers") or {}), CSRF_HEADERS[0]: token}
        return super().open(*args, **kwargs)

    def _needs_token(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        """Tell whether a browser would send a token with this request (an unsafe method outside /api/)."""
        if not args or not isinstance(args[0], str):  # a redirect being followed, or a prepared request
            return False
        if str(kwargs.get("method", "GET")).upper() not in UNSAFE_METHODS or args[0].startswith("/api/"):
            return False
        data, headers = kwargs.get("data"), dict(kwargs.get("headers") or {})
        return not (isinstance(data, dict) and CSRF_FIELD in data) and not any(h in headers for h in CSRF_HEADERS)

    def csrf_token(self) -> str:
        """Return the signed CSRF token a page served now to this client would carry."""
        from itsdangerous import URLSafeTimedSerializer

        app = self.application
        with self.session_transaction() as session:
            # Flask-WTF keeps a raw token in the session and renders it signed; log-in starts a fresh session,
            # and the first page after it puts a new raw token there, as generate_csrf() does.
            raw = session.setdefault(CSRF_FIELD, secrets.token_hex(20))
        secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        return str(URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw))


class CommittingClient(BrowserClient):
    """Ends the test's own transaction before each request: on SQLite the test's open transaction
    would otherwise hold the write lock the request needs, and the request should see what the
    test wrote. A streamed body (exports) is read to its end before the response is returned, as a
    WSGI server does inside the request, unless the test passes ``buffered=False`` to read it itself."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        db.session.commit()
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture
def empty_database_url(databases: Any, tmp_path: Path) -> Iterator[str]:
    """An empty database with no schema at all (migration tests)."""
    url = databases.empty(tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app under test. Test code runs in the context of a twin app on the same database, so
    every request through ``app.test_client()`` gets its own app context, ``g`` and session, as
    it would under gunicorn, instead of sharing the test's."""
    from app.database import write_intent

    application = make_app(database_url, tmp_path / "instance")
    application.test_client_class = CommittingClient
    twin = make_app(database_url, tmp_path / "instance")
    with twin.app_context():
        # Test code reads in deferred transactions, so its reads never hold SQLite's write lock while a
        # request it makes waits for it; its own writes still work (it is the only writer between requests).
        token = write_intent.set(False)
        yield application
        write_intent.reset(token)
        db.session.remove()
        db.engine.dispose()
    with application.app_context():
        db.engine.dispose()
    params.clear_cache()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


# --- logging in ------------------------------------------------------------------------------------


def login(client: FlaskClient, username: str, password: str = DEMO_PASSWORD) -> FlaskClient:
    """Log a test client in through the real log-in form, with the token the log-in page gave it."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password, CSRF_FIELD: token})
    assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
    return client


@pytest.fixture
def login_as(app: Flask) -> Callable[[str], FlaskClient]:
    """Return a function giving a fresh client logged in as a demo user: ``login_as("seat01")``."""

    def _login(username: str) -> FlaskClient:
        return login(app.test_client(), username)

    return _login


def user_named(username: str) -> Any:
    """Return a user as the database has it now: ends the test's own transaction first (committing what
    the test wrote), so what requests committed since is visible."""
    from sqlalchemy import select

    from app.auth.models import User

    db.session.commit()
    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None, f"no user {username}"
    return user


def audit_rows(action: str, obj: Any = None) -> list[Any]:
    """Return committed audit-log rows with this action (about ``obj``, if given), oldest first."""
    from sqlalchemy import select

    from app.audit.models import AuditLog

    stmt = select(AuditLog).where(AuditLog.action == action)
    if obj is not None:
        stmt = stmt.where(AuditLog.object_type == obj.__tablename__, AuditLog.object_id == str(obj.id))
    db.session.rollback()
    return list(db.session.scalars(stmt.order_by(AuditLog.id)))


def csrf_token_from(html: str) -> str:
    """Pull the CSRF token out of a rendered page."""
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


# --- API with OpenAPI validation -------------------------------------------------------------------


class ApiClient:
    """A test client sending a Bearer token; every /api/v1 response is validated against the OpenAPI document."""

    def __init__(self, app: Flask, token: str) -> None:
        from openapi_core import OpenAPI

        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}
        spec = self.client.get("/api/v1/openapi.json").get_json()
        self.openapi = OpenAPI.from_dict(spec)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
        from werkzeug.test import EnvironBuilder
        from werkzeug.wrappers import Request

        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        builder = EnvironBuilder(path=path, method=method, headers=headers, **kwargs)
        try:
            request = Request(builder.get_environ())
            self.openapi.validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response))
        finally:
            builder.close()
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api_as(app: Flask) -> Callable[[str], ApiClient]:
    """Return a function giving an OpenAPI-validating API client for a demo user: ``api_as("admin")``."""
    from sqlalchemy import select

    from app.auth import services
    from app.auth.models import User

    def _api(username: str) -> ApiClient:
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None
        _record, token = services.create_api_token(db.session, user, "tests")
        db.session.commit()
        return ApiClient(app, token)

    return _api


# --- workflow ------------------------------------------------------------------------------------


@pytest.fixture
def deploy_fixture(app: Flask) -> Callable[..., Any]:
    """Deploy a BPMN file from tests/data by name: ``deploy_fixture("approval")`` → ProcessModel."""
    from app.workflow import deploy

    def _deploy(name: str, **kwargs: Any) -> Any:
        text = (DATA / f"{name}.bpmn").read_text(encoding="utf-8")
        result = deploy.deploy(db.session, text, source=f"tests/data/{name}.bpmn", **kwargs)
        db.session.commit()
        return result.model

    return _deploy


# --- browser ---------------------------------------------------------------------------------------

CHROMIUM = os.environ.get("LICAI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "tests" / "screenshots"


def _bodies_read_whole(application: Any) -> Any:
    """Wrap the app so each response body is read and closed before werkzeug's server writes it. The server
    closes a body only after draining the socket, and a page Chromium drops mid-download (a test moving on)
    makes that drain raise: a static file's handle was then left open, a flaky ResourceWarning. gunicorn,
    which serves production, closes bodies itself."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = application(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return app


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Serve the app (CSRF protection on) on a free localhost port in a thread; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    # CSRF is on, as in production: browser journeys prove the pages send their tokens. The thread shares
    # the session's pinned clock (time-machine patches the process, not a thread).
    application = make_app(database_url, tmp_path / "live-instance")
    server = make_server("127.0.0.1", 0, _bodies_read_whole(application), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1400, "height": 900})
    # The page's clock starts where the server's pinned clock is (and runs on), so "today" agrees on both sides.
    from app import clock

    context.clock.install(time=clock.now())
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under tests/screenshots/ for a human to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def rich_text_editor(page: Any, name: str) -> Any:
    """The 富文本编辑器 (app/static/js/richtext.js) that took the place of the textarea named name."""
    return page.get_by_role("textbox", name=name).and_(page.locator(".ql-editor"))


def type_rich_text(page: Any, name: str, *, intro: str, bold: str, bullets: list[str], after: str = "") -> None:
    """Write in the 富文本编辑器 named name like a user: text, a word made bold, a bullet list, a last line."""
    rich_text_editor(page, name).click()
    page.keyboard.press("Control+End")
    page.keyboard.type(intro)
    page.get_by_role("button", name="加粗").click()
    page.keyboard.type(bold)
    page.get_by_role("button", name="加粗").click()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="项目符号列表").click()
    for item in bullets:
        page.keyboard.type(item)
        page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty item ends the list
    if after:
        page.keyboard.type(after)


def browser_login(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the real page."""
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/$"))
