"""Roster derive(): SCD-2 compaction of monthly snapshots and change records into staff_history,
staff_restricted and roster_month, including incremental loads, on a DuckDB built from the schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from etl.context import IdentityVault, LoadContext
from etl.feeds import roster
from etl.identity import staff_key_from_national_id

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"derive-secret"
HEADER = "身分證統一編號,員工編號,姓名,電子郵件,機關代碼,機關名稱,單位名稱,職稱,職系,官等職等,主管註記,人員類別,到職日期,出生年,性別,資料日期"
IDS = {"A": "A123456789", "B": "B234567894", "C": "F131104093", "D": "Q222222220", "E": "A100000001"}


def _valid(nid: str) -> str:
    # Complete the check digit so that every letter-coded test person has a valid ID.
    for d in range(10):
        if roster.national_id_is_valid(nid[:9] + str(d)):
            return nid[:9] + str(d)
    raise AssertionError(nid)


IDS = {k: _valid(v) for k, v in IDS.items()}
KEY = {k: staff_key_from_national_id(SECRET, v) for k, v in IDS.items()}


def line(who: str, date: str, grade: str = "薦任第七職等", agency: str = "C1001", staffno: str = "") -> str:
    nid = IDS[who]
    return ",".join(
        [nid, staffno or f"10{ord(who)}", who, f"{who.lower()}@c1001.gov.tw", agency, "", "資訊處", "設計師", "資訊處理",
         grade, "否", "正式", "105/07/01", "80", "男", date]
    )  # fmt: skip


def month_end(ym: str) -> str:
    y, m = int(ym[:4]), int(ym[4:])
    nxt = dt.date(y + m // 12, m % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return f"{last.year - 1911:03d}/{last.month:02d}/{last.day:02d}"


def snapshot(tmp: Path, ym: str, people: dict[str, dict[str, str]]) -> Path:
    path = tmp / f"webhr_roster_{ym}.csv"
    lines = [line(w, month_end(ym), **kw) for w, kw in people.items()]
    path.write_bytes(("\r\n".join([HEADER, *lines]) + "\r\n").encode("cp950"))
    return path


def changes(tmp: Path, ym: str, records: list[tuple[str, str, dict[str, str]]]) -> Path:
    path = tmp / f"webhr_changes_{ym}.csv"
    day = f"{int(ym[:4]) - 1911:03d}/{ym[4:]}/10"
    lines = [f"{kind},{day}," + line(w, month_end(ym), **kw) for kind, w, kw in records]
    path.write_bytes(("\r\n".join(["異動類別,異動日期," + HEADER, *lines]) + "\r\n").encode("cp950"))
    return path


@pytest.fixture
def ctx(tmp_path: Path) -> LoadContext:
    return LoadContext(secret=SECRET, vault=IdentityVault(tmp_path / "v.parquet"))


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute((ROOT / "etl" / "sql" / "000_schema.sql").read_text(encoding="utf-8")).fetchall()
    return c


def load(
    con: duckdb.DuckDBPyConnection, ctx: LoadContext, paths: list[Path], load_id: str = "L1"
) -> list[str]:
    """Insert like the pipeline does (staging tables created from the frames), then derive."""
    for path in paths:
        res = roster.parse(path, ctx)
        assert not res.quarantine, res.quarantine
        for table, frame in res.tables.items():
            if table.startswith("_") or frame.empty:
                continue
            con.register("frame", frame)
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {table} AS SELECT *, CAST(NULL AS VARCHAR) AS load_id FROM frame LIMIT 0"
            ).fetchall()
            con.execute(f"INSERT INTO {table} BY NAME SELECT *, '{load_id}' AS load_id FROM frame").fetchall()
            con.unregister("frame")
    return roster.derive(con, ctx)


def spells(con: duckdb.DuckDBPyConnection, who: str) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT valid_from, valid_to, grade, agency_code FROM staff_history WHERE staff_key = $k ORDER BY valid_from",
        {"k": KEY[who]},
    ).fetchall()


D = dt.date


def test_snapshots_fold_into_spells(tmp_path: Path, ctx: LoadContext, con: duckdb.DuckDBPyConnection) -> None:
    files = [
        snapshot(tmp_path, "202501", {"A": {}, "B": {}, "C": {}, "D": {}}),
        snapshot(tmp_path, "202502", {"A": {}, "B": {}, "D": {}}),  # C absent
        snapshot(
            tmp_path, "202503", {"A": {}, "B": {"grade": "薦任第八職等"}, "C": {}}
        ),  # B promoted, D left
        snapshot(tmp_path, "202504", {"A": {}, "B": {"grade": "薦任第八職等"}, "C": {}, "E": {}}),  # E hired
    ]
    load(con, ctx, files)
    assert spells(con, "A") == [(D(2025, 1, 1), None, 7, "C1001")]
    assert spells(con, "B") == [
        (D(2025, 1, 1), D(2025, 2, 28), 7, "C1001"),
        (D(2025, 3, 1), None, 8, "C1001"),
    ]
    assert spells(con, "C") == [
        (D(2025, 1, 1), D(2025, 1, 31), 7, "C1001"),
        (D(2025, 3, 1), None, 7, "C1001"),
    ]
    assert spells(con, "D") == [(D(2025, 1, 1), D(2025, 2, 28), 7, "C1001")]
    assert spells(con, "E") == [(D(2025, 4, 1), None, 7, "C1001")]
    months = [r[0] for r in con.execute("SELECT month FROM roster_month ORDER BY 1").fetchall()]
    assert months == [D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1)]
    heads = con.execute("SELECT month, count(*) FROM staff_month GROUP BY 1 ORDER BY 1").fetchall()
    assert [n for _, n in heads] == [4, 3, 3, 4]
    # Staging tables are gone; the load id travels into the spells.
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "roster_snapshot_rows" not in tables and "roster_load_months" not in tables
    assert {r[0] for r in con.execute("SELECT DISTINCT load_id FROM staff_history").fetchall()} == {"L1"}


def test_restricted_staff_numbers_follow_agency_and_number(
    tmp_path: Path, ctx: LoadContext, con: duckdb.DuckDBPyConnection
) -> None:
    files = [
        snapshot(tmp_path, "202501", {"A": {"staffno": "77"}}),
        snapshot(tmp_path, "202502", {"A": {"staffno": "77"}}),
        snapshot(tmp_path, "202503", {"A": {"staffno": "91", "agency": "M1001"}}),
    ]
    load(con, ctx, files)
    rows = con.execute(
        "SELECT agency_code, staff_number, valid_from, valid_to FROM staff_restricted ORDER BY valid_from"
    ).fetchall()
    assert rows == [("C1001", "77", D(2025, 1, 1), D(2025, 2, 28)), ("M1001", "91", D(2025, 3, 1), None)]
    assert spells(con, "A")[-1][3] == "M1001"


def test_incremental_month_equals_full_build(
    tmp_path: Path, ctx: LoadContext, con: duckdb.DuckDBPyConnection
) -> None:
    m = {
        "202501": {"A": {}, "B": {}, "C": {}},
        "202502": {"A": {}, "B": {}},
        "202503": {"A": {}, "B": {"grade": "薦任第八職等"}, "C": {}},
        "202504": {"A": {}, "C": {}, "D": {}},
    }
    files = {ym: snapshot(tmp_path, ym, p) for ym, p in m.items()}
    load(con, ctx, [files["202501"], files["202502"], files["202503"]])
    warnings = load(con, ctx, [files["202504"]], load_id="L2")
    assert not any("rebuild" in w for w in warnings)
    full = duckdb.connect()
    full.execute((ROOT / "etl" / "sql" / "000_schema.sql").read_text(encoding="utf-8")).fetchall()
    load(full, ctx, list(files.values()))
    q = "SELECT staff_key, valid_from, valid_to, grade FROM staff_history ORDER BY ALL"
    assert con.execute(q).fetchall() == full.execute(q).fetchall()
    assert spells(con, "B") == [
        (D(2025, 1, 1), D(2025, 2, 28), 7, "C1001"),
        (D(2025, 3, 1), D(2025, 3, 31), 8, "C1001"),
    ]
    assert con.execute("SELECT count(*) FROM roster_month").fetchall() == [(4,)]
    # An unchanged person keeps the provenance of the load that opened the spell.
    assert con.execute(
        "SELECT load_id FROM staff_history WHERE staff_key = $k", {"k": KEY["A"]}
    ).fetchall() == [("L1",)]
    assert con.execute(
        "SELECT load_id FROM staff_history WHERE staff_key = $k", {"k": KEY["D"]}
    ).fetchall() == [("L2",)]


def test_corrected_reexport_of_the_latest_month_replaces_it(
    tmp_path: Path, ctx: LoadContext, con: duckdb.DuckDBPyConnection
) -> None:
    load(
        con,
        ctx,
        [snapshot(tmp_path, "202501", {"A": {}, "B": {}}), snapshot(tmp_path, "202502", {"A": {}, "E": {}})],
    )
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    # The corrected February export: E was listed by mistake, B is still there, A was promoted.
    warnings = load(
        con, ctx, [snapshot(fixed, "202502", {"A": {"grade": "薦任第八職等"}, "B": {}})], load_id="L2"
    )
    assert not any("rebuild" in w for w in warnings)
    assert spells(con, "E") == []
    assert spells(con, "B") == [(D(2025, 1, 1), None, 7, "C1001")]
    assert spells(con, "A") == [
        (D(2025, 1, 1), D(2025, 1, 31), 7, "C1001"),
        (D(2025, 2, 1), None, 8, "C1001"),
    ]
    assert con.execute("SELECT count(*) FROM roster_month").fetchall() == [(2,)]


def test_backfilling_an_older_month_equals_full_build(
    tmp_path: Path, ctx: LoadContext, con: duckdb.DuckDBPyConnection
) -> None:
    m = {
        "202501": {"A": {}, "B": {}, "C": {}, "D": {}},
        "202502": {"A": {"grade": "薦任第八職等"}, "C": {}, "D": {}},  # B absent, A promoted
        "202503": {"A": {}, "B": {}, "C": {}, "E": {}},  # D gone, E new
        "202504": {"A": {}, "B": {}, "C": {}, "E": {}},
    }
    files = {ym: snapshot(tmp_path, ym, p) for ym, p in m.items()}
    load(con, ctx, [files["202501"], files["202503"], files["202504"]])
    warnings = load(con, ctx, [files["202502"]], load_id="L2")
    assert any("backfill" in w for w in warnings)
    full = duckdb.connect()
    full.execute((ROOT / "etl" / "sql" / "000_schema.sql").read_text(encoding="utf-8")).fetchall()
    load(full, ctx, list(files.values()))
    q = "SELECT staff_key, valid_from, valid_to, grade FROM staff_history ORDER BY ALL"
    assert con.execute(q).fetchall() == full.execute(q).fetchall()
    q = "SELECT staff_key, agency_code, staff_number, valid_from, valid_to FROM staff_restricted ORDER BY ALL"
    assert con.execute(q).fetchall() == full.execute(q).fetchall()
    assert spells(con, "A") == [
        (D(2025, 1, 1), D(2025, 1, 31), 7, "C1001"),
        (D(2025, 2, 1), D(2025, 2, 28), 8, "C1001"),
        (D(2025, 3, 1), None, 7, "C1001"),
    ]
    assert len(spells(con, "B")) == 2


def test_change_records_equal_snapshots(
    tmp_path: Path, ctx: LoadContext, con: duckdb.DuckDBPyConnection
) -> None:
    snap_dir, chg_dir = tmp_path / "s", tmp_path / "c"
    snap_dir.mkdir()
    chg_dir.mkdir()
    load(
        con,
        ctx,
        [
            snapshot(snap_dir, "202501", {"A": {}, "B": {}, "C": {}}),
            snapshot(snap_dir, "202502", {"A": {}, "B": {"grade": "薦任第八職等"}}),
            snapshot(snap_dir, "202503", {"A": {}, "B": {"grade": "薦任第八職等"}, "D": {}}),
            snapshot(snap_dir, "202504", {"A": {}, "B": {"grade": "薦任第八職等"}, "C": {}, "D": {}}),
        ],
    )
    other = duckdb.connect()
    other.execute((ROOT / "etl" / "sql" / "000_schema.sql").read_text(encoding="utf-8")).fetchall()
    load(
        other,
        ctx,
        [
            snapshot(chg_dir, "202501", {"A": {}, "B": {}, "C": {}}),
            changes(chg_dir, "202502", [("升等", "B", {"grade": "薦任第八職等"}), ("留職停薪", "C", {})]),
            changes(chg_dir, "202503", [("新進", "D", {})]),
            changes(chg_dir, "202504", [("復職", "C", {})]),
        ],
    )
    q = "SELECT staff_key, valid_from, valid_to, grade FROM staff_history ORDER BY ALL"
    assert con.execute(q).fetchall() == other.execute(q).fetchall()
    assert len(spells(other, "C")) == 2
    q2 = "SELECT month, count(*) FROM staff_month GROUP BY 1 ORDER BY 1"
    assert con.execute(q2).fetchall() == other.execute(q2).fetchall()


def test_a_month_with_no_changes_is_still_a_roster_month(
    tmp_path: Path, ctx: LoadContext, con: duckdb.DuckDBPyConnection
) -> None:
    empty = tmp_path / "webhr_changes_202502.csv"
    empty.write_bytes(
        (
            "異動類別,異動日期," + HEADER + "\r\n" + f"新進,114/02/03,{line('E', month_end('202502'))}\r\n"
        ).encode("cp950")
    )
    load(con, ctx, [snapshot(tmp_path, "202501", {"A": {}}), empty])
    heads = con.execute("SELECT month, count(*) FROM staff_month GROUP BY 1 ORDER BY 1").fetchall()
    assert heads == [(D(2025, 1, 1), 1), (D(2025, 2, 1), 2)]
