"""Self-assessment generator: ~55 % response of the direct-IT roster, value ranges, panel
structure and engagement-driven gains, read back from the exported files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl.synth import SynthContext, roster, selfassessment

WAVES_DIR: list[Path] = []  # where the module fixture wrote its files


@pytest.fixture(scope="module")
def waves(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    out = tmp_path_factory.mktemp("sa-demo")
    WAVES_DIR[:] = [out]
    ctx = SynthContext(profile="demo", seed=2025, out=out)
    roster.generate(ctx)
    entries = selfassessment.generate(ctx)
    assert [e.path for e in entries] == [
        "selfassessment/ai_selfassessment_2025-10.csv",
        "selfassessment/ai_selfassessment_2026-06.csv",
    ]
    frames = {}
    for e in entries:
        raw = (out / e.path).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        frames[e.path[-11:-4]] = pd.read_csv(
            out / e.path, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        assert e.rows == len(frames[e.path[-11:-4]])
    return frames, ctx.shared["roster_people"]


def _active(people: pd.DataFrame, month: str) -> pd.Series:
    m = pd.Timestamp(month)
    gap = people["gap_start"].notna() & (people["gap_start"] <= m) & (people["gap_end"] >= m)
    return (people["first_month"] <= m) & (people["last_month"].isna() | (people["last_month"] >= m)) & ~gap


def test_response_is_about_55_percent_of_the_direct_it_roster(
    waves: tuple[dict[str, pd.DataFrame], pd.DataFrame],
) -> None:
    frames, people = waves
    for wave, df in frames.items():
        active = people[_active(people, wave + "-01") & people["is_direct_it"]]
        emails = set(df["電子郵件"].str.lower())
        matched = active["email"].isin(emails).sum()
        rate = len(set(df["電子郵件"].str.lower())) / len(active)
        assert 0.53 < rate < 0.57, rate
        # Almost every respondent is on the roster that month; a few typed an unknown address.
        assert 0.97 < matched / len(emails) < 1.0
        ts = pd.to_datetime(df["填答時間"])
        assert (ts.dt.strftime("%Y-%m") == wave).all()


def test_values_are_1_to_5_except_a_few_injected_errors(
    waves: tuple[dict[str, pd.DataFrame], pd.DataFrame],
) -> None:
    frames, _ = waves
    for df in frames.values():
        values = df.iloc[:, 4:]
        assert values.shape[1] == 14 * 2 + 5
        flat = values.to_numpy().ravel()
        ok = np.isin(flat, ["1", "2", "3", "4", "5", ""])
        assert 0 < (~ok).sum() <= len(df) // 1000 + 1
        assert set(flat[~ok]) <= {"0", "6", "7"}
        assert 0.005 < (flat == "").mean() < 0.02
        assert df["電子郵件"].str.lower().duplicated().sum() >= 1  # resubmissions for the ETL to catch


def test_engaged_people_gain_more_between_waves(waves: tuple[dict[str, pd.DataFrame], pd.DataFrame]) -> None:
    frames, people = waves
    prof_cols = [c for c in frames["2025-10"].columns if c.endswith("（熟練度）")]
    assert len(prof_cols) == 14

    def mean_prof(df: pd.DataFrame) -> pd.Series:
        df = df.drop_duplicates("電子郵件")
        vals = df[prof_cols].apply(pd.to_numeric, errors="coerce").where(lambda v: (v >= 1) & (v <= 5))
        return pd.Series(vals.mean(axis=1).to_numpy(), index=df["電子郵件"].str.lower())

    a, b = mean_prof(frames["2025-10"]), mean_prof(frames["2026-06"])
    panel = a.index.intersection(b.index)
    assert len(panel) > 1500  # both waves answered by the same people often enough for a panel
    gain = (b[panel] - a[panel]).rename("gain")
    eng = people.set_index("email")["ai_engagement"].reindex(panel)
    top, bottom = gain[eng >= eng.quantile(0.75)].mean(), gain[eng <= eng.quantile(0.25)].mean()
    assert top > bottom + 0.3, (top, bottom)
    assert 0 < gain.mean() < 1


def test_group_relations(waves: tuple[dict[str, pd.DataFrame], pd.DataFrame]) -> None:
    frames, people = waves
    df = frames["2025-10"].drop_duplicates("電子郵件")
    df = df.assign(email=df["電子郵件"].str.lower()).merge(people, on="email")
    num = df.filter(like="（").apply(pd.to_numeric, errors="coerce").where(lambda v: (v >= 1) & (v <= 5))
    imp = num[[c for c in num.columns if c.endswith("（重要性）")]].mean(axis=1)
    prof = num[[c for c in num.columns if c.endswith("（熟練度）")]].mean(axis=1)
    assert imp.mean() > prof.mean() + 0.5  # a training gap overall
    tech = num[[f"{n}（熟練度）" for n in ("資料科學", "AI/ML應用開發", "高性能計算")]].mean(axis=1)
    it = df["personnel_type"] == "it_series"
    assert tech[it].mean() > tech[~it].mean() + 0.2
    lead = num["數位領導力（重要性）"]
    assert lead[df["tier"].isin(["middle", "senior"])].mean() > lead[df["tier"] == "basic"].mean() + 0.3


def test_same_seed_same_bytes(
    waves: tuple[dict[str, pd.DataFrame], pd.DataFrame], tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = tmp_path_factory.mktemp("sa-det")
    ctx = SynthContext(profile="demo", seed=2025, out=out)
    roster.generate(ctx)
    selfassessment.generate(ctx)
    for wave, frame in waves[0].items():
        path = out / "selfassessment" / f"ai_selfassessment_{wave}.csv"
        again = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert again.equals(frame)
    digests = [
        {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((folder / "selfassessment").glob("*"))
        }
        for folder in (out, WAVES_DIR[0])
    ]
    assert len(digests[0]) == 2 and digests[0] == digests[1]
