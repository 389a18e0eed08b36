"""Plain-pandas twins of the service queries, timed against DuckDB on the same data and checked equal."""

from __future__ import annotations

import functools
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from dashboard.db import header_params

QUERY_DIR = Path(__file__).resolve().parents[1] / "dashboard" / "queries"


class Tables:
    """The warehouse's tables as pandas frames, loaded once (loading is not part of any timing)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._frames: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            self._frames[name] = self.con.execute(f"SELECT * FROM {name}").df()  # noqa: S608 - fixed table names
        return self._frames[name]


Twin = Callable[[Tables, dict[str, Any]], pd.DataFrame]
TWINS: dict[str, Twin] = {}


def twin(name: str) -> Callable[[Twin], Twin]:
    """Register the pandas twin of dashboard/queries/<name>.sql."""

    def register(func: Twin) -> Twin:
        TWINS[name] = func
        return func

    return register


def query_params(sql: str) -> dict[str, Any]:
    """The default parameters a query documents in its `-- params: {...}` header line."""
    return header_params(sql)


# ---------------------------------------------------------------- shared filters
def _filter(df: pd.DataFrame, p: dict[str, Any], cols: tuple[str, ...]) -> pd.DataFrame:
    mask = pd.Series(True, index=df.index)
    for col in cols:
        if col == "agencies":
            if p.get("agencies") is not None:
                mask &= df["agency_code"].isin(p["agencies"])
        elif p.get(col) is not None:
            mask &= df[col] == p[col]
    return df[mask]


def _group_code(df: pd.DataFrame, group_by: str, allowed: dict[str, str]) -> pd.Series:
    col = allowed.get(group_by)
    if col is None:
        return pd.Series("all", index=df.index)
    if group_by == "workgroup":
        return df[col].fillna("unknown")
    return df[col]


def _staff_month(t: Tables, months: list[pd.Timestamp] | None = None) -> pd.DataFrame:
    """The staff_month view written in pandas: for each roster month, the stretches valid on it.

    One month at a time: a cross join of all months with all stretches would need tens of
    GB at the national scale before the filter."""
    hist = t["staff_history"]
    wanted = t["roster_month"]["month"] if months is None else pd.Series(months)
    parts = []
    for month in wanted:
        valid = (hist["valid_from"] <= month) & (hist["valid_to"].isna() | (hist["valid_to"] >= month))
        parts.append(hist[valid].assign(month=month))
    if not parts:
        return hist.iloc[0:0].assign(month=pd.Series(dtype="datetime64[us]"))
    return pd.concat(parts, ignore_index=True)


def _month_end(s: pd.Series) -> pd.Series:
    return s + pd.offsets.MonthEnd(0)


# ---------------------------------------------------------------- survey twins
def _survey_resp(t: Tables, p: dict[str, Any], groups: dict[str, str]) -> pd.DataFrame:
    r = _filter(t["survey_respondent"], p, ("gov_level", "agencies", "tier", "workgroup", "personnel_type"))
    r = r.assign(
        group_code=_group_code(r, p.get("group_by", "national"), groups),
        w=r["weight"] if p.get("weighted", True) else 1.0,
    )
    return r[["wave", "respondent_id", "tier", "group_code", "w"]]


@twin("ai_gap_priority_cube")
def _ai_gap_priority(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    """ai_gap_priority_cube's cells grouped from the points, as the query would without the mart."""
    groups = {"gov_level": "gov_level", "workgroup": "workgroup", "personnel_type": "personnel_type"}
    r = _survey_resp(t, p, groups)
    pts = t["survey_competency_points"]
    j = r.merge(
        pts, left_on=["wave", "respondent_id", "tier"], right_on=["wave", "respondent_id", "part_tier"]
    )
    w = j["w"].astype("float64")
    j = j.assign(w1=_units(w), wp=_units(w * j["points"]), w2=_units(w * w))
    keys = ["wave", "tier", "group_code", "category", "competency_code"]
    c = j.groupby(keys, as_index=False).agg(
        n=("w", "size"), sum_w=("w1", "sum"), sum_w2=("w2", "sum"), wp=("wp", "sum"), k=("k", "max")
    )
    for col in ("sum_w", "sum_w2", "wp"):
        c[col] = _from_units(c[col])
    c["score"] = c["wp"] / c["sum_w"]
    c = c.merge(t["competency"][["competency_code", "ai_related"]], on="competency_code")
    part = c.groupby(["wave", "tier", "group_code", "category"])["score"]
    c["rank"] = part.rank(method="min", ascending=False).astype("int64")
    c["n_items"] = part.transform("size")
    c["category_mean"] = part.transform("mean")
    cols = [
        *keys[:4],
        "competency_code",
        "ai_related",
        "n",
        "sum_w",
        "sum_w2",
        "score",
        "k",
        "rank",
        "n_items",
        "category_mean",
    ]
    return c[cols].sort_values([*keys[:4], "rank", "competency_code"]).reset_index(drop=True)


