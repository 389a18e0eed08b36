"""python -m benchmarks run|load|report: measure the ETL, callbacks, query twins, page weight and load; write JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks.servers import ROOT

OUT_DIR = ROOT / "benchmarks" / "out"
# Rounds of the uncached/cached replay per recorded callback request.
ROUNDS = {"demo": 5, "national": 5}


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kib = 0
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "versions": {
            p: version(p) for p in ("duckdb", "pandas", "dash", "plotly", "flask-caching", "gunicorn")
        },
        "git_commit": commit,
        "utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "load_avg_at_start": os.getloadavg(),
    }


TARGETS = {
    "callback_p95_uncached_ms": 150,
    "callback_p95_cached_ms": 10,
    "query_speedup_vs_pandas": 5,
    "callback_response_bytes": 500 * 1024,
    "first_load_compressed_bytes": int(2.5 * 2**20),
    "worker_rss_bytes": int(1.5 * 2**30),
    "load_p95_ms": 250,
}


def _write(out: Path, result: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {out}", flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    from benchmarks import callbacks, etl_bench, twins

    result: dict[str, Any] = {
        "command": "python -m benchmarks " + " ".join(sys.argv[1:]),
        "profile": args.profile,
        "machine": machine(),
        "targets": TARGETS,
    }
    workdir = OUT_DIR
    if args.warehouse:
        warehouse = Path(args.warehouse)
    else:
        print(f"[etl] generating and building the {args.profile} profile", flush=True)
        # Per-feed processes run last: they are the least important part if time runs out.
        result["etl"] = etl_bench.run_etl(
            args.profile, workdir, seed=args.seed, reuse_raw=args.reuse_raw, feeds=False
        )
        warehouse = Path(result["etl"]["warehouse"])
        _write(args.out, result)  # keep what we have if a later part fails
    parts: list[tuple[str, Any]] = [
        ("queries", lambda: twins.run_twins(warehouse, repeats=args.query_repeats, names=args.queries)),
        (
            "callbacks",
            lambda: callbacks.run_callbacks(
                warehouse, rounds=args.rounds or ROUNDS[args.profile], changes=args.changes
            ),
        ),
    ]
    if not args.no_browser:
        from benchmarks import browser

        parts.append(("browser", lambda: browser.run_first_load(warehouse)))
        # issue 5's first render: the priority explorer opened cold
        parts.append(("browser_priority", lambda: browser.run_first_load(warehouse, path="/priority")))
    if not args.warehouse and not args.no_per_feed:
        raw = workdir / f"raw-{args.profile}"

        def per_feed() -> dict[str, Any]:
            result["etl"]["per_feed"] = etl_bench.per_feed(raw, workdir)
            return {"done": True}

        parts.append(("per_feed", per_feed))
    parts = [(n, f) for n, f in parts if n not in args.skip]
    failed = 0
    for name, part in parts:
        print(f"[{name}] measuring on {warehouse}", flush=True)
        try:
            value = part()
            if name != "per_feed":
                result[name] = value
        except Exception as exc:  # one broken part must not lose the others' numbers
            failed += 1
            result[name] = {"error": f"{type(exc).__name__}: {str(exc)[:500]}"}
            print(f"[{name}] failed: {exc}", file=sys.stderr, flush=True)
        _write(args.out, result)
    return 1 if failed else 0


def cmd_load(args: argparse.Namespace) -> int:
    from benchmarks import load

    warehouse = Path(args.warehouse) if args.warehouse else OUT_DIR / f"{args.profile}.duckdb"
    if not warehouse.exists():
        print(
            f"{warehouse} missing: run `python -m benchmarks run --profile {args.profile}` first",
            file=sys.stderr,
        )
        return 2
    result: dict[str, Any] = {
        "command": "python -m benchmarks " + " ".join(sys.argv[1:]),
        "profile": args.profile,
        "machine": machine(),
        "targets": {"errors": 0, "p95_ms": TARGETS["load_p95_ms"]},
    }
    result["load"] = load.run_load(
        warehouse,
        users=args.users,
        duration_s=args.duration,
        workers=args.workers,
        use_redis=not args.no_redis,
    )
    total = result["load"]["stats"]["total"] or {}
    result["passed"] = bool(
        total.get("failures") == 0
        and total.get("p95_ms") is not None
        and total["p95_ms"] <= TARGETS["load_p95_ms"]
    )
    out = args.out or OUT_DIR / f"load-{args.profile}.json"
    _write(out, result)
    print(
        json.dumps({"total": total, "worker_peak_rss_mib": result["load"]["worker_peak_rss_mib"]}, indent=1)
    )
    return 0 if result["passed"] else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="ETL, query twins, callbacks and page weight; writes JSON")
    p.add_argument("--profile", choices=["demo", "national"], default="demo")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--warehouse", help="skip the ETL and measure this existing warehouse")
    p.add_argument(
        "--reuse-raw", action="store_true", help="keep already generated raw files (no generation timing)"
    )
    p.add_argument("--no-per-feed", action="store_true", help="skip the per-feed child processes")
    p.add_argument("--no-browser", action="store_true", help="skip the headless-Chromium first load")
    p.add_argument("--rounds", type=int, default=0, help="replay rounds per callback request")
    p.add_argument("--query-repeats", type=int, default=7)
    p.add_argument(
        "--queries", nargs="*", default=None, help="time only these dashboard queries (default: every one)"
    )
    p.add_argument("--changes", type=int, default=2, help="values tried per filter control")
    p.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["queries", "callbacks", "browser", "browser_priority"],
        help="parts to skip",
    )

    p = sub.add_parser("load", help="locust: N users for T seconds against gunicorn on loopback")
    p.add_argument("--profile", choices=["demo", "national"], default="national")
    p.add_argument("--warehouse", help="default: benchmarks/out/<profile>.duckdb")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--duration", type=int, default=60)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--no-redis", action="store_true")
    p.add_argument("--out", type=Path)

    p = sub.add_parser("report", help="print the Markdown tables of docs/performance.md from result files")
    p.add_argument("--run", type=Path, help="a `run` result JSON")
    p.add_argument("--load", type=Path, help="a `load` result JSON")

    args = parser.parse_args(argv)
    if args.command == "run":
        return cmd_run(args)
    if args.command == "report":
        from benchmarks.report import render

        run = json.loads(args.run.read_text(encoding="utf-8")) if args.run else None
        loaded = json.loads(args.load.read_text(encoding="utf-8")) if args.load else None
        print(render(run, loaded), end="")
        return 0
    return cmd_load(args)


if __name__ == "__main__":
    sys.exit(main())
