"""The demo warehouse's badge tables (python -m etl synth + build, shared session fixture):
volumes, sources, revocations, roster membership, alignments and the quarantine."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest


@pytest.fixture(scope="module")
def con(demo_warehouse: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(demo_warehouse), read_only=True)
    yield c
    c.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def test_award_volume_and_sources(con: duckdb.DuckDBPyConnection) -> None:
    assert 25_000 <= one(con, "SELECT count(*) FROM badge_award") <= 35_000
    by = dict(con.execute("SELECT verification, count(*) FROM badge_award GROUP BY 1").fetchall())
    assert set(by) == {"hosted", "signed", "status_list", "webhr"}
    assert by["signed"] > 50 and by["webhr"] > 3_000
    assert (
        one(con, "SELECT min(awarded_on)::VARCHAR FROM badge_award WHERE source <> 'webhr51'") >= "2025-07-01"
    )
    assert one(con, "SELECT max(awarded_on)::VARCHAR FROM badge_award") <= "2026-10-31"
    assert one(con, "SELECT count(*) FROM badge_award_stage") == 0


def test_revocations_and_expiries_are_kept(con: duckdb.DuckDBPyConnection) -> None:
    share = one(con, "SELECT avg((revoked_on IS NOT NULL)::INT) FROM badge_award WHERE source <> 'webhr51'")
    assert 0.005 < share < 0.02
    assert (
        one(
            con, "SELECT count(*) FROM badge_award WHERE revoked_on IS NOT NULL AND revocation_reason IS NULL"
        )
        == 0
    )
    assert one(con, "SELECT count(*) FROM badge_award WHERE revoked_on < awarded_on") == 0
    assert one(con, "SELECT count(*) FROM badge_award WHERE valid_until IS NOT NULL") > 1_000


def test_awards_belong_to_roster_people(con: duckdb.DuckDBPyConnection) -> None:
    missing = one(
        con,
        "SELECT count(*) FROM badge_award a WHERE NOT EXISTS "
        "(SELECT 1 FROM staff_history h WHERE h.staff_key = a.staff_key)",
    )
    assert missing == 0
    # Phase 1 (2025) went to basic-level direct IT staff only.
    wrong = one(
        con,
        "SELECT count(*) FROM badge_award a JOIN staff_month s ON s.staff_key = a.staff_key "
        "AND s.month = date_trunc('month', a.awarded_on) "
        "WHERE a.source <> 'webhr51' AND a.awarded_on < DATE '2026-01-01' AND s.tier NOT IN ('basic', 'unknown')",
    )
    assert wrong <= 0.01 * one(con, "SELECT count(*) FROM badge_award WHERE awarded_on < DATE '2026-01-01'")


def test_alignments_and_quarantine(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute(
        "SELECT badge_code, competency_code FROM badge_alignment WHERE NOT known_code"
    ).fetchall() == [("badge_mod8_advanced", "it_ai_governance")]
    reasons = dict(
        con.execute(
            "SELECT reason_code, count(*) FROM etl_quarantine WHERE feed = 'badges' GROUP BY 1"
        ).fetchall()
    )
    for reason in ("unknown_badge_class", "recipient_not_in_roster", "expiry_before_award", "bad_signature",
                   "duplicate_conflict", "duplicate_identical", "unknown_certification", "invalid_roc_date"):  # fmt: skip
        assert reasons.get(reason, 0) > 0, reason
    worst = one(
        con,
        "SELECT max(rows_quarantined / rows_read) FROM etl_load_log WHERE feed = 'badges' AND rows_read > 0",
    )
    assert worst <= 0.02
