"""Figures of the badge-uptake page: pure DataFrame -> go.Figure functions.

Each figure is built in one go.Figure({"data": [...], "layout": {...}}) call and its template set
without re-validation (figures.ai_gap.use_template): plotly validates every add_trace /
update_layout / add_shape separately, which made these figures cost 7-18 ms each. The figure
JSON is the same as the step-by-step construction's (tests/unit/test_s3_badges_figures.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from _plotly_utils.utils import convert_to_base64

from dashboard.figures.ai_gap import GAP_COLOR, SERIES, layout_props, use_template
from dashboard.figures.common import template_json
from dashboard.i18n import label, t

EVENT_COLORS = {"issued": "#2166ac", "revoked": "#b2182b", "expired": "#e08214"}
LEVELS = ("intro", "advanced", "practice")
MAX_BARS = 40


Spec = dict[str, Any]  # {"data": [trace dicts], "layout": {...}}: a figure before plotly sees it


def _spec(data: list[dict[str, Any]], layout: dict[str, Any], title: str, height: int = 380) -> Spec:
    return {"data": data, "layout": {**layout, **layout_props(title, height)}}


def as_figure(spec: Spec) -> go.Figure:
    """The go.Figure of a spec (validated once, template set without re-validation)."""
    return use_template(go.Figure(spec), "plotly_white")


def _arrays(obj: Any) -> Any:
    """pandas columns -> numpy arrays, recursively (what plotly's validators do to them)."""
    if isinstance(obj, dict):
        return {k: _arrays(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_arrays(v) for v in obj]
    if isinstance(obj, pd.Series | pd.Index):
        return obj.to_numpy()
    return obj


def as_plain(spec: Spec) -> dict[str, Any]:
    """A callback's figure as the plain dict plotly would serialize for as_figure(spec), without
    building the go.Figure: no validation and no deep copy of the template by to_dict() in each
    JSON pass (the page's callbacks return this; the JSON is the same, tested)."""
    data = _arrays(spec["data"])
    layout = _arrays(spec["layout"])
    convert_to_base64(data)  # numeric arrays as typed-array specs, as go.Figure.to_dict() does
    convert_to_base64(layout)
    return {"data": data, "layout": {**layout, "template": template_json("plotly_white")}}


def empty_spec(message: str) -> Spec:
    """A blank figure that says why it is blank: the same figure as figures.ai_gap.empty."""
    annotation = {"text": message, "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper"}
    layout = {"annotations": [annotation], "xaxis": {"visible": False}, "yaxis": {"visible": False}}
    return _spec([], layout, "", height=220)


def empty(message: str) -> go.Figure:
    return as_figure(empty_spec(message))


def group_name(by: str, code: str, lang: str) -> str:
    """Display name of a coverage/survival group code (person attribute, route or badge)."""
    if code in ("all", "total"):
        return t("badges.all", lang)
    if by == "route":
        return t(f"badges.route.{code}", lang)
    if by == "badge":
        return label("badge", code, lang)
    if by == "national":
        return t("badges.all", lang)
    return label(by, code, lang)


def monthly_spec(df: pd.DataFrame, lang: str) -> Spec:
    """Awards issued, revoked and expired per month."""
    data = df.dropna(subset=["n"])
    if data.empty:
        return empty_spec(t("badges.no_data", lang))
    traces = []
    for event in ("issued", "revoked", "expired"):
        part = data[data["event"] == event]
        if part.empty:
            continue
        name = t(f"badges.event.{event}", lang)
        traces.append(
            {
                "type": "bar",
                "name": name,
                "x": part["month"],
                "y": part["n"],
                "marker": {"color": EVENT_COLORS[event]},
                "hovertemplate": "%{x|%Y-%m}: %{y:,}<extra>" + name + "</extra>",
            }
        )
    layout = {
        "barmode": "group",
        "xaxis": {"dtick": "M3", "tickformat": "%Y-%m"},
        "yaxis": {"title": {"text": t("badges.axis_awards", lang)}},
    }
    return _spec(traces, layout, t("badges.fig_monthly", lang))


def coverage_trend_spec(df: pd.DataFrame, lang: str) -> Spec:
    """Share of the month's headcount holding at least one valid award, over time."""
    data = df.dropna(subset=["share"])
    if data.empty:
        return empty_spec(t("badges.no_data", lang))
    traces = [
        {
            "type": "scatter",
            "name": t("badges.selection" if scope_level == "selection" else "badges.national", lang),
            "x": part["month"],
            "y": part["share"],
            "mode": "lines+markers",
            "line": {"color": SERIES[i], "dash": "solid" if scope_level == "selection" else "dot"},
            "customdata": part[["headcount", "holders"]].to_numpy(),
            "hovertemplate": t("badges.hover_coverage", lang) + "<extra></extra>",
        }
        for i, (scope_level, part) in enumerate(data.groupby("scope_level", sort=False))
    ]
    layout = {
        "yaxis": {
            "title": {"text": t("badges.axis_share", lang)},
            "tickformat": ".0%",
            "rangemode": "tozero",
        },
        "xaxis": {"tickformat": "%Y-%m"},
    }
    return _spec(traces, layout, t("badges.fig_coverage_trend", lang))


def coverage_by_spec(df: pd.DataFrame, by: str, lang: str) -> Spec:
    """Coverage in one month by group, as horizontal bars with 95 % intervals."""
    data = df.dropna(subset=["share"]).sort_values("share")
    if data.empty:
        return empty_spec(t("badges.no_data", lang))
    title = t("badges.fig_coverage_by", lang)
    if len(data) > MAX_BARS:
        # hundreds of agencies do not fit a chart: show where coverage is lowest (table has all)
        data = data.head(MAX_BARS)
        title = t("badges.fig_coverage_by_lowest", lang, k=MAX_BARS)
    bar = {
        "type": "bar",
        "x": data["share"],
        "y": [group_name(by, str(g), lang) for g in data["group_code"]],
        "orientation": "h",
        "marker": {"color": SERIES[0]},
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": data["high"] - data["share"],
            "arrayminus": data["share"] - data["low"],
        },
        "customdata": data[["headcount", "holders"]].to_numpy(),
        "hovertemplate": t("badges.hover_coverage", lang) + "<extra></extra>",
    }
    layout = {
        "xaxis": {"title": {"text": t("badges.axis_share", lang)}, "tickformat": ".0%", "rangemode": "tozero"}
    }
    return _spec([bar], layout, title, height=max(300, 24 * len(data) + 120))


def km_spec(df: pd.DataFrame, group_by: str, lang: str) -> Spec:
    """Kaplan–Meier: cumulative share with a first badge by months since launch or hire."""
    data = df.dropna(subset=["cum_share"])
    if data.empty:
        return empty_spec(t("badges.no_data", lang))
    traces: list[dict[str, Any]] = []
    for i, (group, part) in enumerate(data.groupby("group_code", sort=True)):
        color = SERIES[i % len(SERIES)]
        name = group_name(group_by, str(group), lang)
        steps = part["t"].tolist()
        traces.append(
            {
                "type": "scatter",
                "x": steps + steps[::-1],
                "y": list(1 - part["surv_high"]) + list(1 - part["surv_low"])[::-1],
                "fill": "toself",
                "fillcolor": color,
                "opacity": 0.15,
                "line": {"width": 0},
                "hoverinfo": "skip",
                "showlegend": False,
                "name": name,
            }
        )
        traces.append(
            {
                "type": "scatter",
                "name": name,
                "x": part["t"],
                "y": part["cum_share"],
                "mode": "lines",
                "line": {"shape": "hv", "color": color},
                "customdata": part[["n_at_risk", "events"]].to_numpy(),
                "hovertemplate": t("badges.hover_km", lang) + "<extra>" + name + "</extra>",
            }
        )
    layout = {
        "xaxis": {"title": {"text": t("badges.axis_months", lang)}, "rangemode": "tozero"},
        "yaxis": {"title": {"text": t("badges.axis_cum_share", lang)}, "tickformat": ".0%", "range": [0, 1]},
    }
    return _spec(traces, layout, t("badges.fig_km", lang))


def funnel_spec(df: pd.DataFrame, lang: str) -> Spec:
    """Learning-path funnel per route: people with a badge at intro, advanced and practice."""
    data = df.dropna(subset=["n"])
    if data.empty:
        return empty_spec(t("badges.no_data", lang))
    levels = [t(f"badges.level.{lv}", lang) for lv in LEVELS]
    traces = [
        {
            "type": "funnel",
            "name": t(f"badges.route.{route}", lang),
            "y": levels,
            "x": part.set_index("level").reindex(list(LEVELS))["n"].fillna(0),
            "textinfo": "value+percent initial",
            "marker": {"color": SERIES[i % len(SERIES)]},
        }
        for i, (route, part) in enumerate(data.groupby("route_code", sort=True))
    ]
    return _spec(traces, {}, t("badges.fig_funnel", lang), height=420)


def supply_demand_spec(df: pd.DataFrame, lang: str) -> Spec:
    """Demand index (y) against valid holders per 100 staff (x); the to-do quadrant shaded."""
    if df.empty or not {"demand_index", "per100"} <= set(df.columns):
        return empty_spec(t("badges.no_data", lang))
    data = df.dropna(subset=["demand_index", "per100"])
    if data.empty:
        return empty_spec(t("badges.no_data", lang))
    median = float(data["per100"].median())
    x_max = max(float(data["per100"].max()) * 1.05, median + 1.0)
    y_max = max(float(data["demand_index"].max()) * 1.05, 1.5)
    dashed = {"color": "#555", "dash": "dash"}
    traces = []
    for i, (tier, part) in enumerate(data.groupby("tier", sort=True)):
        ai = part["ai_related"].tolist()
        traces.append(
            {
                "type": "scatter",
                "name": label("tier", str(tier), lang),
                "x": part["per100"],
                "y": part["demand_index"],
                "mode": "markers",
                "marker": {
                    "size": [14 if a else 9 for a in ai],
                    "symbol": ["diamond" if a else "circle" for a in ai],
                    "color": SERIES[i % len(SERIES)],
                    "line": {"width": [2 if td else 0 for td in part["todo"]], "color": "#000"},
                },
                "text": [label("competency", c, lang) for c in part["competency_code"]],
                "customdata": part[["score", "holders", "headcount"]].to_numpy(),
                "hovertemplate": t("badges.hover_supply", lang) + "<extra></extra>",
            }
        )
    layout = {
        "shapes": [
            {
                "type": "rect",
                "x0": 0,
                "x1": median,
                "y0": 1.0,
                "y1": y_max,
                "fillcolor": GAP_COLOR,
                "opacity": 0.08,
                "line": {"width": 0},
            },
            # fig.add_vline / add_hline: a line across the plot's domain at the data position
            {"type": "line", "x0": median, "x1": median, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain"}
            | {"line": dict(dashed)},
            {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": 1.0, "y1": 1.0, "yref": "y"}
            | {"line": dict(dashed)},
        ],
        "annotations": [
            {
                "text": t("badges.quadrant_todo", lang),
                "x": 0,
                "y": y_max,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "font": {"color": GAP_COLOR},
            }
        ],
        "xaxis": {"title": {"text": t("badges.axis_per100", lang)}, "range": [0, x_max]},
        "yaxis": {"title": {"text": t("badges.axis_demand", lang)}, "range": [0, y_max]},
    }
    return _spec(traces, layout, t("badges.fig_supply", lang), height=480)


def monthly_chart(df: pd.DataFrame, lang: str) -> go.Figure:
    return as_figure(monthly_spec(df, lang))


def coverage_trend_chart(df: pd.DataFrame, lang: str) -> go.Figure:
    return as_figure(coverage_trend_spec(df, lang))


def coverage_by_chart(df: pd.DataFrame, by: str, lang: str) -> go.Figure:
    return as_figure(coverage_by_spec(df, by, lang))


def km_chart(df: pd.DataFrame, group_by: str, lang: str) -> go.Figure:
    return as_figure(km_spec(df, group_by, lang))


def funnel_chart(df: pd.DataFrame, lang: str) -> go.Figure:
    return as_figure(funnel_spec(df, lang))


def supply_demand_chart(df: pd.DataFrame, lang: str) -> go.Figure:
    return as_figure(supply_demand_spec(df, lang))
