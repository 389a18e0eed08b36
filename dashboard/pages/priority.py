"""/priority: competency-priority explorer (heatmap, ranked bars with CIs, group/wave comparison)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html

from dashboard import components as comp
from dashboard.cache import callback_cache, layout_cache
from dashboard.components import sections
from dashboard.figures import priority as figs
from dashboard.filters import Filters
from dashboard.i18n import current_lang, label, reference_codes, t
from dashboard.scope import Scope
from dashboard.services import common as common_svc
from dashboard.services import priority as svc

log = logging.getLogger(__name__)

dash.register_page(__name__, path="/priority", title="職能優先序 · Competency priority", order=1)

PAGE = "/priority"
ID = comp.ids("priority")
AGENCY_CAP = 25
GF_VALUES = Input(sections.FILTERS_ALL, "value")
GF_IDS = State(sections.FILTERS_ALL, "id")

# Services a benchmark can time (docs/dashboard.md): every data callback goes through these.
SERVICES = {
    "priority_scores": svc.priority_scores,
    "priority_benchmark": svc.priority_benchmark,
    "priority_group_n": svc.priority_group_n,
    "priority_group_cells": svc.priority_group_cells,
    "priority_scores_of": svc.priority_scores_of,
    "priority_benchmark_of": svc.priority_benchmark_of,
    "priority_compare": svc.priority_compare,
    "priority_compare_waves": svc.priority_compare_waves,
}


# ---------------------------------------------------------------------------- text helpers
def _texts(lang: str) -> dict[str, str]:
    keys = ("score", "rank", "diff", "benchmark", "no_data", "suppressed")
    out = {k: t(f"priority.{k}", lang) for k in keys}
    for cat in ("common", "technical", "management"):
        out[f"category_{cat}"] = t(f"priority.category_{cat}", lang)
    for tier in ("basic", "middle", "senior"):
        out[f"group_{tier}"] = label("tier", tier, lang)
    return out


def group_label(group_by: str, code: Any, lang: str) -> str:
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return label(group_by, None, lang)
    if group_by == "all":
        return t("common.label.national", lang)
    return label(group_by, str(code), lang)


def _comp_labels(codes: Sequence[str], lang: str) -> dict[str, str]:
    return {c: label("competency", c, lang) for c in codes}


def _group_by_value(value: Any) -> str:
    return value if value in svc.GROUP_BYS else "tier"


# ---------------------------------------------------------------------------- display tables
def _each(values: pd.Series, fn: Any) -> list[Any]:
    """fn(value) for every value of a column, computed once per distinct value (labels of a few
    codes repeated over hundreds of rows)."""
    items = values.tolist()
    done: dict[Any, Any] = {}
    out = []
    for v in items:
        key = "\x00nan" if v is None or v != v else v  # None / NaN: one key (NaN != NaN)
        if key not in done:
            done[key] = fn(v)
        out.append(done[key])
    return out


def _yes_no(values: pd.Series, lang: str) -> list[str]:
    yes, no = t("common.yes", lang), t("common.no", lang)
    return [yes if v else no for v in values.tolist()]


def heatmap_table(df: pd.DataFrame, group_by: str, lang: str) -> pd.DataFrame:
    """The heatmap's data as shown (labels, not codes): the accessible table and the download."""
    return pd.DataFrame(
        {
            t("priority.col_group", lang): _each(df["grp"], lambda g: group_label(group_by, g, lang)),
            t("priority.col_category", lang): _each(
                df["category"], lambda c: t(f"priority.category_{c}", lang)
            ),
            t("priority.col_competency", lang): _each(
                df["competency_code"], lambda c: label("competency", c, lang)
            ),
            t("priority.col_ai", lang): _yes_no(df["ai_related"], lang),
            t("priority.col_score", lang): df["score"].round(2),
            t("priority.col_ci_low", lang): df["ci_low"].round(2),
            t("priority.col_ci_high", lang): df["ci_high"].round(2),
            t("priority.col_rank", lang): df["rank"],
            t("priority.col_n", lang): df["n"],
        }
    )


