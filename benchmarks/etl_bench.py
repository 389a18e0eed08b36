"""ETL benchmarks: generation and build wall time and peak memory, per feed, each in its own child process."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.servers import ROOT, run_measured

BENCH_ETL_SECRET = "benchmark-pseudonym-secret-not-for-production"
FEED_ORDER = ("roster", "survey", "selfassessment", "badges")


def etl_env() -> dict[str, str]:
    """The ETL environment: the caller's secret if set, else a fixed benchmark secret."""
    env = dict(os.environ)
    env.setdefault("ETL_PSEUDONYM_SECRET", BENCH_ETL_SECRET)
    return env


def _etl(*args: str) -> list[str]:
    return [sys.executable, "-m", "etl", *args]


def _measure(args: list[str], what: str) -> dict[str, Any]:
    res = run_measured(args, env=etl_env())
    if res["returncode"] != 0:
        raise RuntimeError(f"{what} failed ({res['returncode']}):\n{res['output_tail']}")
    res.pop("output_tail")
    return res


def generate(profile: str, raw: Path, seed: int = 2025) -> dict[str, Any]:
    """python -m etl synth in a child process: wall time, peak RSS, files and rows per feed."""
    if raw.exists():
        shutil.rmtree(raw)
    res = _measure(_etl("synth", "--profile", profile, "--seed", str(seed), "--out", str(raw)), "synth")
    manifest = json.loads((raw / "manifest.json").read_text(encoding="utf-8"))
    rows: dict[str, int] = defaultdict(int)
    files: dict[str, int] = defaultdict(int)
    for entry in manifest["files"]:
        rows[entry["feed"]] += int(entry["rows"])
        files[entry["feed"]] += 1
    size = sum(p.stat().st_size for p in raw.rglob("*") if p.is_file())
    return {**res, "rows_per_feed": dict(rows), "files_per_feed": dict(files), "raw_bytes": size}


