"""/summary: one printable page (A4) of headline figures with their change and generated findings."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html

from dashboard import components as comp
from dashboard.cache import callback_cache, layout_cache
from dashboard.components import sections
from dashboard.figures import summary as fig
from dashboard.filters import Filters
from dashboard.i18n import current_lang, label, t
from dashboard.services import ai_gap, badges, common
from dashboard.services import summary as svc

dash.register_page(__name__, path="/summary", title="Executive summary", name="Summary", order=5)

P = comp.ids("sum")
GF = sections.FILTERS_ALL
# The services a benchmark can time as service(scope, filters).
SERVICES = {
    "summary_headlines": svc.headlines,
    "summary_findings": svc.findings,
    "ai_gap_priority_gap": ai_gap.priority_gap,
    "badges_coverage_trend": badges.coverage_trend,
}
GRAPH_CONFIG: Any = {"displaylogo": False, "staticPlot": True}
FIELDS = ("wave", "gov_level", "agency", "tier", "personnel_type", "weighted")

# Print through the browser (headless Chromium prints the same page to PDF).
dash.clientside_callback(
    "function(n) { if (n) { window.print(); } return ''; }",
    Output(P("print-status"), "children"),
    Input(P("print"), "n_clicks"),
    prevent_initial_call=True,
)


@layout_cache
def layout(**query: str) -> html.Div:
    lang = current_lang()
    scope = common.current_scope()
    filters = common.resolve(scope, Filters.from_query(query))
    return html.Div(
        [
            html.Div(
                [
                    html.H1(t("summary.title", lang), className="h3 mb-1"),
                    dbc.Button(
                        t("summary.print", lang),
                        id=P("print"),
                        size="sm",
                        color="primary",
                        className="no-print ms-auto",
                    ),
                    html.Span(id=P("print-status"), className="visually-hidden", role="status"),
                ],
                className="d-flex align-items-center gap-2",
            ),
            html.P(t("summary.intro", lang), className="small"),
            dbc.Row(
                [
                    dbc.Col(
                        comp.filter_panel(filters, lang, common.filter_options(scope), fields=FIELDS),
                        lg=3,
                        className="no-print",
                    ),
                    dbc.Col(dcc.Loading(_body_frame(lang)), lg=9, className="summary-body"),
                ]
            ),
        ],
        className="page-summary",
    )


_filters = sections.resolved_filters


def _num(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "count":
        return f"{int(round(value)):,}"
    return f"{value:.2f}"


def _change(row: pd.Series, lang: str) -> str:
    if pd.isna(row["value"]):
        return t("summary.suppressed", lang)
    if pd.isna(row["previous"]) or row["previous_period"] is None:
        return t("summary.no_previous", lang)
    change = float(row["change"])
    sign = "+" if change >= 0 else "−"
    text = _num(abs(change), row["unit"]) if row["unit"] != "share" else f"{100 * abs(change):.1f} pp"
    return t("summary.change_vs", lang, period=row["previous_period"], sign=sign, change=text)


def _filters_text(filters: Filters, lang: str) -> str:
    parts = []
    for field in ("wave", "gov_level", "agency", "tier", "personnel_type"):
        value = getattr(filters, field)
        if value:
            parts.append(
                f"{t(f'common.filters.{field}', lang)}: {value if field == 'wave' else label(field, value, lang)}"
            )
    return "; ".join(parts) if parts else t("summary.no_filters", lang)


def _headline_cards(df: pd.DataFrame, lang: str) -> list[Any]:
    cards = []
    for _, row in df.iterrows():
        title = t(f"summary.headline.{row['key']}", lang)
        value = _num(row["value"], row["unit"])
        if row["key"] == "top_mwds" and row.get("competency_code"):
            value = f"{label('competency', row['competency_code'], lang)} · {value}"
        note = f"{row['period']} · {_change(row, lang)}"
        cards.append(
            dbc.Col(comp.kpi_card(title, value, note, card_id=P(f"kpi-{row['key']}")), md=4, className="mb-2")
        )
    return cards


def _number(key: str, value: Any, lang: str) -> str:
    """One number behind a finding; codes are shown by their catalog names."""
    if key in ("competency", "tier"):
        value = label(key, str(value), lang)
    elif isinstance(value, float):
        value = f"{value:.3f}"
    return f"{key} = {value}"


def _body_frame(lang: str) -> html.Div:
    """The summary's skeleton: its callbacks fill each part on the initial call (the layout
    itself runs no query), each part on its own so none waits for the others."""
    return html.Div(
        [
            html.P(id=P("meta"), className="small text-muted"),
            html.H2(t("summary.headlines", lang), className="h5"),
            # the parts' cards sit directly in the grid row (display: contents)
            dbc.Row(
                [
                    html.Div(id=P(f"head-{part}"), style={"display": "contents"})
                    for part in svc.HEADLINE_PARTS
                ],
                id=P("headlines"),
            ),
            html.H2(t("summary.findings", lang), className="h5 mt-3"),
            *[dcc.Store(id=P(f"findings-{part}")) for part in svc.FINDING_PARTS],
            html.Div(id=P("findings")),
            dbc.Row(
                [
                    dbc.Col(dcc.Graph(id=P("gap"), config=GRAPH_CONFIG), md=6),
                    dbc.Col(dcc.Graph(id=P("coverage"), config=GRAPH_CONFIG), md=6),
                ],
                className="summary-figures",
            ),
        ],
        id=P("body"),
    )


@dash.callback(Output(P("meta"), "children"), Input(GF, "value"), State(GF, "id"))
def _meta(values: list[Any], ids: list[dict[str, str]]) -> list[Any]:
    """When and from which data version the page was generated, and the filters applied."""
    lang, scope = current_lang(), common.current_scope()
    filters = _filters(ids, values, scope)
    info = common.data_version_info()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    # built per request (the stamp); every other part of the page is memoized (dashboard.cache)
    return [
        t("summary.generated", lang, when=stamp, version=info["version"] or "—"),
        html.Br(),
        t("summary.filters_applied", lang, text=_filters_text(filters, lang)),
    ]


# part -> its (cached) callback, in page order
HEADLINE_CALLBACKS: dict[str, Any] = {}
FINDING_CALLBACKS: dict[str, Any] = {}


def _headline_callback(part: str) -> None:
    def render(values: list[Any], ids: list[dict[str, str]]) -> list[Any]:
        lang, scope = current_lang(), common.current_scope()
        return _headline_cards(svc.headline_part(scope, _filters(ids, values, scope), part), lang)

    # named before callback_cache sees it: the name keys the rendered-output cache
    render.__name__ = render.__qualname__ = f"_headlines_{part}"
    HEADLINE_CALLBACKS[part] = callback_cache(render)
    dash.callback(Output(P(f"head-{part}"), "children"), Input(GF, "value"), State(GF, "id"))(
        HEADLINE_CALLBACKS[part]
    )


def _findings_callback(part: str) -> None:
    def render(values: list[Any], ids: list[dict[str, str]]) -> dict[str, Any]:
        lang, scope = current_lang(), common.current_scope()
        filters = _filters(ids, values, scope)
        return _finding_items(svc.finding_part(scope, filters, part), lang, filters)

    render.__name__ = render.__qualname__ = f"_findings_{part}"
    FINDING_CALLBACKS[part] = callback_cache(render)
    dash.callback(Output(P(f"findings-{part}"), "data"), Input(GF, "value"), State(GF, "id"))(
        FINDING_CALLBACKS[part]
    )


for _part in svc.HEADLINE_PARTS:
    _headline_callback(_part)
for _part in svc.FINDING_PARTS:
    _findings_callback(_part)


def _finding_items(df: pd.DataFrame, lang: str, filters: Filters) -> dict[str, Any]:
    """One part's findings as [text, numbers line] pairs in the viewer's language; `for` names
    the (resolved) filters they answer, so the list is only drawn from parts of one request."""
    items = []
    for _, row in df.iterrows():
        numbers = ", ".join(_number(k, v, lang) for k, v in dict(row["numbers"]).items())
        items.append([row[f"text_{lang}"], f"{t('summary.numbers', lang)}: {numbers}; N ≥ {int(row['n']):,}"])
    return {"for": filters.to_query(), "items": items, "empty": t("summary.no_findings", lang)}


# The findings list: the parts' items in part order, at most svc.MAX_FINDINGS, drawn in the
# browser once every part has answered the same filters (the numbered list is one <ol>).
dash.clientside_callback(
    """function(...parts) {
        if (parts.some((p) => !p) || parts.some((p) => p.for !== parts[0].for)) {
            return window.dash_clientside.no_update;
        }
        const h = (type, props) => ({type: type, namespace: 'dash_html_components', props: props});
        const items = [].concat(...parts.map((p) => p.items)).slice(0, MAX);
        if (!items.length) {
            return h('P', {id: 'ID-no-findings', children: parts[0].empty});
        }
        return h('Ol', {id: 'ID-findings-list', children: items.map((item, i) => h('Li', {
            id: 'ID-finding-' + i,
            className: 'mb-2',
            children: [
                h('Span', {children: item[0], className: 'finding-text'}),
                h('Br', {}),
                h('Small', {children: item[1], className: 'text-muted'}),
            ],
        }))});
    }""".replace("MAX", str(svc.MAX_FINDINGS)).replace("ID-", P("")),
    Output(P("findings"), "children"),
    *[Input(P(f"findings-{part}"), "data") for part in svc.FINDING_PARTS],
)


@dash.callback(Output(P("gap"), "figure"), Input(GF, "value"), State(GF, "id"))
@callback_cache
def _gap(values: list[Any], ids: list[dict[str, str]]) -> Any:
    lang, scope = current_lang(), common.current_scope()
    filters = _filters(ids, values, scope)
    # the selection's bars only: the national benchmark rows are not drawn here
    gaps = ai_gap.priority_gap(scope, filters, benchmark=False)
    if not gaps.empty:
        gaps = gaps[gaps["wave"] == filters.wave]
    return fig.ai_gap_compact(gaps, lang)


@dash.callback(Output(P("coverage"), "figure"), Input(GF, "value"), State(GF, "id"))
@callback_cache
def _coverage(values: list[Any], ids: list[dict[str, str]]) -> Any:
    lang, scope = current_lang(), common.current_scope()
    return fig.coverage_compact(badges.coverage_trend(scope, _filters(ids, values, scope)), lang)
