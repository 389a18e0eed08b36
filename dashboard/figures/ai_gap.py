"""Figures of the AI-readiness gap page: pure DataFrame -> go.Figure functions."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from dashboard.i18n import label, t

OK_COLOR = "#1b7837"  # meets the target
GAP_COLOR = "#b2182b"  # below the target
SERIES = ["#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214", "#4d4d4d"]


def _layout(fig: go.Figure, title: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        font={"family": "Noto Sans CJK TC, Noto Sans TC, sans-serif"},
    )
    return use_template(fig, "plotly_white")


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


def empty(message: str) -> go.Figure:
    """A blank figure that says why it is blank (no data, or every cell hidden)."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, "", height=220)


def group_label(group_by: str, code: str, lang: str) -> str:
    if code == "all":
        return t("ai_gap.all", lang)
    kind = {"national": "", "tier": "tier", "gov_level": "gov_level", "workgroup": "workgroup"}.get(
        group_by, group_by
    )
    return label(kind, code, lang) if kind else str(code)


def gap_bars(df: pd.DataFrame, lang: str, group_by: str = "national") -> go.Figure:
    """Rank gap of each AI item (rank - target rank) per tier and group in one wave."""
    data = df[df["scope_level"] == "selection"].dropna(subset=["rank_gap"])
    title = t("ai_gap.fig_gap", lang)
    if data.empty:
        # an agency too small to show: the national benchmark still tells the story
        data = df[df["scope_level"] == "national"].dropna(subset=["rank_gap"])
        title += f" · {t('ai_gap.national', lang)}"
    if data.empty:
        return empty(t("ai_gap.no_data", lang))
    data = data.assign(
        item=[
            f"{label('competency', c, lang)} · {label('tier', tr, lang)}"
            + ("" if g == "all" else f" · {group_label(group_by, g, lang)}")
            for c, tr, g in zip(data["competency_code"], data["tier"], data["group_code"], strict=True)
        ]
    )
    colors = [OK_COLOR if ok else GAP_COLOR for ok in data["meets_target"]]
    fig = go.Figure(
        go.Bar(
            x=data["rank_gap"],
            y=data["item"],
            orientation="h",
            marker_color=colors,
            customdata=data[["score", "rank", "target_rank", "n_items", "n"]].to_numpy(),
            hovertemplate=t("ai_gap.hover_gap", lang) + "<extra></extra>",
        )
    )
    fig.data[0].name = t("ai_gap.this_wave", lang, wave=str(data["wave"].iloc[0]))
    if "rank_change" in data and data["rank_change"].notna().any():
        # where the item stood in the previous wave: the target is the same, so the previous
        # gap is today's gap minus the change in rank
        prev = data.dropna(subset=["rank_change"])
        fig.add_trace(
            go.Scatter(
                x=prev["rank_gap"] - prev["rank_change"],
                y=prev["item"],
                mode="markers",
                marker={"symbol": "diamond-open", "size": 11, "color": "#222", "line": {"width": 2}},
                name=t("ai_gap.prev_wave", lang, wave=str(prev["prev_wave"].iloc[0])),
                hovertemplate="%{x}<extra></extra>",
            )
        )
        fig.update_layout(showlegend=True)
    fig.add_vline(x=0, line_width=1, line_color="#333")
    fig.update_xaxes(title=t("ai_gap.axis_rank_gap", lang), zeroline=True, dtick=1)
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, title, height=max(300, 28 * len(data) + 120))


def mention_chart(df: pd.DataFrame, lang: str, group_by: str = "tier") -> go.Figure:
    """AI mention rate per group and wave with 95 % intervals."""
    data = df.dropna(subset=["p"])
    if data.empty:
        return empty(t("ai_gap.no_data", lang))
    fig = go.Figure()
    for i, (wave, part) in enumerate(data.groupby("wave", sort=True)):
        for scope_level, sub in part.groupby("scope_level", sort=False):
            name = str(wave) if scope_level == "selection" else f"{wave} · {t('ai_gap.national', lang)}"
            fig.add_trace(
                go.Bar(
                    name=name,
                    x=[
                        group_label(group_by if scope_level == "selection" else "national", g, lang)
                        for g in sub["group_code"]
                    ],
                    y=sub["p"],
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": sub["high"] - sub["p"],
                        "arrayminus": sub["p"] - sub["low"],
                    },
                    marker_color=SERIES[i % len(SERIES)],
                    opacity=1.0 if scope_level == "selection" else 0.5,
                    customdata=sub[["n", "low", "high"]].to_numpy(),
                    hovertemplate=t("ai_gap.hover_share", lang) + "<extra></extra>",
                )
            )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=t("ai_gap.axis_share", lang), tickformat=".0%", range=[0, 1])
    return _layout(fig, t("ai_gap.fig_mention", lang))


