"""The ai_gap/supply marts change no number: mart-based queries equal their plain forms on demo data."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboard import db

PLAIN = Path(__file__).resolve().parent / "perf_plain"
BASE: dict[str, Any] = {
    "gov_level": None,
    "agencies": None,
    "tier": None,
    "workgroup": None,
    "personnel_type": None,
    "weighted": True,
}
FILTERS: list[dict[str, Any]] = [
    {},
    {"gov_level": "county"},
    {"tier": "middle"},
    {"personnel_type": "it_series"},
    {"workgroup": "system_planning"},
    {"weighted": False},
    {"tier": "senior", "gov_level": "central", "weighted": False},
]


def _agencies(wh: db.Warehouse) -> list[str]:
    df = wh.execute("SELECT DISTINCT agency_code FROM survey_respondent ORDER BY 1 LIMIT 3")
    return [str(a) for a in df["agency_code"]]


def _both(wh: db.Warehouse, name: str, params: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(plain query on base tables, dashboard query on the marts) for the same parameters."""
    used = db.query_params(name)
    plain = wh.execute(
        (PLAIN / f"{name}.sql").read_text(encoding="utf-8"), {k: v for k, v in params.items() if k in used}
    )
    return plain, wh.query(name, **params)


def _assert_same(plain: pd.DataFrame, mart: pd.DataFrame) -> None:
    assert not plain.empty or mart.empty
    # counts and integer sums are exact; float sums may differ in the last bit (summation order)
    pd.testing.assert_frame_equal(plain, mart, check_exact=False, rtol=1e-12, atol=1e-12)
    for col in plain.columns:
        if pd.api.types.is_integer_dtype(plain[col]) or pd.api.types.is_string_dtype(plain[col]):
            assert plain[col].tolist() == mart[col].tolist(), col


def _combos(wh: db.Warehouse, groups: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    ags = _agencies(wh)
    filters = [*FILTERS, {"agencies": ags}, {"agencies": ags[:1], "weighted": False}]
    for group_by, f in itertools.product(groups, filters):
        yield {**BASE, "group_by": group_by, **f}


def test_priority_from_points_mart_equals_plain(wh: db.Warehouse) -> None:
    n = 0
    for params in _combos(wh, ("national", "gov_level", "workgroup", "personnel_type")):
        # mart_ai_gap_points (the join every survey cell is grouped from) against the base tables;
        # the served cells equal the points form exactly (test_survey_cubes, test_s3_ai_gap_marts)
        plain, mart = (
            wh.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
            for sql in (
                (PLAIN / f"{name}.sql").read_text(encoding="utf-8")
                for name in ("ai_gap_priority", "ai_gap_priority_points")
            )
        )
        _assert_same(plain, mart)
        n += len(plain)
    assert n > 1000  # the comparison covered real cells, not empty frames


def test_mention_from_respondent_mart_equals_plain(wh: db.Warehouse) -> None:
    for params in _combos(wh, ("national", "tier", "gov_level", "workgroup", "personnel_type")):
        plain, mart = _both(wh, "ai_gap_mention", params)
        _assert_same(plain, mart)
    plain, _ = _both(wh, "ai_gap_mention", {**BASE, "group_by": "national"})
    assert plain["n"].sum() == int(
        wh.execute("SELECT count(*) AS n FROM mart_ai_gap_respondent")["n"].iloc[0]
    )


@pytest.mark.parametrize("name", ["ai_gap_borich", "ai_gap_attitudes"])
def test_selfassessment_cells_equal_plain(wh: db.Warehouse, name: str) -> None:
    waves = wh.execute("SELECT DISTINCT wave FROM selfassessment_respondent ORDER BY 1")["wave"].tolist()
    assert len(waves) >= 2
    for params, wave in itertools.product(
        _combos(wh, ("national", "tier", "gov_level", "personnel_type")), waves
    ):
        plain, mart = _both(wh, name, {**params, "sa_wave": wave})
        _assert_same(plain, mart)
        assert not mart.empty or params.get("agencies")


def test_earners_from_person_marts_equal_plain(wh: db.Warehouse) -> None:
    waves = wh.execute("SELECT DISTINCT wave FROM selfassessment_respondent ORDER BY 1")["wave"].tolist()
    for params in _combos(wh, ("national", "tier", "gov_level", "personnel_type")):
        for w_from, w_to in ((waves[-2], waves[-1]), (waves[-1], waves[-2])):
            plain, mart = _both(wh, "ai_gap_earners", {**params, "wave_from": w_from, "wave_to": w_to})
            _assert_same(plain, mart)
    plain, _ = _both(
        wh, "ai_gap_earners", {**BASE, "group_by": "national", "wave_from": waves[-2], "wave_to": waves[-1]}
    )
    assert set(plain["earner"]) == {True, False}  # both sides of the comparison were exercised


def test_supply_demand_from_marts_equals_plain(wh: db.Warehouse) -> None:
    months = wh.execute("SELECT CAST(month AS VARCHAR) AS m FROM roster_month ORDER BY month")["m"].tolist()
    for params in _combos(wh, ("national",)):
        for wave, month in ((None, None), ("2025", months[len(months) // 2])):
            plain, mart = _both(wh, "badges_supply_demand", {**params, "wave": wave, "month": month})
            _assert_same(plain, mart)
    plain, _ = _both(
        wh, "badges_supply_demand", {**BASE, "group_by": "national", "wave": None, "month": None}
    )
    assert plain["holders"].sum() > 0


def test_supply_cells_sum_to_distinct_holders(wh: db.Warehouse) -> None:
    """Each person sits in one cell per month, so summed cells equal distinct holders."""
    df = wh.execute(
        "WITH plain AS (SELECT sm.month, al.competency_code, count(DISTINCT sm.staff_key) AS holders "
        "FROM staff_month AS sm JOIN badge_award AS a ON a.staff_key = sm.staff_key "
        "JOIN badge_alignment AS al ON al.badge_code = a.badge_code "
        "WHERE a.awarded_on <= last_day(sm.month) "
        "AND (a.revoked_on IS NULL OR a.revoked_on > last_day(sm.month)) "
        "AND (a.valid_until IS NULL OR a.valid_until >= last_day(sm.month)) GROUP BY ALL), "
        "cells AS (SELECT month, competency_code, sum(holders) AS holders FROM mart_badges_supply GROUP BY ALL) "
        "SELECT count(*) AS n, count(*) FILTER (WHERE p.holders IS DISTINCT FROM c.holders) AS bad "
        "FROM plain AS p FULL JOIN cells AS c USING (month, competency_code)"
    )
    assert int(df["n"].iloc[0]) > 100
    assert int(df["bad"].iloc[0]) == 0


@pytest.mark.parametrize("kind", ["badge", "certification", None])
def test_first_badge_from_mart_equals_plain(wh: db.Warehouse, kind: str | None) -> None:
    ags = _agencies(wh)
    rows = 0
    for group_by, f in itertools.product(
        ("national", "gov_level", "tier", "personnel_type"),
        [{}, {"gov_level": "county"}, {"tier": "middle"}, {"personnel_type": "contract"}, {"agencies": ags}],
    ):
        plain, mart = _both(wh, "badges_first_badge", {**BASE, "group_by": group_by, "kind": kind, **f})
        pd.testing.assert_frame_equal(plain, mart, check_exact=True)
        rows += len(plain)
    assert rows > 100
