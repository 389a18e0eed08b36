"""An empty supply/demand selection keeps its columns and renders (was a 500 in the load test)."""

from __future__ import annotations

from pathlib import Path

from dashboard import cache, db
from dashboard.figures import badges as fig
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services import badges as svc


def test_empty_supply_demand_has_all_columns_and_renders(demo_warehouse: Path) -> None:
    saved, saved_cache = db._instance, cache._backend
    db._instance = db.Warehouse(demo_warehouse)
    cache.disable_cache()  # measure the service itself, never another test's cached frame
    try:
        scope = Scope("planner", "p", None)
        empty = svc.supply_demand(scope, Filters(tier="senior", personnel_type="contract"))
        full = svc.supply_demand(scope, Filters())
        assert empty.empty and not full.empty
        assert list(empty.columns) == list(full.columns) == svc.SUPPLY_DEMAND_COLUMNS
        assert fig.supply_demand_chart(empty, "zh-TW").layout.annotations  # the "no data" figure
        assert len(fig.supply_demand_chart(full, "en").data) > 0
    finally:
        db._instance.close()
        db._instance, cache._backend = saved, saved_cache
