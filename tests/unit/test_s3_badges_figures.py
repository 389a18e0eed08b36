"""/badges figures: the plain dict a callback sends (figures.badges.as_plain) serializes to the
same JSON as the go.Figure of the same spec (as_figure), for every figure of the page, and
as_figure equals the step-by-step construction (add_trace / update_layout / add_vline ...)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.io.json import to_json_plotly

from dashboard.figures import badges as bf
from dashboard.figures.ai_gap import empty as ai_gap_empty

MONTHS = pd.to_datetime(["2025-07-01", "2025-08-01", "2025-09-01"])


def _frames() -> dict[str, tuple[Any, ...]]:
    monthly = pd.DataFrame(
        {
            "month": MONTHS.repeat(2),
            "event": ["issued", "revoked"] * 3,
            "n": [120.0, 12.0, 80.0, float("nan"), 95.0, 11.0],
        }
    )
    trend = pd.DataFrame(
        {
            "scope_level": ["selection"] * 3 + ["national"] * 3,
            "month": MONTHS.append(MONTHS),
            "headcount": [50.0, 52.0, 55.0, 900.0, 910.0, 930.0],
            "holders": [10.0, 12.0, 15.0, 200.0, 230.0, 260.0],
            "share": [0.2, 12 / 52, 15 / 55, 200 / 900, 230 / 910, 260 / 930],
        }
    )
    by = pd.DataFrame(
        {
            "group_code": ["central", "county", "municipal"],
            "share": [0.3, 0.1, 0.2],
            "low": [0.25, 0.05, 0.15],
            "high": [0.35, 0.15, 0.25],
            "headcount": [300, 120, 200],
            "holders": [90, 12, 40],
        }
    )
    km = pd.DataFrame(
        {
            "group_code": ["basic"] * 3 + ["senior"] * 2,
            "t": [0, 1, 4, 0, 2],
            "n_at_risk": [40, 30, 20, 25, 15],
            "events": [10, 10, 5, 5, 5],
            "cum_share": [0.25, 0.5, 0.625, 0.2, 0.4],
            "surv_low": [0.6, 0.4, 0.3, 0.7, 0.5],
            "surv_high": [0.85, 0.6, 0.45, 0.9, 0.7],
        }
    )
    funnel = pd.DataFrame(
        {
            "route_code": ["role_dev", "role_dev", "role_app"],
            "level": ["advanced", "intro", "intro"],
            "n": [30, 80, 7],
        }
    )
    supply = pd.DataFrame(
        {
            "tier": ["basic"] * 3 + ["middle"],
            "competency_code": ["it_ai_literacy", "it_data_mgmt", "it_ai_eval", "it_ai_literacy"],
            "ai_related": [True, False, True, True],
            "score": [1.0, 2.0, 0.5, 1.5],
            "demand_index": [1.4, 1.2, 0.3, 1.1],
            "per100": [5.0, 20.0, 1.0, 2.5],
            "holders": [5, 20, 1, 3],
            "headcount": [100, 100, 100, 120],
            "todo": [True, False, False, True],
        }
    )
    return {
        "monthly": (bf.monthly_spec, bf.monthly_chart, monthly),
        "trend": (bf.coverage_trend_spec, bf.coverage_trend_chart, trend),
        "by": (bf.coverage_by_spec, bf.coverage_by_chart, by, "gov_level"),
        "km": (bf.km_spec, bf.km_chart, km, "tier"),
        "funnel": (bf.funnel_spec, bf.funnel_chart, funnel),
        "supply": (bf.supply_demand_spec, bf.supply_demand_chart, supply),
        "monthly-empty": (bf.monthly_spec, bf.monthly_chart, monthly.assign(n=float("nan"))),
    }


@pytest.mark.parametrize("name", list(_frames()))
@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_plain_dict_is_the_figure_json(name: str, lang: str) -> None:
    spec_fn, chart_fn, df, *by = _frames()[name]
    plain = bf.as_plain(spec_fn(df, *by, lang))
    figure = chart_fn(df, *by, lang)
    assert isinstance(figure, go.Figure) and isinstance(plain, dict)
    assert json.loads(to_json_plotly(plain)) == json.loads(to_json_plotly(figure))
    assert json.loads(to_json_plotly(plain))["layout"]["template"]["layout"]["plot_bgcolor"] == "white"


def test_plain_dict_keeps_the_numbers() -> None:
    spec_fn, _, df = _frames()["monthly"]
    sent = json.loads(to_json_plotly(bf.as_plain(spec_fn(df, "en"))))
    issued = go.Figure(sent).data[0]
    assert issued.name == "Issued"
    assert issued.y["dtype"] == "f8"  # a typed array, as go.Figure.to_dict() sends it
    assert len(sent["data"]) == 2 and sent["data"][0]["x"][0].startswith("2025-07-01")


def test_empty_is_ai_gap_empty() -> None:
    ours = json.loads(to_json_plotly(bf.as_plain(bf.empty_spec("nothing"))))
    assert ours == json.loads(to_json_plotly(ai_gap_empty("nothing")))


def _supply_step_by_step(df: pd.DataFrame) -> go.Figure:
    """The former construction of the supply chart (add_shape, add_vline, ...), for comparison."""
    from dashboard.figures.ai_gap import _layout

    data = df.dropna(subset=["demand_index", "per100"])
    median = float(data["per100"].median())
    x_max = max(float(data["per100"].max()) * 1.05, median + 1.0)
    y_max = max(float(data["demand_index"].max()) * 1.05, 1.5)
    fig = go.Figure()
    fig.add_shape(type="rect", x0=0, x1=median, y0=1.0, y1=y_max, fillcolor=bf.GAP_COLOR, opacity=0.08,
                  line={"width": 0})  # fmt: skip
    fig.add_annotation(text="High priority, low supply (to do)", x=0, y=y_max, xanchor="left", yanchor="top",
                       showarrow=False, font={"color": bf.GAP_COLOR})  # fmt: skip
    fig.add_vline(x=median, line_dash="dash", line_color="#555")
    fig.add_hline(y=1.0, line_dash="dash", line_color="#555")
    fig.update_xaxes(range=[0, x_max])
    fig.update_yaxes(range=[0, y_max])
    return _layout(fig, "t", height=480)


def test_supply_lines_are_add_vline_and_add_hline() -> None:
    _, chart, df = _frames()["supply"]
    ours = json.loads(to_json_plotly(chart(df, "en")))["layout"]
    theirs = json.loads(to_json_plotly(_supply_step_by_step(df)))["layout"]
    assert ours["shapes"] == theirs["shapes"]
    assert ours["annotations"][0]["text"] == theirs["annotations"][0]["text"]
    assert ours["yaxis"]["range"] == theirs["yaxis"]["range"]


def test_vectorized_wilson_equals_stats_wilson_interval() -> None:
    import math

    import numpy as np

    from dashboard import stats
    from dashboard.services.badges import _wilson

    n = np.array([0.0, 1.0, 7.0, 10.0, 123.0, 4567.0, 10.0, 50.0, 3.0])
    p = np.array([0.5, 1.0, 3 / 7, 0.0, 0.31, 0.9, float("nan"), 1.0, 2 / 3])
    low, high = _wilson(p, n)
    for i in range(len(n)):
        want = stats.wilson_interval(float(p[i]), float(n[i]))
        got = (float(low[i]), float(high[i]))
        if math.isnan(want[0]):
            assert math.isnan(got[0]) and math.isnan(got[1])
        else:
            assert got == want  # exactly the same floats
    assert low[3] == 0.0 and high[7] == 1.0
