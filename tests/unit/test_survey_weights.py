"""Raking (etl/weights.py): convergence to the margins, trimming, Kish n_eff, dropped categories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl import weights
from etl.feeds.survey_derive import population_margins


def sample(n: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "gov": rng.choice(["central", "local"], size=n, p=[0.45, 0.55]),
            "rank": rng.choice(["elementary", "junior", "senior"], size=n, p=[0.3, 0.65, 0.05]),
        }
    )


def test_rake_reproduces_margins_to_1e6() -> None:
    s = sample()
    margins = {
        "gov": pd.Series({"central": 5565.0, "local": 2607.0}),
        "rank": pd.Series({"elementary": 1785.0, "junior": 5488.0, "senior": 655.0}),
    }
    res = weights.rake(s, margins)
    assert res.max_rel_gap < 1e-6
    got_gov = pd.Series(res.weights).groupby(s["gov"]).sum()
    assert got_gov["central"] == pytest.approx(5565, rel=1e-6) and got_gov["local"] == pytest.approx(
        2607, rel=1e-6
    )
    # rank margin (7928) is rescaled to the first margin's total (8172), proportions kept.
    got_rank = pd.Series(res.weights).groupby(s["rank"]).sum()
    assert got_rank["senior"] / got_rank.sum() == pytest.approx(655 / 7928, rel=1e-6)
    assert res.weights.sum() == pytest.approx(8172, rel=1e-9)


def test_kish_n_eff() -> None:
    assert weights.kish_n_eff(np.ones(10)) == pytest.approx(10)
    assert weights.kish_n_eff(np.array([1.0, 3.0])) == pytest.approx(16 / 10)
    s = sample()
    res = weights.rake(s, {"gov": pd.Series({"central": 900.0, "local": 100.0})})
    assert 0 < res.kish_n_eff < len(s)


def test_trimming_caps_extreme_weights() -> None:
    # 2 seniors must stand for 40 % of the population: untrimmed weights would be ~80x the mean.
    s = pd.DataFrame({"rank": ["senior"] * 2 + ["junior"] * 198, "gov": ["a", "b"] * 100})
    margins = {
        "rank": pd.Series({"senior": 400.0, "junior": 600.0}),
        "gov": pd.Series({"a": 500.0, "b": 500.0}),
    }
    res = weights.rake(s, margins)
    # The margins force 200 per senior (40x the mean): trimming fires every round, and since the
    # last step is a rake the margins win over the cap (documented rule).
    assert res.trimmed == 2
    assert res.weights.max() == pytest.approx(200, rel=1e-6)
    assert pd.Series(res.weights).groupby(s["rank"]).sum()["senior"] == pytest.approx(400, rel=1e-6)


def test_category_without_respondents_is_dropped_and_reported() -> None:
    s = sample()
    margins = {"rank": pd.Series({"elementary": 100.0, "junior": 300.0, "senior": 50.0, "chief": 50.0})}
    res = weights.rake(s, margins)
    assert res.dropped == ["rank=chief"]
    assert res.weights.sum() == pytest.approx(500, rel=1e-9)


def test_sample_category_without_population_fails() -> None:
    s = sample()
    with pytest.raises(ValueError, match="without a population count"):
        weights.rake(s, {"rank": pd.Series({"elementary": 1.0, "junior": 1.0})})


def test_population_margins_exclude_unknown_and_rescale() -> None:
    cells = pd.DataFrame(
        {
            "gov_level": ["central", "county", "central", "municipal"],
            "rank_class": ["junior", "unknown", "senior", "elementary"],
            "supervisor": ["non_supervisor", "non_supervisor", "supervisor", "non_supervisor"],
            "personnel_type": ["it_series", "contract", "unknown", "non_it_series"],
            "n": [60, 20, 10, 10],
        }
    )
    m = population_margins(cells)
    assert m["gov_level"].to_dict() == {"central": 70.0, "county": 20.0, "municipal": 10.0}
    # rank_class: 20 unknown excluded, the 80 known rescaled to 100.
    assert m["rank_class"].to_dict() == pytest.approx({"elementary": 12.5, "junior": 75.0, "senior": 12.5})
    assert m["personnel_type"].sum() == pytest.approx(100)
    assert "unknown" not in m["personnel_type"]
