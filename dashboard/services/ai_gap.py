"""AI-readiness gap services: AI items' priority vs target, AI mention rate, Borich MWDS, attitudes."""

from __future__ import annotations

import csv
import logging
import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dashboard import stats
from dashboard.cache import service_cache
from dashboard.db import get_warehouse
from dashboard.filters import WORKGROUPS, Filters
from dashboard.scope import Scope
from dashboard.services.common import add_up_cells
from dashboard.suppression import suppress

log = logging.getLogger(__name__)
TARGETS_CSV = Path(__file__).resolve().parents[2] / "data" / "reference" / "ai_targets.csv"
SURVEY_GROUPS = ("national", "tier", "gov_level", "workgroup", "personnel_type")
ROSTER_GROUPS = ("national", "tier", "gov_level", "personnel_type")


# -- shared helpers (also used by the badge and summary services) ---------------------------
def run(name: str, **params: Any) -> pd.DataFrame:
    """Run a named query on the process's warehouse (tests swap get_warehouse)."""
    return get_warehouse().query(name, **params)


def base_params(scope: Scope, filters: Filters) -> dict[str, Any]:
    """Filter $params with the agency clamped to the viewer's scope (a forged code is ignored)."""
    p = filters.clamp(scope).sql_params(scope)
    p.pop("wave", None)
    return p


def roster_params(scope: Scope, filters: Filters) -> dict[str, Any]:
    """The subset of filters that roster-based queries understand (no work group, no weights)."""
    p = base_params(scope, filters)
    p.pop("workgroup", None)
    p.pop("weighted", None)
    return p


def has_benchmark(scope: Scope, filters: Filters) -> bool:
    """A national benchmark is shown next to any agency-restricted selection."""
    return base_params(scope, filters)["agencies"] is not None


def _part_ids(df: pd.DataFrame, split_cols: Sequence[str]) -> np.ndarray:
    """Each row's table number: rows sharing split_cols, numbered in order of first appearance
    (the order of df.groupby(split_cols, sort=False, dropna=False))."""
    if not split_cols:
        return np.zeros(len(df), dtype=np.int64)
    codes = [pd.factorize(df[c], use_na_sentinel=False)[0] for c in split_cols]
    combined = codes[0].astype(np.int64)
    for c in codes[1:]:
        combined = combined * (int(c.max()) + 1) + c
    return pd.factorize(combined)[0]


def suppress_by(
    df: pd.DataFrame,
    scope: Scope,
    split_cols: Sequence[str],
    group_cols: Sequence[str],
    value_cols: Sequence[str],
    n_col: str = "n",
) -> pd.DataFrame:
    """Suppress each independent table (e.g. one per wave) on its own margins, then re-stack.

    Waves or benchmark scopes are not cells of one table that add up to a total, so treating
    them as one would only hide more than needed. The rows come back grouped by table (in order
    of first appearance) with a `suppressed` column; hidden rows have n and value_cols blanked
    as dashboard.suppression.suppress blanks them. suppress() decides which cells are hidden
    (on each table's n and group columns only); the blanking is done once for all tables."""
    if df.empty:
        out = df.copy()
        out["suppressed"] = pd.Series(dtype=bool)
        return out
    n = pd.to_numeric(df[n_col], errors="coerce").fillna(0).to_numpy(dtype=float)
    small = (n > 0) & (n < scope.min_cell)
    if scope.unsuppressed or not small.any():
        # Secondary suppression only ever starts from a primary-hidden cell: none, nothing to do.
        return df.assign(suppressed=False).reset_index(drop=True)
    part = _part_ids(df, split_cols)
    hidden = np.zeros(len(df), dtype=bool)
    cols = [n_col, *[c for c in group_cols if c != n_col]]
    for p in np.unique(part[small]):  # tables without a small cell hide nothing
        rows = np.flatnonzero(part == p)
        cells = df.iloc[rows][cols]
        masked = suppress(cells, scope, n_col=n_col, value_cols=[], group_cols=list(group_cols) or None)
        hidden[rows] = masked["suppressed"].to_numpy(dtype=bool)
    order = np.argsort(part, kind="stable")
    grouped = bool((np.diff(part) >= 0).all())  # rows already grouped by table: keep the frame
    out = df.reset_index(drop=True) if grouped else df.iloc[order].reset_index(drop=True)
    hidden = hidden if grouped else hidden[order]
    blanked: dict[str, Any] = {"suppressed": hidden}
    for col in [n_col, *value_cols]:
        if col not in out.columns:
            continue
        # as suppress() blanks: numbers become float64 with NaN, anything else object with None
        if pd.api.types.is_numeric_dtype(out[col]):
            values = out[col].to_numpy(dtype="float64", na_value=np.nan, copy=True)
            values[hidden] = np.nan
        else:
            objects = out[col].to_numpy(dtype=object, copy=True)
            objects[hidden] = None
            blanked[col] = pd.Series(objects, index=out.index, dtype=object)  # not re-inferred as str
            continue
        blanked[col] = values
    return out.assign(**blanked)


