"""The service cache across worker processes: shared through a real redis-server, per process without it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from benchmarks.servers import REDIS_BIN, RedisServer

ROOT = Path(__file__).resolve().parents[2]

needs_redis = pytest.mark.skipif(not Path(REDIS_BIN).exists(), reason="redis-server not installed")

# A "worker": its own process, its own Flask app and cache backend, one memoized service.
# It prints whether the service body ran (miss) or not (hit) and a digest of the frame it got.
WORKER = r"""
import json, sys
import pandas as pd
from flask import Flask
from dashboard import cache as c, db
from dashboard.scope import Scope
from dashboard.settings import Settings

db_path, redis_url, calls = sys.argv[1], sys.argv[2] or None, json.loads(sys.argv[3])
settings = Settings.from_env({"REDIS_URL": redis_url} if redis_url else {"DASHBOARD_SECRET_KEY": "k" * 40})
db.configure(db_path, threads=1, memory_limit="256MB")
server = Flask("worker")
c.init_cache(server, settings)
ran = []

@c.service_cache
def headcount(scope: Scope, wave: str) -> pd.DataFrame:
    ran.append(wave)
    return pd.DataFrame({"agency": ["A01", "A02"], "n": [len(wave) * 7, 11]})

out = []
for role, agencies, wave in calls:
    scope = Scope(role=role, user="u", agencies=tuple(agencies) if agencies else None)
    before = len(ran)
    df = headcount(scope, wave)
    out.append({"hit": len(ran) == before, "n": df["n"].tolist(), "backend": settings.cache_type})
print(json.dumps(out))
"""


def _make_warehouse(path: Path, version: str) -> None:
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE OR REPLACE TABLE data_version (version_id VARCHAR, built_at TIMESTAMP, inputs VARCHAR, etl_version VARCHAR)"
    )
    con.execute(
        "INSERT INTO data_version VALUES ($v, TIMESTAMP '2026-11-21 00:00:00', '{}', 'test')", {"v": version}
    )
    con.close()


def _worker(
    db_path: Path, redis_url: str | None, calls: list[tuple[str, list[str] | None, str]]
) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, str(db_path), redis_url or "", json.dumps(calls)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with RedisServer() as server:
        yield server.url


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "wh.duckdb"
    _make_warehouse(path, "v1")
    return path


@needs_redis
@pytest.mark.redis
def test_hit_in_another_worker_via_redis(redis_url: str, warehouse: Path, tmp_path: Path) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushall()
    first = _worker(warehouse, redis_url, [("planner", None, "2025"), ("planner", None, "2025")])
    assert [r["hit"] for r in first] == [False, True]
    assert first[0]["backend"] == "redis"
    # A second process: the entry computed by the first is a hit here, with the same numbers.
    second = _worker(
        warehouse,
        redis_url,
        [("planner", None, "2025"), ("agency_hr", ["A01"], "2025"), ("planner", None, "2026")],
    )
    assert second[0] == {"hit": True, "n": [28, 11], "backend": "redis"}
    # Another scope or other arguments never share the entry.
    assert second[1]["hit"] is False
    assert second[2]["hit"] is False
    # A new data version (the warehouse was swapped) misses even for identical arguments.
    swapped = tmp_path / "wh2.duckdb"
    _make_warehouse(swapped, "v2")
    third = _worker(swapped, redis_url, [("planner", None, "2025")])
    assert third[0]["hit"] is False
    keys = redis.Redis.from_url(redis_url).keys("*")
    assert len(keys) == 4


def test_without_redis_each_process_has_its_own_cache(warehouse: Path) -> None:
    first = _worker(warehouse, None, [("planner", None, "2025"), ("planner", None, "2025")])
    assert first[0]["backend"] == "simple"
    assert [r["hit"] for r in first] == [False, True]
    second = _worker(warehouse, None, [("planner", None, "2025")])
    assert second[0]["hit"] is False
