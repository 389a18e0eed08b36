"""/ai-gap: AI items' priority against target, AI mention rate, Borich MWDS, IPA, attitudes, earners."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard import components as comp
from dashboard.cache import callback_cache, layout_cache
from dashboard.components import sections
from dashboard.figures import ai_gap as fig
from dashboard.filters import Filters
from dashboard.i18n import current_lang, label, t
from dashboard.scope import Scope
from dashboard.services import ai_gap as svc
from dashboard.services import common

dash.register_page(__name__, path="/ai-gap", title="AI-readiness gap", name="AI gap", order=3)

P = comp.ids("aig")
PAGE = "/ai-gap"
GF = sections.FILTERS_ALL
# The services a benchmark can time as service(scope, filters).
SERVICES = {
    "ai_gap_priority_gap": svc.priority_gap,
    "ai_gap_mention_rate": svc.mention_rate,
    "ai_gap_borich": svc.borich,
    "ai_gap_attitudes": svc.attitudes,
    "ai_gap_earners": svc.earners,
}
TABLES = ("gap", "mention", "borich", "attitudes", "earners")
GRAPH_CONFIG: Any = {"displaylogo": False, "responsive": True}


def _radio(name: str, legend: str, options: Sequence[tuple[str, str]], value: str) -> html.Fieldset:
    return sections.radio(P, name, legend, options, value)


def _groups(lang: str, codes: Sequence[str]) -> list[tuple[str, str]]:
    return [(c, t(f"ai_gap.group.{c}", lang)) for c in codes]


def _section(title: str, children: list[Any], measure_key: str, lang: str, sid: str) -> html.Section:
    return sections.section(P, sid, title, children, t(f"ai_gap.measure.{measure_key}", lang), "aig-section")


def _graph(name: str) -> dcc.Loading:
    return sections.graph(P, name, GRAPH_CONFIG, "aig-graph")


@layout_cache
def layout(**query: str) -> html.Div:
    lang = current_lang()
    scope = common.current_scope()
    filters = common.resolve(scope, Filters.from_query(query))
    waves = svc.sa_waves(scope)
    wave_opts = [{"label": w, "value": w} for w in reversed(waves)]
    content = [
        _section(
            t("ai_gap.section_priority", lang),
            [
                _radio(
                    "gap-group",
                    t("ai_gap.group_by", lang),
                    _groups(lang, ("national", "gov_level", "workgroup", "personnel_type")),
                    "national",
                ),
                html.P(id=P("gap-note"), className="small"),
                _graph("gap"),
                html.Div(id=P("gap-table")),
            ],
            "priority",
            lang,
            "gap",
        ),
        _section(
            t("ai_gap.section_mention", lang),
            [
                _radio(
                    "mention-group",
                    t("ai_gap.group_by", lang),
                    _groups(lang, ("tier", "national", "gov_level", "workgroup", "personnel_type")),
                    "tier",
                ),
                _graph("mention"),
                html.Div(id=P("mention-table")),
            ],
            "mention",
            lang,
            "mention",
        ),
        html.Div(
            [
                html.Label(
                    t("ai_gap.sa_wave", lang), htmlFor=P("sa-wave"), className="form-label small mb-1"
                ),
                dbc.Select(
                    id=P("sa-wave"),
                    options=wave_opts,
                    value=waves[-1] if waves else None,
                    className="mb-2",
                ),
                _radio(
                    "sa-group",
                    t("ai_gap.group_by", lang),
                    _groups(lang, ("national", "tier", "gov_level", "personnel_type")),
                    "national",
                ),
            ],
            className="mt-4 p-2 border rounded",
        ),
        _section(
            t("ai_gap.section_selfassessment", lang),
            [_graph("borich"), html.Div(id=P("borich-table"))],
            "borich",
            lang,
            "borich",
        ),
        _section(t("ai_gap.section_ipa", lang), [_graph("ipa")], "ipa", lang, "ipa"),
        _section(
            t("ai_gap.section_attitudes", lang),
            [_graph("attitudes"), html.Div(id=P("attitudes-table"))],
            "attitudes",
            lang,
            "attitudes",
        ),
        _section(
            t("ai_gap.section_earners", lang),
            [_graph("earners"), html.Div(id=P("earners-table"))],
            "earners",
            lang,
            "earners",
        ),
        *sections.download_tail(P, "ai_gap", lang, TABLES, _SECTION, "gap", scope.may_export),
    ]
    return sections.page_frame(
        t("ai_gap.title", lang),
        t("ai_gap.intro", lang),
        comp.filter_panel(filters, lang, common.filter_options(scope)),
        content,
        "page-ai-gap",
    )


_SECTION = {
    "gap": "priority",
    "mention": "mention",
    "borich": "selfassessment",
    "attitudes": "attitudes",
    "earners": "earners",
}


_filters = sections.resolved_filters


def _fmt_rows(df: pd.DataFrame, lang: str, group_by: str) -> pd.DataFrame:
    """Codes -> catalog names for the table alternatives (no raw codes on screen)."""
    out = df.copy()
    for col in _COUNTS:
        if col in out:
            out[col] = pd.to_numeric(out[col], errors="coerce").round().astype("Int64")
    if "competency_code" in out:
        out["competency_code"] = [label("competency", c, lang) for c in out["competency_code"]]
    if "attitude_code" in out:
        out["attitude_code"] = [label("competency", c, lang) for c in out["attitude_code"]]
    if "tier" in out:
        out["tier"] = [label("tier", c, lang) for c in out["tier"]]
    if "group_code" in out:
        out["group_code"] = [fig.group_label(group_by, str(c), lang) for c in out["group_code"]]
    if "scope_level" in out:
        out["scope_level"] = [t(f"ai_gap.scope.{c}", lang) for c in out["scope_level"]]
    if "category" in out:
        out["category"] = [t(f"summary.category.{c}", lang) if c in _CATS else c for c in out["category"]]
    return out


_CATS = ("common", "technical", "management")
# Whole numbers in the table alternatives (suppression turns them into floats with gaps).
_COUNTS = ("n", "n_mentioned", "rank", "n_items", "target_rank", "rank_gap", "rank_change")


def _cols(lang: str, names: Sequence[str]) -> dict[str, str]:
    mapping = {
        "scope_level": "scope_level",
        "wave": "wave",
        "sa_wave": "sa_wave",
        "tier": "tier",
        "group_code": "group",
        "competency_code": "competency",
        "attitude_code": "attitude",
        "category": "category",
    }
    return {n: t(f"ai_gap.col.{mapping.get(n, n)}", lang) for n in names}


GAP_COLS = (
    "scope_level",
    "wave",
    "tier",
    "group_code",
    "competency_code",
    "n",
    "score",
    "rank",
    "n_items",
    "target_rank",
    "rank_gap",
    "score_gap",
    "score_change",
    "rank_change",
)
MENTION_COLS = (
    "scope_level",
    "wave",
    "group_code",
    "n",
    "n_eff",
    "p",
    "low",
    "high",
    "change",
    "change_significant",
)
BORICH_COLS = (
    "sa_wave",
    "group_code",
    "competency_code",
    "n",
    "mean_importance",
    "mean_proficiency",
    "mwds",
    "rank",
)
ATT_COLS = ("sa_wave", "group_code", "attitude_code", "n", "mean", "low", "high")
EARN_COLS = ("group_code", "earner", "n", "mean_change", "low", "high", "diff")


def _table(
    df: pd.DataFrame, cols: Sequence[str], caption: str, lang: str, group_by: str, tid: str
) -> html.Details:
    shown = _fmt_rows(df, lang, group_by)
    return comp.accessible_table(shown, _cols(lang, cols), caption, lang, table_id=P(tid))


@dash.callback(
    Output(P("gap"), "figure"),
    Output(P("gap-table"), "children"),
    Output(P("gap-note"), "children"),
    Input(GF, "value"),
    Input(P("gap-group"), "value"),
    State(GF, "id"),
)
@callback_cache
def _update_gap(values: list[Any], group_by: str, ids: list[dict[str, str]]) -> tuple[Any, Any, str]:
    lang, scope = current_lang(), common.current_scope()
    filters = _filters(ids, values, scope)
    df = svc.priority_gap(scope, filters, group_by=group_by)
    if df.empty:
        return fig.no_data(t("ai_gap.no_data", lang)), None, ""
    shown = df[df["wave"] == filters.wave]
    prev = shown["prev_wave"].dropna()
    note = t("ai_gap.wave_shown", lang, wave=filters.wave, prev=prev.iloc[0] if not prev.empty else "—")
    table = _table(df, GAP_COLS, t("ai_gap.fig_gap", lang), lang, group_by, "gap-tbl")
    return fig.gap_bars(shown, lang, group_by), table, note


@dash.callback(
    Output(P("mention"), "figure"),
    Output(P("mention-table"), "children"),
    Input(GF, "value"),
    Input(P("mention-group"), "value"),
    State(GF, "id"),
)
@callback_cache
def _update_mention(values: list[Any], group_by: str, ids: list[dict[str, str]]) -> tuple[Any, Any]:
    lang, scope = current_lang(), common.current_scope()
    df = svc.mention_rate(scope, _filters(ids, values, scope), group_by=group_by)
    table = _table(df, MENTION_COLS, t("ai_gap.fig_mention", lang), lang, group_by, "mention-tbl")
    return fig.mention_chart(df, lang, group_by), table


# The self-assessment sections: one callback per chart (each with its table), so each is
# timed on its own and the browser runs them side by side.
@dash.callback(
    Output(P("borich"), "figure"),
    Output(P("borich-table"), "children"),
    Input(GF, "value"),
    Input(P("sa-wave"), "value"),
    Input(P("sa-group"), "value"),
    State(GF, "id"),
)
@callback_cache
def _update_borich(
    values: list[Any], sa_wave: str | None, group_by: str, ids: list[dict[str, str]]
) -> tuple[Any, Any]:
    lang, scope = current_lang(), common.current_scope()
    bor = svc.borich(scope, _filters(ids, values, scope), group_by=group_by, sa_wave=sa_wave)
    return (
        fig.borich_bars(bor, lang, group_by),
        _table(bor, BORICH_COLS, t("ai_gap.fig_borich", lang), lang, group_by, "borich-tbl"),
    )


@dash.callback(
    Output(P("ipa"), "figure"),
    Input(GF, "value"),
    Input(P("sa-wave"), "value"),
    State(GF, "id"),
)
@callback_cache
def _update_ipa(values: list[Any], sa_wave: str | None, ids: list[dict[str, str]]) -> Any:
    # all respondents of the selection, whatever the grouping: one point per competency
    lang, scope = current_lang(), common.current_scope()
    overall = svc.borich(scope, _filters(ids, values, scope), group_by="national", sa_wave=sa_wave)
    return fig.ipa_quadrant(overall, lang)


@dash.callback(
    Output(P("attitudes"), "figure"),
    Output(P("attitudes-table"), "children"),
    Input(GF, "value"),
    Input(P("sa-wave"), "value"),
    Input(P("sa-group"), "value"),
    State(GF, "id"),
)
@callback_cache
def _update_attitudes(
    values: list[Any], sa_wave: str | None, group_by: str, ids: list[dict[str, str]]
) -> tuple[Any, Any]:
    lang, scope = current_lang(), common.current_scope()
    att = svc.attitudes(scope, _filters(ids, values, scope), group_by=group_by, sa_wave=sa_wave)
    return (
        fig.attitude_chart(att, lang, group_by),
        _table(att, ATT_COLS, t("ai_gap.fig_attitudes", lang), lang, group_by, "attitudes-tbl"),
    )


@dash.callback(
    Output(P("earners"), "figure"),
    Output(P("earners-table"), "children"),
    Input(GF, "value"),
    Input(P("sa-group"), "value"),
    State(GF, "id"),
)
@callback_cache
def _update_earners(values: list[Any], group_by: str, ids: list[dict[str, str]]) -> tuple[Any, Any]:
    lang, scope = current_lang(), common.current_scope()
    df = svc.earners(scope, _filters(ids, values, scope), group_by=group_by)
    shown = df.assign(earner=[t("ai_gap.earners" if e else "ai_gap.non_earners", lang) for e in df["earner"]])
    table = _table(shown, EARN_COLS, t("ai_gap.fig_earners", lang), lang, group_by, "earners-tbl")
    return fig.earners_chart(df, lang, group_by), table


def table_for(
    which: str, scope: Scope, filters: Filters, groups: Mapping[str, str], sa_wave: str | None
) -> pd.DataFrame:
    """Exactly the table a section shows (suppressed), for downloads."""
    if which == "mention":
        return svc.mention_rate(scope, filters, group_by=groups.get("mention", "tier"))
    if which == "borich":
        return svc.borich(scope, filters, group_by=groups.get("sa", "national"), sa_wave=sa_wave)
    if which == "attitudes":
        return svc.attitudes(scope, filters, group_by=groups.get("sa", "national"), sa_wave=sa_wave)
    if which == "earners":
        return svc.earners(scope, filters, group_by=groups.get("sa", "national"))
    return svc.priority_gap(scope, filters, group_by=groups.get("gap", "national"))


@dash.callback(
    *sections.download_dependencies(P, GF, ("gap-group", "mention-group", "sa-group", "sa-wave")),
    prevent_initial_call=True,
)
def _download(
    n_clicks: int | None,
    fmt: str,
    which: str,
    gap_group: str,
    mention_group: str,
    sa_group: str,
    sa_wave: str | None,
    values: list[Any],
    ids: list[dict[str, str]],
) -> tuple[Any, str]:
    lang, scope = current_lang(), common.current_scope()
    filters = _filters(ids, values, scope)
    groups = {"gap": gap_group, "mention": mention_group, "sa": sa_group}
    df = table_for(which if which in TABLES else "gap", scope, filters, groups, sa_wave)
    return sections.download_reply(f"ai-gap-{which}", df, fmt, filters, scope, lang)
