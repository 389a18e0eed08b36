"""Generator of the competency-priority survey exports (SurveyCake-style XLSX + CSV, waves 2025 and
2026), calibrated so that the 2025 files reproduce the report's Tables 14, 18 and 19-22."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import numpy as np
import pandas as pd

from etl.context import reference_table
from etl.feeds.survey_codebook import Codebook, Question, load_codebook
from etl.synth import ManifestEntry, SynthContext
from etl.synth.survey_calib import (
    borda_total,
    calibrate_groups,
    choose_level_totals,
    exact_rankings,
    group_windows,
    lengths_for_deficit,
    lengths_for_needs,
    plackett_luce,
    points_to_ranks,
    repair_to_totals,
)
from etl.textnorm import grade_label_zh

LEVELS = ("central", "municipal", "county")
TIERS = ("basic", "middle", "senior")
GROUPS = ("hardware_maintenance", "system_planning", "project_management", "multi_function", "non_core")
SCOPE_OF_LEVEL = {"central": "central", "municipal": "municipal", "county": "county"}
# Table 27 prose: central leans to system planning / multi-function, county to non-core / hardware.
GROUP_LEVEL_WEIGHT = {
    "central": (0.8, 1.5, 1.0, 1.3, 0.8),
    "municipal": (0.9, 1.1, 1.2, 1.0, 1.1),
    "county": (1.3, 0.6, 0.8, 0.7, 1.4),
}
# Policy-task profiles (no published table): mean Borda points of the top-4 question by group.
POLICY_MEANS = {
    "hardware_maintenance": {
        "sec_policy": 1.6,
        "data_gov": 0.4,
        "analytics": 0.2,
        "adv_tech": 0.3,
        "it_law": 0.3,
    },
    "system_planning": {"sec_policy": 1.2, "data_gov": 1.5, "analytics": 1.1, "adv_tech": 1.4, "it_law": 0.9},
    "project_management": {
        "sec_policy": 0.8,
        "data_gov": 0.9,
        "analytics": 0.5,
        "adv_tech": 0.8,
        "it_law": 0.5,
    },
    "multi_function": {"sec_policy": 1.8, "data_gov": 1.6, "analytics": 1.3, "adv_tech": 1.5, "it_law": 1.4},
    "non_core": {"sec_policy": 0.15, "data_gov": 0.1, "analytics": 0.08, "adv_tech": 0.08, "it_law": 0.05},
}
# 2026: documented rises of the AI items (mean Borda points), other items give way proportionally.
AI_RISE_2026 = {
    "it_ai_literacy": 0.20,
    "it_ai_sys_design": 0.15,
    "it_ai_eval": 0.12,
    "it_emerging_tech": 0.10,
}
N_2026_FACTOR = 1.10
# Table 26's senior column cannot be reconciled with Table 19 (CHECKS D14): the 8 unassigned
# seniors would need 4.0 points on 跨域管理 (top-3 question, max 3) and 5.5 on 新興技術監測與評估
# (top-4, max 4), and non-core seniors would need more blank ranks in management than all 89
# seniors left. These windows may stretch by up to this many mean points (+ up, - down), never
# across a neighbour in the group's list, so every list keeps its order.
D14_SENIOR_RELAX: dict[str, dict[str, float]] = {
    "common": {"it_cross_domain": 0.30, "it_law_practice": -0.30},
    "technical": {"it_emerging_tech": 0.60},
    "management": {"it_strategy": 0.35, "it_risk_mgmt": 0.35},
}
TASK_SHARPNESS = 2.0  # Plackett-Luce weight = mean^sharpness: members of a group agree on their core tasks
TASK_REPAIR = True
TASK_TOL = 0.20  # mean points an item may stay off its Table 16-17 value after the repair
TASK_NOISE = 0.10
TASK_LENGTH_SD = 0.6  # spread of list lengths within a group
EXPORT_STEM = "moda_it_competency_{wave}"
MAJORS = (
    "資訊工程學系",
    "資訊管理學系",
    "資訊科學系",
    "電機工程學系",
    "公共行政學系",
    "企業管理學系",
    "統計學系",
    "電子工程學系",
)
CERTS = (
    "",
    "",
    "",
    "ISO/IEC 27001 主導稽核員",
    "CISSP",
    "PMP",
    "CCNA",
    "iPAS 資訊安全工程師",
    "ITIL Foundation",
    "無",
)
OTHER_TASK_TEXT = ("公文系統管理", "採購行政", "教育訓練", "電話總機", "個資保護")


@dataclass
class Frame:
    """One row per valid respondent, before the export is laid out."""

    df: pd.DataFrame  # attributes (level, tier, grade, ...)
    ranks: dict[str, np.ndarray]  # export header -> rank per respondent (0 = blank)
    none_ticks: dict[str, np.ndarray]  # header of a 'none' tick -> bool per respondent
    other_text: dict[str, list[str]]


# ------------------------------------------------------------------------------------------ inputs
def _published_scores() -> pd.DataFrame:
    df = (
        reference_table("competency_scores_tables19_22").to_pandas()
        if False
        else reference_table("competency_scores_tables19_22")
    )
    df = df.copy()
    df["score"] = df["score"].astype(float)
    df["tier_n"] = df["tier_n"].astype(int)
    comp = reference_table("competencies")
    code_of = {
        str(z): str(c) for z, c in zip(comp["name_zh"], comp["code"], strict=True) if str(c).startswith("it_")
    }
    codes = []
    for tier, zh in zip(df["tier"], df["competency_zh"], strict=True):
        if tier == "basic" and zh == "系統開發專案管理":
            codes.append("it_project_mgmt")  # D7: printed 系統開發專案管理, asked as 專案管理
        else:
            codes.append(code_of[str(zh)])
    df["code"] = codes
    return df


def _tier_level_n() -> dict[tuple[str, str], int]:
    df = _published_scores()
    out: dict[tuple[str, str], int] = {}
    for scope, tier, n in zip(df["scope"], df["tier"], df["tier_n"], strict=True):
        if scope in LEVELS:
            out[(str(tier), str(scope))] = int(n)
    return out


def _table18() -> dict[tuple[str, str], int]:
    t = reference_table("workgroup_tier_table18")
    return {
        (str(g), str(tr)): int(a)
        for g, tr, a in zip(t["workgroup_en"], t["tier"], t["actual"], strict=True)
        if g != "total" and tr != "total"
    }


def _table26() -> dict[tuple[str, str, str], dict[str, float]]:
    t = reference_table("workgroup_competency_means_table26")
    comp = reference_table("competencies")
    code_of = {
        str(z): str(c) for z, c in zip(comp["name_zh"], comp["code"], strict=True) if str(c).startswith("it_")
    }
    out: dict[tuple[str, str, str], dict[str, float]] = {}
    for g, tier, cat, zh, m in zip(
        t["workgroup_en"], t["tier"], t["category"], t["competency_zh"], t["mean_score"], strict=True
    ):
        code = code_of[str(zh)]
        if tier == "basic" and code == "it_sysdev_pm":
            code = "it_project_mgmt"
        out.setdefault((str(g), str(tier), str(cat)), {})[code] = float(m)
    return out


def task_targets() -> dict[tuple[str, str], dict[str, float]]:
    """Mean Borda points per (work group, domain) and task code: Tables 16-17 plus policy profiles.

    Table 16's 管理網路與安全 row has no item in the questionnaire's outsourcing list (CHECKS D4)
    and is left out."""
    items = reference_table("task_items")
    t = reference_table("workgroup_tasks_table16_17")
    out_label = {
        str(lab): str(c) for lab, c in zip(items["table16_17_label"], items["task_code"], strict=True) if lab
    }
    inh_name = {
        str(n): str(c)
        for n, c, d in zip(items["name_zh"], items["task_code"], items["domain"], strict=True)
        if d == "inh"
    }
    res: dict[tuple[str, str], dict[str, float]] = {}
    for sec, zh, g, m in zip(
        t["section"], t["task_zh"], t["workgroup_en"], t["mean_rank_score"], strict=True
    ):
        if sec == "contract_mgmt":
            code = out_label.get(str(zh))
            dom = "out"
        else:
            code = inh_name.get(str(zh))
            dom = "inh"
        if code is None:
            continue
        res.setdefault((str(g), dom), {})[code] = float(m)
    for g, prof in POLICY_MEANS.items():
        res[(g, "pol")] = {f"task_pol_{k}": v for k, v in prof.items()}
    for g in GROUPS:
        res[(g, "out")]["task_out_other"] = 0.06
        res[(g, "inh")]["task_inh_other"] = 0.05
        res[(g, "pol")]["task_pol_other"] = 0.03
    return res


def _agencies() -> pd.DataFrame:
    a = reference_table("agencies").copy()
    a["it_weight"] = a["it_weight"].astype(float)
    return a


# ------------------------------------------------------------------------------------------ frame
def _weighted_pick(rng: np.random.Generator, pool: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    if n == 0:
        return np.array([], dtype=np.int64)
    p = weights / weights.sum()
    return np.asarray(rng.choice(pool, size=n, replace=False, p=p), dtype=np.int64)


def _respondents(
    rng: np.random.Generator,
    cells: dict[tuple[str, str], int],
    group_counts: dict[tuple[str, str], int],
    none_counts: dict[str, int],
    elementary: int,
    contract: int,
    non_it: int,
) -> pd.DataFrame:
    tiers, levels = [], []
    for tier in TIERS:
        for lvl in LEVELS:
            n = cells[(tier, lvl)]
            tiers += [tier] * n
            levels += [lvl] * n
    df = pd.DataFrame({"tier": tiers, "gov_level": levels})
    n = len(df)
    idx = np.arange(n)
    lvl_arr = df["gov_level"].to_numpy()
    tier_arr = df["tier"].to_numpy()
    rank_class = np.where(tier_arr == "senior", "senior", "junior").astype(object)
    basic = idx[tier_arr == "basic"]
    w_el = np.array([{"central": 1.0, "municipal": 1.2, "county": 1.5}[lv] for lv in lvl_arr[basic]])
    rank_class[_weighted_pick(rng, basic, w_el, elementary)] = "elementary"
    grade = np.zeros(n, dtype=np.int64)
    for mask, choices, p in (
        (rank_class == "elementary", [1, 2, 3, 4, 5], [0.01, 0.03, 0.14, 0.30, 0.52]),
        ((rank_class == "junior") & (tier_arr == "basic"), [6, 7, 8, 9], [0.24, 0.36, 0.28, 0.12]),
        (tier_arr == "middle", [6, 7, 8, 9], [0.03, 0.12, 0.35, 0.50]),
        (tier_arr == "senior", [10, 11, 12, 13, 14], [0.46, 0.30, 0.16, 0.06, 0.02]),
    ):
        grade[mask] = rng.choice(choices, size=int(mask.sum()), p=p)
    df["rank_class"] = rank_class
    df["grade"] = grade
    df["is_supervisor"] = tier_arr != "basic"  # the report counted all 簡任 as supervisors
    # Personnel type: contract staff are more often local and basic (Table 14 vs 13, S0:1009).
    ptype = np.array(["it_series"] * n, dtype=object)
    w_c = np.array(
        [
            {"central": 0.8, "municipal": 1.3, "county": 1.6}[lv]
            * {"basic": 1.0, "middle": 0.25, "senior": 0.1}[t]
            for lv, t in zip(lvl_arr, tier_arr, strict=True)
        ]
    )
    chosen = _weighted_pick(rng, idx, w_c, contract)
    ptype[chosen] = "contract"
    rest = idx[ptype == "it_series"]
    w_n = np.array([{"central": 1.0, "municipal": 1.1, "county": 1.4}[lv] for lv in lvl_arr[rest]])
    ptype[_weighted_pick(rng, rest, w_n, non_it)] = "non_it_series"
    df["personnel_type"] = ptype
    # Work groups: Table 18 counts per tier, spread over levels by the Table 27 leanings.
    group = np.array([""] * n, dtype=object)
    for tier in TIERS:
        pool = idx[tier_arr == tier]
        nonepick = rng.choice(pool, size=none_counts[tier], replace=False)
        group[nonepick] = "none"
        for gi, g in enumerate(GROUPS):
            pool = idx[(tier_arr == tier) & (group == "")]
            cnt = group_counts[(g, tier)]
            if gi == len(GROUPS) - 1:
                if cnt != pool.size:
                    raise ValueError(f"group counts for {tier} do not add up")
                group[pool] = g
                continue
            w = np.array([GROUP_LEVEL_WEIGHT[lv][gi] for lv in lvl_arr[pool]])
            group[_weighted_pick(rng, pool, w, cnt)] = g
    df["workgroup"] = group
    # The truth for the unassigned: they were generated from some group all the same.
    sizes = np.array([sum(group_counts[(g, t)] for t in TIERS) for g in GROUPS], dtype=float)
    truth = group.copy()
    unassigned = np.nonzero(group == "none")[0]
    truth[unassigned] = rng.choice(GROUPS, size=unassigned.size, p=sizes / sizes.sum())
    df["truth_group"] = truth
    return df


# ------------------------------------------------------------------------------------------ part 1
def _question(book: Codebook, part: str, category: str) -> Question:
    for q in book.questions:
        if q.part == part and q.category == category:
            return q
    raise KeyError((part, category))


def _level_targets(
    scores: pd.DataFrame, cells: dict[tuple[str, str], int], book: Codebook, k_used: dict[str, int]
) -> dict[tuple[str, str, str], np.ndarray]:
    """Integer point totals per (tier, level, category) -> array over the question's items."""
    part_of = {"basic": "1-1", "middle": "1-2", "senior": "1-3"}
    out: dict[tuple[str, str, str], np.ndarray] = {}
    for tier in TIERS:
        for cat in ("common", "technical", "management"):
            q = _question(book, part_of[tier], cat)
            codes = list(q.items)
            sub = scores[(scores["tier"] == tier) & (scores["category"] == cat)]
            val = {
                (str(s), str(c)): float(v)
                for s, c, v in zip(sub["scope"], sub["code"], sub["score"], strict=True)
            }
            level_scores = [[val[(lv, c)] for c in codes] for lv in LEVELS]
            national = [val[("national", c)] for c in codes]
            k = k_used[f"{tier}:{cat}"]
            totals = choose_level_totals([cells[(tier, lv)] for lv in LEVELS], level_scores, national, k)
            for li, lv in enumerate(LEVELS):
                out[(tier, lv, cat)] = np.array(totals[li], dtype=np.int64)
    return out


