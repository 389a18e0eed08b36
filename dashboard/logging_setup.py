"""Structured request logs: JSON lines with per-callback timing, the viewer's role and the data version; never personal data."""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import uuid
from typing import Any, Protocol

from flask import Flask, Response, g, request

from dashboard.compression import init_compression
from dashboard.health import HEALTH_PATHS

log = logging.getLogger("dashboard.request")

# Requests for static files are neither timed nor logged: they are many and say nothing.
QUIET_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico", "/favicon.ico")
CALLBACK_PATH = "/_dash-update-component"
SLOW_MS = 1000.0
HANDLER_TAG = "_ops_handler"

# LogRecord attributes that are not user-supplied `extra` fields.
_STD_ATTRS = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}


class _LogSettings(Protocol):
    log_json: bool


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg and every `extra` field."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                doc[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: messages and tracebacks can carry data values.
            doc["exc_type"] = record.exc_info[0].__name__
        return json.dumps(doc, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Human-readable lines for development: the message followed by key=value extras."""

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{k}={v}" for k, v in record.__dict__.items() if k not in _STD_ATTRS and not k.startswith("_")
        )
        base = f"{self.formatTime(record)} {record.levelname} {record.name} {record.getMessage()}"
        return f"{base} {extras}".rstrip()


def configure_logging(json_lines: bool, level: int = logging.INFO) -> None:
    """Send the `dashboard` and `etl` loggers to stderr in the chosen format (idempotent)."""
    formatter: logging.Formatter = JsonFormatter() if json_lines else TextFormatter()
    for name in ("dashboard", "etl"):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        for handler in logger.handlers:
            if getattr(handler, HANDLER_TAG, False):
                handler.setFormatter(formatter)
                break
        else:
            handler = logging.StreamHandler(sys.stderr)
            setattr(handler, HANDLER_TAG, True)
            handler.setFormatter(formatter)
            logger.addHandler(handler)
        # Gunicorn and the root logger would print the same line twice.
        logger.propagate = False


def _viewer_role() -> str:
    """The signed-in viewer's role, or 'anonymous'. Never the user name."""
    try:
        from dashboard.auth import current_scope

        return str(current_scope().role)
    except Exception:
        return "anonymous"


def _data_version() -> str | None:
    try:
        from dashboard.db import get_warehouse

        return str(get_warehouse().data_version())
    except Exception:
        return None


def _callback_name() -> str | None:
    """The output spec of a Dash callback request, e.g. 'priority-chart.figure' (component ids only)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None
    output = body.get("output")
    return str(output)[:200] if output is not None else None


def _quiet(path: str) -> bool:
    return path.startswith(QUIET_PREFIXES) or path in HEALTH_PATHS


def init_logging(server: Flask, settings: _LogSettings) -> None:
    """Install JSON/text logging, per-request timing (log line + Server-Timing header), the
    X-Data-Version header and gzip compression on the Flask server."""
    configure_logging(bool(getattr(settings, "log_json", True)))
    pid = os.getpid()

    @server.before_request
    def _start_timer() -> None:
        g.ops_t0 = time.perf_counter()
        g.ops_request_id = uuid.uuid4().hex[:12]
        if not _quiet(request.path):
            # Read once, before the handler runs: the version the handler's queries will see,
            # because db.py re-checks the live file at most once per request.
            g.ops_data_version = _data_version()

    @server.after_request
    def _finish(resp: Response) -> Response:
        t0 = getattr(g, "ops_t0", None)
        if t0 is None:
            return resp
        dur_ms = (time.perf_counter() - t0) * 1000.0
        existing = resp.headers.get("Server-Timing")
        timing = f"app;dur={dur_ms:.1f}"
        resp.headers["Server-Timing"] = f"{existing}, {timing}" if existing else timing
        resp.headers["X-Request-ID"] = g.ops_request_id
        version = getattr(g, "ops_data_version", None)
        if version:
            resp.headers["X-Data-Version"] = version
        if _quiet(request.path):
            return resp
        fields: dict[str, Any] = {
            "event": "request",
            "request_id": g.ops_request_id,
            "method": request.method,
            "path": request.path,  # never the query string: filters may be long, ids never belong in logs
            "status": resp.status_code,
            "duration_ms": round(dur_ms, 2),
            "bytes": resp.calculate_content_length(),
            "role": _viewer_role(),
            "data_version": version,
            "pid": pid,
        }
        if request.path == CALLBACK_PATH:
            fields["event"] = "callback"
            fields["callback"] = _callback_name()
        level = logging.WARNING if dur_ms >= SLOW_MS or resp.status_code >= 500 else logging.INFO
        log.log(level, fields["event"], extra=fields)
        return resp

    @server.teardown_request
    def _log_exception(exc: BaseException | None) -> None:
        if exc is not None:
            log.error(
                "unhandled exception",
                extra={
                    "event": "error",
                    "request_id": getattr(g, "ops_request_id", None),
                    "path": request.path,
                    "exc_type": type(exc).__name__,
                },
            )

    # Compression sits in the same response pipeline; create_app wires only this ops hook.
    init_compression(server)
