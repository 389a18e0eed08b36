"""Figures of the AI-readiness gap page: pure DataFrame -> figure functions.

The page's figures are plain plotly figure dicts ({"data": [...], "layout": {...}}), which Dash
sends as they are: building graph objects validates every property (and the template) and
serialising them copies the whole tree again, 5-20 ms a figure against well under one for the
dict. The JSON is the same as the former go.Figure construction's (plotly_white template,
same traces, shapes and layout, numeric arrays as typed arrays; tests/unit/test_s3_ai_gap_figures.py).
`as_graph(fig)` turns one into a graph object (tests do, to read it by attribute)."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64

from dashboard.figures.common import template_json
from dashboard.i18n import label, t

OK_COLOR = "#1b7837"  # meets the target
GAP_COLOR = "#b2182b"  # below the target
SERIES = ["#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214", "#4d4d4d"]
FONT_FAMILY = "Noto Sans CJK TC, Noto Sans TC, sans-serif"
TEMPLATE = "plotly_white"

Fig = dict[str, Any]


def _layout(fig: go.Figure, title: str, height: int = 380) -> go.Figure:
    """The page's look on a graph object (kept for callers that build go.Figure objects)."""
    fig.update_layout(**layout_props(title, height))
    return use_template(fig, TEMPLATE)


def layout_props(title: str, height: int = 380) -> dict[str, Any]:
    """Title, size, margins, legend and font of every figure of the page."""
    return {
        "title": {"text": title, "x": 0, "font": {"size": 15}},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 50, "b": 40},
        "legend": {"orientation": "h", "y": -0.2},
        "font": {"family": FONT_FAMILY},
    }


def use_template(fig: go.Figure, name: str) -> go.Figure:
    """Set a registered (already validated) template without validating it again.

    `update_layout(template=name)` deep-copies and re-validates the whole template: it was 60 %
    of the /ai-gap self-assessment callback. Plotly assigns its default template the same way
    (BaseFigure._initialize_layout_template); the figure's JSON is unchanged."""
    layout = fig.layout
    saved = layout._validate
    layout._validate = False
    try:
        layout.template = pio.templates[name]
    finally:
        layout._validate = saved
    return fig


def figure(data: list[dict[str, Any]], layout: dict[str, Any], title: str, height: int = 380) -> Fig:
    """A figure dict with the page's look and the plotly_white template. Numeric arrays are sent
    as plotly.js typed arrays, as go.Figure.to_dict sends them (NaN stays NaN, not null)."""
    convert_to_base64(data)
    return {
        "data": data,
        "layout": {**layout, **layout_props(title, height), "template": template_json(TEMPLATE)},
    }


def _decoded(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) >= {"dtype", "bdata"}:
            arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
            shape = value.get("shape")
            return arr.reshape([int(x) for x in str(shape).split(",")]) if shape else arr
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def as_graph(fig: Fig | go.Figure) -> go.Figure:
    """A figure dict as a validated go.Figure, typed arrays decoded (to read it by attribute)."""
    if isinstance(fig, go.Figure):
        return fig
    return go.Figure({"data": _decoded(fig["data"]), "layout": _decoded(fig["layout"])})


def _vline(x: float, **line: Any) -> dict[str, Any]:
    # what fig.add_vline(x=..., line_...=...) adds
    return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", "line": line}


def _hline(y: float, **line: Any) -> dict[str, Any]:
    # what fig.add_hline(y=..., line_...=...) adds
    return {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y, "yref": "y", "line": line}


def no_data(message: str) -> Fig:
    """A blank figure dict that says why it is blank (no data, or every cell hidden)."""
    annotation = {"text": message, "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper"}
    layout = {"annotations": [annotation], "xaxis": {"visible": False}, "yaxis": {"visible": False}}
    return figure([], layout, "", height=220)


def empty(message: str) -> go.Figure:
    """no_data as a graph object (for pages that build go.Figure objects)."""
    layout = {k: v for k, v in no_data(message)["layout"].items() if k != "template"}
    return use_template(go.Figure(layout=layout), TEMPLATE)


def group_label(group_by: str, code: str, lang: str) -> str:
    if code == "all":
        return t("ai_gap.all", lang)
    kind = {"national": "", "tier": "tier", "gov_level": "gov_level", "workgroup": "workgroup"}.get(
        group_by, group_by
    )
    return label(kind, code, lang) if kind else str(code)


def _error(high: pd.Series, mid: pd.Series, low: pd.Series) -> dict[str, Any]:
    return {
        "type": "data",
        "symmetric": False,
        "array": (high - mid).to_numpy(),
        "arrayminus": (mid - low).to_numpy(),
    }