def _k_used(book: Codebook) -> dict[str, int]:
    ks = {}
    part_of = {"basic": "1-1", "middle": "1-2", "senior": "1-3"}
    for tier in TIERS:
        for cat in ("common", "technical", "management"):
            k = _question(book, part_of[tier], cat).k
            if tier == "middle" and cat == "management":
                k = 5  # answered top-5 although printed top-3 (CHECKS.md section 1)
            ks[f"{tier}:{cat}"] = k
    return ks


def _group_weights(
    mean_vec: np.ndarray, codes: list[str], group_means: dict[str, float] | None, noise: np.ndarray
) -> np.ndarray:
    mu = mean_vec.astype(float).copy()
    if group_means:
        for i, c in enumerate(codes):
            if c in group_means:
                mu[i] = group_means[c]
            else:
                # Unlisted items sit below the group's listed ones (Table 26 lists the top items).
                mu[i] = min(mu[i], min(group_means.values())) * 0.8
    return (np.maximum(mu, 0.02) ** 1.4) * noise


def _part1(
    rng: np.random.Generator,
    df: pd.DataFrame,
    book: Codebook,
    level_targets: dict[tuple[str, str, str], np.ndarray],
    k_used: dict[str, int],
    t26: dict[tuple[str, str, str], dict[str, float]],
    exact: bool,
    needs: bool = False,
) -> dict[str, np.ndarray]:
    """Part-1 rankings: each tier × level cell hits its Tables 19-22 totals exactly. With `needs`
    (2025), the blank ranks a cell must leave go first to the work groups whose Table 26 means
    add up to less than a full ranking."""
    ranks: dict[str, np.ndarray] = {}
    sup_arr = df["workgroup"].to_numpy()
    n = len(df)
    for q in book.questions:
        for h in q.items.values():
            ranks[h] = np.zeros(n, dtype=np.int64)
    part_of = {"basic": "1-1", "middle": "1-2", "senior": "1-3"}
    tier_arr = df["tier"].to_numpy()
    lvl_arr = df["gov_level"].to_numpy()
    grp_arr = df["truth_group"].to_numpy()
    for tier in TIERS:
        for lv in LEVELS:
            rows = np.nonzero((tier_arr == tier) & (lvl_arr == lv))[0]
            if rows.size == 0:
                continue
            for cat in ("common", "technical", "management"):
                # Own-tier part: calibrated exactly to the level totals.
                q = _question(book, part_of[tier], cat)
                codes = list(q.items)
                k = k_used[f"{tier}:{cat}"]
                targets = level_targets[(tier, lv, cat)]
                mean_vec = targets / rows.size
                noise = rng.lognormal(0.0, 0.35, size=(rows.size, len(codes)))
                w = np.vstack(
                    [
                        _group_weights(mean_vec, codes, t26.get((str(grp_arr[r]), tier, cat)), noise[j])
                        for j, r in enumerate(rows)
                    ]
                )
                deficit = rows.size * borda_total(k, k) - int(targets.sum())
                if needs:
                    need = np.array([_blank_need(t26, str(g), tier, cat, codes, k) for g in sup_arr[rows]])
                    lengths = lengths_for_needs(rows.size, k, deficit, need, rng)
                else:
                    lengths = lengths_for_deficit(rows.size, k, deficit, rng)
                pts = (
                    exact_rankings(w, targets, lengths, k, rng)
                    if exact
                    else plackett_luce(w, lengths, k, rng)
                )
                rk = points_to_ranks(pts, k)
                for i, c in enumerate(codes):
                    ranks[q.items[c]][rows] = rk[:, i]
                # The other part a middle (1-1) or senior (1-2) respondent answers: not reported,
                # drawn from the neighbouring tier's profile at this level.
                other = {"middle": "basic", "senior": "middle"}.get(tier)
                if other is None:
                    continue
                q2 = _question(book, part_of[other], cat)
                codes2 = list(q2.items)
                k2 = k_used[f"{other}:{cat}"]
                base = level_targets[(other, lv, cat)].astype(float)
                w2 = (np.maximum(base / base.sum(), 0.01) ** 1.4) * rng.lognormal(
                    0, 0.35, (rows.size, len(codes2))
                )
                len2 = np.where(rng.random(rows.size) < 0.04, k2 - 1, k2)
                rk2 = points_to_ranks(plackett_luce(w2, len2, k2, rng), k2)
                for i, c in enumerate(codes2):
                    ranks[q2.items[c]][rows] = rk2[:, i]
    return ranks


