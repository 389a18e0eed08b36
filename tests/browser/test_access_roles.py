"""Browser: each role sees exactly its pages and agencies; the staff download equals the screen."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from dashboard.auth import PAGE_ROLES, allowed_paths
from dashboard.auth.users import DEMO_ACCOUNTS
from tests.browser.conftest import assert_clean_console, axe_serious, login, screenshot, wait_for_dash

pytestmark = pytest.mark.browser

USERS = {"planner": "planner", "analyst": "analyst", "executive": "executive", "agency_hr": "hr-central"}


def _registered() -> set[str]:
    # The live server runs in its own process: read the paths from the page modules themselves.
    pages = Path(__file__).resolve().parents[2] / "dashboard" / "pages"
    found = set()
    for f in pages.glob("*.py"):
        m = re.search(r'register_page\(\s*__name__\s*,\s*path="([^"]+)"', f.read_text(encoding="utf-8"))
        if m:
            found.add(m.group(1))
    return found


def _nav_paths(page: Any) -> set[str]:
    hrefs = page.eval_on_selector_all(
        "header nav a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
    )
    return {h.split("?")[0] for h in hrefs if h.split("?")[0] in PAGE_ROLES}


@pytest.mark.parametrize("role", ["planner", "analyst", "executive", "agency_hr"])
def test_role_sees_exactly_its_pages(browser_page: Any, live_server: Any, role: str) -> None:
    page = browser_page
    page.set_default_timeout(60_000)  # two shared cores: first renders can be slow
    login(page, USERS[role])
    registered = _registered()
    allowed = [p for p in allowed_paths(role) if p in registered]
    page.goto(allowed[0])
    wait_for_dash(page, "header nav")
    assert _nav_paths(page) == set(allowed), role
    # The server answers every page: 200 for the role's pages, 403 for the others (rendering
    # each page fully is the page engineers' browser tests' job; here the answer matters).
    for path in sorted(set(PAGE_ROLES) & registered):
        resp = page.goto(path, wait_until="commit")
        assert resp is not None
        assert resp.status == (200 if path in allowed else 403), (role, path, resp.status)
    # The 403 navigations above logged "Failed to load resource" on purpose; start afresh.
    page.console_log.clear()
    page.goto(allowed[0])
    wait_for_dash(page)
    assert_clean_console(page)


@pytest.mark.parametrize("user", ["hr-central", "hr-county"])
def test_staff_page_own_agency_and_download_equals_screen(
    browser_page: Any, live_server: Any, user: str
) -> None:
    page = browser_page
    page.set_default_timeout(90_000)  # the first staff list of a cold server on two shared cores
    login(page, user)
    page.goto("/staff")
    page.wait_for_function("() => document.querySelectorAll('#staff-table thead th').length > 0")
    wait_for_dash(page)
    own = DEMO_ACCOUNTS[user][1]
    from dashboard.i18n import label, reference_codes

    own_names = {label("agency", a, "zh-TW") for a in own}
    # no other agency is named anywhere on the page (filters, table, texts)
    text = page.inner_text("#main")
    assert any(n in text for n in own_names)
    others = {label("agency", c, "zh-TW") for c in reference_codes("agency") if c not in own}
    leaked = [n for n in others if n in text and not any(n in o for o in own_names)]
    assert not leaked, leaked[:5]
    if live_server.warehouse_kind != "demo":
        pytest.skip("the staff list needs the demo roster (small warehouse has none)")
    # every row on screen belongs to the viewer's agency
    header = page.eval_on_selector_all("#staff-table thead th", "els => els.map(e => e.innerText.trim())")
    assert "機關" in header, header
    agency_col = header.index("機關")
    page_rows = page.eval_on_selector_all(
        "#staff-table tbody tr",
        "rows => rows.map(r => Array.from(r.querySelectorAll('td')).map(td => td.innerText.trim()))",
    )
    assert page_rows, "the demo agency should have staff"
    assert {r[agency_col] for r in page_rows} <= own_names
    screenshot(page, f"access-staff-{user}")
    # the CSV download equals the table on screen (every row, same order)
    page.click("label:has-text('CSV')")
    with page.expect_download() as info:
        page.click("#staff-download-btn")
    content = open(info.value.path(), "rb").read().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    table = rows[rows.index([]) + 1 :]
    assert table[0] == header
    assert table[1:] == page_rows
    count = page.inner_text("#staff-count")
    assert str(len(table) - 1) in count.replace(",", "")
    assert_clean_console(page)
    assert axe_serious(page) == []
