"""Pipeline builds and loads with fake parsers: report numbers, atomicity, idempotency, thresholds."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from etl import pipeline
from etl.report import EXIT_AUDIT_FAILED, EXIT_ERROR, EXIT_FILE_FAILED, EXIT_OK
from tests.unit.test_pipeline_fakes import (
    AGENCY,
    award_doc,
    fake_feeds,
    file_hash,
    key,
    roster_doc,
    write,
)

SECRET = b"unit-test-secret"


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A raw folder: two roster months (one quarantined row), a survey wave in two formats, badges."""
    r = tmp_path / "raw"
    write(r / "roster" / "r_202503.json", roster_doc(range(0, 60), month="2025-03-01", bad_rows=1))
    write(r / "roster" / "r_202504.json", roster_doc(range(60, 100), month="2025-04-01"))
    survey = {
        "feed": "survey",
        "rows_read": 2,
        "tables": {
            "survey_respondent": [
                {
                    "wave": "2025",
                    "respondent_id": f"R{i}",
                    "submitted_at": "2025-03-30 10:00:00",
                    "gov_level": "central",
                    "rank_class": "junior",
                    "grade": 7,
                    "is_supervisor": False,
                    "personnel_type": "it_series",
                    "tier": "basic",
                    "weight": 1.0,
                    "agency_code": AGENCY,
                }
                for i in (1, 2)
            ],
            "survey_competency_points": [
                {
                    "wave": "2025",
                    "respondent_id": "R1",
                    "part_tier": "basic",
                    "category": "common",
                    "competency_code": code,
                    "rank": rank,
                    "k": 3,
                    "points": 0 if rank is None else 4 - rank,
                }
                for code, rank in [("it_basic_work", 1), ("it_law_practice", 2), ("it_ai_literacy", None)]
            ]
            + [
                {
                    "wave": "2025",
                    "respondent_id": "R2",
                    "part_tier": "basic",
                    "category": "common",
                    "competency_code": "it_cross_domain",
                    "rank": 1,
                    "k": 3,
                    "points": 3,
                }
            ],
        },
        "warnings": ["k mismatch: printed 3, observed 5 (contact someone@example.gov.tw)"],
    }
    write(r / "survey" / "wave_2025.xlsx", survey)
    write(r / "survey" / "wave_2025.csv", survey | {"encoding": "utf-8-sig"})
    write(r / "badges" / "ob2" / "assertions_202508.jsonl", award_doc([("a1", 1, "badge_m1_intro")]))
    (r / "badges" / "README.md").write_text("not data", encoding="utf-8")
    (r / "truth").mkdir()
    write(r / "truth" / "survey_truth.json", {"ignored": True})
    return r