def _blank_need(
    t26: dict[tuple[str, str, str], dict[str, float]],
    group: str,
    tier: str,
    cat: str,
    codes: list[str],
    k: int,
) -> float:
    """Points a member of `group` must leave blank on average for Table 26's means to fit: a full
    ranking minus the most the listed means plus unlisted items (each below the lowest listed)
    can add up to. 0 for the unassigned."""
    means = t26.get((group, tier, cat))
    if not means:
        return 0.0
    listed = [c for c in codes if c in means]
    most = sum(means[c] for c in listed) + (len(codes) - len(listed)) * (min(means.values()) - 0.01)
    return max(0.0, borda_total(k, k) - most)


def table26_rows(df: pd.DataFrame, tier: str) -> tuple[str, np.ndarray, np.ndarray]:
    """Which Part-1 section and which respondents Table 26's column `tier` is computed from, and
    which of them are free (no Table 19-22 total fixes that answer).

    basic: part 1-1 of basic respondents; senior: part 1-3 of seniors; middle: part 1-2 of middle
    **and senior** respondents (CHECKS D14: the Table 26 中階 values are multiples of 1/N for
    N = middle + senior of a group, not for the Table 18 middle count)."""
    tier_arr = df["tier"].to_numpy()
    if tier == "middle":
        rows = np.nonzero((tier_arr == "middle") | (tier_arr == "senior"))[0]
        return "1-2", rows, tier_arr[rows] == "senior"
    part = {"basic": "1-1", "senior": "1-3"}[tier]
    rows = np.nonzero(tier_arr == tier)[0]
    return part, rows, np.zeros(rows.size, dtype=bool)


