"""Figures of the competency-priority explorer: heatmap, ranked bars with CIs, comparison.

Figures are plain dicts ({"data": [...], "layout": {...}}) with plotly's default template
attached, which Dash sends as they are: the same figure as go.Figure(data, layout) draws, without
validating every property on each request and deep-copying it again to serialize it (2/3 of the
heatmap callback's Python time). `go.Figure(fig)` validates one (the unit tests do)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from dashboard.figures.common import (
    AI_COLOR,
    BASE_COLOR,
    BENCH_COLOR,
    FLAG_COLOR,
    HEAT_SCALE,
    ai_label,
    base_layout_props,
    empty_layout,
    template_json,
)

Figure = dict[str, Any]


@functools.cache
def _colorscale(name: str) -> list[list[Any]]:
    """A named colorscale as go.Figure expands it (plotly.js's own 'Blues' is another scale)."""
    return [[s, c] for s, c in go.Heatmap(colorscale=name).colorscale]


def figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> Figure:
    """A figure dict as go.Figure(data, layout) would send it: the default template attached
    (shared, read-only), named colorscales expanded, an empty title left out."""
    for trace in data:
        if isinstance(trace.get("colorscale"), str):
            trace["colorscale"] = _colorscale(trace["colorscale"])
    out = {k: v for k, v in layout.items() if not (k == "title" and v == {})}
    return {"data": data, "layout": {**out, "template": template_json(str(pio.templates.default))}}


def _num(values: Any) -> np.ndarray:
    return np.asarray(values, dtype="float64")


def empty_figure(message: str) -> Figure:
    """A blank figure carrying a message (no data, or everything suppressed); the dict twin of
    figures.common.empty_figure."""
    return figure([], empty_layout(message))


def heatmap(
    df: pd.DataFrame, group_labels: dict[str, str], comp_labels: dict[str, str], texts: dict[str, str]
) -> Figure:
    """Competencies (rows, AI-related marked) × groups (columns), colour = mean Borda score.

    `df` is priority_scores output; hidden cells show as gaps with 'suppressed' in the hover."""
    if df.empty:
        return empty_figure(texts["no_data"])
    # Group codes as text; a missing group stays missing (an unlabelled column, as before).
    grps: list[Any] = [None if g is None or g != g else str(g) for g in df["grp"].tolist()]
    groups = list(dict.fromkeys(grps))
    # Row order: category, then the overall mean score (most important first).
    order = (
        df.groupby(["category_order", "competency_code"], dropna=False)["score"]
        .mean()
        .reset_index()
        .sort_values(["category_order", "score"], ascending=[True, False])
    )
    comps = list(dict.fromkeys(order["competency_code"]))
    # The grid by plain positions (first row per cell, as drop_duplicates kept): no pivot needed.
    row_of = {c: i for i, c in enumerate(comps)}
    col_of = {g: j for j, g in enumerate(groups)}
    z = np.full((len(comps), len(groups)), np.nan)
    n = np.full((len(comps), len(groups)), np.nan)
    seen: set[tuple[int, int]] = set()
    scores = pd.to_numeric(df["score"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    counts = pd.to_numeric(df["n"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    for k, (c, g) in enumerate(zip(df["competency_code"].tolist(), grps, strict=True)):
        cell = (row_of[c], col_of[g])
        if cell not in seen:
            seen.add(cell)
            z[cell], n[cell] = scores[k], counts[k]
    ai = _first_by_code(df)
    y = [ai_label(comp_labels.get(c, c), bool(ai.get(c))) for c in comps]
    x = [group_labels.get(g, g) if g is not None else None for g in groups]
    text = [["" if np.isnan(v) else f"{v:.2f}" for v in row] for row in z]
    # customdata per cell: N, group code, competency code (the click handler reads the codes).
    custom = [
        [["—" if np.isnan(v) else f"{v:,.0f}", g, c] for v, g in zip(nrow, groups, strict=True)]
        for nrow, c in zip(n, comps, strict=True)
    ]
    trace = {
        "type": "heatmap",
        "z": z,
        "x": x,
        "y": y,
        "text": text,
        "texttemplate": "%{text}",
        "customdata": custom,
        "colorscale": HEAT_SCALE,
        "colorbar": {"title": {"text": texts["score"]}},
        "hoverongaps": True,
        "hovertemplate": "%{y} · %{x}<br>"
        + texts["score"]
        + " %{z:.2f}<br>N = %{customdata[0]}<extra></extra>",
        "xgap": 2,
        "ygap": 2,
    }
    layout = {
        "yaxis": {"autorange": "reversed", "tickfont": {"size": 12}},
        "xaxis": {"side": "top"},
        **base_layout_props(height=max(320, 28 * len(comps) + 90)),
    }
    return figure([trace], layout)


def _first_by_code(df: pd.DataFrame) -> dict[str, Any]:
    """ai_related of each competency's first row (as drop_duplicates('competency_code') keeps)."""
    out: dict[str, Any] = {}
    for c, a in zip(df["competency_code"].tolist(), df["ai_related"].tolist(), strict=True):
        out.setdefault(c, a)
    return out


def ranked_bars(
    df: pd.DataFrame,
    comp_labels: dict[str, str],
    texts: dict[str, str],
    benchmark: pd.DataFrame | None = None,
) -> Figure:
    """One group's competencies ranked by score within category, 95 % intervals as error bars;
    AI-related bars coloured and starred; an optional benchmark (e.g. national) as markers."""
    shown = df[df["score"].notna()]
    if shown.empty:
        message = texts["no_data"] if df.empty else texts["suppressed"]
        if benchmark is None or benchmark["score"].notna().sum() == 0:
            return empty_figure(message)
        # The viewer's own group is hidden (too small): still show the benchmark they compare with.
        fig = ranked_bars(benchmark, comp_labels, texts)
        for trace in fig["data"]:
            trace["marker"] = {**trace.get("marker", {}), "color": BENCH_COLOR}
            trace["name"] = texts["benchmark"]
        fig["layout"]["title"] = {
            **fig["layout"].get("title", {}),
            "text": f"{texts['benchmark']} · {message}",
            "x": 0,
        }
        return fig
    shown = shown.sort_values(["category_order", "score"], ascending=[True, False])
    labels = [
        ai_label(comp_labels.get(c, c), bool(a))
        for c, a in zip(shown["competency_code"], shown["ai_related"], strict=True)
    ]
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "x": _num(shown["score"]),
            "y": labels,
            "orientation": "h",
            "name": texts["score"],
            "marker": {"color": [AI_COLOR if a else BASE_COLOR for a in shown["ai_related"]]},
            "error_x": {
                "type": "data",
                "symmetric": False,
                "array": _num(shown["ci_high"] - shown["score"]),
                "arrayminus": _num(shown["score"] - shown["ci_low"]),
                "color": "#333",
            },
            "customdata": np.stack(
                [_num(shown["n"]), _num(shown["ci_low"]), _num(shown["ci_high"]), _num(shown["rank"])],
                axis=-1,
            ),
            "hovertemplate": "%{y}<br>"
            + texts["score"]
            + " %{x:.2f} (95% CI %{customdata[1]:.2f}–%{customdata[2]:.2f})"
            "<br>" + texts["rank"] + " %{customdata[3]:.0f} · N = %{customdata[0]:,.0f}<extra></extra>",
        }
    ]
    has_bench = benchmark is not None and not benchmark.empty
    if benchmark is not None and has_bench:
        bench = benchmark.set_index("competency_code")["score"]
        bx = [bench.get(c, np.nan) for c in shown["competency_code"]]
        traces.append(
            {
                "type": "scatter",
                "x": bx,
                "y": labels,
                "mode": "markers",
                "name": texts["benchmark"],
                "marker": {"symbol": "line-ns", "size": 18, "line": {"width": 3, "color": BENCH_COLOR}},
                "hovertemplate": "%{y}<br>" + texts["benchmark"] + " %{x:.2f}<extra></extra>",
            }
        )
    layout = {
        "yaxis": {"autorange": "reversed"},
        "xaxis": {"title": {"text": texts["score"]}, "rangemode": "tozero"},
        "showlegend": has_bench,
        "legend": {"orientation": "h", "y": -0.08},
        **base_layout_props(height=max(300, 26 * len(shown) + 80)),
    }
    return figure(traces, layout)


def compare_chart(df: pd.DataFrame, comp_labels: dict[str, str], texts: dict[str, str]) -> Figure:
    """Differences a − b with 95 % intervals; intervals excluding zero are flagged (colour + ◆)."""
    shown = df[df["diff"].notna()]
    if shown.empty:
        return empty_figure(texts["no_data"])
    if "grp" in shown.columns:
        prefixes = [texts.get("group_" + str(g), str(g)) + " · " for g in shown["grp"]]
    else:
        prefixes = [""] * len(shown)
    labels = [
        p + ai_label(comp_labels.get(c, c), bool(a)) + (" ◆" if flag else "")
        for p, c, a, flag in zip(
            prefixes, shown["competency_code"], shown["ai_related"], shown["excludes_zero"], strict=True
        )
    ]
    colors = [FLAG_COLOR if f else "#6c757d" for f in shown["excludes_zero"]]
    trace = {
        "type": "scatter",
        "x": _num(shown["diff"]),
        "y": labels,
        "mode": "markers",
        "marker": {
            "color": colors,
            "size": 10,
            "symbol": ["diamond" if f else "circle" for f in shown["excludes_zero"]],
        },
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": _num(shown["diff_high"] - shown["diff"]),
            "arrayminus": _num(shown["diff"] - shown["diff_low"]),
            "color": "#555",
        },
        "customdata": np.stack(
            [_num(shown["diff_low"]), _num(shown["diff_high"]), _num(shown["n_a"]), _num(shown["n_b"])],
            axis=-1,
        ),
        "hovertemplate": "%{y}<br>"
        + texts["diff"]
        + " %{x:+.2f} (95% CI %{customdata[0]:+.2f}–%{customdata[1]:+.2f})"
        "<br>N = %{customdata[2]:,.0f} / %{customdata[3]:,.0f}<extra></extra>",
    }
    layout = {
        # add_vline(x=0): a line shape over the whole plot height.
        "shapes": [
            {
                "type": "line",
                "x0": 0,
                "x1": 0,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "y domain",
                "line": {"color": "#222", "width": 1},
            }
        ],
        "yaxis": {"autorange": "reversed"},
        "xaxis": {"title": {"text": texts["diff"]}, "zeroline": False},
        **base_layout_props(height=max(300, 24 * len(shown) + 80)),
    }
    return figure([trace], layout)


# Built once when the page module is imported (at app start): plotly loads its validators and the
# template lazily, which made the first heatmap request of a fresh worker ~1 s slower.
template_json(str(pio.templates.default))
_colorscale(HEAT_SCALE)