def compare_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    out: dict[str, Any] = {}
    if "grp" in df.columns:
        out[t("priority.col_tier", lang)] = _each(df["grp"], lambda g: label("tier", g, lang))
    out.update(
        {
            t("priority.col_category", lang): _each(
                df["category"], lambda c: t(f"priority.category_{c}", lang)
            ),
            t("priority.col_competency", lang): _each(
                df["competency_code"], lambda c: label("competency", c, lang)
            ),
            t("priority.col_ai", lang): _yes_no(df["ai_related"], lang),
            t("priority.col_score_a", lang): df["score_a"].round(2),
            t("priority.col_score_b", lang): df["score_b"].round(2),
            t("priority.col_diff", lang): df["diff"].round(2),
            t("priority.col_diff_low", lang): df["diff_low"].round(2),
            t("priority.col_diff_high", lang): df["diff_high"].round(2),
            t("priority.col_flag", lang): _yes_no(df["excludes_zero"], lang),
            t("priority.col_n_a", lang): df["n_a"],
            t("priority.col_n_b", lang): df["n_b"],
        }
    )
    return pd.DataFrame(out)


def _table_component(table: pd.DataFrame, caption: str, lang: str, table_id: str) -> html.Details:
    return comp.accessible_table(table, {c: c for c in table.columns}, caption, lang, table_id=table_id)


# ---------------------------------------------------------------------------- data for a view
def _largest_groups(df: pd.DataFrame, group_by: str) -> pd.DataFrame:
    """Agency grouping: only the AGENCY_CAP largest agencies (by their largest visible cell N)."""
    if group_by == "agency" and not df.empty:
        sizes = df.groupby("grp")["n"].max().sort_values(ascending=False)
        df = df[df["grp"].isin(list(sizes.index[:AGENCY_CAP]))]
    return df


def heatmap_data(scope: Scope, filters: Filters, group_by: str) -> pd.DataFrame:
    """priority_scores limited to the groups the heatmap shows (agency: the largest AGENCY_CAP,
    whose scores alone are computed: the same rows as the whole frame's, tested)."""
    if group_by == "agency":
        groups = heatmap_groups(scope, filters, group_by)
        return svc.priority_scores_of(scope, common_svc.resolve(scope, filters), group_by, tuple(groups))
    return svc.priority_scores(scope, filters, group_by)


def heatmap_groups(scope: Scope, filters: Filters, group_by: str) -> list[str]:
    """The heatmap's groups (its columns, the bars' choices) in display order, from the cell Ns
    alone (priority_group_cells: same rows and suppression as the scores, a cheaper query)."""
    cells = svc.priority_group_cells(scope, common_svc.resolve(scope, filters), group_by)
    return _group_codes(_largest_groups(cells, group_by), group_by)


def group_options(groups: list[str], group_by: str, lang: str) -> list[dict[str, str]]:
    return [{"label": group_label(group_by, g, lang), "value": g} for g in groups]


def _group_codes(df: pd.DataFrame, group_by: str) -> list[str]:
    codes = [str(g) for g in dict.fromkeys(df["grp"].dropna())]
    if group_by in ("tier", "gov_level", "workgroup", "personnel_type"):
        # The code lists' own order (basic → senior, central → county, ...), not alphabetical.
        order = {c: i for i, c in enumerate(reference_codes(group_by))}
        codes.sort(key=lambda c: order.get(c, len(order)))
    return codes


def _n_text(gn: pd.DataFrame, group_by: str, lang: str) -> str:
    parts = [
        f"{group_label(group_by, g, lang)} {('—' if pd.isna(n) else f'{int(n):,}')}"
        for g, n in zip(gn["grp"].tolist(), gn["n"].tolist(), strict=True)
    ]
    return t("priority.n_groups", lang, detail="; ".join(parts))


def _kpi_value(value: Any, fmt: str) -> str:
    return "—" if value is None or pd.isna(value) else format(value, fmt)


