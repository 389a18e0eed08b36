"""Figures of the printable executive summary: compact, print-friendly versions."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures import ai_gap as gap_fig
from dashboard.figures import badges as badge_fig


def _compact(fig: go.Figure, height: int) -> go.Figure:
    # No fixed width: the figure fills its column on screen and on A4 paper (assets/print.css).
    fig.update_layout(height=height, autosize=True, margin={"l": 10, "r": 10, "t": 40, "b": 30})
    fig.update_layout(title_font_size=13, font_size=11)
    return fig


def ai_gap_compact(df: pd.DataFrame, lang: str) -> go.Figure:
    """AI items against their target rank in the latest wave, sized for one third of a page."""
    fig = gap_fig.gap_bars(df, lang)
    return _compact(fig, min(340, max(220, 24 * len(df) + 90)))


def coverage_compact(df: pd.DataFrame, lang: str) -> go.Figure:
    """Badge coverage trend, sized for one third of a page."""
    return _compact(badge_fig.coverage_trend_chart(df, lang), 260)
