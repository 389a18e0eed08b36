"""The 2025 report's Tables 19-25 rebuilt live from the warehouse, next to the published values."""

from __future__ import annotations

import csv
from bisect import bisect_right
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from dashboard.cache import service_cache
from dashboard.db import get_warehouse
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services import common

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
# Scope of each of Tables 19-22.
SCOPE_TABLES = {"national": 19, "central": 20, "municipal": 21, "county": 22}
# Tables 23-25: top competencies by work group × tier, one table per category.
WORKGROUP_TABLES = {"common": 23, "technical": 24, "management": 25}
TIERS = ("basic", "middle", "senior")
WORKGROUPS = ("hardware_maintenance", "system_planning", "project_management", "multi_function", "non_core")
# Printed scores have two decimals: a rebuilt value within half a unit of the last digit
# (plus float noise) matches the report.
ROUNDING = 0.005 + 1e-9
_CATEGORY_ORDER = {"common": 0, "technical": 1, "management": 2}
# Cells of Tables 23-25 whose list differs from Table 26's (CHECKS D12): the rebuilt list follows
# the means, so these lists cannot match the printed ones. (category, tier, work group).
LIST_EXCEPTIONS: dict[tuple[str, str, str], str] = {
    ("technical", "senior", "project_management"): "D12",
    ("management", "basic", "non_core"): "D12",
    ("management", "middle", "non_core"): "D12",
    ("management", "senior", "non_core"): "D12",
}
# Table 26 means that cannot all hold together with Table 19 (CHECKS D14): the senior column's
# 跨域管理 / 法規與實際運用 (common), 新興技術監測與評估 (technical), 策略管理 / 風險管理
# (management) for every group, and 複合功能 中階 新興技術監測與評估 (1.81 is not a multiple of
# 1/66; the same value as 專案管理's, a probable copy error). (category, tier, group or None =
# every group, code).
MEAN_EXCEPTIONS: dict[tuple[str, str, str | None, str], str] = {
    ("common", "senior", None, "it_cross_domain"): "D14",
    ("common", "senior", None, "it_law_practice"): "D14",
    ("technical", "senior", None, "it_emerging_tech"): "D14",
    ("management", "senior", None, "it_strategy"): "D14",
    ("management", "senior", None, "it_risk_mgmt"): "D14",
    ("technical", "middle", "multi_function", "it_emerging_tech"): "D14",
}


def mean_exception(category: str, tier: str, workgroup: str, code: str) -> str:
    """The CHECKS item that explains a Table 26 mean the data cannot reproduce ('' if none)."""
    return MEAN_EXCEPTIONS.get((category, tier, workgroup, code)) or MEAN_EXCEPTIONS.get(
        (category, tier, None, code), ""
    )


REPORT_WAVE = "2025"  # the survey wave the 2025 report's tables describe


def report_filters(scope: Scope, filters: Filters) -> Filters:
    """The filters the report tables use: the report's own wave unless another one is chosen."""
    if filters.wave is None and REPORT_WAVE in set(common.waves(scope)["wave"].astype(str)):
        filters = filters.with_(wave=REPORT_WAVE)
    return common.resolve(scope, filters)


