"""The whole app (create_app over the demo warehouse): anonymous access, role x page matrix, and
forged scope — every HR account replays every data callback and download with other agencies'
codes, and no response may carry another agency's data."""

from __future__ import annotations

import base64
import copy
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.dashclient import CALLBACK_PATH, DashSession, FlaskTransport, login, split_output
from dashboard.auth import PAGE_ROLES, allowed_paths, may_open
from dashboard.auth.users import DEMO_ACCOUNTS, UserStore

AGENCY_RE = re.compile(r"(?<![A-Za-z0-9])[CMK]\d{4}(?![0-9])")
ROLES_USERS = {
    "planner": "planner",
    "analyst": "analyst",
    "executive": "executive",
    "agency_hr": "hr-central",
}


@dataclass
class AccessApp:
    app: Any
    warehouse: Path
    kind: str
    audit_log: Path


def _warehouse(request: pytest.FixtureRequest, tmp: Path) -> tuple[Path, str]:
    try:
        return Path(request.getfixturevalue("demo_warehouse")), "demo"
    except Exception:  # the ETL cannot build the demo yet: the shell's small warehouse
        from tests.fixtures.test_shell_warehouse import build_small_warehouse

        return build_small_warehouse(tmp / "small.duckdb"), "small"


@pytest.fixture(scope="module")
def access_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AccessApp]:
    tmp = tmp_path_factory.mktemp("access_app")
    db, kind = _warehouse(request, tmp)
    users = tmp / "users.json"
    UserStore(users).add_demo()
    from dashboard.app import create_app
    from dashboard.settings import Settings

    settings = Settings(
        env="development",
        warehouse_path=db,
        secret_key="access-test-" + "x" * 32,
        users_file=users,
        audit_log_path=tmp / "audit.jsonl",
        demo_accounts=False,
    )
    yield AccessApp(create_app(settings), db, kind, settings.audit_log_path)


def _client(access_app: AccessApp, user: str | None) -> FlaskTransport:
    t = FlaskTransport(access_app.app.server)
    if user:
        login(t, user)
    return t


def _page_paths(access_app: AccessApp) -> list[str]:
    import dash

    return sorted({str(p["path"]) for p in dash.page_registry.values()} | set(PAGE_ROLES))


# ---------------------------------------------------------------------------- anonymous
def test_anonymous_every_route_is_closed(access_app: AccessApp) -> None:
    planner = _client(access_app, "planner")
    deps = planner.get("/_dash-dependencies").json()
    anon = access_app.app.server.test_client()
    for path in [*_page_paths(access_app), "/_dash-layout", "/_dash-dependencies"]:
        r = anon.get(path)
        expected = 401 if path.startswith("/_") else 302
        assert r.status_code == expected, (path, r.status_code)
        if expected == 302:
            assert r.headers["Location"].startswith("/login")
    # every callback (data and downloads) refuses anonymous posts
    for cb in deps:
        body = {"output": cb["output"], "outputs": [], "inputs": [], "state": [], "changedPropIds": []}
        assert anon.post(CALLBACK_PATH, json=body).status_code == 401, cb["output"]
    # every other Flask route except the public ones
    public = {"/login", "/logout", "/healthz", "/readyz", "/favicon.ico", "/_favicon.ico"}
    for rule in access_app.app.server.url_map.iter_rules():
        path = re.sub(r"<[^>]+>", "x", rule.rule)
        if path in public or path.startswith(("/assets/", "/_dash-component-suites/", "/static/")):
            continue
        method = "POST" if "POST" in (rule.methods or ()) and "GET" not in (rule.methods or ()) else "GET"
        r = anon.open(path, method=method)
        assert r.status_code in (302, 401), (rule.rule, r.status_code)
    assert anon.get("/healthz").status_code in (200, 503)


# ---------------------------------------------------------------------------- role x page
@pytest.mark.parametrize("role", ["planner", "analyst", "executive", "agency_hr"])
def test_role_page_matrix_on_server(access_app: AccessApp, role: str) -> None:
    client = _client(access_app, ROLES_USERS[role])
    for path in _page_paths(access_app):
        if path == "/":
            continue
        status = client.get(path).status
        assert status == (200 if may_open(role, path) else 403), (role, path, status)
        # client-side navigation goes through the pages router callback: refused alike
        body = {
            "output": ".._pages_content.children..._pages_store.data..",
            "outputs": [
                {"id": "_pages_content", "property": "children"},
                {"id": "_pages_store", "property": "data"},
            ],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": path},
                {"id": "_pages_location", "property": "search", "value": ""},
            ],
            "state": [],
            "changedPropIds": ["_pages_location.pathname"],
        }
        r = client.post_json(CALLBACK_PATH, body)
        if may_open(role, path):
            assert r.status == 200, (role, path, r.status, r.body[:300])
        else:
            assert r.status == 403, (role, path, r.status)
    assert client.get("/").headers["location"] in (
        allowed_paths(role)[0],
        "/" + allowed_paths(role)[0].lstrip("/"),
    )


# ---------------------------------------------------------------------------- forged scope
def _sql(sql: str) -> list[tuple[Any, ...]]:
    # Through the app's own read-only connection: DuckDB refuses a second connection to the same
    # file with a different configuration in one process.
    from dashboard.db import get_warehouse

    return list(get_warehouse().execute(sql).itertuples(index=False, name=None))