def render_main(scope: Scope, filters: Filters, group_by: str, lang: str) -> dict[str, Any]:
    """The heatmap, its table and the number of groups it shows."""
    f = common_svc.resolve(scope, filters)
    df = heatmap_data(scope, f, group_by)
    groups = _group_codes(df, group_by)
    glabels = {g: group_label(group_by, g, lang) for g in groups}
    fig = figs.heatmap(df, glabels, _comp_labels(list(df["competency_code"].unique()), lang), _texts(lang))
    kpi_groups = comp.kpi_card(t("priority.groups_shown", lang), f"{len(groups):,}", card_id=ID("kpi-groups"))
    table = _table_component(
        heatmap_table(df, group_by, lang), t("priority.table_heatmap", lang), lang, ID("heatmap-table")
    )
    return {"figure": fig, "table": table, "kpi_groups": kpi_groups, "groups": groups}


def render_n(scope: Scope, filters: Filters, group_by: str, lang: str) -> dict[str, Any]:
    """The population's N and effective n (KPIs) and the N of every group (the heatmap's note)."""
    f = common_svc.resolve(scope, filters)
    gn = svc.priority_group_n(scope, f, group_by)
    # The population's own N (not the sum of the visible groups: hidden groups still count).
    total_n = svc.priority_group_n(scope, f, "all")
    n_all = None if total_n.empty else total_n["n"].iloc[0]
    n_text = "0" if total_n.empty else _kpi_value(n_all, ",.0f")
    n_eff = None if total_n.empty else total_n["n_eff"].iloc[0]
    kpis = dbc.Row(
        [
            dbc.Col(comp.kpi_card(t("priority.wave", lang), f.wave or "—"), md=4),
            dbc.Col(comp.kpi_card(t("priority.n_total", lang), n_text, card_id=ID("kpi-n")), md=4),
            dbc.Col(comp.kpi_card(t("priority.n_eff", lang), _kpi_value(n_eff, ",.0f")), md=4),
        ],
        className="g-2",
    )
    notes = [html.P(_n_text(gn, group_by, lang), id=ID("heatmap-n"), className="small mb-1")]
    if group_by != "tier" and f.tier is None:
        notes.append(html.P(t("priority.mixed_tiers", lang), className="small text-muted mb-1"))
    if group_by == "agency":
        notes.append(
            html.P(t("priority.agency_cap", lang, cap=AGENCY_CAP), className="small text-muted mb-1")
        )
    return {"kpis": kpis, "notes": notes}


def render_bars(
    scope: Scope, filters: Filters, group_by: str, group: str | None, lang: str
) -> dict[str, Any]:
    # Only the chosen group's scores are computed (the same rows as priority_scores', tested).
    f = common_svc.resolve(scope, filters)
    part = svc.priority_scores_of(scope, f, group_by, () if group is None else (str(group),))
    bench = None
    if scope.agencies is not None and group is not None:
        bench = svc.priority_benchmark_of(scope, f, group_by, (str(group),))
    fig = figs.ranked_bars(
        part, _comp_labels(list(part["competency_code"]), lang), _texts(lang), benchmark=bench
    )
    n = part["n"].max() if not part.empty else None
    n_eff = part["n_eff"].max() if not part.empty else None
    glabel = group_label(group_by, group, lang)
    table = _table_component(
        heatmap_table(part, group_by, lang),
        t("priority.table_bars", lang, group=glabel),
        lang,
        ID("bars-table"),
    )
    return {"figure": fig, "table": table, "n": comp.n_badge(n, lang, n_eff if filters.weighted else None)}


def compare_data(
    scope: Scope, filters: Filters, group_by: str, mode: str, a: str | None, b: str | None
) -> pd.DataFrame | None:
    if not a or not b or a == b:
        return None
    if mode == "waves":
        return svc.priority_compare_waves(scope, filters, a, b)
    return svc.priority_compare(scope, filters, group_by, a, b)


