"""/staff: agency HR's own staff with staff numbers, awards and missing AI certification/badges."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from dashboard import components as comp
from dashboard.auth import current_scope
from dashboard.cache import callback_cache
from dashboard.i18n import current_lang, label, t
from dashboard.services import staff as svc

dash.register_page(__name__, path="/staff", title="人員名冊 · Staff", order=6)

PAGE = "/staff"
ID = comp.ids("staff")
FILTER_KEYS = ("agency", "unit", "tier", "personnel_type", "route", "missing", "search")


def _aria(text: str) -> dict[str, Any]:
    return {"aria-label": text}


def _options(codes: list[str], kind: str, lang: str) -> list[dict[str, str]]:
    return [{"label": t("staff.all", lang), "value": "all"}] + [
        {"label": label(kind, c, lang) if kind else c, "value": c} for c in codes
    ]


def _select(field: str, options: list[dict[str, str]], value: str | None, lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Label(t(f"staff.filter.{field}", lang), html_for=ID(f"f-{field}")),
            # A native <select> (Dash 4's dcc.Dropdown fails axe's aria-hidden-focus rule).
            dbc.Select(id=ID(f"f-{field}"), options=options, value=value or "all", size="sm"),
        ],
        className="col-md-3 col-sm-6 mb-2",
    )


def layout(**query: Any) -> html.Div:
    lang = current_lang()
    scope = current_scope()
    if scope.role != "agency_hr":  # the guard already refuses other roles; never render data
        return html.Div(html.P(t("staff.only_hr", lang)), className="alert alert-warning")
    f = svc.StaffFilters.from_query(query)
    agencies = list(scope.agencies or ())
    route_opts = [{"label": t("staff.all", lang), "value": "all"}] + [
        {"label": t(f"staff.route.{r}", lang), "value": r} for r in svc.ROUTES
    ]
    missing_opts = [{"label": t("staff.all", lang), "value": "all"}] + [
        {"label": t(f"staff.missing.{m}", lang), "value": m} for m in svc.MISSING_CHOICES
    ]
    controls = [
        # Always present (callbacks read it); a single-agency viewer has one choice.
        # A forged ?agency= outside the scope is not echoed back (the services ignore it anyway).
        _select(
            "agency", _options(agencies, "agency", lang), f.agency if f.agency in agencies else None, lang
        ),
        _select("unit", _options(svc.staff_units(scope), "", lang), f.unit, lang),
        _select("tier", _options(["basic", "middle", "senior"], "tier", lang), f.tier, lang),
        _select(
            "personnel_type",
            _options(["it_series", "non_it_series", "contract"], "personnel_type", lang),
            f.personnel_type,
            lang,
        ),
        _select("route", route_opts, f.route, lang),
        _select("missing", missing_opts, f.missing, lang),
        html.Div(
            [
                dbc.Label(t("staff.filter.search", lang), html_for=ID("f-search")),
                dcc.Input(
                    id=ID("f-search"),
                    type="search",
                    value=f.search or "",
                    debounce=True,
                    className="form-control",
                ),
            ],
            className="col-md-3 col-sm-6 mb-2",
        ),
    ]
    return html.Div(
        [
            html.H1(t("staff.title", lang), className="h3"),
            html.P(t("staff.intro", lang, agencies="、".join(label("agency", a, lang) for a in agencies))),
            html.Section(
                html.Div([c for c in controls if c is not None], className="row"),
                **_aria(t("staff.filters", lang)),
            ),
            html.Div(id=ID("kpis"), className="row g-2 my-2"),
            comp.download_controls("staff", lang, scope.may_export),
            html.Div(id=ID("download-msg"), className="small text-danger", role="status"),
            html.Div(id=ID("count"), className="small text-muted mt-2", role="status"),
            html.Div(id=ID("table-wrap"), className="table-responsive mt-2"),
        ]
    )


_FILTER_STATES = [Input(ID(f"f-{k}"), "value") for k in FILTER_KEYS]


def _filters(values: tuple[Any, ...]) -> svc.StaffFilters:
    # The service clamps the agency to the viewer's scope: a forged code is ignored there.
    return svc.StaffFilters.from_query(dict(zip(FILTER_KEYS, values, strict=True)))


def _in_scope(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """The filter values with an agency outside the viewer's scope dropped before any cache key is
    built: a forged code then shares the viewer's own cache entries instead of adding one each."""
    agencies = current_scope().agencies or ()
    return tuple(
        None if k == "agency" and v not in agencies else v for k, v in zip(FILTER_KEYS, values, strict=True)
    )


@callback(
    Output(ID("table-wrap"), "children"),
    Output(ID("kpis"), "children"),
    Output(ID("count"), "children"),
    *_FILTER_STATES,
)
def _update(*values: Any) -> tuple[Any, ...]:
    return _render(*_in_scope(values))


@callback_cache(filters=None)  # its own filters, clamped by _update; the key has the scope
def _render(*values: Any) -> tuple[Any, ...]:
    scope = current_scope()
    lang = current_lang()
    f = _filters(values)
    df = svc.staff_list(scope, f)
    table = svc.display_table(df, svc.badge_catalog(scope), lang)
    s = svc.staff_summary(df)
    kpis = [
        html.Div(comp.kpi_card(t(f"staff.kpi.{k}", lang), f"{s[k]:,}"), className="col-md-3 col-sm-6")
        for k in ("staff", "core_missing", "route_missing", "complete")
    ]
    caption = t("staff.caption", lang, n=len(table))
    return comp.record_table(table, caption, ID("table")), kpis, t("staff.count", lang, n=len(table))


@callback(
    Output("staff-download", "data"),
    Output(ID("download-msg"), "children"),
    Input("staff-download-btn", "n_clicks"),
    State("staff-download-format", "value"),
    *[State(ID(f"f-{k}"), "value") for k in FILTER_KEYS],
    prevent_initial_call=True,
)
def _download(_: int, fmt: str, *values: Any) -> tuple[Any, Any]:
    from dashboard.exports import download_or_message

    scope = current_scope()
    lang = current_lang()
    f = _filters(values)  # as sent: the export drops a forged agency and audits it as ignored
    table = svc.display_table(
        svc.staff_list(scope, _filters(_in_scope(values))), svc.badge_catalog(scope), lang
    )
    payload, message = download_or_message(
        PAGE, table, fmt or "csv", f.to_dict(), scope, row_level=True, lang=lang
    )
    return (payload if payload is not None else dash.no_update), (message or "")
