"""Shared figure helpers: base layout, CJK-capable fonts, empty-state figure, colour constants."""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

FONT = "Noto Sans CJK TC, Noto Sans TC, Microsoft JhengHei, sans-serif"
AI_COLOR = "#7b2cbf"  # AI-related competencies (with a ★ marker, never colour alone)
BASE_COLOR = "#1f5fa8"
BENCH_COLOR = "#444444"
FLAG_COLOR = "#b02a37"
AI_MARK = "★"
# Sequential, colour-blind-safe, dark enough at the top for white text.
HEAT_SCALE = "Blues"


@cache
def template_json(name: str) -> dict[str, Any]:
    """A registered plotly template as the JSON-ready dict a figure embeds (static: built once per
    process and shared by every figure dict; treat it as read-only)."""
    return pio.templates[name].to_plotly_json()  # type: ignore[no-any-return]


def base_layout(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """Common look: readable fonts, white background, compact margins, no Plotly logo clutter."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"} if title else None,
        font={"family": FONT, "size": 13},
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        hoverlabel={"font": {"family": FONT}},
    )
    if height:
        fig.update_layout(height=height)
    return fig


def base_layout_props(title: str | None = None, height: int | None = None) -> dict[str, Any]:
    """base_layout's properties as a plain dict, for figures built in one go.Figure(...) call
    (one validation pass instead of one per update_layout: the same figure, much faster)."""
    props: dict[str, Any] = {
        # update_layout(title=None) leaves an empty title object: kept, so the JSON is the same.
        "title": {"text": title, "x": 0, "xanchor": "left"} if title else {},
        "font": {"family": FONT, "size": 13},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        "hoverlabel": {"font": {"family": FONT}},
    }
    if height:
        props["height"] = height
    return props


def empty_layout(message: str) -> dict[str, Any]:
    """The layout of a blank figure carrying a message (no data, or everything suppressed)."""
    return {
        "annotations": [
            {
                "text": message,
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": {"size": 15},
            }
        ],
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        **base_layout_props(height=220),
    }


def empty_figure(message: str) -> go.Figure:
    """A blank figure carrying a message (no data, or everything suppressed)."""
    return go.Figure(layout=empty_layout(message))


def ai_label(name: str, ai_related: bool) -> str:
    """A competency's axis label, marked when AI-related (shape, not only colour)."""
    return f"{AI_MARK} {name}" if ai_related else name


def stacked_bars(df: pd.DataFrame, y: str, x: str, color: str, x_title: str, empty_message: str) -> go.Figure:
    """Horizontal stacked bars of `x` per `y`, one trace per `color` value (labels already
    translated by the caller); used for counts such as quarantined rows per feed and reason."""
    if df.empty:
        return empty_figure(empty_message)
    fig = go.Figure()
    palette = ["#1f5fa8", "#c1121f", "#e09f3e", "#2a9d8f", "#6d597a", "#555555", "#8ab17d", "#b56576"]
    for i, (name, part) in enumerate(df.groupby(color, sort=False)):
        fig.add_trace(
            go.Bar(
                y=part[y],
                x=part[x],
                name=str(name),
                orientation="h",
                marker={"color": palette[i % len(palette)]},
                hovertemplate="%{y}<br>" + str(name) + ": %{x:,}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(title={"text": x_title}, rangemode="tozero")
    return base_layout(fig, height=max(240, 60 * df[y].nunique() + 120))
