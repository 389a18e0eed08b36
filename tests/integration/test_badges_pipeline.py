"""The badges feed inside the real pipeline (stub roster feed for the identity vault): staged
awards reach badge_award, cross-file and cross-load duplicates are quarantined by derive, the
load log stays balanced, revocation lists apply, and the badge audits pass."""

from __future__ import annotations

import json
import shutil
import types
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl import pipeline
from etl.context import IDENTITY_VAULT_TABLE
from etl.feeds import badges as feed
from etl.feeds.base import FeedResult
from etl.identity import ob_recipient_hash

ROOT = Path(__file__).resolve().parents[2]
HUB = "https://badges.moda.gov.tw"
SECRET = b"integration-secret"
PEOPLE = {f"p{i}@example.gov.tw": f"{i:064x}" for i in range(1, 6)}
AUDITS = (
    "load_log_row_balance",
    "load_log_quarantine_count",
    "badge_award_known_badge",
    "no_raw_identifiers",
)


def _stub_roster_parse(path: Path, ctx: object) -> FeedResult:
    """A roster feed that only hands the pipeline e-mail -> staff_key pairs for the vault."""
    pairs = pd.DataFrame({"email": list(PEOPLE), "staff_key": list(PEOPLE.values())})
    return FeedResult(feed="roster", file_name=path.name, encoding="utf-8", rows_read=0,
                      tables={IDENTITY_VAULT_TABLE: pairs})  # fmt: skip


FEEDS = {"roster": types.SimpleNamespace(parse=_stub_roster_parse), "badges": feed}


def _assertion(aid: str, email: str, badge: str = "badge_mod2_intro", day: int = 10) -> dict:
    return {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": f"{HUB}/assertions/{aid}",
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": "s1",
            "identity": ob_recipient_hash(email, "s1"),
        },
        "badge": f"{HUB}/badges/{badge}",
        "issuedOn": f"2025-07-{day:02d}T10:00:00+08:00",
        "verification": {"type": "hosted"},
    }


def _write(path: Path, docs: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(json.dumps(d) for d in docs) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    raw = tmp_path / "raw"
    (raw / "roster").mkdir(parents=True)
    (raw / "roster" / "roster_202507.csv").write_text("x\n", encoding="utf-8")
    e = list(PEOPLE)
    _write(raw / "badges" / "ob2" / "assertions_202507.jsonl",
           [_assertion(f"a{i}", e[i % 5], day=i % 28 + 1) for i in range(20)])  # fmt: skip
    # Next file: a0 repeated identically, a1 with a different date (conflict), and new awards.
    _write(raw / "badges" / "ob2" / "assertions_202508.jsonl",
           [_assertion("a0", e[0], day=1), _assertion("a1", e[1], day=28)]
           + [_assertion(f"b{i}", e[i % 5], badge="badge_mod6_intro", day=i % 28 + 1) for i in range(98)])  # fmt: skip
    revocations = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "RevocationList",
        "id": f"{HUB}/issuers/moda/revocations",
        "issuer": f"{HUB}/issuers/moda",
        "revokedAssertions": [
            {"id": f"{HUB}/assertions/a5", "revocationReason": "重複核發", "revokedOn": "2025-09-01"}
        ],
    }
    (raw / "badges" / "ob2" / "revocations.json").write_text(
        json.dumps(revocations, ensure_ascii=False), encoding="utf-8"
    )
    checks = tmp_path / "checks"
    checks.mkdir()
    for name in AUDITS:
        shutil.copy(ROOT / "etl" / "checks" / f"{name}.sql", checks / f"{name}.sql")
    return raw, tmp_path / "wh.duckdb", checks


def test_build_resolves_cross_file_duplicates_and_revocations(setup: tuple[Path, Path, Path]) -> None:
    raw, db, checks = setup
    report = pipeline.build(raw, db, secret=SECRET, feeds=FEEDS, checks_dir=checks, progress=False,
                            vault_path=db.with_suffix(".vault"))  # fmt: skip
    assert report.error is None, report.error
    assert report.ok, [(f.file_name, f.status, f.message) for f in report.files] + [
        (a.name, a.rows, a.sample) for a in report.audits if not a.passed
    ]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM badge_award").fetchone() == (20 + 98,)
        assert con.execute("SELECT count(*) FROM badge_award_stage").fetchone() == (0,)
        q = con.execute(
            "SELECT file_name, row_number, reason_code FROM etl_quarantine ORDER BY row_number"
        ).fetchall()
        assert q == [
            ("assertions_202508.jsonl", 1, "duplicate_identical"),
            ("assertions_202508.jsonl", 2, "duplicate_conflict"),
        ]
        log = dict(
            (r[0], r[1:])
            for r in con.execute(
                "SELECT file_name, rows_read, rows_loaded, rows_quarantined FROM etl_load_log WHERE feed = 'badges'"
            ).fetchall()
        )
        assert log["assertions_202508.jsonl"] == (100, 98, 2)
        assert log["assertions_202507.jsonl"] == (20, 20, 0)
        # The first version of a1 stays; a5 is revoked by the list, never deleted.
        assert con.execute(
            f"SELECT awarded_on::VARCHAR FROM badge_award WHERE award_id = '{HUB}/assertions/a1'"
        ).fetchone() == ("2025-07-02",)
        assert con.execute(
            f"SELECT revoked_on::VARCHAR, revocation_reason FROM badge_award WHERE award_id = '{HUB}/assertions/a5'"
        ).fetchone() == ("2025-09-01", "重複核發")
        assert con.execute("SELECT count(*) FROM badge_award WHERE revoked_on IS NOT NULL").fetchone() == (1,)
        # The catalog came from reference_frames(): 24 MODA badges + 25 certifications.
        assert con.execute("SELECT count(*) FROM badge_class").fetchone() == (49,)
    assert any("duplicate_conflict across files" in w for w in report.warnings)


def test_incremental_load_quarantines_an_id_loaded_before(
    setup: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    raw, db, checks = setup
    vault = db.with_suffix(".vault")
    assert pipeline.build(
        raw, db, secret=SECRET, feeds=FEEDS, checks_dir=checks, progress=False, vault_path=vault
    ).ok
    e = list(PEOPLE)
    new = _write(tmp_path / "later" / "assertions_202509.jsonl",
                 [_assertion("a3", e[3], day=4)] + [_assertion(f"c{i}", e[i % 5], day=i % 28 + 1) for i in range(60)])  # fmt: skip
    report = pipeline.load("badges", [new], db, secret=SECRET, feeds=FEEDS, checks_dir=checks, progress=False,
                           vault_path=vault)  # fmt: skip
    assert report.ok, report.error
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM badge_award").fetchone() == (118 + 60,)
        assert con.execute(
            "SELECT rows_read, rows_loaded, rows_quarantined FROM etl_load_log WHERE file_name = 'assertions_202509.jsonl'"
        ).fetchone() == (61, 60, 1)
        msg = con.execute(
            "SELECT reason_code, message FROM etl_quarantine WHERE file_name = 'assertions_202509.jsonl'"
        ).fetchone()
        assert msg[0] == "duplicate_identical" and "earlier load" in msg[1]
