"""Mart dependencies worked out from the SQL text: what a file reads and creates, which marts a load
re-runs, and the write recorder that tells which tables a derive step changed."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl import pipeline
from etl.pipeline import (
    MartFile,
    _WriteRecorder,
    mart_dependencies,
    marts_to_run,
    orphan_mart_tables,
    sql_created_tables,
    sql_names,
    sql_written_tables,
)


def test_created_and_written_tables_ignore_comments_and_strings() -> None:
    sql = """
    -- CREATE TABLE not_me AS SELECT 1
    /* INSERT INTO not_me_either VALUES (1) */
    CREATE OR REPLACE TABLE mart_a AS SELECT 'DELETE FROM nope' AS x FROM staff_history;
    CREATE OR REPLACE TEMP TABLE _tmp AS SELECT 1;
    CREATE VIEW IF NOT EXISTS main."v_b" AS SELECT * FROM mart_a;
    INSERT OR REPLACE INTO agency SELECT 1; UPDATE survey_respondent SET weight = 1;
    DELETE FROM badge_award WHERE false; DROP TABLE IF EXISTS roster_stage;
    """
    assert sql_created_tables(sql) == {"mart_a", "_tmp", "v_b"}
    assert sql_written_tables(sql) == {
        "mart_a",
        "_tmp",
        "v_b",
        "agency",
        "survey_respondent",
        "badge_award",
        "roster_stage",
    }
    assert "nope" not in sql_names(sql) and "not_me" not in sql_names(sql)
    assert {"staff_history", "mart_a"} <= sql_names(sql)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute(
        "CREATE TABLE staff_history (staff_key VARCHAR, valid_from DATE); "
        "CREATE TABLE badge_award (staff_key VARCHAR); CREATE TABLE selfassessment_item (wave INT); "
        "CREATE VIEW staff_month AS SELECT staff_key FROM staff_history"
    )
    return c


def _write(folder: Path, name: str, sql: str) -> Path:
    path = folder / name
    path.write_text(sql, encoding="utf-8")
    return path


def test_reads_expand_views_and_earlier_marts(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    a = _write(
        tmp_path,
        "110_mart_a.sql",
        "CREATE OR REPLACE TABLE mart_a AS SELECT sm.staff_key FROM staff_month sm JOIN badge_award USING (staff_key)",
    )
    b = _write(
        tmp_path,
        "111_mart_b.sql",
        "CREATE OR REPLACE TEMP TABLE _b AS SELECT * FROM mart_a; "
        "CREATE OR REPLACE TABLE mart_b AS WITH x AS (SELECT * FROM _b) SELECT * FROM x",
    )
    c = _write(
        tmp_path, "112_mart_c.sql", "CREATE OR REPLACE TABLE mart_c AS SELECT * FROM selfassessment_item"
    )
    deps = {m.name: m for m in mart_dependencies(con, [a, b, c])}
    assert deps["110_mart_a"].reads == {"staff_month", "staff_history", "badge_award"}
    assert deps["110_mart_a"].creates == {"mart_a"}
    assert deps["111_mart_b"].reads == {"mart_a"}  # its own temp table and the CTE are not inputs
    assert deps["111_mart_b"].temporary == {"_b"} and deps["110_mart_a"].temporary == frozenset()
    assert deps["112_mart_c"].reads == {"selfassessment_item"}


def test_marts_to_run_follows_changes_sql_and_missing_tables(tmp_path: Path) -> None:
    paths = [_write(tmp_path, f"11{i}_mart_{n}.sql", f"-- {n}") for i, n in enumerate("abcd")]
    marts = [
        MartFile(paths[0], frozenset({"mart_a"}), frozenset({"staff_history", "badge_award"})),
        MartFile(paths[1], frozenset({"mart_b", "tmp_b"}), frozenset({"mart_a"}), frozenset({"tmp_b"})),
        MartFile(paths[2], frozenset({"mart_c"}), frozenset({"selfassessment_item"})),
        MartFile(paths[3], frozenset({"mart_d"}), frozenset({"survey_respondent"})),
    ]
    existing = {"mart_a", "mart_b", "mart_c", "mart_d"}
    current = {p.name: pipeline._sql_sha(p) for p in paths}

    def names(changed: set[str], existing: set[str] = existing, sql: dict[str, str] = current) -> list[str]:
        return [m.name for m in marts_to_run(marts, changed, existing, sql)]

    assert names({"selfassessment_item", "etl_load_log"}) == ["112_mart_c"]
    assert names({"badge_award"}) == ["110_mart_a", "111_mart_b"]  # b through a
    assert names(set()) == []
    assert names(set(), existing - {"mart_d"}) == ["113_mart_d"]  # a new mart file runs once
    assert names(set(), sql={**current, "111_mart_b.sql": "old"}) == ["111_mart_b"]  # changed SQL
    assert names(set(), sql={}) == [m.name for m in marts]  # warehouse from before mart hashes


def test_write_recorder_notes_each_statement(con: duckdb.DuckDBPyConnection) -> None:
    written: set[str] = set()
    rec = _WriteRecorder(con, written)
    rec.execute("INSERT INTO badge_award VALUES ('k')").fetchall()
    rec.execute("SELECT count(*) FROM staff_history").fetchall()
    rec.sql("UPDATE selfassessment_item SET wave = 1")
    assert written == {"badge_award", "selfassessment_item"}
    assert rec.execute("SELECT count(*) FROM badge_award").fetchall() == [(1,)]


def test_orphan_mart_tables_are_those_no_current_file_creates(tmp_path: Path) -> None:
    paths = [_write(tmp_path, f"11{i}_mart_{n}.sql", f"-- {n}") for i, n in enumerate("ab")]
    marts = [
        MartFile(paths[0], frozenset({"mart_a"}), frozenset({"staff_history"})),
        MartFile(paths[1], frozenset({"mart_b", "tmp_b"}), frozenset({"mart_a"}), frozenset({"tmp_b"})),
    ]
    existing = {"mart_a", "mart_b", "mart_badges_holding", "staff_history", "agency", "mart_old2"}
    # the removed 111_mart_badges_holding.sql left its table behind; base tables are never touched
    assert orphan_mart_tables(existing, marts) == ["mart_badges_holding", "mart_old2"]
    assert orphan_mart_tables({"mart_a", "mart_b"}, marts) == []