@twin("ai_gap_mention")
def _ai_gap_mention(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    groups = {
        "tier": "tier",
        "gov_level": "gov_level",
        "workgroup": "workgroup",
        "personnel_type": "personnel_type",
    }
    r = _survey_resp(t, p, groups)
    pts = t["survey_competency_points"].merge(
        t["competency"][["competency_code", "ai_related"]], on="competency_code"
    )
    j = r.merge(
        pts, left_on=["wave", "respondent_id", "tier"], right_on=["wave", "respondent_id", "part_tier"]
    )
    j["hit"] = j["rank"].notna() & j["ai_related"].astype(bool)
    m = j.groupby(["wave", "respondent_id"])["hit"].any().rename("mentioned").reset_index()
    x = r.merge(m, on=["wave", "respondent_id"])
    x = x.assign(w2=x["w"] * x["w"], wm=x["w"].where(x["mentioned"], 0.0), nm=x["mentioned"].astype("int64"))
    out = x.groupby(["wave", "group_code"], as_index=False).agg(
        n=("w", "size"),
        n_mentioned=("nm", "sum"),
        sum_w=("w", "sum"),
        sum_w2=("w2", "sum"),
        sum_w_mentioned=("wm", "sum"),
    )
    return out.sort_values(["wave", "group_code"]).reset_index(drop=True)


# ---------------------------------------------------------------- self-assessment twins
def _sa_resp(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    s = t["selfassessment_respondent"]
    s = s[s["wave"] == p["sa_wave"]].copy()
    s["month"] = pd.to_datetime(s["wave"] + "-01")
    sm = _staff_month(t, list(s["month"].unique()))
    sm = sm[["staff_key", "month", "agency_code", "gov_level", "tier", "personnel_type"]]
    j = s.merge(sm, on=["staff_key", "month"], how="left", suffixes=("", "_sm"))
    ag = t["agency"][["agency_code", "gov_level"]].rename(columns={"gov_level": "gov_level_a"})
    j = j.merge(ag, on="agency_code", how="left")
    out = pd.DataFrame(
        {
            "wave": j["wave"],
            "respondent_key": j["respondent_key"],
            "agency_code": j["agency_code_sm"].fillna(j["agency_code"]),
            "gov_level": j["gov_level"].fillna(j["gov_level_a"]).fillna("unknown"),
            "tier": j["tier"].fillna("unknown"),
            "personnel_type": j["personnel_type"].fillna("unknown"),
        }
    )
    out = _filter(out, p, ("gov_level", "agencies", "tier", "personnel_type"))
    groups = {"tier": "tier", "gov_level": "gov_level", "personnel_type": "personnel_type"}
    return out.assign(group_code=_group_code(out, p.get("group_by", "all"), groups))


@twin("ai_gap_borich")
def _ai_gap_borich(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    r = _sa_resp(t, p)
    i = t["selfassessment_item"]
    i = i[i["importance"].notna() & i["proficiency"].notna()]
    j = r.merge(i, on=["wave", "respondent_key"]).merge(
        t["competency"][["competency_code", "category"]], on="competency_code"
    )
    imp, pro = j["importance"].astype("float64"), j["proficiency"].astype("float64")
    j = j.assign(i2=imp * imp, p2=pro * pro)
    out = j.groupby(["group_code", "competency_code", "category"], as_index=False).agg(
        n=("importance", "size"),
        sum_i=("importance", "sum"),
        sum_p=("proficiency", "sum"),
        sum_i2=("i2", "sum"),
        sum_p2=("p2", "sum"),
    )
    return out.sort_values(["group_code", "competency_code"]).reset_index(drop=True)


@twin("ai_gap_attitudes")
def _ai_gap_attitudes(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    r = _sa_resp(t, p)
    a = t["selfassessment_attitude"]
    a = a[a["score"].notna()]
    j = r.merge(a, on=["wave", "respondent_key"])
    sc = j["score"].astype("float64")
    j = j.assign(x2=sc * sc)
    out = j.groupby(["group_code", "attitude_code"], as_index=False).agg(
        n=("score", "size"), sum_x=("score", "sum"), sum_x2=("x2", "sum")
    )
    return out.sort_values(["group_code", "attitude_code"]).reset_index(drop=True)


# ---------------------------------------------------------------- badge twins
def _valid_at(aw: pd.DataFrame, end: pd.Series) -> pd.Series:
    return (
        (aw["awarded_on"] <= end)
        & (aw["revoked_on"].isna() | (aw["revoked_on"] > end))
        & (aw["valid_until"].isna() | (aw["valid_until"] >= end))
    )


@twin("badges_coverage")
def _badges_coverage(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    groups = {
        "gov_level": "gov_level",
        "agency": "agency_code",
        "tier": "tier",
        "personnel_type": "personnel_type",
    }
    aw = t["badge_award"].merge(t["badge_class"][["badge_code", "kind"]], on="badge_code")
    if p.get("kind") is not None:
        aw = aw[aw["kind"] == p["kind"]]
    aw = aw[["staff_key", "awarded_on", "revoked_on", "valid_until"]].copy()
    for col in ("awarded_on", "revoked_on", "valid_until"):
        aw[col] = pd.to_datetime(aw[col])
    parts = []
    # Month by month, as a person would write it; one merge per month keeps memory bounded.
    for month in t["roster_month"]["month"]:
        sm = _filter(_staff_month(t, [month]), p, ("gov_level", "agencies", "tier", "personnel_type"))
        staff = sm.assign(group_code=_group_code(sm, p.get("group_by", "total"), groups))[
            ["staff_key", "group_code"]
        ]
        end = pd.Timestamp(month) + pd.offsets.MonthEnd(0)
        valid = aw[_valid_at(aw, pd.Series(end, index=aw.index))]
        holders = set(valid["staff_key"])
        staff = staff.assign(h=staff["staff_key"].isin(holders))
        g = staff.groupby("group_code", as_index=False).agg(
            headcount=("staff_key", "size"), holders=("h", "sum")
        )
        parts.append(g.assign(month=month))
    out = pd.concat(parts, ignore_index=True)[["month", "group_code", "headcount", "holders"]]
    return out.sort_values(["month", "group_code"]).reset_index(drop=True)


@twin("badges_coverage_trend")
def _badges_coverage_trend(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    """The coverage trend of the selection, then (with $benchmark) of the same filters without
    the agency restriction: the coverage twin once per scope level."""
    base = {**p, "group_by": "total"}
    parts = [_badges_coverage(t, base).assign(scope_level="selection")]
    if p.get("benchmark"):
        parts.append(_badges_coverage(t, {**base, "agencies": None}).assign(scope_level="national"))
    out = pd.concat(parts, ignore_index=True)
    out["month"] = pd.to_datetime(out["month"])
    return out[["month", "group_code", "headcount", "holders", "scope_level"]].reset_index(drop=True)


@twin("ai_gap_waves")
def _ai_gap_waves(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    a = t["survey_respondent"].groupby("wave", as_index=False).size().assign(source="survey")
    b = t["selfassessment_respondent"].groupby("wave", as_index=False).size().assign(source="selfassessment")
    out = pd.concat([a, b]).rename(columns={"size": "n"})[["source", "wave", "n"]]
    return out.sort_values(["source", "wave"]).reset_index(drop=True)


# ---------------------------------------------------------------- priority and report-table twins
_PRIORITY_GROUPS = {
    "tier": "tier",
    "gov_level": "gov_level",
    "workgroup": "workgroup",
    "personnel_type": "personnel_type",
    "agency": "agency_code",
}


def _priority_resp(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    r = t["survey_respondent"]
    r = _filter(
        r[r["wave"] == p["wave"]], p, ("gov_level", "agencies", "tier", "workgroup", "personnel_type")
    )
    col = _PRIORITY_GROUPS.get(p.get("group_by", ""))
    return r.assign(grp=r[col] if col else "all")


def _units(v: pd.Series) -> pd.Series:
    """Values as whole units of 1e-12, as the queries' CAST(... AS DECIMAL(38, 12)) rounds each
    term before an exact sum: summing these int64 is exact too, so groups whose terms are the
    same tie exactly, as in SQL (float sums in another order would break ties and, where the
    variance cancels, the standard errors). Sums stay far below 2^63 (national: < 1e17)."""
    return pd.Series(np.rint(v.to_numpy(dtype="float64") * 1e12).astype("int64"), index=v.index)


def _from_units(s: pd.Series) -> pd.Series:
    return s.astype("float64") / 1e12


def _point_stats(j: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Counts, weight sums and (weighted) sums of points and squares per `keys` (weighted sums
    exact, in units of 1e-12, as the queries sum DECIMALs)."""
    w, x = j["weight"], j["points"].astype("float64")
    j = j.assign(w1=_units(w), w2=_units(w * w), wx=_units(w * x), wx2=_units(w * x * x), x=x, x2=x * x)
    out = j.groupby(keys, as_index=False, dropna=False).agg(
        n=("weight", "size"),
        sum_w=("w1", "sum"),
        sum_w2=("w2", "sum"),
        sum_wx=("wx", "sum"),
        sum_wx2=("wx2", "sum"),
        sum_x=("x", "sum"),
        sum_x2=("x2", "sum"),
        k_min=("k", "min"),
        k_max=("k", "max"),
    )
    for col in ("sum_w", "sum_w2", "sum_wx", "sum_wx2"):
        out[col] = _from_units(out[col])
    return out


def _priority_points(t: Tables, p: dict[str, Any], waves: list[str]) -> pd.DataFrame:
    """Own-tier points of the filtered respondents of `waves`, with their group and weight."""
    parts = []
    for wave in waves:
        r = _priority_resp(t, {**p, "wave": wave})[["wave", "respondent_id", "tier", "weight", "grp"]]
        pts = t["survey_competency_points"]
        pts = pts[pts["wave"] == wave].drop(columns=["wave"])
        parts.append(r.merge(pts, left_on=["respondent_id", "tier"], right_on=["respondent_id", "part_tier"]))
    return pd.concat(parts, ignore_index=True)


@twin("priority_estimates_cube")
def _priority_estimates(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    """priority_estimates_cube's estimates grouped from the points, without the mart."""
    waves = [p["wave"]] + ([p["wave_b"]] if p.get("wave_b") not in (None, p["wave"]) else [])
    j = _priority_points(t, p, waves)
    if p.get("groups") is not None:
        j = j[j["grp"].isin(p["groups"])]
    keys = ["wave", "grp", "category", "competency_code"]
    c = _point_stats(j, keys)
    nf = c["n"].astype("float64")
    if p.get("weighted", True):
        c["score"] = c["sum_wx"] / c["sum_w"]
        c["n_eff"] = c["sum_w"] * c["sum_w"] / c["sum_w2"]
        second = c["sum_wx2"] / c["sum_w"]
    else:
        c["score"] = c["sum_x"] / nf
        c["n_eff"] = nf
        second = c["sum_x2"] / nf
    var = (second - c["score"] ** 2).clip(lower=0.0) * nf / (nf - 1).where(c["n"] > 1)
    c["se"] = np.sqrt(var / c["n_eff"])
    c["ci_low"] = c["score"] - p["z"] * c["se"]
    c["ci_high"] = c["score"] + p["z"] * c["se"]
    c = c.merge(t["competency"][["competency_code", "ai_related"]], on="competency_code", how="left")
    c["ai_related"] = c["ai_related"].fillna(False).astype(bool)
    c["rank"] = c.groupby(["wave", "grp", "category"])["score"].rank(method="min", ascending=False)
    c["category_order"] = c["category"].map({"common": 0.0, "technical": 1.0, "management": 2.0}).fillna(9.0)
    cols = [
        *keys,
        "ai_related",
        "n",
        "score",
        "se",
        "ci_low",
        "ci_high",
        "n_eff",
        "rank",
        "k_min",
        "k_max",
        "category_order",
    ]
    c = c.sort_values(["wave", "grp", "category_order", "rank", "competency_code"], na_position="last")
    return c[cols].reset_index(drop=True)


@twin("priority_groups_cube")
def _priority_groups(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    """priority_groups_cube's groups from the respondents and their points, without the mart."""
    r = _priority_resp(t, p)
    r = r.assign(w1=_units(r["weight"]), w2=_units(r["weight"] * r["weight"]))
    out = r.groupby("grp", as_index=False, dropna=False).agg(
        n=("weight", "size"), sum_w=("w1", "sum"), w2=("w2", "sum")
    )
    out["sum_w"], out["w2"] = _from_units(out["sum_w"]), _from_units(out["w2"])
    out["n_eff"] = out["sum_w"] * out["sum_w"] / out["w2"]
    j = _priority_points(t, p, [p["wave"]])
    cells = j.groupby(["grp", "category", "competency_code"], dropna=False).size().rename("n").reset_index()
    g = cells.groupby("grp", dropna=False)["n"]
    bounds = pd.DataFrame({"n_max": g.max(), "n_min": g.min()}).reset_index()
    out = out.merge(bounds, on="grp", how="left")
    cols = ["grp", "n", "sum_w", "n_eff", "n_max", "n_min"]
    return out[cols].sort_values("grp", na_position="last").reset_index(drop=True)


def _agency_resp(t: Tables, p: dict[str, Any], waves: list[str]) -> pd.DataFrame:
    """Respondents of `waves` in the listed agencies and filters, with grp as the agency cells
    define it (no agency grouping: 'all' for it)."""
    r = t["survey_respondent"]
    r = _filter(r[r["wave"].isin(waves)], p, ("gov_level", "agencies", "tier", "workgroup", "personnel_type"))
    col = {k: v for k, v in _PRIORITY_GROUPS.items() if k != "agency"}.get(p.get("group_by", ""))
    return r.assign(grp=r[col] if col else "all")


@twin("priority_agency_cells")
def _priority_agency_cells(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    if p.get("wave") is None:
        waves = sorted(t["survey_respondent"]["wave"].unique())
    else:
        waves = [p["wave"]] + ([p["wave_b"]] if p.get("wave_b") not in (None, p["wave"]) else [])
    r = _agency_resp(t, p, waves)
    keep_tier = bool(p.get("by_tier")) or p.get("group_by") == "tier" or p.get("tier") is not None
    r = r.assign(tier_key=r["tier"] if keep_tier else None)
    # kind = 'points': own-tier point statistics per agency, group, (tier,) item
    j = r[["wave", "respondent_id", "agency_code", "tier", "tier_key", "weight", "grp"]].merge(
        t["survey_competency_points"],
        left_on=["wave", "respondent_id", "tier"],
        right_on=["wave", "respondent_id", "part_tier"],
    )
    j = j.drop(columns=["tier"]).rename(columns={"tier_key": "tier"})
    keys = ["wave", "agency_code", "grp", "tier", "category", "competency_code"]
    pts = _point_stats(j, keys).merge(
        t["competency"][["competency_code", "ai_related"]], on="competency_code"
    )
    pts["category_order"] = (
        pts["category"].map({"common": 0.0, "technical": 1.0, "management": 2.0}).fillna(9.0)
    )
    # kind = 'respondents': respondents and their weight sums per agency, group (, tier)
    r = r.drop(columns=["tier"]).rename(columns={"tier_key": "tier"})
    r = r.assign(w1=_units(r["weight"]), w2=_units(r["weight"] * r["weight"]))
    resp = r.groupby(keys[:4], as_index=False, dropna=False).agg(
        n=("weight", "size"), sum_w=("w1", "sum"), sum_w2=("w2", "sum")
    )
    resp["sum_w"], resp["sum_w2"] = _from_units(resp["sum_w"]), _from_units(resp["sum_w2"])
    resp = resp.assign(ai_related=False, k_min=0, k_max=0)
    cols = ["kind", *keys, "ai_related", "n", "sum_w", "sum_w2", "sum_wx", "sum_wx2", "sum_x", "sum_x2"]
    out = pd.concat([pts.assign(kind="points"), resp.assign(kind="respondents")], ignore_index=True)
    return out[[*cols, "k_min", "k_max", "category_order"]]


def _own_tier_points(t: Tables, wave: str) -> pd.DataFrame:
    r = t["survey_respondent"]
    r = r[r["wave"] == wave]
    pts = t["survey_competency_points"]
    return r.merge(
        pts, left_on=["wave", "respondent_id", "tier"], right_on=["wave", "respondent_id", "part_tier"]
    )


@twin("report_tables_scores")
def _report_tables_scores(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    j = _own_tier_points(t, p["wave"])
    keys = ["tier", "category", "competency_code"]
    by_level = j.groupby(["gov_level", *keys], as_index=False).agg(
        n=("points", "size"), score=("points", "mean")
    )
    national = j.groupby(keys, as_index=False).agg(n=("points", "size"), score=("points", "mean"))
    out = pd.concat([by_level.rename(columns={"gov_level": "scope"}), national.assign(scope="national")])
    return out[["scope", *keys, "n", "score"]].sort_values(["scope", *keys]).reset_index(drop=True)


@twin("report_tables_workgroup")
def _report_tables_workgroup(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    r = t["survey_respondent"]
    r = r[(r["wave"] == p["wave"]) & r["workgroup"].notna()]
    j = r.merge(t["survey_competency_points"], on=["wave", "respondent_id"])
    # Table 26's columns: own part, and seniors' part 1-2 pooled into the middle column (D14).
    j = j[(j["part_tier"] == j["tier"]) | ((j["part_tier"] == "middle") & (j["tier"] == "senior"))]
    j = j.drop(columns=["tier"]).rename(columns={"part_tier": "tier"})
    keys = ["workgroup", "tier", "category", "competency_code"]
    out = j.groupby(keys, as_index=False).agg(n=("points", "size"), score=("points", "mean"))
    return out.sort_values(keys).reset_index(drop=True)


# ---------------------------------------------------------------- more badge twins
def _staff_at(t: Tables, p: dict[str, Any]) -> tuple[pd.DataFrame, pd.Timestamp]:
    month = pd.Timestamp(p["month"]) if p.get("month") else t["roster_month"]["month"].max()
    sm = _filter(_staff_month(t, [month]), p, ("gov_level", "agencies", "tier", "personnel_type"))
    return sm, pd.Timestamp(month)


def _awards(t: Tables) -> pd.DataFrame:
    aw = t["badge_award"].copy()
    for col in ("awarded_on", "revoked_on", "valid_until"):
        aw[col] = pd.to_datetime(aw[col])
    return aw


@twin("badges_funnel")
def _badges_funnel(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    staff, month = _staff_at(t, p)
    end = month + pd.offsets.MonthEnd(0)
    bc = t["badge_class"]
    bc = bc[
        (bc["kind"] == "badge") & bc["level"].isin(["intro", "advanced", "practice"]) & bc["route"].notna()
    ]
    bc = bc.assign(route_code=bc["route"].str.split("|")).explode("route_code")
    aw = _awards(t)
    aw = aw[(aw["awarded_on"] <= end) & (aw["revoked_on"].isna() | (aw["revoked_on"] > end))]
    j = (
        aw[["badge_code", "staff_key"]]
        .merge(bc[["badge_code", "route_code", "level"]], on="badge_code")
        .merge(staff[["staff_key"]], on="staff_key")
    )
    out = j.groupby(["route_code", "level"], as_index=False).agg(n=("staff_key", "nunique"))
    out["headcount"] = len(staff)
    order = out["level"].map({"intro": 1, "advanced": 2}).fillna(3)
    return out.assign(_o=order).sort_values(["route_code", "_o"]).drop(columns="_o").reset_index(drop=True)


@twin("badges_supply_demand")
def _badges_supply_demand(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    wave = p.get("wave") or t["survey_respondent"]["wave"].max()
    r = t["survey_respondent"]
    r = _filter(r[r["wave"] == wave], p, ("gov_level", "agencies", "tier", "workgroup", "personnel_type"))
    r = r.assign(wt=r["weight"] if p.get("weighted", True) else 1.0)
    pts = t["survey_competency_points"]
    j = r[["wave", "respondent_id", "tier", "wt"]].merge(
        pts, left_on=["wave", "respondent_id", "tier"], right_on=["wave", "respondent_id", "part_tier"]
    )
    j = j.assign(wp=j["wt"] * j["points"])
    d = j.groupby(["tier", "category", "competency_code"], as_index=False).agg(
        n=("wt", "size"), wp=("wp", "sum"), sw=("wt", "sum")
    )
    d["score"] = d["wp"] / d["sw"]
    d["category_mean"] = d.groupby(["tier", "category"])["score"].transform("mean")
    staff, month = _staff_at(t, p)
    end = month + pd.offsets.MonthEnd(0)
    heads = staff.groupby("tier", as_index=False).size().rename(columns={"size": "headcount"})
    aw = _awards(t)
    aw = aw[_valid_at(aw, pd.Series(end, index=aw.index))]
    sup = (
        staff[["staff_key", "tier"]]
        .merge(aw[["staff_key", "badge_code"]], on="staff_key")
        .merge(t["badge_alignment"][["badge_code", "competency_code"]], on="badge_code")
        .groupby(["tier", "competency_code"], as_index=False)
        .agg(holders=("staff_key", "nunique"))
    )
    out = d.merge(t["competency"][["competency_code", "ai_related"]], on="competency_code")
    out = out.merge(heads, on="tier", how="left").merge(sup, on=["tier", "competency_code"], how="left")
    out["headcount"] = out["headcount"].fillna(0).astype("int64")
    out["holders"] = out["holders"].fillna(0).astype("int64")
    out["demand_index"] = out["score"] / out["category_mean"].replace(0, np.nan)
    out["per100"] = 100.0 * out["holders"] / out["headcount"].replace(0, np.nan)
    out["wave"], out["month"] = wave, month
    cols = [
        "wave",
        "month",
        "tier",
        "category",
        "competency_code",
        "ai_related",
        "n",
        "score",
        "category_mean",
        "demand_index",
        "headcount",
        "holders",
        "per100",
    ]
    return out[cols].sort_values(["tier", "category", "competency_code"]).reset_index(drop=True)


# ---------------------------------------------------------------- lookups
@twin("common_agencies")
def _common_agencies(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    a = t["agency"]
    if p.get("agencies") is not None:
        a = a[a["agency_code"].isin(p["agencies"])]
    cols = ["agency_code", "name_zh", "name_en", "gov_level", "agency_type"]
    return a[cols].sort_values(["gov_level", "agency_code"]).reset_index(drop=True)


@twin("common_waves")
def _common_waves(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    cols = ["wave", "instrument", "opened_on", "closed_at", "n_responses", "kish_n_eff"]
    return t["survey_wave"].sort_values("wave", ascending=False)[cols].reset_index(drop=True)


@twin("priority_competencies")
def _priority_competencies(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    cols = ["competency_code", "framework", "category", "name_zh", "name_en", "ai_related"]
    return t["competency"].sort_values(["framework", "competency_code"])[cols].reset_index(drop=True)


# ---------------------------------------------------------------- catalogs, staff, data status
def _catalog(t: Tables) -> pd.DataFrame:
    bc = t["badge_class"]
    out = bc.assign(name_en=bc["name_en"].where(bc["name_en"].notna(), bc["name_zh"]))
    cols = ["badge_code", "kind", "name_zh", "name_en", "module_code", "level", "route"]
    return out.sort_values(["kind", "badge_code"])[cols].reset_index(drop=True)


@twin("badges_catalog")
def _badges_catalog(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    return _catalog(t)


@twin("staff_badge_catalog")
def _staff_badge_catalog(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    return _catalog(t)


def _latest_month(t: Tables) -> pd.Timestamp:
    return pd.Timestamp(t["roster_month"]["month"].max())


@twin("staff_list")
def _staff_list(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    latest = _latest_month(t)
    staff = _staff_month(t, [latest])
    staff = staff[staff["agency_code"].isin(p["agencies"])]
    r = t["staff_restricted"]
    r = r[
        (r["valid_from"] <= latest)
        & (r["valid_to"].isna() | (r["valid_to"] >= latest))
        & r["agency_code"].isin(p["agencies"])
    ]
    r = r.sort_values("valid_from", ascending=False).drop_duplicates(["staff_key", "agency_code"])
    today = pd.Timestamp(p["today"])
    aw = _awards(t).merge(t["badge_class"][["badge_code", "kind"]], on="badge_code")
    aw = aw[
        aw["staff_key"].isin(staff["staff_key"])
        & (aw["awarded_on"] <= today)
        & (aw["revoked_on"].isna() | (aw["revoked_on"] > today))
        & (aw["valid_until"].isna() | (aw["valid_until"] >= today))
    ]

    def held(kind: str) -> pd.Series:
        part = aw[aw["kind"] == kind]
        return part.groupby("staff_key")["badge_code"].agg(lambda c: np.array(sorted(set(c)), dtype=object))

    out = staff.merge(
        r[["staff_key", "agency_code", "staff_number", "unit_name"]],
        on=["staff_key", "agency_code"],
        how="left",
    )
    empty = np.array([], dtype=object)
    for col, kind in (("badges", "badge"), ("certifications", "certification")):
        lists = out["staff_key"].map(held(kind))
        out[col] = pd.Series([x if isinstance(x, np.ndarray) else empty for x in lists], index=out.index)
    out["roster_month"] = latest
    cols = [
        *("staff_key", "agency_code", "staff_number", "unit_name", "tier", "personnel_type"),
        *("rank_class", "grade", "is_supervisor", "badges", "certifications", "roster_month"),
    ]
    return out[cols].sort_values(["agency_code", "staff_key"]).reset_index(drop=True)


@twin("badges_expiring")
def _badges_expiring(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    latest = _latest_month(t)
    as_of = pd.Timestamp(p["as_of"]) if p.get("as_of") else latest + pd.offsets.MonthEnd(0)
    staff = _filter(
        _staff_month(t, [as_of.replace(day=1)]), p, ("gov_level", "agencies", "tier", "personnel_type")
    )
    aw = _awards(t).merge(t["badge_class"][["badge_code", "kind"]], on="badge_code")
    aw = aw[
        aw["staff_key"].isin(staff["staff_key"])
        & (aw["awarded_on"] <= as_of)
        & (aw["revoked_on"].isna() | (aw["revoked_on"] > as_of))
        & (aw["valid_until"] > as_of)
        & (aw["valid_until"] <= as_of + pd.Timedelta(days=90))
    ]
    out = aw.groupby(["badge_code", "kind"], as_index=False).agg(
        n=("valid_until", "size"), first_expiry=("valid_until", "min"), last_expiry=("valid_until", "max")
    )
    out["as_of"] = as_of
    return out.sort_values(["n", "badge_code"], ascending=[False, True]).reset_index(drop=True)


@twin("badges_coverage_badge")
def _badges_coverage_badge(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    staff, month = _staff_at(t, p)
    end = month + pd.offsets.MonthEnd(0)
    aw = _awards(t)
    aw = aw[_valid_at(aw, pd.Series(end, index=aw.index)) & aw["staff_key"].isin(staff["staff_key"])]
    bc = t["badge_class"][["badge_code", "kind", "route"]]
    j = aw[["staff_key", "badge_code"]].merge(bc, on="badge_code")
    if p.get("kind") is not None:
        j = j[j["kind"] == p["kind"]]
    if p.get("group_by") == "badge":
        j = j.assign(group_code=j["badge_code"])
    else:
        j = j.assign(group_code=j["route"].fillna("none").str.split("|")).explode("group_code")
    out = j.groupby("group_code", as_index=False).agg(holders=("staff_key", "nunique"))
    out["headcount"] = float(len(staff))
    out["month"] = month
    return (
        out[["month", "group_code", "headcount", "holders"]].sort_values("group_code").reset_index(drop=True)
    )


def _award_attributes(t: Tables) -> pd.DataFrame:
    """Each award with the holder's stretch at the award date (first stretch when it predates it)."""
    hist = t["staff_history"]
    aw = _awards(t).merge(t["badge_class"][["badge_code", "kind"]], on="badge_code")
    firsts = hist.groupby("staff_key", as_index=False).agg(ff=("valid_from", "min"))
    aw = aw.merge(firsts, on="staff_key")
    aw["lookup"] = aw[["awarded_on", "ff"]].max(axis=1).astype("datetime64[us]")
    h = hist[["staff_key", "valid_from", "agency_code", "gov_level", "tier", "personnel_type"]].copy()
    h["valid_from"] = h["valid_from"].astype("datetime64[us]")
    return pd.merge_asof(
        aw.sort_values("lookup"),
        h.sort_values("valid_from"),
        left_on="lookup",
        right_on="valid_from",
        by="staff_key",
        direction="backward",
    )


@twin("badges_monthly")
def _badges_monthly(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    as_of = _latest_month(t) + pd.offsets.MonthEnd(0)
    a = _award_attributes(t)
    if p.get("kind") is not None:
        a = a[a["kind"] == p["kind"]]
    a = _filter(a, p, ("gov_level", "agencies", "tier", "personnel_type"))
    rev = a[a["revoked_on"].notna() & (a["revoked_on"] <= as_of)]
    exp = a[
        a["valid_until"].notna()
        & (a["valid_until"] <= as_of)
        & (a["revoked_on"].isna() | (a["revoked_on"] > a["valid_until"]))
    ]
    ev = pd.concat(
        [
            pd.DataFrame({"month": a["awarded_on"].dt.to_period("M").dt.to_timestamp(), "event": "issued"}),
            pd.DataFrame(
                {"month": rev["revoked_on"].dt.to_period("M").dt.to_timestamp(), "event": "revoked"}
            ),
            pd.DataFrame(
                {"month": exp["valid_until"].dt.to_period("M").dt.to_timestamp(), "event": "expired"}
            ),
        ]
    )
    out = ev.groupby(["month", "event"], as_index=False).size().rename(columns={"size": "n"})
    return out.sort_values(["month", "event"]).reset_index(drop=True)


@twin("badges_first_badge")
def _badges_first_badge(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    hist = t["staff_history"]
    aw = _awards(t).merge(t["badge_class"][["badge_code", "kind"]], on="badge_code")
    kind = p.get("kind")
    if kind is not None:
        aw = aw[aw["kind"] == kind]
    launch = aw["awarded_on"].min()
    data_end = _latest_month(t) + pd.offsets.MonthEnd(0)
    people = (
        hist.assign(vt=hist["valid_to"].fillna(data_end))
        .groupby("staff_key", as_index=False)
        .agg(first_from=("valid_from", "min"), last_to=("vt", "max"), hire_date=("hire_date", "max"))
    )
    people = people[people["last_to"] >= launch]
    start = people["hire_date"].where(people["hire_date"].notna(), people["first_from"])
    people["origin"] = pd.concat(
        [pd.Series(launch, index=people.index), start, people["first_from"]], axis=1
    ).max(axis=1)
    people["censor_at"] = people["last_to"].where(people["last_to"] < data_end, data_end)
    people = people[people["censor_at"] >= people["origin"]].copy()
    people["origin"] = people["origin"].astype("datetime64[us]")
    h = hist[["staff_key", "valid_from", "agency_code", "gov_level", "tier", "personnel_type"]].copy()
    h["valid_from"] = h["valid_from"].astype("datetime64[us]")
    o = pd.merge_asof(
        people.sort_values("origin"),
        h.sort_values("valid_from"),
        left_on="origin",
        right_on="valid_from",
        by="staff_key",
        direction="backward",
    )
    o = o[o["valid_from"].notna()]
    first = aw.groupby("staff_key", as_index=False).agg(first_on=("awarded_on", "min"))
    o = o.merge(first, on="staff_key", how="left")
    o["event"] = o["first_on"].notna() & (o["first_on"] <= o["censor_at"])
    end = o["first_on"].where(o["event"], o["censor_at"])
    days = ((end - o["origin"]).dt.days).clip(lower=0)
    o["t_month"] = np.floor(days / 30.4375).astype("int32")
    o = _filter(o, p, ("gov_level", "agencies", "tier", "personnel_type"))
    groups = {"gov_level": "gov_level", "tier": "tier", "personnel_type": "personnel_type"}
    o = o.assign(group_code=_group_code(o, p.get("group_by", "national"), groups))
    o = o.assign(ev=o["event"].astype("int64"), ce=(~o["event"]).astype("int64"))
    out = o.groupby(["group_code", "t_month"], as_index=False).agg(
        events=("ev", "sum"), censored=("ce", "sum")
    )
    return out.sort_values(["group_code", "t_month"]).reset_index(drop=True)


@twin("ai_gap_earners")
def _ai_gap_earners(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    s = t["selfassessment_respondent"]
    i = t["selfassessment_item"]
    s = s[s["staff_key"].notna()]
    j = s[["wave", "respondent_key", "staff_key"]].merge(
        i[i["proficiency"].notna()][["wave", "respondent_key", "proficiency"]], on=["wave", "respondent_key"]
    )
    means = j.groupby(["wave", "staff_key"], as_index=False).agg(mean_p=("proficiency", "mean"))
    a = means[means["wave"] == p["wave_from"]]
    b = means[means["wave"] == p["wave_to"]][["staff_key", "mean_p"]].rename(columns={"mean_p": "mean_b"})
    panel = a.merge(b, on="staff_key")
    panel["delta"] = panel["mean_b"] - panel["mean_p"]
    d_from = pd.Timestamp(p["wave_from"] + "-01")
    d_to = pd.Timestamp(p["wave_to"] + "-01") + pd.offsets.MonthEnd(0)
    sm = _staff_month(t, [d_from])[["staff_key", "agency_code", "gov_level", "tier", "personnel_type"]]
    panel = panel.merge(sm, on="staff_key", how="left")
    for col in ("agency_code", "gov_level", "tier", "personnel_type"):
        panel[col] = panel[col].fillna("unknown")
    comp = t["competency"]
    ai_codes = set(comp.loc[comp["ai_related"].astype(bool), "competency_code"])
    al = t["badge_alignment"]
    bc = t["badge_class"]
    ai_badges = set(al.loc[al["competency_code"].isin(ai_codes), "badge_code"]) & set(
        bc.loc[bc["kind"] == "badge", "badge_code"]
    )
    aw = _awards(t)
    earned = aw[
        aw["badge_code"].isin(ai_badges)
        & (aw["awarded_on"] >= d_from)
        & (aw["awarded_on"] <= d_to)
        & (aw["revoked_on"].isna() | (aw["revoked_on"] > d_to))
    ]
    later = p["wave_to"] > p["wave_from"]
    panel["earner"] = panel["staff_key"].isin(set(earned["staff_key"])) & later
    panel = _filter(panel, p, ("gov_level", "agencies", "tier", "personnel_type"))
    groups = {"tier": "tier", "gov_level": "gov_level", "personnel_type": "personnel_type"}
    panel = panel.assign(group_code=_group_code(panel, p.get("group_by", "national"), groups))
    panel = panel.assign(d2=panel["delta"] * panel["delta"])
    out = panel.groupby(["group_code", "earner"], as_index=False).agg(
        n=("delta", "size"), sum_d=("delta", "sum"), sum_d2=("d2", "sum")
    )
    return out.sort_values(["group_code", "earner"]).reset_index(drop=True)


@twin("data_status_freshness")
def _data_status_freshness(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    log = t["etl_load_log"]
    loads = log.groupby("feed").agg(
        last_loaded=("finished_at", lambda c: c[log.loc[c.index, "status"] == "loaded"].max()),
        files=("feed", "size"),
        files_rejected=("status", lambda c: int((c == "rejected").sum())),
    )
    newest = pd.DataFrame(
        [
            ("survey", t["survey_respondent"]["submitted_at"].max(), len(t["survey_respondent"])),
            (
                "selfassessment",
                t["selfassessment_respondent"]["submitted_at"].max(),
                len(t["selfassessment_respondent"]),
            ),
            ("roster", t["roster_month"]["month"].max(), len(t["roster_month"])),
            ("badges", t["badge_award"]["awarded_on"].max(), len(t["badge_award"])),
        ],
        columns=["feed", "newest_record", "records"],
    )
    newest["newest_record"] = pd.to_datetime(newest["newest_record"])
    out = newest.merge(loads, left_on="feed", right_index=True, how="left")
    out["files"] = out["files"].fillna(0).astype("int64")
    out["files_rejected"] = out["files_rejected"].fillna(0).astype("int64")
    cols = ["feed", "last_loaded", "newest_record", "records", "files", "files_rejected"]
    return out[cols].sort_values("feed").reset_index(drop=True)


@twin("data_status_loads")
def _data_status_loads(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    log = t["etl_load_log"]
    if p.get("feed") is not None:
        log = log[log["feed"] == p["feed"]]
    out = log.copy()
    ms = pd.Timedelta(milliseconds=1)
    out["duration_ms"] = (out["finished_at"].dt.floor("ms") - out["started_at"].dt.floor("ms")) / ms
    cols = [
        *("load_id", "feed", "file_name", "encoding", "rows_read", "rows_loaded", "rows_quarantined"),
        *("status", "message", "warnings", "started_at", "finished_at", "duration_ms"),
    ]
    return out.sort_values(["finished_at", "feed", "file_name"], ascending=[False, True, True])[
        cols
    ].reset_index(drop=True)


@twin("data_status_quarantine")
def _data_status_quarantine(t: Tables, p: dict[str, Any]) -> pd.DataFrame:
    q = t["etl_quarantine"]
    if p.get("feed") is not None:
        q = q[q["feed"] == p["feed"]]
    out = q.groupby(["feed", "file_name", "reason_code"], as_index=False, dropna=False).agg(
        rows=("reason_code", "size"), example_message=("message", "min")
    )
    return out.sort_values(["rows", "feed", "file_name", "reason_code"], ascending=[False, True, True, True])[
        ["feed", "file_name", "reason_code", "rows", "example_message"]
    ].reset_index(drop=True)


# ---------------------------------------------------------------- comparison and timing
def frames_equal(a: pd.DataFrame, b: pd.DataFrame, rtol: float = 1e-6) -> tuple[bool, str]:
    """Same columns, same rows (order-insensitive), numbers equal within rtol."""
    if list(a.columns) != list(b.columns):
        return False, f"columns differ: {list(a.columns)} vs {list(b.columns)}"
    if len(a) != len(b):
        return False, f"row counts differ: {len(a)} vs {len(b)}"
    if a.empty:
        return True, "both empty"
    # Exact DECIMAL sums arrive as text from queries/priority_agency_cells.sql: compare them as numbers.
    a = a.assign(
        **{
            c: pd.to_numeric(a[c])
            for c in a.columns
            if not pd.api.types.is_numeric_dtype(a[c]) and pd.api.types.is_float_dtype(b[c])
        }
    )
    num = [
        c for c in a.columns if pd.api.types.is_numeric_dtype(a[c]) and not pd.api.types.is_bool_dtype(a[c])
    ]
    keys = [c for c in a.columns if c not in num]

    def norm(df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for c in keys:
            # NULL arrives as None, NaN or NaT depending on the path: one spelling for all.
            out[c] = out[c].astype(object).where(out[c].notna(), "<NULL>").astype(str)
        return (
            out.sort_values(keys + num).reset_index(drop=True)
            if keys
            else out.sort_values(num).reset_index(drop=True)
        )

    x, y = norm(a), norm(b)
    for c in keys:
        if not (x[c] == y[c]).all():
            return False, f"column {c} differs"
    for c in num:
        xs, ys = x[c].astype("float64").to_numpy(), y[c].astype("float64").to_numpy()
        if not np.allclose(xs, ys, rtol=rtol, atol=1e-9, equal_nan=True):
            return False, f"column {c} differs"
    return True, "equal"


def _median_ms(func: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 3), result


# Selections timed besides each query's documented parameters: the ones its users send most
# after the default view (agency HR's one agency; the planners' agency grouping). Each is its own
# row, named after the query and the parameters that differ.
# The agency grouping computes the scores of the agencies shown (heatmap, bars, comparison, a
# bar's download: priority_scores_of); five of the national profile's largest stand for them.
_SHOWN = ["C3005", "C3018", "C3022", "M1001", "C2014"]
BENCH_VARIANTS: dict[str, list[dict[str, Any]]] = {
    "priority_estimates_cube": [{"agencies": ["C3005"]}, {"group_by": "agency", "groups": _SHOWN}],
    "priority_groups_cube": [{"agencies": ["C3005"]}, {"group_by": "agency"}],
    "ai_gap_priority_cube": [{"agencies": ["C3005"]}],
    "ai_gap_mention": [{"agencies": ["C3005"]}],
}


def _fallback_params(name: str) -> dict[str, Any]:
    """Parameters for queries whose header has no `-- params:` line (the header documents them in prose)."""
    if name == "staff_list":
        from dashboard.auth.users import DEMO_AGENCY_CENTRAL

        return {"agencies": [DEMO_AGENCY_CENTRAL], "today": "2025-12-31"}
    return {}


def run_twins(
    warehouse: Path, repeats: int = 7, threads: int = 2, names: list[str] | None = None
) -> dict[str, Any]:
    """Each dashboard query through the dashboard's Warehouse (as services run it) against its twin."""
    from dashboard.db import Warehouse, query_sql, served_from_memory

    wh = Warehouse(warehouse, threads=threads, memory_limit="1GB")
    # DuckDB refuses a second in-process connection to the file with another configuration.
    con = wh.connection().cursor()
    tables = Tables(con)
    results: dict[str, Any] = {}
    try:
        runs = []
        for path in sorted(QUERY_DIR.glob("*.sql")):
            if names and path.stem not in names:
                continue
            base = query_params(query_sql(path.stem)) or _fallback_params(path.stem)
            runs.append((path.stem, path.stem, base))
            for extra in BENCH_VARIANTS.get(path.stem, []):
                label = " ".join(f"{k}={json.dumps(v)}" for k, v in extra.items())
                runs.append((f"{path.stem} ({label})", path.stem, {**base, **extra}))
        for key, name, params in runs:
            entry: dict[str, Any] = {"params": params}
            entry["served"] = "memory" if served_from_memory(name) else "duckdb"
            try:
                wh.read(name, **params)  # warm-up: first-touch I/O is not the steady state
                # The SQL on DuckDB, and the result as services get it (Warehouse.query): the same
                # for every query but the reference lookups, read once per file and then served
                # from memory. The ratio and the target are about the second.
                entry["sql_ms"], _ = _median_ms(functools.partial(wh.read, name, **params), repeats)
                wh.query(name, **params)
                entry["ours_ms"], ours = _median_ms(functools.partial(wh.query, name, **params), repeats)
                entry["rows"] = len(ours)
            except Exception as exc:
                entry["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
                results[key] = entry
                continue
            func = TWINS.get(name)
            if func is None:
                entry["twin"] = None
            else:
                func(tables, params)  # warm-up, and loads the tables it needs
                entry["pandas_ms"], theirs = _median_ms(functools.partial(func, tables, params), repeats)
                entry["equal"], entry["compare"] = frames_equal(ours, theirs)
                entry["ratio_ours_over_pandas"] = round(entry["ours_ms"] / entry["pandas_ms"], 3)
                entry["speedup"] = round(entry["pandas_ms"] / entry["ours_ms"], 1)
            results[key] = entry
    finally:
        con.close()
        wh.close()
    with_twin = [v for v in results.values() if v.get("speedup") is not None]
    return {
        "repeats": repeats,
        "duckdb_threads": threads,
        "queries": results,
        "summary": {
            "queries": len(results),
            "with_twin": len(with_twin),
            "all_equal": all(v["equal"] for v in with_twin),
            "min_speedup": min((v["speedup"] for v in with_twin), default=None),
            "errors": sorted(k for k, v in results.items() if "error" in v),
        },
    }