def borich_bars(df: pd.DataFrame, lang: str, group_by: str = "national") -> go.Figure:
    """Borich MWDS per AI competency, one bar series per group, largest overall first."""
    data = df.dropna(subset=["mwds"])
    if data.empty:
        return empty(t("ai_gap.no_data", lang))
    order = data.groupby("competency_code")["mwds"].mean().sort_values().index.tolist()
    names = [label("competency", c, lang) for c in order]
    fig = go.Figure()
    for i, (group, part) in enumerate(data.groupby("group_code", sort=True)):
        part = part.set_index("competency_code").reindex(order)
        fig.add_trace(
            go.Bar(
                name=group_label(group_by, str(group), lang),
                x=part["mwds"],
                y=names,
                orientation="h",
                marker_color=SERIES[i % len(SERIES)],
                customdata=part[["rank", "mean_importance", "mean_proficiency", "n"]].to_numpy(),
                hovertemplate=t("ai_gap.hover_borich", lang) + "<extra></extra>",
            )
        )
    fig.update_layout(barmode="group", showlegend=data["group_code"].nunique() > 1)
    fig.update_xaxes(title=t("ai_gap.axis_mwds", lang))
    n_groups = data["group_code"].nunique()
    return _layout(fig, t("ai_gap.fig_borich", lang), height=max(340, 18 * len(order) * n_groups + 140))


def ipa_quadrant(df: pd.DataFrame, lang: str) -> go.Figure:
    """Importance-performance chart: crosshairs at the grand means of the points shown."""
    # An empty selection may come back without the mean columns (nothing to aggregate).
    if not {"mean_importance", "mean_proficiency"} <= set(df.columns):
        return empty(t("ai_gap.no_data", lang))
    data = df.dropna(subset=["mean_importance", "mean_proficiency"])
    if data.empty:
        return empty(t("ai_gap.no_data", lang))
    top = set(data.nlargest(5, "mwds")["competency_code"]) if "mwds" in data else set()
    x_mean = float(data["mean_proficiency"].mean())
    y_mean = float(data["mean_importance"].mean())
    fig = go.Figure(
        go.Scatter(
            x=data["mean_proficiency"],
            y=data["mean_importance"],
            mode="markers+text",
            # names of the five largest gaps only: all fourteen would overlap
            text=[label("competency", c, lang) if c in top else "" for c in data["competency_code"]],
            hovertext=[label("competency", c, lang) for c in data["competency_code"]],
            textposition="top center",
            marker={"size": 10, "color": SERIES[0]},
            customdata=data[["mwds", "n"]].to_numpy(),
            hovertemplate=t("ai_gap.hover_ipa", lang) + "<extra></extra>",
        )
    )
    fig.add_vline(x=x_mean, line_dash="dash", line_color="#555")
    fig.add_hline(y=y_mean, line_dash="dash", line_color="#555")
    fig.add_annotation(
        text=t("ai_gap.quadrant_focus", lang),
        x=0.01,
        y=0.99,
        xref="paper",
        yref="paper",
        showarrow=False,
        xanchor="left",
        font={"color": GAP_COLOR},
    )
    fig.update_xaxes(title=t("ai_gap.axis_proficiency", lang))
    fig.update_yaxes(title=t("ai_gap.axis_importance", lang))
    return _layout(fig, t("ai_gap.fig_ipa", lang), height=460)


def attitude_chart(df: pd.DataFrame, lang: str, group_by: str = "tier") -> go.Figure:
    """Mean agreement with the five attitudes per group, with 95 % intervals."""
    data = df.dropna(subset=["mean"])
    if data.empty:
        return empty(t("ai_gap.no_data", lang))
    fig = go.Figure()
    for i, (group, part) in enumerate(data.groupby("group_code", sort=True)):
        fig.add_trace(
            go.Bar(
                name=group_label(group_by, str(group), lang),
                x=[label("competency", a, lang) for a in part["attitude_code"]],
                y=part["mean"],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": part["high"] - part["mean"],
                    "arrayminus": part["mean"] - part["low"],
                },
                marker_color=SERIES[i % len(SERIES)],
                customdata=part[["n", "low", "high"]].to_numpy(),
                hovertemplate=t("ai_gap.hover_mean", lang) + "<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title=t("ai_gap.axis_agreement", lang), range=[1, 5])
    return _layout(fig, t("ai_gap.fig_attitudes", lang))


def earners_chart(df: pd.DataFrame, lang: str, group_by: str = "national") -> go.Figure:
    """Mean change in self-rated AI proficiency between two waves, earners vs non-earners."""
    data = df.dropna(subset=["mean_change"])
    if data.empty:
        return empty(t("ai_gap.no_data", lang))
    fig = go.Figure()
    for i, (earner, part) in enumerate(data.groupby("earner", sort=True)):
        fig.add_trace(
            go.Bar(
                name=t("ai_gap.earners" if earner else "ai_gap.non_earners", lang),
                x=[group_label(group_by, str(g), lang) for g in part["group_code"]],
                y=part["mean_change"],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": part["high"] - part["mean_change"],
                    "arrayminus": part["mean_change"] - part["low"],
                },
                marker_color=SERIES[1 - i],
                customdata=part[["n", "low", "high"]].to_numpy(),
                hovertemplate=t("ai_gap.hover_mean", lang) + "<extra></extra>",
            )
        )
    fig.update_layout(barmode="group")
    fig.add_hline(y=0, line_width=1, line_color="#333")
    fig.update_yaxes(title=t("ai_gap.axis_change", lang))
    return _layout(fig, t("ai_gap.fig_earners", lang))
