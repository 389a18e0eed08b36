"""Who earns which MODA badge or external certification, and when: vectorised draws over the
roster that the badge writers (OB2, OB3, WebHR 表51) turn into files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from etl.context import reference_table

# The badge hub launches in 2025-07 (basic-level technical staff first) and widens in 2026-01.
LAUNCH = pd.Period("2025-07", "M")
WIDEN = pd.Period("2026-01", "M")
END = pd.Period("2026-10", "M")

# Relative award volume per calendar month: launch spike, year-end bump (training hours are
# closed in December), widening spike, Lunar New Year dip and the summer slump.
MONTH_WEIGHT: dict[str, float] = {
    "2025-07": 2.6, "2025-08": 0.9, "2025-09": 1.0, "2025-10": 1.1, "2025-11": 1.15, "2025-12": 1.75,
    "2026-01": 2.1, "2026-02": 0.85, "2026-03": 1.2, "2026-04": 1.2, "2026-05": 1.25, "2026-06": 1.2,
    "2026-07": 0.65, "2026-08": 0.6, "2026-09": 1.15, "2026-10": 1.25,
}  # fmt: skip

# WebHR 表51 registrations: steady, a pilot wave for the 115 (2026) public-service certification.
CERT_MONTH_WEIGHT: dict[str, float] = {
    "2025-07": 0.8, "2025-08": 0.7, "2025-09": 0.9, "2025-10": 1.0, "2025-11": 1.0, "2025-12": 1.3,
    "2026-01": 1.0, "2026-02": 0.8, "2026-03": 1.4, "2026-04": 1.5, "2026-05": 1.5, "2026-06": 1.4,
    "2026-07": 0.8, "2026-08": 0.7, "2026-09": 1.1, "2026-10": 1.2,
}  # fmt: skip


@dataclass(frozen=True)
class Targets:
    badge_awards: int
    cert_rows: int
    signed_share: float  # share of OB2 assertions issued as signed JWS
    bad_signatures: int
    problem_scale: int  # multiplier of the planted problem records


TARGETS = {
    "demo": Targets(
        badge_awards=25_000, cert_rows=4_600, signed_share=0.01, bad_signatures=3, problem_scale=1
    ),
    "national": Targets(
        badge_awards=1_700_000, cert_rows=300_000, signed_share=0.002, bad_signatures=20, problem_scale=10
    ),
}


def tuples(df: pd.DataFrame) -> Iterator[Any]:
    """df.itertuples(), typed loosely: the columns are known by name, not by the type checker."""
    # Object columns first: iterating Arrow-backed string columns costs ~40 us per cell.
    return iter(df.astype(object).itertuples())


def months() -> list[pd.Period]:
    return list(pd.period_range(LAUNCH, END, freq="M"))


def _month_index(values: pd.Series, default: int) -> np.ndarray:
    """Months as year*12+month-1 from 'YYYY-MM', dates or periods; missing -> default."""
    out = np.full(len(values), default, dtype=np.int64)
    text = values.astype("string").str.slice(0, 7)
    ok = text.notna() & text.str.match(r"^\d{4}-\d{2}$").fillna(False)
    ts = text[ok].to_numpy(dtype=str)
    out[ok.to_numpy()] = np.array([int(t[:4]) * 12 + int(t[5:7]) - 1 for t in ts], dtype=np.int64)
    return out


def _period_index(p: pd.Period) -> int:
    return p.year * 12 + p.month - 1


def on_roster(people: pd.DataFrame, mi: int) -> np.ndarray:
    """Who (of prepare_people's frame) is on the roster in month index `mi`: joined, not left,
    and not in a roster gap."""
    first, last = people["_first"].to_numpy(), people["_last"].to_numpy()
    gs, ge = people["_gap_s"].to_numpy(), people["_gap_e"].to_numpy()
    return (first <= mi) & (last >= mi) & ~((gs >= 0) & (gs <= mi) & (ge >= mi))


def prepare_people(people: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The roster's people with the columns the badge draws need (engagement, route, months)."""
    required = ["email", "national_id", "agency_code", "tier", "personnel_type", "is_direct_it"]
    missing = [c for c in required + ["first_month", "last_month"] if c not in people.columns]
    if missing:
        raise ValueError(f"roster_people lacks columns {missing}")
    p = people.reset_index(drop=True).copy()
    if "ai_engagement" in p.columns:
        eng = pd.to_numeric(p["ai_engagement"], errors="coerce").fillna(0.3).clip(0, 1).to_numpy()
    else:
        eng = rng.beta(2.0, 4.0, len(p))  # roster without the latent: a plausible random draw
    p["_eng"] = eng
    p["_first"] = _month_index(p["first_month"], 0)
    p["_last"] = _month_index(p["last_month"], 10**6)
    # A roster gap (absent from gap_start to gap_end, back later): no badge is drawn in those
    # months. Optional columns: a roster without them has no gaps.
    for col, name in (("_gap_s", "gap_start"), ("_gap_e", "gap_end")):
        p[col] = _month_index(p[name], -1) if name in p.columns else -1
    direct = p["is_direct_it"].astype(str).str.lower().isin(["true", "1"]).to_numpy()
    p["_direct"] = direct
    tier = p["tier"].astype(str).to_numpy()
    route = np.where(
        np.isin(tier, ["middle", "senior"]), "role_policy", np.where(direct, "role_dev", "role_app")
    )
    p["_route"] = route
    return p


def _level_probs(k: int) -> np.ndarray:
    """(intro, advanced, practice) shares k months after launch: people climb the path."""
    practice = min(0.18, 0.015 * k)
    intro = max(0.38, 0.85 - 0.045 * k)
    return np.array([intro, 1 - intro - practice, practice])


def _route_modules() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """route -> (module codes, weights); mod1 (common foundation) is open to everyone."""
    paths = reference_table("learning_paths")
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for route in ("role_policy", "role_dev", "role_app"):
        rows = paths[paths["route"] == route]
        mods = ["mod1_learn_ai"] + [m for m in rows["module_code"].tolist() if m != "mod1_learn_ai"]
        opt = dict(zip(rows["module_code"], rows["optional"], strict=True))
        w = np.array([2.0 if m == "mod1_learn_ai" else (0.5 if opt.get(m) == "true" else 1.0) for m in mods])
        out[route] = (np.array(mods, dtype=object), w / w.sum())
    return out


def draw_badge_awards(people: pd.DataFrame, total: int, rng: np.random.Generator) -> pd.DataFrame:
    """One row per badge award: person row, badge_code, issuer, award timestamp (Asia/Taipei)."""
    catalog = reference_table("badge_catalog")
    code_of = {
        (m, lv): c
        for m, lv, c in zip(catalog["module_code"], catalog["level"], catalog["badge_code"], strict=True)
    }
    issuer_of = dict(zip(catalog["badge_code"], catalog["issuer_code"], strict=True))
    route_mods = _route_modules()
    mlist = months()
    eng = people["_eng"].to_numpy()
    direct = people["_direct"].to_numpy()
    basic = people["tier"].astype(str).to_numpy() == "basic"
    route = people["_route"].to_numpy()

    def eligible(m: pd.Period) -> np.ndarray:
        active = on_roster(people, _period_index(m))
        # Phase 1: basic-level direct IT staff only; phase 2: everyone.
        return active & basic & direct if m < WIDEN else active

    # Volume follows the month's weight times its eligible pool: the 2025 pilot pool is small
    # next to everyone in 2026 (nationally ~8k IT staff vs ~350k civil servants).
    pool = np.array([eligible(m).sum() for m in mlist], dtype=float)
    weights = np.array([MONTH_WEIGHT[str(m)] for m in mlist]) * pool
    counts = np.floor(total * weights / max(weights.sum(), 1.0) + 0.5).astype(int)
    codes = np.array(catalog["badge_code"].tolist(), dtype=object)
    code_idx = {c: i for i, c in enumerate(codes)}
    n_codes = len(codes)
    # (person, badge) pairs already awarded, as a bitmap over person * n_codes + badge index:
    # O(1) look-ups, so that two million awards stay cheap in time and memory.
    held = np.zeros(len(people) * n_codes, dtype=bool)
    frames = []
    for k, (m, n_m) in enumerate(zip(mlist, counts, strict=True)):
        idx = np.flatnonzero(eligible(m))
        if len(idx) == 0 or n_m == 0:
            continue
        w = (0.1 + eng[idx]) ** 2 * np.where(direct[idx], 2.0, 1.0)  # IT staff still keener
        w = w / w.sum()
        got = np.empty(0, dtype=np.int64)
        for _ in range(4):  # top up after dropping repeats of a badge a person already holds
            need = n_m - len(got)
            if need <= 0:
                break
            who = rng.choice(idx, size=int(need * 1.2) + 5, p=w)
            lv = rng.choice(np.array(["intro", "advanced", "practice"]), size=len(who), p=_level_probs(k))
            mods = np.empty(len(who), dtype=object)
            for r, (mcodes, mw) in route_mods.items():
                sel = route[who] == r
                mods[sel] = rng.choice(mcodes, size=int(sel.sum()), p=mw)
            badge = np.array(
                [code_idx[code_of[(mo, le)]] for mo, le in zip(mods, lv, strict=True)], dtype=np.int64
            )
            key = who.astype(np.int64) * n_codes + badge
            _, first_pos = np.unique(key, return_index=True)
            key = key[np.sort(first_pos)]  # first occurrence of each pair, in draw order
            key = key[~held[key]][:need]
            held[key] = True
            got = np.concatenate([got, key])
        start = pd.Timestamp(m.start_time)
        days = m.days_in_month
        day = rng.integers(0, days, len(got))
        # Office hours 08:30-18:00, working days preferred by re-drawing weekend days once.
        ts = start + pd.to_timedelta(day, unit="D")
        weekend = ts.day_of_week >= 5
        day = np.where(weekend, rng.integers(0, days, len(got)), day)
        secs = rng.integers(8 * 3600 + 1800, 18 * 3600, len(got))
        ts = start + pd.to_timedelta(day, unit="D") + pd.to_timedelta(secs, unit="s")
        frames.append(
            pd.DataFrame(
                {
                    "person": got // n_codes,
                    "badge_idx": got % n_codes,
                    "awarded_at": ts,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    # Ties (same second, same person) break on the badge's catalog position: a numeric sort.
    out = out.sort_values(["awarded_at", "person", "badge_idx"], kind="stable").reset_index(drop=True)
    out["badge_code"] = codes[out.pop("badge_idx").to_numpy()]
    out["issuer_code"] = out["badge_code"].map(issuer_of)
    return out


def draw_certifications(people: pd.DataFrame, total: int, rng: np.random.Generator) -> pd.DataFrame:
    """One row per WebHR 表51 registration: person row, cert_code, level, obtained and registered dates."""
    certs = reference_table("certifications")
    certs = certs[certs["status"].isin(["active", "pilot"])].reset_index(drop=True)
    # Popularity: entry-level and cloud-vendor fundamentals dominate; the 115 pilot is big in 2026.
    base = {
        "cert_gov_ai_core": 6.0, "cert_ipas_l1": 4.0, "cert_iii_genai": 3.0, "cert_ms_ai900": 3.0,
        "cert_tqc_genai": 2.0, "cert_tqc_ai": 1.5, "cert_aws_ai_pract": 1.5, "cert_iii_genai_office": 1.5,
        "cert_ipas_l2": 1.0, "cert_aia_literacy": 1.0,
    }  # fmt: skip
    codes = certs["cert_code"].to_numpy(dtype=object)
    cats = certs["category"].to_numpy(dtype=object)
    routes = certs["routes"].to_numpy(dtype=object)
    levels = certs["levels"].fillna("").to_numpy(dtype=object)
    avail = certs["available_from"].fillna("").to_numpy(dtype=object)
    mlist = months()
    weights = np.array([CERT_MONTH_WEIGHT[str(m)] for m in mlist])
    counts = np.floor(total * weights / weights.sum() + 0.5).astype(int)
    eng = people["_eng"].to_numpy()
    first = people["_first"].to_numpy()
    route = people["_route"].to_numpy()
    frames = []
    for m, n_m in zip(mlist, counts, strict=True):
        # Registered in a month on the roster; the exam itself may have been passed earlier
        # (even in a roster gap: real data the marts count like any other award).
        idx = np.flatnonzero(on_roster(people, _period_index(m)))
        if len(idx) == 0 or n_m == 0:
            continue
        w = (0.1 + eng[idx]) ** 2
        who = rng.choice(idx, size=n_m, p=w / w.sum())
        cert = np.empty(n_m, dtype=object)
        for r in ("role_policy", "role_dev", "role_app"):
            sel = route[who] == r
            cw = np.array(
                [
                    base.get(c, 0.6)
                    * (1.0 if r in rt or cat == "literacy" else 0.05)
                    * (2.0 if r == "role_dev" and cat == "project_tech" else 1.0)
                    * (0.0 if a and str(m.start_time.date()) < a else 1.0)
                    for c, cat, rt, a in zip(codes, cats, routes, avail, strict=True)
                ]
            )
            cert[sel] = rng.choice(codes, size=int(sel.sum()), p=cw / cw.sum())
        lvl = np.array([""] * n_m, dtype=object)
        for c, lv in zip(codes, levels, strict=True):
            if lv:
                sel = cert == c
                opts = np.array(lv.split("|"), dtype=object)
                lvl[sel] = rng.choice(opts, size=int(sel.sum()), p=_level_weights(len(opts)))
        start = pd.Timestamp(m.start_time)
        reg = start + pd.to_timedelta(rng.integers(0, m.days_in_month, n_m), unit="D")
        # Registered 0-18 months after passing, never before the person joined the roster.
        lag = rng.gamma(1.3, 90.0, n_m).astype(int)
        pilot = cert == "cert_gov_ai_core"
        lag = np.where(pilot, np.minimum(lag, (reg - pd.Timestamp("2026-01-05")).days.to_numpy()), lag)
        joined = np.array(
            [dt.date(int(v // 12), int(v % 12) + 1, 1) for v in np.maximum(first[who], 0)],
            dtype="datetime64[D]",
        )
        max_lag = (reg.to_numpy().astype("datetime64[D]") - joined).astype(int)
        lag = np.clip(np.minimum(lag, np.maximum(max_lag, 0)), 0, 540)
        obtained = reg - pd.to_timedelta(lag, unit="D")
        frames.append(
            pd.DataFrame(
                {"person": who, "cert_code": cert, "level": lvl, "obtained": obtained, "registered": reg}
            )
        )
    out = pd.concat(frames, ignore_index=True)
    # A person registers a certification (at a level) once.
    out = out.drop_duplicates(["person", "cert_code", "level"], keep="first")
    return out.sort_values(["registered", "person", "cert_code"], kind="stable").reset_index(drop=True)


def _level_weights(n: int) -> np.ndarray:
    w = np.array([0.6, 0.3, 0.1][:n]) if n <= 3 else np.ones(n)
    return w / w.sum()