def render_compare(
    scope: Scope, filters: Filters, group_by: str, mode: str, a: str | None, b: str | None, lang: str
) -> dict[str, Any]:
    df = compare_data(scope, filters, group_by, mode, a, b)
    if df is None:
        msg = t("priority.compare_same", lang)
        return {"figure": figs.empty_figure(msg), "table": html.Div(), "note": msg}
    comp_labels = _comp_labels(list(df["competency_code"]), lang)
    fig = figs.compare_chart(df, comp_labels, _texts(lang))
    n = svc.n_comparisons(df)
    note = t("priority.compare_note", lang, n=n, expected=svc.expected_false_flags(n))
    la = a if mode == "waves" else group_label(group_by, a, lang)
    lb = b if mode == "waves" else group_label(group_by, b, lang)
    table = _table_component(
        compare_table(df, lang), t("priority.table_compare", lang, a=la, b=lb), lang, ID("compare-table")
    )

    def _n(col: str) -> str:
        v = pd.to_numeric(df[col], errors="coerce").max() if not df.empty else None
        return "—" if v is None or pd.isna(v) else f"{int(v):,}"

    n_line = t("priority.compare_n", lang, a=la, b=lb, n_a=_n("n_a"), n_b=_n("n_b"))
    return {"figure": fig, "table": table, "note": [note, html.Br(), html.Strong(n_line)]}


def compare_options(
    scope: Scope, filters: Filters, mode: str, groups: list[dict[str, str]], selected: str | None
) -> tuple[list[dict[str, str]], str | None, str | None]:
    if mode == "waves":
        waves = common_svc.filter_options(scope)["wave"]
        opts = [{"label": w, "value": w} for w in waves]
        return opts, (waves[0] if waves else None), (waves[1] if len(waves) > 1 else None)
    values = [o["value"] for o in groups]
    a = selected if selected in values else (values[0] if values else None)
    b = next((v for v in values if v != a), None)
    return groups, a, b


# ---------------------------------------------------------------------------- layout
def _graph(name: str) -> dcc.Loading:
    # Filled by the page's callbacks on their initial call (the layout stays cheap).
    return dcc.Loading(
        dcc.Graph(id=ID(name), config={"displaylogo": False, "responsive": True}, className="figure"),
        type="dot",
    )


def _card(title: str, body: list[Any], card_id: str) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(html.H2(title)), dbc.CardBody(body)], className="figure-card", id=card_id)


