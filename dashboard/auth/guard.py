"""The before_request guard, sign-in/out routes, page permissions and current_scope()."""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, jsonify, redirect, request, session
from flask_login import LoginManager, UserMixin, login_user, logout_user
from flask_login import current_user as _flask_current_user

from dashboard.audit import AuditLog
from dashboard.auth.users import Lockout, User, UserStore
from dashboard.scope import ROLES, Scope

log = logging.getLogger(__name__)

_ALL = frozenset(ROLES)
_ANALYSTS = frozenset({"planner", "analyst"})
# Path -> roles that may open it, in navigation order ("/" redirects to the first one allowed).
# A page missing here is open to planners and analysts only: a new page must be added on purpose
# before executives or agency HR can see it.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "/summary": _ALL,
    "/priority": _ALL,
    "/ai-gap": _ALL,
    "/badges": _ALL,
    "/report-tables": _ALL,
    "/staff": frozenset({"agency_hr"}),
    "/data-status": _ANALYSTS,
    "/audit": frozenset({"planner"}),
}
# Open without a session: the sign-in form, health checks, the favicon.
PUBLIC_PATHS = frozenset({"/login", "/logout", "/healthz", "/readyz", "/favicon.ico", "/_favicon.ico"})
# Static files (no data in them) may stay public.
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
SCOPE_KEY = "dashboard_scope"
_PAGES_LOCATION = "_pages_location"


class NotSignedIn(RuntimeError):
    """current_scope() was called without a signed-in viewer (or outside a request)."""


def _norm(path: str) -> str:
    path = "/" + path.strip("/")
    return path


def may_open(role: str, path: str) -> bool:
    """True when ``role`` may open the page at ``path`` ('/' is everyone's start page)."""
    path = _norm(path)
    if path == "/":
        return True
    roles = PAGE_ROLES.get(path)
    if roles is None:
        return role in _ANALYSTS
    return role in roles


def allowed_paths(role: str) -> list[str]:
    """The pages a role may open, in navigation order."""
    return [p for p, roles in PAGE_ROLES.items() if role in roles]


def _settings() -> Any:
    from flask import current_app

    return current_app.config["DASHBOARD_SETTINGS"]


def scope_for(
    user: User | None,
    settings: Any,
    *,
    role: str | None = None,
    name: str | None = None,
    agencies: Iterable[str] = (),
) -> Scope:
    """The Scope of a signed-in user (or of trusted-header identity values)."""
    role = user.role if user else role
    name = user.username if user else name
    codes = tuple(user.agencies) if user else tuple(agencies)
    if role is None or name is None:
        raise NotSignedIn("no identity")
    return Scope(
        role=role,
        user=name,
        agencies=codes if role == "agency_hr" else None,
        min_cell=int(settings.min_cell),
        unsuppressed=bool(settings.planner_unsuppressed) and role == "planner",
    )


def current_scope() -> Scope:
    """The viewer's scope, built by the guard from the server-side session (never from input)."""
    from flask import has_request_context

    if not has_request_context():
        raise NotSignedIn("current_scope() needs a request")
    scope = g.get(SCOPE_KEY)
    if scope is None:
        raise NotSignedIn("no signed-in viewer")
    return scope  # type: ignore[no-any-return]


def current_user_name() -> str | None:
    try:
        return current_scope().user
    except NotSignedIn:
        return None


