"""Survey weights: raking (iterative proportional fitting) to roster margins, weight trimming and
Kish's effective sample size."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TRIM_LOW = 0.2  # weights are kept within [0.2, 5] x the mean weight ...
TRIM_HIGH = 5.0
TRIM_ROUNDS = 20  # ... by alternating trim and re-rake at most this often; the last step is a rake
TOLERANCE = 1e-6  # largest relative gap between a weighted margin and its target


@dataclass(frozen=True)
class RakeResult:
    weights: np.ndarray
    iterations: int
    max_rel_gap: float
    trimmed: int  # weights that hit a trim bound in the last trimming round
    dropped: list[str]  # margin categories left out (no respondent in them), as 'var=value'

    @property
    def kish_n_eff(self) -> float:
        return kish_n_eff(self.weights)


def kish_n_eff(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum()) if w.size else 0.0


def _ipf(
    codes: list[np.ndarray], targets: list[np.ndarray], w: np.ndarray, max_iter: int
) -> tuple[np.ndarray, int, float]:
    gap = np.inf
    for it in range(1, max_iter + 1):
        for c, t in zip(codes, targets, strict=True):
            current = np.bincount(c, weights=w, minlength=t.size)
            factor = np.divide(t, current, out=np.ones_like(t), where=current > 0)
            w = w * factor[c]
        gap = max(
            float(np.max(np.abs(np.bincount(c, weights=w, minlength=t.size) - t) / np.maximum(t, 1e-12)))
            for c, t in zip(codes, targets, strict=True)
        )
        if gap < TOLERANCE:
            return w, it, gap
    return w, max_iter, gap


def rake(sample: pd.DataFrame, margins: dict[str, pd.Series], max_iter: int = 1000) -> RakeResult:
    """Rake the respondents in `sample` (one column per margin variable) to the population totals.

    margins[var] maps category -> population count. Every margin is rescaled to the first margin's
    total (margins with unknowns excluded therefore keep the known categories' proportions).
    Categories without any respondent cannot be weighted: they are dropped from their margin (the
    rest rescaled) and reported. Trimming: weights outside [TRIM_LOW, TRIM_HIGH] x mean are capped
    and the sample re-raked, up to TRIM_ROUNDS times; the final step is always a rake, so margins
    hold to 1e-6 while the caps may be exceeded slightly."""
    if not margins:
        raise ValueError("no margins to rake to")
    n = len(sample)
    if n == 0:
        raise ValueError("empty sample")
    total = float(next(iter(margins.values())).sum())
    codes: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    dropped: list[str] = []
    for var, pop in margins.items():
        pop = pop[pop > 0].astype(float)
        values = sample[var].astype(str).to_numpy()
        present = set(values)
        missing = [str(c) for c in pop.index if str(c) not in present]
        dropped += [f"{var}={c}" for c in missing]
        pop = pop[[str(c) not in missing for c in pop.index]]
        cats = [str(c) for c in pop.index]
        unknown = sorted(present - set(cats))
        if unknown:
            raise ValueError(f"sample has {var} values without a population count: {unknown}")
        index = {c: i for i, c in enumerate(cats)}
        codes.append(np.array([index[v] for v in values], dtype=np.int64))
        targets.append(pop.to_numpy() * (total / pop.sum()))
    w = np.full(n, total / n)
    w, iters, gap = _ipf(codes, targets, w, max_iter)
    trimmed = 0
    for _ in range(TRIM_ROUNDS):
        mean = w.mean()
        lo, hi = TRIM_LOW * mean, TRIM_HIGH * mean
        out = (w < lo) | (w > hi)
        trimmed = int(out.sum())
        if not trimmed:
            break
        w = np.clip(w, lo, hi)
        w, more, gap = _ipf(codes, targets, w, max_iter)
        iters += more
    if gap >= TOLERANCE:
        raise RuntimeError(f"raking did not converge (largest relative gap {gap:.2e})")
    return RakeResult(weights=w, iterations=iters, max_rel_gap=gap, trimmed=trimmed, dropped=dropped)


def method_label(variables: list[str]) -> str:
    return (
        f"raking({','.join(variables)});trim=[{TRIM_LOW},{TRIM_HIGH}]xmean;"
        "unknown=excluded+rescaled;population=staff_month direct-IT"
    )
