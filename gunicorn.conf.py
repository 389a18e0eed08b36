"""Gunicorn settings for serving the dashboard with several worker processes (see docs/operations.md)."""

# Usage: gunicorn -c gunicorn.conf.py            (binds DASHBOARD_HOST:DASHBOARD_PORT)
# Worker count and threads follow gunicorn's own conventions (WEB_CONCURRENCY, GUNICORN_THREADS);
# everything the app itself needs comes from dashboard.settings.Settings.

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dashboard.settings import Settings

_settings = Settings.from_env()  # fails fast in the master, before any worker forks

wsgi_app = "dashboard.app:create_app()"
bind = f"{_settings.host}:{_settings.port}"

# Two processes x four threads suits the 2-core target machine: callbacks spend most of their
# time in DuckDB, which releases the GIL, and each worker's DuckDB gets its own `threads`.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Never preload: each worker opens its own read-only DuckDB connection after the fork (a
# connection inherited across fork is unsafe), and no data is loaded at import time anyway.
preload_app = False

timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so pandas/Arrow heap fragmentation cannot grow without bound. A
# page visit is 10-20 requests (every chart is its own callback): at 5,000 the load test's 160
# requests/s restarted a worker every minute, and requests queued behind its boot. Worker RSS
# stays under 400 MiB through a load test, so 50,000 is still "now and then".
max_requests = 50000
max_requests_jitter = 5000

# The reverse proxy terminates TLS; only its addresses may set X-Forwarded-Proto/For.
forwarded_allow_ips = ",".join(_settings.trusted_proxies)

# The app writes structured request logs itself (dashboard.logging_setup); gunicorn's access
# log would duplicate them and would record client addresses.
accesslog = None
errorlog = "-"
loglevel = "info"

# Heartbeat files on tmpfs: container overlay filesystems can stall fsync and get workers killed.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"


def post_worker_init(worker: Any) -> None:
    """Log each worker's boot with its settings (no secrets)."""
    worker.log.info(
        "worker %s ready: threads=%s duckdb_threads=%s duckdb_memory_limit=%s cache=%s",
        worker.pid,
        threads,
        _settings.duckdb_threads,
        _settings.duckdb_memory_limit,
        _settings.cache_type,
    )
