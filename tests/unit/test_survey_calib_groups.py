"""etl.synth.survey_calib: the Table 26 work-group calibration (calibrate_groups, group_windows,
lengths_for_needs) on small synthetic problems."""

from __future__ import annotations

import numpy as np

from etl.synth.survey_calib import borda_total, calibrate_groups, group_windows, lengths_for_needs


def _valid(points: np.ndarray, k: int) -> bool:
    """Each row a top-L ranking: its non-zero points are k, k-1, ..., k-L+1."""
    for row in points:
        got = sorted(int(v) for v in row[row > 0])
        if got != list(range(k - len(got) + 1, k + 1)):
            return False
    return True


def _rankings(rng: np.random.Generator, n: int, m: int, k: int, bias: np.ndarray) -> np.ndarray:
    keys = np.log(bias) + rng.gumbel(size=(n, m))
    order = np.argsort(-keys, axis=1)
    pts = np.zeros((n, m), dtype=np.int64)
    for pos in range(k):
        pts[np.arange(n), order[:, pos]] = k - pos
    return pts


def test_calibrate_groups_meets_windows_and_keeps_strata_totals() -> None:
    rng = np.random.default_rng(5)
    n, m, k = 240, 4, 3
    strata = np.repeat(np.arange(3), n // 3)
    groups = rng.integers(-1, 3, size=n)  # -1 = unassigned
    # A feasible target: the group totals of the same answers dealt to other people of the stratum.
    pts = _rankings(rng, n, m, k, np.array([4.0, 2.0, 1.0, 0.5]))
    dealt = pts.copy()
    for s in range(3):
        rows = np.nonzero(strata == s)[0]
        dealt[rows] = pts[rng.permutation(rows)]
    target = np.zeros((3, m), dtype=np.int64)
    for g in range(3):
        target[g] = dealt[groups == g].sum(axis=0)
    start = np.zeros_like(target)
    for g in range(3):
        start[g] = pts[groups == g].sum(axis=0)
    assert np.abs(start - target).sum() > 0
    out, left = calibrate_groups(pts, groups, strata, target - 1, target + 1, k, rng)
    assert left == 0
    assert _valid(out, k)
    for s in range(3):
        assert (out[strata == s].sum(axis=0) == pts[strata == s].sum(axis=0)).all()
    for g in range(3):
        got = out[groups == g].sum(axis=0)
        assert ((got >= target[g] - 1) & (got <= target[g] + 1)).all()


def test_free_rows_reach_totals_no_exchange_could() -> None:
    rng = np.random.default_rng(9)
    n, m, k = 30, 4, 3
    pts = _rankings(rng, n, m, k, np.ones(m))
    groups = np.zeros(n, dtype=np.int64)
    strata = np.full(n, -1)  # nothing fixes these answers
    # Item 3 first for everyone, and fewer points overall (blank ranks): only free steps get there.
    lo = np.array([[0, 0, 0, 3 * n]])
    hi = np.array([[n, n, n, 3 * n]])
    out, left = calibrate_groups(pts, groups, strata, lo, hi, k, rng)
    assert left == 0 and _valid(out, k)
    assert (out[:, 3] == 3).all()


def test_group_windows_listed_unlisted_nearest_and_relaxed() -> None:
    codes = ["a", "b", "c", "d"]
    lo, hi = group_windows({"a": 2.72, "b": 1.75}, codes, 380)
    assert (lo[0], hi[0]) == (1032, 1035)  # 2.715 <= t/380 <= 2.725
    assert (lo[1], hi[1]) == (664, 666)
    # Unlisted: below 1.745, so they print at most 1.74.
    assert lo[2] == 0 and hi[2] == 663 and round(663 / 380, 2) <= 1.74
    # 1.81 with N = 66: no integer fits, the nearest (119 = 1.803) is taken.
    lo, hi = group_windows({"a": 2.67, "b": 1.81, "c": 1.06}, codes, 66)
    assert (lo[1], hi[1]) == (119, 119)
    # Relaxed upwards, but never up to the item listed above it.
    lo, hi = group_windows({"a": 2.0, "b": 1.9}, codes, 10, relax={"b": 0.5})
    assert hi[1] == lo[0] - 1 == 19
    lo, hi = group_windows({"a": 2.0, "b": 1.0}, codes, 10, relax={"b": 0.3})
    assert hi[1] == 10 + 3


def test_lengths_for_needs_puts_blanks_on_needy_rows() -> None:
    rng = np.random.default_rng(3)
    n, k = 50, 5
    need = np.zeros(n)
    need[:10] = 3.0  # these rows' group sums to 3 points under a full ranking
    deficit = 40
    lengths = lengths_for_needs(n, k, deficit, need, rng)
    lost = sum(borda_total(k, k) - borda_total(k, int(j)) for j in lengths)
    assert lost == deficit
    assert (lengths[:10] < k).all()
    assert np.mean(k - lengths[:10]) > np.mean(k - lengths[10:])
