"""Executive summary: headline figures with their change, and findings generated from the data."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from dashboard.cache import service_cache
from dashboard.filters import Filters
from dashboard.i18n import label, t
from dashboard.scope import Scope
from dashboard.services import ai_gap, badges

LANGS = ("zh-TW", "en")
HEADLINE_COLS = ["key", "value", "previous", "change", "period", "previous_period", "unit", "n"]


def _ok(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and x is not pd.NA


def _national(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["scope_level"] == "selection"] if "scope_level" in df else df


def _quarter_sum(monthly: pd.DataFrame, end: pd.Timestamp, event: str) -> tuple[float, float]:
    """Sum of an event over the three months ending at `end`, and over the three before."""
    ev = monthly[monthly["event"] == event].set_index("month")["n"]
    cur = [end - pd.DateOffset(months=i) for i in range(3)]
    prev = [end - pd.DateOffset(months=i) for i in range(3, 6)]
    # a suppressed month makes the quarter's sum unknowable, not smaller
    if any(m in ev.index and not _ok(ev[m]) for m in cur + prev):
        return (math.nan, math.nan)
    return (float(ev.reindex(cur).fillna(0).sum()), float(ev.reindex(prev).fillna(0).sum()))


def _headline_survey(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    """Respondents and AI mention rate of the latest survey wave, against the wave before."""
    rows: list[dict[str, Any]] = []
    mention = _national(ai_gap.mention_rate(scope, filters, group_by="national", benchmark=False))
    if not mention.empty:
        last = mention.sort_values("wave").iloc[-1]
        prev = mention.sort_values("wave").iloc[-2] if len(mention) > 1 else None
        rows.append(
            {
                "key": "respondents",
                "value": last["n"],
                "previous": prev["n"] if prev is not None else math.nan,
                "period": last["wave"],
                "previous_period": prev["wave"] if prev is not None else None,
                "unit": "count",
                "n": last["n"],
            }
        )
        rows.append(
            {
                "key": "mention_rate",
                "value": last["p"],
                "previous": prev["p"] if prev is not None else math.nan,
                "period": last["wave"],
                "previous_period": prev["wave"] if prev is not None else None,
                "unit": "share",
                "n": last["n"],
            }
        )
    return rows


def _headline_badges(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    """Badge coverage of the latest month and awards of the last quarter, against 3 months before."""
    rows: list[dict[str, Any]] = []
    cov = _national(badges.coverage_trend(scope, filters))
    if not cov.empty:
        cov = cov.sort_values("month")
        last = cov.iloc[-1]
        before = cov[cov["month"] == last["month"] - pd.DateOffset(months=3)]
        rows.append(
            {
                "key": "coverage",
                "value": last["share"],
                "previous": before["share"].iloc[0] if not before.empty else math.nan,
                "period": last["month"].strftime("%Y-%m"),
                "previous_period": (last["month"] - pd.DateOffset(months=3)).strftime("%Y-%m"),
                "unit": "share",
                "n": last["headcount"],
            }
        )
        monthly = badges.monthly(scope, filters)
        if not monthly.empty:
            cur, prev_q = _quarter_sum(monthly, last["month"], "issued")
            rows.append(
                {
                    "key": "awards_quarter",
                    "value": cur,
                    "previous": prev_q,
                    "period": last["month"].strftime("%Y-%m"),
                    "previous_period": (last["month"] - pd.DateOffset(months=3)).strftime("%Y-%m"),
                    "unit": "count",
                    "n": cur,
                }
            )
    return rows


def _headline_selfassessment(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    """The largest Borich MWDS of the latest self-assessment wave, against the wave before."""
    rows: list[dict[str, Any]] = []
    waves = ai_gap.sa_waves(scope)
    if waves:
        cur_b = ai_gap.borich(scope, filters, group_by="national", sa_wave=waves[-1])
        cur_b = cur_b[cur_b["mwds"].notna()]
        if not cur_b.empty:
            top = cur_b.sort_values("mwds", ascending=False).iloc[0]
            prev_val = math.nan
            if len(waves) > 1:
                pb = ai_gap.borich(scope, filters, group_by="national", sa_wave=waves[-2])
                match = pb[pb["competency_code"] == top["competency_code"]]
                prev_val = float(match["mwds"].iloc[0]) if not match.empty else math.nan
            rows.append(
                {
                    "key": "top_mwds",
                    "value": top["mwds"],
                    "previous": prev_val,
                    "period": waves[-1],
                    "previous_period": waves[-2] if len(waves) > 1 else None,
                    "unit": "score",
                    "n": top["n"],
                    "competency_code": top["competency_code"],
                }
            )
    return rows


# The headline figures come from three independent sources; the page renders each part with
# its own callback (in this order), so none waits for the others' queries.
HEADLINE_PARTS = {
    "survey": _headline_survey,
    "badges": _headline_badges,
    "selfassessment": _headline_selfassessment,
}


def _headline_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame(columns=[*HEADLINE_COLS, "competency_code"])
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    df["previous"] = pd.to_numeric(df["previous"], errors="coerce")
    df["change"] = df["value"] - df["previous"]
    if "competency_code" not in df:
        df["competency_code"] = None
    return df[[*HEADLINE_COLS, "competency_code"]]


@service_cache
def headline_part(scope: Scope, filters: Filters, part: str) -> pd.DataFrame:
    """One part of headlines() (HEADLINE_PARTS): the same rows and columns."""
    return _headline_frame(HEADLINE_PARTS[part](scope, filters))


@service_cache
def headlines(scope: Scope, filters: Filters) -> pd.DataFrame:
    """The summary's headline figures: latest value, previous wave/quarter and the change."""
    rows: list[dict[str, Any]] = []
    for make in HEADLINE_PARTS.values():
        rows.extend(make(scope, filters))
    return _headline_frame(rows)


