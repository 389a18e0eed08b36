"""Synthetic AI self-assessment exports of the training platform (waves 2025-10 and 2026-06):
importance and proficiency 1-5 for the 14 AI competencies and agreement with the five attitudes,
keyed by work e-mail, drawn from the roster. See docs/formats/selfassessment.md."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl.context import reference_table
from etl.synth import ManifestEntry, SynthContext

WAVES = (("2025-10", pd.Timestamp("2025-10-01")), ("2026-06", pd.Timestamp("2026-06-01")))
DIRECT_IT_RESPONSE = 0.55
NATIONAL_TARGET_PER_WAVE = 120_000  # national profile: the platform is open to all civil servants
ASPECTS = {"importance": "重要性", "proficiency": "熟練度"}
ATTITUDE_ASPECT = "認同度"


def competency_list(framework: str) -> pd.DataFrame:
    """The framework's competencies in catalog order, one row per code (first spelling wins)."""
    comp = reference_table("competencies")
    return comp[comp["framework"] == framework].drop_duplicates("code").reset_index(drop=True)


def export_columns() -> list[str]:
    comps = competency_list("ai_framework")
    atts = competency_list("ai_attitude")
    cols = ["填答編號", "填答時間", "電子郵件", "服務機關代碼"]
    for name in comps["name_zh"]:
        cols += [f"{name}（{ASPECTS['importance']}）", f"{name}（{ASPECTS['proficiency']}）"]
    cols += [f"{name}（{ATTITUDE_ASPECT}）" for name in atts["name_zh"]]
    return cols


def _active(people: pd.DataFrame, month: pd.Timestamp) -> np.ndarray:
    first, last = people["first_month"], people["last_month"]
    gap = people["gap_start"].notna() & (people["gap_start"] <= month) & (people["gap_end"] >= month)
    return ((first <= month) & (last.isna() | (last >= month)) & ~gap).to_numpy()


def _pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    keys = rng.random(len(weights)) ** (1.0 / weights)
    return np.sort(np.argsort(-keys, kind="stable")[:k])