def _read(name: str) -> pd.DataFrame:
    with open(REFERENCE_DIR / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return pd.DataFrame(list(csv.DictReader(fh)))


@cache
def _name_codes() -> dict[str, str]:
    comp = _read("competencies")
    comp = comp[comp["framework"] == "it_position"]
    return dict(zip(comp["name_zh"], comp["code"], strict=True))


def code_for(name_zh: str, tier: str) -> str | None:
    """The catalog code of a competency as printed in the report (see CHECKS.md D7: the basic
    tier's 專案管理 is printed as 系統開發專案管理 in Tables 19-22)."""
    if tier == "basic" and name_zh == "系統開發專案管理":
        return "it_project_mgmt"
    return _name_codes().get(name_zh)


@cache
def published_scores() -> pd.DataFrame:
    """Tables 19-22 as published (data/reference/competency_scores_tables19_22.csv) with codes
    and the report's row order (first appearance of category + printed name)."""
    df = _read("competency_scores_tables19_22")
    df["score"] = df["score"].astype(float)
    df["rank"] = df["rank"].astype(int)
    df["tier_n"] = df["tier_n"].astype(int)
    df["competency_code"] = [code_for(n, t) for n, t in zip(df["competency_zh"], df["tier"], strict=True)]
    keys = list(dict.fromkeys(zip(df["category"], df["competency_zh"], strict=True)))
    order = {k: i for i, k in enumerate(keys)}
    df["row_order"] = [order[(c, n)] for c, n in zip(df["category"], df["competency_zh"], strict=True)]
    return df


@cache
def published_workgroup_tops() -> pd.DataFrame:
    """Tables 23-25 as published: ordered top competencies per category × tier × work group."""
    df = _read("workgroup_top_competencies_tables23_25")
    df["position"] = df["position"].astype(int)
    df = df.rename(columns={"workgroup_en": "workgroup"})
    df["competency_code"] = [code_for(n, t) for n, t in zip(df["competency_zh"], df["tier"], strict=True)]
    return df


@cache
def published_workgroup_means() -> pd.DataFrame:
    """Table 26: means of the listed competencies per work group × tier × category."""
    df = _read("workgroup_competency_means_table26")
    df["mean_score"] = df["mean_score"].astype(float)
    df = df.rename(columns={"workgroup_en": "workgroup"})
    df["competency_code"] = [code_for(n, t) for n, t in zip(df["competency_zh"], df["tier"], strict=True)]
    return df


def competition_rank(df: pd.DataFrame, keys: list[str], col: str = "score") -> pd.Series:
    """Ranks as the report prints them: computed on the two-decimal scores within `keys`, ties
    share a rank ("1, 2, 2, 4"): 1 + the number of higher two-decimal scores in the group.
    Missing scores get no rank. (Plain Python: a few hundred rows, where a pandas groupby on
    string keys costs more than the whole computation.)"""
    rounded = np.round(_floats(df[col]), 2)
    groups: dict[tuple[Any, ...], list[float]] = {}
    group_of = list(zip(*(df[k].tolist() for k in keys), strict=True)) if keys else [()] * len(df)
    for g, v in zip(group_of, rounded.tolist(), strict=True):
        if not np.isnan(v):
            groups.setdefault(g, []).append(v)
    ascending = {g: sorted(vs) for g, vs in groups.items()}
    ranks = [
        np.nan if np.isnan(v) else float(len(ascending[g]) - bisect_right(ascending[g], v) + 1)
        for g, v in zip(group_of, rounded.tolist(), strict=True)
    ]
    return pd.Series(ranks, index=df.index, dtype=float, name=col)


def _floats(s: pd.Series) -> np.ndarray:
    return np.asarray(pd.to_numeric(s, errors="coerce"), dtype=float)


@service_cache
def live_scores(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Live scores for all four scopes (national = margin of the three levels), ranked within
    scope × tier × category, suppressed as one scope × tier table (national rows are margins,
    so a hidden level cannot be recovered as national minus the others)."""
    f = report_filters(scope, filters)
    if f.wave is None:
        return pd.DataFrame(
            columns=["scope", "tier", "category", "competency_code", "n", "score", "rank", "suppressed"]
        )
    df = get_warehouse().query("report_tables_scores", wave=f.wave)
    df["rank"] = competition_rank(df, ["scope", "tier", "category"])
    df["is_total"] = df["scope"] == "national"
    out = common.suppress(
        df,
        scope,
        n_col="n",
        value_cols=["score", "rank"],
        group_cols=["scope", "tier"],
        total_rows="is_total",
    )
    return out.drop(columns=["is_total"])


@service_cache
def report_table(scope: Scope, filters: Filters, table_scope: str = "national") -> pd.DataFrame:
    """One of Tables 19-22 in long form: for every printed row and every tier, the live score,
    rank and N next to the published score and rank (NaN published = the tier was not asked,
    printed N/A). Columns: row_order, category, competency_zh, competency_en, tier,
    competency_code, n, score, rank, suppressed, published_score, published_rank, tier_n_published,
    asked, diff, rank_match."""
    return build_report_table(live_scores(scope, filters), table_scope)


@cache
def published_grid(table_scope: str) -> pd.DataFrame:
    """The printed layout of one of Tables 19-22: every printed row × tier with the published
    score and rank (NaN = N/A) and the competency code each cell is computed from. Static, so
    it is built once per process."""
    pub = published_scores()
    pub = pub[pub["scope"] == table_scope]
    rows = pub.drop_duplicates(["row_order"])[["row_order", "category", "competency_zh", "competency_en"]]
    grid = rows.merge(pd.DataFrame({"tier": list(TIERS)}), how="cross")
    p = pub[["row_order", "tier", "competency_code", "score", "rank", "tier_n"]].rename(
        columns={"score": "published_score", "rank": "published_rank", "tier_n": "tier_n_published"}
    )
    grid = grid.merge(p, on=["row_order", "tier"], how="left")
    grid["asked"] = grid["published_score"].notna()
    # A cell the report left N/A has no code from the printed table: take it from the row.
    fill = pub.drop_duplicates("row_order").set_index("row_order")["competency_code"]
    grid["competency_code"] = grid["competency_code"].fillna(grid["row_order"].map(fill))
    grid["tier_order"] = grid["tier"].map({t: i for i, t in enumerate(TIERS)})
    return grid.sort_values(["row_order", "tier_order"]).drop(columns=["tier_order"]).reset_index(drop=True)


_LIVE_KEYS = ["scope", "tier", "category", "competency_code"]


@cache
def _published_grids(table_scope: str | None = None) -> tuple[dict[str, Any], list[tuple[str, ...]]]:
    """Tables 19-22's printed layouts stacked in table order with a `scope` column (or only
    `table_scope`'s) as columns (arrays), and each row's live key (scope, tier, category,
    code). Static."""
    scopes = list(SCOPE_TABLES) if table_scope is None else [table_scope]
    grid = pd.concat([published_grid(s).assign(scope=s) for s in scopes], ignore_index=True)
    keys = list(zip(*(grid[k].astype(str).tolist() for k in _LIVE_KEYS), strict=True))
    return {c: grid[c].array for c in grid.columns}, keys


def build_report_tables(all_live: pd.DataFrame, table_scope: str | None = None) -> pd.DataFrame:
    """Tables 19-22 in one pass (or only `table_scope`'s, then without the `scope` column): the
    published grids joined with the live scores by (scope, tier, category, code). Columns as
    report_table (plus `scope`).

    The join is a dict lookup: the frames are a few hundred rows, where pandas merges and
    multi-indexes on string columns cost milliseconds each."""
    static, keys = _published_grids(table_scope)
    live_keys = zip(*(all_live[k].astype(str).tolist() for k in _LIVE_KEYS), strict=True)
    at_of = {k: i for i, k in enumerate(live_keys)}
    if len(at_of) != len(all_live):  # one live row per cell; anything else is a query bug
        raise ValueError("live scores are not unique per scope × tier × category × competency")
    at = np.array([at_of.get(k, -1) for k in keys], dtype=np.intp)
    found = at >= 0
    asked = np.asarray(static["asked"], dtype=bool)

    def take(values: np.ndarray, fill: Any) -> np.ndarray:
        if not len(values):
            return np.full(len(keys), fill)
        return np.where(found, values[at], fill)

    columns = {c: v for c, v in static.items() if not (c == "scope" and table_scope is not None)}
    columns["n"] = take(_floats(all_live["n"]), np.nan)
    score = np.where(asked, take(_floats(all_live["score"]), np.nan), np.nan)
    rank = np.where(asked, take(_floats(all_live["rank"]), np.nan), np.nan)
    columns["score"], columns["rank"] = score, rank
    suppressed = all_live["suppressed"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    columns["suppressed"] = take(suppressed, False).astype(bool)
    published = np.asarray(static["published_score"], dtype=float)
    columns["diff"] = np.round(score, 2) - published
    columns["abs_diff_raw"] = np.abs(score - published)
    columns["rank_match"] = rank == np.asarray(static["published_rank"], dtype=float)
    return pd.DataFrame(columns)


def build_report_table(all_live: pd.DataFrame, table_scope: str) -> pd.DataFrame:
    """report_table's body: the published grid of `table_scope` joined with live scores."""
    return build_report_tables(all_live, table_scope)


def _summary(df: pd.DataFrame) -> dict[str, object]:
    """Tables 19-22's row of the summary from a report_table frame."""
    asked = df["asked"].to_numpy(dtype=bool)
    score = _floats(df["score"])
    compared = asked & ~np.isnan(score)
    raw = _floats(df["abs_diff_raw"])[compared]
    max_raw = float(raw.max()) if raw.size else float("nan")
    return {
        "cells_compared": int(compared.sum()),
        "cells_hidden": int((asked & np.isnan(score)).sum()),
        "max_abs_diff": max_raw,
        "within_rounding": bool(raw.size and max_raw <= ROUNDING),
        "rank_mismatches": int((~df["rank_match"].to_numpy(dtype=bool)[compared]).sum()),
        "explained": 0,
        "explained_by": "",
    }


def table_summary(table: pd.DataFrame, number: int) -> dict[str, object]:
    """One row of report_tables_summary from one table's frame (report_table or workgroup_table)."""
    if number in SCOPE_TABLES.values():
        return _summary(table)
    return workgroup_summary(table)


def workgroup_summary(wg: pd.DataFrame) -> dict[str, object]:
    """Tables 23-25's row of the summary: like with like.

    Cells are work group × tier lists. A hidden list (small-cell suppression) is counted as
    hidden, not compared. A list mismatch in a D12 cell, and a Table 26 mean off by more than
    rounding where D14 says it cannot hold, count as explained (with the CHECKS item), not as
    mismatches; max_abs_diff is over the other means."""
    # The first row of each cell carries the cell's flags (hidden, list_match, list_exception).
    seen: set[tuple[Any, Any]] = set()
    first = []
    for i, cell in enumerate(zip(wg["workgroup"].tolist(), wg["tier"].tolist(), strict=True)):
        if cell not in seen:
            seen.add(cell)
            first.append(i)
    hidden = wg["hidden"].to_numpy(dtype=bool)[first]
    bad = ~wg["list_match"].to_numpy(dtype=bool)[first] & ~hidden
    list_exc = np.array(wg["list_exception"].tolist(), dtype=object)[first]
    explained_lists = list_exc[bad & (list_exc != "")]
    live, published = _floats(wg["live_score"]), _floats(wg["published_mean"])
    listed = ~np.isnan(live) & ~np.isnan(published)
    mean_exc = np.array(wg["mean_exception"].tolist(), dtype=object)[listed]
    diffs = np.abs(live - published)[listed]
    explained_means = mean_exc[(diffs > ROUNDING) & (mean_exc != "")]
    plain = diffs[mean_exc == ""]
    by = sorted(set(explained_means.tolist()) | set(explained_lists.tolist()))
    return {
        "cells_compared": int((~hidden).sum()),
        "cells_hidden": int(hidden.sum()),
        "max_abs_diff": float(plain.max()) if plain.size else float("nan"),
        "within_rounding": bool(plain.size and plain.max() <= ROUNDING),
        "rank_mismatches": int(bad.sum() - len(explained_lists)),
        "explained": int(len(explained_lists) + len(explained_means)),
        "explained_by": ", ".join(by),
    }


def _block(df: pd.DataFrame, col: str, value: str) -> pd.DataFrame:
    """The rows of `df` whose `col` is `value`: a contiguous block (the tables are stacked in
    table order), so a slice instead of a boolean take of every column."""
    at = np.flatnonzero(df[col].to_numpy(dtype=object) == value)
    if at.size and at[-1] - at[0] + 1 == at.size:
        return df.iloc[at[0] : at[-1] + 1]
    return df.iloc[at]


def _scope_summary_rows(scope: Scope, filters: Filters) -> list[dict[str, object]]:
    """Tables 19-22's rows of the summary: all four tables built in one pass."""
    scores = build_report_tables(live_scores(scope, filters))
    return [
        {"table": number, "scope": table_scope, **_summary(_block(scores, "scope", table_scope))}
        for table_scope, number in SCOPE_TABLES.items()
    ]


def _workgroup_summary_rows(scope: Scope, filters: Filters) -> list[dict[str, object]]:
    """Tables 23-25's rows of the summary: all three tables built in one pass."""
    groups = build_workgroup_tables(workgroup_scores(scope, filters))
    return [
        {"table": number, "scope": category, **workgroup_summary(_block(groups, "category", category))}
        for category, number in WORKGROUP_TABLES.items()
    ]


SUMMARY_PARTS = ("scopes", "workgroups")  # Tables 19-22, Tables 23-25


@service_cache
def report_tables_summary(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Per table (19-25): cells compared and hidden, the largest |live − published|, rank or list
    mismatches, and the differences a CHECKS item explains (Tables 23-25)."""
    return pd.DataFrame(_scope_summary_rows(scope, filters) + _workgroup_summary_rows(scope, filters))


@service_cache
def report_tables_summary_part(scope: Scope, filters: Filters, part: str = "scopes") -> pd.DataFrame:
    """report_tables_summary's rows of Tables 19-22 (`part="scopes"`, from the scope scores) or of
    Tables 23-25 (`part="workgroups"`, from the work-group scores): the page fills the summary's
    two row groups from two callbacks, each reading only its own live scores."""
    if part not in SUMMARY_PARTS:
        raise ValueError(f"unknown summary part {part!r}")
    rows = _scope_summary_rows if part == "scopes" else _workgroup_summary_rows
    return pd.DataFrame(rows(scope, filters))


@service_cache
def workgroup_scores(scope: Scope, filters: Filters) -> pd.DataFrame:
    """Live means per work group × tier column × category × competency, ranked, suppressed per
    cell. Columns as Table 26: middle = part 1-2 of middle and senior respondents (CHECKS D14)."""
    f = report_filters(scope, filters)
    if f.wave is None:
        return pd.DataFrame(
            columns=["workgroup", "tier", "category", "competency_code", "n", "score", "rank", "suppressed"]
        )
    df = get_warehouse().query("report_tables_workgroup", wave=f.wave)
    df["rank"] = competition_rank(df, ["workgroup", "tier", "category"])
    return common.suppress(
        df, scope, n_col="n", value_cols=["score", "rank"], group_cols=["workgroup", "tier"]
    )


@service_cache
def workgroup_table(scope: Scope, filters: Filters, category: str = "common") -> pd.DataFrame:
    """One of Tables 23-25: per work group × tier, the published top list next to the live top
    list of the same length, with Table 26's mean of each listed competency and the live mean.

    Columns: tier, workgroup, position, published_code, published_zh, live_code, live_score,
    published_mean, n, list_match (the whole cell's list equals the published one, in order),
    hidden (the cell is suppressed), list_exception / mean_exception (the CHECKS item that
    explains why the list / this mean cannot match, '' if none). The middle column pools part 1-2
    of middle and senior respondents, as Table 26 does (CHECKS D14)."""
    return build_workgroup_table(workgroup_scores(scope, filters), category)


@cache
def published_workgroup_grid(category: str) -> pd.DataFrame:
    """Tables 23-25's cells of one category with Table 26's mean of each listed competency, in
    the report's order (tier, work group, position). Static, built once per process."""
    pub = published_workgroup_tops()
    pub = pub[pub["category"] == category]
    means = published_workgroup_means()
    means = means[means["category"] == category][["workgroup", "tier", "competency_code", "mean_score"]]
    cell_keys = ["tier", "workgroup"]
    out = pub[[*cell_keys, "position", "competency_code", "competency_zh"]].rename(
        columns={"competency_code": "published_code", "competency_zh": "published_zh"}
    )
    out = out.merge(
        means.rename(columns={"competency_code": "published_code", "mean_score": "published_mean"}),
        on=[*cell_keys, "published_code"],
        how="left",
    )
    out["tier_order"] = out["tier"].map({t: i for i, t in enumerate(TIERS)})
    out["wg_order"] = out["workgroup"].map({w: i for i, w in enumerate(WORKGROUPS)})
    return (
        out.sort_values(["tier_order", "wg_order", "position"])
        .drop(columns=["tier_order", "wg_order"])
        .reset_index(drop=True)
    )


_CELL_KEYS = ["category", "tier", "workgroup"]


class _Static(NamedTuple):
    """A static published grid: its columns (arrays, in output order), and per row the cell key
    (category, tier, work group), the published code and position."""

    columns: dict[str, Any]
    cells: list[tuple[str, ...]]
    codes: list[str | None]
    positions: list[int]
    position_of: dict[tuple[str | None, ...], int]


@cache
def _published_workgroup_grids(category: str | None = None) -> _Static:
    """Tables 23-25's published cells stacked in table order (or only `category`'s), with
    `category` and the CHECKS exceptions of each cell and listed mean (static)."""
    frames = []
    for cat in WORKGROUP_TABLES if category is None else [category]:
        g = published_workgroup_grid(cat).assign(category=cat)
        g["list_exception"] = [
            LIST_EXCEPTIONS.get((cat, str(t), str(w)), "")
            for t, w in zip(g["tier"], g["workgroup"], strict=True)
        ]
        g["mean_exception"] = [
            mean_exception(cat, str(t), str(w), str(c)) if isinstance(c, str) else ""
            for t, w, c in zip(g["tier"], g["workgroup"], g["published_code"], strict=True)
        ]
        frames.append(g)
    grid = pd.concat(frames, ignore_index=True)
    cells = list(zip(*(grid[k].astype(str).tolist() for k in _CELL_KEYS), strict=True))
    codes = [c if isinstance(c, str) else None for c in grid["published_code"].tolist()]
    positions = grid["position"].astype(int).tolist()
    position_of = {(*cell, code): pos for cell, code, pos in zip(cells, codes, positions, strict=True)}
    return _Static({c: grid[c].array for c in grid.columns}, cells, codes, positions, position_of)


def build_workgroup_tables(all_live: pd.DataFrame, category: str | None = None) -> pd.DataFrame:
    """Tables 23-25 in one pass (or only `category`'s): published top lists next to the live
    ones. Columns as workgroup_table plus `category`.

    The live list is ordered as the report prints: by the two-decimal mean; items that print the
    same mean are tied, and a tie is listed in the published order (then by code). A cell whose
    every live value is suppressed is `hidden`. Lookups are dicts (a few hundred rows)."""
    static = _published_workgroup_grids(category)
    g_cells, g_pub, g_pos = static.cells, static.codes, static.positions

    l_cells = list(zip(*(all_live[k].astype(str).tolist() for k in _CELL_KEYS), strict=True))
    l_codes = all_live["competency_code"].astype(str).tolist()
    scores = _floats(all_live["score"]).tolist()
    ns = _floats(all_live["n"]).tolist()
    rows = [i for i, c in enumerate(l_cells) if category is None or c[0] == category]
    score_of = {(*l_cells[i], l_codes[i]): scores[i] for i in rows}
    n_max: dict[tuple[str, ...], float] = {}
    # Live order within each cell: two-decimal mean (descending), published position, code.
    ranked: dict[tuple[str, ...], list[tuple[float, int, str]]] = {}
    rounded = np.round(np.asarray(scores, dtype=float), 2).tolist()
    for i in rows:
        cell, code = l_cells[i], l_codes[i]
        if not np.isnan(ns[i]):
            n_max[cell] = max(ns[i], n_max.get(cell, ns[i]))
        if not np.isnan(rounded[i]):
            ranked.setdefault(cell, []).append((-rounded[i], static.position_of.get((*cell, code), 99), code))
    lists = {cell: [code for *_, code in sorted(items)] for cell, items in ranked.items()}

    live_code: list[Any] = []
    for cell, pos in zip(g_cells, g_pos, strict=True):
        codes = lists.get(cell, [])
        live_code.append(codes[pos - 1] if 0 < pos <= len(codes) else np.nan)
    match: dict[tuple[str, ...], bool] = {}
    shown: dict[tuple[str, ...], bool] = {}
    for cell, code, pub in zip(g_cells, live_code, g_pub, strict=True):
        is_live = isinstance(code, str)
        match[cell] = match.get(cell, True) and is_live and pub is not None and code == pub
        shown[cell] = shown.get(cell, False) or is_live
    cell_n = [n_max.get(cell, np.nan) for cell in g_cells]
    columns = {c: v for c, v in static.columns.items() if c not in ("list_exception", "mean_exception")}
    columns["live_code"] = pd.array(live_code, dtype=static.columns["published_code"].dtype)
    columns["live_score"] = np.array(
        [score_of.get((*cell, code), np.nan) for cell, code in zip(g_cells, g_pub, strict=True)], dtype=float
    )
    columns["n"] = (
        np.array(cell_n, dtype=float) if any(np.isnan(cell_n)) else np.array(cell_n, dtype=np.int64)
    )
    columns["list_match"] = np.array([match[c] for c in g_cells], dtype=bool)
    columns["hidden"] = np.array([not shown[c] for c in g_cells], dtype=bool)
    columns["list_exception"] = static.columns["list_exception"]
    columns["mean_exception"] = static.columns["mean_exception"]
    return pd.DataFrame(columns)


def build_workgroup_table(all_live: pd.DataFrame, category: str) -> pd.DataFrame:
    """workgroup_table's body: published top lists of `category` next to the live ones."""
    return build_workgroup_tables(all_live, category).drop(columns=["category"])
