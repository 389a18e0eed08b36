"""Unit tests for ops modules: /healthz and /readyz, JSON request logs, Server-Timing, gzip."""

from __future__ import annotations

import gzip
import io
import json
import logging
import sys
import types
from collections.abc import Iterator

import pytest
from flask import Flask, jsonify, request

from dashboard import compression, health, logging_setup


class _FakeWarehouse:
    def __init__(self, version: str | None) -> None:
        self.version = version
        self.calls = 0
        self.unbound: dict[str, str] = {}

    def data_version(self) -> str:
        self.calls += 1
        if self.version is None:
            raise RuntimeError("warehouse file missing at /secret/path.duckdb")
        return self.version

    def unbound_queries(self) -> dict[str, str]:
        return dict(self.unbound)


@pytest.fixture()
def fake_db(monkeypatch: pytest.MonkeyPatch) -> _FakeWarehouse:
    wh = _FakeWarehouse("20261121T230000Z-abcd1234")
    mod = types.ModuleType("dashboard.db")
    mod.get_warehouse = lambda: wh  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "dashboard.db", mod)
    return wh


@pytest.fixture()
def fake_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = types.ModuleType("dashboard.auth")

    def current_scope() -> object:
        if request.headers.get("X-Test-Role"):
            return types.SimpleNamespace(role=request.headers["X-Test-Role"], user="alice.wang")
        raise PermissionError("not signed in")

    mod.current_scope = current_scope  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "dashboard.auth", mod)


@pytest.fixture()
def log_lines() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(logging_setup.JsonFormatter())
    logger = logging.getLogger("dashboard.request")
    logger.addHandler(handler)
    yield buf
    logger.removeHandler(handler)


def _app() -> Flask:
    server = Flask(__name__)

    @server.post("/_dash-update-component")
    def cb() -> object:
        return jsonify(response={"x": {"children": "y" * 5000}}, multi=True)

    @server.get("/small")
    def small() -> object:
        return jsonify(ok=True)

    health.init_health(server)
    logging_setup.init_logging(server, types.SimpleNamespace(log_json=True))
    return server


def test_healthz_needs_no_warehouse(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = types.ModuleType("dashboard.db")  # no get_warehouse at all: import fails inside readiness
    monkeypatch.setitem(sys.modules, "dashboard.db", mod)
    client = _app().test_client()
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}
    assert resp.headers["Cache-Control"] == "no-store"
    assert "X-Data-Version" not in resp.headers


def test_readyz_reports_data_version_only(fake_db: _FakeWarehouse) -> None:
    resp = _app().test_client().get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ready", "data_version": "20261121T230000Z-abcd1234"}


def test_readyz_503_reveals_nothing(fake_db: _FakeWarehouse) -> None:
    fake_db.version = None
    resp = _app().test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "unavailable"}
    assert b"secret" not in resp.data and b"RuntimeError" not in resp.data


def test_readyz_503_when_queries_do_not_bind(fake_db: _FakeWarehouse) -> None:
    # a warehouse whose marts older ETL code built: pages would fail, so it is not ready
    fake_db.unbound = {"priority_estimates_cube": "Catalog Error: Table mart_priority_cube does not exist"}
    resp = _app().test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "unavailable"}
    assert b"mart_priority_cube" not in resp.data


def test_callback_log_has_timing_role_version_and_no_user(
    fake_db: _FakeWarehouse, fake_auth: None, log_lines: io.StringIO
) -> None:
    client = _app().test_client()
    body = {"output": "priority-chart.figure", "inputs": [{"id": "f", "property": "value", "value": "A01"}]}
    resp = client.post("/_dash-update-component", json=body, headers={"X-Test-Role": "agency_hr"})
    assert resp.status_code == 200
    timing = resp.headers["Server-Timing"]
    assert timing.startswith("app;dur=")
    assert float(timing.split("=")[1]) >= 0.0
    assert resp.headers["X-Data-Version"] == "20261121T230000Z-abcd1234"
    lines = [json.loads(x) for x in log_lines.getvalue().splitlines()]
    assert len(lines) == 1
    rec = lines[0]
    assert rec["event"] == "callback"
    assert rec["callback"] == "priority-chart.figure"
    assert rec["role"] == "agency_hr"
    assert rec["status"] == 200
    assert rec["data_version"] == "20261121T230000Z-abcd1234"
    assert rec["duration_ms"] >= 0
    # Personal data and filter values never reach the log.
    raw = log_lines.getvalue()
    assert "alice" not in raw and "A01" not in raw and "127.0.0.1" not in raw


def test_anonymous_role_and_quiet_paths(
    fake_db: _FakeWarehouse, fake_auth: None, log_lines: io.StringIO
) -> None:
    client = _app().test_client()
    client.get("/small?agency=A01")
    client.get("/healthz")
    lines = [json.loads(x) for x in log_lines.getvalue().splitlines()]
    assert [r["path"] for r in lines] == ["/small"]  # health probes are not logged
    assert lines[0]["role"] == "anonymous"
    assert "A01" not in log_lines.getvalue()
    # /healthz never opened the warehouse; /small did once.
    assert fake_db.calls == 1


def test_gzip_roundtrip_and_small_bodies_untouched(fake_db: _FakeWarehouse) -> None:
    client = _app().test_client()
    big = client.post(
        "/_dash-update-component", json={"output": "a.children"}, headers={"Accept-Encoding": "gzip, br"}
    )
    assert big.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in big.headers["Vary"]
    assert int(big.headers["Content-Length"]) == len(big.data) < 500
    assert json.loads(gzip.decompress(big.data))["response"]["x"]["children"] == "y" * 5000
    plain = client.post("/_dash-update-component", json={"output": "a.children"})
    assert "Content-Encoding" not in plain.headers
    assert len(plain.data) > 5000
    small = client.get("/small", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers


def test_gzip_static_cache_and_no_double_encoding() -> None:
    server = Flask(__name__)
    payload = b"var plotly = 1;\n" * 2000

    @server.get("/_dash-component-suites/x.js")
    def js() -> object:
        return server.response_class(payload, mimetype="application/javascript", headers={"ETag": '"v1"'})

    @server.get("/pre")
    def pre() -> object:
        return server.response_class(
            gzip.compress(b"{}" * 600), mimetype="application/json", headers={"Content-Encoding": "gzip"}
        )

    compression.init_compression(server)
    compression.init_compression(server)  # idempotent: still one layer
    mw = server.wsgi_app
    assert isinstance(mw, compression.GzipMiddleware)
    assert not isinstance(mw.app, compression.GzipMiddleware)
    client = server.test_client()
    first = client.get("/_dash-component-suites/x.js", headers={"Accept-Encoding": "gzip"})
    second = client.get("/_dash-component-suites/x.js", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(first.data) == payload
    assert first.data == second.data
    assert len(mw.static_cache._data) == 1
    pre_resp = client.get("/pre", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(pre_resp.data) == b"{}" * 600  # decoded exactly once


def test_text_formatter_lists_extras() -> None:
    rec = logging.LogRecord("dashboard.request", logging.INFO, __file__, 1, "callback", None, None)
    rec.role = "planner"
    line = logging_setup.TextFormatter().format(rec)
    assert line.endswith("callback role=planner")
