"""Pure statistics for the AI-gap, badge and summary pages: Borich MWDS, Kaplan–Meier, CIs."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

Z95 = 1.959963984540054

# Inputs may be lists, numpy arrays or pandas Series.
Values = Sequence[float] | Sequence[int] | Sequence[bool] | np.ndarray | pd.Series


def kish_n_eff(sum_w: float, sum_w2: float) -> float:
    """Kish's effective sample size (Σw)² / Σw²; equals n when all weights are 1."""
    if sum_w2 <= 0:
        return 0.0
    return sum_w * sum_w / sum_w2


def wilson_interval(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion; n may be an effective (non-integer) size."""
    if n <= 0 or math.isnan(p):
        return (math.nan, math.nan)
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def newcombe_diff_interval(p1: float, n1: float, p2: float, n2: float, z: float = Z95) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p2 − p1 (method 10 of Newcombe 1998)."""
    l1, u1 = wilson_interval(p1, n1, z)
    l2, u2 = wilson_interval(p2, n2, z)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return (low, high)


def mean_interval(mean: float, sd: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Normal-approximation interval for a mean (n ≥ 10 after suppression, so z is adequate)."""
    if n <= 1 or math.isnan(sd):
        return (math.nan, math.nan)
    half = z * sd / math.sqrt(n)
    return (mean - half, mean + half)


def sd_from_sums(n: float, s1: float, s2: float) -> float:
    """Sample standard deviation from n, Σx and Σx² (SQL returns sums, not rows)."""
    if n <= 1:
        return math.nan
    var = (s2 - s1 * s1 / n) / (n - 1)
    return math.sqrt(max(var, 0.0))


def welch_diff_interval(
    m1: float, sd1: float, n1: float, m2: float, sd2: float, n2: float, z: float = Z95
) -> tuple[float, float]:
    """Interval for m2 − m1 with unpooled variances (normal approximation)."""
    if n1 <= 1 or n2 <= 1:
        return (math.nan, math.nan)
    se = math.sqrt(sd1 * sd1 / n1 + sd2 * sd2 / n2)
    d = m2 - m1
    return (d - z * se, d + z * se)


def borich_mwds(importance: Values, proficiency: Values) -> float:
    """Borich's mean weighted discrepancy score for one competency.

    Each respondent's discrepancy (importance − proficiency) is weighted by the item's mean
    importance, then averaged: MWDS = Σ (I_i − P_i)·Ī / N. Pairs with a missing value are dropped.
    """
    i = np.asarray(importance, dtype=float)
    p = np.asarray(proficiency, dtype=float)
    ok = ~(np.isnan(i) | np.isnan(p))
    i, p = i[ok], p[ok]
    if i.size == 0:
        return math.nan
    return float(np.sum((i - p) * i.mean()) / i.size)


def borich_from_sums(n: float, sum_importance: float, sum_proficiency: float) -> float:
    """The same MWDS from aggregates: Ī · (ΣI − ΣP) / N (what SQL hands back)."""
    if n <= 0:
        return math.nan
    return (sum_importance / n) * ((sum_importance - sum_proficiency) / n)


def kaplan_meier(durations: Values, events: Values) -> pd.DataFrame:
    """Kaplan–Meier estimate from individual durations and event flags (False = censored)."""
    frame = pd.DataFrame({"t": np.asarray(durations, dtype=float), "event": np.asarray(events, dtype=bool)})
    counts = (
        frame.assign(d=frame["event"].astype(int), c=(~frame["event"]).astype(int))
        .groupby("t", as_index=False)[["d", "c"]]
        .sum()
    )
    return kaplan_meier_counts(counts["t"], counts["d"], counts["c"])


def kaplan_meier_counts(times: Values, events: Values, censored: Values) -> pd.DataFrame:
    """Kaplan–Meier from grouped counts: at each time t, d events and c censored.

    Censored observations at t are still at risk at t (the usual convention). Returns one row per
    distinct time with n_at_risk, events, censored, survival S(t), the cumulative share with the
    event 1 − S(t), and a 95 % Greenwood interval on the log(−log) scale.
    """
    frame = pd.DataFrame(
        {
            "t": np.asarray(times, dtype=float),
            "d": np.asarray(events, dtype=float),
            "c": np.asarray(censored, dtype=float),
        }
    )
    frame = frame.groupby("t", as_index=False)[["d", "c"]].sum().sort_values("t").reset_index(drop=True)
    total = frame["d"].sum() + frame["c"].sum()
    at_risk = total - (frame["d"] + frame["c"]).cumsum().shift(1, fill_value=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - frame["d"] / at_risk, 1.0)
        surv = np.cumprod(factor)
        green_terms = np.where(
            (at_risk - frame["d"]) > 0, frame["d"] / (at_risk * (at_risk - frame["d"])), 0.0
        )
        green = np.cumsum(green_terms)
        log_s = np.log(surv)
        se_loglog = np.where((surv > 0) & (surv < 1), np.sqrt(green) / np.abs(log_s), np.nan)
        low = np.where(np.isnan(se_loglog), surv, surv ** np.exp(Z95 * se_loglog))
        high = np.where(np.isnan(se_loglog), surv, surv ** np.exp(-Z95 * se_loglog))
    return pd.DataFrame(
        {
            "t": frame["t"],
            "n_at_risk": at_risk.astype(float),
            "events": frame["d"],
            "censored": frame["c"],
            "survival": surv,
            "cum_share": 1.0 - surv,
            "surv_low": low,
            "surv_high": high,
        }
    )


def competition_rank(values: Values) -> list[int]:
    """Standard competition ranking (1224), highest value first: the report's rank convention."""
    arr = np.asarray(values, dtype=float)
    return [int(1 + np.sum(arr > v)) for v in arr]