def test_build_reports_numbers_and_publishes(raw: Path, tmp_path: Path) -> None:
    db = tmp_path / "wh" / "demo.duckdb"
    report = pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds(), max_quarantine=0.05)
    assert report.exit_code == EXIT_OK, report.format()
    assert report.published and db.exists()
    by_name = {f.file_name: f for f in report.files}
    march = by_name["r_202503.json"]
    assert (march.rows_read, march.rows_loaded, march.rows_quarantined) == (61, 60, 1)
    assert march.quarantine_by_reason == {"invalid_national_id": 1}
    assert march.encoding == "cp950"
    # The survey wave exists twice: the .xlsx is loaded, the .csv logged as a skipped duplicate.
    assert by_name["wave_2025.xlsx"].status == "loaded"
    assert by_name["wave_2025.csv"].status == "skipped_duplicate_file"
    assert "xlsx preferred" in (by_name["wave_2025.csv"].message or "")
    assert "survey_truth.json" not in by_name and "README.md" not in by_name
    # Warnings are masked before they reach the report and the load log.
    assert by_name["wave_2025.xlsx"].warnings == ["k mismatch: printed 3, observed 5 (contact <email>)"]
    # Per-feed timings for the benchmark harness.
    assert set(report.feed_seconds) == {"roster", "survey", "badges"}
    assert {"reference", "derive:roster", "audits", "publish", "total"} <= set(report.step_seconds)
    assert all(a.passed for a in report.audits) and len(report.audits) >= 14

    log = rows(
        db, "SELECT file_name, status, rows_read, rows_loaded, rows_quarantined FROM etl_load_log ORDER BY 1"
    )
    assert log == [
        ("assertions_202508.jsonl", "loaded", 1, 1, 0),
        ("r_202503.json", "loaded", 61, 60, 1),
        ("r_202504.json", "loaded", 40, 40, 0),
        ("wave_2025.csv", "skipped_duplicate_file", 0, 0, 0),
        ("wave_2025.xlsx", "loaded", 2, 2, 0),
    ]
    q = rows(db, "SELECT row_number, reason_code, message, raw_record FROM etl_quarantine")
    assert len(q) == 1 and q[0][0] == 61 and q[0][1] == "invalid_national_id"
    assert "@" not in q[0][3] and "A123456780" not in q[0][3] and "<national_id>" in q[0][3]
    # The fake roster derive folded the staging rows and dropped them; load_id was filled.
    assert rows(db, "SELECT count(*), count(DISTINCT load_id) FROM staff_history") == [(100, 2)]
    assert rows(
        db, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'roster_snapshot_rows'"
    ) == [(0,)]
    assert rows(db, "SELECT count(*) FROM roster_month") == [(2,)]
    # Reference dimensions and the badge catalog.
    assert rows(db, "SELECT count(*) FROM agency") == [(437,)]
    assert rows(db, "SELECT count(*) FROM tier") == [(3,)]
    assert rows(db, "SELECT count(*) FROM competency WHERE framework = 'ai_framework'") == [(14,)]
    assert rows(db, "SELECT issuer_id FROM badge_class WHERE badge_code = 'badge_m1_intro'") == [("moda",)]
    # data_version: one row naming the inputs.
    (version,) = rows(db, "SELECT version_id, inputs FROM data_version")
    assert version[0] == report.version_id
    inputs = json.loads(version[1])
    assert inputs["mode"] == "build" and len(inputs["files"]) == 5
    # The identity vault sits beside the warehouse, never inside it.
    vault = db.with_name("demo.duckdb.vault.parquet")
    assert vault.exists()
    assert rows(db, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'email'") == [(0,)]
    import pandas as pd

    pairs = pd.read_parquet(vault)
    assert len(pairs) == 100 and pairs.loc[
        pairs["email"] == "person7@example.gov.tw", "staff_key"
    ].item() == key(7)
    # No leftovers of the candidate file.
    assert sorted(p.name for p in db.parent.iterdir() if p.name.startswith(".")) == []


def test_threshold_exit_code_and_override(raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "t.duckdb"
    # 1 of 61 rows quarantined = 1.6 %: passes the default 2 %, fails 1 %.
    report = pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds())
    assert report.exit_code == EXIT_OK
    before = file_hash(db)
    report = pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds(), max_quarantine=0.01)
    assert report.exit_code == EXIT_FILE_FAILED
    assert [f.file_name for f in report.files if f.over_threshold] == ["r_202503.json"]
    assert "exceeds the threshold 1.00%" in (report.files[0].message or "")
    assert not report.published and file_hash(db) == before
    monkeypatch.setenv("ETL_MAX_QUARANTINE_SHARE", "0.01")
    assert pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds()).exit_code == EXIT_FILE_FAILED
    assert (
        pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds(), max_quarantine=0.02).exit_code == EXIT_OK
    )


def test_rejected_file_leaves_previous_build(raw: Path, tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    assert pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds()).ok
    vault = db.with_name("r.duckdb.vault.parquet")
    before, vault_before = file_hash(db), file_hash(vault)
    write(raw / "roster" / "r_202505.json", {"reject": "column 身分證統一編號 missing (line 1)"})
    write(raw / "roster" / "r_202506.json", roster_doc(range(200, 210), month="2025-06-01"))
    report = pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds())
    assert report.exit_code == EXIT_FILE_FAILED
    rejected = [f for f in report.files if f.status == "rejected"]
    assert [f.file_name for f in rejected] == ["r_202505.json"]
    assert rejected[0].message == "r_202505.json: column 身分證統一編號 missing (line 1)"
    # The other files are still reported, so one run shows every problem.
    assert "r_202506.json" in {f.file_name for f in report.files}
    assert file_hash(db) == before and file_hash(vault) == vault_before
    assert "未發布 not published" in report.format()


