"""The faster AI-gap services compute what the straightforward pandas forms computed: suppress_by
against one suppress() call per table, priority_gap's target bar and wave change against merges and
groupby, and the summary's benchmark-free calls against the selection rows of the full frames."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import cache, db
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services import ai_gap, common
from dashboard.suppression import suppress


def _suppress_by_reference(
    df: pd.DataFrame,
    scope: Scope,
    split_cols: Sequence[str],
    group_cols: Sequence[str],
    value_cols: Sequence[str],
    n_col: str = "n",
) -> pd.DataFrame:
    """suppress_by as it was: suppress() on each table that has a small cell, then re-stack."""
    n = pd.to_numeric(df[n_col], errors="coerce").fillna(0)
    small = (n > 0) & (n < scope.min_cell)
    if scope.unsuppressed or not small.any():
        return df.assign(suppressed=False).reset_index(drop=True)
    keys = list(split_cols)
    groups = df.groupby(keys, sort=False, dropna=False) if keys else [((), df)]
    parts = []
    for _, part in groups:
        if not small.loc[part.index].any():
            parts.append(part.assign(suppressed=False))
            continue
        parts.append(
            suppress(
                part, scope, n_col=n_col, value_cols=list(value_cols), group_cols=list(group_cols) or None
            )
        )
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("min_cell", [2, 10, 30])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_suppress_by_equals_one_suppress_per_table(min_cell: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = 120
    df = pd.DataFrame(
        {
            "scope_level": rng.choice(["selection", "national"], rows),
            "wave": rng.choice(["2025", "2026"], rows),
            "tier": rng.choice(["basic", "middle", "senior"], rows),
            "group_code": rng.choice(["a", "b", "c", "d"], rows),
            "n": rng.integers(0, 60, rows),
            "rank": rng.integers(1, 8, rows),
            "score": rng.random(rows),
            "label": rng.choice(["x", "y"], rows),
        }
    ).sort_values(["wave", "tier"])  # not grouped by the split: the re-stacking order matters
    scope = Scope("planner", "p", None, min_cell=min_cell)
    for split, groups, values in (
        (["scope_level", "wave"], ["tier", "group_code"], ["rank", "score", "label"]),
        (["wave"], ["tier"], []),
        ([], ["group_code"], ["score"]),
        ([], [], ["rank"]),
    ):
        got = ai_gap.suppress_by(df, scope, split, groups, values)
        want = _suppress_by_reference(df, scope, split, groups, values)
        pd.testing.assert_frame_equal(got, want, check_exact=True)
    hidden = ai_gap.suppress_by(df, scope, ["scope_level", "wave"], ["tier", "group_code"], ["score"])
    assert hidden["suppressed"].any() == bool(((df["n"] > 0) & (df["n"] < min_cell)).any())


@pytest.fixture(scope="module")
def planner_wh(demo_warehouse: Path) -> Iterator[None]:
    saved, saved_cache = db._instance, cache._backend
    db._instance = db.Warehouse(demo_warehouse, threads=1, memory_limit="512MB")
    cache.disable_cache()
    try:
        yield
    finally:
        db._instance.close()
        db._instance, cache._backend = saved, saved_cache


def _gap_reference(scope: Scope, filters: Filters, group_by: str) -> pd.DataFrame:
    """priority_gap's target bar and wave change by merges and groupby (the former code)."""
    frames = [ai_gap.priority_cells(scope, filters, group_by).assign(scope_level="selection")]
    if ai_gap.has_benchmark(scope, filters):
        frames.append(ai_gap.priority_cells(scope, filters, "national", True).assign(scope_level="national"))
    df = pd.concat(frames, ignore_index=True)
    keys = ["scope_level", "wave", "tier", "group_code", "category"]
    ai = df[df["ai_related"].astype(bool)].merge(ai_gap.targets(), on=["competency_code", "tier"])
    cand = ai[[*keys, "competency_code", "target_rank"]].merge(df[[*keys, "rank", "score"]], on=keys)
    cand = cand[cand["rank"] <= cand["target_rank"]]
    bar = cand.groupby([*keys, "competency_code"], as_index=False).agg(target_score=("score", "min"))
    ai = ai.merge(bar, on=[*keys, "competency_code"], how="left")
    ai["rank_gap"] = ai["rank"] - ai["target_rank"]
    prev = ai.sort_values("wave").groupby(["scope_level", "tier", "group_code", "competency_code"])
    ai = ai.sort_values("wave").assign(
        score_change=prev["score"].diff(), rank_change=prev["rank"].diff(), prev_wave=prev["wave"].shift(1)
    )
    cols = ["scope_level", "wave", "tier", "group_code", "competency_code"]
    out = ai[[*cols, "target_rank", "target_score", "rank_gap", "score_change", "rank_change", "prev_wave"]]
    return out.sort_values(cols).reset_index(drop=True)


