"""Small-cell suppression: the ONE function every chart, table, download and summary passes through."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from dashboard.scope import Scope

SUPPRESSED_COL = "suppressed"


def _mask(df: pd.DataFrame, total_rows: pd.Series | Sequence[bool] | str | None) -> np.ndarray:
    """Boolean array marking the rows that are totals (margins) rather than cells."""
    if total_rows is None:
        return np.zeros(len(df), dtype=bool)
    if isinstance(total_rows, str):
        return df[total_rows].fillna(False).to_numpy(dtype=bool)
    return np.asarray(total_rows, dtype=bool)


def _small(n: np.ndarray, k: int) -> np.ndarray:
    return (n > 0) & (n < k)


def _partitions(dim_codes: list[np.ndarray]) -> list[np.ndarray]:
    """Index arrays of the margins: for each dimension, the cells that share all other dims."""
    m = len(dim_codes[0])
    parts: list[np.ndarray] = []
    for i in range(len(dim_codes)):
        others = [c for j, c in enumerate(dim_codes) if j != i]
        if others:
            _, inv = np.unique(np.stack(others, axis=1), axis=0, return_inverse=True)
            inv = inv.reshape(-1)
        else:
            inv = np.zeros(m, dtype=np.int64)
        order = np.argsort(inv, kind="stable")
        bounds = np.flatnonzero(np.diff(inv[order])) + 1
        parts.extend(np.split(order, bounds))
    return parts


def _secondary(
    n: np.ndarray,
    hidden: np.ndarray,
    dim_codes: list[np.ndarray],
    k: int,
    zero_ok: np.ndarray,
) -> np.ndarray:
    """Hide more cells until no margin lets anyone recover a hidden cell.

    For every margin (the cells that differ only in one dimension and so add up to one total),
    the hidden cells must be either none or at least two whose combined n is >= k: a single
    hidden cell equals "total minus the visible ones", and a hidden pair of 3 + 4 would reveal a
    group of 7. The smallest visible non-zero cell is added until that holds; margins of all
    dimensions are revisited until nothing changes, because hiding a cell in one margin can
    leave a lone hidden cell in another.

    A margin whose only non-zero cell is hidden although the margin is not small (a cell of
    n >= k hidden because a coarser filter setting differs from it by a few people) has no
    visible non-zero cell to add. There a zero cell is hidden with it: a blank cell may hold
    anyone from 0 to the margin total, so the two are only known together. `zero_ok` marks the
    zero cells that can serve: a zero cell of a filtered table whose unfiltered count is also 0
    cannot, because the viewer can bound it to 0 from that table.
    Hidden zero cells count towards "at least two" like any other.
    """
    hidden = hidden.copy()
    # a hidden cell that might hold people, as far as a viewer can tell
    blank = (n > 0) | zero_ok
    partitions = _partitions(dim_codes)
    changed = True
    while changed:
        changed = False
        for idx in partitions:
            while True:
                in_hidden = idx[hidden[idx]]
                total = n[in_hidden].sum()
                if total == 0 or (blank[in_hidden].sum() >= 2 and total >= k):
                    break
                candidates = idx[~hidden[idx] & (n[idx] > 0)]
                if len(candidates) == 0 and total >= k:
                    candidates = idx[~hidden[idx] & (n[idx] == 0) & zero_ok[idx]]
                if len(candidates) == 0:
                    # Everything non-zero is hidden already and the margin itself is small; its
                    # total is hidden wherever it is shown (is_safe_count).
                    break
                hidden[candidates[np.argmin(n[candidates])]] = True
                changed = True
    return hidden


def suppress(
    df: pd.DataFrame,
    scope: Scope,
    n_col: str = "n",
    value_cols: Sequence[str] | None = None,
    group_cols: Sequence[str] | None = None,
    total_rows: pd.Series | Sequence[bool] | str | None = None,
    parent_n_cols: Sequence[str] = (),
) -> pd.DataFrame:
    """Return a copy of ``df`` with small cells hidden and a boolean ``suppressed`` column.

    - ``n_col``: the unweighted number of people behind each row's figures.
    - ``value_cols``: the figures to blank (default: every numeric column except ``n_col``,
      ``group_cols`` and ``parent_n_cols``). ``n_col`` itself is blanked too when hidden.
    - ``group_cols``: the dimension columns whose combinations are the table's cells. Rows with
      the same combination (e.g. one row per competency of the same tier) share one cell and one
      n. Margins along every dimension are protected by secondary suppression. ``None`` treats
      every row as a cell of one margin (safe default for a one-dimensional table).
    - ``total_rows``: a boolean mask (or the name of a boolean column) of rows that are margins
      (e.g. an "all tiers" row); they are hidden when small but are not cells of any margin.
    - ``parent_n_cols``: for filtered tables, columns with the n of the same cell with one (or
      more) of the active filters removed. A cell is hidden when ``0 < parent - n < min_cell``,
      so that two filter settings cannot be subtracted to reveal a small group.

    Cells with ``0 < n < scope.min_cell`` are hidden (primary), then secondary suppression runs.
    ``scope.unsuppressed`` (planners, when configured) skips both. The parent columns are
    dropped from the result: they are not figures to show.
    """
    out = df.copy()
    parents = [c for c in parent_n_cols if c in out.columns]
    k = int(scope.min_cell)
    if scope.unsuppressed or out.empty or k <= 1:
        out[SUPPRESSED_COL] = False
        return out.drop(columns=parents)

    dims = list(group_cols) if group_cols else []
    if value_cols is None:
        skip = {n_col, SUPPRESSED_COL, *dims, *parents}
        value_cols = [c for c in out.columns if c not in skip and pd.api.types.is_numeric_dtype(out[c])]
        value_cols = [c for c in value_cols if not pd.api.types.is_bool_dtype(out[c])]
    n_all = pd.to_numeric(out[n_col], errors="coerce").fillna(0).to_numpy(dtype=float)
    is_total = _mask(out, total_rows)

    # Primary: the cell's own n, and every parent-minus-cell difference, must not be small.
    primary = _small(n_all, k)
    parent_ns = [pd.to_numeric(out[p], errors="coerce").to_numpy(dtype=float) for p in parents]
    for parent_n in parent_ns:
        diff = np.where(np.isnan(parent_n), 0.0, parent_n - n_all)
        primary |= _small(diff, k)

    hidden_rows = primary.copy()
    cell_rows = np.flatnonzero(~is_total)
    if len(cell_rows):
        if dims:
            row_codes = [pd.factorize(out[d].iloc[cell_rows], use_na_sentinel=False)[0] for d in dims]
            _, cell_id = np.unique(np.stack(row_codes, axis=1), axis=0, return_inverse=True)
            cell_id = cell_id.reshape(-1)
        else:
            row_codes = [np.zeros(len(cell_rows), dtype=np.int64)]
            cell_id = np.arange(len(cell_rows))
        m = int(cell_id.max()) + 1
        cell_n = np.zeros(m)
        np.maximum.at(cell_n, cell_id, n_all[cell_rows])
        cell_hidden = np.zeros(m, dtype=bool)
        np.logical_or.at(cell_hidden, cell_id, primary[cell_rows])
        # A zero cell can stand in as a complement unless a coarser table shows it is 0 too.
        zero_ok = np.ones(m, dtype=bool)
        for parent_n in parent_ns:
            np.logical_and.at(zero_ok, cell_id, ~(parent_n[cell_rows] == 0))
        cell_codes = []
        for codes in row_codes:
            c = np.zeros(m, dtype=np.int64)
            c[cell_id] = codes
            cell_codes.append(c)
        if not dims:
            cell_codes = [np.zeros(m, dtype=np.int64)]
        cell_hidden = _secondary(cell_n, cell_hidden, cell_codes, k, zero_ok)
        hidden_rows[cell_rows] = cell_hidden[cell_id]

    out[SUPPRESSED_COL] = hidden_rows
    if hidden_rows.any():
        for col in [n_col, *value_cols]:
            if col not in out.columns:
                continue
            if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_float_dtype(out[col]):
                out[col] = out[col].astype("float64")
            elif not pd.api.types.is_numeric_dtype(out[col]):
                out[col] = out[col].astype(object)
            out.loc[hidden_rows, col] = np.nan if pd.api.types.is_float_dtype(out[col]) else None
    return out.drop(columns=parents)


def is_safe_count(n: int | float | None, scope: Scope) -> bool:
    """True when a single figure resting on ``n`` people may be shown (0 or >= threshold)."""
    if scope.unsuppressed or n is None or (isinstance(n, float) and np.isnan(n)):
        return True
    return not (0 < n < scope.min_cell)


def parent_filter_sets(active: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every proper subset of the active filters (the empty set included).

    A service that shows a filtered table computes each cell's n under each of these filter sets
    and passes them as ``parent_n_cols``: then no two filter settings where one refines the
    other can be subtracted to reveal a group of 0 < n < min_cell."""
    items = [(k, v) for k, v in active.items() if v is not None]
    out: list[dict[str, Any]] = []
    for r in range(len(items)):
        for combo in combinations(items, r):
            out.append(dict(combo))
    return out
