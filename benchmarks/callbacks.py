"""Callback benchmarks in process: every data callback's server time uncached and cached, and response sizes."""

from __future__ import annotations

import json
import logging
import random
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.dashclient import CallbackRecord, DashSession, FlaskTransport, Transport, fire_body, login

BENCH_SECRET = "benchmark-secret-key-not-for-production-0123456789"


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of a non-empty list; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))  # ceil(q/100 * n), at least 1
    return round(ordered[min(rank, len(ordered)) - 1], 2)


def bench_env(warehouse: Path, workdir: Path, redis_url: str | None = None) -> dict[str, str]:
    """The dashboard environment of a benchmark or test server: demo accounts, throw-away files."""
    env = {
        "DASHBOARD_ENV": "development",
        "DASHBOARD_WAREHOUSE": str(warehouse),
        "DASHBOARD_SECRET_KEY": BENCH_SECRET,
        "DASHBOARD_USERS_FILE": str(workdir / "users.json"),
        "DASHBOARD_AUDIT_LOG": str(workdir / "audit.jsonl"),
        "DASHBOARD_DEMO_ACCOUNTS": "1",
        "DASHBOARD_LOG_JSON": "1",
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    write_demo_users(workdir / "users.json")
    return env


def write_demo_users(path: Path) -> None:
    """A users file holding the demo accounts with their password hashes.

    Without it every worker process hashes the demo password with its own salt, and the
    session fingerprint (which covers the hash) then differs between workers: a session
    signed in on one worker is refused by the others (reported to the access engineer)."""
    from dashboard.auth.users import UserStore

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        UserStore(path, demo_accounts=True).add_demo()


def make_app(warehouse: Path, workdir: Path) -> Any:
    """create_app over `warehouse` with a per-process cache and demo accounts."""
    from dashboard.app import create_app
    from dashboard.settings import Settings

    app = create_app(Settings.from_env(bench_env(warehouse, workdir)))
    # One JSON line per request would swamp the benchmark's own output.
    logging.getLogger("dashboard.request").setLevel(logging.WARNING)
    return app


def main_pages(role: str = "planner") -> list[str]:
    """The pages the role may open, in navigation order (from the access contract)."""
    from dashboard.auth import allowed_paths

    return [p for p in allowed_paths(role) if p not in ("/login", "/logout")]


def explore(
    transport: Transport, pages: list[str], changes_per_control: int = 2, seed: int = 7
) -> list[CallbackRecord]:
    """Open each page and change each filter control as a user would; every callback request."""
    rng = random.Random(seed)
    records: list[CallbackRecord] = []
    for path in pages:
        sess = DashSession(transport)
        records += sess.load(path)
        for cid, prop, choices in sess.filter_controls():
            current = sess.index.get(cid, {}).get(prop)
            others = [c for c in choices if c != current and [c] != current]
            for value in rng.sample(others, min(changes_per_control, len(others))):
                if cid in sess.index:
                    records += sess.set_value(cid, prop, value)
    return records


def _unique_bodies(records: list[CallbackRecord]) -> dict[str, list[dict[str, Any]]]:
    by_cb: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in records:
        if r.status == 200:
            by_cb[r.output][json.dumps(r.body, sort_keys=True)] = r.body
    return {k: list(v.values()) for k, v in by_cb.items()}


def time_callbacks(app: Any, records: list[CallbackRecord], rounds: int = 5) -> dict[str, dict[str, Any]]:
    """Replay each recorded request `rounds` times: cache cleared (uncached), then again (cached)."""
    from dashboard import cache

    transport = FlaskTransport(app.server)
    login(transport, "planner")
    out: dict[str, dict[str, Any]] = {}
    for output, bodies in sorted(_unique_bodies(records).items()):
        unc: list[float] = []
        hit: list[float] = []
        wire: list[int] = []
        raw: list[int] = []
        statuses: set[int] = set()
        for _ in range(rounds):
            for body in bodies:
                cache.clear_cache()
                r1 = fire_body(transport, body)
                r2 = fire_body(transport, body)
                statuses |= {r1.status, r2.status}
                unc.append(r1.server_ms if r1.server_ms is not None else r1.elapsed_ms)
                hit.append(r2.server_ms if r2.server_ms is not None else r2.elapsed_ms)
                wire.append(r1.wire_bytes)
                raw.append(len(r1.body))
        out[output] = {
            "requests": len(unc),
            "distinct_inputs": len(bodies),
            "statuses": sorted(statuses),
            "uncached_ms": {
                "p50": percentile(unc, 50),
                "p95": percentile(unc, 95),
                "max": round(max(unc), 2),
            },
            "cached_ms": {"p50": percentile(hit, 50), "p95": percentile(hit, 95), "max": round(max(hit), 2)},
            "response_bytes_max": max(raw),
            "response_wire_bytes_max": max(wire),
        }
    return out


def first_load_http(transport: Transport, user: str = "planner") -> dict[str, Any]:
    """Bytes of a first page load over HTTP: HTML, scripts and styles it names, layout, deps, initial callbacks.

    Lazily loaded chunks (plotly.js is fetched by dcc.Graph on demand) are only seen by a
    browser: benchmarks.browser measures those."""
    import re

    login(transport, user)
    resp = transport.get("/")
    path = "/"
    for _ in range(5):  # follow redirects by hand: the Flask test client does not
        if resp.status in (301, 302, 303, 307, 308):
            path = resp.headers["location"].replace("http://localhost", "")
            resp = transport.get(path)
        else:
            break
    items = [("html " + path, resp.wire_bytes, len(resp.body))]
    html = resp.body.decode("utf-8", errors="replace")
    for url in re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(
        r'<link[^>]+href="([^"]+\.css[^"]*)"', html
    ):
        if url.startswith("/"):
            r = transport.get(url)
            items.append((url.split("?")[0], r.wire_bytes, len(r.body)))
    sess = DashSession(transport)
    records = sess.load(path)
    for name in ("/_dash-layout", "/_dash-dependencies"):
        r = transport.get(name)
        items.append((name, r.wire_bytes, len(r.body)))
    for rec in records:
        items.append(("callback " + rec.output[:80], rec.wire_bytes, rec.body_bytes))
    return {
        "page": path,
        "requests": len(items),
        "wire_bytes": sum(w for _, w, _ in items),
        "uncompressed_bytes": sum(b for _, _, b in items),
        "largest": [
            {"url": u, "wire_bytes": w, "bytes": b} for u, w, b in sorted(items, key=lambda it: -it[1])[:8]
        ],
    }


def run_callbacks(
    warehouse: Path, rounds: int, pages: list[str] | None = None, changes: int = 2
) -> dict[str, Any]:
    """The callback part of `python -m benchmarks run`: explore, time, weigh."""
    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        t0 = time.perf_counter()
        app = make_app(warehouse, Path(tmp))
        transport = FlaskTransport(app.server)
        login(transport, "planner")
        pages = pages or main_pages()
        records = explore(transport, pages, changes_per_control=changes)
        errors = [f"{r.output}: HTTP {r.status}" for r in records if r.status not in (200, 204)]
        timings = time_callbacks(app, records, rounds=rounds)
        weight = first_load_http(FlaskTransport(app.server))
        unc95 = [v["uncached_ms"]["p95"] for v in timings.values() if v["uncached_ms"]["p95"] is not None]
        hit95 = [v["cached_ms"]["p95"] for v in timings.values() if v["cached_ms"]["p95"] is not None]
        return {
            "pages": pages,
            "explored_requests": len(records),
            "explore_errors": errors,
            "callbacks": timings,
            "summary": {
                "callbacks": len(timings),
                "worst_uncached_p95_ms": max(unc95) if unc95 else None,
                "worst_cached_p95_ms": max(hit95) if hit95 else None,
                "largest_response_bytes": max(
                    (v["response_bytes_max"] for v in timings.values()), default=None
                ),
                "largest_response_wire_bytes": max(
                    (v["response_wire_bytes_max"] for v in timings.values()), default=None
                ),
            },
            "first_load_http": weight,
            "seconds": round(time.perf_counter() - t0, 1),
        }
