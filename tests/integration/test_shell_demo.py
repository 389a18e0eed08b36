"""On the demo warehouse (python -m etl build): the report tables rebuilt live match the published
Tables 19-22 within rounding, and the explorer's unweighted national scores equal Table 19."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import cache as cache_mod
from dashboard import db
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services import priority, report_tables

# Published tables include small cells (municipal seniors N=8): compare them unsuppressed.
PLANNER = Scope(role="planner", user="p", agencies=None, unsuppressed=True)


@pytest.fixture(autouse=True)
def configured(demo_warehouse: Path) -> Iterator[None]:
    saved = cache_mod._backend
    cache_mod.disable_cache()
    db.configure(demo_warehouse)
    yield
    cache_mod._backend = saved


@pytest.mark.parametrize("table_scope", ["national", "central", "municipal", "county"])
def test_tables_19_22_within_rounding(table_scope: str) -> None:
    t = report_tables.report_table(PLANNER, Filters(wave="2025"), table_scope)
    asked = t[t["asked"]]
    assert asked["score"].notna().all(), "every published cell is rebuilt"
    worst = asked.loc[asked["abs_diff_raw"].idxmax()]
    assert worst["abs_diff_raw"] <= report_tables.ROUNDING, (
        f"{table_scope} {worst['tier']} {worst['competency_zh']}: {worst['score']:.4f} vs {worst['published_score']}"
    )
    # Tier Ns equal the printed ones.
    n = asked.groupby("tier")["n"].max()
    pub_n = asked.groupby("tier")["tier_n_published"].max()
    assert (n == pub_n).all(), (n.to_dict(), pub_n.to_dict())


def test_explorer_unweighted_national_scores_equal_table_19() -> None:
    df = priority.priority_scores(PLANNER, Filters(wave="2025", weighted=False), "tier")
    row = df[(df["grp"] == "basic") & (df["competency_code"] == "it_ai_literacy")].iloc[0]
    assert round(row["score"], 2) == 0.73
    assert int(row["n"]) == 1887