def calibrate_table26(
    rng: np.random.Generator,
    df: pd.DataFrame,
    book: Codebook,
    ranks: dict[str, np.ndarray],
    k_used: dict[str, int],
    t26: dict[tuple[str, str, str], dict[str, float]],
) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], int]]:
    """Exchange ranks so that every work group × tier × category mean of Table 26 holds (±0.005)
    and unlisted items stay below the listed ones, keeping every tier × level total (Tables 19-22)
    exactly: see survey_calib.calibrate_groups. Returns the ranks and the violation left per
    (tier, category) in points (0 = met)."""
    out = dict(ranks)
    left: dict[tuple[str, str], int] = {}
    level_idx = {lv: i for i, lv in enumerate(LEVELS)}
    tier_idx = {t: i for i, t in enumerate(TIERS)}
    for tier in TIERS:
        part, rows, free = table26_rows(df, tier)
        group_arr = df["workgroup"].to_numpy()[rows]
        gidx = np.array([GROUPS.index(g) if g in GROUPS else -1 for g in group_arr], dtype=np.int64)
        strata = np.array(
            [
                tier_idx[str(t)] * len(LEVELS) + level_idx[str(lv)]
                for t, lv in zip(df["tier"].to_numpy()[rows], df["gov_level"].to_numpy()[rows], strict=True)
            ],
            dtype=np.int64,
        )
        strata[free] = -1
        for cat in ("common", "technical", "management"):
            q = _question(book, part, cat)
            codes = list(q.items)
            k = k_used[f"{'middle' if part == '1-2' else tier}:{cat}"]
            rk = np.column_stack([out[q.items[c]][rows] for c in codes])
            pts = np.where(rk > 0, k + 1 - rk, 0)
            lo = np.zeros((len(GROUPS), len(codes)), dtype=np.int64)
            hi, s_lo, s_hi = np.zeros_like(lo), np.zeros_like(lo), np.zeros_like(lo)
            for g_i, g in enumerate(GROUPS):
                n_g = int((gidx == g_i).sum())
                relax = D14_SENIOR_RELAX.get(cat) if tier == "senior" else None
                lo[g_i], hi[g_i] = group_windows(t26[(g, tier, cat)], codes, n_g, relax)
                s_lo[g_i], s_hi[g_i] = group_windows(t26[(g, tier, cat)], codes, n_g)
            pts, viol = calibrate_groups(pts, gidx, strata, lo, hi, k, rng)
            for _retry in range(2):  # the search is stochastic: go on from where it stopped
                if viol == 0:
                    break
                pts, viol = calibrate_groups(pts, gidx, strata, lo, hi, k, rng)
            if viol == 0 and ((s_lo != lo).any() or (s_hi != hi).any()):
                # The relaxed windows hold; now get as close to the published values as they allow.
                pts, viol = calibrate_groups(
                    pts, gidx, strata, lo, hi, k, rng, max_steps=4_000, soft=(s_lo, s_hi)
                )
            left[(tier, cat)] = viol
            rk = points_to_ranks(pts, k)
            for i, c in enumerate(codes):
                col = out[q.items[c]].copy()
                col[rows] = rk[:, i]
                out[q.items[c]] = col
    return out, left


