"""Page building blocks shared by the analysis pages: sections, graphs, radios, download picker, frame."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import ALL, Input, Output, State, dcc, html

from dashboard import components as comp
from dashboard.filters import Filters
from dashboard.i18n import current_lang, t
from dashboard.scope import Scope
from dashboard.services import common

# The pattern id that matches every control of the filter panel (callbacks read all of them).
FILTERS_ALL: dict[str, Any] = {"type": comp.FILTER_ID_TYPE, "field": ALL}


def _aria_labelledby(target: str) -> dict[str, Any]:
    # aria-* is a Dash wildcard prop: passed as a kwargs dict (typed Any for mypy).
    return {"aria-labelledby": target}


def radio(
    P: comp.Ids, name: str, legend: str, options: Sequence[tuple[str, str]], value: str
) -> html.Fieldset:
    """An inline radio group in a fieldset; options are (code, text) pairs."""
    return html.Fieldset(
        [
            html.Legend(legend, className="form-label small mb-1"),
            dbc.RadioItems(
                id=P(name),
                options=[{"label": text, "value": code} for code, text in options],
                value=value,
                inline=True,
            ),
        ],
        className="mb-2",
    )


def section(
    P: comp.Ids, sid: str, title: str, children: list[Any], note: str, class_name: str
) -> html.Section:
    """A titled section (labelled by its heading) ending with its measure note."""
    return html.Section(
        [
            html.H2(title, className="h5 mt-4", id=P(f"h-{sid}")),
            *children,
            html.P(note, className="small text-muted measure-note"),
        ],
        className=class_name,
        **_aria_labelledby(P(f"h-{sid}")),
    )


def graph(P: comp.Ids, name: str, config: Any, class_name: str | None = None) -> dcc.Loading:
    """A graph filled by a callback, behind a loading spinner."""
    # className only when given: an explicit None would still be sent to the browser.
    extra: dict[str, Any] = {"className": class_name} if class_name is not None else {}
    return dcc.Loading(dcc.Graph(id=P(name), config=config, **extra), type="default")


def download_picker(
    P: comp.Ids, lang: str, label_text: str, options: Sequence[tuple[str, str]], value: str, allowed: bool
) -> html.Div:
    """'Download which table' select, the format/download controls and a status line."""
    return html.Div(
        [
            html.Label(label_text, htmlFor=P("dl-table"), className="form-label small"),
            dbc.Select(
                id=P("dl-table"),
                options=[{"label": text, "value": code} for code, text in options],
                value=value,
            ),
            comp.download_controls(P.prefix, lang, allowed=allowed),
            html.P(id=P("dl-msg"), className="small text-danger", role="status"),
        ],
        className="mt-4",
    )


def download_tail(
    P: comp.Ids,
    ns: str,
    lang: str,
    tables: Sequence[str],
    section_of: Mapping[str, str],
    value: str,
    allowed: bool,
) -> list[Any]:
    """The end of an analysis page: the download picker (tables named by their sections' titles under
    the i18n namespace `ns`) and the suppression note."""
    options = [(k, t(f"{ns}.section_{section_of[k]}", lang)) for k in tables]
    return [
        download_picker(P, lang, t(f"{ns}.download_what", lang), options, value, allowed),
        html.P(t(f"{ns}.measure.suppression", lang), className="small text-muted mt-3"),
    ]


def page_frame(title: str, intro: str, panel: Any, content: list[Any], class_name: str) -> html.Div:
    """Title, intro, and a row with the filter panel (3/12) beside the content (9/12)."""
    return html.Div(
        [
            html.H1(title, className="h3"),
            html.P(intro),
            dbc.Row([dbc.Col(panel, lg=3), dbc.Col(content, lg=9)]),
        ],
        className=class_name,
    )


def resolved_filters(ids: Sequence[Mapping[str, str]], values: Sequence[Any], scope: Scope) -> Filters:
    """The filter panel's values as Filters, resolved against the viewer's scope."""
    return common.resolve(scope, comp.filters_from_values(ids, values))


def download_dependencies(P: comp.Ids, filters_id: dict[str, Any], states: Sequence[str]) -> list[Any]:
    """A page's download callback wiring: (download data, message) <- button, with format, which table,
    the page's own controls (`states`, values in that order) and the filter panel's values and ids."""
    return [
        Output(P("download"), "data"),
        Output(P("dl-msg"), "children"),
        Input(P("download-btn"), "n_clicks"),
        State(P("download-format"), "value"),
        State(P("dl-table"), "value"),
        *[State(P(name), "value") for name in states],
        State(filters_id, "value"),
        State(filters_id, "id"),
    ]


def download_reply(
    name: str, df: pd.DataFrame, fmt: str, filters: Filters, scope: Scope, lang: str
) -> tuple[Any, str]:
    """(download data, message) for a download callback: no update when refused."""
    from dashboard.exports import download_or_message

    payload, message = download_or_message(name, df, fmt, filters, scope, lang=lang)
    return (payload if payload is not None else dash.no_update), (message or "")


def guarded_layout(build: Callable[..., Any], log: logging.Logger) -> Callable[..., Any]:
    """Wrap a page's layout builder: an unreadable warehouse shows the error panel (and is logged)."""

    @functools.wraps(build)
    def layout(**query: str) -> Any:
        try:
            return build(**query)
        except common.WarehouseError:
            log.exception("%s: warehouse unavailable", log.name)
            return comp.error_panel(current_lang())

    return layout


def report_table(
    df: pd.DataFrame,
    caption: str,
    table_id: str,
    cell_class: Callable[[Any], str | None] | None = None,
) -> html.Div:
    """A plain bordered report table (caption, header row, one cell per value as text, with the
    class `cell_class(value)` gives) in a scroll region. The report tables page has thousands of
    cells: the table is one component (components.table_markup), not one per cell."""
    rows = [[str(v) for v in row] for row in df.itertuples(index=False)]
    return comp.scroll_region(
        comp.table_markup(
            caption,
            [str(c) for c in df.columns],
            rows,
            "table table-bordered table-sm table-striped report-table mb-0",
            table_id,
            cell_class,
        ),
        caption,
    )
