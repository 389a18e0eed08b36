"""The whole app (create_app over the demo warehouse): anonymous access, role x page matrix, and
forged scope — every HR account replays every data callback and download with other agencies'
codes, and no response may carry another agency's data."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from benchmarks.dashclient import CALLBACK_PATH, DashSession, FlaskTransport, login
from dashboard.auth import PAGE_ROLES, allowed_paths, may_open
from dashboard.auth.users import DEMO_ACCOUNTS, UserStore
from tests.integration.forge_replay import (
    AGENCY_RE,
    OFFICE_FORMATS,
    ROUTER_OUTPUT,
    Scanner,
    cache_keys,
    context,
    decoded_text,
    page_replays,
    post,
)

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
    # The forged-scope test downloads some 13,000 files, each audited with an fsync: on tmpfs
    # when there is one, which makes the fsync free (the audit chain itself is unchanged).
    shm = Path("/dev/shm")
    audit_dir = Path(tempfile.mkdtemp(prefix="access-audit-", dir=shm)) if shm.is_dir() else tmp
    users = tmp / "users.json"
    UserStore(users).add_demo()
    from dashboard.app import create_app
    from dashboard.settings import Settings

    settings = Settings(
        env="development",
        warehouse_path=db,
        secret_key="access-test-" + "x" * 32,
        users_file=users,
        audit_log_path=audit_dir / "audit.jsonl",
        demo_accounts=False,
    )
    from dashboard import cache
    from dashboard import db as warehouse_db

    # create_app sets process-wide state (the service cache backend, the warehouse): put back what
    # was there, so later tests in this worker (unit tests with their own warehouse) are unaffected.
    saved = (cache._backend, warehouse_db._instance)
    try:
        yield AccessApp(create_app(settings), db, kind, settings.audit_log_path)
    finally:
        if warehouse_db._instance is not None and warehouse_db._instance is not saved[1]:
            warehouse_db._instance.close()
        cache._backend, warehouse_db._instance = saved
        if audit_dir != tmp:
            shutil.rmtree(audit_dir, ignore_errors=True)


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


def _agencies_with_data() -> list[str]:
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


def _forge_codes(own: set[str]) -> tuple[list[str], list[str]]:
    """(codes forged everywhere, codes forged in XLSX/ODS and in the picker's other tables).

    Every other agency with data in the warehouse is forged into the page URL, every data
    callback and every download callback in CSV with the download picker's default table
    (ACCESS_FORGE_AGENCIES=N: the other demo HR agency plus the N largest, for a quick local run).
    The other tables of a picker, and XLSX and ODS (whose writers are slow), get the other demo
    HR agency plus the ACCESS_FORGE_OFFICE (default 12) agencies with the most data
    (ACCESS_FORGE_TABLES=all: every table with every agency). Why a subset is enough there: the
    download callback resolves and clamps the filters in one place whatever table or format is
    asked for (forged with every agency through the default table); each table's service is
    forged with every agency through the data callback that shows it; and the scope is applied
    to the table before any formatting, so the formats only have to show that their writers add
    nothing (metadata sheet, labels) beyond the table."""
    demo_hr = [a for _, (_, ags) in DEMO_ACCOUNTS.items() for a in ags if a not in own]
    others = [c for c in _agencies_with_data() if c not in own]
    setting = os.environ.get("ACCESS_FORGE_AGENCIES", "all")
    if setting != "all":
        others = list(dict.fromkeys([*demo_hr, *others[: int(setting)]]))
    office = list(dict.fromkeys([*demo_hr, *others[: int(os.environ.get("ACCESS_FORGE_OFFICE", "12"))]]))
    return others, office


def _agency_names() -> dict[str, tuple[str, str]]:
    return {r[0]: (r[1], r[2]) for r in _sql("SELECT agency_code, name_zh, name_en FROM agency")}


def _audit_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


HR_PAGES = [p for p in allowed_paths("agency_hr") if p != "/"]


@pytest.mark.parametrize("path", HR_PAGES)
@pytest.mark.parametrize("user", ["hr-central", "hr-county"])
def test_forged_agency_never_returns_other_agencies(
    access_app: AccessApp, user: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    """As each HR account, on each page it may open: every request that carries an agency value
    (the URL through the pages router, every data callback, every download with each table
    choice) is replayed with every other agency's code. No response, and no decoded CSV, XLSX
    or ODS file, names another agency; forged codes land on the viewer's own cache entries
    (the filters are clamped before the key is built, so the 2nd..Nth forged code add no cache
    entry); every forged download is audited with the ignored agency."""
    from dashboard import cache

    # Thousands of requests: the per-request access log is not what this test checks.
    caplog.set_level(logging.WARNING, logger="dashboard.request")
    own = set(DEMO_ACCOUNTS[user][1])
    scanner = Scanner(own, _agency_names())
    others, office = _forge_codes(own)
    transport = _client(access_app, user)
    session = DashSession(transport)
    records = session.load(path + "?lang=en")
    assert not session.errors, (user, path, session.errors)
    # what the page shows with no forging at all: only the viewer's own agency
    page_text = json.dumps(session.layout, ensure_ascii=False) + json.dumps(
        [session.index[k] for k in session.index], ensure_ascii=False, default=str
    )
    leaked = sorted(set(AGENCY_RE.findall(page_text)) - own)
    assert not leaked, (user, path, leaked[:10])

    router = next((r.body for r in records if ROUTER_OUTPUT in r.output and r.status == 200), None)
    assert router is not None, (user, path, "the pages router did not answer")
    replays = page_replays(session, router)
    assert replays[0].name == ROUTER_OUTPUT
    backend = cache._backend
    assert backend is not None, "the service cache is on in the app under test"
    audit_before = len(_audit_events(access_app.audit_log))
    client = transport.client
    forged = files = 0
    seconds: dict[str, float] = {}
    for replay in replays:
        t0 = time.perf_counter()
        every_table = os.environ.get("ACCESS_FORGE_TABLES") == "all"
        subset = replay.fmt in OFFICE_FORMATS or (replay.other_table and not every_table)
        codes = office if subset else others
        texts: dict[bytes, str] = {}  # a repeated response is scanned for codes once
        keys_after_first: set[str] = set()
        for i, code in enumerate(codes):
            status, raw = post(client, replay.body(code))
            forged += 1
            assert status in (200, 204) or (status == 403 and replay.name != ROUTER_OUTPUT), (
                user,
                path,
                replay.name,
                code,
                status,
                raw[:300],
            )
            if status == 200:
                text, name = texts.get(raw), None
                if text is None:
                    text, name = decoded_text(raw)
                    found = scanner.codes(text)  # the same for every code: once per distinct response
                    assert not found, (user, path, replay.name, code, found[:10], context(text, found))
                    if not replay.download:
                        texts[raw] = text
                # the forged agency's name, in this very response
                found = scanner.forged_names(text, code)
                assert not found, (user, path, replay.name, code, found[:10], context(text, found))
                if name is not None:
                    files += 1
                    assert replay.fmt is None or name.endswith("." + replay.fmt), (replay.name, name)
            if i == 0:
                keys_after_first = cache_keys(backend)
        seconds[replay.name] = time.perf_counter() - t0
        new_keys = cache_keys(backend) - keys_after_first
        assert not new_keys, (user, path, replay.name, "forged codes missed the clamped cache", len(new_keys))
    # every forged download that produced a file was audited, and none in the viewer's name
    # of another agency
    exports = [e for e in _audit_events(access_app.audit_log)[audit_before:] if e.get("event") == "export"]
    assert len(exports) == files, (user, path, len(exports), files)
    assert all(e.get("ignored_agency") not in own for e in exports)
    assert forged >= len(others)
    slowest = ", ".join(f"{k[:60]} {v:.1f}s" for k, v in sorted(seconds.items(), key=lambda kv: -kv[1])[:3])
    print(f"{user} {path}: {len(replays)} requests x {len(others)} agencies, {forged} forged, {files} files;")
    print(f"  {sum(seconds.values()):.1f}s, slowest: {slowest}")
