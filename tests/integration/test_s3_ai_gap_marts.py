"""The precomputed priority cells (mart_ai_gap_priority_cube) change no number: for every grouping
and filter, of all agencies or of one, ai_gap_priority_cube.sql returns exactly the frame of
its plain form over the points (perf_plain/ai_gap_priority_points.sql: same rows, order, types
and doubles), and the service adds agencies' cells up only when several agencies are selected."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboard import db
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services import ai_gap

POINTS_SQL = Path(__file__).resolve().parent / "perf_plain" / "ai_gap_priority_points.sql"


def points(wh: db.Warehouse, **params: Any) -> pd.DataFrame:
    """The priority cells grouped from the points on request (the plain form of the cube)."""
    sql = POINTS_SQL.read_text(encoding="utf-8")
    return wh.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})


VALUES: dict[str, list[Any]] = {
    "gov_level": [None, "central", "county"],
    "tier": [None, "middle"],
    "workgroup": [None, "system_planning", "non_core"],
    "personnel_type": [None, "contract", "it_series"],
    "weighted": [True, False],
}


def test_cube_equals_the_points_query_for_every_selection_of_all_agencies_or_one(wh: db.Warehouse) -> None:
    rows = 0
    for group_by, combo in itertools.product(
        ("national", "gov_level", "workgroup", "personnel_type"), itertools.product(*VALUES.values())
    ):
        for agencies in (None, ["C3005"], ["K0501"]):  # all agencies, and each demo agency alone
            params = {**dict(zip(VALUES, combo, strict=True)), "group_by": group_by, "agencies": agencies}
            plain = points(wh, **params)
            cube = wh.query("ai_gap_priority_cube", **params)
            # exact: the cube's sums are the same exact DECIMAL sums, so the same doubles and ranks
            pd.testing.assert_frame_equal(plain, cube, check_exact=True)
            rows += len(plain)
    assert rows > 20_000  # real cells were compared, not empty frames


def test_unknown_work_group_is_a_group_of_the_cube_not_a_filter(wh: db.Warehouse) -> None:
    by_wg = wh.query(
        "ai_gap_priority_cube",
        group_by="workgroup",
        gov_level=None,
        agencies=None,
        tier=None,
        workgroup=None,
        personnel_type=None,
        weighted=False,
    )
    plain = points(
        wh,
        group_by="workgroup",
        gov_level=None,
        agencies=None,
        tier=None,
        workgroup=None,
        personnel_type=None,
        weighted=False,
    )
    assert "unknown" in set(by_wg["group_code"])  # people without a work group (demo has some)
    pd.testing.assert_frame_equal(plain, by_wg, check_exact=True)


def test_service_adds_cells_up_only_for_several_agencies(
    wh: db.Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    names: list[str] = []

    def run(name: str, **params: Any) -> pd.DataFrame:
        names.append(name)
        return wh.query(name, **params)

    monkeypatch.setattr(ai_gap, "run", run)
    monkeypatch.setattr(ai_gap, "get_warehouse", lambda: wh)
    planner = Scope("planner", "p", None)
    agency = wh.execute("SELECT min(agency_code) AS a FROM survey_respondent")["a"].iloc[0]
    ai_gap.priority_cells.uncached(planner, Filters(tier="basic"), "gov_level")
    ai_gap.priority_cells.uncached(planner, Filters(agency=str(agency)), "national")
    ai_gap.priority_cells.uncached(planner, Filters(agency=str(agency)), "national", True)
    # a work group code outside the catalog selects nobody (the cube's 'unknown' is a group)
    nobody = ai_gap.priority_cells.uncached(planner, Filters(workgroup="unknown"), "national")
    assert nobody.empty and list(nobody.columns) == list(ai_gap._PRIORITY_COLS)
    hr_two = Scope("agency_hr", "h", ("C3005", "K0501"))
    ai_gap.priority_cells.uncached(hr_two, Filters(), "national")  # their agencies' cells added up
    ai_gap.priority_cells.uncached(hr_two, Filters(agency="K0501"), "national")  # one of them
    assert names == [
        "ai_gap_priority_cube",
        "ai_gap_priority_cube",
        "ai_gap_priority_cube",
        "ai_gap_priority_cube",
        "priority_agency_cells",
        "ai_gap_priority_cube",
    ]
