"""Figures of the badge-uptake page: pure DataFrame -> go.Figure functions."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.ai_gap import GAP_COLOR, SERIES, _layout, empty
from dashboard.i18n import label, t

EVENT_COLORS = {"issued": "#2166ac", "revoked": "#b2182b", "expired": "#e08214"}
LEVELS = ("intro", "advanced", "practice")
MAX_BARS = 40


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


def monthly_chart(df: pd.DataFrame, lang: str) -> go.Figure:
    """Awards issued, revoked and expired per month."""
    data = df.dropna(subset=["n"])
    if data.empty:
        return empty(t("badges.no_data", lang))
    fig = go.Figure()
    for event in ("issued", "revoked", "expired"):
        part = data[data["event"] == event]
        if part.empty:
            continue
        fig.add_trace(
            go.Bar(
                name=t(f"badges.event.{event}", lang),
                x=part["month"],
                y=part["n"],
                marker_color=EVENT_COLORS[event],
                hovertemplate="%{x|%Y-%m}: %{y:,}<extra>" + t(f"badges.event.{event}", lang) + "</extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_xaxes(dtick="M3", tickformat="%Y-%m")
    fig.update_yaxes(title=t("badges.axis_awards", lang))
    return _layout(fig, t("badges.fig_monthly", lang))


def coverage_trend_chart(df: pd.DataFrame, lang: str) -> go.Figure:
    """Share of the month's headcount holding at least one valid award, over time."""
    data = df.dropna(subset=["share"])
    if data.empty:
        return empty(t("badges.no_data", lang))
    fig = go.Figure()
    for i, (scope_level, part) in enumerate(data.groupby("scope_level", sort=False)):
        fig.add_trace(
            go.Scatter(
                name=t("badges.selection" if scope_level == "selection" else "badges.national", lang),
                x=part["month"],
                y=part["share"],
                mode="lines+markers",
                line={"color": SERIES[i], "dash": "solid" if scope_level == "selection" else "dot"},
                customdata=part[["headcount", "holders"]].to_numpy(),
                hovertemplate=t("badges.hover_coverage", lang) + "<extra></extra>",
            )
        )
    fig.update_yaxes(title=t("badges.axis_share", lang), tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(tickformat="%Y-%m")
    return _layout(fig, t("badges.fig_coverage_trend", lang))


def coverage_by_chart(df: pd.DataFrame, by: str, lang: str) -> go.Figure:
    """Coverage in one month by group, as horizontal bars with 95 % intervals."""
    data = df.dropna(subset=["share"]).sort_values("share")
    if data.empty:
        return empty(t("badges.no_data", lang))
    title = t("badges.fig_coverage_by", lang)
    if len(data) > MAX_BARS:
        # hundreds of agencies do not fit a chart: show where coverage is lowest (table has all)
        data = data.head(MAX_BARS)
        title = t("badges.fig_coverage_by_lowest", lang, k=MAX_BARS)
    fig = go.Figure(
        go.Bar(
            x=data["share"],
            y=[group_name(by, str(g), lang) for g in data["group_code"]],
            orientation="h",
            marker_color=SERIES[0],
            error_x={
                "type": "data",
                "symmetric": False,
                "array": data["high"] - data["share"],
                "arrayminus": data["share"] - data["low"],
            },
            customdata=data[["headcount", "holders"]].to_numpy(),
            hovertemplate=t("badges.hover_coverage", lang) + "<extra></extra>",
        )
    )
    fig.update_xaxes(title=t("badges.axis_share", lang), tickformat=".0%", rangemode="tozero")
    return _layout(fig, title, height=max(300, 24 * len(data) + 120))


def km_chart(df: pd.DataFrame, group_by: str, lang: str) -> go.Figure:
    """Kaplan–Meier: cumulative share with a first badge by months since launch or hire."""
    data = df.dropna(subset=["cum_share"])
    if data.empty:
        return empty(t("badges.no_data", lang))
    fig = go.Figure()
    for i, (group, part) in enumerate(data.groupby("group_code", sort=True)):
        color = SERIES[i % len(SERIES)]
        name = group_name(group_by, str(group), lang)
        fig.add_trace(
            go.Scatter(
                x=list(part["t"]) + list(part["t"])[::-1],
                y=list(1 - part["surv_high"]) + list(1 - part["surv_low"])[::-1],
                fill="toself",
                fillcolor=color,
                opacity=0.15,
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                name=name,
            )
        )
        fig.add_trace(
            go.Scatter(
                name=name,
                x=part["t"],
                y=part["cum_share"],
                mode="lines",
                line={"shape": "hv", "color": color},
                customdata=part[["n_at_risk", "events"]].to_numpy(),
                hovertemplate=t("badges.hover_km", lang) + "<extra>" + name + "</extra>",
            )
        )
    fig.update_xaxes(title=t("badges.axis_months", lang), rangemode="tozero")
    fig.update_yaxes(title=t("badges.axis_cum_share", lang), tickformat=".0%", range=[0, 1])
    return _layout(fig, t("badges.fig_km", lang))


def funnel_chart(df: pd.DataFrame, lang: str) -> go.Figure:
    """Learning-path funnel per route: people with a badge at intro, advanced and practice."""
    data = df.dropna(subset=["n"])
    if data.empty:
        return empty(t("badges.no_data", lang))
    fig = go.Figure()
    for i, (route, part) in enumerate(data.groupby("route_code", sort=True)):
        part = part.set_index("level").reindex(list(LEVELS))
        fig.add_trace(
            go.Funnel(
                name=t(f"badges.route.{route}", lang),
                y=[t(f"badges.level.{lv}", lang) for lv in LEVELS],
                x=part["n"].fillna(0),
                textinfo="value+percent initial",
                marker={"color": SERIES[i % len(SERIES)]},
            )
        )
    return _layout(fig, t("badges.fig_funnel", lang), height=420)


def supply_demand_chart(df: pd.DataFrame, lang: str) -> go.Figure:
    """Demand index (y) against valid holders per 100 staff (x); the to-do quadrant shaded."""
    if df.empty or not {"demand_index", "per100"} <= set(df.columns):
        return empty(t("badges.no_data", lang))
    data = df.dropna(subset=["demand_index", "per100"])
    if data.empty:
        return empty(t("badges.no_data", lang))
    median = float(data["per100"].median())
    x_max = max(float(data["per100"].max()) * 1.05, median + 1.0)
    y_max = max(float(data["demand_index"].max()) * 1.05, 1.5)
    fig = go.Figure()
    fig.add_shape(
        type="rect", x0=0, x1=median, y0=1.0, y1=y_max, fillcolor=GAP_COLOR, opacity=0.08, line={"width": 0}
    )
    fig.add_annotation(
        text=t("badges.quadrant_todo", lang),
        x=0,
        y=y_max,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        font={"color": GAP_COLOR},
    )
    for i, (tier, part) in enumerate(data.groupby("tier", sort=True)):
        fig.add_trace(
            go.Scatter(
                name=label("tier", str(tier), lang),
                x=part["per100"],
                y=part["demand_index"],
                mode="markers",
                marker={
                    "size": [14 if ai else 9 for ai in part["ai_related"]],
                    "symbol": ["diamond" if ai else "circle" for ai in part["ai_related"]],
                    "color": SERIES[i % len(SERIES)],
                    "line": {"width": [2 if td else 0 for td in part["todo"]], "color": "#000"},
                },
                text=[label("competency", c, lang) for c in part["competency_code"]],
                customdata=part[["score", "holders", "headcount"]].to_numpy(),
                hovertemplate=t("badges.hover_supply", lang) + "<extra></extra>",
            )
        )
    fig.add_vline(x=median, line_dash="dash", line_color="#555")
    fig.add_hline(y=1.0, line_dash="dash", line_color="#555")
    fig.update_xaxes(title=t("badges.axis_per100", lang), range=[0, x_max])
    fig.update_yaxes(title=t("badges.axis_demand", lang), range=[0, y_max])
    return _layout(fig, t("badges.fig_supply", lang), height=480)
