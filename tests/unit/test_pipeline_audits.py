"""Each audit in etl/checks fails on injected bad rows and passes on clean ones; helpers work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from etl import pipeline
from etl.report import EXIT_AUDIT_FAILED, EXIT_OK
from tests.unit.test_pipeline_fakes import AGENCY, fake_feeds, file_hash, key, roster_doc, write

SECRET = b"unit-test-secret"


def respondent(rid: str, **over: Any) -> dict[str, Any]:
    row = {
        "wave": "2025",
        "respondent_id": rid,
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
    return row | over


def points(rid: str, code: str, rank: int | None, k: int, pts: int) -> dict[str, Any]:
    return {
        "wave": "2025",
        "respondent_id": rid,
        "part_tier": "basic",
        "category": "common",
        "competency_code": code,
        "rank": rank,
        "k": k,
        "points": pts,
    }


def spell(n: int, start: str, end: str | None, **over: Any) -> dict[str, Any]:
    row = {
        "staff_key": key(n),
        "valid_from": start,
        "valid_to": end,
        "agency_code": AGENCY,
        "gov_level": "central",
        "rank_class": "junior",
        "is_supervisor": False,
        "personnel_type": "it_series",
        "tier": "basic",
        "is_direct_it": True,
    }
    return row | over


def answered(rid: str, **over: Any) -> dict[str, list[dict[str, Any]]]:
    """A respondent with one ranked item in their own-tier part, so only the injected fault fails."""
    part = points(rid, "it_basic_work", 1, 3, 3) | {"part_tier": over.get("tier", "basic")}
    return {"survey_respondent": [respondent(rid, **over)], "survey_competency_points": [part]}


# (feed, tables of the injected file, the one audit expected to fail)
BAD_INPUTS: dict[str, tuple[str, dict[str, list[dict[str, Any]]], str]] = {
    "email_as_staff_key": (
        "survey",
        answered("R1", staff_key="someone@example.gov.tw"),
        "no_raw_identifiers",
    ),
    "short_staff_key": (
        "survey",
        answered("R1", staff_key="abc123"),
        "no_raw_identifiers",
    ),
    "points_not_borda": (
        "survey",
        {
            "survey_respondent": [respondent("R1")],
            "survey_competency_points": [points("R1", "it_basic_work", 1, 3, 2)],
        },
        "survey_borda_points",
    ),
    "rank_used_twice": (
        "survey",
        {
            "survey_respondent": [respondent("R1")],
            "survey_competency_points": [
                points("R1", "it_basic_work", 1, 3, 3),
                points("R1", "it_law_practice", 1, 3, 3),
            ],
        },
        "survey_borda_points",
    ),
    "points_without_respondent": (
        "survey",
        {"survey_competency_points": [points("R9", "it_basic_work", 1, 3, 3)]},
        "survey_orphans",
    ),
    "unknown_tier": ("survey", answered("R1", tier="executive"), "fk_survey"),
    "unknown_competency": (
        "survey",
        {
            "survey_respondent": [respondent("R1")],
            "survey_competency_points": [points("R1", "it_magic", 1, 3, 3)],
        },
        "fk_survey",
    ),
    "zero_weight": ("survey", answered("R1", weight=0.0), "survey_weights"),
    "overlapping_spells": (
        "roster",
        {"staff_history": [spell(500, "2025-01-01", "2025-06-30"), spell(500, "2025-06-01", None)]},
        "staff_history_spells",
    ),
    "two_open_spells": (
        "roster",
        {"staff_history": [spell(501, "2025-01-01", None), spell(501, "2025-03-01", None)]},
        "staff_history_spells",
    ),
    "unknown_agency": (
        "roster",
        {"staff_history": [spell(502, "2025-01-01", None, agency_code="Z999")]},
        "fk_roster",
    ),
    "mid_month": ("roster", {"roster_month": [{"month": "2025-03-15"}]}, "roster_month_first_day"),
    "senior_tier_junior_rank": ("survey", answered("R1", tier="senior"), "tier_rules"),
    "middle_tier_not_supervisor": (
        "roster",
        {"staff_history": [spell(503, "2025-01-01", None, tier="middle")]},
        "tier_rules",
    ),
    "own_tier_part_missing": ("survey", {"survey_respondent": [respondent("R1")]}, "tier_rules"),
    "wave_count_wrong": (
        "survey",
        answered("R1")
        | {"survey_wave": [{"wave": "2025", "instrument": "moda_it_competency_2025", "n_responses": 2}]},
        "survey_wave_counts",
    ),
    "restricted_overlap": (
        "roster",
        {
            "staff_restricted": [
                {
                    "staff_key": key(504),
                    "agency_code": AGENCY,
                    "staff_number": "E1",
                    "valid_from": "2025-01-01",
                },
                {
                    "staff_key": key(504),
                    "agency_code": AGENCY,
                    "staff_number": "E2",
                    "valid_from": "2025-02-01",
                },
            ]
        },
        "staff_history_spells",
    ),
    "revoked_before_award": (
        "badges",
        {
            "badge_award": [
                {
                    "award_id": "x2",
                    "badge_code": "badge_m1_intro",
                    "staff_key": key(1),
                    "awarded_on": "2025-08-01",
                    "revoked_on": "2025-07-01",
                    "source": "ob2",
                    "verification": "hosted",
                    "content_sha256": key(3),
                }
            ]
        },
        "badge_award_known_badge",
    ),
    "selfassessment_out_of_scale": (
        "selfassessment",
        {
            "selfassessment_item": [
                {"wave": "2025-10", "respondent_key": key(1), "competency_code": "ai_hpc", "importance": 7}
            ]
        },
        "fk_selfassessment",
    ),
    "expiry_before_award": (
        "badges",
        {
            "badge_award": [
                {
                    "award_id": "x1",
                    "badge_code": "badge_m1_intro",
                    "staff_key": key(1),
                    "awarded_on": "2025-08-01",
                    "valid_until": "2025-07-01",
                    "source": "ob2",
                    "verification": "hosted",
                    "content_sha256": key(2),
                }
            ]
        },
        "badge_award_known_badge",
    ),
}


@pytest.fixture
def good_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    write(raw / "roster" / "r_202503.json", roster_doc(range(0, 20)))
    return raw


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_audit_fails_on_injected_rows(good_raw: Path, tmp_path: Path, case: str) -> None:
    feed, tables, audit = BAD_INPUTS[case]
    db = tmp_path / "wh.duckdb"
    assert pipeline.build(good_raw, db, secret=SECRET, feeds=fake_feeds()).ok
    before = file_hash(db)
    n_rows = max(len(v) for v in tables.values())
    bad = write(tmp_path / "in" / f"{case}.json", {"rows_read": n_rows, "tables": tables})
    report = pipeline.load(feed, [bad], db, secret=SECRET, feeds=fake_feeds())
    assert report.exit_code == EXIT_AUDIT_FAILED, report.format()
    assert [a.name for a in report.audits if not a.passed] == [audit]
    assert file_hash(db) == before


def tamper(db: Path, sql: str) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(
    ("sql", "audit"),
    [
        (
            "UPDATE etl_load_log SET rows_loaded = rows_loaded - 1 WHERE status = 'loaded'",
            "load_log_row_balance",
        ),
        ("DELETE FROM etl_quarantine", "load_log_quarantine_count"),
        (
            "INSERT INTO etl_load_log SELECT * REPLACE ('x' AS load_id, 'rejected' AS status, 0 AS rows_read, "
            "0 AS rows_loaded, 0 AS rows_quarantined) FROM etl_load_log LIMIT 1",
            "load_log_status",
        ),
        (
            "INSERT INTO data_version SELECT * REPLACE ('v2' AS version_id) FROM data_version",
            "data_version_single_row",
        ),
        ('UPDATE etl_quarantine SET raw_record = \'{"mail": "a.b@moda.gov.tw"}\'', "no_raw_identifiers"),
        ("UPDATE etl_quarantine SET message = 'id A123456789 invalid'", "no_raw_identifiers"),
    ],
)
def test_check_finds_tampering(tmp_path: Path, sql: str, audit: str) -> None:
    raw = tmp_path / "raw"
    write(raw / "roster" / "r_202503.json", roster_doc(range(0, 99), bad_rows=1))
    db = tmp_path / "wh.duckdb"
    assert pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds()).ok
    clean = pipeline.check(db)
    assert clean.exit_code == EXIT_OK and clean.version_id is not None
    tamper(db, sql)
    report = pipeline.check(db)
    assert report.exit_code == EXIT_AUDIT_FAILED
    assert [a.name for a in report.audits if not a.passed] == [audit]


def test_check_is_read_only(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write(raw / "roster" / "r_202503.json", roster_doc(range(0, 5)))
    db = tmp_path / "wh.duckdb"
    assert pipeline.build(raw, db, secret=SECRET, feeds=fake_feeds()).ok
    before = file_hash(db)
    assert pipeline.check(db).ok
    assert file_hash(db) == before


def test_mask_identifiers() -> None:
    text = "ID F223456789 and mail Wang.Da-Ming@moda.gov.tw; agency C1001, key A12345"
    assert pipeline.mask_identifiers(text) == "ID <national_id> and mail <email>; agency C1001, key A12345"
    # Hex keys and resident certificates.
    assert pipeline.mask_identifiers(key(1)) == key(1)
    assert pipeline.mask_identifiers("居留證 A812345678") == "居留證 <national_id>"


def test_discover_orders_and_picks_files(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    for rel in [
        "roster/webhr_roster_202502.csv",
        "roster/webhr_changes_202502.csv",
        "roster/webhr_roster_202501.csv",
        "survey/moda_it_competency_2025.csv",
        "survey/moda_it_competency_2025.xlsx",
        "survey/moda_it_competency_2026.csv",
        "selfassessment/ai_selfassessment_2025-10.csv",
        "badges/ob2/assertions_202507.jsonl",
        "badges/ob2/issuers.json",
        "badges/ob2/badgeclasses.json",
        "badges/ob3/credentials_202601.jsonl",
        "badges/ob3/status_list.json",
        "certifications/webhr_table51_202601.csv",
        "truth/survey_workgroup_truth_2025.csv",
        "roster/notes.txt",
    ]:
        path = raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    plan, skipped, warnings = pipeline.discover(raw)
    assert [(f, str(p.relative_to(raw))) for f, p in plan] == [
        ("roster", "roster/webhr_roster_202501.csv"),
        ("roster", "roster/webhr_changes_202502.csv"),
        ("roster", "roster/webhr_roster_202502.csv"),
        ("survey", "survey/moda_it_competency_2025.xlsx"),
        ("survey", "survey/moda_it_competency_2026.csv"),
        ("selfassessment", "selfassessment/ai_selfassessment_2025-10.csv"),
        ("badges", "badges/ob2/badgeclasses.json"),
        ("badges", "badges/ob2/issuers.json"),
        ("badges", "badges/ob2/assertions_202507.jsonl"),
        ("badges", "badges/ob3/status_list.json"),
        ("badges", "badges/ob3/credentials_202601.jsonl"),
        ("badges", "certifications/webhr_table51_202601.csv"),
    ]
    assert [(f, p.name) for f, p, _ in skipped] == [("survey", "moda_it_competency_2025.csv")]
    assert warnings == ["ignored roster/notes.txt: not a data file"]
