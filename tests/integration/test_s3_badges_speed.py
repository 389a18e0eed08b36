"""The faster /badges paths give the same frames as the generic ones, on the demo warehouse:
the one-query coverage trend (selection + national benchmark) equals badges_coverage run once
per scope level, and the vectorized one-cell suppression equals suppress_by's loop."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from dashboard import db
from dashboard.scope import Scope
from dashboard.services import badges as svc
from dashboard.services.ai_gap import suppress_by

ROSTER = {"gov_level": None, "agencies": None, "tier": None, "personnel_type": None}


def _filters(wh: db.Warehouse) -> list[dict[str, Any]]:
    ags = wh.execute("SELECT agency_code FROM staff_history GROUP BY 1 ORDER BY count(*) ASC, 1 LIMIT 3")[
        "agency_code"
    ].tolist()
    return [
        {},
        {"gov_level": "central"},
        {"tier": "senior", "personnel_type": "contract"},
        {"agencies": ags},
        {"agencies": ags[:1], "tier": "basic"},
        {"agencies": []},
    ]


def test_trend_query_equals_coverage_per_scope_level(wh: db.Warehouse) -> None:
    compared = 0
    for f in _filters(wh):
        for kind in (None, "badge", "certification"):
            for bench in (False, True):
                params = {**ROSTER, **f, "kind": kind}
                frames = [
                    wh.query("badges_coverage", group_by="total", **params).assign(scope_level="selection")
                ]
                if bench:
                    national = {**params, "agencies": None}
                    frames.append(
                        wh.query("badges_coverage", group_by="total", **national).assign(
                            scope_level="national"
                        )
                    )
                got = wh.query("badges_coverage_trend", benchmark=bench, **params)
                frames = [fr for fr in frames if not fr.empty]
                if not frames:
                    assert got.empty
                    continue
                want = pd.concat(frames, ignore_index=True)
                pd.testing.assert_frame_equal(got, want)
                compared += len(got)
    assert compared > 500


@pytest.mark.parametrize("min_cell", [3, 10, 50])
def test_one_cell_suppression_equals_suppress_by(wh: db.Warehouse, min_cell: int) -> None:
    scope = Scope(role="analyst", user="t", agencies=None, min_cell=min_cell)
    hidden = 0
    for f in _filters(wh):
        params = {**ROSTER, **f, "kind": None}
        df = wh.query("badges_coverage_trend", benchmark=True, **params).rename(columns={"headcount": "n"})
        df["share"] = df["holders"] / df["n"]
        want = suppress_by(df, scope, ["scope_level", "month"], ["group_code"], ["holders", "share"])
        got = svc.suppress_single_cells(df, scope, ["holders", "share"])
        pd.testing.assert_frame_equal(got, want)
        hidden += int(got["suppressed"].sum())
    assert hidden > 0  # small cells were really hidden


def test_one_cell_suppression_unsuppressed_keeps_everything(wh: db.Warehouse) -> None:
    scope = Scope(role="planner", user="t", agencies=None, unsuppressed=True)
    df = wh.query("badges_coverage_trend", benchmark=True, **{**ROSTER, "agencies": ["none"], "kind": None})
    df = df.rename(columns={"headcount": "n"})
    got = svc.suppress_single_cells(df, scope, ["holders"])
    assert not got["suppressed"].any()
    pd.testing.assert_frame_equal(got.drop(columns="suppressed"), df)


@pytest.mark.parametrize("group_by", ["national", "tier", "personnel_type"])
def test_km_curves_equal_stats_kaplan_meier_per_group(wh: db.Warehouse, group_by: str) -> None:
    from dashboard import stats

    rows = 0
    for f in _filters(wh)[:4]:
        counts = wh.query("badges_first_badge", group_by=group_by, kind="badge", **{**ROSTER, **f})
        got = svc._km_curves(counts)
        parts = []
        for group, part in counts.groupby("group_code", sort=True):
            km = stats.kaplan_meier_counts(part["t_month"], part["events"], part["censored"])
            km.insert(0, "group_code", group)
            km.insert(1, "n", int(part["events"].sum() + part["censored"].sum()))
            parts.append(km)
        want = pd.concat(parts, ignore_index=True)
        pd.testing.assert_frame_equal(got[list(want.columns)], want, check_exact=True)
        assert got["group_code"].nunique() == counts["group_code"].nunique()
        assert (got["n"] > 0).all()
        rows += len(got)
    assert rows > 40  # national alone: one curve of ~40 monthly steps
