"""The partial plotly.js bundle (frontend/, dashboard/plotly_bundle.py): built with every trace type
the figures draw, served at the URL dcc.Graph loads plotly.js from, preloaded on chart pages only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest
from plotly.basedatatypes import BaseTraceType

from benchmarks.dashclient import FlaskTransport, login
from dashboard import plotly_bundle
from tests.fixtures.test_shell_warehouse import small_app

ROOT = Path(__file__).resolve().parents[2]
FIGURE_CODE = [*(ROOT / "dashboard" / "figures").glob("*.py"), *(ROOT / "dashboard" / "pages").glob("*.py")]
# Every trace type plotly knows (scatter, bar, ..., funnel): the names of go's trace classes.
TRACE_TYPES = {
    name.lower()
    for name in dir(go)
    if isinstance(getattr(go, name), type) and issubclass(getattr(go, name), BaseTraceType)
}


def _bundle() -> Path:
    path = plotly_bundle.bundle_path()
    assert path is not None, f"{plotly_bundle.BUNDLE} is not built: run `make plotly` (needs Node.js and npm)"
    return path


def _entry_traces() -> set[str]:
    entry = (ROOT / "frontend" / "plotly-entry.js").read_text(encoding="utf-8")
    return ({"scatter"} | set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", entry))) - {"core"}


def _figure_traces() -> set[str]:
    used: set[str] = set()
    for path in FIGURE_CODE:
        code = path.read_text(encoding="utf-8")
        used |= {m.lower() for m in re.findall(r"\bgo\.([A-Z]\w+)\(", code)} & TRACE_TYPES
        used |= set(re.findall(r"\"type\": \"(\w+)\"", code)) & TRACE_TYPES
    return used


def test_bundle_holds_every_trace_type_the_figures_draw() -> None:
    used = _figure_traces()
    assert {"bar", "heatmap", "scatter", "funnel"} <= used  # the scan finds what we know is drawn
    assert used <= _entry_traces(), f"figures draw {sorted(used - _entry_traces())}, not in the bundle"
    head = _bundle().read_bytes()[:200].decode("ascii", "replace")
    assert "partial bundle" in head and all(t in head for t in _entry_traces())
    # A partial bundle: well under plotly.py's full one.
    full = Path(go.__file__).resolve().parents[1] / "package_data" / "plotly.min.js"
    assert _bundle().stat().st_size < full.stat().st_size / 3


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with small_app(
        tmp_path_factory.mktemp("plotly_bundle"), n_per_wave=120, secret_key="p" * 40
    ) as application:
        yield application


def test_dash_plotly_url_answers_with_the_partial_bundle(app: Any) -> None:
    body = _bundle().read_bytes()
    anon = app.server.test_client()  # a static file: no sign-in, like Dash's own bundles
    r = anon.get("/" + plotly_bundle.DASH_PATH)
    assert r.status_code == 200 and r.get_data() == body
    assert r.mimetype == "application/javascript"
    assert r.headers["ETag"] and "max-age=86400" in r.headers["Cache-Control"]
    again = anon.get("/" + plotly_bundle.DASH_PATH, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    # Compressed like the other static bundles.
    gz = FlaskTransport(app.server).get("/" + plotly_bundle.DASH_PATH)
    assert gz.headers.get("content-encoding") == "gzip" and gz.body == body and gz.wire_bytes < len(body) / 2


def _preloads(html: str) -> list[str]:
    return re.findall(r'<link rel="preload" href="([^"]+)" as="script">', html)


def test_preloads_only_on_pages_with_charts(app: Any) -> None:
    client = FlaskTransport(app.server)
    assert _preloads(client.get("/login").body.decode()) == []
    login(client, "planner")
    for path in ("/priority", "/ai-gap", "/badges", "/summary"):
        urls = _preloads(client.get(path + "?tier=basic").body.decode())
        assert urls == [
            "/" + plotly_bundle.DASH_PATH,
            "/_dash-component-suites/dash/dcc/async-graph.js",
            "/_dash-component-suites/dash/dcc/async-markdown.js",
        ], path
        for url in urls:  # each is served (the chunk names exist in this Dash)
            assert client.get(url).status == 200, url
    for path in ("/report-tables", "/data-status"):
        assert _preloads(client.get(path).body.decode()) == [], path


def test_csp_forbids_eval_with_the_partial_bundle(app: Any) -> None:
    """With the partial bundle no script may be built from text; 'unsafe-eval' comes back only
    for plotly.py's full bundle (served when the partial one is not built)."""
    import flask

    from dashboard.security import build_csp

    csp = app.server.test_client().get("/login").headers["Content-Security-Policy"]
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src "))
    assert script_src.startswith("script-src 'self'") and "'unsafe-eval'" not in script_src
    assert b"new Function" not in _bundle().read_bytes() and b"eval(" not in _bundle().read_bytes()

    class FullBundleApp:  # what build_csp sees of an app serving the full plotly.js
        server = flask.Flask("full")
        config: dict[str, Any] = {}

        def csp_hashes(self) -> list[str]:
            return []

    assert "script-src 'self' 'unsafe-eval'" in build_csp(FullBundleApp())
