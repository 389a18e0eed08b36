"""Badge uptake services: monthly awards, coverage, time to first badge, funnels, supply vs demand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from dashboard import stats
from dashboard.cache import service_cache
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services.ai_gap import base_params, has_benchmark, roster_params, run, suppress_by

PERSON_GROUPS = ("total", "gov_level", "agency", "tier", "personnel_type")
BADGE_GROUPS = ("route", "badge")
KM_GROUPS = ("national", "gov_level", "tier", "personnel_type")
KINDS = ("badge", "certification")
LEVELS = ("intro", "advanced", "practice")


@service_cache
def catalog(scope: Scope) -> pd.DataFrame:
    """Badge/certification names (no people): used to label codes on screen."""
    return run("badges_catalog")


def register_badge_labels(scope: Scope) -> None:
    """Make label('badge', code, lang) know the warehouse's badge names."""
    from dashboard.i18n import register_labels

    cat = catalog(scope)
    register_labels(
        "badge",
        {
            str(c): (str(zh), str(en))
            for c, zh, en in zip(cat["badge_code"], cat["name_zh"], cat["name_en"], strict=True)
        },
    )


def _kind(kind: str | None) -> str | None:
    return kind if kind in KINDS else None


@service_cache
def monthly(scope: Scope, filters: Filters, kind: str | None = None) -> pd.DataFrame:
    """Awards issued, revoked and expired per month (wide: one row per month)."""
    long = run("badges_monthly", kind=_kind(kind), **roster_params(scope, filters))
    if long.empty:
        return pd.DataFrame(columns=["month", "event", "n", "suppressed"])
    long["month"] = pd.to_datetime(long["month"])
    # each event series is its own table whose months add up to the event's total
    return suppress_by(long, scope, ["event"], ["month"], [])


@service_cache
def coverage_trend(scope: Scope, filters: Filters, kind: str | None = None) -> pd.DataFrame:
    """Share of each month's roster headcount holding at least one valid award (all months)."""
    # the selection and (next to an agency selection) the national benchmark in one query
    df = run(
        "badges_coverage_trend",
        kind=_kind(kind),
        benchmark=has_benchmark(scope, filters),
        **roster_params(scope, filters),
    )
    return _coverage_finish(df, scope, ["scope_level", "month"])


def suppress_single_cells(
    df: pd.DataFrame, scope: Scope, value_cols: list[str], n_col: str = "n"
) -> pd.DataFrame:
    """suppress_by for tables of a single cell each (every row its own table), vectorized.

    A one-cell table has no margin to protect: suppress() hides the row exactly when its n is
    small (0 < n < min_cell) and blanks n and the figures, turning them into floats. This does
    the same for all rows at once instead of one suppress() call per row (a trend with a
    national benchmark is ~80 one-row tables: 120 ms as a loop). Same frame as
    suppress_by(df, scope, <a split unique per row>, [...], value_cols) (tested)."""
    n = pd.to_numeric(df[n_col], errors="coerce").fillna(0)
    small = ((n > 0) & (n < scope.min_cell)).to_numpy()
    out = df.reset_index(drop=True)
    if scope.unsuppressed or not small.any():
        return out.assign(suppressed=False)
    out = out.copy()
    out["suppressed"] = small
    for col in [n_col, *value_cols]:
        if col not in out.columns:
            continue
        if pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype("float64").where(~small)
        else:
            out[col] = out[col].astype(object).where(~small, None)
    return out