@pytest.mark.parametrize("failure", ["constraint_at_row_k", "parser_crash", "audit"])
def test_failed_load_is_atomic(raw: Path, tmp_path: Path, failure: str) -> None:
    db = tmp_path / "a.duckdb"
    assert pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds()).ok
    vault = db.with_name("a.duckdb.vault.parquet")
    before, vault_before = file_hash(db), file_hash(vault)
    counts_before = rows(
        db, "SELECT (SELECT count(*) FROM staff_history), (SELECT count(*) FROM etl_load_log)"
    )
    if failure == "constraint_at_row_k":
        # Row k = 7 of the awards has no badge_code (NOT NULL): the insert fails mid-frame.
        doc = award_doc([(f"b{i}", i, "badge_m1_intro") for i in range(10)])
        doc["tables"]["badge_award"][7]["badge_code"] = None
        doc["tables"]["_identity_vault"] = [{"email": "new@example.gov.tw", "staff_key": key(999)}]
    elif failure == "parser_crash":
        doc = {"raise_at": 7}
    else:
        doc = award_doc([("c1", 1, "badge_unknown")])
    new = write(tmp_path / "in" / "assertions_202509.jsonl", doc)
    report = pipeline.load("badges", [new], db, secret=SECRET, feeds=fake_feeds())
    assert not report.published
    if failure == "audit":
        assert report.exit_code == EXIT_AUDIT_FAILED
        failed = [a for a in report.audits if not a.passed]
        assert [a.name for a in failed] == ["badge_award_known_badge"]
        assert failed[0].sample[0]["value"] == "badge_unknown"
    else:
        assert report.exit_code == EXIT_FILE_FAILED
        message = report.files[0].message or ""
        if failure == "parser_crash":
            assert "parser crashed at row 7" in message
        else:
            # The NOT NULL violation of row k itself, not a follow-up transaction error.
            assert "load failed: ConstraintException" in message and "badge_code" in message
    assert file_hash(db) == before and file_hash(vault) == vault_before
    assert (
        rows(db, "SELECT (SELECT count(*) FROM staff_history), (SELECT count(*) FROM etl_load_log)")
        == counts_before
    )
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_duplicate_file_load_adds_nothing(raw: Path, tmp_path: Path) -> None:
    db = tmp_path / "d.duckdb"
    assert pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds()).ok
    new = write(tmp_path / "in" / "r_202505.json", roster_doc(range(100, 120), month="2025-05-01"))
    first = pipeline.load("roster", [new], db, secret=SECRET, feeds=fake_feeds())
    assert first.ok and first.files[0].rows_loaded == 20
    assert rows(db, "SELECT count(*) FROM staff_history") == [(120,)]
    version_1 = first.version_id
    # Same bytes under another name: skipped by content hash, nothing inserted.
    copy = tmp_path / "in" / "copy_of_may.json"
    copy.write_bytes(new.read_bytes())
    second = pipeline.load("roster", [new, copy], db, secret=SECRET, feeds=fake_feeds())
    assert second.ok, second.format()
    assert [f.status for f in second.files] == ["skipped_duplicate_file", "skipped_duplicate_file"]
    assert "already loaded as r_202505.json" in (second.files[0].message or "")
    assert rows(db, "SELECT count(*) FROM staff_history") == [(120,)]
    assert rows(db, "SELECT count(*) FROM etl_load_log WHERE status = 'skipped_duplicate_file'") == [(3,)]
    (version,) = rows(db, "SELECT version_id, inputs FROM data_version")
    assert version[0] == second.version_id != version_1
    assert json.loads(version[1])["previous_version"] == version_1


def test_load_vault_grows_and_secret_must_match(raw: Path, tmp_path: Path) -> None:
    db = tmp_path / "v.duckdb"
    assert pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds()).ok
    new = write(tmp_path / "in" / "r_202505.json", roster_doc(range(100, 105), month="2025-05-01"))
    before = file_hash(db)
    wrong = pipeline.load("roster", [new], db, secret=b"another-secret", feeds=fake_feeds())
    assert wrong.exit_code == EXIT_ERROR and "secret differs" in (wrong.error or "")
    assert file_hash(db) == before
    assert pipeline.load("roster", [new], db, secret=SECRET, feeds=fake_feeds()).ok
    import pandas as pd

    assert len(pd.read_parquet(db.with_name("v.duckdb.vault.parquet"))) == 105


def test_missing_feed_module_is_a_clear_rejection(raw: Path, tmp_path: Path) -> None:
    feeds = fake_feeds()
    del feeds["survey"]
    report = pipeline.build(raw, tmp_path / "m.duckdb", secret=SECRET, feeds=feeds)
    assert report.exit_code == EXIT_FILE_FAILED
    survey = [f for f in report.files if f.feed == "survey" and f.status == "rejected"]
    assert survey and "no parser for feed 'survey'" in (survey[0].message or "")
    assert not (tmp_path / "m.duckdb").exists()