# ------------------------------------------------------------------------------------------ part 2
def _task_lengths(rng: np.random.Generator, n: int, k: int, mean_points: float) -> np.ndarray:
    """Per-respondent number of ranked tasks (0 = the exclusive 'none' tick) averaging mean_points."""
    full = borda_total(k, k)
    # Sparse profiles come from few respondents ranking one or two tasks, not from many ranking a
    # little each: that keeps groups apart (non-core staff mostly tick 'none').
    p_none = float(np.clip(1.0 - np.sqrt(mean_points / (0.6 * full)), 0.03, 0.97))
    avg = mean_points / (1.0 - p_none)
    contrib = np.array([borda_total(k, j) for j in range(k + 1)])
    j_star = int(np.argmin(np.abs(contrib - avg)))
    lengths = np.clip(np.rint(rng.normal(j_star, TASK_LENGTH_SD, size=n)), 1, k).astype(np.int64)
    lengths[rng.random(n) < p_none] = 0
    target_total = mean_points * n
    # Nudge single respondents until the point total is as close as one step allows.
    for _ in range(20 * n):
        diff = target_total - contrib[lengths].sum()
        if abs(diff) < k:
            break
        r = int(rng.integers(n))
        if diff > 0 and 0 < lengths[r] < k:
            lengths[r] += 1
        elif diff < 0 and lengths[r] > 1:
            lengths[r] -= 1
    return lengths


def _largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    scaled = values * (total / values.sum()) if values.sum() > 0 else np.zeros_like(values)
    base = np.floor(scaled).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(scaled - base), kind="stable")
    base[order[:rest]] += 1
    return base


def _part2(
    rng: np.random.Generator, df: pd.DataFrame, book: Codebook, exact: bool
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, list[str]]]:
    targets = task_targets()
    n = len(df)
    ranks: dict[str, np.ndarray] = {}
    ticks: dict[str, np.ndarray] = {}
    texts: dict[str, list[str]] = {}
    supplied = df["workgroup"].to_numpy()
    truth = df["truth_group"].to_numpy()
    for dom in book.tasks:
        codes = list(dom.items)
        for h in dom.items.values():
            ranks[h] = np.zeros(n, dtype=np.int64)
        ticks[dom.none] = np.zeros(n, dtype=bool)
        texts[dom.other_text] = [""] * n
        for g in GROUPS:
            prof = targets[(g, dom.domain)]
            mu = np.array([prof.get(c, 0.0) for c in codes])
            for calibrated in (True, False):
                # Respondents with a supplied group carry the Table 16-17 means; the unassigned
                # ones are drawn from the same profile without calibration.
                mask = (supplied == g) if calibrated else ((supplied == "none") & (truth == g))
                rows = np.nonzero(mask)[0]
                if rows.size == 0:
                    continue
                lengths = _task_lengths(rng, rows.size, dom.k, float(mu.sum()))
                total = int(sum(borda_total(dom.k, int(j)) for j in lengths))
                w = (np.maximum(mu, 0.01) ** TASK_SHARPNESS) * rng.lognormal(
                    0.0, TASK_NOISE, (rows.size, len(codes))
                )
                if calibrated and exact and total > 0 and TASK_REPAIR:
                    tgt = _largest_remainder(mu * rows.size, total)
                    # Tasks need only come close (Tables 16-17 MAE): best effort, no restarts.
                    pts = repair_to_totals(
                        plackett_luce(w, lengths, dom.k, rng),
                        tgt,
                        rng,
                        best_effort=True,
                        tolerance=int(TASK_TOL * rows.size),
                    )
                else:
                    pts = plackett_luce(w, lengths, dom.k, rng)
                rk = points_to_ranks(pts, dom.k)
                for i, c in enumerate(codes):
                    ranks[dom.items[c]][rows] = rk[:, i]
                # The exclusive tick follows the final rankings (the repair may reshuffle lengths).
                ticks[dom.none][rows[pts.sum(axis=1) == 0]] = True
                other_col = rk[:, codes.index(f"task_{dom.domain}_other")]
                for j, r in enumerate(rows):
                    if other_col[j] > 0:
                        texts[dom.other_text][r] = str(rng.choice(OTHER_TASK_TEXT))
    return ranks, ticks, texts


# ------------------------------------------------------------------------------------------ part 3
def _demographics(
    rng: np.random.Generator, df: pd.DataFrame, ctx: SynthContext, survey_month: dt.date, wave: str
) -> pd.DataFrame:
    n = len(df)
    out = df.copy()
    year = survey_month.year
    grade = out["grade"].to_numpy()
    age = np.clip(np.rint(rng.normal(27 + grade * 1.7, 6.0)), year - 1911 - 96, year - 1911 - 44).astype(int)
    out["birth_year_roc"] = (year - 1911) - age
    out["sex"] = rng.choice(["生理男性", "生理女性", "不願意回答"], size=n, p=[0.58, 0.39, 0.03])
    out["education"] = rng.choice(
        ["高中/高職", "大學（專）", "碩士", "博士"], size=n, p=[0.04, 0.56, 0.38, 0.02]
    )
    out["major"] = rng.choice(MAJORS, size=n)
    out["ict_cert"] = rng.choice(CERTS, size=n)
    max_public = np.maximum(1, age - 22)
    years_public = np.maximum(1, np.minimum(max_public, np.rint(rng.gamma(3.0, 4.0, n)))).astype(int)
    out["years_public"] = years_public
    out["years_post"] = np.maximum(1, np.rint(years_public * rng.uniform(0.2, 1.0, n))).astype(int)
    out["years_it_unit"] = np.where(
        rng.random(n) < 0.06, 0, np.maximum(1, np.rint(years_public * rng.uniform(0.4, 1.0, n)))
    ).astype(int)
    # Agency from the per-agency invitation link, consistent with the government level.
    ag = _agencies()
    codes = np.empty(n, dtype=object)
    types = np.empty(n, dtype=object)
    levels = out["gov_level"].to_numpy()
    for lv in LEVELS:
        sub = ag[ag["gov_level"] == lv]
        rows = np.nonzero(levels == lv)[0]
        pick = rng.choice(len(sub), size=rows.size, p=(sub["it_weight"] / sub["it_weight"].sum()).to_numpy())
        codes[rows] = sub["agency_code"].to_numpy()[pick]
        types[rows] = sub["agency_type"].to_numpy()[pick]
    out["agency_code"] = codes
    out["agency_type"] = types
    # Opt-ins and contact: a realistic share leave a work e-mail (PII the ETL hashes and drops).
    interview = rng.random(n) < 0.12
    prize = rng.random(n) < 0.42
    out["interview_optin"] = interview
    out["prize_optin"] = prize
    gives = interview | prize
    kind = rng.random(n)
    people = ctx.shared.get("roster_people")
    pool = _RosterPool(people, survey_month, rng) if people is not None else None
    contacts, names = [], []
    surnames = "陳林黃張李王吳劉蔡楊許鄭謝郭洪"
    for i in range(n):
        if not gives[i]:
            contacts.append("")
            names.append("")
            continue
        names.append(
            f"{surnames[int(rng.integers(len(surnames)))]}{'先生' if rng.random() < 0.6 else '小姐'}"
        )
        if kind[i] < 0.8:
            found = (
                pool.take(str(out.at[i, "gov_level"]), str(out.at[i, "tier"])) if pool is not None else None
            )
            if found is None:
                contacts.append(f"it{wave}{i:05d}@{str(out['agency_code'].iloc[i]).lower()}.gov.tw")
            else:
                email, code = found
                # The invitation link is the roster person's own agency.
                out.at[i, "agency_code"] = code
                sub = ag[ag["agency_code"] == code]
                if len(sub):
                    out.at[i, "agency_type"] = str(sub["agency_type"].iloc[0])
                contacts.append(email)
        else:
            contacts.append(f"09{int(rng.integers(10_000_000, 99_999_999)):08d}")
    out["contact"] = contacts
    out["contact_name"] = names
    return out


