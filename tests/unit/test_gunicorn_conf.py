"""The gunicorn settings the README's ``make run`` / ``make serve`` and the systemd unit load."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def test_a_worker_freezes_what_loading_the_app_created_out_of_the_collectors_way():
    """Without it a full collection walked every object of the loaded app: ~100 ms on one request in ten."""
    settings = runpy.run_path(str(CONF))
    assert settings["worker_class"] == "gthread" and settings["timeout"] > 0
    gc.unfreeze()
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_make_run_and_serve_use_these_settings():
    makefile = (CONF.parents[1] / "Makefile").read_text(encoding="utf-8")
    serving = [line for line in makefile.splitlines() if "gunicorn " in line and "create_app" in line]
    assert len(serving) == 2 and all("-c deploy/gunicorn.conf.py" in line for line in serving)
