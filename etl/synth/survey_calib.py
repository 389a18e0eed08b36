"""Calibration helpers for the survey generator: integer point totals that round to the published
scores, and top-k rankings whose Borda point totals hit those integers exactly."""

from __future__ import annotations

import itertools
import math

import numpy as np

TOL = 0.005 + 1e-9  # published scores have two decimals; the float slack covers x.xx5 ties


def borda_total(k: int, length: int) -> int:
    """Points a respondent gives away when ranking `length` items of a top-k question."""
    return sum(k + 1 - r for r in range(1, length + 1))


def choose_level_totals(
    level_n: list[int], level_scores: list[list[float]], national: list[float], k: int
) -> list[list[int]]:
    """Integer point totals per level and item: |t/N_l - s_l| <= 0.005 and national within 0.005.

    level_scores[l][i] is the published score of item i at level l. The column sum per level may
    not exceed N_l * k(k+1)/2 (nobody gives more points than a full ranking). Small N forces the
    exact multiples of 1/N (municipal seniors, N = 8).
    """
    n_items = len(national)
    n_total = sum(level_n)
    per_item: list[list[tuple[float, tuple[int, ...]]]] = []
    for i in range(n_items):
        cands = []
        for lvl, n in enumerate(level_n):
            s = level_scores[lvl][i]
            lo, hi = math.ceil((s - TOL) * n), math.floor((s + TOL) * n)
            cands.append([t for t in range(lo, hi + 1) if t >= 0])
        combos = []
        for combo in itertools.product(*cands):
            nat = sum(combo) / n_total
            if abs(nat - national[i]) <= TOL:
                cost = sum(
                    abs(t / n - level_scores[lvl][i])
                    for lvl, (t, n) in enumerate(zip(combo, level_n, strict=True))
                )
                combos.append((cost + abs(nat - national[i]), combo))
        if not combos:
            raise ValueError(f"no integer totals fit item {i}: levels {level_scores}, national {national[i]}")
        combos.sort()
        per_item.append(combos)
    choice = [0] * n_items
    cap = [n * borda_total(k, k) for n in level_n]
    for _ in range(10_000):
        totals = [per_item[i][choice[i]][1] for i in range(n_items)]
        over = [lvl for lvl in range(len(level_n)) if sum(t[lvl] for t in totals) > cap[lvl]]
        if not over:
            return [[totals[i][lvl] for i in range(n_items)] for lvl in range(len(level_n))]
        lvl = over[0]
        # Move the item whose next combination lowers this level's total at the least cost.
        best: tuple[float, int, int] | None = None
        for i in range(n_items):
            for j in range(choice[i] + 1, len(per_item[i])):
                if per_item[i][j][1][lvl] < totals[i][lvl]:
                    extra = per_item[i][j][0] - per_item[i][choice[i]][0]
                    if best is None or extra < best[0]:
                        best = (extra, i, j)
                    break
        if best is None:
            raise ValueError("column sums cannot be met")
        choice[best[1]] = best[2]
    raise ValueError("column sums did not converge")


def lengths_for_deficit(n: int, k: int, deficit: int, rng: np.random.Generator) -> np.ndarray:
    """How many items each of n respondents ranks so that the points lost to incomplete rankings
    equal `deficit` (ranking k-1 items loses 1 point, k-2 loses 3, ...)."""
    lengths = np.full(n, k, dtype=np.int64)
    remaining = deficit
    order = rng.permutation(n)
    idx = 0
    while remaining > 0:
        if idx >= n:
            raise ValueError(f"deficit {deficit} too large for n={n}, k={k}")
        r = order[idx]
        # Mostly one rank left blank; occasionally two, when the deficit is large.
        drop = 2 if remaining >= 3 and remaining > (n - idx) else 1
        lengths[r] = k - drop
        remaining -= borda_total(k, k) - borda_total(k, k - drop)
        idx += 1
    if remaining < 0:
        # A two-rank drop overshot by two points at most: give back one blank rank.
        r = order[idx - 1]
        lengths[r] = k - 1
        remaining += 2
        if remaining != 0:
            raise ValueError("deficit bookkeeping failed")
    return lengths