def test_import_feed_names_the_missing_module() -> None:
    with pytest.raises(pipeline.PipelineError, match="etl.feeds.nonexistent is not available"):
        pipeline.import_feed("nonexistent")


def test_marts_run_after_every_build(raw: Path, tmp_path: Path) -> None:
    sql = tmp_path / "sql"
    sql.mkdir()
    (sql / "000_schema.sql").write_text((pipeline.SQL_DIR / "000_schema.sql").read_text(encoding="utf-8"))
    (sql / "101_mart_test_staff.sql").write_text(
        "-- Purpose: test mart. Grain: one row per month. Parameters: none.\n"
        "CREATE OR REPLACE TABLE mart_test_staff AS\n"
        "SELECT month, count(*) AS n FROM staff_month GROUP BY month;\n",
        encoding="utf-8",
    )
    db = tmp_path / "mart.duckdb"
    report = pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds(), sql_dir=sql)
    assert report.ok and "marts" in report.step_seconds
    assert rows(db, "SELECT month::VARCHAR, n FROM mart_test_staff ORDER BY 1") == [
        ("2025-03-01", 60),
        ("2025-04-01", 100),
    ]
    # A broken mart fails the run and publishes nothing.
    (sql / "102_mart_broken.sql").write_text("SELECT * FROM no_such_table;", encoding="utf-8")
    before = file_hash(db)
    broken = pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds(), sql_dir=sql)
    assert broken.exit_code == EXIT_ERROR and "102_mart_broken.sql failed" in (broken.error or "")
    assert file_hash(db) == before


def test_commands_print_report_and_return_exit_status(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes = fake_feeds()
    monkeypatch.setattr(pipeline, "import_feed", lambda feed: fakes[feed])
    monkeypatch.setenv("ETL_PSEUDONYM_SECRET", "cli-secret")
    db = tmp_path / "cli.duckdb"
    assert pipeline.build_command(raw, db, max_quarantine=None) == 0
    out = capsys.readouterr().out
    assert "r_202503.json | roster | cp950 | 61 | 60 | 1 (1.6%) | loaded" in out
    assert "結束代碼 exit status: 0" in out
    saved = json.loads(db.with_name("cli.duckdb.load-report.json").read_text(encoding="utf-8"))
    assert saved["exit_code"] == 0 and saved["feed_seconds"]["roster"] > 0
    assert pipeline.check_command(db) == 0
    assert "稽核 audits: " in capsys.readouterr().out
    assert pipeline.load_command("roster", [raw / "roster" / "r_202503.json"], db, max_quarantine=None) == 0
    assert pipeline.check_command(tmp_path / "absent.duckdb") == EXIT_ERROR


def test_report_counts_follow_derive_quarantine(raw: Path, tmp_path: Path) -> None:
    """A derive step that quarantines a row (cross-file duplicate) updates the file's counts."""

    def badges_derive(con: duckdb.DuckDBPyConnection, ctx: object) -> list[str]:
        (load_id,) = con.execute("SELECT load_id FROM etl_load_log WHERE feed = 'badges'").fetchall()[0]
        con.execute(
            "INSERT INTO etl_quarantine VALUES ($l, 'badges', 'assertions_202508.jsonl', 1, "
            "'duplicate_identical', 'award a1 already loaded', '{}')",
            {"l": load_id},
        ).fetchall()
        con.execute("DELETE FROM badge_award WHERE award_id = 'a1'").fetchall()
        con.execute(
            "UPDATE etl_load_log SET rows_loaded = rows_loaded - 1, rows_quarantined = rows_quarantined + 1 "
            "WHERE load_id = $l",
            {"l": load_id},
        ).fetchall()
        return ["1 duplicate award"]

    feeds = fake_feeds()
    feeds["badges"].derive = badges_derive
    db = tmp_path / "dq.duckdb"
    # 1 of 1 award quarantined by the derive: 100 % > 50 %, so nothing is published.
    failed = pipeline.build(raw, db, secret=SECRET, feeds=feeds, max_quarantine=0.5)
    badge_file = next(f for f in failed.files if f.feed == "badges")
    assert (badge_file.rows_read, badge_file.rows_loaded, badge_file.rows_quarantined) == (1, 0, 1)
    assert badge_file.quarantine_by_reason == {"duplicate_identical": 1}
    assert failed.exit_code == EXIT_FILE_FAILED and not db.exists()
    ok = pipeline.build(raw, db, secret=SECRET, feeds=feeds, max_quarantine=1.0)
    assert ok.ok and "badges: 1 duplicate award" in ok.warnings


def test_derive_steps_run_only_when_there_is_something_new(raw: Path, tmp_path: Path) -> None:
    calls: list[str] = []
    feeds = fake_feeds()
    roster_derive = feeds["roster"].derive

    def counting_roster(con: duckdb.DuckDBPyConnection, ctx: object) -> list[str]:
        calls.append("roster")
        return roster_derive(con, ctx)

    feeds["roster"].derive = counting_roster
    feeds["survey"].derive = lambda con, ctx: calls.append("survey") or []
    feeds["badges"].derive = lambda con, ctx: calls.append("badges") or []
    db = tmp_path / "s.duckdb"
    assert pipeline.build(raw, db, secret=SECRET, feeds=feeds).ok
    assert calls == ["roster", "survey", "badges"]
    calls.clear()
    # A new roster month: its derive, then the survey's (raking depends on the roster).
    new = write(tmp_path / "in" / "r_202505.json", roster_doc(range(100, 110), month="2025-05-01"))
    assert pipeline.load("roster", [new], db, secret=SECRET, feeds=feeds).ok
    assert calls == ["roster", "survey"]
    calls.clear()
    # The same file again: nothing loaded, so no derive step runs.
    again = pipeline.load("roster", [new], db, secret=SECRET, feeds=feeds)
    assert again.ok and calls == []
    # A badge load derives badges only.
    awards = write(tmp_path / "in" / "assertions_202509.jsonl", award_doc([("z1", 3, "badge_m1_intro")]))
    assert pipeline.load("badges", [awards], db, secret=SECRET, feeds=feeds).ok
    assert calls == ["badges"]


def test_stale_candidates_of_a_killed_run_are_removed(raw: Path, tmp_path: Path) -> None:
    db = tmp_path / "k.duckdb"
    stale = tmp_path / ".k.duckdb.20260101T000000Z-abcdef.tmp"
    stale.write_bytes(b"half-written candidate")
    stale_wal = tmp_path / ".k.duckdb.20260101T000000Z-abcdef.tmp.wal"
    stale_wal.write_bytes(b"wal")
    assert pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds()).ok
    assert not stale.exists() and not stale_wal.exists()


