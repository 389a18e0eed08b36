"""/data-status: loads per feed and file (read, loaded, quarantined), quarantine reasons, freshness."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, dcc, html

from dashboard import components as comp
from dashboard.cache import callback_cache, layout_cache
from dashboard.components import sections
from dashboard.db import get_warehouse
from dashboard.figures import priority as pfigs
from dashboard.figures.common import base_layout_props
from dashboard.filters import Filters
from dashboard.i18n import current_cal, current_lang, format_date, has_key, t
from dashboard.scope import Scope
from dashboard.services import common as common_svc
from dashboard.services import data_status as svc

log = logging.getLogger(__name__)

dash.register_page(__name__, path="/data-status", title="資料狀態 · Data status", order=9)

ID = comp.ids("data-status")
SERVICES = {
    "load_log": svc.load_log,
    "quarantine_reasons": svc.quarantine_reasons,
    "freshness": svc.freshness,
    "feed_totals": svc.feed_totals,
}


def feed_label(feed: str, lang: str) -> str:
    key = f"data_status.feed_{feed}"
    return t(key, lang) if has_key(key, lang) else feed


def reason_label(code: str, lang: str) -> str:
    """Catalog text of a quarantine reason; unknown codes are shown readable, never bare."""
    key = f"data_status.reason_{code}"
    if has_key(key, lang):
        return t(key, lang)
    return t("data_status.reason_other", lang, code=str(code).replace("_", " "))


def status_label(status: str, lang: str) -> str:
    key = f"data_status.status_{status}"
    return t(key, lang) if has_key(key, lang) else status


def loads_display(df: pd.DataFrame, lang: str, cal: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("data_status.col_feed", lang): [feed_label(f, lang) for f in df["feed"]],
            t("data_status.col_file", lang): df["file_name"],
            t("data_status.col_encoding", lang): df["encoding"].fillna("—"),
            t("data_status.col_read", lang): df["rows_read"].astype(int),
            t("data_status.col_loaded", lang): df["rows_loaded"].astype(int),
            t("data_status.col_quarantined", lang): df["rows_quarantined"].astype(int),
            t("data_status.col_status", lang): [status_label(s, lang) for s in df["status"]],
            t("data_status.col_warnings", lang): df["warning_count"].astype(int),
            t("data_status.col_message", lang): df["message"].fillna(""),
            t("data_status.col_finished", lang): [format_date(v, cal, lang) for v in df["finished_at"]],
        }
    )


def freshness_display(df: pd.DataFrame, lang: str, cal: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("data_status.col_feed", lang): [feed_label(f, lang) for f in df["feed"]],
            t("data_status.col_last_loaded", lang): [format_date(v, cal, lang) for v in df["last_loaded"]],
            t("data_status.col_newest", lang): [format_date(v, cal, lang) for v in df["newest_record"]],
            t("data_status.col_records", lang): df["records"].astype(int),
            t("data_status.col_files", lang): df["files"].astype(int),
            t("data_status.col_rejected", lang): df["files_rejected"].astype(int),
        }
    )


def reasons_display(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("data_status.col_feed", lang): [feed_label(f, lang) for f in df["feed"]],
            t("data_status.col_file", lang): df["file_name"],
            t("data_status.col_reason", lang): [reason_label(r, lang) for r in df["reason_code"]],
            t("data_status.col_rows", lang): df["rows"].astype(int),
            t("data_status.col_example", lang): df["example_message"],
        }
    )


def _table(df: pd.DataFrame, caption: str, table_id: str) -> html.Div:
    return sections.report_table(df, caption, table_id)


def render_kpis(scope: Scope, filters: Filters, lang: str) -> dbc.Row:
    totals = svc.feed_totals(scope, filters)

    def total(col: str) -> str:
        return f"{int(totals[col].sum()):,}" if not totals.empty else "0"

    return dbc.Row(
        [
            dbc.Col(
                comp.kpi_card(t("data_status.kpi_files", lang), total("files"), card_id=ID("kpi-files")), md=2
            ),
            dbc.Col(
                comp.kpi_card(
                    t("data_status.kpi_rejected", lang), total("files_rejected"), card_id=ID("kpi-rejected")
                ),
                md=2,
            ),
            dbc.Col(
                comp.kpi_card(t("data_status.kpi_read", lang), total("rows_read"), card_id=ID("kpi-read")),
                md=3,
            ),
            dbc.Col(
                comp.kpi_card(
                    t("data_status.kpi_loaded", lang), total("rows_loaded"), card_id=ID("kpi-loaded")
                ),
                md=3,
            ),
            dbc.Col(
                comp.kpi_card(
                    t("data_status.kpi_quarantined", lang),
                    total("rows_quarantined"),
                    card_id=ID("kpi-quarantined"),
                ),
                md=2,
            ),
        ],
        className="g-2 mb-3",
    )


def render_freshness(scope: Scope, filters: Filters, lang: str, cal: str) -> html.Div:
    fresh = svc.freshness(scope, filters)
    return _table(
        freshness_display(fresh, lang, cal), t("data_status.freshness_title", lang), ID("freshness")
    )


def render_loads(scope: Scope, filters: Filters, lang: str, cal: str) -> html.Div:
    loads = svc.load_log(scope, filters)
    return _table(loads_display(loads, lang, cal), t("data_status.loads_title", lang), ID("loads"))


_PALETTE = ["#1f5fa8", "#c1121f", "#e09f3e", "#2a9d8f", "#6d597a", "#555555", "#8ab17d", "#b56576"]


def reasons_figure(chart_df: pd.DataFrame, x_title: str, empty_message: str) -> dict[str, Any]:
    """Quarantined rows per feed stacked by reason: figures.common.stacked_bars(chart_df,
    "feed_label", "rows", "reason_label", ...) built as a figure dict (the same figure, without
    plotly validating each trace and layout update)."""
    if chart_df.empty:
        return pfigs.empty_figure(empty_message)
    traces = []
    for i, (name, part) in enumerate(chart_df.groupby("reason_label", sort=False)):
        traces.append(
            {
                "type": "bar",
                "y": part["feed_label"].tolist(),
                "x": part["rows"].to_numpy(),
                "name": str(name),
                "orientation": "h",
                "marker": {"color": _PALETTE[i % len(_PALETTE)]},
                "hovertemplate": "%{y}<br>" + str(name) + ": %{x:,}<extra></extra>",
            }
        )
    layout = {
        "barmode": "stack",
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"title": {"text": x_title}, "rangemode": "tozero"},
        **base_layout_props(height=max(240, 60 * chart_df["feed_label"].nunique() + 120)),
    }
    return pfigs.figure(traces, layout)


def render_reasons(scope: Scope, filters: Filters, lang: str) -> tuple[dict[str, Any], html.Details]:
    """The quarantine reasons chart (rows per feed, stacked by reason) and its table."""
    reasons = svc.quarantine_reasons(scope, filters)
    chart_df = (
        reasons.groupby(["feed", "reason_code"], as_index=False)["rows"]
        .sum()
        .assign(
            feed_label=lambda d: [feed_label(f, lang) for f in d["feed"]],
            reason_label=lambda d: [reason_label(r, lang) for r in d["reason_code"]],
        )
    )
    fig = reasons_figure(
        chart_df,
        t("data_status.col_rows", lang),
        t("data_status.no_quarantine", lang),
    )
    reason_table = reasons_display(reasons, lang)
    table = comp.accessible_table(
        reason_table,
        {c: c for c in reason_table.columns},
        t("data_status.reasons_chart", lang),
        lang,
        table_id=ID("reasons-table"),
    )
    return fig, table


def _card(title: str, body: Any) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(html.H2(title, className="h6 m-0")), dbc.CardBody(body)], className="figure-card"
    )


def _layout(**query: str) -> html.Div:
    """Title and empty containers; the callbacks below fill them on their initial call."""
    lang = current_lang()
    get_warehouse().data_version()  # an unreadable warehouse shows the error panel, not empty cards
    return html.Div(
        [
            dcc.Store(id=ID("query"), data=Filters.from_query(query).to_query()),
            html.H1(t("data_status.title", lang), className="h3"),
            html.P(t("data_status.intro", lang), className="small"),
            html.Div(
                [
                    html.Div(id=ID("kpis")),
                    _card(t("data_status.freshness_title", lang), html.Div(id=ID("freshness-wrap"))),
                    _card(t("data_status.loads_title", lang), html.Div(id=ID("loads-wrap"))),
                    _card(
                        t("data_status.reasons_title", lang),
                        [
                            dcc.Loading(
                                dcc.Graph(id=ID("reasons-chart"), config={"displaylogo": False}), type="dot"
                            ),
                            html.Div(id=ID("reasons-wrap")),
                        ],
                    ),
                ],
                id=ID("content"),
            ),
        ]
    )


# An unreadable warehouse shows the error panel (and is logged) instead of a traceback.
# Cached per scope, filters (agency clamped, wave as given), language, calendar and data version.
layout = sections.guarded_layout(layout_cache(_layout, resolver=lambda scope, f: f.clamp(scope)), log)


# ---------------------------------------------------------------------------- callbacks
# The page has no filter panel: the URL's filters (as the layout read them) key the outputs.
def _filters(query: Any) -> Filters:
    return Filters.from_search(query if isinstance(query, str) else "")


@callback(
    Output(ID("kpis"), "children"),
    Output(ID("freshness-wrap"), "children"),
    Input(ID("query"), "data"),
)
@callback_cache(filters=None)
def _update_summary(query: Any) -> tuple[Any, Any]:
    lang, cal, scope = current_lang(), current_cal(), common_svc.current_scope()
    f = _filters(query).clamp(scope)
    return render_kpis(scope, f, lang), render_freshness(scope, f, lang, cal)


@callback(Output(ID("loads-wrap"), "children"), Input(ID("query"), "data"))
@callback_cache(filters=None)
def _update_loads(query: Any) -> Any:
    lang, cal, scope = current_lang(), current_cal(), common_svc.current_scope()
    return render_loads(scope, _filters(query).clamp(scope), lang, cal)


@callback(
    Output(ID("reasons-chart"), "figure"),
    Output(ID("reasons-wrap"), "children"),
    Input(ID("query"), "data"),
)
@callback_cache(filters=None)
def _update_reasons(query: Any) -> tuple[Any, Any]:
    lang, scope = current_lang(), common_svc.current_scope()
    return render_reasons(scope, _filters(query).clamp(scope), lang)
