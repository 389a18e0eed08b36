"""/audit: planners read the append-only audit log (downloads, refusals, sign-ins)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, callback, html

from dashboard import components as comp
from dashboard.auth import current_scope
from dashboard.i18n import current_lang, t
from dashboard.services import audit as svc

dash.register_page(__name__, path="/audit", title="稽核紀錄 · Audit log", order=8)

ID = comp.ids("audit")
SHOWN_ROWS = 500  # newest records on screen; older ones via the event/user filters


def display_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Audit records with translated headers and event names."""
    out = df.copy()
    out["event"] = [t(f"audit.event.{e}", lang) if e in svc.EVENTS else e for e in out["event"]]
    out["rows"] = pd.Series(
        [None if pd.isna(v) else int(v) for v in out["rows"]], index=out.index, dtype=object
    )
    return out.rename(columns={c: t(f"audit.col.{c}", lang) for c in svc.COLUMNS})


def layout(**query: Any) -> html.Div:
    lang = current_lang()
    scope = current_scope()
    if scope.role != "planner":  # the guard already refuses other roles
        return html.Div(html.P(t("audit.only_planner", lang)), className="alert alert-warning")
    ok, count = svc.audit_integrity(scope)
    status = t("audit.chain_ok", lang, n=count) if ok else t("audit.chain_broken", lang, n=count)
    event_opts = [{"label": t("audit.all", lang), "value": "all"}] + [
        {"label": t(f"audit.event.{e}", lang), "value": e} for e in svc.EVENTS
    ]
    user_opts = [{"label": t("audit.all", lang), "value": "all"}] + [
        {"label": u, "value": u} for u in svc.audit_users(scope)
    ]
    return html.Div(
        [
            html.H1(t("audit.title", lang), className="h3"),
            html.P(t("audit.intro", lang)),
            dbc.Alert(status, color="success" if ok else "danger", id=ID("chain")),
            html.Div(
                [
                    html.Div(
                        [
                            dbc.Label(t("audit.filter.event", lang), html_for=ID("f-event")),
                            dbc.Select(id=ID("f-event"), options=event_opts, value="all", size="sm"),
                        ],
                        className="col-md-3",
                    ),
                    html.Div(
                        [
                            dbc.Label(t("audit.filter.user", lang), html_for=ID("f-user")),
                            dbc.Select(id=ID("f-user"), options=user_opts, value="all", size="sm"),
                        ],
                        className="col-md-3",
                    ),
                ],
                className="row mb-2",
            ),
            html.Div(id=ID("count"), className="small text-muted", role="status"),
            html.Div(id=ID("table-wrap"), className="table-responsive mt-2"),
        ]
    )


@callback(
    Output(ID("table-wrap"), "children"),
    Output(ID("count"), "children"),
    Input(ID("f-event"), "value"),
    Input(ID("f-user"), "value"),
)
def _update(event: str | None, user: str | None) -> tuple[Any, ...]:
    scope = current_scope()
    lang = current_lang()
    df = svc.audit_events(
        scope,
        event=None if event in (None, "all") else event,
        user=None if user in (None, "all") else user,
    )
    table = display_table(df, lang)
    shown = table.head(SHOWN_ROWS)
    return (
        comp.record_table(shown, t("audit.title", lang), ID("table")),
        t("audit.count", lang, n=len(table))
        + (t("audit.truncated", lang, n=SHOWN_ROWS) if len(table) > SHOWN_ROWS else ""),
    )
