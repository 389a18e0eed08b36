"""Services shared by every page: the viewer's scope, filter options, wave resolution, suppression."""

from __future__ import annotations

import decimal
import importlib.util
import logging
from collections.abc import Sequence
from typing import Any

import pandas as pd

from dashboard.db import WarehouseError, get_warehouse

__all__ = ["WarehouseError"]  # pages catch it without importing dashboard.db
from dashboard.filters import Filters
from dashboard.scope import Scope

log = logging.getLogger(__name__)

# Development fallback used ONLY while the auth package does not exist (see current_scope).
_DEV_SCOPE = Scope(role="planner", user="dev", agencies=None)


def add_up_cells(
    cells: pd.DataFrame, keys: list[str], exact: list[str], **agg: tuple[str, str]
) -> pd.DataFrame:
    """Cells added up per `keys` (NULL keys too, in order of first appearance): the `exact` columns
    hold DECIMAL sums as text (queries/priority_agency_cells.sql) and are added exactly, then rounded
    to the nearest double, as DuckDB's CAST(DECIMAL AS DOUBLE) rounds; the rest by pandas `agg`
    (named aggregations). So totals equal the doubles of summing the underlying rows in SQL."""
    groups = cells.groupby(keys, dropna=False, sort=False)
    out = groups.agg(**agg).reset_index()
    codes = groups.ngroup().tolist()
    with decimal.localcontext() as ctx:
        ctx.prec = 76  # twice DECIMAL(38, 12)'s digits: sums of any number of cells stay exact
        for col in exact:
            totals = [decimal.Decimal(0)] * len(out)
            for code, text in zip(codes, cells[col].tolist(), strict=True):
                totals[code] += decimal.Decimal(text)
            out[col] = [float(t) for t in totals]
    return out


def auth_available() -> bool:
    return importlib.util.find_spec("dashboard.auth") is not None


def current_scope() -> Scope:
    """The signed-in viewer's scope, built on the server from the session (dashboard.auth).

    Before the auth package exists the dashboard runs as a development planner; once it exists
    its errors propagate, so a broken auth module can never silently widen access."""
    if not auth_available():
        return _DEV_SCOPE
    from dashboard.auth import current_scope as auth_scope

    return auth_scope()


def allowed_paths(role: str) -> list[str] | None:
    """Paths the role may open (dashboard.auth.allowed_paths), None = no auth package yet (all)."""
    if not auth_available():
        return None
    from dashboard.auth import allowed_paths as auth_allowed

    return list(auth_allowed(role))


def _suppression_fallback(
    df: pd.DataFrame, scope: Scope, n_col: str, value_cols: Sequence[str]
) -> pd.DataFrame:
    """Primary suppression only; used until dashboard.suppression lands (reported to the lead)."""
    out = df.copy()
    n = pd.to_numeric(out[n_col], errors="coerce").fillna(0)
    hidden = (n > 0) & (n < scope.min_cell) & (not scope.unsuppressed)
    out["suppressed"] = hidden
    for col in value_cols:
        out[col] = out[col].astype("float64").where(~hidden)
    return out


def suppress(
    df: pd.DataFrame,
    scope: Scope,
    n_col: str = "n",
    value_cols: Sequence[str] = (),
    group_cols: Sequence[str] = (),
    total_rows: Any = None,
) -> pd.DataFrame:
    """Apply the project's one suppression rule (dashboard.suppression.suppress) to figures of people."""
    if importlib.util.find_spec("dashboard.suppression") is None:
        return _suppression_fallback(df, scope, n_col, value_cols)
    from dashboard.suppression import suppress as project_suppress

    return project_suppress(
        df,
        scope,
        n_col=n_col,
        value_cols=list(value_cols),
        group_cols=list(group_cols),
        total_rows=total_rows,
    )


def waves(scope: Scope) -> pd.DataFrame:
    """Survey waves, newest first (the same for every viewer). Every callback resolves its filters
    against them, so they are read once per warehouse file (a lookup served from memory by
    Warehouse.query), not per request."""
    return get_warehouse().query("common_waves")


def agencies(scope: Scope) -> pd.DataFrame:
    """Agencies the viewer may choose: all for national roles, their own for agency HR (read once
    per warehouse file and agency set: a lookup served from memory by Warehouse.query)."""
    codes = None if scope.agencies is None else sorted(scope.agencies)
    return get_warehouse().query("common_agencies", agencies=codes)


def latest_wave(scope: Scope) -> str | None:
    df = waves(scope)
    return None if df.empty else str(df["wave"].iloc[0])


def resolve(scope: Scope, filters: Filters) -> Filters:
    """Filters with the wave made concrete (latest when unset or unknown) and agency clamped."""
    f = filters.clamp(scope)
    known = list(waves(scope)["wave"].astype(str))
    if f.wave not in known:
        f = f.with_(wave=known[0] if known else None)
    return f


def filter_options(scope: Scope) -> dict[str, list[str]]:
    """Codes for each filter dropdown (labels are added by the component from the catalog)."""
    ag = agencies(scope)
    return {
        "wave": list(waves(scope)["wave"].astype(str)),
        "agency": list(ag["agency_code"].astype(str)),
        "gov_level": ["central", "municipal", "county"],
        "tier": ["basic", "middle", "senior"],
        "workgroup": [
            "hardware_maintenance",
            "system_planning",
            "project_management",
            "multi_function",
            "non_core",
        ],
        "personnel_type": ["it_series", "non_it_series", "contract"],
    }


def data_version_info() -> dict[str, str | None]:
    """{'version', 'built_at'} of the live warehouse, or Nones when it is unavailable."""
    try:
        wh = get_warehouse()
        return {"version": wh.data_version(), "built_at": wh.built_at()}
    except WarehouseError as exc:
        log.warning("warehouse unavailable: %s", exc)
        return {"version": None, "built_at": None}
