"""Competency-priority services: Borda scores by group with 95 % intervals, and comparisons."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dashboard.cache import service_cache
from dashboard.db import get_warehouse
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services import common

GROUP_BYS = ("tier", "gov_level", "workgroup", "personnel_type", "agency")
Z95 = 1.959963984540054  # normal quantile; groups below the suppression threshold are hidden anyway
SCORE_COLS = ["score", "se", "ci_low", "ci_high", "n_eff", "rank"]
_CATEGORY_ORDER = {"common": 0, "technical": 1, "management": 2}


def _group_by(group_by: str) -> str:
    # 'all' = one group for the whole filtered population (totals, KPIs).
    return group_by if group_by in (*GROUP_BYS, "all") else "tier"


def _catalog() -> pd.DataFrame:
    return get_warehouse().query("priority_competencies")


def estimates(stats: pd.DataFrame, weighted: bool) -> pd.DataFrame:
    """Means, standard errors and 95 % intervals from the sufficient statistics.

    Weighted: mean = Σwx/Σw; variance of the mean = s²_w / n_eff with Kish's n_eff = (Σw)²/Σw²
    and s²_w the weighted variance with the n/(n-1) correction. Unweighted: the sample mean
    and its usual standard error (n_eff = n)."""
    out = stats.copy()
    n = out["n"].astype("float64")
    if weighted:
        sw, sw2 = out["sum_w"].astype("float64"), out["sum_w2"].astype("float64")
        mean = out["sum_wx"] / sw
        var_pop = (out["sum_wx2"] / sw - mean**2).clip(lower=0)
        n_eff = sw**2 / sw2
    else:
        mean = out["sum_x"] / n
        var_pop = (out["sum_x2"] / n - mean**2).clip(lower=0)
        n_eff = n
    var = var_pop * n / (n - 1).where(n > 1)
    se = np.sqrt(var / n_eff)
    out["score"] = mean
    out["se"] = se
    out["ci_low"] = mean - Z95 * se
    out["ci_high"] = mean + Z95 * se
    out["n_eff"] = n_eff
    return out


def _with_rank(df: pd.DataFrame, within: tuple[str, ...] = ("grp", "category")) -> pd.DataFrame:
    # Competition ranking ("1, 2, 2, 4") within group and category, as in Tables 19-22.
    df["rank"] = df.groupby(list(within))["score"].rank(method="min", ascending=False)
    return df


_EMPTY_COLS = ["grp", "category", "competency_code", "ai_related", "n", *SCORE_COLS, "k_min", "k_max"]


def _estimates(
    scope: Scope,
    f: Filters,
    group_by: str,
    agencies: list[str] | None,
    wave_b: str | None = None,
    groups: list[str] | None = None,
) -> pd.DataFrame:
    """queries/priority_estimates_cube.sql for resolved filters `f` (and a second wave alongside;
    only some groups' rows); several agencies add their cells up (_summed_estimates)."""
    params = f.sql_params(scope)
    params.update(
        agencies=agencies,
        group_by=_group_by(group_by),
        weighted=bool(f.weighted),
        z=Z95,
        wave_b=wave_b,
        groups=groups,
    )
    if _several_agencies(params):
        return _summed_estimates(params)
    return get_warehouse().query("priority_estimates_cube", **params)


_ESTIMATE_COLS = [
    *("wave", "grp", "category", "competency_code", "ai_related", "n"),
    *SCORE_COLS[:5],
    *("rank", "k_min", "k_max", "category_order"),
]


def _several_agencies(params: dict[str, Any]) -> bool:
    """A selection the precomputed cells hold only agency by agency: several agencies that are not
    grouped by agency (agency HR with more than one). Its groups add their agencies' cells up."""
    agencies = params.get("agencies")
    return agencies is not None and len(agencies) > 1 and params.get("group_by") != "agency"


def _agency_cells(params: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """queries/priority_agency_cells.sql: each listed agency's point cells and respondent rows."""
    both = get_warehouse().query("priority_agency_cells", **params, by_tier=False)
    points = both["kind"].eq("points").to_numpy()
    return both[points].drop(columns="kind"), both[~points].drop(columns="kind")


def _summed_estimates(params: dict[str, Any]) -> pd.DataFrame:
    """priority_estimates_cube's frame for several agencies: their cells (queries/
    priority_agency_cells.sql) added up per group, then `estimates` and competition ranks on the
    totals: the same doubles as grouping the points (exact sums, common.add_up_cells)."""
    cells = _agency_cells(params)[0]
    if params.get("groups") is not None:
        cells = cells[cells["grp"].isin(params["groups"])]
    stats = common.add_up_cells(
        cells,
        ["wave", "grp", "category", "competency_code"],
        exact=["sum_w", "sum_w2", "sum_wx", "sum_wx2"],
        ai_related=("ai_related", "any"),
        n=("n", "sum"),
        sum_x=("sum_x", "sum"),  # integer sums: exact in doubles
        sum_x2=("sum_x2", "sum"),
        k_min=("k_min", "min"),
        k_max=("k_max", "max"),
        category_order=("category_order", "first"),
    )
    out = _with_rank(estimates(stats, bool(params.get("weighted", True))), ("wave", "grp", "category"))
    out = out.sort_values(
        ["wave", "grp", "category_order", "rank", "competency_code"], na_position="last", kind="stable"
    )
    return out[_ESTIMATE_COLS].reset_index(drop=True)


def _scores(scope: Scope, filters: Filters, group_by: str, agencies: list[str] | None) -> pd.DataFrame:
    """Scores, intervals, ranks and AI flags of one query: queries/priority_estimates_cube.sql
    reads what `estimates` and `_with_rank` compute in pandas from the sufficient statistics (the
    test reference tests/integration/perf_plain/priority_scores.sql), with the same double
    arithmetic; ordered for display."""
    f = common.resolve(scope, filters)
    if f.wave is None:
        return pd.DataFrame(columns=[*_EMPTY_COLS, "category_order"])
    return _estimates(scope, f, group_by, agencies).drop(columns=["wave"])


def _suppressed(df: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    out = common.suppress(df, scope, n_col="n", value_cols=SCORE_COLS, group_cols=["grp"])
    # A hidden cell has no rank either: re-rank the visible ones so ranks never hint at it. Only
    # a group with both hidden and visible scores can need it (suppression hides whole groups
    # today, and a group with nothing hidden keeps the query's ranks): skip the rest.
    visible = out["score"].notna().to_numpy()
    if not visible.all():
        grp = out["grp"].tolist()
        mixed = {g for g, v in zip(grp, visible, strict=True) if not v} & {
            g for g, v in zip(grp, visible, strict=True) if v
        }
        if mixed:
            rows = visible & out["grp"].isin(list(mixed)).to_numpy()
            out.loc[rows, "rank"] = (
                out[rows].groupby(["grp", "category"])["score"].rank(method="min", ascending=False)
            )
    return out


@service_cache
def priority_scores(scope: Scope, filters: Filters, group_by: str = "tier") -> pd.DataFrame:
    """Mean Borda points per group × competency in the viewer's scope, with N, Kish n_eff,
    95 % interval and rank within group and category; small groups suppressed.

    Columns: grp, category, competency_code, ai_related, n, score, se, ci_low, ci_high, n_eff,
    rank, k_min, k_max, category_order, suppressed."""
    agencies = filters.agencies_in_scope(scope)
    return _suppressed(_scores(scope, filters, group_by, agencies), scope)


_GROUP_COLS = ["grp", "n", "sum_w", "n_eff", "n_max", "n_min"]


@service_cache
def _groups(scope: Scope, filters: Filters, group_by: str, agencies: list[str] | None) -> pd.DataFrame:
    """queries/priority_groups_cube.sql (several agencies: their cells added up, _summed_groups):
    per group the respondents (n, weight sum, Kish n_eff) and the largest and smallest cell N of
    its heatmap row; unsuppressed (callers suppress), shared by priority_group_n and the group
    cells (both pass resolved filters, so one cache entry serves both).

    Columns: grp, n, sum_w, n_eff, n_max, n_min (NULL without points); one row per group."""
    f = common.resolve(scope, filters)
    if f.wave is None:
        return pd.DataFrame(columns=_GROUP_COLS)
    params = f.sql_params(scope)
    params.update(agencies=agencies, group_by=_group_by(group_by))
    if _several_agencies(params):
        return _summed_groups(params)
    return get_warehouse().query("priority_groups_cube", **params)


def _summed_groups(params: dict[str, Any]) -> pd.DataFrame:
    """priority_groups_cube's frame for several agencies: their respondents and their cells' N
    (queries/priority_agency_cells.sql) added up."""
    cells, resp = _agency_cells({**params, "wave_b": None})
    g = common.add_up_cells(resp, ["grp"], exact=["sum_w", "sum_w2"], n=("n", "sum"))
    g["n_eff"] = g["sum_w"] * g["sum_w"] / g["sum_w2"]
    per_item = cells.groupby(["grp", "category", "competency_code"], dropna=False)["n"].sum()
    by_grp = per_item.groupby(level="grp", dropna=False)
    bounds = pd.DataFrame({"n_max": by_grp.max(), "n_min": by_grp.min()}).reset_index()
    out = g.merge(bounds, on="grp", how="left")
    return out.sort_values("grp", na_position="last", kind="stable")[_GROUP_COLS].reset_index(drop=True)


def _cells(scope: Scope, filters: Filters, group_by: str, agencies: list[str] | None) -> pd.DataFrame:
    """Per group with points two rows, its largest then its smallest cell N (what suppression of
    the heatmap decides on), suppressed as the scores are."""
    g = _groups(scope, common.resolve(scope, filters), group_by, agencies)
    g = g[g["n_max"].notna()]
    grp = g["grp"].tolist()
    df = pd.DataFrame(
        {
            "grp": pd.Series([x for x in grp for _ in (0, 1)], dtype=g["grp"].dtype),
            "n": pd.Series(
                [v for pair in zip(g["n_max"].tolist(), g["n_min"].tolist(), strict=True) for v in pair],
                dtype="int64",
            ),
        }
    )
    return common.suppress(df, scope, n_col="n", value_cols=[], group_cols=["grp"])


@service_cache
def priority_group_cells(scope: Scope, filters: Filters, group_by: str = "tier") -> pd.DataFrame:
    """The groups of priority_scores with what suppression decides on (per group the largest and
    the smallest cell N: queries/priority_groups_cube.sql), suppressed as the scores are, hence the
    same hidden groups and the same largest visible N, without computing the scores: what the
    page needs to list the groups the heatmap shows.

    Columns: grp, n (two rows per group), suppressed."""
    return _cells(scope, filters, group_by, filters.agencies_in_scope(scope))


def _of(df: pd.DataFrame, groups: tuple[str, ...]) -> pd.DataFrame:
    return df[df["grp"].astype(str).isin([str(g) for g in groups])]


def _scores_of_groups(
    scope: Scope,
    filters: Filters,
    group_by: str,
    agencies: list[str] | None,
    groups: tuple[str, ...],
    cells: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The rows of `_suppressed(_scores(...))` for some groups only, computing only theirs.

    A group's figures do not depend on the other groups'; which groups suppression hides does,
    so it is decided on every group's cell counts (`_cells`: the same rows and rule) and applied
    as suppress would apply it to the whole frame (the same values blanked, the same dtypes).
    Falls back to the whole frame for no group or a missing (NULL) one, or when suppression hid part of
    a group (then visible cells are re-ranked on the whole frame)."""
    whole = lambda: _suppressed(_scores(scope, filters, group_by, agencies), scope)  # noqa: E731
    f = common.resolve(scope, filters)
    if f.wave is None or not groups or any(g is None for g in groups):
        return _of(whole(), groups)
    if cells is None:
        cells = _cells(scope, f, group_by, agencies)
    grp, hidden = cells["grp"].tolist(), cells["suppressed"].tolist()
    hidden_groups = {g for g, h in zip(grp, hidden, strict=True) if h}
    if hidden_groups & {g for g, h in zip(grp, hidden, strict=True) if not h}:
        return _of(whole(), groups)
    out = _estimates(scope, f, group_by, agencies, groups=[str(g) for g in groups]).drop(columns=["wave"])
    mask = np.array([g in hidden_groups for g in out["grp"].tolist()], dtype=bool)
    out["suppressed"] = mask
    if hidden_groups and not scope.unsuppressed and int(scope.min_cell) > 1:
        # As suppress does when anything in the frame is hidden: counts become floats.
        out["n"] = out["n"].astype("float64")
        if mask.any():
            out.loc[mask, ["n", *SCORE_COLS]] = np.nan
    return out


@service_cache
def priority_scores_of(
    scope: Scope, filters: Filters, group_by: str, groups: tuple[str, ...]
) -> pd.DataFrame:
    """priority_scores(scope, filters, group_by) rows of the given groups (bars, comparisons,
    the agency heatmap's largest agencies), without computing every other group's scores."""
    if _group_by(group_by) != "agency":
        # A handful of groups: computing them all costs no more than counting them first.
        return _of(priority_scores(scope, filters, group_by), groups)
    cells = priority_group_cells(scope, filters, group_by)  # shared with the page's group list
    return _scores_of_groups(scope, filters, group_by, filters.agencies_in_scope(scope), tuple(groups), cells)


@service_cache
def priority_benchmark_of(
    scope: Scope, filters: Filters, group_by: str, groups: tuple[str, ...]
) -> pd.DataFrame:
    """priority_benchmark(scope, filters, group_by) rows of the given groups."""
    if _group_by(group_by) != "agency":
        return _of(priority_benchmark(scope, filters, group_by), groups)
    return _scores_of_groups(scope, filters.with_(agency=None), group_by, None, tuple(groups))


@service_cache
def priority_benchmark(scope: Scope, filters: Filters, group_by: str = "tier") -> pd.DataFrame:
    """The same scores over all agencies (national benchmark, agency filter ignored): what an
    agency-HR viewer compares their agency with. Aggregates only, suppressed like any figure."""
    return _suppressed(_scores(scope, filters.with_(agency=None), group_by, None), scope)


@service_cache
def priority_group_n(scope: Scope, filters: Filters, group_by: str = "tier") -> pd.DataFrame:
    """Respondents (n) and Kish effective n per group: the N shown with every figure."""
    f = common.resolve(scope, filters)
    if f.wave is None:
        return pd.DataFrame(columns=["grp", "n", "n_eff", "suppressed"])
    g = _groups(scope, f, group_by, f.agencies_in_scope(scope))
    # Largest group first (ties by name, NULL last), as the N legend lists them.
    df = g.sort_values(["n", "grp"], ascending=[False, True], na_position="last", kind="stable")
    df = df[["grp", "n", "n_eff"]].reset_index(drop=True)
    if not f.weighted:
        df["n_eff"] = df["n"].astype("float64")
    return common.suppress(df, scope, n_col="n", value_cols=["n_eff"], group_cols=["grp"])


def compare_frames(a: pd.DataFrame, b: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Difference a − b per competency (and per `by` column, e.g. the tier of a wave comparison)
    with its 95 % interval (independent samples) and a flag when the interval excludes zero.
    Rows missing or hidden on either side get no difference.

    Columns: *by, category, competency_code, ai_related, n_a, score_a, n_b, score_b, diff,
    diff_low, diff_high, excludes_zero, category_order; ordered by *by, category, diff (largest
    first, missing last). Rows are matched and ordered on plain lists (a few hundred rows: a pandas
    merge and sort of string columns cost more than the rest of the callback)."""
    keys = [*by, "category", "competency_code"]
    key_a = list(zip(*(a[k].tolist() for k in keys), strict=True))
    pos_b = {k: i for i, k in enumerate(zip(*(b[k].tolist() for k in keys), strict=True))}
    ia = [i for i, k in enumerate(key_a) if k in pos_b]
    ib = [pos_b[key_a[i]] for i in ia]
    score_a = a["score"].to_numpy("float64", na_value=np.nan)[ia]
    score_b = b["score"].to_numpy("float64", na_value=np.nan)[ib]
    se_a = a["se"].to_numpy("float64", na_value=np.nan)[ia]
    se_b = b["se"].to_numpy("float64", na_value=np.nan)[ib]
    diff = score_a - score_b
    se = np.sqrt(se_a**2 + se_b**2)
    low, high = diff - Z95 * se, diff + Z95 * se
    matched = [key_a[i] for i in ia]
    category = [k[len(by)] for k in matched]
    cat_order = pd.Series(category, dtype="object").map(_CATEGORY_ORDER).fillna(9).to_numpy()
    # Stable order as sort_values([*by, "category_order", "diff"], ascending=[..., True, False]).
    sort_keys: list[np.ndarray] = [np.where(np.isnan(diff), np.inf, -diff), cat_order]
    for j in reversed(range(len(by))):
        values = [k[j] for k in matched]
        rank = {v: r for r, v in enumerate(sorted(set(values)))}
        sort_keys.append(np.array([rank[v] for v in values], dtype="int64"))
    order = np.lexsort(sort_keys) if matched else np.array([], dtype="int64")
    pick_a = np.asarray(ia, dtype="int64")[order]
    pick_b = np.asarray(ib, dtype="int64")[order]
    columns: dict[str, Any] = {k: [matched[i][j] for i in order] for j, k in enumerate(keys)}
    columns.update(
        ai_related=a["ai_related"].to_numpy()[pick_a],
        n_a=a["n"].to_numpy()[pick_a],
        score_a=score_a[order],
        n_b=b["n"].to_numpy()[pick_b],
        score_b=score_b[order],
        diff=diff[order],
        diff_low=low[order],
        diff_high=high[order],
        excludes_zero=((low > 0) | (high < 0))[order],
        category_order=cat_order[order],
    )
    out = pd.DataFrame(columns)
    for k in keys:
        out[k] = out[k].astype(a[k].dtype) if len(out) else a[k].iloc[0:0].reset_index(drop=True)
    return out


@service_cache
def priority_compare(
    scope: Scope, filters: Filters, group_by: str, group_a: str, group_b: str
) -> pd.DataFrame:
    """Two groups of the same grouping compared (a − b) within the current filters."""
    df = priority_scores_of(scope, filters, group_by, (str(group_a), str(group_b)))
    a = df[df["grp"].astype(str) == str(group_a)]
    b = df[df["grp"].astype(str) == str(group_b)]
    return compare_frames(a, b)


@service_cache
def priority_compare_waves(scope: Scope, filters: Filters, wave_a: str, wave_b: str) -> pd.DataFrame:
    """The same population (current filters) in two survey waves compared (a − b), per tier.

    Both waves come from one query (rank partitioned by wave): each wave's rows are exactly
    priority_scores(scope, filters.with_(wave=...), "tier"), suppressed on their own."""
    agencies = filters.agencies_in_scope(scope)
    fa = common.resolve(scope, filters.with_(wave=wave_a))
    fb = common.resolve(scope, filters.with_(wave=wave_b))
    if fa.wave is None or fb.wave is None:
        a = b = _suppressed(_scores(scope, fa, "tier", agencies), scope)
    else:
        both = _estimates(scope, fa, "tier", agencies, wave_b=fb.wave if fb.wave != fa.wave else None)

        waves = both["wave"].tolist()

        def wave(w: str) -> pd.DataFrame:
            # The query orders by wave: each wave is one block of rows (a slice, not a copy).
            rows = [i for i, v in enumerate(waves) if v == w]
            if rows and len(rows) == rows[-1] - rows[0] + 1:
                part = both.iloc[rows[0] : rows[-1] + 1]
            else:
                part = both[both["wave"] == w]
            return _suppressed(part.drop(columns=["wave"]).reset_index(drop=True), scope)

        a, b = wave(fa.wave), wave(fb.wave)
    # Compare like with like: within each tier (both waves' tiers), keeping the tier in the row.
    if not a["grp"].notna().all():
        a = a[a["grp"].notna()]
    if not b["grp"].notna().all():
        b = b[b["grp"].notna()]
    return compare_frames(a, b, by=["grp"])


def n_comparisons(df: pd.DataFrame) -> int:
    """How many intervals the comparison shows (for the multiple-comparisons note)."""
    return int(df["diff"].notna().sum())


def expected_false_flags(n: int, alpha: float = 0.05) -> float:
    """With n independent 95 % intervals, about alpha·n exclude zero by chance alone."""
    return math.floor(n * alpha * 10) / 10