# -- findings ------------------------------------------------------------------------------------
def _fmt(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _resolve(value: Any, lang: str) -> Any:
    """('i18n', key) -> translated text; (kind, code) -> catalog label; anything else as is."""
    if isinstance(value, tuple):
        kind, code = value
        return t(code, lang) if kind == "i18n" else label(kind, code, lang)
    return value


def _both(key: str, **fmt: Any) -> dict[str, str]:
    """The finding's text in both languages; label-valued fields are (kind, code) tuples."""
    out = {}
    for lang in LANGS:
        args = {k: _resolve(v, lang) for k, v in fmt.items()}
        out[f"text_{lang}"] = t(f"summary.finding.{key}", lang, **args)
    return out


def _hidden_cells(df: pd.DataFrame, scope: Scope) -> set[tuple[Any, Any]]:
    """(wave, tier) cells of the priority frame that suppression hides: the finding rests on
    every tier's cell (n = the largest item count of the cell)."""
    n = pd.to_numeric(df["n"], errors="coerce").fillna(0)
    if scope.unsuppressed or not ((n > 0) & (n < scope.min_cell)).any():
        # no row is small, so no cell's largest n is: suppress_by would hide nothing
        return set()
    cells = df.groupby(["wave", "tier"], as_index=False).agg(n=("n", "max"))
    masked = ai_gap.suppress_by(cells, scope, ["wave"], ["tier"], [])
    return set(
        zip(masked.loc[masked["suppressed"], "wave"], masked.loc[masked["suppressed"], "tier"], strict=True)
    )


def _finding_last_everywhere(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    """Competencies that rank last of their category in every tier of the latest wave."""
    # the same frame as the gap bars' (ai_gap.priority_gap): cached once for both
    df = ai_gap.priority_cells(scope, filters, "national")
    if df.empty:
        return []
    hidden = _hidden_cells(df, scope)
    waves = sorted(df["wave"].unique())
    latest, first = waves[-1], waves[0]
    # plain lists for the row-wise tests: pandas' groupby over string columns costs milliseconds
    # on a frame of a hundred rows; the numbers themselves are still computed by pandas below
    r_wave, r_tier, r_cat, r_code, r_rank, r_items = (
        df[c].tolist() for c in ("wave", "tier", "category", "competency_code", "rank", "n_items")
    )
    cur_rows = [i for i, w in enumerate(r_wave) if w == latest]
    cur_tiers = {r_tier[i] for i in cur_rows if not pd.isna(r_tier[i])}
    if any((latest, t) in hidden for t in cur_tiers):
        return []
    out: list[dict[str, Any]] = []
    tiers_in_data = len(cur_tiers)
    # only competencies last in every tier they appear in can qualify
    not_last = {(r_cat[i], r_code[i]) for i in cur_rows if int(r_rank[i]) != int(r_items[i])}
    keep = [i for i in cur_rows if (r_cat[i], r_code[i]) not in not_last]
    if not keep:
        return []
    groups: dict[tuple[Any, Any], list[int]] = {}
    for i in keep:
        groups.setdefault((r_cat[i], r_code[i]), []).append(i)
    for category, code in sorted(groups):  # the order of a groupby over the two columns
        rows = groups[(category, code)]
        tiers = sorted({r_tier[i] for i in rows})
        # "last in every tier" needs several tiers, unless the selection has only one
        if len(tiers) < min(2, tiers_in_data):
            continue
        part = df.iloc[rows]
        then = df.iloc[[i for i, w in enumerate(r_wave) if w == first and r_code[i] == code]]
        mean_now = float(part["score"].mean())
        numbers: dict[str, Any] = {
            "competency": code,
            "wave": latest,
            "score_mean": mean_now,
            "tiers": len(tiers),
        }
        if first != latest and not then.empty and not any((first, tr) in hidden for tr in then["tier"]):
            gap_now = float((part["category_mean"] - part["score"]).mean())
            gap_then = float((then["category_mean"] - then["score"]).mean())
            numbers.update(first_wave=first, gap_now=gap_now, gap_then=gap_then)
            text = _both(
                "last_everywhere_change",
                competency=("competency", code),
                category=("i18n", f"summary.category.{category}"),
                wave=latest,
                first=first,
                tiers=len(tiers),
                score=_fmt(mean_now),
                gap_now=_fmt(gap_now),
                gap_then=_fmt(gap_then),
            )
        else:
            text = _both(
                "last_everywhere",
                competency=("competency", code),
                category=("i18n", f"summary.category.{category}"),
                wave=latest,
                tiers=len(tiers),
                score=_fmt(mean_now),
            )
        out.append({"key": f"last_everywhere:{code}", **text, "numbers": numbers, "n": int(part["n"].min())})
    return out


def _finding_mention(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    df = _national(ai_gap.mention_rate(scope, filters, group_by="national", benchmark=False)).sort_values(
        "wave"
    )
    if len(df) < 2:
        return []
    last, prev = df.iloc[-1], df.iloc[-2]
    if not (_ok(last["p"]) and _ok(prev["p"]) and _ok(last["change_low"])):
        return []
    key = (
        "mention_up"
        if last["change_low"] > 0
        else "mention_down"
        if last["change_high"] < 0
        else "mention_flat"
    )
    text = _both(
        key,
        wave=last["wave"],
        prev=prev["wave"],
        p=_pct(last["p"]),
        p_prev=_pct(prev["p"]),
        low=_pct(last["change_low"]),
        high=_pct(last["change_high"]),
    )
    numbers = {
        "p": last["p"],
        "p_prev": prev["p"],
        "change": last["change"],
        "change_low": last["change_low"],
        "change_high": last["change_high"],
    }
    return [{"key": key, **text, "numbers": numbers, "n": int(last["n"])}]


def _finding_borich(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    waves = ai_gap.sa_waves(scope)
    if not waves:
        return []
    # the same arguments as the headline's call, so the cached frame is shared
    df = ai_gap.borich(scope, filters, group_by="tier", sa_wave=waves[-1])
    df = df[df["mwds"].notna()]
    if df.empty:
        return []
    known = df[df["group_code"] != "unknown"]  # people not matched to the roster are no tier
    tops = known.sort_values("mwds", ascending=False).groupby("group_code").head(1)
    overall = ai_gap.borich(scope, filters, group_by="national", sa_wave=waves[-1])
    overall = overall[overall["mwds"].notna()]
    if overall.empty:
        return []
    top = overall.sort_values("mwds", ascending=False).iloc[0]
    same = int((tops["competency_code"] == top["competency_code"]).sum())
    text = _both(
        "borich_top",
        competency=("competency", top["competency_code"]),
        mwds=_fmt(float(top["mwds"])),
        imp=_fmt(float(top["mean_importance"])),
        prof=_fmt(float(top["mean_proficiency"])),
        same=same,
        groups=len(tops),
        wave=top["sa_wave"],
    )
    numbers = {"competency": top["competency_code"], "mwds": float(top["mwds"]), "tiers_top": same}
    return [{"key": "borich_top", **text, "numbers": numbers, "n": int(top["n"])}]


def _finding_supply(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    df = badges.supply_demand(scope, filters)
    todo = df[df["todo"].fillna(False).astype(bool)] if not df.empty else df
    if todo.empty:
        return []
    ai_todo = todo[todo["ai_related"].astype(bool)]
    pick = (ai_todo if not ai_todo.empty else todo).sort_values("demand_index", ascending=False).iloc[0]
    text = _both(
        "supply_todo",
        count=len(todo),
        total=len(df),
        competency=("competency", pick["competency_code"]),
        tier=("tier", pick["tier"]),
        index=_fmt(float(pick["demand_index"])),
        per100=_fmt(float(pick["per100"]), 1),
    )
    numbers = {
        "todo": len(todo),
        "cells": len(df),
        "competency": pick["competency_code"],
        "tier": pick["tier"],
        "demand_index": float(pick["demand_index"]),
        "per100": float(pick["per100"]),
    }
    return [{"key": "supply_todo", **text, "numbers": numbers, "n": int(pick["n"])}]


def _finding_earners(scope: Scope, filters: Filters) -> list[dict[str, Any]]:
    df = ai_gap.earners(scope, filters)
    if df.empty or not df["earner"].any() or not (~df["earner"]).any():
        return []
    e = df[df["earner"]].iloc[0]
    o = df[~df["earner"]].iloc[0]
    if not (_ok(e["mean_change"]) and _ok(o["mean_change"])):
        return []
    text = _both(
        "earners",
        w1=e["wave_from"],
        w2=e["wave_to"],
        earn=_fmt(float(e["mean_change"])),
        other=_fmt(float(o["mean_change"])),
        n_earn=int(e["n"]),
        n_other=int(o["n"]),
    )
    numbers = {"earners_change": float(e["mean_change"]), "others_change": float(o["mean_change"])}
    return [{"key": "earners", **text, "numbers": numbers, "n": int(min(e["n"], o["n"]))}]


# The findings in the order they are listed, in three parts the page computes side by side.
FINDING_PARTS: dict[str, tuple[Any, ...]] = {
    "survey": (_finding_last_everywhere, _finding_mention),
    "borich": (_finding_borich,),
    "supply": (_finding_supply, _finding_earners),
}
FINDING_COLS = ["key", "text_zh-TW", "text_en", "numbers", "n"]
MAX_FINDINGS = 5


@service_cache
def finding_part(scope: Scope, filters: Filters, part: str) -> pd.DataFrame:
    """The findings of one part of FINDING_PARTS, in order (findings() lists the parts' rows in
    part order and keeps the first MAX_FINDINGS)."""
    rows: list[dict[str, Any]] = []
    for make in FINDING_PARTS[part]:
        rows.extend(make(scope, filters))
    return pd.DataFrame(rows, columns=FINDING_COLS)


@service_cache
def findings(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Three to five findings, each in both languages with the numbers behind it (aggregates of
    suppressed figures only: a finding whose cells are hidden is left out)."""
    rows: list[dict[str, Any]] = []
    for makers in FINDING_PARTS.values():
        for make in makers:
            rows.extend(make(scope, filters))
    df = pd.DataFrame(rows, columns=FINDING_COLS)
    return df.head(MAX_FINDINGS).reset_index(drop=True)
