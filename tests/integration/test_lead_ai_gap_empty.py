"""An empty self-assessment selection renders the importance-performance chart as "no data"
(was a 500 from the /ai-gap self-assessment callback in the benchmark exploration)."""

from __future__ import annotations

from pathlib import Path

from dashboard import cache, db
from dashboard.figures import ai_gap as fig
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services import ai_gap as svc


def test_empty_borich_selection_renders_ipa_as_no_data(demo_warehouse: Path) -> None:
    saved, saved_cache = db._instance, cache._backend
    db._instance = db.Warehouse(demo_warehouse)
    cache.disable_cache()
    try:
        scope = Scope("planner", "p", None)
        # county + senior + contract staff: nobody answered the 2025-10 self-assessment
        none = Filters.from_query(
            {"gov_level": "county", "tier": "senior", "personnel_type": "contract", "weighted": "0"}
        )
        empty = svc.borich(scope, none, group_by="national", sa_wave="2025-10")
        full = svc.borich(scope, Filters(), group_by="national", sa_wave="2025-10")
        assert empty.empty and not full.empty
        no_data = fig.as_graph(fig.ipa_quadrant(empty, "zh-TW"))  # a figure dict, read by attribute
        assert no_data.layout.annotations and len(no_data.data) == 0
        shown = fig.as_graph(fig.ipa_quadrant(full, "en"))
        assert len(shown.data) == 1 and len(shown.data[0].x) == full["mean_proficiency"].notna().sum()
    finally:
        db._instance.close()
        db._instance, cache._backend = saved, saved_cache