def plackett_luce(weights: np.ndarray, lengths: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Sample top-`length` rankings; returns points (k+1-rank, 0 unranked), shape (n, m).

    weights has shape (n, m) (one row per respondent) and must be positive."""
    n, m = weights.shape
    # Gumbel trick: sorting log-weights + Gumbel noise samples a Plackett-Luce order.
    keys = np.log(weights) + rng.gumbel(size=(n, m))
    order = np.argsort(-keys, axis=1, kind="stable")
    points = np.zeros((n, m), dtype=np.int64)
    for pos in range(min(k, m)):
        sel = lengths > pos
        points[np.nonzero(sel)[0], order[sel, pos]] = k - pos
    return points


def repair_to_totals(
    points: np.ndarray,
    targets: np.ndarray,
    rng: np.random.Generator,
    best_effort: bool = False,
    tolerance: int = 0,
) -> np.ndarray:
    """Swap ranks inside single respondents until the item totals equal `targets` exactly.

    Each swap moves d points from an item with a surplus to one with a deficit, so every
    respondent keeps a valid ranking (the same set of ranks). Raises when it gets stuck, unless
    best_effort, which returns the closest state reached. With a tolerance, it stops once every
    item is within that many points of its target (fewer swaps keep the sampled shape)."""
    pts = points.copy()
    diff = pts.sum(axis=0) - targets
    if diff.sum() != 0 and not best_effort:
        raise ValueError(f"point totals differ: ranked {pts.sum()} vs target {targets.sum()}")
    guard = 0
    while np.any(np.abs(diff) > tolerance):
        guard += 1
        if guard > 200_000:
            raise RuntimeError("repair did not converge")
        over = diff > tolerance
        under = diff < -tolerance
        surplus = [int(a) for a in np.argsort(-diff) if diff[a] > 0 and (over[a] or not over.any())]
        deficit = [int(b) for b in np.argsort(diff) if diff[b] < 0 and (under[b] or not under.any())]
        moved = False
        for a in surplus:
            for b in deficit:
                cap = min(diff[a], -diff[b])
                d = pts[:, a] - pts[:, b]
                ok = np.nonzero((d >= 1) & (d <= cap))[0]
                if ok.size:
                    # Prefer reordering two items a respondent already ranked over swapping a
                    # ranked item for an unranked one: the set of chosen items (what separates
                    # work groups) then stays as sampled.
                    both = ok[pts[ok, b] > 0]
                    if both.size:
                        ok = both
                    best = d[ok].max()
                    pick = ok[d[ok] == best]
                    r = int(pick[rng.integers(pick.size)])
                    pts[r, a], pts[r, b] = pts[r, b], pts[r, a]
                    diff[a] -= best
                    diff[b] += best
                    moved = True
                    break
            if moved:
                break
        if not moved:
            if best_effort:
                return pts
            raise RuntimeError("repair stuck")
    return pts


def exact_rankings(
    weights: np.ndarray,
    targets: np.ndarray,
    lengths: np.ndarray,
    k: int,
    rng: np.random.Generator,
    attempts: int = 50,
) -> np.ndarray:
    """Rankings drawn from Plackett-Luce(weights), then repaired to the exact item totals."""
    last: Exception | None = None
    for _ in range(attempts):
        pts = plackett_luce(weights, lengths, k, rng)
        try:
            return repair_to_totals(pts, targets, rng)
        except RuntimeError as exc:
            last = exc
            rng.shuffle(lengths)
    raise RuntimeError(f"could not reach the targets after {attempts} attempts: {last}")


def points_to_ranks(points: np.ndarray, k: int) -> np.ndarray:
    """Points back to ranks (0 = unranked)."""
    return np.where(points > 0, k + 1 - points, 0)
