"""Route '/': normally redirected server-side to the role's first page; lists the pages otherwise."""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboard import components as comp
from dashboard.i18n import current_lang, t
from dashboard.services import common as svc

dash.register_page(__name__, path="/", title="AI Competency Dashboard", order=0)


def layout(**query: str) -> html.Div:
    lang = current_lang()
    scope = svc.current_scope()
    items = comp.nav_items(svc.allowed_paths(scope.role))
    return html.Div(
        [
            html.H1(t("common.home.title", lang), className="h3"),
            html.P(t("common.home.intro", lang)),
            html.Ul([html.Li(dcc.Link(t(key, lang), href=path)) for path, key in items]),
        ]
    )