def _wilson(p: np.ndarray, n: np.ndarray, z: float = stats.Z95) -> tuple[np.ndarray, np.ndarray]:
    """stats.wilson_interval on arrays: the same operations in the same order, so the same
    floats (tested), without a Python call per row."""
    ok = (n > 0) & ~np.isnan(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 1.0 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
        low = np.where(ok, np.maximum(0.0, centre - half), np.nan)
        high = np.where(ok, np.minimum(1.0, centre + half), np.nan)
    return low, high


def _coverage_finish(df: pd.DataFrame, scope: Scope, split: list[str]) -> pd.DataFrame:
    if df.empty:
        return df.assign(share=pd.Series(dtype=float), suppressed=pd.Series(dtype=bool))
    df["month"] = pd.to_datetime(df["month"])
    df["share"] = df["holders"] / df["headcount"]
    df["low"], df["high"] = _wilson(df["share"].to_numpy(dtype=float), df["headcount"].to_numpy(dtype=float))
    # n is the headcount (the people behind the share); the holders count is a figure too
    df = df.rename(columns={"headcount": "n"})
    values = ["holders", "share", "low", "high"]
    if split and not df.duplicated(split).any():
        # one row per independent table (the trend: one per scope level and month)
        out = suppress_single_cells(df, scope, values)
    else:
        out = suppress_by(df, scope, split, ["group_code"], values)
    # a share resting on fewer than min_cell holders would reveal them: hide it as well
    small = (out["holders"] > 0) & (out["holders"] < scope.min_cell) & (not scope.unsuppressed)
    for c in ("holders", "share", "low", "high"):
        out[c] = out[c].astype("float64").where(~small)
    out["suppressed"] = out["suppressed"] | small
    return out.rename(columns={"n": "headcount"})


@service_cache
def coverage_by(
    scope: Scope, filters: Filters, by: str = "gov_level", kind: str | None = None, month: str | None = None
) -> pd.DataFrame:
    """Coverage in one month (latest by default) by a person attribute, talent route or badge."""
    params = roster_params(scope, filters)
    if by in BADGE_GROUPS:
        df = run("badges_coverage_badge", group_by=by, month=month, kind=_kind(kind), **params)
        return _coverage_finish(df, scope, [])
    by = by if by in PERSON_GROUPS else "gov_level"
    df = run("badges_coverage", group_by=by, kind=_kind(kind), **params)
    if df.empty:
        return _coverage_finish(df, scope, [])
    df["month"] = pd.to_datetime(df["month"])
    target = pd.Timestamp(month) if month else df["month"].max()
    return _coverage_finish(df[df["month"] == target].reset_index(drop=True), scope, [])


KM_VALUES = ("t", "n_at_risk", "events", "censored", "survival", "cum_share", "surv_low", "surv_high")


def _km_curves(counts: pd.DataFrame) -> pd.DataFrame:
    """stats.kaplan_meier_counts for every group_code (sorted; no null group), stacked: the same
    formulas on numpy arrays per group and one frame at the end, instead of a few pandas frames
    per group (the same numbers, tested against stats.kaplan_meier_counts)."""
    keep = counts["group_code"].notna().to_numpy()
    codes = counts["group_code"].to_numpy(dtype=object)[keep]
    t_all = counts["t_month"].to_numpy(dtype=float)[keep]
    d_all = counts["events"].to_numpy(dtype=float)[keep]
    c_all = counts["censored"].to_numpy(dtype=float)[keep]
    cols: dict[str, list[Any]] = {k: [] for k in ("group_code", "n", *KM_VALUES)}
    for group in sorted(set(codes)):
        m = codes == group
        t_u, inv = np.unique(t_all[m], return_inverse=True)  # sorted distinct times
        d = np.zeros(len(t_u))
        c = np.zeros(len(t_u))
        np.add.at(d, inv, d_all[m])
        np.add.at(c, inv, c_all[m])
        total = d.sum() + c.sum()
        at_risk = total - np.concatenate(([0.0], np.cumsum(d + c)[:-1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            surv = np.cumprod(np.where(at_risk > 0, 1.0 - d / at_risk, 1.0))
            green = np.cumsum(np.where((at_risk - d) > 0, d / (at_risk * (at_risk - d)), 0.0))
            log_s = np.log(surv)
            se_loglog = np.where((surv > 0) & (surv < 1), np.sqrt(green) / np.abs(log_s), np.nan)
            low = np.where(np.isnan(se_loglog), surv, surv ** np.exp(stats.Z95 * se_loglog))
            high = np.where(np.isnan(se_loglog), surv, surv ** np.exp(-stats.Z95 * se_loglog))
        cols["group_code"].append(np.full(len(t_u), group, dtype=object))
        cols["n"].append(np.full(len(t_u), int(d_all[m].sum() + c_all[m].sum()), dtype=np.int64))
        for name, arr in zip(KM_VALUES, (t_u, at_risk, d, c, surv, 1.0 - surv, low, high), strict=True):
            cols[name].append(arr)
    if not cols["n"]:
        return pd.DataFrame({k: pd.Series(dtype=float) for k in cols})
    return pd.DataFrame(
        {k: (list(np.concatenate(v)) if k == "group_code" else np.concatenate(v)) for k, v in cols.items()}
    )


@service_cache
def first_badge(
    scope: Scope, filters: Filters, group_by: str = "national", kind: str | None = "badge"
) -> pd.DataFrame:
    """Kaplan–Meier curve of time to first award (months since launch or hire) per group."""
    group_by = group_by if group_by in KM_GROUPS else "national"
    counts = run("badges_first_badge", group_by=group_by, kind=_kind(kind), **roster_params(scope, filters))
    cols = [
        "group_code",
        "n",
        "t",
        "n_at_risk",
        "events",
        "censored",
        "survival",
        "cum_share",
        "surv_low",
        "surv_high",
    ]
    if counts.empty:
        return pd.DataFrame(columns=[*cols, "suppressed"])
    df = _km_curves(counts)[cols]
    # a step of the curve rests on the people at risk then: hide steps (and later ones) where
    # fewer than min_cell remain, and whole groups below the threshold.
    values = ["n_at_risk", "events", "censored", "survival", "cum_share", "surv_low", "surv_high"]
    out = suppress_by(df, scope, [], ["group_code"], values)
    if not scope.unsuppressed:
        thin = (out["n_at_risk"] < scope.min_cell) & out["n_at_risk"].notna()
        out.loc[thin, values] = float("nan")
        out["suppressed"] = out["suppressed"] | thin
    return out


@service_cache
def funnel(scope: Scope, filters: Filters, month: str | None = None) -> pd.DataFrame:
    """People per AI talent route who have earned a badge at each level (入門 → 進階 → 實作)."""
    df = run("badges_funnel", month=month, **roster_params(scope, filters))
    if df.empty:
        return pd.DataFrame(columns=["route_code", "level", "n", "headcount", "share", "suppressed"])
    df["share"] = df["n"] / df["headcount"]
    df["level_order"] = df["level"].map({lv: i for i, lv in enumerate(LEVELS)})
    df = df.sort_values(["route_code", "level_order"]).drop(columns="level_order").reset_index(drop=True)
    return suppress_by(df, scope, ["route_code"], [], ["share"])


SUPPLY_DEMAND_COLUMNS = [
    *("wave", "month", "tier", "category", "competency_code", "ai_related", "n", "score"),
    *("category_mean", "demand_index", "headcount", "holders", "per100", "suppressed"),
    *("supply_suppressed", "supply_median", "todo"),
]


@service_cache
def supply_demand(scope: Scope, filters: Filters, month: str | None = None) -> pd.DataFrame:
    """Demand (survey priority) against supply (valid holders per 100 staff) per tier and
    competency; `todo` flags the high-priority, low-supply quadrant (demand index ≥ 1, i.e.
    at least the category average, and supply at or below the median of all cells shown)."""
    params = base_params(scope, filters)
    df = run("badges_supply_demand", wave=filters.wave, month=month, **params)
    if df.empty:  # same columns as a non-empty answer: the page and figure read all of them
        return pd.DataFrame(columns=SUPPLY_DEMAND_COLUMNS)
    df["month"] = pd.to_datetime(df["month"])
    out = suppress_by(df, scope, [], ["tier"], ["score", "category_mean", "demand_index"])
    # supply rests on the tier's headcount and holders: hide per100 when either is small
    if not scope.unsuppressed:
        small = ((out["holders"] > 0) & (out["holders"] < scope.min_cell)) | (
            (out["headcount"] > 0) & (out["headcount"] < scope.min_cell)
        )
        for c in ("holders", "per100"):
            out[c] = out[c].astype("float64").where(~small)
        out["supply_suppressed"] = small
    else:
        out["supply_suppressed"] = False
    median_supply = out["per100"].median()
    out["supply_median"] = median_supply
    out["todo"] = (out["demand_index"] >= 1.0) & (out["per100"] <= median_supply)
    return out


@service_cache
def expiring(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Awards held by current staff that expire in the next 90 days, per badge."""
    df = run("badges_expiring", as_of=None, **roster_params(scope, filters))
    if df.empty:
        return pd.DataFrame(
            columns=["badge_code", "kind", "n", "first_expiry", "last_expiry", "as_of", "suppressed"]
        )
    return suppress_by(df, scope, [], [], ["first_expiry", "last_expiry"])
