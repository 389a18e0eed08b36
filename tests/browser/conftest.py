"""Browser-test fixtures: a live dashboard server, headless Chromium pages, login, console, axe.

`live_server` serves create_app() on a free loopback port over the `demo_warehouse` fixture
(falling back to the shell's small test warehouse while the ETL cannot build the demo yet; the
`warehouse_kind` attribute says which). Pages come from Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DEMO_USERS = ("planner", "analyst", "executive", "hr-central", "hr-county")

pytestmark = pytest.mark.browser


@dataclass
class LiveServer:
    url: str
    warehouse: Path
    warehouse_kind: str  # 'demo' (python -m etl build) or 'small' (tests/fixtures/test_shell_warehouse)
    users_file: Path
    app: Any  # None: the app runs in its own process (see live_server)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _warehouse(request: pytest.FixtureRequest, tmp: Path) -> tuple[Path, str]:
    from tests.fixtures.test_shell_warehouse import build_small_warehouse

    if os.environ.get("SHELL_SMALL_WAREHOUSE"):  # fast local iteration: skip the demo build
        return build_small_warehouse(tmp / "small.duckdb"), "small"
    try:
        return Path(request.getfixturevalue("demo_warehouse")), "demo"
    except Exception as exc:  # the ETL is not able to build the demo yet
        if os.environ.get("SHELL_REQUIRE_DEMO"):
            raise
        print(
            f"live_server: demo warehouse unavailable ({str(exc).splitlines()[0][:200]}); using the small one"
        )
        return build_small_warehouse(tmp / "small.duckdb"), "small"


_SERVE = """
import os, sys
from werkzeug.serving import run_simple
from dashboard.app import create_app
app = create_app()
run_simple("127.0.0.1", int(os.environ["DASHBOARD_PORT"]), app.server, threaded=True)
"""


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"live server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"live server did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """create_app() served by werkzeug in its own process on 127.0.0.1:<free port>.

    A separate process, not a thread: tests in the same worker reconfigure process globals
    (the warehouse, the cache) and must never change what the browser is looking at."""
    tmp = tmp_path_factory.mktemp("live_server")
    db, kind = _warehouse(request, tmp)
    users = tmp / "users.json"
    from dashboard.auth.users import UserStore

    UserStore(users, demo_accounts=True).add_demo()
    port = _free_port()
    env = dict(os.environ)
    env.update(
        DASHBOARD_ENV="development",
        DASHBOARD_WAREHOUSE=str(db),
        DASHBOARD_SECRET_KEY="browser-test-secret-" + "x" * 32,
        DASHBOARD_USERS_FILE=str(users),
        DASHBOARD_AUDIT_LOG=str(tmp / "audit.jsonl"),
        DASHBOARD_DEMO_ACCOUNTS="1",
        DASHBOARD_PORT=str(port),
    )
    env.pop("REDIS_URL", None)
    log = tmp / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", _SERVE], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, proc, log)
        yield LiveServer(url, db, kind, users, None)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def _browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A fresh context and page (base_url = the live server) that records console errors."""
    context = _browser.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 1000}, locale="zh-TW"
    )
    page = context.new_page()
    page.console_log = []  # type: ignore[attr-defined]

    def _on_console(msg: Any) -> None:
        page.console_log.append((msg.type, msg.text))

    def _on_error(err: Any) -> None:
        page.console_log.append(("pageerror", str(err)))

    page.on("console", _on_console)
    page.on("pageerror", _on_error)
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def login(page: Any, user: str, password: str = "demo") -> None:
    """Sign in through the login form; returns when the browser has left /login."""
    page.goto("/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def set_pref(page: Any, name: str, value: str) -> None:
    """Set the language (lang=zh-TW|en) or calendar (cal=gregorian|roc) cookie for the next loads."""
    page.context.add_cookies([{"name": name, "value": value, "url": page.url or "http://127.0.0.1"}])


def wait_for_dash(page: Any, selector: str | None = None) -> None:
    """Wait until Dash rendered the page and finished pending callbacks."""
    page.wait_for_selector("#main")
    if selector:
        page.wait_for_selector(selector)
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')")
    page.wait_for_load_state("networkidle")


def console_errors(page: Any) -> list[tuple[str, str]]:
    return [(kind, text) for kind, text in page.console_log if kind in ("error", "pageerror")]


def assert_clean_console(page: Any) -> None:
    errors = console_errors(page)
    assert not errors, f"browser console errors on {page.url}: {errors}"


def axe_serious(page: Any) -> list[dict[str, Any]]:
    """axe-core violations of WCAG 2.1 A/AA with impact serious or critical."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    )
    return [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/ (kept as a test artifact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
