"""Roster and self-assessment in the built warehouse: Table 13 from staff_month, spells, load log,
and an incremental one-month load through the real pipeline equal to a full build."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from etl import pipeline
from etl.feeds import roster

ROOT = Path(__file__).resolve().parents[2]


def _table13() -> dict[str, int]:
    with open(ROOT / "data" / "reference" / "population_table13.csv", encoding="utf-8") as fh:
        return {r["category_en"]: int(r["count"]) for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def wh(demo_warehouse: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(demo_warehouse), read_only=True)


def test_staff_month_2025_03_reproduces_table13(wh: duckdb.DuckDBPyConnection) -> None:
    t = _table13()

    def count(where: str) -> int:
        sql = f"SELECT count(*) FROM staff_month WHERE month = DATE '2025-03-01' AND is_direct_it AND {where}"
        return int(wh.execute(sql).fetchall()[0][0])

    assert count("true") == t["Total"] == 8172
    assert count("gov_level = 'central'") == t["Central government"]
    assert count("gov_level IN ('municipal', 'county')") == t["Local government"]
    assert count("rank_class = 'elementary'") == 1785
    assert count("rank_class = 'junior'") == 5488
    assert count("rank_class = 'senior'") == 655
    assert count("rank_class = 'unknown'") == 244
    assert count("is_supervisor") == t["Supervisor"] == 1210
    assert count("personnel_type = 'it_series'") == 3306
    assert count("personnel_type = 'non_it_series'") == 3582
    assert count("personnel_type = 'contract'") == 1129
    assert count("personnel_type = 'unknown'") == 155


def test_history_is_compact_and_covers_46_months(wh: duckdb.DuckDBPyConnection) -> None:
    months = wh.execute("SELECT min(month), max(month), count(*) FROM roster_month").fetchall()[0]
    assert (str(months[0]), str(months[1]), months[2]) == ("2023-01-01", "2026-10-01", 46)
    people, spells = wh.execute("SELECT count(DISTINCT staff_key), count(*) FROM staff_history").fetchall()[0]
    assert 9500 < people < 10500
    assert spells < people * 1.5  # compact: far fewer rows than person-months (~375k)
    heads = [
        n for (n,) in wh.execute("SELECT count(*) FROM staff_month GROUP BY month ORDER BY month").fetchall()
    ]
    assert len(heads) == 46 and min(heads) > 7800 and max(heads) < 8500
    # Staging tables are consumed by derive.
    names = {r[0] for r in wh.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "roster_snapshot_rows" not in names and "roster_load_months" not in names
    assert wh.execute("SELECT count(*) FROM staff_restricted").fetchall()[0][0] >= people


def test_load_log_and_selfassessment(wh: duckdb.DuckDBPyConnection) -> None:
    rows = wh.execute(
        "SELECT feed, count(*), sum(rows_read), sum(rows_quarantined) FROM etl_load_log "
        "WHERE status = 'loaded' AND feed IN ('roster', 'selfassessment') GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert rows[0][0] == "roster" and rows[0][1] == 46 and rows[0][3] == 0
    assert rows[1][0] == "selfassessment" and rows[1][1] == 2 and 0 < rows[1][3] < 30
    per_wave = wh.execute(
        "SELECT r.wave, count(*) AS n, count(r.staff_key) AS matched, "
        "(SELECT count(*) FROM staff_month m WHERE m.month = CAST(r.wave || '-01' AS DATE) AND m.is_direct_it) AS roster "
        "FROM selfassessment_respondent r GROUP BY r.wave ORDER BY r.wave"
    ).fetchall()
    assert [w for w, *_ in per_wave] == ["2025-10", "2026-06"]
    for _, n, matched, heads in per_wave:
        assert 0.53 < matched / heads < 0.57
        assert matched / n > 0.98
    items = wh.execute(
        "SELECT count(*), min(importance), max(importance), min(proficiency), max(proficiency) FROM selfassessment_item"
    ).fetchall()[0]
    assert items[1:] == (1, 5, 1, 5)


def test_incremental_month_through_the_pipeline(demo_raw_dir: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "roster").mkdir(parents=True)
    months = ["202502", "202503", "202504"]
    for ym in months:
        shutil.copy(demo_raw_dir / "roster" / f"webhr_roster_{ym}.csv", raw / "roster")
    extra = demo_raw_dir / "roster" / "webhr_roster_202505.csv"
    feeds = {"roster": roster}
    secret = b"incremental-test"
    inc, full = tmp_path / "inc.duckdb", tmp_path / "full.duckdb"
    r1 = pipeline.build(
        raw, inc, secret=secret, feeds=feeds, vault_path=tmp_path / "inc.vault", progress=False
    )
    assert r1.ok, r1
    r2 = pipeline.load(
        "roster", [extra], inc, secret=secret, feeds=feeds, vault_path=tmp_path / "inc.vault", progress=False
    )
    assert r2.ok, r2
    shutil.copy(extra, raw / "roster")
    r3 = pipeline.build(
        raw, full, secret=secret, feeds=feeds, vault_path=tmp_path / "full.vault", progress=False
    )
    assert r3.ok, r3
    q = (
        "SELECT staff_key, valid_from, valid_to, agency_code, rank_class, grade, grade_max, is_supervisor, "
        "personnel_type, tier FROM staff_history ORDER BY ALL"
    )
    a = duckdb.connect(str(inc), read_only=True)
    b = duckdb.connect(str(full), read_only=True)
    assert a.execute(q).fetchall() == b.execute(q).fetchall()
    heads = "SELECT month, count(*) FROM staff_month GROUP BY 1 ORDER BY 1"
    assert a.execute(heads).fetchall() == b.execute(heads).fetchall()
    assert len(a.execute(heads).fetchall()) == 4


def test_badge_earners_improve_more_between_waves(wh: duckdb.DuckDBPyConnection) -> None:
    # ai_engagement (roster generator) drives both badge earning and self-assessed gains.
    rows = wh.execute(
        """
        WITH p AS (
            SELECT staff_key, wave, avg(proficiency) AS prof
            FROM selfassessment_item WHERE staff_key IS NOT NULL GROUP BY ALL
        ), g AS (
            SELECT a.staff_key, b.prof - a.prof AS gain
            FROM p AS a JOIN p AS b USING (staff_key) WHERE a.wave = '2025-10' AND b.wave = '2026-06'
        ), e AS (
            SELECT DISTINCT w.staff_key FROM badge_award AS w JOIN badge_class AS c USING (badge_code)
            WHERE c.kind = 'badge' AND w.awarded_on BETWEEN DATE '2025-10-01' AND DATE '2026-06-30'
              AND w.revoked_on IS NULL
        )
        SELECT e.staff_key IS NOT NULL AS earner, count(*) AS n, avg(gain) AS gain
        FROM g LEFT JOIN e USING (staff_key) GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    (_, n_non, gain_non), (_, n_earn, gain_earn) = rows
    assert n_non > 100 and n_earn > 100
    assert gain_earn > gain_non + 0.1
