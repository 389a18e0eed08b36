"""create_app(): wiring only — Dash pages, shell layout, cache, auth, security, health, logging."""

from __future__ import annotations

import gc
import importlib
import importlib.util
import logging
from pathlib import Path
from typing import Any

import dash
import flask
from dash import ALL, ClientsideFunction, Input, Output, dcc, html

from dashboard import components as comp
from dashboard import db, plotly_bundle
from dashboard.cache import init_cache
from dashboard.i18n import HTML_LANG, current_cal, current_lang, t
from dashboard.services import common as svc
from dashboard.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PAGES_DIR = Path(__file__).resolve().parent / "pages"
ASSETS_DIR = ROOT / "assets"

log = logging.getLogger(__name__)

INDEX_STRING = """<!DOCTYPE html>
<html lang="zh-Hant-TW">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


class ShellDash(dash.Dash):
    """Dash with the <html lang> and <title> of the viewer's language (from the `lang` cookie), and
    on pages with charts a preload of plotly.js (dashboard.plotly_bundle)."""

    def interpolate_index(self, **kwargs: Any) -> str:  # type: ignore[override]
        html_text = super().interpolate_index(**kwargs)
        if flask.has_request_context():
            preload = plotly_bundle.preload_tags(flask.request.path)
            if preload:
                html_text = html_text.replace("<head>", "<head>\n        " + preload, 1)
        lang = current_lang()
        if lang != "zh-TW":
            html_text = html_text.replace('<html lang="zh-Hant-TW">', f'<html lang="{HTML_LANG[lang]}">', 1)
        return html_text


def _optional(module: str) -> Any | None:
    """Import a sibling module that another engineer owns, if it exists yet."""
    if importlib.util.find_spec(module) is None:
        return None
    return importlib.import_module(module)


def _first_allowed_path(role: str) -> str:
    allowed = svc.allowed_paths(role)
    items = comp.nav_items(allowed)
    return items[0][0] if items else "/login"


def shell_layout() -> html.Div:
    """The frame around every page, built per request (language, role, data version)."""
    lang, cal = current_lang(), current_cal()
    allowed: list[str] | None = None
    user = role = None
    if flask.has_request_context():
        try:
            scope = svc.current_scope()
            allowed, user, role = svc.allowed_paths(scope.role), scope.user, scope.role
        except Exception:  # not signed in (the login page): show no pages
            allowed = []
    info = svc.data_version_info() if flask.has_request_context() else {"version": None, "built_at": None}
    return html.Div(
        [
            comp.navbar(
                lang,
                cal,
                None,
                allowed,
                user=user,
                role=role,
                show_logout=bool(user) and svc.auth_available(),
            ),
            html.Main(dash.page_container, id="main", className="container-fluid", tabIndex="-1"),
            comp.footer(lang, cal, info["version"], info["built_at"]),
            dcc.Store(id="pref-store"),
            dcc.Store(id="url-query-store"),
        ],
        lang=HTML_LANG[lang],
    )


def _register_shell_callbacks(app: dash.Dash) -> None:
    app.clientside_callback(
        ClientsideFunction(namespace="shell", function_name="setPref"),
        Output("pref-store", "data"),
        [
            Input(f"pref-{kind}-{value}", "n_clicks")
            for kind, value in (("lang", "zh-TW"), ("lang", "en"), ("cal", "gregorian"), ("cal", "roc"))
        ],
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="shell", function_name="syncUrl"),
        Output("url-query-store", "data"),
        Input({"type": comp.FILTER_ID_TYPE, "field": ALL}, "value"),
        prevent_initial_call=True,
    )


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the Dash app for `settings` (default: from the environment). No data is read here."""
    settings = settings or Settings.from_env()
    db.configure(settings.warehouse_path, settings.duckdb_threads, settings.duckdb_memory_limit)
    app = ShellDash(
        # The package's name, not this module's: Dash then imports the pages as
        # dashboard.pages.<page>, the modules' own names, so an `import dashboard.pages.x`
        # elsewhere finds the module Dash registered instead of registering the page twice.
        "dashboard",
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        suppress_callback_exceptions=True,  # page components are not in the initial layout
        title=t("common.app.title", "zh-TW"),
        update_title=None,  # type: ignore[arg-type]
        serve_locally=True,
        compress=False,
    )
    app.index_string = INDEX_STRING
    server = app.server
    # One data version per response: connections pinned by a request are released here.
    server.teardown_request(db.release_request_pins)
    server.config["SECRET_KEY"] = settings.secret_key
    server.config["DASHBOARD_SETTINGS"] = settings
    server.config["SESSION_COOKIE_HTTPONLY"] = True
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    server.config["SESSION_COOKIE_SECURE"] = settings.behind_tls

    init_cache(server, settings)
    for module, func in (
        ("dashboard.logging_setup", "init_logging"),
        ("dashboard.auth", "init_auth"),
        ("dashboard.security", "init_security"),
        ("dashboard.health", "init_health"),
    ):
        mod = _optional(module)
        if mod is None:
            log.info("%s not present yet; skipped", module)
            continue
        if func == "init_security":
            getattr(mod, func)(app, settings)
        elif func == "init_health":
            getattr(mod, func)(server)
        else:
            getattr(mod, func)(server, settings)

    @server.before_request
    def _root_redirect() -> Any:
        # '/' goes to the first page the role may open (the auth guard ran before this hook).
        if flask.request.path != "/":
            return None
        try:
            scope = svc.current_scope()
        except Exception:
            return flask.redirect("/login")
        query = flask.request.query_string.decode("ascii", "ignore")
        target = _first_allowed_path(scope.role)
        return flask.redirect(target + ("?" + query if query else ""))

    app.layout = shell_layout
    _register_shell_callbacks(app)
    plotly_bundle.init_plotly_bundle(app)
    # Dash, plotly, pandas and the page registry leave a few hundred thousand long-lived objects:
    # frozen, the cyclic GC stops rescanning them, and its full collections no longer pause a
    # request for 30-40 ms at random (seen in the callback benchmarks).
    gc.freeze()
    return app
