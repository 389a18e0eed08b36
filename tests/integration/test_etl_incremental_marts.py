"""Incremental marts on the demo data: a self-assessment load re-runs only the marts that read
self-assessment tables (a new mart file included), and build-then-load gives the same marts as a
one-shot build of the same files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from etl import pipeline

SECRET = b"test-secret-incremental-marts"
NEW_MART = "199_mart_test_sa_waves"


def _raw_without(src: Path, dest: Path, leave_out: str) -> Path:
    dest.mkdir(parents=True)
    for entry in src.iterdir():
        if entry.name != leave_out:
            (dest / entry.name).symlink_to(entry.resolve())
    return dest


def _mart_tables(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'mart_%' ORDER BY 1"
            ).fetchall()
        ]
        return {n: con.execute(f'SELECT * FROM "{n}" ORDER BY ALL').fetchall() for n in names}  # noqa: S608
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(demo_raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("incremental")
    sql_dir = tmp / "sql"
    shutil.copytree(pipeline.SQL_DIR, sql_dir)
    # A mart file the pipeline has never seen: it must be found to read selfassessment_item.
    (sql_dir / f"{NEW_MART}.sql").write_text(
        "-- test mart\nCREATE OR REPLACE TABLE mart_test_sa_waves AS\n"
        "SELECT wave, count(*) AS answers FROM selfassessment_item GROUP BY wave;\n",
        encoding="utf-8",
    )
    raw_nosa = _raw_without(demo_raw_dir, tmp / "raw-nosa", "selfassessment")
    inc = tmp / "inc.duckdb"
    built = pipeline.build(raw_nosa, inc, secret=SECRET, sql_dir=sql_dir, progress=False)
    assert built.ok, built.format()
    sa_files = sorted((demo_raw_dir / "selfassessment").iterdir())
    loaded = pipeline.load("selfassessment", sa_files, inc, secret=SECRET, sql_dir=sql_dir, progress=False)
    assert loaded.ok, loaded.format()
    full = tmp / "full.duckdb"
    oneshot = pipeline.build(demo_raw_dir, full, secret=SECRET, sql_dir=sql_dir, progress=False)
    assert oneshot.ok, oneshot.format()
    return {"sql_dir": sql_dir, "built": built, "loaded": loaded, "inc": inc, "full": full}


def _expected_sa_marts(sql_dir: Path) -> list[str]:
    """Marts naming a selfassessment_* table, or a table such a mart creates (a plain text search)."""
    texts = {
        p.stem: re.sub(r"--[^\n]*", "", p.read_text(encoding="utf-8")) for p in sorted(sql_dir.glob("1*.sql"))
    }
    hit: list[str] = []
    outputs: set[str] = set()
    for name, text in texts.items():
        words = set(re.findall(r"[a-z_][a-z0-9_]*", text.lower()))
        if any(w.startswith("selfassessment_") for w in words) or words & outputs:
            hit.append(name)
            outputs |= set(re.findall(r"create\s+or\s+replace\s+(?:temp\s+)?table\s+(\w+)", text.lower()))
    return hit


def test_build_runs_every_mart(runs: dict) -> None:
    built = runs["built"]
    all_marts = sorted(p.stem for p in runs["sql_dir"].glob("1*.sql"))
    assert built.marts_run == all_marts and built.marts_skipped == []
    assert {f"mart:{m}" for m in all_marts} <= set(built.step_seconds)


def test_selfassessment_load_reruns_only_selfassessment_marts(runs: dict) -> None:
    loaded = runs["loaded"]
    expected = _expected_sa_marts(runs["sql_dir"])
    assert "114_mart_ai_gap_selfassessment" in expected and NEW_MART in expected
    assert loaded.marts_run == expected
    assert "110_mart_badges_coverage" in loaded.marts_skipped
    assert "113_mart_ai_gap_survey" in loaded.marts_skipped
    assert {f"mart:{m}" for m in expected} <= set(loaded.step_seconds)
    assert not any(f"mart:{m}" in loaded.step_seconds for m in loaded.marts_skipped)
    # Memory after each step is in the report.
    assert loaded.step_peak_rss_mib["load:selfassessment"] > 0


def test_build_then_load_equals_one_shot_build(runs: dict) -> None:
    inc, full = _mart_tables(runs["inc"]), _mart_tables(runs["full"])
    assert set(inc) == set(full)
    assert inc["mart_test_sa_waves"] and sum(r[1] for r in inc["mart_test_sa_waves"]) > 0
    for name in sorted(full):
        assert inc[name] == full[name], name


def test_unchanged_reload_reruns_no_mart(runs: dict, demo_raw_dir: Path) -> None:
    sa_files = sorted((demo_raw_dir / "selfassessment").iterdir())
    again = pipeline.load(
        "selfassessment", sa_files, runs["inc"], secret=SECRET, sql_dir=runs["sql_dir"], progress=False
    )
    assert again.ok and all(f.status == "skipped_duplicate_file" for f in again.files)
    assert again.marts_run == []
