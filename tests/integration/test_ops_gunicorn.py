"""Several gunicorn workers on loopback: identical answers with 1 and 4 workers, a live warehouse swap under load, a locust smoke run."""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from benchmarks.callbacks import bench_env
from benchmarks.dashclient import HttpTransport, fire_body, login
from benchmarks.servers import REDIS_BIN, GunicornServer, RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ops-gunicorn")]

REPLAY_REQUESTS = 200
GENERATED_AT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")
SWAP_VERSION = "20991231T000000Z-swapped0"


def _env(warehouse: Path, workdir: Path, redis_url: str | None = None) -> dict[str, str]:
    return {**os.environ, **bench_env(warehouse, workdir, redis_url)}


def _explore(base_url: str, user: str = "planner", per_control: int = 2) -> list[dict[str, Any]]:
    """Callback bodies a browser sends while visiting every page and changing filters."""
    from benchmarks.callbacks import explore, main_pages
    from dashboard.auth.users import DEMO_ACCOUNTS

    transport = HttpTransport(base_url)
    login(transport, user)
    records = explore(transport, main_pages(DEMO_ACCOUNTS[user][0]), changes_per_control=per_control)
    return [r.body for r in records if r.status == 200]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ops-gunicorn")


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str | None]:
    if not Path(REDIS_BIN).exists():
        yield None
        return
    with RedisServer() as server:
        yield server.url


@pytest.fixture(scope="module")
def recorded(demo_warehouse: Path, workdir: Path) -> list[tuple[str, dict[str, Any]]]:
    """(user, body) pairs: a planner's and an agency HR user's requests, each replayed as its user."""
    with GunicornServer(_env(demo_warehouse, workdir), workers=1) as server:
        pairs = [("planner", b) for b in _explore(server.base_url, "planner", per_control=1)]
        pairs += [("hr-central", b) for b in _explore(server.base_url, "hr-central", per_control=0)]
    # The audit page lists the audit log, which each server writes for itself (sign-ins):
    # different on two servers by design, so it is not part of the comparison.
    pairs = [
        (u, b)
        for u, b in pairs
        if not b["output"].lstrip(".").startswith("audit-") and '"/audit"' not in json.dumps(b["inputs"])
    ]
    assert len(pairs) >= 20, f"only {len(pairs)} callback requests recorded: are the pages registered?"
    # Cycle through the recorded requests up to the replay length.
    return [pairs[i % len(pairs)] for i in range(REPLAY_REQUESTS)]


def _replay(base_url: str, pairs: list[tuple[str, dict[str, Any]]]) -> list[tuple[int, Any]]:
    transports: dict[str, HttpTransport] = {}
    out = []
    for user, body in pairs:
        if user not in transports:
            transports[user] = HttpTransport(base_url)
            login(transports[user], user)
            # A new connection per request: the kernel hands each to any worker, so requests
            # of one session spread over all workers (keep-alive would pin them to one).
            transports[user].session.headers["Connection"] = "close"
        resp = fire_body(transports[user], body)
        # The summary page stamps the minute it was generated ("2026-11-22 00:34 UTC"): the
        # only legitimate difference between two runs minutes apart.
        text = GENERATED_AT.sub("<generated-at>", resp.body.decode("utf-8")) if resp.status == 200 else None
        out.append((resp.status, json.loads(text) if text is not None else None))
    return out


def test_replay_identical_with_1_and_4_workers(
    demo_warehouse: Path, workdir: Path, recorded: list[tuple[str, dict[str, Any]]], redis_url: str | None
) -> None:
    with GunicornServer(_env(demo_warehouse, workdir / "one"), workers=1) as one:
        single = _replay(one.base_url, recorded)
    with GunicornServer(_env(demo_warehouse, workdir / "four", redis_url), workers=4) as four:
        assert len(four.worker_pids()) == 4
        multi = _replay(four.base_url, recorded)
        # Second pass: now mostly answered from the shared cache, still identical.
        multi_cached = _replay(four.base_url, recorded)
    assert len(single) == len(multi) == REPLAY_REQUESTS
    # Identical includes identical failures; a page's own bug (a 500 on both sides) is that
    # page's tests' business, but most of the replay must be real answers.
    ok = sum(st == 200 for st, _ in single)
    bad = sorted(
        {(recorded[i][0], recorded[i][1]["output"][:60], st) for i, (st, _) in enumerate(single) if st != 200}
    )
    assert ok >= 0.9 * REPLAY_REQUESTS, f"only {ok} of {REPLAY_REQUESTS} answered 200; others: {bad}"
    diffs = [i for i, (a, b) in enumerate(zip(single, multi, strict=True)) if a != b]
    assert diffs == [], (
        f"{len(diffs)} responses differ, first: {recorded[diffs[0]][1]['output']} "
        f"(statuses {single[diffs[0]][0]} with 1 worker, {multi[diffs[0]][0]} with 4)"
    )
    assert multi_cached == single