def _layout(**query: str) -> html.Div:
    """The filter panel, the group choices and empty containers: every figure, table, KPI and N
    is filled by the callbacks below on their initial call (prevent_initial_call=False), all at
    once and each timed on its own."""
    lang = current_lang()
    scope = common_svc.current_scope()
    filters = common_svc.resolve(scope, Filters.from_query(query))
    group_by = _group_by_value(query.get("group_by"))
    options = common_svc.filter_options(scope)
    # The bars' group and the comparison's pair start set, so that every data callback's first
    # call runs at once (none waits for another's output): a cheap count, not the scores.
    groups = group_options(heatmap_groups(scope, filters, group_by), group_by, lang)
    selected = groups[0]["value"] if groups else None
    c_opts, ca, cb = compare_options(scope, filters, "groups", groups, selected)

    group_by_control = html.Fieldset(
        [
            html.Legend(t("priority.group_by", lang), className="form-label fw-semibold small mb-1"),
            dbc.RadioItems(
                id={"type": comp.FILTER_ID_TYPE, "field": "group_by"},
                options=[{"label": t(f"priority.group_by_{g}", lang), "value": g} for g in svc.GROUP_BYS],
                value=group_by,
                inline=True,
            ),
        ],
        className="mb-2",
    )
    notes_extra = [html.P(t("priority.ai_legend", lang), className="small mb-1")]
    if scope.agencies is not None:
        notes_extra.append(html.P(t("priority.benchmark_note", lang), className="small mb-1"))

    heat_card = _card(
        t("priority.heatmap_title", lang),
        [
            html.P(t("priority.heatmap_help", lang), className="small text-muted"),
            html.Div(id=ID("heatmap-notes")),
            _graph("heatmap"),
            html.Div(id=ID("heatmap-table-wrap")),
            comp.download_controls("priority-heatmap", lang, scope.may_export),
            html.Div(id="priority-heatmap-download-msg", className="small text-danger", role="status"),
        ],
        ID("heatmap-card"),
    )
    bars_card = _card(
        t("priority.bars_title", lang),
        [
            html.Div(
                [
                    html.Label(
                        t("priority.bars_group", lang), htmlFor=ID("bars-group"), className="form-label me-2"
                    ),
                    dbc.Select(
                        id=ID("bars-group"), options=groups, value=selected, style={"maxWidth": "20rem"}
                    ),
                    html.Span(id=ID("bars-n"), className="ms-2"),
                ],
                className="d-flex align-items-center flex-wrap gap-2 mb-2",
            ),
            html.P(id=ID("selected"), className="small mb-1", role="status"),
            _graph("bars"),
            html.Div(id=ID("bars-table-wrap")),
            comp.download_controls("priority-bars", lang, scope.may_export),
            html.Div(id="priority-bars-download-msg", className="small text-danger", role="status"),
        ],
        ID("bars-card"),
    )
    compare_card = _card(
        t("priority.compare_title", lang),
        [
            dbc.Row(
                [
                    dbc.Col(
                        html.Fieldset(
                            [
                                html.Legend(
                                    t("priority.compare_mode", lang), className="form-label small mb-1"
                                ),
                                dbc.RadioItems(
                                    id=ID("compare-mode"),
                                    options=[
                                        {"label": t("priority.compare_groups", lang), "value": "groups"},
                                        {"label": t("priority.compare_waves", lang), "value": "waves"},
                                    ],
                                    value="groups",
                                    inline=True,
                                ),
                            ]
                        ),
                        md=4,
                    ),
                    dbc.Col(
                        [
                            html.Label(
                                t("priority.compare_a", lang),
                                htmlFor=ID("compare-a"),
                                className="form-label small mb-1",
                            ),
                            dbc.Select(id=ID("compare-a"), options=c_opts, value=ca),
                        ],
                        md=4,
                    ),
                    dbc.Col(
                        [
                            html.Label(
                                t("priority.compare_b", lang),
                                htmlFor=ID("compare-b"),
                                className="form-label small mb-1",
                            ),
                            dbc.Select(id=ID("compare-b"), options=c_opts, value=cb),
                        ],
                        md=4,
                    ),
                ],
                className="g-2 mb-2",
            ),
            dbc.Alert(id=ID("compare-note"), color="warning", className="small py-2"),
            _graph("compare"),
            html.Div(id=ID("compare-table-wrap")),
            comp.download_controls("priority-compare", lang, scope.may_export),
            html.Div(id="priority-compare-download-msg", className="small text-danger", role="status"),
        ],
        ID("compare-card"),
    )
    kpis = dbc.Row(
        [dbc.Col(html.Div(id=ID("kpis")), md=9), dbc.Col(html.Div(id=ID("kpi-groups-wrap")), md=3)],
        className="g-2 mb-3",
    )
    page = html.Div(
        [
            html.H1(t("priority.title", lang), className="h3"),
            html.P(t("priority.intro", lang), className="small"),
            *notes_extra,
            dbc.Row(
                [
                    dbc.Col(comp.filter_panel(filters, lang, options), lg=3, className="mb-3"),
                    dbc.Col([group_by_control, kpis, heat_card, bars_card, compare_card], lg=9),
                ]
            ),
        ]
    )
    return page


# An unreadable warehouse shows the error panel (and is logged) instead of a traceback.
# Cached per scope, resolved filters, language, calendar and data version (dashboard.cache).
layout = sections.guarded_layout(layout_cache(_layout), log)


# ---------------------------------------------------------------------------- callbacks
def _state(ids_: Sequence[Mapping[str, str]], values: Sequence[Any]) -> tuple[Filters, str]:
    by_field = {cid["field"]: v for cid, v in zip(ids_, values, strict=False)}
    return comp.filters_from_values(ids_, values), _group_by_value(by_field.get("group_by"))


@callback(
    Output(ID("heatmap"), "figure"),
    Output(ID("heatmap-table-wrap"), "children"),
    Output(ID("kpi-groups-wrap"), "children"),
    GF_VALUES,
    GF_IDS,
)
@callback_cache
def _update_main(values: list[Any], ids: list[dict[str, str]]) -> tuple[Any, ...]:
    """The heatmap, its table and the number of groups it shows."""
    filters, group_by = _state(ids, values)
    main = render_main(common_svc.current_scope(), filters, group_by, current_lang())
    return main["figure"], main["table"], main["kpi_groups"]