class _RosterPool:
    """Roster people by (government level, tier), active in the survey month, drawn without
    replacement: a survey e-mail then belongs to a real roster person of the same kind."""

    def __init__(self, people: Any, month: dt.date, rng: np.random.Generator) -> None:
        self.by_cell: dict[tuple[str, str], list[tuple[str, str]]] = {}
        try:
            pool = people
            ts = pd.Timestamp(month)
            mask = np.ones(len(pool), dtype=bool)
            if "is_direct_it" in pool:
                mask &= pool["is_direct_it"].astype(bool).to_numpy()
            if "first_month" in pool:
                mask &= (pool["first_month"] <= ts).to_numpy()
            if "last_month" in pool:
                mask &= (pool["last_month"].isna() | (pool["last_month"] >= ts)).to_numpy()
            sub = pool[mask]
            for (lv, tier), grp in sub.groupby(["gov_level", "tier"], sort=True):
                order = rng.permutation(len(grp))
                emails = grp["email"].astype(str).to_numpy()[order]
                agencies = grp["agency_code"].astype(str).to_numpy()[order]
                self.by_cell[(str(lv), str(tier))] = list(zip(emails, agencies, strict=True))
        except (KeyError, TypeError, AttributeError):
            self.by_cell = {}

    def take(self, gov_level: str, tier: str) -> tuple[str, str] | None:
        cell = self.by_cell.get((gov_level, tier))
        return cell.pop() if cell else None


def _timestamps(
    rng: np.random.Generator, n: int, opened: dt.datetime, closed: dt.datetime
) -> list[dt.datetime]:
    """Front-loaded arrivals (official letter, then a reminder 3 days before closing), office hours."""
    days = (closed.date() - opened.date()).days + 1
    w = np.array([3.0 * 0.8**d + 0.4 for d in range(days)])
    w[max(0, days - 4)] += 1.2
    out = []
    for _ in range(n):
        while True:
            d = int(rng.choice(days, p=w / w.sum()))
            secs = int(rng.normal(13.5 * 3600, 2.6 * 3600))
            if not 7 * 3600 <= secs < 23 * 3600:
                continue
            ts = dt.datetime.combine(opened.date() + dt.timedelta(days=d), dt.time()) + dt.timedelta(
                seconds=secs
            )
            if opened <= ts <= closed:
                out.append(ts)
                break
    return sorted(out)


