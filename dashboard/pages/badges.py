"""/badges: monthly awards, coverage, time to first badge, learning-path funnel, supply vs demand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard import components as comp
from dashboard.cache import callback_cache, layout_cache
from dashboard.components import sections
from dashboard.figures import badges as fig
from dashboard.filters import Filters
from dashboard.i18n import current_lang, label, t
from dashboard.scope import Scope
from dashboard.services import badges as svc
from dashboard.services import common

dash.register_page(__name__, path="/badges", title="Badge uptake", name="Badges", order=4)

P = comp.ids("bdg")
GF = sections.FILTERS_ALL
# The services a benchmark can time as service(scope, filters).
SERVICES = {
    "badges_monthly": svc.monthly,
    "badges_coverage_trend": svc.coverage_trend,
    "badges_coverage_by": svc.coverage_by,
    "badges_first_badge": svc.first_badge,
    "badges_funnel": svc.funnel,
    "badges_supply_demand": svc.supply_demand,
    "badges_expiring": svc.expiring,
}
TABLES = ("monthly", "coverage", "km", "funnel", "supply", "expiring")
GRAPH_CONFIG: Any = {"displaylogo": False, "responsive": True}
# The roster has no work group and no survey weights: those filters do not apply here.
FIELDS = ("wave", "gov_level", "agency", "tier", "personnel_type")


def _radio(name: str, legend: str, options: Sequence[tuple[str, str]], value: str) -> html.Fieldset:
    return sections.radio(P, name, legend, options, value)


def _section(title: str, children: list[Any], measure_key: str, lang: str, sid: str) -> html.Section:
    return sections.section(P, sid, title, children, t(f"badges.measure.{measure_key}", lang), "bdg-section")


def _graph(name: str) -> dcc.Loading:
    return sections.graph(P, name, GRAPH_CONFIG)


@layout_cache
def layout(**query: str) -> html.Div:
    lang = current_lang()
    scope = common.current_scope()
    filters = common.resolve(scope, Filters.from_query(query))
    kinds = [("all", t("badges.kind.all", lang)), ("badge", t("badges.kind.badge", lang))]
    kinds.append(("certification", t("badges.kind.certification", lang)))
    by_opts = [
        (b, t(f"badges.by.{b}", lang))
        for b in ("gov_level", "agency", "tier", "personnel_type", "route", "badge")
    ]
    km_opts = [(g, t(f"badges.km.{g}", lang)) for g in svc.KM_GROUPS]
    content = [
        _radio("kind", t("badges.kind", lang), kinds, "all"),
        _section(
            t("badges.section_monthly", lang),
            [_graph("monthly"), html.Div(id=P("monthly-table"))],
            "monthly",
            lang,
            "monthly",
        ),
        _section(
            t("badges.section_coverage", lang),
            [
                _graph("coverage-trend"),
                html.Div(id=P("coverage-trend-table")),
                _radio("by", t("badges.by", lang), by_opts, "gov_level"),
                _graph("coverage-by"),
                html.Div(id=P("coverage-by-table")),
            ],
            "coverage",
            lang,
            "coverage",
        ),
        _section(
            t("badges.section_km", lang),
            [
                _radio("km-group", t("badges.km_group", lang), km_opts, "national"),
                _graph("km"),
                html.Div(id=P("km-table")),
            ],
            "km",
            lang,
            "km",
        ),
        _section(
            t("badges.section_funnel", lang),
            [_graph("funnel"), html.Div(id=P("funnel-table"))],
            "funnel",
            lang,
            "funnel",
        ),
        _section(
            t("badges.section_supply", lang),
            [_graph("supply"), html.Div(id=P("supply-table"))],
            "supply",
            lang,
            "supply",
        ),
        _section(
            t("badges.section_expiring", lang),
            [html.Div(id=P("expiring-table"))],
            "expiring",
            lang,
            "expiring",
        ),
        *sections.download_tail(P, "badges", lang, TABLES, _SECTION, "coverage", scope.may_export),
    ]
    return sections.page_frame(
        t("badges.title", lang),
        t("badges.intro", lang),
        comp.filter_panel(filters, lang, common.filter_options(scope), fields=FIELDS),
        content,
        "page-badges",
    )


_SECTION = {
    "monthly": "monthly",
    "coverage": "coverage",
    "km": "km",
    "funnel": "funnel",
    "supply": "supply",
    "expiring": "expiring",
}


_filters = sections.resolved_filters


def _kind(kind: str | None) -> str | None:
    return None if kind in (None, "all") else kind


def _names(df: pd.DataFrame, lang: str, by: str = "gov_level") -> pd.DataFrame:
    """Codes -> catalog names for the table alternatives (no raw codes on screen)."""
    out = df.copy()
    for col in ("n", "headcount", "holders", "events", "censored", "n_at_risk", "t"):
        if col in out:
            # whole numbers (suppression turns them into floats with gaps)
            out[col] = pd.to_numeric(out[col], errors="coerce").round().astype("Int64")
    if "group_code" in out:
        out["group_code"] = [fig.group_name(by, str(c), lang) for c in out["group_code"]]
    if "event" in out:
        out["event"] = [t(f"badges.event.{e}", lang) for e in out["event"]]
    if "route_code" in out:
        out["route_code"] = [t(f"badges.route.{r}", lang) for r in out["route_code"]]
    if "level" in out:
        out["level"] = [t(f"badges.level.{lv}", lang) for lv in out["level"]]
    if "tier" in out:
        out["tier"] = [label("tier", c, lang) for c in out["tier"]]
    if "competency_code" in out:
        out["competency_code"] = [label("competency", c, lang) for c in out["competency_code"]]
    if "badge_code" in out:
        out["badge_code"] = [label("badge", c, lang) for c in out["badge_code"]]
    if "scope_level" in out:
        out["scope_level"] = [t(f"badges.{s}", lang) for s in out["scope_level"]]
    if "month" in out:
        out["month"] = pd.to_datetime(out["month"]).dt.strftime("%Y-%m")
    for col in ("first_expiry", "last_expiry"):
        if col in out:
            out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d")
    return out


def _cols(lang: str, names: Sequence[str]) -> dict[str, str]:
    mapping = {
        "group_code": "group",
        "route_code": "route",
        "competency_code": "competency",
        "badge_code": "badge",
    }
    return {n: t(f"badges.col.{mapping.get(n, n)}", lang) for n in names}


def _table(
    df: pd.DataFrame, cols: Sequence[str], caption: str, lang: str, tid: str, by: str = "gov_level"
) -> Any:
    return comp.accessible_table(_names(df, lang, by), _cols(lang, cols), caption, lang, table_id=P(tid))


MONTHLY_COLS = ("month", "event", "n")
TREND_COLS = ("scope_level", "month", "headcount", "holders", "share", "low", "high")
BY_COLS = ("group_code", "headcount", "holders", "share", "low", "high")
KM_COLS = ("group_code", "t", "n_at_risk", "events", "censored", "cum_share")
FUNNEL_COLS = ("route_code", "level", "n", "headcount")
SUPPLY_COLS = (
    "tier",
    "competency_code",
    "n",
    "score",
    "demand_index",
    "headcount",
    "holders",
    "per100",
    "todo",
)
EXPIRING_COLS = ("badge_code", "n", "first_expiry", "last_expiry")


# One callback per section (figure + its table): each is timed on its own and Dash runs them in
# parallel; all fire on the initial call (the layout only renders empty containers). Figures go
# out as plain dicts (figures.badges.as_plain: the same JSON as the go.Figure, built without it).
@dash.callback(
    Output(P("monthly"), "figure"),
    Output(P("monthly-table"), "children"),
    Input(GF, "value"),
    Input(P("kind"), "value"),
    State(GF, "id"),
)
@callback_cache
def _update_monthly(values: list[Any], kind: str, ids: list[dict[str, str]]) -> tuple[Any, Any]:
    lang, scope = current_lang(), common.current_scope()
    monthly = svc.monthly(scope, _filters(ids, values, scope), kind=_kind(kind))
    return (
        fig.as_plain(fig.monthly_spec(monthly, lang)),
        _table(monthly, MONTHLY_COLS, t("badges.fig_monthly", lang), lang, "monthly-tbl"),
    )


@dash.callback(
    Output(P("coverage-trend"), "figure"),
    Output(P("coverage-trend-table"), "children"),
    Input(GF, "value"),
    Input(P("kind"), "value"),
    State(GF, "id"),
)
@callback_cache
def _update_trend(values: list[Any], kind: str, ids: list[dict[str, str]]) -> tuple[Any, Any]:
    lang, scope = current_lang(), common.current_scope()
    trend = svc.coverage_trend(scope, _filters(ids, values, scope), kind=_kind(kind))
    return (
        fig.as_plain(fig.coverage_trend_spec(trend, lang)),
        _table(trend, TREND_COLS, t("badges.fig_coverage_trend", lang), lang, "trend-tbl"),
    )


@dash.callback(
    Output(P("coverage-by"), "figure"),
    Output(P("coverage-by-table"), "children"),
    Input(GF, "value"),
    Input(P("kind"), "value"),
    Input(P("by"), "value"),
    State(GF, "id"),
)
@callback_cache
def _update_coverage_by(values: list[Any], kind: str, by: str, ids: list[dict[str, str]]) -> tuple[Any, Any]:
    lang, scope = current_lang(), common.current_scope()
    if by == "badge":  # only badge groups are named from the warehouse's catalog
        svc.register_badge_labels(scope)
    df = svc.coverage_by(scope, _filters(ids, values, scope), by=by, kind=_kind(kind))
    return fig.as_plain(fig.coverage_by_spec(df, by, lang)), _table(
        df, BY_COLS, t("badges.fig_coverage_by", lang), lang, "by-tbl", by
    )


@dash.callback(
    Output(P("km"), "figure"),
    Output(P("km-table"), "children"),
    Input(GF, "value"),
    Input(P("km-group"), "value"),
    State(GF, "id"),
)
@callback_cache
def _update_km(values: list[Any], group_by: str, ids: list[dict[str, str]]) -> tuple[Any, Any]:
    lang, scope = current_lang(), common.current_scope()
    df = svc.first_badge(scope, _filters(ids, values, scope), group_by=group_by)
    by = "national" if group_by == "national" else group_by
    return fig.as_plain(fig.km_spec(df, by, lang)), _table(
        df, KM_COLS, t("badges.fig_km", lang), lang, "km-tbl", by
    )


@dash.callback(
    Output(P("funnel"), "figure"),
    Output(P("funnel-table"), "children"),
    Input(GF, "value"),
    State(GF, "id"),
)
@callback_cache
def _update_funnel(values: list[Any], ids: list[dict[str, str]]) -> tuple[Any, Any]:
    lang, scope = current_lang(), common.current_scope()
    funnel = svc.funnel(scope, _filters(ids, values, scope))
    return (
        fig.as_plain(
            fig.funnel_spec(funnel, lang) if not funnel.empty else fig.empty_spec(t("badges.no_data", lang))
        ),
        _table(funnel, FUNNEL_COLS, t("badges.fig_funnel", lang), lang, "funnel-tbl"),
    )


@dash.callback(
    Output(P("supply"), "figure"),
    Output(P("supply-table"), "children"),
    Input(GF, "value"),
    State(GF, "id"),
)
@callback_cache
def _update_supply(values: list[Any], ids: list[dict[str, str]]) -> tuple[Any, Any]:
    lang, scope = current_lang(), common.current_scope()
    supply = svc.supply_demand(scope, _filters(ids, values, scope))
    supply_sorted = (
        supply.sort_values(["todo", "demand_index"], ascending=[False, False]) if not supply.empty else supply
    )
    return (
        fig.as_plain(fig.supply_demand_spec(supply, lang)),
        _table(supply_sorted, SUPPLY_COLS, t("badges.fig_supply", lang), lang, "supply-tbl"),
    )


@dash.callback(
    Output(P("expiring-table"), "children"),
    Input(GF, "value"),
    State(GF, "id"),
)
@callback_cache
def _update_expiring(values: list[Any], ids: list[dict[str, str]]) -> Any:
    lang, scope = current_lang(), common.current_scope()
    svc.register_badge_labels(scope)
    expiring = svc.expiring(scope, _filters(ids, values, scope))
    caption = t("badges.section_expiring", lang)
    if not expiring.empty:
        caption += " · " + t("badges.as_of", lang, date=str(expiring["as_of"].iloc[0])[:10])
    return comp.accessible_table(
        _names(expiring, lang),
        _cols(lang, EXPIRING_COLS),
        caption,
        lang,
        table_id=P("expiring-tbl"),
        open_=True,
    )


def table_for(
    which: str, scope: Scope, filters: Filters, kind: str | None, by: str, km_group: str
) -> pd.DataFrame:
    """Exactly the table a section shows (suppressed), for downloads."""
    if which == "monthly":
        return svc.monthly(scope, filters, kind=kind)
    if which == "km":
        return svc.first_badge(scope, filters, group_by=km_group)
    if which == "funnel":
        return svc.funnel(scope, filters)
    if which == "supply":
        return svc.supply_demand(scope, filters)
    if which == "expiring":
        return svc.expiring(scope, filters)
    return svc.coverage_by(scope, filters, by=by, kind=kind)


@dash.callback(
    *sections.download_dependencies(P, GF, ("kind", "by", "km-group")),
    prevent_initial_call=True,
)
def _download(
    n_clicks: int | None,
    fmt: str,
    which: str,
    kind: str,
    by: str,
    km_group: str,
    values: list[Any],
    ids: list[dict[str, str]],
) -> tuple[Any, str]:
    lang, scope = current_lang(), common.current_scope()
    filters = _filters(ids, values, scope)
    which = which if which in TABLES else "coverage"
    df = table_for(which, scope, filters, _kind(kind), by, km_group)
    return sections.download_reply(f"badges-{which}", df, fmt, filters, scope, lang)
