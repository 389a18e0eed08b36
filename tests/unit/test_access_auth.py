"""Sign-in, lockout, trusted headers, page permissions, CLI and security headers on a tiny Dash app."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import dash
import pytest
from dash import Input, Output, dcc, html

from dashboard.auth import PAGE_ROLES, allowed_paths, may_open
from dashboard.auth.guard import callback_forbidden, init_auth
from dashboard.auth.users import DEMO_ACCOUNTS, LOCKOUT_SECONDS, Lockout, UserError, UserStore
from dashboard.security import init_security
from dashboard.settings import Settings


def _settings(tmp: Path, **kw: Any) -> Settings:
    base = Settings.from_env({"DASHBOARD_SECRET_KEY": "s" * 40})
    return replace(
        base, users_file=tmp / "users.json", audit_log_path=tmp / "audit.jsonl", demo_accounts=True, **kw
    )


def _app(settings: Settings) -> dash.Dash:
    app = dash.Dash(__name__)
    app.layout = html.Div([dcc.Input(id="staff-in"), html.Div(id="staff-out"), html.Div(id="x-out")])

    @app.callback(Output("staff-out", "children"), Input("staff-in", "value"))
    def _echo(v: Any) -> Any:
        return v

    init_auth(app.server, settings)
    init_security(app, settings)
    return app


def _login(client: Any, user: str, password: str = "demo", next_: str = "/") -> Any:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    return client.post("/login", data={"username": user, "password": password, "csrf": token, "next": next_})


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return _settings(tmp_path)


@pytest.fixture()
def client(settings: Settings) -> Any:
    return _app(settings).server.test_client()


def test_anonymous_gets_redirect_or_401(client: Any) -> None:
    for path in ("/", "/summary", "/staff", "/audit", "/anything"):
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
    for path in ("/_dash-layout", "/_dash-dependencies", "/_reload-hash"):
        assert client.get(path).status_code == 401
    assert client.post("/_dash-update-component", json={"output": "staff-out.children"}).status_code == 401
    assert client.get("/login").status_code == 200


def test_sign_in_roles_and_pages(client: Any, settings: Settings) -> None:
    r = _login(client, "hr-central", next_="/staff")
    assert r.status_code == 303 and r.headers["Location"] == "/staff"
    assert client.get("/staff").status_code == 200
    assert client.get("/audit").status_code == 403
    assert client.get("/").headers["Location"] == allowed_paths("agency_hr")[0]
    assert client.get("/_dash-layout").status_code == 200
    records = [json.loads(x) for x in settings.audit_log_path.read_text(encoding="utf-8").splitlines()]
    assert records[-1]["event"] == "login" and records[-1]["user"] == "hr-central"
    client.get("/logout")
    assert client.get("/_dash-layout").status_code == 401


def test_open_redirect_refused(client: Any) -> None:
    for bad in ("//evil.example/x", "https://evil.example", "/audit"):
        r = _login(client, "analyst", next_=bad)
        assert r.headers["Location"] == "/", bad
        client.get("/logout")


def test_callbacks_of_forbidden_pages_refused(client: Any) -> None:
    body = {
        "output": "staff-out.children",
        "outputs": {"id": "staff-out", "property": "children"},
        "inputs": [{"id": "staff-in", "property": "value", "value": "x"}],
        "changedPropIds": ["staff-in.value"],
    }
    _login(client, "analyst")
    assert client.post("/_dash-update-component", json=body).status_code == 403
    client.get("/logout")
    _login(client, "hr-county")
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200 and "x" in r.get_data(as_text=True)


def test_callback_forbidden_rules() -> None:
    router = {"inputs": [{"id": "_pages_location", "property": "pathname", "value": "/audit"}], "outputs": []}
    assert callback_forbidden(router, "analyst") == "page /audit"
    assert callback_forbidden(router, "planner") is None
    dict_id = {"outputs": [{"id": {"type": "staff-row", "index": 1}, "property": "children"}]}
    assert callback_forbidden(dict_id, "executive") and callback_forbidden(dict_id, "agency_hr") is None
    assert (
        callback_forbidden({"outputs": [{"id": "ai-gap-chart", "property": "figure"}]}, "executive") is None
    )


def test_page_matrix() -> None:
    assert allowed_paths("executive") == ["/summary", "/priority", "/ai-gap", "/badges", "/report-tables"]
    assert "/staff" in allowed_paths("agency_hr") and "/staff" not in allowed_paths("planner")
    assert allowed_paths("planner")[-1] == "/audit" and "/audit" not in allowed_paths("analyst")
    assert may_open("analyst", "/new-page") and not may_open("executive", "/new-page")
    assert set(PAGE_ROLES) >= {
        "/priority",
        "/report-tables",
        "/data-status",
        "/ai-gap",
        "/badges",
        "/summary",
    }


def test_lockout_after_five_failures(client: Any, settings: Settings) -> None:
    for i in range(5):
        r = _login(client, "planner", password="wrong")
        assert r.status_code == 401, i
    # the right password no longer helps while locked
    r = _login(client, "planner", password="demo")
    assert r.status_code == 429 and "15" in r.get_data(as_text=True)
    events = [
        json.loads(x)["event"] for x in settings.audit_log_path.read_text(encoding="utf-8").splitlines()
    ]
    assert events.count("login_failed") == 5 and events[-1] == "login_locked"


def test_lockout_expires(tmp_path: Path) -> None:
    now = [1000.0]
    lk = Lockout(tmp_path / "l.json", clock=lambda: now[0])
    for _ in range(4):
        lk.failure("u")
    assert lk.locked_until("u") is None
    lk.failure("u")
    assert lk.locked_until("u") == 1000.0 + LOCKOUT_SECONDS
    now[0] += LOCKOUT_SECONDS + 1
    assert lk.locked_until("u") is None
    lk.failure("u")
    assert lk.locked_until("u") is None  # counting restarted after expiry
    lk.success("u")
    assert json.loads((tmp_path / "l.json").read_text()) == {}


def test_login_csrf_required(client: Any) -> None:
    r = client.post("/login", data={"username": "planner", "password": "demo"})
    assert r.status_code == 400


def test_login_page_answers_head_like_get(client: Any) -> None:
    """HEAD (uptime probes, link checkers) gets the sign-in page's status and headers, not the
    400 of a sign-in attempt without a CSRF token."""
    get, head = client.get("/login"), client.head("/login")
    assert get.status_code == head.status_code == 200
    assert head.get_data() == b"" and head.headers["Content-Type"] == get.headers["Content-Type"]


def test_users_store_hashes_and_production_refuses_demo(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "u.json")
    user = store.add("alice", "agency_hr", "correct horse battery", ("C3005",))
    raw = (tmp_path / "u.json").read_text()
    assert "correct horse" not in raw and user.password_hash.startswith("scrypt:")
    assert store.authenticate("alice", "correct horse battery") == user
    assert store.authenticate("alice", "wrong") is None and store.authenticate("nobody", "x") is None
    with pytest.raises(UserError):
        store.add("bob", "planner", "short")
    with pytest.raises(UserError):
        store.add("bob", "agency_hr", "long enough password")  # no agency
    store.add_demo()
    assert UserStore(tmp_path / "u.json").authenticate("hr-county", "demo") is not None
    prod = UserStore(tmp_path / "u.json", demo_accounts=True, production=True)
    assert prod.authenticate("hr-county", "demo") is None and prod.get("planner") is None
    assert prod.get("alice") is not None
    with pytest.raises(UserError):
        prod.add_demo()
    assert set(DEMO_ACCOUNTS) == {"planner", "analyst", "executive", "hr-central", "hr-county"}


def test_removed_user_loses_session(client: Any, settings: Settings) -> None:
    store = UserStore(settings.users_file)
    store.add("carol", "analyst", "a long password here")
    _login(client, "carol", password="a long password here")
    assert client.get("/_dash-layout").status_code == 200
    store.remove("carol")
    assert client.get("/_dash-layout").status_code == 401


def test_demo_fingerprint_is_the_same_in_every_worker() -> None:
    from dashboard.auth import users

    a = users.demo_user("hr-central")
    users._demo_hash_cache.clear()  # another worker process computes its own salted hash
    b = users.demo_user("hr-central")
    assert a.password_hash != b.password_hash and a.fingerprint() == b.fingerprint()


def test_trusted_header_mode(tmp_path: Path) -> None:
    s = _settings(tmp_path, auth_mode="trusted_header", trusted_proxies=("10.0.0.0/8",))
    c = _app(s).server.test_client()
    hdr = {"X-Remote-User": "hr1", "X-Remote-Role": "agency_hr", "X-Remote-Agencies": "C3005"}
    ok = c.get("/_dash-layout", headers=hdr, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert ok.status_code == 200
    # the same headers from an address that is not the proxy are ignored
    assert c.get("/_dash-layout", headers=hdr, environ_base={"REMOTE_ADDR": "192.168.1.5"}).status_code == 401
    bad = dict(hdr, **{"X-Remote-Role": "root"})
    assert c.get("/_dash-layout", headers=bad, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 401
    no_agency = dict(hdr, **{"X-Remote-Agencies": ""})
    assert (
        c.get("/_dash-layout", headers=no_agency, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 401
    )
    assert c.get("/staff", headers=hdr, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_security_headers_and_cookie_flags(tmp_path: Path) -> None:
    s = _settings(tmp_path, behind_tls=True)
    app = _app(s)
    c = app.server.test_client()
    r = c.get("/login", base_url="https://dash.example")
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    for h in app.csp_hashes():
        assert h in csp  # csp_hashes() gives quoted sources ("'sha256-...'")
    assert "''" not in csp  # a doubly quoted source would block every inline script
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    plain = _app(_settings(tmp_path / "p")).server.test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers


def test_production_errors_have_no_traceback(tmp_path: Path) -> None:
    s = replace(_settings(tmp_path), env="production", demo_accounts=False)
    app = _app(s)

    @app.server.route("/boom")
    def _boom() -> str:
        raise RuntimeError("secret internals")

    UserStore(s.users_file).add("pat", "planner", "another long password")
    c = app.server.test_client()
    _login(c, "pat", password="another long password")
    r = c.get("/boom")
    assert r.status_code == 500 and "secret internals" not in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)
    assert app.enable_dev_tools(debug=True) is False and app.server.debug is False


def test_cli_add_list_remove(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.auth import cli

    f = str(tmp_path / "users.json")
    monkeypatch.setenv("NEWPW", "a very long password")
    assert (
        cli.main(
            [
                "--file",
                f,
                "add",
                "dave",
                "--role",
                "agency_hr",
                "--agency",
                "K0601",
                "--password-env",
                "NEWPW",
            ]
        )
        == 0
    )
    assert cli.main(["--file", f, "demo"]) == 0
    assert cli.main(["--file", f, "list"]) == 0
    out = capsys.readouterr().out
    assert "dave\tagency_hr\tK0601" in out and "hr-central\tagency_hr\tC3005\tdemo" in out
    assert "scrypt" not in out  # hashes are never printed
    assert cli.main(["--file", f, "remove", "dave"]) == 0
    assert cli.main(["--file", f, "remove", "dave"]) == 1
    monkeypatch.setenv("SHORT", "x")
    assert cli.main(["--file", f, "add", "eve", "--role", "planner", "--password-env", "SHORT"]) == 2
