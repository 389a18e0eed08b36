"""The survey feed's post-load step: derived work groups, raked weights and survey_wave rows, run
inside the new warehouse after every survey and roster file is inserted."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from etl import weights, workgroups
from etl.context import LoadContext
from etl.feeds.survey_codebook import Codebook, all_codebooks

SQL_DIR = Path(__file__).resolve().parent / "survey_sql"
RAKE_VARS = ["gov_level", "rank_class", "supervisor", "personnel_type"]
# Categories a survey respondent can have; roster rows outside them ('unknown', 'general') are
# excluded from that margin, and the margin is rescaled to the direct-IT total (docs/methods/survey.md).
KNOWN = {
    "gov_level": {"central", "municipal", "county"},
    "rank_class": {"elementary", "junior", "senior"},
    "supervisor": {"supervisor", "non_supervisor"},
    "personnel_type": {"it_series", "non_it_series", "contract"},
}


@functools.cache
def sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _books(ctx: LoadContext) -> dict[str, Codebook]:
    books: dict[str, Codebook] = {}
    for b in all_codebooks(ctx.codebook_dir):
        books.setdefault(b.wave, b)
    return books


def run_derive(con: duckdb.DuckDBPyConnection, ctx: LoadContext) -> list[str]:
    warnings: list[str] = []
    waves = con.execute(sql("waves")).fetchdf()
    books = _books(ctx)
    for wave, n, n_supplied in zip(waves["wave"], waves["n_responses"], waves["n_supplied"], strict=True):
        wave = str(wave)
        warnings += _derive_groups(con, wave, supplied=int(n_supplied) > 0)
        book = books.get(wave)
        month = book.survey_month if book else None
        result, msg = _rake_wave(con, wave, month)
        if msg:
            warnings.append(msg)
        n_eff = result.kish_n_eff if result is not None else float(n)
        method = weights.method_label(RAKE_VARS) if result is not None else "none (weight 1.0)"
        if result is not None and result.dropped:
            method += ";dropped=" + "|".join(result.dropped)
        params: dict[str, Any] = {
            "wave": wave,
            "instrument": book.instrument if book else f"unknown-{wave}",
            "opened_on": book.opened.date() if book else None,
            "closed_at": book.closed if book else None,
            "n_responses": int(n),
            "kish_n_eff": n_eff,
            "weight_method": method,
        }
        con.execute(sql("delete_wave"), {"wave": wave})
        con.execute(sql("insert_wave"), params)
    return warnings


def _derive_groups(con: duckdb.DuckDBPyConnection, wave: str, supplied: bool) -> list[str]:
    ranks = con.execute(sql("wave_task_ranks"), {"wave": wave}).fetchdf()
    ids = con.execute(sql("wave_respondents"), {"wave": wave}).fetchdf()["respondent_id"]
    if len(ids) < len(workgroups.GROUPS):
        return [f"survey {wave}: {len(ids)} respondents, too few to derive work groups"]
    points = workgroups.point_matrix(ranks).reindex(ids).fillna(0.0)
    groups = workgroups.derive_workgroups(points)
    stage = pd.DataFrame(
        {
            "wave": wave,
            "respondent_id": groups.index.astype(str),
            "workgroup": groups.to_numpy(),
            "method": workgroups.METHOD,
            "method_version": workgroups.VERSION,
        }
    )
    con.register("_survey_assign_stage", stage)
    try:
        con.execute(sql("delete_assignment"), {"wave": wave, "method": workgroups.METHOD})
        con.execute(sql("insert_assignment"))
        if not supplied:
            # Waves with the research team's column keep it (Table 18 counts, 52 unassigned).
            con.execute(sql("apply_derived_workgroup"), {"wave": wave, "source": workgroups.SOURCE})
    finally:
        con.unregister("_survey_assign_stage")
    return []


def population_margins(cells: pd.DataFrame) -> dict[str, pd.Series]:
    """Roster cells (one row per cell with count n) -> per-variable totals of known categories."""
    out: dict[str, pd.Series] = {}
    for var in RAKE_VARS:
        sums = cells.groupby(var)["n"].sum()
        out[var] = sums[[str(c) in KNOWN[var] for c in sums.index]].astype(float)
        out[var].index = out[var].index.astype(str)
    total = float(cells["n"].sum())
    for var in RAKE_VARS:
        # Rescale the known categories to the whole direct-IT workforce (unknowns spread pro rata).
        if out[var].sum() > 0:
            out[var] = out[var] * (total / out[var].sum())
    return out


def _rake_wave(
    con: duckdb.DuckDBPyConnection, wave: str, month: dt.date | None
) -> tuple[weights.RakeResult | None, str | None]:
    sample = con.execute(sql("wave_respondents"), {"wave": wave}).fetchdf()
    cells = pd.DataFrame()
    if month is not None:
        try:
            cells = con.execute(sql("roster_margins"), {"month": month}).fetchdf()
        except duckdb.CatalogException:
            cells = pd.DataFrame()
    if cells.empty or float(cells["n"].sum()) == 0:
        _store_weights(con, wave, sample["respondent_id"], np.ones(len(sample)))
        return None, f"survey {wave}: no roster month {month} to rake to; weights stay 1.0 (n_eff = n)"
    margins = population_margins(cells)
    result = weights.rake(sample, margins)
    _store_weights(con, wave, sample["respondent_id"], result.weights)
    msg = None
    if result.dropped:
        msg = f"survey {wave}: margin categories without respondents left out of raking: {result.dropped}"
    return result, msg


def _store_weights(con: duckdb.DuckDBPyConnection, wave: str, ids: pd.Series, w: np.ndarray) -> None:
    stage = pd.DataFrame({"respondent_id": ids.astype(str).to_numpy(), "weight": np.asarray(w, dtype=float)})
    con.register("_survey_weight_stage", stage)
    try:
        con.execute(sql("update_weights"), {"wave": wave})
    finally:
        con.unregister("_survey_weight_stage")
