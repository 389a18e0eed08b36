"""The badge and staff marts (etl/sql/117-120) change no number: the mart-based queries equal their
former plain forms (tests/integration/perf_plain/) on the demo warehouse, for many filters."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboard import db

PLAIN = Path(__file__).resolve().parent / "perf_plain"
ROSTER = {"gov_level": None, "agencies": None, "tier": None, "personnel_type": None}


def _both(wh: db.Warehouse, name: str, params: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    used = db.query_params(name)
    plain = wh.execute(
        (PLAIN / f"{name}.sql").read_text(encoding="utf-8"), {k: v for k, v in params.items() if k in used}
    )
    return plain, wh.query(name, **params)


def _same(plain: pd.DataFrame, mart: pd.DataFrame) -> None:
    assert list(plain.columns) == list(mart.columns)
    assert list(plain.dtypes) == list(mart.dtypes)
    assert len(plain) == len(mart)
    for col in plain.columns:  # exact, in order (lists compared element-wise)
        a = [list(x) if hasattr(x, "__len__") and not isinstance(x, str) else x for x in plain[col]]
        b = [list(x) if hasattr(x, "__len__") and not isinstance(x, str) else x for x in mart[col]]
        assert a == b, col


def _filters(wh: db.Warehouse) -> list[dict[str, Any]]:
    ags = wh.execute("SELECT agency_code FROM staff_history GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3")[
        "agency_code"
    ].tolist()
    return [
        {},
        {"gov_level": "central"},
        {"gov_level": "municipal", "tier": "basic"},
        {"tier": "senior"},
        {"personnel_type": "it_series"},
        {"personnel_type": "contract", "tier": "middle"},
        {"agencies": ags},
        {"agencies": ags[:1], "tier": "basic"},
        {"agencies": []},
    ]


def _months(wh: db.Warehouse) -> list[str | None]:
    months = wh.execute("SELECT CAST(month AS VARCHAR) AS m FROM roster_month ORDER BY month")["m"].tolist()
    return [None, months[-4], months[-13], months[0]]


def test_funnel_from_mart_equals_plain(wh: db.Warehouse) -> None:
    rows = 0
    for f, month in itertools.product(_filters(wh), _months(wh)):
        plain, mart = _both(wh, "badges_funnel", {**ROSTER, **f, "month": month})
        _same(plain, mart)
        rows += int(plain["n"].sum()) if not plain.empty else 0
    assert rows > 1000  # real people were counted, not empty frames


@pytest.mark.parametrize("group_by", ["route", "badge"])
def test_coverage_by_route_and_badge_from_mart_equals_plain(wh: db.Warehouse, group_by: str) -> None:
    rows = 0
    for f, month, kind in itertools.product(_filters(wh), _months(wh)[:3], [None, "badge", "certification"]):
        params = {**ROSTER, **f, "group_by": group_by, "month": month, "kind": kind}
        plain, mart = _both(wh, "badges_coverage_badge", params)
        _same(plain, mart)
        rows += len(plain)
    assert rows > 100


def test_monthly_events_from_mart_equal_plain(wh: db.Warehouse) -> None:
    events = set()
    for f, kind in itertools.product(_filters(wh), [None, "badge", "certification"]):
        plain, mart = _both(wh, "badges_monthly", {**ROSTER, **f, "kind": kind})
        _same(plain, mart)
        events |= set(plain["event"])
    assert events == {"issued", "revoked", "expired"}


def test_expiring_from_staff_mart_equals_plain(wh: db.Warehouse) -> None:
    last = wh.execute("SELECT last_day(max(month)) AS d FROM roster_month")["d"].iloc[0]
    n = 0
    for f, as_of in itertools.product(_filters(wh), [None, str(last), str(last.replace(day=1))]):
        plain, mart = _both(wh, "badges_expiring", {**ROSTER, **f, "as_of": as_of})
        _same(plain, mart)
        n += int(plain["n"].sum()) if not plain.empty else 0
    assert n > 0


def test_expiring_refuses_an_as_of_outside_the_latest_month(wh: db.Warehouse) -> None:
    first = wh.execute("SELECT min(month) AS d FROM roster_month")["d"].iloc[0]
    with pytest.raises(db.QueryError, match="latest roster month"):
        wh.query("badges_expiring", **ROSTER, as_of=str(first))


def test_staff_list_from_staff_mart_equals_plain(wh: db.Warehouse) -> None:
    ags = wh.execute("SELECT agency_code FROM staff_history GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 4")[
        "agency_code"
    ].tolist()
    held = 0
    for agencies, today in itertools.product(
        [ags[:1], ags, ["no-such-agency"]], ["2024-06-30", "2025-12-31", "2026-10-31", "2027-06-30"]
    ):
        plain, mart = _both(wh, "staff_list", {"agencies": agencies, "today": today})
        _same(plain, mart)
        held += int(plain["badges"].map(len).sum() + plain["certifications"].map(len).sum())
    assert held > 100


AUDIT = Path(__file__).resolve().parents[2] / "etl" / "sql" / "129_mart_badges_audit.sql"


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (
            "UPDATE mart_badges_funnel SET n = 10000000 WHERE rowid = 0",
            "funnel_cell_outside_roster_or_above_headcount",
        ),
        (
            "UPDATE mart_badges_coverage_badge SET holders_badge = holders_any + 1 WHERE rowid = 0",
            "coverage_badge_cell_outside_roster_or_inconsistent",
        ),
        (
            "UPDATE mart_badges_coverage SET holders_any = holders_any + 1 WHERE rowid IN "
            "(SELECT min(rowid) FROM mart_badges_coverage WHERE holders_any > 0)",
            "coverage_badge_cells_disagree_with_coverage",
        ),
        (
            "UPDATE mart_badges_monthly SET n = n + 1 WHERE rowid IN "
            "(SELECT min(rowid) FROM mart_badges_monthly WHERE event = 'issued')",
            "monthly_issued_differs_from_awards",
        ),
        (
            "DELETE FROM mart_badges_current_staff WHERE rowid = 0",
            "current_staff_differs_from_latest_headcount",
        ),
    ],
)
def test_mart_audit_passes_on_the_build_and_fails_on_tampering(
    demo_warehouse: Path, tmp_path: Path, tamper: str, problem: str
) -> None:
    import shutil

    import duckdb

    copy = tmp_path / "w.duckdb"
    shutil.copy(demo_warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(AUDIT.read_text(encoding="utf-8")).fetchall()  # passes: no error
        assert con.execute("SELECT count(*) FROM mart_badges_audit").fetchall() == [(0,)]
        con.execute(tamper)
        with pytest.raises(duckdb.Error, match=problem):
            con.execute(AUDIT.read_text(encoding="utf-8")).fetchall()
    finally:
        con.close()


def test_waves_from_mart_equal_plain(wh: db.Warehouse) -> None:
    plain, mart = _both(wh, "ai_gap_waves", {})
    _same(plain, mart)
    assert set(plain["source"]) == {"survey", "selfassessment"}