class SessionUser(UserMixin):  # type: ignore[misc]
    """Flask-Login's view of a User; the session id carries a fingerprint of the account, so a
    password, role or agency change (or removal) ends existing sessions on their next request."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.username}|{self.user.fingerprint()}"


def _store() -> UserStore:
    s = _settings()
    return UserStore(s.users_file, demo_accounts=bool(s.demo_accounts), production=s.env == "production")


def _lockout() -> Lockout:
    return Lockout(_settings().users_file.parent / "lockout.json")


def _audit() -> AuditLog:
    return AuditLog(_settings().audit_log_path)


def _is_trusted_proxy(addr: str | None, proxies: Iterable[str]) -> bool:
    if not addr:
        return False
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    for p in proxies:
        try:
            if ip in ipaddress.ip_network(p, strict=False):
                return True
        except ValueError:
            continue
    return False


_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,128}$")


def _scope_from_headers(settings: Any) -> Scope | None:
    """Identity from a single-sign-on proxy: believed only from the configured proxy addresses."""
    if not _is_trusted_proxy(request.remote_addr, settings.trusted_proxies):
        return None
    name = (request.headers.get(settings.trusted_user_header) or "").strip()
    role = (request.headers.get(settings.trusted_role_header) or "").strip()
    raw = request.headers.get(settings.trusted_agencies_header) or ""
    agencies = tuple(c.strip() for c in raw.split(",") if c.strip())
    if not _NAME_RE.match(name) or role not in ROLES or not all(_CODE_RE.match(c) for c in agencies):
        return None
    if role == "agency_hr" and not agencies:
        return None
    return scope_for(None, settings, role=role, name=name, agencies=agencies)


def _scope_from_session(settings: Any) -> Scope | None:
    cu = _flask_current_user
    if not getattr(cu, "is_authenticated", False):
        return None
    return scope_for(cu.user, settings)


def _is_json_endpoint(path: str) -> bool:
    # Dash's internal endpoints (/_dash-layout, /_dash-dependencies, /_dash-update-component,
    # /_reload-hash, ...) and download/API routes answer 401; pages answer with a redirect.
    return path.startswith("/_") or path.startswith("/api/") or path.startswith("/download")


def _unauthorized(path: str) -> Response:
    if _is_json_endpoint(path) or request.method != "GET":
        resp = jsonify({"error": "unauthenticated", "login": "/login"})
        resp.status_code = 401
        return resp
    target = request.full_path.rstrip("?") if request.query_string else path
    return redirect("/login?" + urlencode({"next": target}), code=302)  # type: ignore[return-value]


def _forbidden(path: str) -> Response:
    if _is_json_endpoint(path):
        resp = jsonify({"error": "forbidden"})
        resp.status_code = 403
        return resp
    from dashboard.pages.login import render_forbidden

    return Response(render_forbidden(_lang()), status=403, mimetype="text/html")


# Component-id prefixes of pages whose prefix is not their path (comp.ids("aig") on /ai-gap).
# Only a fallback: callbacks are mapped to their page through the module that defined them.
PAGE_ID_PREFIXES: dict[str, tuple[str, ...]] = {
    "/ai-gap": ("aig",),
    "/badges": ("bdg",),
    "/summary": ("sum",),
}


def _page_prefixes() -> list[tuple[str, str]]:
    # Component ids are made by ids(page_prefix): "<prefix>-<name>", the prefix usually being
    # the page path without its slash ("staff-table" belongs to /staff). Longest prefix first.
    pairs = [(p.strip("/"), p) for p in PAGE_ROLES]
    pairs += [(prefix, path) for path, prefixes in PAGE_ID_PREFIXES.items() for prefix in prefixes]
    return sorted(pairs, key=lambda x: -len(x[0]))


def _id_strings(cid: Any) -> list[str]:
    if isinstance(cid, str):
        return [cid]
    if isinstance(cid, Mapping):
        return [v for v in cid.values() if isinstance(v, str)]
    return []


def _page_of_id(cid: Any) -> str | None:
    for text in _id_strings(cid):
        for prefix, path in _page_prefixes():
            if text == prefix or text.startswith(prefix + "-") or text.startswith(prefix + "_"):
                return path
    return None


def _callback_page(output: Any) -> str | None:
    """The page whose module registered the callback (Dash keeps the function's __module__,
    and dash.page_registry maps modules to paths): new pages are covered without a list."""
    from flask import current_app

    app = current_app.extensions.get("dashboard_dash_app") if current_app else None
    if app is None or not isinstance(output, str):
        return None
    import dash

    entry = app.callback_map.get(output)
    module = getattr(entry.get("callback"), "__module__", None) if entry else None
    page = dash.page_registry.get(module) if module else None
    return str(page["path"]) if page else None


def _flatten(items: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(items, dict):
        return [items]
    for it in items or []:
        out.extend(_flatten(it) if isinstance(it, list) else [it] if isinstance(it, dict) else [])
    return out


def callback_forbidden(body: Mapping[str, Any], role: str) -> str | None:
    """Why a role may not run this Dash callback request (a reason), or None when allowed.

    Two checks: the Dash-pages router (input _pages_location.pathname) may only render pages the
    role may open, and a callback whose outputs belong to a page (by id prefix) only runs for
    roles that may open that page. Pages added later are covered by the same rules."""
    for item in _flatten(body.get("inputs")) + _flatten(body.get("state")):
        if item.get("id") == _PAGES_LOCATION and item.get("property") == "pathname":
            value = item.get("value")
            if isinstance(value, str) and not may_open(role, value):
                return f"page {value}"
    page = _callback_page(body.get("output"))
    if page and not may_open(role, page):
        return f"callback of {page}"
    outputs = _flatten(body.get("outputs"))
    for out in outputs:
        page = _page_of_id(out.get("id"))
        if page and not may_open(role, page):
            return f"output {out.get('id')}"
    return None


def _lang() -> str:
    from dashboard.i18n import norm_lang

    q = request.args.get("lang")
    return norm_lang(q or request.cookies.get("lang"))


def _guard() -> Response | None:
    path = request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return None
    settings = _settings()
    if settings.auth_mode == "trusted_header":
        scope = _scope_from_headers(settings)
    else:
        scope = _scope_from_session(settings)
    if scope is None:
        return _unauthorized(path)
    g.dashboard_scope = scope
    if path == "/" and request.method == "GET":
        first = allowed_paths(scope.role)
        return redirect(first[0] if first else "/login")  # type: ignore[return-value]
    if path == "/_dash-update-component":
        body = request.get_json(silent=True) or {}
        reason = callback_forbidden(body, scope.role)
        if reason:
            log.warning("forbidden callback for %s (%s): %s", scope.user, scope.role, reason)
            return _forbidden(path)
        return None
    if not _is_json_endpoint(path) and request.method == "GET" and not may_open(scope.role, path):
        return _forbidden(path)
    return None


def _safe_next(target: str | None, role: str) -> str:
    """Only local paths the role may open; anything else (//evil, http://...) goes to '/'."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    path = target.split("?", 1)[0]
    return target if may_open(role, path) else "/"


def _csrf_token() -> str:
    token = session.get("login_csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        session["login_csrf"] = token
    return str(token)


def _login_view() -> Response:
    from dashboard.pages.login import render_login

    settings = _settings()
    lang = _lang()
    next_path = request.values.get("next", "/")
    if settings.auth_mode == "trusted_header":
        html = render_login(lang, error_key="sso", next_path="/", csrf="", form=False)
        return Response(html, status=200, mimetype="text/html")
    if request.method in ("GET", "HEAD"):  # HEAD (link checkers, probes) is a GET without body
        html = render_login(lang, error_key=None, next_path=next_path, csrf=_csrf_token())
        return Response(html, mimetype="text/html")

    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    sent = request.form.get("csrf") or ""
    expected = session.get("login_csrf") or ""
    if not expected or not secrets.compare_digest(str(sent), str(expected)):
        html = render_login(lang, error_key="expired", next_path=next_path, csrf=_csrf_token())
        return Response(html, status=400, mimetype="text/html")
    lockout = _lockout()
    audit = _audit()
    ip = request.remote_addr
    until = lockout.locked_until(username)
    if until is not None:
        audit.append("login_locked", user=username, ip=ip)
        html = render_login(lang, error_key="locked", next_path=next_path, csrf=_csrf_token())
        return Response(html, status=429, mimetype="text/html")
    user = _store().authenticate(username, password)
    if user is None:
        failures = lockout.failure(username)
        audit.append("login_failed", user=username, ip=ip, failures=failures)
        key = "locked" if failures >= 5 else "invalid"
        html = render_login(lang, error_key=key, next_path=next_path, csrf=_csrf_token())
        return Response(html, status=401, mimetype="text/html")
    lockout.success(username)
    # A fresh session on sign-in: nothing from the anonymous session survives (no fixation).
    session.clear()
    session.permanent = True
    login_user(SessionUser(user))
    audit.append("login", user=user.username, role=user.role, ip=ip)
    return redirect(_safe_next(next_path, user.role), code=303)  # type: ignore[return-value]


def _logout_view() -> Response:
    logout_user()
    session.clear()
    return redirect("/login", code=303)  # type: ignore[return-value]


def init_auth(server: Flask, settings: Any) -> LoginManager:
    """Sign-in routes, the session user loader and the guard in front of every route."""
    from datetime import timedelta

    server.config["DASHBOARD_SETTINGS"] = settings
    if settings.secret_key:
        server.secret_key = settings.secret_key
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.behind_tls),
        SESSION_COOKIE_NAME="__Host-session" if settings.behind_tls else "session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=bool(settings.behind_tls),
        REMEMBER_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
    )
    manager = LoginManager()
    manager.session_protection = "basic"
    manager.init_app(server)

    @manager.user_loader
    def _load(user_id: str) -> SessionUser | None:
        name, _, fp = user_id.partition("|")
        user = _store().get(name)
        if user is None or user.disabled or user.fingerprint() != fp:
            return None
        return SessionUser(user)

    server.add_url_rule("/login", "dashboard_login", _login_view, methods=["GET", "POST"])
    server.add_url_rule("/logout", "dashboard_logout", _logout_view, methods=["GET", "POST"])
    server.before_request(_guard)
    return manager
