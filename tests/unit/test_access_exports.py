"""Exports: formula-injection escaping round-trips in CSV/XLSX/ODS, metadata, row cap, roles, audit."""

from __future__ import annotations

import base64
import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask

from dashboard.audit import AuditLog
from dashboard.exports import ExportRefused, escape_text, export_bytes, send_export
from dashboard.scope import Scope
from dashboard.settings import Settings

NASTY = ["=1+1", "+1", "-1+1", "@SUM(1)", "\tTAB", "\rCR", "\nLF", "plain", "負-1"]
NUMBERS = [-1, -2.5, 3, 0, -0.25, 7, 8, 9, 10]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"label": NASTY, "value": NUMBERS, "count": list(range(len(NASTY)))})


META = {"user": "=cmd|' /C calc'!A0", "threshold": 10}


def _read_csv(content: bytes) -> tuple[list[list[str]], list[list[str]]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM"
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    blank = rows.index([])
    return rows[:blank], rows[blank + 1 :]


def test_escape_text_only_dangerous_prefixes() -> None:
    assert [escape_text(v) for v in NASTY] == ["'" + v for v in NASTY[:7]] + ["plain", "負-1"]


def test_csv_roundtrip_text_escaped_numbers_numeric() -> None:
    content, name, mime = export_bytes(_frame(), "csv", META)
    assert name.endswith(".csv") and mime.startswith("text/csv")
    meta, table = _read_csv(content)
    assert meta[0] == ["user", "'=cmd|' /C calc'!A0"] and meta[1] == ["threshold", "10"]
    assert table[0] == ["label", "value", "count"]
    assert [r[0] for r in table[1:]] == ["'" + v for v in NASTY[:7]] + ["plain", "負-1"]
    # negative numbers are written as bare numbers (no quote prefix) and parse back as floats
    assert [float(r[1]) for r in table[1:]] == [float(x) for x in NUMBERS]
    assert not any(r[1].startswith("'") for r in table[1:])


def test_xlsx_roundtrip() -> None:
    from openpyxl import load_workbook

    content, name, _ = export_bytes(_frame(), "xlsx", META, lang="en")
    wb = load_workbook(io.BytesIO(content))
    ws = wb["data"]
    rows = list(ws.iter_rows(min_row=2))
    for row, text, num in zip(rows, NASTY, NUMBERS, strict=True):
        # XML reads a bare CR back as LF (line-end normalisation); the quote prefix survives
        assert row[0].data_type == "s" and row[0].value == escape_text(text).replace("\r", "\n")
        assert row[1].data_type == "n" and row[1].value == num
    meta = wb["Download information"]
    assert (
        meta["A1"].value == "user"
        and meta["B1"].value == "'=cmd|' /C calc'!A0"
        and meta["B1"].data_type == "s"
    )
    assert meta["B2"].value == 10


def test_ods_roundtrip() -> None:
    from odf.namespaces import OFFICENS
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow

    content, name, mime = export_bytes(_frame(), "ods", META)
    assert name.endswith(".ods") and "opendocument" in mime
    doc = load(io.BytesIO(content))
    tables = {t.getAttribute("name"): t for t in doc.spreadsheet.getElementsByType(Table)}
    assert set(tables) == {"data", "下載資訊"}
    rows = tables["data"].getElementsByType(TableRow)[1:]
    for row, text, num in zip(rows, NASTY, NUMBERS, strict=True):
        label, value, _ = row.getElementsByType(TableCell)
        assert label.attributes[(OFFICENS, "value-type")] == "string"
        assert "".join(str(x) for x in label.childNodes) == escape_text(text).replace("\r", "\n")
        assert value.attributes[(OFFICENS, "value-type")] == "float"
        assert float(value.attributes[(OFFICENS, "value")]) == num


def test_row_cap_refuses_with_message() -> None:
    with pytest.raises(ExportRefused) as exc:
        export_bytes(_frame(), "csv", META, row_cap=5, lang="en")
    assert (
        exc.value.reason == "row_cap" and "9 rows" in exc.value.message and "limit of 5" in exc.value.message
    )
    with pytest.raises(ExportRefused):
        export_bytes(_frame(), "pdf", META)


@pytest.fixture()
def app_ctx(tmp_path: Path):  # type: ignore[no-untyped-def]
    base = Settings.from_env({"DASHBOARD_SECRET_KEY": "k" * 40, "DASHBOARD_ENV": "development"})
    settings = replace(
        base,
        audit_log_path=tmp_path / "audit.jsonl",
        export_row_cap=50,
        warehouse_path=tmp_path / "none.duckdb",
    )
    app = Flask(__name__)
    app.config["DASHBOARD_SETTINGS"] = settings
    # The process-wide warehouse may have been configured by an earlier test in this worker:
    # point it at the (missing) test file so the metadata's data version is really unknown.
    # Restore the previous one afterwards: other modules' fixtures configure it once per module.
    from dashboard import db

    saved = db._instance
    db._instance = db.Warehouse(settings.warehouse_path)
    try:
        with app.app_context():
            yield settings
    finally:
        db._instance = saved


def _decode(payload: dict) -> bytes:  # type: ignore[type-arg]
    assert payload["base64"] is True
    return base64.b64decode(payload["content"])


def test_send_export_metadata_audit_and_scope_clamp(app_ctx: Settings) -> None:
    hr = Scope("agency_hr", "hr-central", ("C3005",))
    df = pd.DataFrame(
        {"agency_code": ["C3005", "C1001", None], "n": [12, 40, 100], "suppressed": [False, False, False]}
    )
    payload = send_export("/badges", df, "csv", {"tier": "basic", "agency": "C1001"}, hr, lang="en")
    meta, table = _read_csv(_decode(payload))
    meta_d = {r[0]: r[1] for r in meta}
    assert meta_d["User"] == "hr-central" and meta_d["Minimum cell size"] == "10"
    assert "tier=basic" in meta_d["Filters"] and meta_d["Agency scope"] == "C3005"
    assert "C1001" not in meta_d["Filters"]  # the forged agency was ignored, and the file says so
    assert meta_d["Data version"] == "unknown"  # no warehouse in this unit test
    # another agency's row is dropped, the national row stays, the suppressed flag is not exported
    assert table[0] == ["agency_code", "n"] and [r[0] for r in table[1:]] == ["C3005", ""]
    recs = list(AuditLog(app_ctx.audit_log_path).records())
    assert len(recs) == 1
    rec = recs[0]
    assert (
        rec["event"] == "export"
        and rec["user"] == "hr-central"
        and rec["rows"] == 2
        and rec["format"] == "csv"
    )
    assert (
        rec["filters"] == {"tier": "basic"} and rec["ignored_agency"] == "C1001" and rec["page"] == "/badges"
    )


def test_send_export_refusals_are_audited(app_ctx: Settings) -> None:
    df = pd.DataFrame({"staff_number": ["A1"], "n": [1]})
    with pytest.raises(ExportRefused) as exc:
        send_export("/summary", pd.DataFrame({"n": [1]}), "csv", {}, Scope("executive", "exec", None))
    assert exc.value.reason == "role"
    with pytest.raises(ExportRefused) as exc:
        send_export("/badges", df, "xlsx", {}, Scope("analyst", "ana", None))
    assert exc.value.reason == "restricted"
    with pytest.raises(ExportRefused) as exc:
        send_export("/badges", pd.DataFrame({"n": range(60)}), "csv", {}, Scope("planner", "pl", None))
    assert exc.value.reason == "row_cap"
    # agency HR may export its staff numbers (the /staff page)
    send_export("/staff", df, "ods", {}, Scope("agency_hr", "hr", ("C3005",)), row_level=True)
    events = [(r["event"], r.get("reason")) for r in AuditLog(app_ctx.audit_log_path).records()]
    assert events == [
        ("export_refused", "role"),
        ("export_refused", "restricted"),
        ("export_refused", "row_cap"),
        ("export", None),
    ]


def test_audit_log_chain_detects_tampering(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    for i in range(5):
        log.append("export", user=f"u{i}", rows=i)
    assert log.verify() == (True, 5)
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[2])
    rec["rows"] = 999
    lines[2] = json.dumps(rec)
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert log.verify() == (False, 2)
    # deleting a line is detected as well
    del lines[2]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert log.verify()[0] is False


def test_suppressed_cells_are_blank_in_every_format() -> None:
    from openpyxl import load_workbook

    from dashboard.suppression import suppress

    df = pd.DataFrame({"tier": ["basic", "middle", "senior"], "n": [120, 30, 4], "score": [1.5, 2.5, 3.5]})
    shown = suppress(df, Scope("analyst", "a", None), value_cols=["score"], group_cols=["tier"])
    content, _, _ = export_bytes(shown.drop(columns=["suppressed"]), "csv", META)
    _, table = _read_csv(content)
    assert table[1] == ["basic", "120.0", "1.5"] or table[1] == ["basic", "120", "1.5"]
    assert table[2][1:] == ["", ""] and table[3][1:] == ["", ""]
    xlsx, _, _ = export_bytes(shown.drop(columns=["suppressed"]), "xlsx", META)
    ws = load_workbook(io.BytesIO(xlsx))["data"]
    assert [c.value for c in ws[3]] == ["middle", None, None] and [c.value for c in ws[4]] == [
        "senior",
        None,
        None,
    ]