def gap_bars(df: pd.DataFrame, lang: str, group_by: str = "national") -> Fig:
    """Rank gap of each AI item (rank - target rank) per tier and group in one wave."""
    if "rank_gap" not in df:
        return no_data(t("ai_gap.no_data", lang))  # an empty selection has no gap columns
    data = df[df["scope_level"] == "selection"].dropna(subset=["rank_gap"])
    title = t("ai_gap.fig_gap", lang)
    if data.empty:
        # an agency too small to show: the national benchmark still tells the story
        data = df[df["scope_level"] == "national"].dropna(subset=["rank_gap"])
        title += f" · {t('ai_gap.national', lang)}"
    if data.empty:
        return no_data(t("ai_gap.no_data", lang))
    items = [
        f"{label('competency', c, lang)} · {label('tier', tr, lang)}"
        + ("" if g == "all" else f" · {group_label(group_by, g, lang)}")
        for c, tr, g in zip(data["competency_code"], data["tier"], data["group_code"], strict=True)
    ]
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "hovertemplate": t("ai_gap.hover_gap", lang) + "<extra></extra>",
            "marker": {"color": [OK_COLOR if ok else GAP_COLOR for ok in data["meets_target"]]},
            "orientation": "h",
            "x": data["rank_gap"].to_numpy(),
            "y": items,
            "customdata": data[["score", "rank", "target_rank", "n_items", "n"]].to_numpy(),
            "name": t("ai_gap.this_wave", lang, wave=str(data["wave"].iloc[0])),
        }
    ]
    layout: dict[str, Any] = {}
    if "rank_change" in data and data["rank_change"].notna().any():
        # where the item stood in the previous wave: the target is the same, so the previous
        # gap is today's gap minus the change in rank
        has = data["rank_change"].notna().to_numpy()
        prev = data[has]
        traces.append(
            {
                "type": "scatter",
                "hovertemplate": "%{x}<extra></extra>",
                "marker": {"symbol": "diamond-open", "size": 11, "color": "#222", "line": {"width": 2}},
                "mode": "markers",
                "name": t("ai_gap.prev_wave", lang, wave=str(prev["prev_wave"].iloc[0])),
                "x": (prev["rank_gap"] - prev["rank_change"]).to_numpy(),
                "y": [y for y, keep in zip(items, has, strict=True) if keep],
            }
        )
        layout["showlegend"] = True
    layout["shapes"] = [_vline(0, color="#333", width=1)]
    layout["xaxis"] = {"title": {"text": t("ai_gap.axis_rank_gap", lang)}, "zeroline": True, "dtick": 1}
    layout["yaxis"] = {"autorange": "reversed"}
    return figure(traces, layout, title, height=max(300, 28 * len(data) + 120))


def mention_chart(df: pd.DataFrame, lang: str, group_by: str = "tier") -> Fig:
    """AI mention rate per group and wave with 95 % intervals."""
    data = df.dropna(subset=["p"])
    if data.empty:
        return no_data(t("ai_gap.no_data", lang))
    traces = []
    for i, (wave, part) in enumerate(data.groupby("wave", sort=True)):
        for scope_level, sub in part.groupby("scope_level", sort=False):
            name = str(wave) if scope_level == "selection" else f"{wave} · {t('ai_gap.national', lang)}"
            by = group_by if scope_level == "selection" else "national"
            traces.append(
                {
                    "type": "bar",
                    "customdata": sub[["n", "low", "high"]].to_numpy(),
                    "error_y": _error(sub["high"], sub["p"], sub["low"]),
                    "hovertemplate": t("ai_gap.hover_share", lang) + "<extra></extra>",
                    "marker": {"color": SERIES[i % len(SERIES)]},
                    "name": name,
                    "opacity": 1.0 if scope_level == "selection" else 0.5,
                    "x": [group_label(by, g, lang) for g in sub["group_code"]],
                    "y": sub["p"].to_numpy(),
                }
            )
    layout = {
        "barmode": "group",
        "yaxis": {"title": {"text": t("ai_gap.axis_share", lang)}, "tickformat": ".0%", "range": [0, 1]},
    }
    return figure(traces, layout, t("ai_gap.fig_mention", lang))


def borich_bars(df: pd.DataFrame, lang: str, group_by: str = "national") -> Fig:
    """Borich MWDS per AI competency, one bar series per group, largest overall first."""
    data = df.dropna(subset=["mwds"])
    if data.empty:
        return no_data(t("ai_gap.no_data", lang))
    order = data.groupby("competency_code")["mwds"].mean().sort_values().index.tolist()
    names = [label("competency", c, lang) for c in order]
    traces = []
    for i, (group, part) in enumerate(data.groupby("group_code", sort=True)):
        part = part.set_index("competency_code").reindex(order)
        traces.append(
            {
                "type": "bar",
                "customdata": part[["rank", "mean_importance", "mean_proficiency", "n"]].to_numpy(),
                "hovertemplate": t("ai_gap.hover_borich", lang) + "<extra></extra>",
                "marker": {"color": SERIES[i % len(SERIES)]},
                "name": group_label(group_by, str(group), lang),
                "orientation": "h",
                "x": part["mwds"].to_numpy(),
                "y": names,
            }
        )
    n_groups = data["group_code"].nunique()
    layout = {
        "barmode": "group",
        "showlegend": bool(n_groups > 1),
        "xaxis": {"title": {"text": t("ai_gap.axis_mwds", lang)}},
    }
    return figure(
        traces, layout, t("ai_gap.fig_borich", lang), height=max(340, 18 * len(order) * n_groups + 140)
    )