@cache
def targets() -> pd.DataFrame:
    """The editable targets (data/reference/ai_targets.csv): target rank per AI item and tier."""
    with open(TARGETS_CSV, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    df = pd.DataFrame(rows)
    df["target_rank"] = df["target_rank"].astype(int)
    df["n_items"] = df["n_items"].astype(int)
    return df[["competency_code", "tier", "target_rank", "rule"]]


def _check_group(group_by: str, allowed: Sequence[str]) -> str:
    # Group names come from the page's own radio items, but a forged value must not reach SQL
    # as anything but a known code (it is a $param anyway; this keeps the output meaningful).
    return group_by if group_by in allowed else "national"


# -- priority survey ---------------------------------------------------------------------------
@service_cache
def priority_cells(
    scope: Scope, filters: Filters, group_by: str = "national", benchmark: bool = False
) -> pd.DataFrame:
    """Every surveyed item's score and rank per wave, tier and group (ai_gap_priority) of the
    selection, or of the national benchmark (agency filter dropped). Cached on its own because
    the gap bars and the summary's findings both read the national frame."""
    group_by = _check_group(group_by, SURVEY_GROUPS[:1] + SURVEY_GROUPS[2:])
    params = base_params(scope, filters)
    if benchmark:
        params = {**params, "agencies": None}
    if params["workgroup"] not in (None, *WORKGROUPS):
        # A work group outside the catalog selects nobody ('unknown' is the cube's group of people
        # without one, never a filter value): the frame's columns without rows.
        return run("ai_gap_priority_cube", group_by=group_by, **{**params, "agencies": None}).iloc[0:0]
    agencies = params["agencies"]
    if agencies is not None and len(agencies) > 1:
        return _summed_priority(params, group_by)
    # all agencies or one: the precomputed cells (etl/sql/113_mart_ai_gap_survey.sql)
    return run("ai_gap_priority_cube", group_by=group_by, **params)


_PRIORITY_COLS = [
    *("wave", "tier", "group_code", "category", "competency_code", "ai_related", "n"),
    *("sum_w", "sum_w2", "score", "k", "rank", "n_items", "category_mean"),
]


def _summed_priority(params: dict[str, Any], group_by: str) -> pd.DataFrame:
    """ai_gap_priority_cube's frame for several agencies (agency HR with more than one): their
    cells (queries/priority_agency_cells.sql, tiers kept apart) added up per tier and group, then
    scores, ranks, item counts and category means on the totals: the same doubles as grouping the
    points (exact sums, common.add_up_cells), but for the category means' last bits (DuckDB
    averages the scores as DECIMALs)."""
    cells = run(
        "priority_agency_cells",
        **params,
        wave=None,
        wave_b=None,
        group_by="all" if group_by == "national" else group_by,
        by_tier=True,
    )
    cells = cells[cells["kind"].eq("points").to_numpy()]
    weighted = bool(params.get("weighted", True))
    grp = cells["grp"].fillna("unknown") if group_by == "workgroup" else cells["grp"]
    c = add_up_cells(
        cells.assign(group_code=grp),
        ["wave", "tier", "group_code", "category", "competency_code"],
        exact=["sum_w", "sum_w2", "sum_wx"] if weighted else [],
        ai_related=("ai_related", "any"),
        n=("n", "sum"),
        sum_x=("sum_x", "sum"),  # integer sums: exact in doubles
        k=("k_max", "max"),
    )
    if not weighted:  # one per respondent: the weight sums are counts
        c["sum_w"] = c["sum_w2"] = c["n"].astype("float64")
    c["score"] = (c["sum_wx"] if weighted else c["sum_x"]) / c["sum_w"]
    part = c.groupby(["wave", "tier", "group_code", "category"])["score"]
    c["rank"] = part.rank(method="min", ascending=False).astype("int64")
    c["n_items"] = part.transform("size").astype("int64")
    c["category_mean"] = part.transform("mean")
    c = c.sort_values(["wave", "tier", "group_code", "category", "rank", "competency_code"], kind="stable")
    return c[_PRIORITY_COLS].reset_index(drop=True)


def _priority_frame(scope: Scope, filters: Filters, group_by: str, benchmark: bool) -> pd.DataFrame:
    frames = [priority_cells(scope, filters, group_by).assign(scope_level="selection")]
    if benchmark and has_benchmark(scope, filters):
        frames.append(priority_cells(scope, filters, "national", True).assign(scope_level="national"))
    return pd.concat(frames, ignore_index=True)


@cache
def _target_ranks() -> dict[tuple[str, str], int]:
    """(competency_code, tier) -> target rank, from targets() (a static reference file)."""
    df = targets()
    return {
        (str(c), str(t)): int(r)
        for c, t, r in zip(df["competency_code"], df["tier"], df["target_rank"], strict=True)
    }


_GAP_COLS = [
    "scope_level",
    "wave",
    "tier",
    "group_code",
    "category",
    "competency_code",
    "n",
    "sum_w",
    "sum_w2",
    "score",
    "rank",
    "n_items",
    "target_rank",
    "target_score",
    "rank_gap",
    "score_gap",
    "meets_target",
    "score_change",
    "rank_change",
    "prev_wave",
]
_GAP_VALUES = [
    "sum_w",
    "sum_w2",
    "score",
    "rank",
    "target_score",
    "rank_gap",
    "score_gap",
    "score_change",
    "rank_change",
]


@service_cache
def priority_gap(
    scope: Scope, filters: Filters, group_by: str = "national", benchmark: bool = True
) -> pd.DataFrame:
    """AI items' score and rank in their category per wave, tier and group, against the target.

    rank_gap = rank - target_rank (> 0: below target); score_gap = score of the item at the
    target rank - the item's score (> 0: points it lacks to reach the target); score_change and
    rank_change are against the previous wave of the same tier and group. The national
    benchmark rows (scope_level 'national', beside an agency selection) are left out when
    `benchmark` is False: each scope level is computed and suppressed on its own, so the
    selection's rows are the same either way."""
    group_by = _check_group(group_by, SURVEY_GROUPS[:1] + SURVEY_GROUPS[2:])
    df = _priority_frame(scope, filters, group_by, benchmark)
    if df.empty:
        return df.assign(target_rank=pd.Series(dtype=float), suppressed=pd.Series(dtype=bool))
    # One category of one wave, tier and group (and scope level) is one ranking.
    keys = ["scope_level", "wave", "tier", "group_code", "category"]
    part = _part_ids(df, keys)
    rank = df["rank"].to_numpy(dtype=np.int64)
    score = df["score"].to_numpy(dtype="float64")
    goal = _target_ranks()
    target = np.array(
        [
            goal.get((c, t), 0) if a else 0
            for c, t, a in zip(df["competency_code"], df["tier"], df["ai_related"], strict=True)
        ],
        dtype=np.int64,
    )
    rows = np.flatnonzero(target > 0)  # AI items with a target
    # The bar to clear: the lowest score among the items ranked at or above the target rank,
    # i.e. the score at the largest rank <= target in the item's ranking (ties share a score).
    span = int(max(rank.max(), target.max())) + 2  # one ranking's keys never reach the next's
    ladder = part * span + rank
    order = np.argsort(ladder, kind="stable")
    at = np.searchsorted(ladder[order], part[rows] * span + target[rows], side="right") - 1
    bar = score[order][at]
    # The AI rows in the table's order, on plain lists (a few hundred rows: pandas sorts and
    # column assignments would cost more than the arithmetic).
    level, wave, tier, group, code = (
        df[c].to_numpy(dtype=object)[rows].tolist()
        for c in ("scope_level", "wave", "tier", "group_code", "competency_code")
    )
    pos = sorted(
        range(len(rows)), key=lambda i: (level[i], wave[i], tier[i], group[i], code[i])
    )  # (scope level, wave, tier, group, item) is unique: no ties
    # Against the previous wave of the same scope level, tier, group and item.
    seen: dict[tuple[Any, ...], list[int]] = {}
    for i in sorted(range(len(rows)), key=lambda i: wave[i]):
        seen.setdefault((level[i], tier[i], group[i], code[i]), []).append(i)
    prev = np.full(len(rows), -1, dtype=np.int64)
    for series in seen.values():
        prev[series[1:]] = series[:-1]
    prev, take = prev[pos], rows[pos]
    has_prev = prev >= 0
    r_rank, r_score, r_target = rank[take], score[take], target[take]
    before = rows[np.where(has_prev, prev, 0)]
    cols = {c: df[c].take(take).reset_index(drop=True) for c in _GAP_COLS[:12] if c != "target_rank"}
    cols["target_rank"] = pd.Series(r_target, dtype=np.int64)
    target_score = bar[pos]
    ai = pd.DataFrame(
        {
            **{c: cols[c] for c in _GAP_COLS[:13]},
            "target_score": target_score,
            "rank_gap": r_rank - r_target,
            "score_gap": np.clip(target_score - r_score, 0.0, None),
            "meets_target": r_rank <= r_target,
            "score_change": np.where(has_prev, r_score - score[before], np.nan),
            "rank_change": np.where(has_prev, (r_rank - rank[before]).astype("float64"), np.nan),
            "prev_wave": pd.Series([wave[p] if p >= 0 else np.nan for p in prev], dtype=df["wave"].dtype),
        }
    )
    out = suppress_by(ai, scope, ["scope_level", "wave"], ["tier", "group_code"], _GAP_VALUES)
    # A suppressed previous-wave cell must not leak through the change columns either.
    return _blank_changes_from_hidden(out, ["score_change", "rank_change"], "prev_wave")


def _blank_changes_from_hidden(df: pd.DataFrame, change_cols: list[str], prev_col: str) -> pd.DataFrame:
    """Blank wave-over-wave changes whose previous-wave cell is suppressed."""
    if df.empty or not df["suppressed"].any():
        return df
    keys = ["scope_level", "tier", "group_code", "competency_code"]
    cols = [df[k].astype(str).tolist() for k in keys]
    waves = df["wave"].astype(str).tolist()
    prevs = df[prev_col].astype(str).tolist()
    flags = df["suppressed"].tolist()
    hidden = {(*key, w) for *key, w, s in zip(*cols, waves, flags, strict=True) if s}
    mask = [(*key, p) in hidden for *key, p in zip(*cols, prevs, strict=True)]
    gone = np.asarray(mask, dtype=bool)
    return df.assign(**{c: np.where(gone, np.nan, df[c].to_numpy(dtype="float64")) for c in change_cols})


@service_cache
def mention_rate(
    scope: Scope, filters: Filters, group_by: str = "tier", benchmark: bool = True
) -> pd.DataFrame:
    """Share of respondents with any AI item in their top-k, per wave and group, with a 95 %
    Wilson interval on Kish's effective n, and the change against the previous wave (Newcombe).
    `benchmark` False leaves the national benchmark rows out (the selection's rows are the same:
    each scope level is computed and suppressed on its own)."""
    group_by = _check_group(group_by, SURVEY_GROUPS)
    params = base_params(scope, filters)
    frames = [run("ai_gap_mention", group_by=group_by, **params).assign(scope_level="selection")]
    if benchmark and has_benchmark(scope, filters):
        frames.append(
            run("ai_gap_mention", group_by="national", **{**params, "agencies": None}).assign(
                scope_level="national"
            )
        )
    df = pd.concat(frames, ignore_index=True)
    if df.empty:
        return df.assign(p=pd.Series(dtype=float), suppressed=pd.Series(dtype=bool))
    # Rows in (scope level, group, wave) order, each with the one before it of the same scope
    # level and group (its previous wave), on plain lists: a dozen rows.
    level, group, wave = (
        df[c].to_numpy(dtype=object).tolist() for c in ("scope_level", "group_code", "wave")
    )
    order = sorted(range(len(df)), key=lambda i: (level[i], group[i], wave[i]))  # unique: no ties
    sum_w = df["sum_w"].to_numpy(dtype="float64")[order]
    sum_w2 = df["sum_w2"].to_numpy(dtype="float64")[order]
    share = (df["sum_w_mentioned"] / df["sum_w"]).to_numpy(dtype="float64")[order]
    n_eff = [stats.kish_n_eff(a, b) for a, b in zip(sum_w.tolist(), sum_w2.tolist(), strict=True)]
    ci = [stats.wilson_interval(p, n) for p, n in zip(share.tolist(), n_eff, strict=True)]
    changes: list[tuple[float, float, float, Any]] = []
    for k, i in enumerate(order):
        if k == 0 or (level[order[k - 1]], group[order[k - 1]]) != (level[i], group[i]):
            changes.append((math.nan, math.nan, math.nan, None))
            continue
        p, p0, n0 = float(share[k]), float(share[k - 1]), n_eff[k - 1]
        lo, hi = stats.newcombe_diff_interval(p0, n0, p, n_eff[k])
        changes.append((p - p0, lo, hi, wave[order[k - 1]]))
    change_low = np.array([c[1] for c in changes], dtype="float64")
    change_high = np.array([c[2] for c in changes], dtype="float64")
    taken = {
        c: df[c].take(order).reset_index(drop=True)
        for c in ("scope_level", "wave", "group_code", "n", "n_mentioned")
    }
    df = pd.DataFrame(
        {
            **taken,
            "n_eff": n_eff,
            "p": share,
            "low": [c[0] for c in ci],
            "high": [c[1] for c in ci],
            "change": [c[0] for c in changes],
            "change_low": change_low,
            "change_high": change_high,
            "change_significant": (change_low > 0) | (change_high < 0),
            "prev_wave": [c[3] for c in changes],
        }
    )
    values = ["n_mentioned", "n_eff", "p", "low", "high", "change", "change_low", "change_high"]
    out = suppress_by(df, scope, ["scope_level", "wave"], ["group_code"], values)
    flags = out["suppressed"].to_numpy(dtype=bool)
    if flags.any():
        # the change of a cell whose previous wave is hidden would reveal it: blank it too
        level, group = out["scope_level"].tolist(), out["group_code"].tolist()
        gone = {
            k
            for k, hide in zip(zip(level, group, out["wave"].tolist(), strict=True), flags, strict=True)
            if hide
        }
        mask = np.array(
            [(a, b, c) in gone for a, b, c in zip(level, group, out["prev_wave"].tolist(), strict=True)],
            dtype=bool,
        )
        blank = {
            c: np.where(mask, np.nan, out[c].to_numpy(dtype="float64"))
            for c in ("change", "change_low", "change_high")
        }
        out = out.assign(**blank, change_significant=out["change_significant"].to_numpy(dtype=bool) & ~mask)
    return out


# -- self-assessment ---------------------------------------------------------------------------
@service_cache
def sa_waves(scope: Scope) -> list[str]:
    """Self-assessment waves, oldest first."""
    df = run("ai_gap_waves")
    return sorted(df.loc[df["source"] == "selfassessment", "wave"].astype(str).tolist())


def resolve_sa_wave(scope: Scope, sa_wave: str | None) -> str | None:
    waves = sa_waves(scope)
    if not waves:
        return None
    return sa_wave if sa_wave in waves else waves[-1]


@service_cache
def borich(
    scope: Scope, filters: Filters, group_by: str = "national", sa_wave: str | None = None
) -> pd.DataFrame:
    """Borich MWDS per AI competency and group of a self-assessment wave, with its rank
    (1 = largest weighted gap = first training priority) and the means for the IPA chart."""
    group_by = _check_group(group_by, ROSTER_GROUPS)
    wave = resolve_sa_wave(scope, sa_wave)
    if wave is None:
        return pd.DataFrame(columns=["group_code", "competency_code", "n", "mwds", "rank", "suppressed"])
    df = run("ai_gap_borich", sa_wave=wave, group_by=group_by, **roster_params(scope, filters))
    if df.empty:
        return df.assign(mwds=pd.Series(dtype=float), suppressed=pd.Series(dtype=bool))
    df["mean_importance"] = df["sum_i"] / df["n"]
    df["mean_proficiency"] = df["sum_p"] / df["n"]
    df["mean_gap"] = df["mean_importance"] - df["mean_proficiency"]
    df["mwds"] = [
        stats.borich_from_sums(n, si, sp) for n, si, sp in zip(df["n"], df["sum_i"], df["sum_p"], strict=True)
    ]
    df["rank"] = df.groupby("group_code")["mwds"].rank(method="min", ascending=False).astype(int)
    df["sa_wave"] = wave
    df = df[
        [
            "sa_wave",
            "group_code",
            "competency_code",
            "category",
            "n",
            "mean_importance",
            "mean_proficiency",
            "mean_gap",
            "mwds",
            "rank",
        ]
    ].sort_values(["group_code", "rank", "competency_code"])
    values = ["mean_importance", "mean_proficiency", "mean_gap", "mwds", "rank"]
    return suppress_by(df.reset_index(drop=True), scope, [], ["group_code"], values)


@service_cache
def attitudes(
    scope: Scope, filters: Filters, group_by: str = "tier", sa_wave: str | None = None
) -> pd.DataFrame:
    """Mean agreement with each AI attitude per group, with a 95 % interval."""
    group_by = _check_group(group_by, ROSTER_GROUPS)
    wave = resolve_sa_wave(scope, sa_wave)
    if wave is None:
        return pd.DataFrame(columns=["group_code", "attitude_code", "n", "mean", "suppressed"])
    df = run("ai_gap_attitudes", sa_wave=wave, group_by=group_by, **roster_params(scope, filters))
    if df.empty:
        return df.assign(mean=pd.Series(dtype=float), suppressed=pd.Series(dtype=bool))
    df["mean"] = df["sum_x"] / df["n"]
    df["sd"] = [
        stats.sd_from_sums(n, a, b) for n, a, b in zip(df["n"], df["sum_x"], df["sum_x2"], strict=True)
    ]
    ci = [stats.mean_interval(m, s, n) for m, s, n in zip(df["mean"], df["sd"], df["n"], strict=True)]
    df["low"] = [c[0] for c in ci]
    df["high"] = [c[1] for c in ci]
    df["sa_wave"] = wave
    df = df[["sa_wave", "group_code", "attitude_code", "n", "mean", "sd", "low", "high"]]
    return suppress_by(df.reset_index(drop=True), scope, [], ["group_code"], ["mean", "sd", "low", "high"])


@service_cache
def earners(scope: Scope, filters: Filters, group_by: str = "national") -> pd.DataFrame:
    """Change in mean AI proficiency between the two latest self-assessment waves, for AI-badge
    earners (earned in between) and non-earners, per group, with 95 % intervals; the column
    `diff` (earners - non-earners) and its interval sit on the earner row."""
    group_by = _check_group(group_by, ROSTER_GROUPS)
    waves = sa_waves(scope)
    if len(waves) < 2:
        return pd.DataFrame(columns=["group_code", "earner", "n", "mean_change", "suppressed"])
    w_from, w_to = waves[-2], waves[-1]
    df = run(
        "ai_gap_earners", wave_from=w_from, wave_to=w_to, group_by=group_by, **roster_params(scope, filters)
    )
    if df.empty:
        return df.assign(mean_change=pd.Series(dtype=float), suppressed=pd.Series(dtype=bool))
    df["earner"] = df["earner"].astype(bool)
    df["mean_change"] = df["sum_d"] / df["n"]
    df["sd"] = [
        stats.sd_from_sums(n, a, b) for n, a, b in zip(df["n"], df["sum_d"], df["sum_d2"], strict=True)
    ]
    ci = [stats.mean_interval(m, s, n) for m, s, n in zip(df["mean_change"], df["sd"], df["n"], strict=True)]
    df["low"] = [c[0] for c in ci]
    df["high"] = [c[1] for c in ci]
    df["wave_from"], df["wave_to"] = w_from, w_to
    # each group's first non-earner row is the comparison for its earner row
    others = df[~df["earner"]].drop_duplicates("group_code").set_index("group_code")
    diffs: list[tuple[float, float, float]] = []
    for group, is_earner, m, sd, n in zip(
        df["group_code"], df["earner"], df["mean_change"], df["sd"], df["n"], strict=True
    ):
        if is_earner and group in others.index:
            o = others.loc[group]
            lo, hi = stats.welch_diff_interval(o["mean_change"], o["sd"], o["n"], m, sd, n)
            diffs.append((m - o["mean_change"], lo, hi))
        else:
            diffs.append((math.nan, math.nan, math.nan))
    df["diff"] = [d[0] for d in diffs]
    df["diff_low"] = [d[1] for d in diffs]
    df["diff_high"] = [d[2] for d in diffs]
    df = df[
        [
            "wave_from",
            "wave_to",
            "group_code",
            "earner",
            "n",
            "mean_change",
            "sd",
            "low",
            "high",
            "diff",
            "diff_low",
            "diff_high",
        ]
    ].sort_values(["group_code", "earner"])
    values = ["mean_change", "sd", "low", "high", "diff", "diff_low", "diff_high"]
    out = suppress_by(df.reset_index(drop=True), scope, [], ["group_code", "earner"], values)
    # the difference uses both rows of the group: hide it when either side is hidden
    hidden_groups = set(out.loc[out["suppressed"], "group_code"])
    for c in ("diff", "diff_low", "diff_high"):
        out.loc[out["group_code"].isin(hidden_groups), c] = np.nan
    return out
