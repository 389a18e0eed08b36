"""The survey marts that answer the dashboard's survey queries change no number: each query read
from a mart returns exactly the frame (rows, order, types, doubles) that the same question asked
of the points returns (tests/integration/perf_plain/<query>.sql, the queries as they were before
the marts)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dashboard import db

PLAIN = Path(__file__).resolve().parent / "perf_plain"


def plain(wh: db.Warehouse, name: str, **params: Any) -> pd.DataFrame:
    """perf_plain/<name>.sql run on the warehouse with the parameters it names."""
    sql = (PLAIN / f"{name}.sql").read_text(encoding="utf-8")
    body = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    used = set(db._PARAM_RE.findall(body))
    return wh.execute(sql, {k: v for k, v in params.items() if k in used})


def waves(wh: db.Warehouse) -> list[str]:
    return sorted(wh.query("common_waves")["wave"])


@pytest.mark.parametrize("name", ["report_tables_scores", "report_tables_workgroup"])
def test_report_tables_from_the_mart_equal_grouping_the_points(wh: db.Warehouse, name: str) -> None:
    assert len(waves(wh)) >= 2
    for wave in [*waves(wh), "1999"]:
        ours = wh.query(name, wave=wave)
        pd.testing.assert_frame_equal(ours, plain(wh, name, wave=wave), check_exact=True)
        assert (len(ours) > 100) == (wave != "1999")  # real tables compared, and none for no wave


# -- the competency-priority cells (etl/sql/125_mart_priority_cube.sql) -------------------------
FILTERS: dict[str, list[Any]] = {
    "gov_level": [None, "central", "county"],
    "tier": [None, "middle"],
    "workgroup": [None, "system_planning"],
    "personnel_type": [None, "contract"],
}
GROUP_BYS = ("tier", "gov_level", "workgroup", "personnel_type", "agency", "all")


def selections(wh: db.Warehouse) -> list[dict[str, Any]]:
    """Every grouping x filter combination, for all agencies, each demo agency alone, and (grouped
    by agency) both demo agencies: what the dashboard can ask of the cube."""
    from dashboard.auth.users import DEMO_AGENCY_CENTRAL, DEMO_AGENCY_COUNTY

    out = []
    for group_by, combo in itertools.product(GROUP_BYS, itertools.product(*FILTERS.values())):
        for agencies in (
            None,
            [DEMO_AGENCY_CENTRAL],
            [DEMO_AGENCY_COUNTY],
            [DEMO_AGENCY_CENTRAL, DEMO_AGENCY_COUNTY],
        ):
            if agencies is not None and len(agencies) > 1 and group_by != "agency":
                continue  # the one selection the cells cannot answer (the points do)
            out.append({**dict(zip(FILTERS, combo, strict=True)), "group_by": group_by, "agencies": agencies})
    return out


def test_priority_estimates_from_the_cells_equal_grouping_the_points(wh: db.Warehouse) -> None:
    first, second = waves(wh)[:2]
    rows = 0
    for i, sel in enumerate(selections(wh)):
        params = {
            **sel,
            "wave": first,
            "wave_b": second if i % 3 == 0 else None,
            "groups": None,
            "weighted": i % 2 == 0,
            "z": 1.959963984540054,
        }
        cube = wh.query("priority_estimates_cube", **params)
        pd.testing.assert_frame_equal(
            cube, plain(wh, "priority_estimates_points", **params), check_exact=True
        )
        rows += len(cube)
    assert rows > 20_000  # real cells were compared, not empty frames


def test_priority_groups_from_the_cells_equal_grouping_the_points(wh: db.Warehouse) -> None:
    rows = 0
    for sel in selections(wh):
        params = {**sel, "wave": waves(wh)[0]}
        cube = wh.query("priority_groups_cube", **params)
        pd.testing.assert_frame_equal(cube, plain(wh, "priority_groups_points", **params), check_exact=True)
        rows += len(cube)
    assert rows > 500


def test_the_groups_filter_and_the_null_group(wh: db.Warehouse) -> None:
    base = {
        "wave": waves(wh)[0],
        "wave_b": None,
        "gov_level": None,
        "agencies": None,
        "tier": None,
        "workgroup": None,
        "personnel_type": None,
        "weighted": True,
        "z": 1.96,
    }
    by_wg = wh.query("priority_estimates_cube", **base, group_by="workgroup", groups=None)
    assert by_wg["grp"].isna().any()  # people without a work group are a group, without ranks
    assert by_wg.loc[by_wg["grp"].isna(), "rank"].isna().all()
    assert by_wg.loc[by_wg["grp"].notna(), "rank"].notna().all()
    some = wh.query("priority_estimates_cube", **base, group_by="workgroup", groups=["system_planning"])
    assert set(some["grp"]) == {"system_planning"}
    pd.testing.assert_frame_equal(
        some.reset_index(drop=True),
        by_wg[by_wg["grp"] == "system_planning"].reset_index(drop=True),
        check_exact=True,
    )


@pytest.mark.parametrize("name", ["priority_estimates_cube", "priority_groups_cube", "ai_gap_priority_cube"])
def test_the_cells_refuse_several_agencies_not_grouped_by_agency(wh: db.Warehouse, name: str) -> None:
    params = {
        "wave": waves(wh)[0],
        "wave_b": None,
        "gov_level": None,
        "agencies": ["C3005", "K0501"],
        "tier": None,
        "workgroup": None,
        "personnel_type": None,
        "group_by": "tier",
        "groups": None,
        "weighted": True,
        "z": 1.96,
    }
    with pytest.raises(db.QueryError, match="several agencies"):
        wh.query(name, **params)


def test_the_service_reads_the_cells_unless_several_agencies_are_summed(
    wh: db.Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import cache
    from dashboard.filters import Filters
    from dashboard.scope import Scope
    from dashboard.services import priority

    names: list[str] = []
    real = wh.query

    def spy(name: str, **params: Any) -> pd.DataFrame:
        names.append(name)
        return real(name, **params)

    monkeypatch.setattr(wh, "query", spy)
    monkeypatch.setattr(db, "_instance", wh)  # what every service's get_warehouse() returns
    monkeypatch.setattr(cache, "_backend", None)
    planner = Scope(role="planner", user="p", agencies=None)
    two = Scope(role="agency_hr", user="h", agencies=("C3005", "K0501"))
    wave = waves(wh)[0]
    for scope, group_by in ((planner, "tier"), (planner, "agency"), (two, "agency"), (two, "tier")):
        names.clear()
        scores = priority.priority_scores(scope, Filters(wave=wave), group_by)
        n = priority.priority_group_n(scope, Filters(wave=wave), group_by)
        cells = priority.priority_group_cells(scope, Filters(wave=wave), group_by)
        used = {x for x in names if x.startswith("priority_")}
        if scope is two and group_by == "tier":  # their agencies' cells added up
            assert used == {"priority_agency_cells"}
        else:
            assert used == {"priority_estimates_cube", "priority_groups_cube"}
        assert len(scores) and len(n) and len(cells)
    # one of the two agencies chosen: the cells again
    names.clear()
    priority.priority_scores(two, Filters(wave=wave, agency="C3005"), "tier")
    assert names[-1] == "priority_estimates_cube"


# -- several agencies: their cells added up in the service -------------------------------------
def _assert_same(ours: pd.DataFrame, points: pd.DataFrame, close: tuple[str, ...] = ()) -> None:
    """The same frame as grouping the points (columns, dtypes, order, doubles), but for the last
    bits of the `close` columns (within 1e-12)."""
    exact = [c for c in points.columns if c not in close]
    pd.testing.assert_frame_equal(ours[exact], points[exact], check_exact=True)
    if close:
        pd.testing.assert_frame_equal(ours[list(close)], points[list(close)], check_exact=False, rtol=1e-12)


SEVERAL = ["C3005", "K0501", "C3018", "M1001"]


def test_several_agencies_estimates_add_their_cells_up(
    wh: db.Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.services import priority

    monkeypatch.setattr(db, "_instance", wh)
    first, second = waves(wh)[:2]
    rows = 0
    for i, (group_by, combo) in enumerate(
        itertools.product(GROUP_BYS[:4] + ("all",), itertools.product(*FILTERS.values()))
    ):
        params = {
            **dict(zip(FILTERS, combo, strict=True)),
            "group_by": group_by,
            "agencies": SEVERAL[: 2 + i % 3],
            "wave": first,
            "wave_b": second if i % 3 == 0 else None,
            "groups": None,
            "weighted": i % 2 == 0,
            "z": priority.Z95,
        }
        ours = priority._summed_estimates(params)
        _assert_same(ours, plain(wh, "priority_estimates_points", **params))
        groups = priority._summed_groups(params)
        _assert_same(groups, plain(wh, "priority_groups_points", **params))
        rows += len(ours)
    assert rows > 2_000


def test_several_agencies_ai_gap_cells_add_their_cells_up(
    wh: db.Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.services import ai_gap

    monkeypatch.setattr(ai_gap, "run", wh.query)
    rows = 0
    for i, group_by in enumerate(("national", "gov_level", "workgroup", "personnel_type")):
        for combo in itertools.product(*FILTERS.values()):
            params = {
                **dict(zip(FILTERS, combo, strict=True)),
                "agencies": SEVERAL[: 2 + i % 3],
                "weighted": sum(x is None for x in combo) % 2 == 0,
            }
            ours = ai_gap._summed_priority(params, group_by)
            points = plain(wh, "ai_gap_priority_points", group_by=group_by, **params)
            # DuckDB averages the category's scores as DECIMALs: the mean's last bits may differ
            _assert_same(ours, points, close=("category_mean",))
            rows += len(ours)
    assert rows > 1_000


def test_a_warehouse_built_by_older_etl_code_is_not_ready(demo_warehouse: Path, tmp_path: Path) -> None:
    import duckdb

    good = db.Warehouse(demo_warehouse, threads=1)
    try:
        assert good.unbound_queries() == {}  # every query binds on a warehouse of this code
    finally:
        good.close()
    old = tmp_path / "old.duckdb"
    old.write_bytes(demo_warehouse.read_bytes())
    con = duckdb.connect(str(old))
    con.execute("DROP TABLE mart_priority_cube_groups")  # as before mart 125 existed
    con.execute("DROP TABLE mart_priority_agency_cells")
    con.execute("ALTER TABLE mart_ai_gap_priority_cube DROP COLUMN all_agency")  # 113's older shape
    con.close()
    wh = db.Warehouse(old, threads=1)
    try:
        unbound = wh.unbound_queries()
        assert set(unbound) == {"priority_groups_cube", "priority_agency_cells", "ai_gap_priority_cube"}
        assert "mart_priority_cube_groups" in unbound["priority_groups_cube"]
        assert "all_agency" in unbound["ai_gap_priority_cube"]
    finally:
        wh.close()