# ------------------------------------------------------------------------------------------ export
def _export_table(
    book: Codebook,
    df: pd.DataFrame,
    ranks: dict[str, np.ndarray],
    ticks: dict[str, np.ndarray],
    texts: dict[str, list[str]],
    with_workgroup: bool,
) -> pd.DataFrame:
    inv = {
        field: {v: k for k, v in labels.items()}
        for field, labels in book.value_labels.items()
        if isinstance(labels, dict)
    }
    n = len(df)
    cols: dict[str, list[Any]] = {}
    c = book.columns
    cols[c["submission_id"]] = list(df["submission_id"])
    cols[c["submitted_at"]] = [t.strftime(book.timestamp_format) for t in df["submitted_at"]]
    cols[c["agency_code"]] = list(df["agency_code"])
    cols[c["personnel_type"]] = [inv["personnel_type"][p] for p in df["personnel_type"]]
    cols[c["grade"]] = [grade_label_zh(int(g)) for g in df["grade"]]
    # Q3 is asked of 薦任 only; the export leaves it blank for the others.
    cols[c["supervisor"]] = [
        ("是" if s else "否") if rc == "junior" else ""
        for rc, s in zip(df["rank_class"], df["is_supervisor"], strict=True)
    ]
    for q in book.questions:
        for h in q.items.values():
            cols[h] = [int(v) if v > 0 else None for v in ranks[h]]
    for dom in book.tasks:
        cols[dom.none] = ["V" if t else "" for t in ticks[dom.none]]
        for h in dom.items.values():
            cols[h] = [int(v) if v > 0 else None for v in ranks[h]]
        cols[dom.other_text] = texts[dom.other_text]
    cols[c["sex"]] = list(df["sex"])
    cols[c["birth_year_roc"]] = [int(v) for v in df["birth_year_roc"]]
    cols[c["education"]] = list(df["education"])
    cols[c["major"]] = list(df["major"])
    cols[c["ict_cert"]] = list(df["ict_cert"])
    cols[c["years_public"]] = [int(v) for v in df["years_public"]]
    cols[c["years_post"]] = [int(v) for v in df["years_post"]]
    cols[c["years_it_unit"]] = [int(v) for v in df["years_it_unit"]]
    cols[c["gov_level"]] = [inv["gov_level"][g] for g in df["gov_level"]]
    cols[c["agency_type"]] = [inv["agency_type"].get(t, "其他") for t in df["agency_type"]]
    cols[c["agency_type_other"]] = [""] * n
    cols[c["interview_optin"]] = ["願意" if v else "不願意" for v in df["interview_optin"]]
    cols[c["prize_optin"]] = ["願意" if v else "不願意" for v in df["prize_optin"]]
    cols[c["contact"]] = list(df["contact"])
    cols[c["contact_name"]] = list(df["contact_name"])
    if with_workgroup:
        wg = inv["workgroup"]
        cols[c["workgroup"]] = [wg[g] if g in wg else "" for g in df["workgroup"]]
    order = [
        c["submission_id"],
        c["submitted_at"],
        c["agency_code"],
        c["personnel_type"],
        c["grade"],
        c["supervisor"],
    ]
    order += [h for q in book.questions for h in q.items.values()]
    for dom in book.tasks:
        order += [dom.none, *dom.items.values(), dom.other_text]
    order += [
        c[f]
        for f in (
            "sex",
            "birth_year_roc",
            "education",
            "major",
            "ict_cert",
            "years_public",
            "years_post",
            "years_it_unit",
            "gov_level",
            "agency_type",
            "agency_type_other",
            "interview_optin",
            "prize_optin",
            "contact",
            "contact_name",
        )
    ]
    if with_workgroup:
        order.append(c["workgroup"])
    # Object columns keep integer ranks integers (a float column would print 1.0 in the CSV).
    return pd.DataFrame({h: pd.Series(cols[h], dtype=object) for h in order})


def _invalid_rows(rng: np.random.Generator, table: pd.DataFrame, book: Codebook) -> pd.DataFrame:
    """A handful of submissions the ETL must quarantine (the valid ones stay the report's 2,185)."""
    c = book.columns
    rows = []
    base = table.sample(n=7, random_state=int(rng.integers(1 << 31))).reset_index(drop=True)
    fmt = book.timestamp_format
    late = [
        book.closed + dt.timedelta(minutes=7, seconds=33),
        book.closed + dt.timedelta(hours=21, minutes=4),
    ]
    for i in range(2):  # after the deadline: outside_survey_window
        r = base.iloc[i].copy()
        r[c["submitted_at"]] = late[i].strftime(fmt)
        rows.append(r)
    r = base.iloc[2].copy()  # a rank used twice: duplicate_rank
    q = next(
        q for q in book.questions if q.category == "common" and any(pd.notna(r[h]) for h in q.items.values())
    )
    hs = [h for h in q.items.values()]
    r[hs[0]], r[hs[1]], r[hs[2]], r[hs[3]] = 1, 1, 2, None
    rows.append(r)
    r = base.iloc[3].copy()  # birth year outside ROC 44-96: invalid_roc_date
    r[c["birth_year_roc"]] = 120
    rows.append(r)
    r = base.iloc[4].copy()  # grade text nobody can parse: unparseable_grade
    r[c["grade"]] = "約僱人員"
    rows.append(r)
    r = base.iloc[5].copy()  # rank 7 in a top-4 question: rank_out_of_range
    q = next(
        q
        for q in book.questions
        if q.category == "technical" and any(pd.notna(r[h]) for h in q.items.values())
    )
    ranked = [h for h in q.items.values() if pd.notna(r[h])]
    r[ranked[-1]] = 7
    rows.append(r)
    dup = table.iloc[int(rng.integers(len(table)))].copy()  # the same submission exported twice
    rows.append(dup)
    out = pd.DataFrame(rows, dtype=object).reset_index(drop=True)
    seq = 90000
    for i in range(len(out) - 1):
        out.at[i, c["submission_id"]] = f"{book.wave[2:]}-{seq + i:05d}"
    return out


def _blank(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v == ""


def _cell(v: Any) -> Any:
    # Ranks and years are integers in the export, whatever dtype pandas gave them on the way.
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return int(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


_XLSX_STATIC = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
        'Target="docProps/core.xml"/>'
        "</Relationships>"
    ),
    "docProps/core.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>SurveyCake</dc:creator>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
        "</cp:coreProperties>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="填答資料" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}


def _col_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _write_xlsx(table: pd.DataFrame, path: Path) -> None:
    """A one-sheet workbook written directly as SpreadsheetML (inline strings): openpyxl's writer
    took most of the generation time. Fixed properties and zip timestamps: same seed, same bytes."""
    letters = [_col_letter(i) for i in range(len(table.columns))]
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{letters[-1]}{len(table) + 1}"/><sheetData>'
    ]

    def row_xml(r: int, values: list[Any]) -> str:
        cells = []
        for letter, v in zip(letters, values, strict=True):
            if _blank(v):
                continue
            v = _cell(v)
            ref = f"{letter}{r}"
            if isinstance(v, int | float) and not isinstance(v, bool):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{xml_escape(str(v))}</t></is></c>')
        return f'<row r="{r}">{"".join(cells)}</row>'

    parts.append(row_xml(1, list(table.columns)))
    for r, rec in enumerate(table.itertuples(index=False), start=2):
        parts.append(row_xml(r, list(rec)))
    parts.append("</sheetData></worksheet>")
    files = dict(_XLSX_STATIC)
    files["xl/worksheets/sheet1.xml"] = "".join(parts)
    order = ["[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "xl/workbook.xml",
             "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"]  # fmt: skip
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name in order:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, files[name].encode("utf-8"))


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(table.columns)
        for rec in table.itertuples(index=False):
            w.writerow(["" if _blank(v) else _cell(v) for v in rec])