@callback(
    Output(ID("bars-group"), "options"),
    Output(ID("bars-group"), "value"),
    Output(ID("selected"), "children"),
    GF_VALUES,
    Input(ID("heatmap"), "clickData"),
    GF_IDS,
    State(ID("bars-group"), "value"),
    prevent_initial_call=True,  # the layout sets the first choices
)
def _update_groups(
    values: list[Any], click: dict[str, Any] | None, ids_: list[dict[str, str]], current: str | None
) -> tuple[Any, ...]:
    lang = current_lang()
    scope = common_svc.current_scope()
    filters, group_by = _state(ids_, values)
    if ctx.triggered_id == ID("heatmap") and click:
        # Cross-filter: the clicked cell's group drives the bars and the comparison.
        cell = clicked_cell(scope, filters, group_by, click["points"][0], lang)
        if cell is None:
            return (dash.no_update,) * 3
        group, code, n = cell
        text = t(
            "priority.selected",
            lang,
            competency=label("competency", code, lang),
            group=group_label(group_by, group, lang),
            n="—" if n is None or pd.isna(n) else f"{int(n):,}",
        )
        return dash.no_update, group, text
    return _groups_outputs(values, ids_, current)


@callback_cache
def _groups_outputs(values: list[Any], ids: list[dict[str, str]], current: str | None) -> tuple[Any, ...]:
    """The bars' group choices when the filters (not a click) changed, memoized."""
    filters, group_by = _state(ids, values)
    scope, lang = common_svc.current_scope(), current_lang()
    groups = heatmap_groups(scope, filters, group_by)
    value = current if current in groups else (groups[0] if groups else None)
    return group_options(groups, group_by, lang), value, ""


@callback(
    Output(ID("kpis"), "children"),
    Output(ID("heatmap-notes"), "children"),
    GF_VALUES,
    GF_IDS,
)
@callback_cache
def _update_n(values: list[Any], ids: list[dict[str, str]]) -> tuple[Any, ...]:
    filters, group_by = _state(ids, values)
    out = render_n(common_svc.current_scope(), filters, group_by, current_lang())
    return out["kpis"], out["notes"]


@callback(
    Output(ID("bars"), "figure"),
    Output(ID("bars-table-wrap"), "children"),
    Output(ID("bars-n"), "children"),
    Input(ID("bars-group"), "value"),
    GF_VALUES,
    GF_IDS,
)
@callback_cache
def _update_bars(group: str | None, values: list[Any], ids: list[dict[str, str]]) -> tuple[Any, ...]:
    lang = current_lang()
    filters, group_by = _state(ids, values)
    bars = render_bars(common_svc.current_scope(), filters, group_by, group, lang)
    return bars["figure"], bars["table"], bars["n"]


@callback(
    Output(ID("compare-a"), "options"),
    Output(ID("compare-a"), "value"),
    Output(ID("compare-b"), "options"),
    Output(ID("compare-b"), "value"),
    Input(ID("compare-mode"), "value"),
    Input(ID("bars-group"), "options"),
    Input(ID("bars-group"), "value"),
    GF_IDS,
    State(sections.FILTERS_ALL, "value"),
    prevent_initial_call=True,  # the layout sets the first pair
)
@callback_cache
def _update_compare_options(
    mode: str,
    groups: list[dict[str, str]],
    selected: str | None,
    ids: list[dict[str, str]],
    values: list[Any],
) -> tuple[Any, ...]:
    filters, _ = _state(ids, values)
    opts, a, b = compare_options(common_svc.current_scope(), filters, mode, groups or [], selected)
    return opts, a, opts, b


@callback(
    Output(ID("compare"), "figure"),
    Output(ID("compare-table-wrap"), "children"),
    Output(ID("compare-note"), "children"),
    Input(ID("compare-a"), "value"),
    Input(ID("compare-b"), "value"),
    GF_VALUES,
    GF_IDS,
    State(ID("compare-mode"), "value"),
)
@callback_cache
def _update_compare(
    a: str | None, b: str | None, values: list[Any], ids: list[dict[str, str]], mode: str
) -> tuple[Any, ...]:
    lang = current_lang()
    filters, group_by = _state(ids, values)
    out = render_compare(common_svc.current_scope(), filters, group_by, mode or "groups", a, b, lang)
    return out["figure"], out["table"], out["note"]


