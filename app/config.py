"""Configuration read from ``LICAI_*`` environment variables (documented in docs/configuration.md)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PREFIX = "LICAI_"
REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(PREFIX + name, default)


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{PREFIX}{name} must be an integer, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{PREFIX}{name} must be a number, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key(instance_path: Path) -> str:
    """Return a secret key kept in the instance folder, so development sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config from the environment and ``overrides``; fail fast on missing production settings."""
    overrides = overrides or {}
    env = _env("ENV", "development") or "development"
    production = env == "production"
    database_url = overrides.get("SQLALCHEMY_DATABASE_URI") or _env("DATABASE_URL")
    secret_key = overrides.get("SECRET_KEY") or _env("SECRET_KEY")
    if production:
        missing = [name for name, value in (("SECRET_KEY", secret_key), ("DATABASE_URL", database_url))
                   if not value]
        if missing:
            raise ConfigError("production needs " + ", ".join(PREFIX + m for m in missing))
    if not database_url:
        database_url = f"sqlite:///{instance_path / 'licaiflow.db'}"
    if not secret_key:
        secret_key = _dev_secret_key(instance_path)

    upload_mb = _env_int("MAX_UPLOAD_MB", 20)
    settings: dict[str, Any] = {
        "LICAI_ENV": env,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SQLITE_BUSY_TIMEOUT_MS": _env_int("SQLITE_BUSY_TIMEOUT_MS", 30_000),
        "MAX_CONTENT_LENGTH": upload_mb * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": upload_mb * 1024 * 1024,
        "NODE_MODULES": Path(_env("NODE_MODULES", str(REPO_ROOT / "node_modules")) or ""),
        "ASSET_BUILD_DIR": Path(_env("ASSET_BUILD_DIR", str(REPO_ROOT / "app" / "static" / "build")) or ""),
        "BPMN_DIR": Path(_env("BPMN_DIR", str(REPO_ROOT / "bpmn")) or ""),
        "RULES_DIR": Path(_env("RULES_DIR", str(REPO_ROOT / "rules")) or ""),
        "DISPLAY_TIMEZONE": _env("TIMEZONE", "Asia/Shanghai"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_NAME": "licai_session",
        "REMEMBER_COOKIE_DURATION": 0,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": production,
        "SCHEDULER_ENABLED": _env_bool("SCHEDULER_ENABLED", True),
        # Hard limits of BPMN scripts, conditions and DMN cells (app/workflow/sandbox.py, docs/security.md).
        "SANDBOX_TIME_LIMIT_SECONDS": _env_float("SANDBOX_TIME_LIMIT_SECONDS", 2.0),
        "SANDBOX_MEMORY_MB": _env_int("SANDBOX_MEMORY_MB", 256),
        "SANDBOX_PROCESSES": _env_int("SANDBOX_PROCESSES", 2),
        "SCHEDULER_LEASE_SECONDS": _env_int("SCHEDULER_LEASE_SECONDS", 4),
        "SCHEDULER_JOB_TIMEOUT_SECONDS": _env_int("SCHEDULER_JOB_TIMEOUT_SECONDS", 300),
        # Reverse proxies in front of the app whose X-Forwarded-For / -Proto are believed (0: none, the default).
        "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        "HSTS": _env_bool("HSTS", production),
    }
    settings.update(overrides)
    return settings
