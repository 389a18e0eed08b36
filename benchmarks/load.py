"""Load test: locust (headless) against gunicorn workers and Redis on loopback; worker memory."""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.callbacks import bench_env
from benchmarks.servers import REDIS_BIN, ROOT, GunicornServer, RedisServer, cpu_seconds, peak_rss_bytes

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def _num(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_stats(csv_path: Path) -> dict[str, Any]:
    """Locust's <prefix>_stats.csv -> per-name and aggregated counts and percentiles (ms)."""
    rows: dict[str, Any] = {}
    with open(csv_path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": _num(row["50%"]),
                "p95_ms": _num(row["95%"]),
                "p99_ms": _num(row["99%"]),
                "max_ms": _num(row["Max Response Time"]),
                "rps": _num(row["Requests/s"]),
            }
    total = rows.pop("Aggregated", None)
    return {"total": total, "by_name": rows}


def run_load(
    warehouse: Path,
    users: int = 50,
    duration_s: int = 60,
    workers: int = 2,
    spawn_rate: float = 10.0,
    use_redis: bool = True,
    log_path: Path | None = None,
) -> dict[str, Any]:
    """Serve `warehouse` with gunicorn (+ Redis), run the locust scenario, report stats and memory."""
    redis = RedisServer() if use_redis and Path(REDIS_BIN).exists() else None
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        workdir = Path(tmp)
        try:
            if redis is not None:
                redis.start()
            env = {**_base_env(), **bench_env(warehouse, workdir, redis.url if redis else None)}
            # The request log of a load test would be tens of thousands of lines.
            env["DASHBOARD_LOG_JSON"] = "1"
            with GunicornServer(env, workers=workers, log_path=log_path) as server:
                pids = server.worker_pids()
                prefix = workdir / "locust"
                args = [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(LOCUSTFILE),
                    "--headless",
                    "--only-summary",
                    "-u",
                    str(users),
                    "-r",
                    str(spawn_rate),
                    "-t",
                    f"{duration_s}s",
                    "--stop-timeout",
                    "10",
                    "--host",
                    server.base_url,
                    "--csv",
                    str(prefix),
                    "--loglevel",
                    "WARNING",
                ]
                t0 = time.perf_counter()
                cpu0 = {pid: cpu_seconds(pid) for pid in pids}
                child0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
                wall = time.perf_counter() - t0
                child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                worker_cpu = sum(cpu_seconds(pid) - cpu0[pid] for pid in pids)
                # locust ran as this process's child: its CPU is the children's rusage delta.
                locust_cpu = (child1.ru_utime + child1.ru_stime) - (child0.ru_utime + child0.ru_stime)
                mem = {str(pid): round(peak_rss_bytes(pid) / 2**20, 1) for pid in pids}
                stats = parse_stats(Path(f"{prefix}_stats.csv"))
                failures_csv = Path(f"{prefix}_failures.csv")
                failures = failures_csv.read_text(encoding="utf-8")[:4000] if failures_csv.exists() else ""
        finally:
            if redis is not None:
                redis.stop()
    return {
        "users": users,
        "duration_s": duration_s,
        "workers": workers,
        "threads_per_worker": int(env.get("GUNICORN_THREADS", "4")),
        "cache": "redis" if redis is not None else "simple",
        "wall_s": round(wall, 1),
        "locust_exit_code": proc.returncode,
        "stats": stats,
        "worker_peak_rss_mib": mem,
        # Who used the two cores: when the load generator itself needs a large share, response
        # times include its own scheduling delay (locust warns above 90 % of a core).
        "cpu_s": {
            "workers": round(worker_cpu, 1),
            "locust": round(locust_cpu, 1),
            "machine_share": round((worker_cpu + locust_cpu) / (wall * (os.cpu_count() or 1)), 2),
        },
        "failures_csv": failures,
        "locust_stderr_tail": proc.stderr[-2000:],
    }


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("GUNICORN_THREADS", "4")
    return env