def _agencies_with_data(db: Path) -> list[str]:
    """Agencies with rows in the warehouse, most rows first (the likeliest to show up if leaked)."""
    tables = {r[0] for r in _sql("SELECT table_name FROM information_schema.tables")}
    counts: dict[str, int] = {}
    for table in ("staff_history", "survey_respondent", "selfassessment_respondent"):
        if table in tables:
            for code, n in _sql(f"SELECT agency_code, count(*) FROM {table} GROUP BY 1"):
                if code:
                    counts[code] = counts.get(code, 0) + int(n)
    names = dict(_sql("SELECT agency_code, name_zh FROM agency"))
    return sorted((c for c in counts if c in names), key=lambda c: (-counts[c], c))


def _forge_codes(db: Path, own: set[str]) -> list[str]:
    """The other agencies to forge: every agency with data when ACCESS_FORGE_AGENCIES=all (the
    nightly run), else the other demo HR agency plus the N (default 12) agencies with the most
    data, which keeps the CI run within minutes on two shared cores."""
    others = [c for c in _agencies_with_data(db) if c not in own]
    setting = os.environ.get("ACCESS_FORGE_AGENCIES", "12")
    if setting == "all":
        return others
    demo_hr = [a for _, (_, ags) in DEMO_ACCOUNTS.items() for a in ags if a not in own]
    return list(dict.fromkeys([*demo_hr, *others[: int(setting)]]))


def _agency_names(db: Path) -> dict[str, tuple[str, str]]:
    return {r[0]: (r[1], r[2]) for r in _sql("SELECT agency_code, name_zh, name_en FROM agency")}


def _forge(body: dict[str, Any], code: str) -> tuple[dict[str, Any], int]:
    """A copy of a callback body with every agency-bearing input/state value set to `code`."""
    out = copy.deepcopy(body)
    hits = 0

    def visit(items: Any) -> None:
        nonlocal hits
        if isinstance(items, list):
            for it in items:
                visit(it)
        elif isinstance(items, dict) and "id" in items:
            cid = items["id"]
            text = json.dumps(cid) if isinstance(cid, dict) else str(cid)
            if "agency" in text and items.get("property") == "value":
                items["value"] = [code] if isinstance(items.get("value"), list) else code
                hits += 1

    visit(out.get("inputs"))
    visit(out.get("state"))
    return out, hits


def _foreign(text: str, own: set[str], forged: str, names: dict[str, tuple[str, str]]) -> list[str]:
    found = sorted(set(AGENCY_RE.findall(text)) - own)
    own_names = " ".join(n for c in own for n in names.get(c, ("", "")))
    for name in names.get(forged, ()):
        if name and len(name) >= 4 and name in text and name not in own_names:
            found.append(name)
    return found


def _download_bodies(session: DashSession) -> list[dict[str, Any]]:
    """Bodies for every download callback on the page, as if its button had been clicked."""
    bodies = []
    for cb in session.callbacks:
        outs = split_output(cb["output"])
        if not any(p == "data" and "download" in c for c, p in outs):
            continue
        if not session._runnable(cb):
            continue
        body = session._body(cb, set())
        for item in body["inputs"]:
            if isinstance(item, dict) and item.get("property") == "n_clicks":
                item["value"] = 1
                body["changedPropIds"] = [f"{item['id']}.n_clicks"]
        bodies.append(body)
    return bodies


def _payload_text(resp_json: dict[str, Any]) -> str:
    """The response as text, with base64 downloads decoded (CSV text; XLSX/ODS are zips)."""
    text = json.dumps(resp_json, ensure_ascii=False)
    for props in (resp_json.get("response") or {}).values():
        data = props.get("data") if isinstance(props, dict) else None
        if isinstance(data, dict) and data.get("base64") and str(data.get("filename", "")).endswith(".csv"):
            text += base64.b64decode(data["content"]).decode("utf-8-sig", errors="replace")
    return text


@pytest.mark.parametrize("user", ["hr-central", "hr-county"])
def test_forged_agency_never_returns_other_agencies(access_app: AccessApp, user: str) -> None:
    own = set(DEMO_ACCOUNTS[user][1])
    names = _agency_names(access_app.warehouse)
    others = _forge_codes(access_app.warehouse, own)
    client = _client(access_app, user)
    replayed = forged_requests = 0
    for path in allowed_paths("agency_hr"):
        session = DashSession(client)
        records = session.load(path + "?lang=en")
        assert not session.errors, (path, session.errors)
        # what the page shows with no forging at all: only the viewer's own agency
        page_text = json.dumps(session.layout, ensure_ascii=False) + json.dumps(
            [session.index[k] for k in session.index], ensure_ascii=False, default=str
        )
        leaked = sorted(set(AGENCY_RE.findall(page_text)) - own)
        assert not leaked, (user, path, leaked[:10])
        bodies = [r.body for r in records if r.status == 200] + _download_bodies(session)
        for body in bodies:
            _, hits = _forge(body, "X0000")
            if not hits:
                continue  # nothing to forge; its unforged response was checked with the page
            replayed += 1
            for code in others:
                forged, _ = _forge(body, code)
                resp = client.post_json(CALLBACK_PATH, forged)
                forged_requests += 1
                if resp.status == 204:
                    continue
                assert resp.status in (200, 403), (
                    user,
                    path,
                    body["output"],
                    code,
                    resp.status,
                    resp.body[:300],
                )
                if resp.status == 200:
                    foreign = _foreign(_payload_text(resp.json()), own, code, names)
                    assert not foreign, (user, path, body["output"], code, foreign[:10])
    assert replayed > 0 and forged_requests >= replayed
    print(f"{user}: {replayed} callbacks, {forged_requests} forged requests, {len(others)} other agencies")
