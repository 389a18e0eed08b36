"""HTTP hardening: security headers with a hash-based CSP, no debug in production, bare error pages."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlparse

from flask import Response, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def _origins(urls: list[Any]) -> list[str]:
    out = []
    for item in urls:
        url = item.get("href") or item.get("src") if isinstance(item, dict) else str(item)
        parsed = urlparse(str(url or ""))
        if parsed.scheme in ("http", "https") and parsed.netloc:
            out.append(f"{parsed.scheme}://{parsed.netloc}")
    return sorted(set(out))


def build_csp(app: Any) -> str:
    """The Content-Security-Policy: scripts only from us plus the hashes of Dash's inline
    scripts (``app.csp_hashes()``); Dash's inline styles need style-src 'unsafe-inline'; no
    framing (clickjacking), no plugins, forms post only to us.

    'unsafe-eval' only while plotly.py's full plotly.js is served: its WebGL code compiles
    strings to functions. The partial bundle (dashboard.plotly_bundle) and Dash's own bundles
    never evaluate strings (their one `new Function("return this")` is webpack's fallback for
    browsers without globalThis), so with it scripts cannot be built from text at all."""
    # csp_hashes() returns the sources already quoted ("'sha256-...'").
    hashes = list(app.csp_hashes()) if hasattr(app, "csp_hashes") else []
    cfg = getattr(app, "config", {})
    script_origins = _origins(list(cfg.get("external_scripts", []) or []))
    style_origins = _origins(list(cfg.get("external_stylesheets", []) or []))
    server = getattr(app, "server", None)
    partial_plotly = server is not None and bool(server.config.get("PLOTLY_BUNDLE_URL"))
    evaluate = [] if partial_plotly else ["'unsafe-eval'"]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *evaluate, *hashes, *script_origins],
        "style-src": ["'self'", "'unsafe-inline'", *style_origins],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:", *style_origins],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{k} {' '.join(v)}" for k, v in directives.items())


def security_headers(app: Any, settings: Any) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": build_csp(app),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if getattr(settings, "behind_tls", False):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def _error_page(code: int, lang: str) -> str:
    from dashboard.i18n import HTML_LANG, t

    title = t("auth.error_page.title", lang, code=code)
    body = t("auth.error_page.body", lang)
    return (
        f'<!DOCTYPE html><html lang="{HTML_LANG.get(lang, "zh-Hant-TW")}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><main><h1>{title}</h1><p>{body}</p>"
        '<p><a href="/">/</a></p></main></body></html>'
    )


def init_security(app: Any, settings: Any) -> None:
    """Attach the headers, switch off debug/dev tools in production and hide tracebacks."""
    server = app.server
    # The auth guard maps each Dash callback to the page that registered it through this.
    server.extensions["dashboard_dash_app"] = app
    production = getattr(settings, "env", "development") == "production"
    state: dict[str, Any] = {}

    @server.after_request
    def _headers(resp: Response) -> Response:
        # The CSP is computed on first use: csp_hashes() must see every clientside callback,
        # which pages register while the app is being built.
        if "headers" not in state:
            state["headers"] = security_headers(app, settings)
        for k, v in state["headers"].items():
            resp.headers.setdefault(k, v)
        path = request.path
        if not (path.startswith("/assets/") or path.startswith("/_dash-component-suites/")):
            # Data responses (figures, tables, downloads) must not linger in shared caches.
            resp.headers["Cache-Control"] = "no-store"
        return resp

    if production:
        server.debug = False
        server.config["DEBUG"] = False
        server.config["PROPAGATE_EXCEPTIONS"] = False
        original = app.enable_dev_tools

        def _no_dev_tools(*args: Any, **kwargs: Any) -> bool:
            # app.run(debug=True) must not turn on the debugger, hot reload or the dev-tools UI
            # in production: force every switch off whatever the caller asked for.
            kwargs.update(
                debug=False, dev_tools_ui=False, dev_tools_props_check=False, dev_tools_hot_reload=False
            )
            kwargs.update(dev_tools_serve_dev_bundles=False, dev_tools_prune_errors=True)
            original(**kwargs)
            return False

        app.enable_dev_tools = _no_dev_tools

    @server.errorhandler(Exception)
    def _errors(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return exc
        # Log the traceback on the server; the browser only gets a generic page or JSON.
        log.exception("unhandled error on %s", request.path)
        from dashboard.i18n import norm_lang

        lang = norm_lang(request.cookies.get("lang"))
        if request.path.startswith("/_"):
            return {"error": "internal"}, 500
        return Response(_error_page(500, lang), status=500, mimetype="text/html")