def _load_report(db: Path) -> dict[str, Any]:
    path = db.with_name(db.name + ".load-report.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _report_details(db: Path) -> dict[str, Any]:
    """Per-step seconds (mart:<file> per mart), the marts a load re-ran, and the peak RSS after each step."""
    report = _load_report(db)
    return {
        "feed_seconds": {k: round(v, 3) for k, v in report.get("feed_seconds", {}).items()},
        "step_seconds": {k: round(v, 3) for k, v in report.get("step_seconds", {}).items()},
        "marts_run": report.get("marts_run", []),
        "step_peak_rss_mib": report.get("step_peak_rss_mib", {}),
    }


def _remove_db(db: Path) -> None:
    for p in db.parent.glob(db.name + "*"):
        if p.is_file():
            p.unlink()


def build(raw: Path, db: Path) -> dict[str, Any]:
    """python -m etl build in a child process, plus the per-feed timings of its load report."""
    _remove_db(db)
    res = _measure(_etl("build", "--raw", str(raw), "--db", str(db)), "build")
    report = _load_report(db)
    loaded: dict[str, int] = defaultdict(int)
    for f in report.get("files", []):
        loaded[f["feed"]] += int(f.get("rows_loaded", 0))
    return {
        **res,
        "feed_seconds": {k: round(v, 3) for k, v in report.get("feed_seconds", {}).items()},
        "step_seconds": {k: round(v, 3) for k, v in report.get("step_seconds", {}).items()},
        "rows_loaded_per_feed": dict(loaded),
        "version_id": report.get("version_id"),
        "warehouse_bytes": db.stat().st_size if db.exists() else None,
    }


def per_feed(raw: Path, workdir: Path) -> dict[str, Any]:
    """Each feed alone in its own child process, for its own wall time and peak memory.

    The roster is built first (python -m etl build over a folder holding only the roster);
    every other feed is then loaded (python -m etl load) into its own copy of that warehouse,
    so no child's peak includes another feed's work."""
    manifest = json.loads((raw / "manifest.json").read_text(encoding="utf-8"))
    by_feed: dict[str, list[Path]] = defaultdict(list)
    for entry in manifest["files"]:
        by_feed[entry["feed"]].append(raw / entry["path"])
    out: dict[str, Any] = {}
    roster_raw = _linked_subset(raw, workdir / "raw-roster-only", by_feed, ("roster",))
    base = workdir / "feed-roster.duckdb"
    _remove_db(base)
    out["roster"] = {**_measure(_etl("build", "--raw", str(roster_raw), "--db", str(base)), "roster build")}
    out["roster"].update(_report_details(base))
    out["roster"]["files"] = len(by_feed.get("roster", []))
    for feed in FEED_ORDER[1:]:
        files = by_feed.get(feed, [])
        if not files:
            continue
        db = workdir / f"feed-{feed}.duckdb"
        _remove_db(db)
        for p in base.parent.glob(base.name + "*"):
            shutil.copy2(p, db.parent / p.name.replace(base.name, db.name, 1))
        res = _measure(_etl("load", "--feed", feed, "--db", str(db), *map(str, files)), f"{feed} load")
        res["files"] = len(files)
        res.update(_report_details(db))
        out[feed] = res
        _remove_db(db)
    _remove_db(base)
    shutil.rmtree(roster_raw, ignore_errors=True)
    # Issue 4's unit: the roster and the badges (about 2 M awards nationally) loaded together,
    # one build of a folder holding only those two feeds.
    if by_feed.get("roster") and by_feed.get("badges"):
        both_raw = _linked_subset(raw, workdir / "raw-roster-badges", by_feed, ("roster", "badges"))
        db = workdir / "feed-roster-badges.duckdb"
        _remove_db(db)
        res = _measure(_etl("build", "--raw", str(both_raw), "--db", str(db)), "roster+badges build")
        res["files"] = len(by_feed["roster"]) + len(by_feed["badges"])
        res.update(_report_details(db))
        out["roster+badges"] = res
        _remove_db(db)
        shutil.rmtree(both_raw, ignore_errors=True)
    return out


def _linked_subset(raw: Path, dest_dir: Path, by_feed: dict[str, list[Path]], feeds: tuple[str, ...]) -> Path:
    """A raw folder of symlinks to the files of `feeds` only (same relative paths)."""
    if dest_dir.exists():
        shutil.rmtree(dest_dir)
    dest_dir.mkdir(parents=True)
    for feed in feeds:
        for src in by_feed.get(feed, []):
            dest = dest_dir / src.relative_to(raw)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(src.resolve(), dest)
    # Files the feeds read beside their own (badge catalogs, issuer profiles, key documents) come
    # along with their folder: link every sibling not listed in the manifest under another feed.
    listed = {p.resolve() for paths in by_feed.values() for p in paths}
    for feed in feeds:
        for folder in {src.parent for src in by_feed.get(feed, [])}:
            for sib in folder.iterdir():
                dest = dest_dir / sib.relative_to(raw)
                if sib.is_file() and sib.resolve() not in listed and not dest.exists():
                    os.symlink(sib.resolve(), dest)
    return dest_dir


def run_etl(
    profile: str, workdir: Path, seed: int = 2025, reuse_raw: bool = False, feeds: bool = True
) -> dict[str, Any]:
    """The ETL part of `python -m benchmarks run`; returns the results and leaves the warehouse in workdir."""
    workdir.mkdir(parents=True, exist_ok=True)
    raw = workdir / f"raw-{profile}"
    db = workdir / f"{profile}.duckdb"
    result: dict[str, Any] = {
        "profile": profile,
        "seed": seed,
        "raw": str(raw.relative_to(ROOT) if raw.is_relative_to(ROOT) else raw),
    }
    if reuse_raw and (raw / "manifest.json").exists():
        result["generate"] = {"reused": True}
    else:
        result["generate"] = generate(profile, raw, seed)
    result["build"] = build(raw, db)
    if feeds:
        result["per_feed"] = per_feed(raw, workdir)
    result["warehouse"] = str(db)
    return result