@pytest.mark.parametrize(
    ("query", "group_by"),
    [
        ({}, "national"),
        ({"weighted": "0"}, "workgroup"),
        ({"gov_level": "county"}, "personnel_type"),
        ({"agency": "C3005"}, "gov_level"),
        ({"tier": "middle", "weighted": "0"}, "national"),
    ],
)
def test_priority_gap_bar_and_change_equal_the_merge_form(
    planner_wh: None, query: dict[str, str], group_by: str
) -> None:
    scope = Scope("planner", "p", None, unsuppressed=True)  # no blanks: every number compared
    filters = common.resolve(scope, Filters.from_query(query))
    got = ai_gap.priority_gap(scope, filters, group_by=group_by)
    want = _gap_reference(scope, filters, group_by)
    assert len(got) == len(want) > 0
    for col in want.columns:
        pd.testing.assert_series_equal(got[col], want[col], check_exact=True, check_dtype=False)
    assert got["prev_wave"].notna().any() and (got["score_gap"] >= 0).all()


@pytest.mark.parametrize(
    "scope",
    [
        Scope("planner", "p", None),
        Scope("planner", "p", None, min_cell=60),
        Scope("agency_hr", "h", ("K0501",)),
    ],
)
def test_benchmark_free_calls_keep_the_selection_rows(planner_wh: None, scope: Scope) -> None:
    for query in ({"agency": "C3005"}, {"agency": "K0501", "weighted": "0"}, {"gov_level": "county"}):
        filters = common.resolve(scope, Filters.from_query(query))
        for full, alone in (
            (ai_gap.priority_gap(scope, filters), ai_gap.priority_gap(scope, filters, benchmark=False)),
            (
                ai_gap.mention_rate(scope, filters, group_by="national"),
                ai_gap.mention_rate(scope, filters, group_by="national", benchmark=False),
            ),
        ):
            assert set(alone["scope_level"]) <= {"selection"}
            sel = full[full["scope_level"] == "selection"].reset_index(drop=True)
            pd.testing.assert_frame_equal(sel, alone.reset_index(drop=True), check_exact=True)


def test_a_target_beyond_the_last_rank_is_the_lowest_score(
    planner_wh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    goal = ai_gap.targets().assign(target_rank=20)  # longer than any category: every item clears it
    monkeypatch.setattr(ai_gap, "targets", lambda: goal)
    monkeypatch.setattr(
        ai_gap,
        "_target_ranks",
        lambda: {(c, t): 20 for c, t in zip(goal["competency_code"], goal["tier"], strict=True)},
    )
    scope = Scope("planner", "p", None, unsuppressed=True)
    filters = common.resolve(scope, Filters.from_query({"weighted": "0"}))
    got = ai_gap.priority_gap(scope, filters, group_by="gov_level")
    want = _gap_reference(scope, filters, "gov_level")
    pd.testing.assert_series_equal(got["target_score"], want["target_score"], check_exact=True)
    assert got["meets_target"].all() and (got["score_gap"] == 0).all()
