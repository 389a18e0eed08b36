"""Fake feed parsers for the pipeline tests: a raw file is a JSON description of a FeedResult."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pandas as pd

from etl.context import IDENTITY_VAULT_TABLE
from etl.feeds.base import FeedResult, FileRejected, QuarantineRow

AGENCY = "C1001"  # a synthetic agency code of data/reference/agencies.csv


def key(n: int) -> str:
    """A 64-hex staff key like the HMAC ones."""
    return hashlib.sha256(f"person-{n}".encode()).hexdigest()


def parse(path: Path, ctx: Any) -> FeedResult:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if "reject" in doc:
        raise FileRejected(path.name, doc["reject"])
    if "raise_at" in doc:
        raise RuntimeError(f"parser crashed at row {doc['raise_at']}")
    tables = {name: pd.DataFrame(rows) for name, rows in doc.get("tables", {}).items()}
    quarantine = [QuarantineRow(**q) for q in doc.get("quarantine", [])]
    return FeedResult(
        feed=doc.get("feed", "fake"),
        file_name=path.name,
        encoding=doc.get("encoding", "utf-8"),
        rows_read=doc["rows_read"],
        tables=tables,
        quarantine=quarantine,
        warnings=doc.get("warnings", []),
    )


def roster_derive(con: duckdb.DuckDBPyConnection, ctx: Any) -> list[str]:
    """Like the real roster derive: fold the staging rows into staff_history and drop them."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'roster_snapshot_rows'"
    ).fetchall()[0][0]
    if not exists:
        return ["no staging rows"]
    con.execute(
        """
        INSERT INTO staff_history (staff_key, valid_from, valid_to, agency_code, gov_level, rank_class,
            is_supervisor, personnel_type, tier, is_direct_it, load_id)
        SELECT staff_key, min(month), NULL, any_value(agency_code), 'central', 'junior', false,
               'it_series', 'basic', true, any_value(load_id)
        FROM roster_snapshot_rows GROUP BY staff_key
        """
    ).fetchall()
    con.execute(
        "INSERT OR REPLACE INTO roster_month SELECT DISTINCT month FROM roster_snapshot_rows"
    ).fetchall()
    con.execute("DROP TABLE roster_snapshot_rows").fetchall()
    return [f"folded staging rows of {len(ctx.vault.mapping())} known e-mails"]


def fake_feeds() -> dict[str, SimpleNamespace]:
    return {
        "roster": SimpleNamespace(parse=parse, derive=roster_derive),
        "survey": SimpleNamespace(parse=parse),
        "selfassessment": SimpleNamespace(parse=parse),
        "badges": SimpleNamespace(
            parse=parse,
            reference_frames=lambda: {
                "issuer": pd.DataFrame([{"issuer_id": "moda", "name": "MODA", "issuer_tier": "self"}]),
                "badge_class": pd.DataFrame(
                    [
                        {
                            "badge_code": "badge_m1_intro",
                            "kind": "badge",
                            "name_zh": "學AI 入門",
                            "issuer_id": "moda",
                        }
                    ]
                ),
            },
        ),
    }


def roster_doc(
    people: range, month: str = "2025-03-01", bad_rows: int = 0, total_extra: int = 0
) -> dict[str, Any]:
    rows = [{"staff_key": key(n), "month": month, "agency_code": AGENCY} for n in people]
    vault = [{"email": f"person{n}@example.gov.tw", "staff_key": key(n)} for n in people]
    quarantine = [
        {
            "row_number": len(rows) + i + 1,
            "reason_code": "invalid_national_id",
            "message": f"national ID A12345678{i} is not valid",
            "raw_record": {"身分證統一編號": f"A12345678{i}", "電子郵件": f"bad{i}@example.gov.tw"},
        }
        for i in range(bad_rows)
    ]
    return {
        "feed": "roster",
        "encoding": "cp950",
        "rows_read": len(rows) + bad_rows + total_extra,
        "tables": {"roster_snapshot_rows": rows, IDENTITY_VAULT_TABLE: vault},
        "quarantine": quarantine,
    }


def award_doc(awards: list[tuple[str, int, str]]) -> dict[str, Any]:
    """awards: (award id, person number, badge code)."""
    rows = [
        {
            "award_id": a,
            "badge_code": b,
            "staff_key": key(n),
            "awarded_on": "2025-08-01",
            "source": "ob2",
            "verification": "hosted",
            "content_sha256": hashlib.sha256(a.encode()).hexdigest(),
        }
        for a, n, b in awards
    ]
    return {"feed": "badges", "rows_read": len(rows), "tables": {"badge_award": rows}}


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
