"""Liveness (/healthz) and readiness (/readyz) endpoints, open without sign-in, revealing only status and data version."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify

log = logging.getLogger("dashboard.health")

HEALTH_PATHS = ("/healthz", "/readyz")


def _no_store(resp: Response) -> Response:
    # Probes must see the live state, never a proxy's cached answer.
    resp.headers["Cache-Control"] = "no-store"
    return resp


def readiness() -> tuple[bool, str | None]:
    """(ready, data version): the warehouse opens, answers its data-version query, and every
    dashboard query binds on it (a warehouse whose marts older ETL code built is not ready: its
    pages would fail until the next build or load re-runs them)."""
    try:
        # Imported lazily: the app works (and /healthz answers) before the warehouse exists.
        from dashboard.db import get_warehouse

        wh = get_warehouse()
        version = wh.data_version()
        unbound = wh.unbound_queries()
    except Exception as exc:  # any failure means "not ready"; the detail goes to the log only
        log.warning("readiness check failed: %s", type(exc).__name__)
        return False, None
    if unbound:
        name, error = min(unbound.items())
        log.warning(
            "warehouse not ready: %d queries do not bind (rebuild the warehouse with this release: "
            "`python -m etl build`, docs/operations.md); first %s: %s",
            len(unbound),
            name,
            error[:300],
        )
        return False, None
    return True, str(version)


def init_health(server: Flask) -> None:
    """Register /healthz and /readyz on the Flask server (the auth guard exempts both paths)."""

    @server.get("/healthz")
    def healthz() -> Response:
        # Liveness only: the process answers HTTP. Never touches the warehouse, so a slow or
        # swapping warehouse does not get a worker killed by the orchestrator.
        return _no_store(jsonify(status="ok"))

    @server.get("/readyz")
    def readyz() -> Response:
        ready, version = readiness()
        if not ready:
            resp = jsonify(status="unavailable")
            resp.status_code = 503
            return _no_store(resp)
        return _no_store(jsonify(status="ready", data_version=version))