def _effects(comps: pd.DataFrame, people: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Group shifts (people x competencies) of importance and proficiency: seniors and middle
    managers value the management competencies more; IT-series staff are more proficient in the
    technical ones; contract staff a little less; everyone rates importance above proficiency."""
    cat = comps["category"].to_numpy()
    tier = people["tier"].to_numpy()[:, None]
    ptype = people["personnel_type"].to_numpy()[:, None]
    mgmt, tech = (cat == "management")[None, :], (cat == "technical")[None, :]
    hpc_ml = comps["code"].isin(["ai_hpc", "ai_ml_dev"]).to_numpy()[None, :]
    imp = (
        3.55
        + 0.55 * mgmt * np.isin(tier, ["middle", "senior"])
        + 0.30 * tech * (tier == "basic")
        - 0.35 * hpc_ml
    )
    prof = (
        2.55
        + 0.45 * tech * (ptype == "it_series")
        + 0.15 * tech * (ptype == "non_it_series")
        - 0.15 * (ptype == "contract")
        - 0.30 * (ptype == "general")
        + 0.35 * mgmt * (tier == "senior")
        - 0.45 * hpc_ml
    )
    return imp, prof


def _scores(latent: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    return np.clip(np.rint(latent + rng.normal(0, noise, latent.shape)), 1, 5).astype(int)


def generate(ctx: SynthContext) -> list[ManifestEntry]:
    """Write OUT/selfassessment/ai_selfassessment_<wave>.csv (UTF-8 with BOM) for both waves."""
    people: pd.DataFrame = ctx.shared["roster_people"]
    rng = ctx.rng("selfassessment")
    comps = competency_list("ai_framework")
    atts = competency_list("ai_attitude")
    n, k, a = len(people), len(comps), len(atts)
    eng = people["ai_engagement"].to_numpy(dtype=float)
    # Stable person traits so that the two waves are a panel: a person-level offset per
    # competency and per attitude, drawn once.
    person_c = rng.normal(0, 0.45, (n, k))
    person_a = rng.normal(0, 0.45, (n, a))
    imp_shift, prof_shift = _effects(comps, people)
    entries: list[ManifestEntry] = []
    for w, (wave, month) in enumerate(WAVES):
        wrng = ctx.rng(f"selfassessment-{wave}")
        act = _active(people, month)
        it = act & people["is_direct_it"].to_numpy()
        gen = act & ~people["is_direct_it"].to_numpy()
        chosen = [np.flatnonzero(it)[_pick(wrng, 0.4 + eng[it], round(DIRECT_IT_RESPONSE * it.sum()))]]
        if ctx.profile == "national" and gen.any():
            k_gen = max(0, min(int(gen.sum()), NATIONAL_TARGET_PER_WAVE - len(chosen[0])))
            chosen.append(np.flatnonzero(gen)[_pick(wrng, 0.4 + eng[gen], k_gen)])
        idx = np.sort(np.concatenate(chosen))
        e = eng[idx][:, None]
        # Proficiency rises with engagement; between waves everyone gains a little and the
        # engaged (who are also the ones who earn badges) gain much more: gain = 0.05 + 1.1 e^2.
        gain = (0.05 + 1.1 * e**2) * w
        imp = _scores(imp_shift[idx] + 0.7 * (e - 0.45) + 0.5 * person_c[idx], wrng, 0.75)
        prof = _scores(prof_shift[idx] + 1.3 * (e - 0.45) + person_c[idx] + gain, wrng, 0.65)
        att = _scores(3.35 + 1.6 * (e - 0.45) + person_a[idx] + 0.4 * gain[:, :1], wrng, 0.7)
        frame = _frame(ctx, wrng, people.iloc[idx], wave, month, imp, prof, att)
        rel = f"selfassessment/ai_selfassessment_{wave}.csv"
        path = ctx.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
        ts = pd.to_datetime(frame["填答時間"])
        entries.append(
            ManifestEntry(
                "selfassessment",
                rel,
                len(frame),
                f"{ts.min():%Y-%m-%d}",
                f"{ts.max():%Y-%m-%d}",
                "csv-utf8-bom",
            )
        )
    return entries


def _frame(
    ctx: SynthContext,
    rng: np.random.Generator,
    resp: pd.DataFrame,
    wave: str,
    month: pd.Timestamp,
    imp: np.ndarray,
    prof: np.ndarray,
    att: np.ndarray,
) -> pd.DataFrame:
    n = len(resp)
    cols = export_columns()
    seconds = np.sort(rng.integers(0, 27 * 86400, n))  # the platform keeps the form open ~4 weeks
    stamps = month + pd.to_timedelta(seconds + 8 * 3600, unit="s")
    emails = resp["email"].to_numpy(dtype=object).copy()
    # Some people type their address in capitals; a few give an address no roster knows.
    upper = rng.random(n) < 0.02
    emails[upper] = [str(x).upper() for x in emails[upper]]
    foreign = rng.random(n) < 0.008
    emails[foreign] = [f"user{int(i)}@example.com" for i in rng.integers(10_000, 99_999, foreign.sum())]
    data: dict[str, object] = {
        "填答編號": [f"SA{wave.replace('-', '')}-{i + 1:06d}" for i in range(n)],
        "填答時間": stamps.strftime("%Y-%m-%d %H:%M:%S"),
        "電子郵件": emails,
        "服務機關代碼": resp["agency_code"].to_numpy(),
    }
    values = np.empty((n, 2 * imp.shape[1] + att.shape[1]), dtype=object)
    k = imp.shape[1]
    values[:, 0 : 2 * k : 2] = imp.astype(str)
    values[:, 1 : 2 * k : 2] = prof.astype(str)
    values[:, 2 * k :] = att.astype(str)
    # Skipped items stay blank (about 1 % of cells).
    values[rng.random(values.shape) < 0.01] = ""
    frame = pd.DataFrame(data)
    frame = pd.concat([frame, pd.DataFrame(values, columns=cols[4:])], axis=1)
    # Dirt the ETL must catch: a few values outside 1..5 and a few resubmissions.
    n_bad = max(1, n // 1000)
    bad_rows = rng.choice(n, n_bad, replace=False)
    bad_cols = rng.integers(4, len(cols), n_bad)
    for r, c in zip(bad_rows, bad_cols, strict=True):
        frame.iat[int(r), int(c)] = str(rng.choice(["0", "6", "7"]))
    n_dup = max(1, n // 1500)
    dups = frame.iloc[np.sort(rng.choice(n, n_dup, replace=False))].copy()
    dups["填答時間"] = (pd.to_datetime(dups["填答時間"]) + pd.Timedelta(hours=2)).dt.strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    dups["填答編號"] = [f"SA{wave.replace('-', '')}-{n + i + 1:06d}" for i in range(n_dup)]
    return pd.concat([frame, dups], ignore_index=True)
