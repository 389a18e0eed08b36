"""Small-cell suppression: primary, secondary, filter differencing and a 1,000-case property test."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.scope import Scope
from dashboard.suppression import is_safe_count, parent_filter_sets, suppress

ANALYST = Scope("analyst", "a", None, min_cell=10)


def test_primary_hides_small_cells_and_their_values_but_not_zero_cells() -> None:
    df = pd.DataFrame(
        {
            "tier": ["basic", "middle", "senior", "other"],
            "n": [120, 30, 4, 0],
            "mean": [1.5, 2.0, 3.0, np.nan],
        }
    )
    out = suppress(df, ANALYST, value_cols=["mean"], group_cols=["tier"])
    assert out.loc[2, "suppressed"]
    assert np.isnan(out.loc[2, "n"]) and np.isnan(out.loc[2, "mean"])
    assert not out.loc[3, "suppressed"] and out.loc[3, "n"] == 0
    # The lone hidden cell (4) could be recovered as total - visible: the smallest other
    # non-zero cell (30) is hidden too, and no more than that.
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert out.loc[0, "n"] == 120 and out.loc[0, "mean"] == 1.5


def test_hidden_mass_must_reach_threshold() -> None:
    # Two small cells 3 + 4 = 7 would still reveal a group of 7: a third cell joins them.
    df = pd.DataFrame({"g": list("abcd"), "n": [3, 4, 50, 11]})
    out = suppress(df, ANALYST, group_cols=["g"])
    assert out["suppressed"].tolist() == [True, True, False, True]
    visible = out.loc[~out["suppressed"], "n"].sum()
    assert df["n"].sum() - visible >= 10


def test_two_way_table_no_margin_reveals_a_cell() -> None:
    df = pd.DataFrame(
        {
            "level": ["c", "c", "c", "m", "m", "m"],
            "tier": ["b", "m", "s"] * 2,
            "n": [100, 30, 4, 50, 12, 20],
            "score": [1.0, 2, 3, 4, 5, 6],
        }
    )
    out = suppress(df, ANALYST, group_cols=["level", "tier"])
    for dim, other in (("level", "tier"), ("tier", "level")):
        for _, part in out.assign(orig=df["n"]).groupby(other):
            hidden = part.loc[part["suppressed"] & (part["orig"] > 0), "orig"]
            assert len(hidden) != 1, f"lone hidden cell in a {dim} margin"
            assert hidden.sum() == 0 or hidden.sum() >= 10
    assert out.loc[out["suppressed"], "score"].isna().all()


def test_rows_sharing_a_cell_share_the_decision() -> None:
    # One row per competency within a tier: the tier is the cell, n repeats.
    df = pd.DataFrame(
        {
            "tier": ["b", "b", "s", "s", "m", "m"],
            "comp": list("xyxyxy"),
            "n": [40, 40, 6, 6, 25, 25],
            "pts": [1.0] * 6,
        }
    )
    out = suppress(df, ANALYST, value_cols=["pts"], group_cols=["tier"])
    by_tier = out.groupby("tier")["suppressed"].agg(["min", "max"])
    assert (by_tier["min"] == by_tier["max"]).all()
    assert by_tier.loc["s", "max"] and by_tier.loc["m", "max"] and not by_tier.loc["b", "max"]


def test_total_rows_are_hidden_when_small_but_are_not_cells() -> None:
    df = pd.DataFrame({"tier": ["b", "m", "all"], "n": [5, 3, 8], "is_total": [False, False, True]})
    out = suppress(df, ANALYST, group_cols=["tier"], total_rows="is_total")
    assert out["suppressed"].tolist() == [True, True, True]


def test_parent_difference_guard() -> None:
    # 500 people without the filter, 495 with it: the 5 others could be subtracted out.
    df = pd.DataFrame({"tier": ["b", "m"], "n": [495, 40], "parent": [500, 80]})
    out = suppress(df, ANALYST, group_cols=["tier"], parent_n_cols=["parent"])
    assert out.loc[0, "suppressed"]
    assert "parent" not in out.columns


def test_unsuppressed_planner_sees_everything() -> None:
    planner = Scope("planner", "p", None, min_cell=10, unsuppressed=True)
    df = pd.DataFrame({"g": ["a", "b"], "n": [3, 50], "v": [1.0, 2.0]})
    out = suppress(df, planner, group_cols=["g"])
    assert out["n"].tolist() == [3, 50] and not out["suppressed"].any()


def test_threshold_comes_from_scope() -> None:
    df = pd.DataFrame({"g": ["a", "b", "c"], "n": [6, 7, 50]})
    assert not suppress(df, Scope("analyst", "a", None, min_cell=5), group_cols=["g"])["suppressed"].any()
    assert suppress(df, Scope("analyst", "a", None, min_cell=10), group_cols=["g"])[
        "suppressed"
    ].tolist() == [True, True, False]


def test_is_safe_count_and_parent_sets() -> None:
    assert is_safe_count(0, ANALYST) and is_safe_count(10, ANALYST) and not is_safe_count(9, ANALYST)
    sets = parent_filter_sets({"a": 1, "b": None, "c": 2})
    assert sets == [{}, {"a": 1}, {"c": 2}]


# -- property test -------------------------------------------------------------------------
DIMS = {"level": 3, "tier": 3, "ptype": 2}
BY_VALUES = 4
K = 10


def _table(people: dict[str, np.ndarray], filt: dict[str, int]) -> pd.DataFrame:
    """The n and mean score per 'by' cell under `filt`, with n under every proper subset of it."""

    def mask_of(f: dict[str, int]) -> np.ndarray:
        mask = np.ones(len(people["by"]), dtype=bool)
        for k, v in f.items():
            mask &= people[k] == v
        return mask

    mask = mask_of(filt)
    n = np.bincount(people["by"][mask], minlength=BY_VALUES)
    sums = np.bincount(people["by"][mask], weights=people["score"][mask], minlength=BY_VALUES)
    cols: dict[str, np.ndarray] = {"by": np.arange(BY_VALUES), "n": n}
    cols["mean"] = np.where(n > 0, sums / np.maximum(n, 1), np.nan)
    for i, parent in enumerate(parent_filter_sets(filt)):
        cols[f"p{i}"] = np.bincount(people["by"][mask_of(parent)], minlength=BY_VALUES)
    return pd.DataFrame(cols)


_P = {m: np.linspace(1, 0.2, m) / np.linspace(1, 0.2, m).sum() for m in set(DIMS.values())}


@st.composite
def scenario(draw: st.DrawFn) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    size = draw(st.integers(min_value=5, max_value=260))
    rng = np.random.default_rng(draw(st.integers(min_value=0, max_value=2**32 - 1)))
    # Skewed categories so that small cells are common.
    people = {k: rng.choice(m, size, p=_P[m]) for k, m in DIMS.items()}
    people["by"] = rng.choice(BY_VALUES, size, p=[0.55, 0.3, 0.1, 0.05])
    people["score"] = rng.integers(0, 7, size).astype(float)
    filt = {k: draw(st.integers(0, m - 1)) for k, m in DIMS.items() if draw(st.booleans())}
    return people, filt


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_property_no_small_figure_and_no_recovery_by_differencing(
    case: tuple[dict[str, np.ndarray], dict[str, int]],
) -> None:
    people, filt = case
    scope = Scope("analyst", "a", None, min_cell=K)
    shown: dict[tuple[tuple[str, int], ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    may_hold: dict[tuple[tuple[str, int], ...], np.ndarray] = {}
    # The filtered table and the tables of every coarser filter setting (what a viewer could
    # also open) are each suppressed as a service would.
    for r in range(len(filt) + 1):
        for combo in combinations(sorted(filt.items()), r):
            raw = _table(people, dict(combo))
            parents = [c for c in raw.columns if c[0] == "p" and c[1:].isdigit()]
            out = suppress(raw, scope, value_cols=["mean"], group_cols=["by"], parent_n_cols=parents)
            hidden = out["suppressed"].to_numpy(dtype=bool)
            # blanked figures really are blank
            assert np.isnan(out["n"].to_numpy(dtype=float)[hidden]).all()
            assert np.isnan(out["mean"].to_numpy(dtype=float)[hidden]).all()
            shown[combo] = (raw["n"].to_numpy(), hidden, out["n"].to_numpy(dtype=float))
            # a blank cell might hold people unless a coarser table shows its group is empty
            may_hold[combo] = (raw["n"].to_numpy() > 0) | (raw[parents] != 0).all(axis=1).to_numpy()

    for key, (true_n, hidden, shown_n) in shown.items():
        # 1. no shown figure rests on 0 < n < K
        assert not ((~hidden) & (true_n > 0) & (true_n < K)).any()
        # 2. the table total (published elsewhere) minus the visible cells reveals nothing small
        #    and no single hidden cell (a total below K is itself hidden, and then so is every
        #    non-zero cell). A hidden zero cell hides with another only if no coarser table shows
        #    its group empty.
        h = true_n[hidden & (true_n > 0)]
        total = true_n.sum()
        if 0 < total < K:
            assert len(h) == (true_n > 0).sum()
        else:
            assert h.sum() == 0 or (h.sum() >= K and (hidden & may_hold[key]).sum() >= 2)
        # 3. a pair of filter settings (one refining the other) never differs by 0 < d < K
        for other_key, (_, other_hidden, other_n) in shown.items():
            if set(other_key) < set(key):
                both = ~hidden & ~other_hidden
                diff = other_n[both] - shown_n[both]
                assert not ((diff > 0) & (diff < K)).any(), (key, other_key, diff)


@pytest.mark.parametrize("k", [5, 10, 20])
def test_property_small_fixed_tables(k: int) -> None:
    rng = np.random.default_rng(k)
    for _ in range(50):
        df = pd.DataFrame(
            {"a": np.repeat(range(4), 5), "b": np.tile(range(5), 4), "n": rng.integers(0, 40, 20)}
        )
        out = suppress(df, Scope("analyst", "a", None, min_cell=k), group_cols=["a", "b"])
        for dim in ("a", "b"):
            other = "b" if dim == "a" else "a"
            for _, part in out.assign(orig=df["n"]).groupby(other):
                hidden = part.loc[part["suppressed"] & (part["orig"] > 0), "orig"]
                if 0 < part["orig"].sum() < k:  # the margin itself is small: all of it is hidden
                    assert len(hidden) == (part["orig"] > 0).sum()
                else:  # none, or at least two blank cells (a zero among them) holding >= k
                    assert hidden.sum() == 0 or (hidden.sum() >= k and part["suppressed"].sum() >= 2)


def test_lone_hidden_cell_of_a_large_margin_gets_a_zero_complement() -> None:
    """Found by the property test: a filtered table whose only non-zero cell (10 people) is
    hidden because the unfiltered table has 16 there (16 - 10 = 6 < 10). The table total (10)
    would give it away: a zero cell whose group is not empty without the filter is hidden with
    it, so the viewer only knows the two together. A zero cell that is also 0 unfiltered is no
    cover (the unfiltered table bounds it to 0) and is left visible."""
    df = pd.DataFrame({"by": [0, 1, 2, 3], "n": [10, 0, 0, 0], "p0": [16, 3, 0, 0]})
    out = suppress(df, Scope("analyst", "a", None, min_cell=10), group_cols=["by"], parent_n_cols=["p0"])
    # by=1 is hidden already (3 - 0 = 3 < 10): it is the cover
    assert out["suppressed"].tolist() == [True, True, False, False]
    df = pd.DataFrame({"by": [0, 1, 2, 3], "n": [10, 0, 0, 0], "p0": [16, 0, 12, 0]})
    out = suppress(df, Scope("analyst", "a", None, min_cell=10), group_cols=["by"], parent_n_cols=["p0"])
    # before the fix by=0 stood alone and the total revealed it; by=2 (12 unfiltered) covers it
    assert out["suppressed"].tolist() == [True, False, True, False]
    assert out["n"].isna().tolist() == [True, False, True, False]
