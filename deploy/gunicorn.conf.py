"""Gunicorn settings for LicaiFlow (``gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'``).

Every value can be overridden from the environment (or on the command line, which wins over this file).
See docs/configuration.md "Production layout" for why each is set as it is.
"""

import multiprocessing
import os

bind = os.environ.get("LICAI_BIND", "127.0.0.1:8000")
# Threads share a process' memory and SQLAlchemy pool; two processes per core keep a crash or a
# max_requests recycle from taking all capacity at once.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "gthread"
threads = int(os.environ.get("LICAI_WEB_THREADS", "4"))
# A request longer than this is killed with its worker (scripts and conditions have their own, shorter limit).
timeout = int(os.environ.get("LICAI_WEB_TIMEOUT", "60"))
graceful_timeout = 30  # SIGTERM / HUP reload: let running requests finish
keepalive = 5  # behind a proxy that keeps connections open
# Recycle workers now and then, staggered, so slow leaks never accumulate.
max_requests = int(os.environ.get("LICAI_WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Trust X-Forwarded-For / -Proto only from the reverse proxy on this host (or the addresses listed).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("LICAI_ACCESS_LOG", "-")
errorlog = "-"
limit_request_line = 8190


def post_worker_init(worker):  # noqa: ARG001  (gunicorn's hook signature)
    """Freeze what loading the app created (modules, the app, its caches) out of the garbage collector's way.

    A worker holds a few hundred thousand long-lived objects; Python's full collection, which runs every
    few requests, walked them all — about 100 ms added to one request in ten (issue 16). Frozen objects
    are still freed by reference counting; they are only no longer scanned for cycles."""
    import gc

    gc.freeze()
