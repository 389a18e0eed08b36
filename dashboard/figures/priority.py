"""Figures of the competency-priority explorer: heatmap, ranked bars with CIs, comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.common import (
    AI_COLOR,
    BASE_COLOR,
    BENCH_COLOR,
    FLAG_COLOR,
    HEAT_SCALE,
    ai_label,
    base_layout,
    empty_figure,
)


def heatmap(
    df: pd.DataFrame, group_labels: dict[str, str], comp_labels: dict[str, str], texts: dict[str, str]
) -> go.Figure:
    """Competencies (rows, AI-related marked) × groups (columns), colour = mean Borda score.

    `df` is priority_scores output; hidden cells show as gaps with 'suppressed' in the hover."""
    if df.empty:
        return empty_figure(texts["no_data"])
    groups = list(dict.fromkeys(df["grp"].astype(str)))
    # Row order: category, then the overall mean score (most important first).
    order = (
        df.groupby(["category_order", "competency_code"], dropna=False)["score"]
        .mean()
        .reset_index()
        .sort_values(["category_order", "score"], ascending=[True, False])
    )
    comps = list(dict.fromkeys(order["competency_code"]))
    ai = df.drop_duplicates("competency_code").set_index("competency_code")["ai_related"].to_dict()
    keyed = (
        df.assign(grp=df["grp"].astype(str))
        .drop_duplicates(["competency_code", "grp"])
        .set_index(["competency_code", "grp"])
    )
    wide = keyed["score"].unstack("grp").reindex(index=comps, columns=groups)
    nwide = keyed["n"].unstack("grp").reindex(index=comps, columns=groups)
    y = [ai_label(comp_labels.get(c, c), bool(ai.get(c))) for c in comps]
    x = [group_labels.get(g, g) for g in groups]
    z = wide.to_numpy(dtype="float64")
    n = nwide.to_numpy(dtype="float64")
    text = np.where(np.isnan(z), "", np.vectorize(lambda v: f"{v:.2f}")(np.nan_to_num(z)))
    # customdata per cell: N, group code, competency code (the click handler reads the codes).
    n_text = np.where(np.isnan(n), "—", np.vectorize(lambda v: f"{v:,.0f}")(np.nan_to_num(n)))
    g_codes = np.array([groups for _ in comps], dtype=object)
    c_codes = np.array([[c] * len(groups) for c in comps], dtype=object)
    custom = np.dstack([n_text.astype(object), g_codes, c_codes])
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x,
            y=y,
            text=text,
            texttemplate="%{text}",
            customdata=custom,
            colorscale=HEAT_SCALE,
            colorbar={"title": {"text": texts["score"]}},
            hoverongaps=True,
            hovertemplate="%{y} · %{x}<br>"
            + texts["score"]
            + " %{z:.2f}<br>N = %{customdata[0]}<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    fig.update_yaxes(autorange="reversed", tickfont={"size": 12})
    fig.update_xaxes(side="top")
    return base_layout(fig, height=max(320, 28 * len(comps) + 90))


def ranked_bars(
    df: pd.DataFrame,
    comp_labels: dict[str, str],
    texts: dict[str, str],
    benchmark: pd.DataFrame | None = None,
) -> go.Figure:
    """One group's competencies ranked by score within category, 95 % intervals as error bars;
    AI-related bars coloured and starred; an optional benchmark (e.g. national) as markers."""
    shown = df[df["score"].notna()]
    if shown.empty:
        message = texts["no_data"] if df.empty else texts["suppressed"]
        if benchmark is None or benchmark["score"].notna().sum() == 0:
            return empty_figure(message)
        # The viewer's own group is hidden (too small): still show the benchmark they compare with.
        fig = ranked_bars(benchmark, comp_labels, texts)
        fig.update_traces(marker={"color": BENCH_COLOR}, name=texts["benchmark"])
        fig.update_layout(title={"text": f"{texts['benchmark']} · {message}", "x": 0})
        return fig
    shown = shown.sort_values(["category_order", "score"], ascending=[True, False])
    labels = [
        ai_label(comp_labels.get(c, c), bool(a))
        for c, a in zip(shown["competency_code"], shown["ai_related"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=shown["score"],
            y=labels,
            orientation="h",
            name=texts["score"],
            marker={"color": [AI_COLOR if a else BASE_COLOR for a in shown["ai_related"]]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": shown["ci_high"] - shown["score"],
                "arrayminus": shown["score"] - shown["ci_low"],
                "color": "#333",
            },
            customdata=np.stack([shown["n"], shown["ci_low"], shown["ci_high"], shown["rank"]], axis=-1),
            hovertemplate="%{y}<br>"
            + texts["score"]
            + " %{x:.2f} (95% CI %{customdata[1]:.2f}–%{customdata[2]:.2f})"
            "<br>" + texts["rank"] + " %{customdata[3]:.0f} · N = %{customdata[0]:,.0f}<extra></extra>",
        )
    )
    if benchmark is not None and not benchmark.empty:
        bench = benchmark.set_index("competency_code")["score"]
        bx = [bench.get(c, np.nan) for c in shown["competency_code"]]
        fig.add_trace(
            go.Scatter(
                x=bx,
                y=labels,
                mode="markers",
                name=texts["benchmark"],
                marker={"symbol": "line-ns", "size": 18, "line": {"width": 3, "color": BENCH_COLOR}},
                hovertemplate="%{y}<br>" + texts["benchmark"] + " %{x:.2f}<extra></extra>",
            )
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title={"text": texts["score"]}, rangemode="tozero")
    fig.update_layout(
        showlegend=benchmark is not None and not benchmark.empty, legend={"orientation": "h", "y": -0.08}
    )
    return base_layout(fig, height=max(300, 26 * len(shown) + 80))


def compare_chart(df: pd.DataFrame, comp_labels: dict[str, str], texts: dict[str, str]) -> go.Figure:
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
    fig = go.Figure(
        go.Scatter(
            x=shown["diff"],
            y=labels,
            mode="markers",
            marker={
                "color": colors,
                "size": 10,
                "symbol": ["diamond" if f else "circle" for f in shown["excludes_zero"]],
            },
            error_x={
                "type": "data",
                "symmetric": False,
                "array": shown["diff_high"] - shown["diff"],
                "arrayminus": shown["diff"] - shown["diff_low"],
                "color": "#555",
            },
            customdata=np.stack([shown["diff_low"], shown["diff_high"], shown["n_a"], shown["n_b"]], axis=-1),
            hovertemplate="%{y}<br>"
            + texts["diff"]
            + " %{x:+.2f} (95% CI %{customdata[0]:+.2f}–%{customdata[1]:+.2f})"
            "<br>N = %{customdata[2]:,.0f} / %{customdata[3]:,.0f}<extra></extra>",
        )
    )
    fig.add_vline(x=0, line={"color": "#222", "width": 1})
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title={"text": texts["diff"]}, zeroline=False)
    return base_layout(fig, height=max(300, 24 * len(shown) + 80))
