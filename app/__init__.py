"""LicaiFlow: CRM and BPM for wealth-management sales organisations."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, g, request
from flask_login import current_user

from app import config as app_config
from app.extensions import csrf, db, login_manager, migrate


def create_app(config: Mapping[str, Any] | None = None, instance_path: str | None = None) -> Flask:
    """Build the Flask application; ``config`` overrides environment settings (tests)."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    overrides = dict(config or {})
    app.config.update(app_config.load(Path(app.instance_path), overrides))
    # Set-based jobs report how many rows an INSERT … SELECT wrote; without preserve_rowcount SQLAlchemy drops
    # the driver's count for INSERT and psycopg reads -1. Added here so that no engine override loses it.
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    engine_options["execution_options"] = {**engine_options.get("execution_options", {}), "preserve_rowcount": True}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app_config.REPO_ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.session_protection = None  # the server-side login session is the protection
    csrf.init_app(app)

    from app import inputs, security_headers

    inputs.register(app)
    security_headers.register(app)
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_template_helpers(app)

    from app.errors import register_error_handlers

    register_error_handlers(app)

    from app.cli import register_cli

    register_cli(app)
    return app


# Each domain's screens (``routes``) and, where it has one, its API module. Order sets the menu's tie-breaks.
SCREEN_MODULES = ("app.assets", "app.auth.routes", "app.home.routes", "app.org.routes", "app.org.user_routes",
                  "app.auth.role_routes", "app.auth.online_routes", "app.admin.routes",
                  "app.admin.dictionary_routes", "app.audit.routes", "app.customers.routes",
                  "app.customers.category_routes", "app.customers.import_routes", "app.customers.merge_routes",
                  "app.customers.lifecycle_routes", "app.callcentre.routes",
                  "app.followups.routes", "app.pools.recovery_routes",
                  "app.pools.routes", "app.workflow.task_routes", "app.workflow.monitor_routes",
                  "app.workflow.repair_routes",
                  "app.workflow.launch_routes", "app.designer.routes", "app.designer.rule_routes",
                  "app.designer.form_routes", "app.scheduling.routes", "app.oa.application_routes",
                  "app.oa.calendar_routes", "app.oa.todo_routes", "app.oa.minutes_routes", "app.oa.branch_routes",
                  "app.oa.activity_routes", "app.notices.routes", "app.notices.admin_routes", "app.chat.routes",
                  "app.products.category_routes", "app.products.project_routes", "app.trades.trade_routes",
                  "app.trades.admin_routes", "app.trades.income_routes", "app.trades.payout_routes",
                  "app.mining.condition_routes", "app.mining.invalid_routes", "app.mining.task_routes",
                  "app.mining.task_work_routes", "app.mining.rule_routes", "app.mining.run_routes",
                  "app.hr.attendance_routes", "app.hr.holiday_routes", "app.hr.staff_routes", "app.quotas.routes",
                  "app.plans.routes", "app.performance.routes", "app.performance.ranking_routes",
                  "app.cockpits.routes", "app.reports.routes", "app.process_analytics.routes",
                  "app.surveys.routes", "app.qa.routes", "app.qa.category_routes", "app.kb.routes",
                  "app.kb.category_routes", "app.kb.search_routes", "app.care.routes", "app.complaints.routes",
                  "app.complaints.category_routes", "app.grading.routes", "app.members.routes")
API_MODULES = ("app.api.auth", "app.api.core", "app.customers.api", "app.followups.api", "app.pools.api",
               "app.workflow.api", "app.designer.api", "app.oa.api", "app.products.api", "app.trades.api",
               "app.pools.recovery_api", "app.mining.condition_api", "app.mining.invalid_api", "app.mining.task_api",
               "app.mining.rule_api", "app.hr.attendance_api", "app.hr.holiday_api", "app.hr.staff_api",
               "app.quotas.api", "app.plans.api", "app.performance.api", "app.performance.ranking_api",
               "app.cockpits.api", "app.reports.api", "app.process_analytics.api", "app.surveys.api",
               "app.qa.api", "app.kb.api", "app.care.api", "app.complaints.api", "app.grading.api",
               "app.members.api", "app.callcentre.api")
# Modules that register scheduler jobs (scheduler.registry.job) and service-task operations.
JOB_MODULES = ("scheduler.workflow_timers", "scheduler.pool_recycle", "scheduler.pool_handover",
               "scheduler.mining_tasks", "scheduler.mining_distribution", "scheduler.quota_facts",
               "app.products.lifecycle", "app.trades.review", "scheduler.hr_certificates",
               "scheduler.care_reminders", "scheduler.customer_grading", "scheduler.members")
# Designer-safe service-task operations, each in its domain (docs/workflow.md, 服务操作).
OPERATION_MODULES = ("app.workflow.process_ops", "app.notices.process_ops", "app.chat.process_ops",
                     "app.oa.todo_ops", "app.followups.process_ops", "app.customers.process_ops",
                     "app.mining.process_ops")
# Home-page panels of domains whose permission module their panel needs (imported here, not from that module).
PANEL_MODULES = ("app.notices.panels", "app.oa.panels")


def _register_blueprints(app: Flask) -> None:
    import importlib

    from app.auth import loader  # noqa: F401  (Flask-Login callbacks)

    for name in SCREEN_MODULES:
        app.register_blueprint(importlib.import_module(name).bp)
    for name in API_MODULES:
        importlib.import_module(name)
    from app.api.routes import bp as api_bp

    app.register_blueprint(api_bp)
    for name in JOB_MODULES + OPERATION_MODULES + PANEL_MODULES:
        importlib.import_module(name)


def _register_request_hooks(app: Flask) -> None:
    from app.database import write_intent

    @app.before_request
    def _declare_write_intent() -> None:
        # Safe methods read in deferred transactions; everything else takes the write lock up front.
        g._write_intent_token = write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def _forget_write_intent(_exc: BaseException | None) -> None:
        # The request's intent must not leak into whatever runs next in this thread (tests, CLI, jobs).
        token = g.pop("_write_intent_token", None)
        if token is not None:
            with contextlib.suppress(ValueError):  # set in another context: nothing of ours to undo
                write_intent.reset(token)


def _register_template_helpers(app: Flask) -> None:
    from app import clock, labels, menu
    from app.auth.permissions import can, current_permissions

    @app.template_filter("local")
    def _local(moment: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
        shown = clock.local(moment)
        return shown.strftime(fmt) if shown else ""

    @app.template_filter("money")
    def _money(value: Any) -> str:
        if value is None or value == "":
            return ""
        return f"{Decimal(value):,.2f}"

    app.add_template_filter(labels.label, "label")

    @app.context_processor
    def _layout_context() -> dict[str, Any]:
        held = current_permissions()
        return {"menu_sections": menu.visible(held) if held or current_user.is_authenticated else [],
                "can": can, "now_utc": clock.now}
