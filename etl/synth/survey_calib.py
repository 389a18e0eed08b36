"""Calibration helpers for the survey generator: integer point totals that round to the published
scores, and top-k rankings whose Borda point totals hit those integers exactly."""

from __future__ import annotations

import itertools
import math
from typing import Any

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


def _violation(totals: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Points each (group, item) total lies outside its window [lo, hi] (0 inside)."""
    return np.maximum(totals - hi, 0) + np.maximum(lo - totals, 0)


def _row_variants(row: np.ndarray, k: int) -> np.ndarray:
    """Every ranking one step from `row` (points, 0 = unranked): two items exchanged, the last
    rank left blank, or one more item ranked. Shape (v, m)."""
    m = row.size
    out = []
    for a in range(m):
        for b in range(a + 1, m):
            if row[a] != row[b]:
                v = row.copy()
                v[a], v[b] = row[b], row[a]
                out.append(v)
    ranked = int((row > 0).sum())
    if ranked > 1:
        v = row.copy()
        v[int(np.argmin(np.where(row > 0, row, k + 1)))] = 0
        out.append(v)
    if ranked < min(k, m):
        for j in np.nonzero(row == 0)[0]:
            v = row.copy()
            v[j] = k - ranked
            out.append(v)
    return np.array(out, dtype=np.int64).reshape(-1, m)


def calibrate_groups(
    points: np.ndarray,
    groups: np.ndarray,
    strata: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    k: int,
    rng: np.random.Generator,
    max_steps: int = 20_000,
    patience: int = 2_000,
    soft: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, int]:
    """Move group point totals into their windows without changing any stratum's item totals.

    points: (n, m) Borda points, one valid ranking per row. groups[r] in 0..G-1, or -1 for a row
    without a target (unassigned respondents). strata[r] >= 0: the row's stratum (the tier ×
    level cell whose item totals Tables 19-22 fix), or -1 for a free row (an answer no table
    fixes). lo, hi: (G, m) integer windows of each group's item totals.

    Local search over moves that keep every row a valid top-k ranking:
    - two rows of the same stratum and different groups exchange their whole answers (the
      stratum's totals do not change; points and blanks move between groups);
    - a free row changes by one step (two items exchanged, the last rank blanked, one more item
      ranked).
    A move is taken when it lowers the total violation (points outside the windows), and now and
    then when it keeps it, to cross plateaus. `soft` = narrower (lo, hi) windows inside the hard
    ones (the published values where the hard windows were relaxed): once the hard windows hold,
    the search goes on shrinking the distance to them (a point outside a hard window weighs 100
    outside a soft one). Returns the points and the hard violation left."""
    pts = points.copy()
    n_groups = lo.shape[0]
    big = 10**9
    gi = np.where(groups >= 0, groups, n_groups)  # the unassigned pooled as group G (no window)
    lo_x = np.vstack([lo, np.full((1, lo.shape[1]), -big)])
    hi_x = np.vstack([hi, np.full((1, hi.shape[1]), big)])
    totals = np.zeros((n_groups + 1, pts.shape[1]), dtype=np.int64)
    np.add.at(totals, gi, pts)

    s_lo, s_hi = soft if soft is not None else (lo, hi)
    slo_x = np.vstack([s_lo, np.full((1, lo.shape[1]), -big)])
    shi_x = np.vstack([s_hi, np.full((1, hi.shape[1]), big)])
    weight = 100 if soft is not None else 1

    def viol_rows(t: np.ndarray, g: np.ndarray) -> np.ndarray:
        hard = (np.maximum(t - hi_x[g], 0) + np.maximum(lo_x[g] - t, 0)).sum(axis=-1)
        if soft is None:
            return hard
        return weight * hard + (np.maximum(t - shi_x[g], 0) + np.maximum(slo_x[g] - t, 0)).sum(axis=-1)

    def current() -> np.ndarray:
        return viol_rows(totals, np.arange(n_groups + 1))

    stale = 0
    for _ in range(max_steps):
        gv = current()
        if gv[:n_groups].sum() == 0:
            return pts, 0
        if soft is not None and _violation(totals[:n_groups], lo, hi).sum() == 0 and stale > patience // 10:
            break  # the hard windows hold; the soft distance has stopped shrinking
        # A violated group, more likely the worse it is.
        g = int(rng.choice(n_groups + 1, p=gv / gv.sum()))
        members = np.nonzero(gi == g)[0]
        pick = members[rng.permutation(members.size)[:6]]
        best: tuple[int, str, int, Any] | None = None
        for r1 in pick:
            r1 = int(r1)
            p1 = pts[r1]
            if strata[r1] < 0:
                variants = _row_variants(p1, k)
                if variants.size:
                    new_v = viol_rows(totals[g] + (variants - p1), np.full(len(variants), g))
                    j = int(np.argmin(new_v))
                    gain = int(gv[g] - new_v[j])
                    if best is None or gain > best[0]:
                        best = (gain, "free", r1, variants[j])
                partners = np.nonzero((strata < 0) & (gi != g))[0]
            else:
                partners = np.nonzero((strata == strata[r1]) & (gi != g))[0]
                # Exchange two items in r1 and the same two (by the same points) in a partner.
                if partners.size:
                    m = p1.size
                    d = p1[:, None] - p1[None, :]  # d[a, b]: points a gives b in r1
                    eye = np.eye(m, dtype=np.int64)
                    deltas = (eye[None, :, :] * 0 - eye[:, None, :] + eye[None, :, :]) * d[:, :, None]
                    deltas = deltas.reshape(m * m, m)  # row a*m+b: -d at a, +d at b
                    pp = pts[partners]
                    hs = gi[partners]
                    ok = (pp[:, None, :] - pp[:, :, None]).reshape(partners.size, m * m) == d.reshape(-1)
                    ok &= (d.reshape(-1) != 0)[None, :]
                    if ok.any():
                        g_new = viol_rows(totals[g][None, :] + deltas, np.full(m * m, g))
                        h_new = viol_rows(totals[hs][:, None, :] - deltas[None, :, :], hs[:, None])
                        gains = np.where(ok, gv[g] - g_new[None, :] + gv[hs][:, None] - h_new, -(10**9))
                        j2, ab = np.unravel_index(int(np.argmax(gains)), gains.shape)
                        if best is None or int(gains[j2, ab]) > best[0]:
                            best = (int(gains[j2, ab]), "pair", r1, (int(partners[j2]), *divmod(int(ab), m)))
            if partners.size == 0:
                continue
            delta = pts[partners] - p1
            hs = gi[partners]
            new_g = viol_rows(totals[g] + delta, np.full(partners.size, g))
            new_h = viol_rows(totals[hs] - delta, hs)
            gains = gv[g] + gv[hs] - new_g - new_h
            top = gains.max()
            choices = np.nonzero(gains == top)[0]
            j = int(choices[rng.integers(choices.size)])
            if best is None or int(top) > best[0]:
                best = (int(top), "swap", r1, int(partners[j]))
        if best is None:
            continue
        gain, kind, r1, arg = best
        if gain < 0 or (gain == 0 and rng.random() > 0.3):
            continue
        stale = stale + 1 if gain <= 0 else 0
        if stale > patience:
            break
        if kind == "pair":
            r2, a, b = arg
            h = gi[r2]
            d = int(pts[r1, a] - pts[r1, b])
            pts[r1, a], pts[r1, b] = pts[r1, b], pts[r1, a]
            pts[r2, a], pts[r2, b] = pts[r2, b], pts[r2, a]
            totals[g, a] -= d
            totals[g, b] += d
            totals[h, a] += d
            totals[h, b] -= d
        elif kind == "free":
            totals[g] += arg - pts[r1]
            pts[r1] = arg
        else:
            r2 = arg
            h = gi[r2]
            d = pts[r2] - pts[r1]
            totals[g] += d
            totals[h] -= d
            pts[[r1, r2]] = pts[[r2, r1]]
    return pts, int(_violation(totals[:n_groups], lo, hi).sum())


def group_windows(
    means: dict[str, float], codes: list[str], n: int, relax: dict[str, float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Integer windows of one group's item totals over n respondents.

    Listed items (Table 26): every total t with |t/n - mean| <= 0.005; when no integer fits (a
    value that is not a multiple of 1/n, CHECKS D14) the nearest integer. Unlisted items: below
    the lowest listed mean by more than rounding, so they print lower and stay off the list.
    `relax` widens a listed item's window by that many mean points (+ upwards, - downwards),
    never across its neighbours in the list, so the list order is kept."""
    lo = np.zeros(len(codes), dtype=np.int64)
    hi = np.zeros(len(codes), dtype=np.int64)
    listed = sorted(means, key=lambda c: -means[c])
    floor_mean = min(means.values())
    for i, c in enumerate(codes):
        if c in means:
            m = means[c]
            a, b = math.ceil((m - TOL) * n), math.floor((m + TOL) * n)
            if a > b:
                a = b = round(m * n)
            lo[i], hi[i] = a, b
        else:
            lo[i], hi[i] = 0, math.ceil((floor_mean - TOL) * n) - 1
    for c, delta in (relax or {}).items():
        if c not in means or c not in codes:
            continue
        i = codes.index(c)
        pos = listed.index(c)
        if delta > 0:
            # Not up to the item listed above it.
            cap = lo[codes.index(listed[pos - 1])] - 1 if pos > 0 else n * 10
            hi[i] = max(hi[i], min(hi[i] + math.floor(delta * n), cap))
        else:
            # Not down to the item listed below it (nor to the unlisted ones).
            unlisted_hi = math.ceil((floor_mean - TOL) * n) - 1
            floor_t = hi[codes.index(listed[pos + 1])] + 1 if pos + 1 < len(listed) else unlisted_hi + 1
            lo[i] = min(lo[i], max(lo[i] - math.floor(-delta * n), floor_t))
    return lo, hi


def lengths_for_needs(n: int, k: int, deficit: int, need: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Like lengths_for_deficit, but rows with a need (points a row's group must leave blank on
    average, from Table 26) take their blanks first; the rest of the deficit is spread as usual.
    The blanks a table fixes per stratum cannot move between rows later, only between groups."""
    lengths = np.full(n, k, dtype=np.int64)
    remaining = deficit
    loss = np.array([borda_total(k, k) - borda_total(k, k - j) for j in range(k)])
    rows = np.nonzero(need > 0)[0]
    for r in rows[rng.permutation(rows.size)]:
        # The number of blanks whose lost points come closest to the need (randomised rounding).
        want = need[r] + rng.uniform(-0.5, 0.5)
        j = int(np.argmin(np.abs(loss - want)))
        while j > 0 and loss[j] > remaining - 0:
            j -= 1
        lengths[r] = k - j
        remaining -= int(loss[j])
    rest = np.nonzero(lengths == k)[0]
    if remaining > 0:
        lengths[rest] = lengths_for_deficit(rest.size, k, remaining, rng)
    return lengths