# ------------------------------------------------------------------------------------------ waves
def _sample_targets_2025() -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    t14 = reference_table("sample_table14")
    count = {str(z): int(v) for z, v in zip(t14["category_zh"], t14["count"], strict=True)}
    return _tier_level_n(), count


def build_wave(ctx: SynthContext, wave: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(export table incl. invalid rows, valid respondent frame, truth) for one wave."""
    book = load_codebook(EXPORT_STEM.format(wave=wave))
    rng = ctx.rng(f"survey-{wave}")
    cells, t14 = _sample_targets_2025()
    t18 = _table18()
    none_2025 = {"basic": 41, "middle": 3, "senior": 8}
    scores = _published_scores()
    k_used = _k_used(book)
    targets = _level_targets(scores, cells, load_codebook(EXPORT_STEM.format(wave="2025")), k_used)
    if wave == "2025":
        df = _respondents(rng, cells, t18, none_2025, t14["委任"], t14["約聘人員"], t14["非資訊職系公務人員"])
    else:
        cells = {key: int(round(v * N_2026_FACTOR * rng.uniform(0.97, 1.03))) for key, v in cells.items()}
        n_total = sum(cells.values())
        scale = n_total / 2185
        group_counts = {}
        for tier in TIERS:
            tier_n = sum(cells[(tier, lv)] for lv in LEVELS)
            sizes = np.array([t18[(g, tier)] for g in GROUPS], dtype=float)
            alloc = _largest_remainder(sizes, tier_n)
            group_counts.update({(g, tier): int(a) for g, a in zip(GROUPS, alloc, strict=True)})
        df = _respondents(
            rng,
            cells,
            group_counts,
            {t: 0 for t in TIERS},
            int(round(t14["委任"] * scale)),
            int(round(t14["約聘人員"] * scale * 1.02)),
            int(round(t14["非資訊職系公務人員"] * scale)),
        )
        targets = _targets_2026(targets, cells, book, k_used)
    t26 = _table26()
    ranks = _part1(rng, df, book, targets, k_used, t26, exact=True, needs=(wave == "2025"))
    if wave == "2025":
        # Own stream: the rest of the wave (tasks, demographics) is drawn as before.
        ranks, _left = calibrate_table26(ctx.rng("survey-2025-table26"), df, book, ranks, k_used, t26)
    tranks, ticks, texts = _part2(rng, df, book, exact=(wave == "2025"))
    ranks.update(tranks)
    df = _demographics(rng, df, ctx, book.survey_month, wave)
    # Rows in time order; ids follow submission order.
    stamps = _timestamps(rng, len(df), book.opened, book.closed)
    order = rng.permutation(len(df))
    df = df.iloc[order].reset_index(drop=True)
    ranks = {h: v[order] for h, v in ranks.items()}
    ticks = {h: v[order] for h, v in ticks.items()}
    texts = {h: [v[i] for i in order] for h, v in texts.items()}
    df["submitted_at"] = stamps
    df["submission_id"] = [f"{wave[2:]}-{i + 1:05d}" for i in range(len(df))]
    table = _export_table(book, df, ranks, ticks, texts, with_workgroup=(wave == "2025"))
    bad = _invalid_rows(rng, table, book)
    full = pd.concat([table, bad], ignore_index=True)
    ts = pd.to_datetime(full[book.columns["submitted_at"]], format=book.timestamp_format)
    full = full.iloc[np.argsort(ts.to_numpy(), kind="stable")].reset_index(drop=True)
    truth = pd.DataFrame(
        {
            "respondent_id": df["submission_id"],
            "workgroup": df["truth_group"],
            "supplied_workgroup": df["workgroup"].where(df["workgroup"] != "none", ""),
        }
    )
    return full, df, truth


def _targets_2026(
    base: dict[tuple[str, str, str], np.ndarray],
    cells: dict[tuple[str, str], int],
    book: Codebook,
    k_used: dict[str, int],
) -> dict[tuple[str, str, str], np.ndarray]:
    """2025 level means with the AI items raised; the column total per respondent is kept."""
    part_of = {"basic": "1-1", "middle": "1-2", "senior": "1-3"}
    out = {}
    for (tier, lv, cat), tot in base.items():
        codes = list(_question(book, part_of[tier], cat).items)
        n25 = _tier_level_n()[(tier, lv)]
        mean = tot / n25
        rise = np.array([AI_RISE_2026.get(c, 0.0) for c in codes])
        rest = mean * (rise == 0)
        new = mean + rise - rest / rest.sum() * rise.sum()
        n = cells[(tier, lv)]
        k = k_used[f"{tier}:{cat}"]
        total = min(int(round(mean.sum() * n)), n * borda_total(k, k))
        out[(tier, lv, cat)] = _largest_remainder(np.maximum(new, 0.0), total)
    return out


def generate(ctx: SynthContext) -> list[ManifestEntry]:
    out_dir = ctx.out / "survey"
    truth_dir = ctx.out / "truth"
    out_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    entries: list[ManifestEntry] = []
    for wave in ("2025", "2026"):
        book = load_codebook(EXPORT_STEM.format(wave=wave))
        full, _df, truth = build_wave(ctx, wave)
        stem = EXPORT_STEM.format(wave=wave)
        ts = pd.to_datetime(full[book.columns["submitted_at"]], format=book.timestamp_format)
        dmin, dmax = ts.min().date().isoformat(), ts.max().date().isoformat()
        _write_xlsx(full, out_dir / f"{stem}.xlsx")
        _write_csv(full, out_dir / f"{stem}.csv")
        entries.append(ManifestEntry("survey", f"survey/{stem}.xlsx", len(full), dmin, dmax, "xlsx"))
        entries.append(ManifestEntry("survey", f"survey/{stem}.csv", len(full), dmin, dmax, "csv-utf8-bom"))
        tpath = truth_dir / f"survey_workgroup_truth_{wave}.csv"
        truth.to_csv(tpath, index=False, encoding="utf-8", lineterminator="\n")
        entries.append(ManifestEntry("truth", f"truth/{tpath.name}", len(truth), dmin, dmax, "csv-utf8"))
    return entries