def _make_swapped_copy(src: Path, dest: Path) -> str:
    shutil.copy2(src, dest)
    con = duckdb.connect(str(dest))
    old = con.execute("SELECT version_id FROM data_version ORDER BY built_at DESC LIMIT 1").fetchone()
    con.execute("UPDATE data_version SET version_id = $v", {"v": SWAP_VERSION})
    con.execute("CHECKPOINT")
    con.close()
    assert old is not None
    return str(old[0])


def _wait_for(predicate: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.2)


def test_live_swap_under_load(
    demo_warehouse: Path, workdir: Path, recorded: list[tuple[str, dict[str, Any]]]
) -> None:
    live = workdir / "live.duckdb"
    shutil.copy2(demo_warehouse, live)
    staged = workdir / "staged.duckdb"
    old_version = _make_swapped_copy(demo_warehouse, staged)
    versions = {old_version, SWAP_VERSION}
    # A handful of distinct requests keeps the run short on a busy machine; the layout
    # carries the data version in the footer, the callbacks in their figures' notes.
    bodies = list({json.dumps(b, sort_keys=True): b for u, b in recorded if u == "planner"}.values())[:12]
    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def user(transport: HttpTransport, seed: int) -> None:
        i = seed
        while not stop.is_set():
            if i % 4 == 0:
                resp = transport.get("/_dash-layout")
                what = "layout"
            else:
                body = bodies[i % len(bodies)]
                resp = fire_body(transport, body)
                what = body["output"]
            text = resp.body.decode("utf-8", errors="replace")
            with lock:
                results.append(
                    {
                        "t": time.monotonic(),
                        "what": what,
                        "status": resp.status,
                        "version": resp.headers.get("x-data-version"),
                        "mentions": sorted(v for v in versions if v in text),
                    }
                )
            i += 1

    with GunicornServer(_env(live, workdir / "swap"), workers=2) as server:
        # Sign in first (scrypt is slow on a loaded machine), then warm the cache.
        transports = []
        for _ in range(4):
            transport = HttpTransport(server.base_url)
            login(transport, "planner")
            transports.append(transport)
        for body in bodies:
            fire_body(transports[0], body)
        threads = [threading.Thread(target=user, args=(t, k)) for k, t in enumerate(transports)]
        for th in threads:
            th.start()
        _wait_for(lambda: len(results) >= 30, 120)
        swapped_at = time.monotonic()
        os.replace(staged, live)  # what the ETL's publish step does
        _wait_for(lambda: sum(r["t"] > swapped_at + 2 for r in results) >= 30, 180)
        stop.set()
        for th in threads:
            th.join(60)

    errors = [r for r in results if r["status"] not in (200, 204)]
    assert errors == [], f"{len(errors)} errors during the swap, first: {errors[0]}"
    # Every response names exactly one data version, and nothing in it belongs to the other.
    assert all(r["version"] in versions for r in results), {r["version"] for r in results}
    mixed = [r for r in results if any(v != r["version"] for v in r["mentions"])]
    assert mixed == [], f"responses mixing data versions: {mixed[:3]}"
    before = [r for r in results if r["t"] < swapped_at]
    after = [r for r in results if r["t"] > swapped_at + 2]
    assert len(before) >= 30 and all(r["version"] == old_version for r in before)
    # Workers noticed the new file and reconnected.
    assert len(after) >= 30 and all(r["version"] == SWAP_VERSION for r in after)
    # The footer of the layout shows the version the header names.
    layouts = [r for r in results if r["what"] == "layout"]
    assert layouts and all(r["mentions"] == [r["version"]] for r in layouts)


def test_locust_smoke(demo_warehouse: Path) -> None:
    from benchmarks.load import run_load

    result = run_load(demo_warehouse, users=5, duration_s=10, workers=2, spawn_rate=5)
    total = result["stats"]["total"]
    assert total is not None and total["requests"] > 20, result["locust_stderr_tail"]
    assert total["failures"] == 0, result["failures_csv"]
    assert result["locust_exit_code"] == 0
    assert any(name.startswith("cb ") for name in result["stats"]["by_name"])
    assert all(0 < mib < 1536 for mib in result["worker_peak_rss_mib"].values())