def ipa_quadrant(df: pd.DataFrame, lang: str) -> Fig:
    """Importance-performance chart: crosshairs at the grand means of the points shown."""
    # An empty selection may come back without the mean columns (nothing to aggregate).
    if not {"mean_importance", "mean_proficiency"} <= set(df.columns):
        return no_data(t("ai_gap.no_data", lang))
    data = df.dropna(subset=["mean_importance", "mean_proficiency"])
    if data.empty:
        return no_data(t("ai_gap.no_data", lang))
    top = set(data.nlargest(5, "mwds")["competency_code"]) if "mwds" in data else set()
    x_mean = float(data["mean_proficiency"].mean())
    y_mean = float(data["mean_importance"].mean())
    names = [label("competency", c, lang) for c in data["competency_code"]]
    trace = {
        "type": "scatter",
        "customdata": data[["mwds", "n"]].to_numpy(),
        "hovertemplate": t("ai_gap.hover_ipa", lang) + "<extra></extra>",
        "hovertext": names,
        "marker": {"size": 10, "color": SERIES[0]},
        "mode": "markers+text",
        # names of the five largest gaps only: all fourteen would overlap
        "text": [n if c in top else "" for n, c in zip(names, data["competency_code"], strict=True)],
        "textposition": "top center",
        "x": data["mean_proficiency"].to_numpy(),
        "y": data["mean_importance"].to_numpy(),
    }
    annotation = {
        "font": {"color": GAP_COLOR},
        "showarrow": False,
        "text": t("ai_gap.quadrant_focus", lang),
        "x": 0.01,
        "xanchor": "left",
        "xref": "paper",
        "y": 0.99,
        "yref": "paper",
    }
    layout = {
        "shapes": [_vline(x_mean, color="#555", dash="dash"), _hline(y_mean, color="#555", dash="dash")],
        "annotations": [annotation],
        "xaxis": {"title": {"text": t("ai_gap.axis_proficiency", lang)}},
        "yaxis": {"title": {"text": t("ai_gap.axis_importance", lang)}},
    }
    return figure([trace], layout, t("ai_gap.fig_ipa", lang), height=460)


def attitude_chart(df: pd.DataFrame, lang: str, group_by: str = "tier") -> Fig:
    """Mean agreement with the five attitudes per group, with 95 % intervals."""
    data = df.dropna(subset=["mean"])
    if data.empty:
        return no_data(t("ai_gap.no_data", lang))
    traces = [
        {
            "type": "bar",
            "customdata": part[["n", "low", "high"]].to_numpy(),
            "error_y": _error(part["high"], part["mean"], part["low"]),
            "hovertemplate": t("ai_gap.hover_mean", lang) + "<extra></extra>",
            "marker": {"color": SERIES[i % len(SERIES)]},
            "name": group_label(group_by, str(group), lang),
            "x": [label("competency", a, lang) for a in part["attitude_code"]],
            "y": part["mean"].to_numpy(),
        }
        for i, (group, part) in enumerate(data.groupby("group_code", sort=True))
    ]
    layout = {
        "barmode": "group",
        "yaxis": {"title": {"text": t("ai_gap.axis_agreement", lang)}, "range": [1, 5]},
    }
    return figure(traces, layout, t("ai_gap.fig_attitudes", lang))


def earners_chart(df: pd.DataFrame, lang: str, group_by: str = "national") -> Fig:
    """Mean change in self-rated AI proficiency between two waves, earners vs non-earners."""
    data = df.dropna(subset=["mean_change"])
    if data.empty:
        return no_data(t("ai_gap.no_data", lang))
    traces = [
        {
            "type": "bar",
            "customdata": part[["n", "low", "high"]].to_numpy(),
            "error_y": _error(part["high"], part["mean_change"], part["low"]),
            "hovertemplate": t("ai_gap.hover_mean", lang) + "<extra></extra>",
            "marker": {"color": SERIES[1 - i]},
            "name": t("ai_gap.earners" if earner else "ai_gap.non_earners", lang),
            "x": [group_label(group_by, str(g), lang) for g in part["group_code"]],
            "y": part["mean_change"].to_numpy(),
        }
        for i, (earner, part) in enumerate(data.groupby("earner", sort=True))
    ]
    layout = {
        "barmode": "group",
        "shapes": [_hline(0, color="#333", width=1)],
        "yaxis": {"title": {"text": t("ai_gap.axis_change", lang)}},
    }
    return figure(traces, layout, t("ai_gap.fig_earners", lang))