def clicked_cell(
    scope: Scope, filters: Filters, group_by: str, point: Mapping[str, Any], lang: str
) -> tuple[str, str, float | None] | None:
    """(group code, competency code, N) of a clicked heatmap cell. Plotly's click event carries
    the axis labels, so they are matched back to codes against the same (cached) data."""
    df = heatmap_data(scope, common_svc.resolve(scope, filters), group_by)
    groups = {group_label(group_by, g, lang): g for g in _group_codes(df, group_by)}
    comps = {
        figs.ai_label(label("competency", c, lang), bool(a)): c
        for c, a in zip(df["competency_code"], df["ai_related"], strict=True)
    }
    group, code = groups.get(str(point.get("x"))), comps.get(str(point.get("y")))
    if group is None or code is None:
        return None
    match = df[(df["grp"].astype(str) == group) & (df["competency_code"] == code)]
    return group, code, (None if match.empty else match["n"].iloc[0])


def _download(table: pd.DataFrame, fmt: str, filters: Filters, scope: Scope, lang: str) -> tuple[Any, Any]:
    return sections.download_reply(PAGE, table, fmt or "csv", filters, scope, lang)


@callback(
    Output("priority-heatmap-download", "data"),
    Output("priority-heatmap-download-msg", "children"),
    Input("priority-heatmap-download-btn", "n_clicks"),
    State("priority-heatmap-download-format", "value"),
    GF_IDS,
    State(sections.FILTERS_ALL, "value"),
    prevent_initial_call=True,
)
def _download_heatmap(_: int, fmt: str, ids_: list[dict[str, str]], values: list[Any]) -> tuple[Any, Any]:
    lang, scope = current_lang(), common_svc.current_scope()
    filters, group_by = _state(ids_, values)
    f = common_svc.resolve(scope, filters)
    return _download(heatmap_table(heatmap_data(scope, f, group_by), group_by, lang), fmt, f, scope, lang)


@callback(
    Output("priority-bars-download", "data"),
    Output("priority-bars-download-msg", "children"),
    Input("priority-bars-download-btn", "n_clicks"),
    State("priority-bars-download-format", "value"),
    State(ID("bars-group"), "value"),
    GF_IDS,
    State(sections.FILTERS_ALL, "value"),
    prevent_initial_call=True,
)
def _download_bars(
    _: int, fmt: str, group: str | None, ids_: list[dict[str, str]], values: list[Any]
) -> tuple[Any, Any]:
    lang, scope = current_lang(), common_svc.current_scope()
    filters, group_by = _state(ids_, values)
    f = common_svc.resolve(scope, filters)  # clamped before the service cache key, as on screen
    # Only the chosen group's scores (with the agency grouping, not every agency's): the same rows
    # and suppression as the whole frame's (priority_scores_of).
    df = svc.priority_scores_of(scope, f, group_by, (str(group),))
    part = df[df["grp"].astype(str) == str(group)]
    return _download(heatmap_table(part, group_by, lang), fmt, f, scope, lang)


@callback(
    Output("priority-compare-download", "data"),
    Output("priority-compare-download-msg", "children"),
    Input("priority-compare-download-btn", "n_clicks"),
    State("priority-compare-download-format", "value"),
    State(ID("compare-mode"), "value"),
    State(ID("compare-a"), "value"),
    State(ID("compare-b"), "value"),
    GF_IDS,
    State(sections.FILTERS_ALL, "value"),
    prevent_initial_call=True,
)
def _download_compare(
    _: int, fmt: str, mode: str, a: str | None, b: str | None, ids_: list[dict[str, str]], values: list[Any]
) -> tuple[Any, Any]:
    lang, scope = current_lang(), common_svc.current_scope()
    filters, group_by = _state(ids_, values)
    f = common_svc.resolve(scope, filters)  # clamped before the service cache key, as on screen
    df = compare_data(scope, f, group_by, mode or "groups", a, b)
    if df is None:
        return dash.no_update, t("priority.compare_same", lang)
    return _download(compare_table(df, lang), fmt, f, scope, lang)
