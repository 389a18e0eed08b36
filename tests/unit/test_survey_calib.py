"""Generator calibration helpers: integer totals within the published tolerance, exact rankings."""

from __future__ import annotations

import numpy as np
import pytest

from etl.synth.survey_calib import (
    borda_total,
    choose_level_totals,
    exact_rankings,
    lengths_for_deficit,
    points_to_ranks,
    repair_to_totals,
)


def test_borda_totals() -> None:
    assert [borda_total(3, j) for j in range(4)] == [0, 3, 5, 6]
    assert borda_total(5, 5) == 15 and borda_total(10, 10) == 55


def test_choose_level_totals_municipal_seniors_exact_eighths() -> None:
    # Tables 19-22 senior common: municipal N=8 forces multiples of 1/8 (13/8 = 1.625 -> 1.63).
    level_n = [67, 8, 14]
    level = [[1.06, 1.49, 2.21, 1.12], [1.63, 1.88, 1.63, 0.88], [1.79, 1.64, 1.36, 1.21]]
    national = [1.22, 1.55, 2.02, 1.11]
    totals = choose_level_totals(level_n, level, national, k=3)
    for lvl, n in enumerate(level_n):
        for i, t in enumerate(totals[lvl]):
            assert abs(t / n - level[lvl][i]) <= 0.005 + 1e-9
    assert totals[1] == [13, 15, 13, 7]
    for i in range(4):
        assert abs(sum(totals[lvl][i] for lvl in range(3)) / 89 - national[i]) <= 0.005 + 1e-9
    for lvl, n in enumerate(level_n):
        assert sum(totals[lvl]) <= n * 6


def test_choose_level_totals_rejects_impossible() -> None:
    with pytest.raises(ValueError):
        choose_level_totals([8], [[1.30]], [1.30], k=3)  # no multiple of 1/8 within 0.005 of 1.30


def test_lengths_for_deficit() -> None:
    rng = np.random.default_rng(0)
    lengths = lengths_for_deficit(100, 5, 57, rng)
    lost = sum(borda_total(5, 5) - borda_total(5, int(j)) for j in lengths)
    assert lost == 57 and lengths.min() >= 3


def test_exact_rankings_hit_targets_and_stay_valid() -> None:
    rng = np.random.default_rng(3)
    n, m, k = 209, 8, 5
    targets = np.array([405, 633, 385, 458, 167, 458, 416, 98])  # ~ Table 19 middle management x 209
    deficit = n * borda_total(k, k) - int(targets.sum())
    lengths = lengths_for_deficit(n, k, deficit, rng)
    pts = exact_rankings(np.ones((n, m)) * np.maximum(targets, 1), targets, lengths, k, rng)
    assert pts.sum(axis=0).tolist() == targets.tolist()
    ranks = points_to_ranks(pts, k)
    for row in ranks:
        used = sorted(int(r) for r in row if r > 0)
        assert used == list(range(1, len(used) + 1))  # contiguous ranks 1..j, no duplicates


def test_repair_refuses_inconsistent_totals() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        repair_to_totals(np.array([[3, 2, 1, 0]]), np.array([3, 3, 1, 0]), rng)
