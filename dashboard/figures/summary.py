"""Figures of the printable executive summary: compact, print-friendly versions (figure dicts)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures import ai_gap as gap_fig
from dashboard.figures import badges as badge_fig


def _compact(fig: gap_fig.Fig | go.Figure, height: int) -> gap_fig.Fig:
    """The figure resized for a third of an A4 page, as a figure dict (what update_layout(height,
    autosize, margin, title_font_size=13, font_size=11) would make of it, without validation)."""
    out: dict[str, Any] = fig.to_plotly_json() if isinstance(fig, go.Figure) else dict(fig)
    layout = dict(out.get("layout") or {})
    title = dict(layout.get("title") or {})
    title["font"] = {**(title.get("font") or {}), "size": 13}
    # No fixed width: the figure fills its column on screen and on A4 paper (assets/print.css).
    layout.update(
        height=height,
        autosize=True,
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
        title=title,
        font={**(layout.get("font") or {}), "size": 11},
    )
    out["layout"] = layout
    return out


def ai_gap_compact(df: pd.DataFrame, lang: str) -> gap_fig.Fig:
    """AI items against their target rank in the latest wave, sized for one third of a page."""
    fig = gap_fig.gap_bars(df, lang)
    return _compact(fig, min(340, max(220, 24 * len(df) + 90)))


def coverage_compact(df: pd.DataFrame, lang: str) -> gap_fig.Fig:
    """Badge coverage trend, sized for one third of a page."""
    # the badge page's plain figure dict (no go.Figure validation), resized
    return _compact(badge_fig.as_plain(badge_fig.coverage_trend_spec(df, lang)), 260)