def test_changed_file_with_loaded_keys_is_rejected_with_a_hint(raw: Path, tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    assert pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds()).ok
    before = file_hash(db)
    # The same survey wave exported again with one more warning: other bytes, same keys.
    doc = json.loads((raw / "survey" / "wave_2025.xlsx").read_text(encoding="utf-8"))
    doc["warnings"].append("re-exported")
    again = write(tmp_path / "in" / "wave_2025_v2.xlsx", doc)
    report = pipeline.load("survey", [again], db, secret=SECRET, feeds=fake_feeds())
    assert report.exit_code == EXIT_FILE_FAILED
    assert "ConstraintException" in (report.files[0].message or "")
    assert "a changed file needs a rebuild" in (report.files[0].message or "")
    assert file_hash(db) == before


def test_build_creates_the_demo_secret_load_never_does(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ETL_PSEUDONYM_SECRET", raising=False)
    key_file = tmp_path / "secrets" / "pseudonym.key"
    monkeypatch.setenv("ETL_PSEUDONYM_SECRET_FILE", str(key_file))
    db = tmp_path / "s.duckdb"
    assert pipeline.build(raw, db, feeds=fake_feeds()).ok
    assert len(key_file.read_bytes()) == 64 and (key_file.stat().st_mode & 0o777) == 0o600
    # A load reuses it; with the file gone, the load stops instead of inventing a new secret.
    new = write(tmp_path / "in" / "r_202505.json", roster_doc(range(100, 103), month="2025-05-01"))
    key_file.rename(tmp_path / "moved.key")
    before = file_hash(db)
    report = pipeline.load("roster", [new], db, feeds=fake_feeds())
    assert report.exit_code == EXIT_ERROR and "no pseudonymisation secret" in (report.error or "")
    assert file_hash(db) == before
    (tmp_path / "moved.key").rename(key_file)
    assert pipeline.load("roster", [new], db, feeds=fake_feeds()).ok


def test_publish_drops_a_stale_wal_of_the_old_file(raw: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds()).ok
    stale = tmp_path / "w.duckdb.wal"
    stale.write_bytes(b"left by a crashed writer of the old file")
    report = pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds())
    assert report.published and not stale.exists()
    assert pipeline.check(db).ok
