"""Browser: the app shell (login, navbar by role, language/calendar switches, footer) in Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_clean_console, axe_serious, login, screenshot, wait_for_dash

pytestmark = pytest.mark.browser


def test_planner_shell_languages_and_calendar(browser_page: Any, live_server: Any) -> None:
    page = browser_page
    login(page, "planner")
    page.goto("/priority")
    wait_for_dash(page, "footer.app-footer")
    assert page.get_attribute("html", "lang") == "zh-Hant-TW"
    nav = page.inner_text("header nav")
    assert "職能優先序" in nav and "資料狀態" in nav
    footer = page.inner_text("footer.app-footer")
    assert "資料版本" in footer
    # Switch to English: the choice persists across a reload (cookie) and sets <html lang>.
    page.click("#pref-lang-en")
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    wait_for_dash(page, "footer.app-footer")
    assert "Competency priority" in page.inner_text("header nav")
    page.reload()
    wait_for_dash(page, "footer.app-footer")
    assert page.get_attribute("html", "lang") == "en"
    # ROC calendar in the footer's load time.
    page.click("#pref-cal-roc")
    page.wait_for_function(
        "() => document.querySelector('#footer-loaded') && document.querySelector('#footer-loaded').innerText.includes('ROC')"
    )
    screenshot(page, "shell-planner-en-roc")
    assert_clean_console(page)
    assert axe_serious(page) == []


def test_executive_navbar_hides_data_status(browser_page: Any) -> None:
    page = browser_page
    login(page, "executive")
    page.goto("/priority")
    wait_for_dash(page, "footer.app-footer")
    nav = page.inner_text("header nav")
    assert "職能優先序" in nav
    assert "資料狀態" not in nav
    assert_clean_console(page)
