"""/data-status after the callback-speed round: a skeleton layout its three callbacks fill, feed
totals equal to a pandas groupby of the load log, and the reasons chart equal to stacked_bars."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import flask
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.io.json import to_json_plotly

from dashboard import cache as cache_mod
from dashboard import db
from dashboard.filters import Filters
from dashboard.scope import Scope
from tests.fixtures.test_shell_warehouse import build_small_warehouse
from tests.integration.test_s3_priority import _decode
from tests.markup import tables_in

PLANNER = Scope(role="planner", user="p", agencies=None)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from dashboard.app import create_app
    from dashboard.settings import Settings

    tmp = tmp_path_factory.mktemp("s3ds")
    saved = cache_mod._backend
    wh = build_small_warehouse(tmp / "w.duckdb")
    application = create_app(
        Settings(
            warehouse_path=wh,
            secret_key="s" * 40,
            users_file=tmp / "users.json",
            audit_log_path=tmp / "audit.jsonl",
            demo_accounts=True,
        )
    )
    cache_mod.disable_cache()
    db.configure(wh)
    yield application
    cache_mod._backend = saved


def _call(app: Any, fn: Any, *args: Any, lang: str = "en", **kwargs: Any) -> Any:
    with app.server.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        flask.g.dashboard_scope = PLANNER
        return json.loads(to_json_plotly(fn(*args, **kwargs)))


def test_feed_totals_equal_a_groupby_of_the_load_log(app: Any) -> None:
    from dashboard.services import data_status as svc

    log = svc.load_log(PLANNER, Filters())
    ours = svc.feed_totals(PLANNER, Filters())
    ref = log.groupby("feed", as_index=False).agg(
        files=("file_name", "count"),
        files_rejected=("status", lambda s: int((s == "rejected").sum())),
        rows_read=("rows_read", "sum"),
        rows_loaded=("rows_loaded", "sum"),
        rows_quarantined=("rows_quarantined", "sum"),
    )
    order = {f: i for i, f in enumerate(svc.FEEDS)}
    ref = ref.sort_values("feed", key=lambda s: s.map(order).fillna(99)).reset_index(drop=True)
    assert len(ours) > 0
    pd.testing.assert_frame_equal(ours, ref)


def test_reasons_chart_is_the_stacked_bars_figure() -> None:
    from dashboard.figures.common import stacked_bars
    from dashboard.pages.data_status import reasons_figure

    df = pd.DataFrame(
        {
            "feed_label": ["S", "S", "R", "B"],
            "rows": [3, 7, 2, 5],
            "reason_label": ["dup", "late", "dup", "x"],
        }
    )
    ours = reasons_figure(df, "Rows", "none")
    go.Figure(ours)  # valid
    expected = _decode(
        json.loads(to_json_plotly(stacked_bars(df, "feed_label", "rows", "reason_label", "Rows", "none")))
    )
    expected["layout"].pop("title", None)  # update_layout(title=None) leaves an empty title object
    assert _decode(json.loads(to_json_plotly(ours))) == expected
    assert [t["name"] for t in ours["data"]] == ["dup", "late", "x"]
    empty = reasons_figure(df.iloc[0:0], "Rows", "none")
    assert empty["data"] == [] and empty["layout"]["annotations"][0]["text"] == "none"


def test_skeleton_layout_and_callbacks(app: Any) -> None:
    from dashboard.pages import data_status as page

    layout = json.dumps(_call(app, page.layout))
    assert "data-status-loads-wrap" in layout and "<tbody>" not in layout and '"Tr"' not in layout
    kpis, fresh = _call(app, page._update_summary.uncached, "")
    loads = _call(app, page._update_loads.uncached, "")
    fig, reasons = _call(app, page._update_reasons.uncached, "")
    log = db.get_warehouse().execute("SELECT count(*) AS n, sum(rows_read) AS r FROM etl_load_log")
    text = json.dumps([kpis, fresh, loads, reasons], ensure_ascii=False)
    assert f'"{int(log["r"].iloc[0]):,}"' in text  # KPI: rows read
    (table,) = tables_in(loads)
    assert table["id"] == "data-status-loads" and len(table["rows"]) == int(
        log["n"].iloc[0]
    )  # a row per file
    assert [t["id"] for t in tables_in(fresh)] == ["data-status-freshness"]
    assert [t["id"] for t in tables_in(reasons)] == ["data-status-reasons-table"]
    assert fig["data"] and all(t["type"] == "bar" for t in fig["data"])
