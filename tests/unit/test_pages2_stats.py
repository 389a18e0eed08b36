"""Hand-computed examples for dashboard.stats (Borich MWDS, Kaplan–Meier, intervals)."""

from __future__ import annotations

import math

import pytest

from dashboard import stats


def test_borich_mwds_hand_example() -> None:
    # I = 5,4,3; P = 3,4,1 -> discrepancies 2,0,2; mean importance 4;
    # MWDS = (2*4 + 0*4 + 2*4) / 3 = 16/3.
    assert stats.borich_mwds([5, 4, 3], [3, 4, 1]) == pytest.approx(16 / 3)


def test_borich_drops_incomplete_pairs_and_matches_sums() -> None:
    imp = [5, 4, float("nan"), 2]
    prof = [1, 4, 3, 3]
    # kept pairs (5,1),(4,4),(2,3): mean I = 11/3; discrepancies 4,0,-1 -> sum 3; MWDS = 11/3*3/3
    assert stats.borich_mwds(imp, prof) == pytest.approx(11 / 3)
    assert stats.borich_from_sums(3, 11, 8) == pytest.approx(11 / 3)
    assert math.isnan(stats.borich_mwds([], []))


def test_borich_negative_when_proficiency_exceeds_importance() -> None:
    assert stats.borich_mwds([2, 2], [4, 3]) == pytest.approx(2 * (-1.5))


def test_kaplan_meier_hand_example() -> None:
    # t:     1 2 2 3 4 4 5
    # event: 1 1 0 1 0 1 0
    km = stats.kaplan_meier([1, 2, 2, 3, 4, 4, 5], [True, True, False, True, False, True, False])
    assert km["t"].tolist() == [1, 2, 3, 4, 5]
    assert km["n_at_risk"].tolist() == [7, 6, 4, 3, 1]
    expected = [6 / 7, 5 / 7, 15 / 28, 10 / 28, 10 / 28]
    assert km["survival"].tolist() == pytest.approx(expected)
    assert km["cum_share"].tolist() == pytest.approx([1 - s for s in expected])
    # Greenwood at t=1: Var = S^2 * 1/(7*6); the log-log interval brackets S.
    row = km.iloc[0]
    assert row["surv_low"] < row["survival"] < row["surv_high"]
    assert 0 <= row["surv_low"] and row["surv_high"] <= 1


def test_kaplan_meier_counts_equals_individual() -> None:
    a = stats.kaplan_meier([3, 3, 3, 6, 6], [True, False, True, True, False])
    b = stats.kaplan_meier_counts([3, 6], [2, 1], [1, 1])
    assert a["survival"].tolist() == pytest.approx(b["survival"].tolist())
    # t=3: 5 at risk, 2 events -> 3/5; t=6: 2 at risk, 1 event -> 3/10
    assert b["survival"].tolist() == pytest.approx([0.6, 0.3])


def test_kaplan_meier_no_events_stays_one() -> None:
    km = stats.kaplan_meier([1, 2, 3], [False, False, False])
    assert km["survival"].tolist() == [1.0, 1.0, 1.0]


def test_wilson_interval_known_values() -> None:
    # Wilson 95% for 8/10: (0.4902, 0.9433) (Newcombe 1998, Table I style values)
    low, high = stats.wilson_interval(0.8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    low0, high0 = stats.wilson_interval(0.0, 10)
    assert low0 == 0.0 and high0 == pytest.approx(0.2775, abs=1e-4)


def test_newcombe_difference_brackets_and_known_value() -> None:
    # Newcombe (1998) example: 56/70 vs 48/80 -> diff 0.2, interval (0.0524, 0.3339)
    low, high = stats.newcombe_diff_interval(48 / 80, 80, 56 / 70, 70)
    assert low == pytest.approx(0.0524, abs=1e-3)
    assert high == pytest.approx(0.3339, abs=1e-3)


def test_kish_and_sd_and_mean_interval() -> None:
    assert stats.kish_n_eff(4.0, 4.0) == 4.0
    assert stats.kish_n_eff(3.0, 5.0) == pytest.approx(1.8)  # weights 1,2
    assert stats.sd_from_sums(3, 6, 14) == pytest.approx(1.0)  # values 1,2,3
    low, high = stats.mean_interval(2.0, 1.0, 100)
    assert (low, high) == pytest.approx((2 - 0.196, 2 + 0.196), abs=1e-3)
    d_low, d_high = stats.welch_diff_interval(1.0, 1.0, 100, 1.5, 1.0, 100)
    assert d_low == pytest.approx(0.5 - 1.96 * math.sqrt(0.02), abs=1e-3)
    assert d_high > 0.5


def test_competition_rank_ties() -> None:
    assert stats.competition_rank([0.5, 0.9, 0.5, 0.1]) == [2, 1, 2, 4]
