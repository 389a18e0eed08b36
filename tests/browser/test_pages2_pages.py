"""Browser: /ai-gap, /badges and /summary in headless Chromium, both languages; numbers on the
page equal independent SQL over the served warehouse; clean console; axe; A4 print."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dashboard.auth.users import DEMO_AGENCY_COUNTY
from tests.browser.conftest import (
    assert_clean_console,
    axe_serious,
    login,
    screenshot,
    set_pref,
    wait_for_dash,
)

pytestmark = pytest.mark.browser

PAGES = {
    "/ai-gap": ("#aig-gap .main-svg", ("AI 能力落差", "AI-readiness gap")),
    "/badges": ("#bdg-monthly .main-svg", ("徽章與證照推動", "Badge and certification uptake")),
    # the summary's parts are filled by their own callbacks: wait for a card, not the row
    "/summary": ("#sum-kpi-respondents", ("執行摘要", "Executive summary")),
}


_COPIES: dict[str, Path] = {}


def _copy(live_server: Any) -> Path:
    """A private copy of the served warehouse: the server's own read-only connection in this
    process has another configuration, and DuckDB refuses a second one to the same file."""
    src = Path(live_server.warehouse)
    if str(src) not in _COPIES:
        dst = Path(tempfile.mkdtemp(prefix="pages2-sql-")) / "copy.duckdb"
        shutil.copyfile(src, dst)
        _COPIES[str(src)] = dst
    return _COPIES[str(src)]


def _sql(live_server: Any, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(_copy(live_server)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _has(live_server: Any, table: str) -> bool:
    return _sql(live_server, f"SELECT count(*) FROM {table}")[0][0] > 0


def _rows(page: Any, table_id: str) -> list[list[str]]:
    """Cells of an accessible table (read from the DOM even while its <details> is closed)."""
    return page.evaluate(
        """(id) => Array.from(document.querySelectorAll('#' + id + ' tbody tr'))
              .map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.textContent.trim()))""",
        table_id,
    )


def _headers(page: Any, table_id: str) -> list[str]:
    return page.evaluate(
        "(id) => Array.from(document.querySelectorAll('#' + id + ' thead th')).map(th => th.textContent.trim())",
        table_id,
    )


def _slow(page: Any) -> Any:
    # Uncached first renders of six charts on a shared 2-core machine can take a while.
    page.set_default_timeout(90_000)
    return page


def _num(text: str) -> float:
    return float(text.replace(",", "").replace("%", ""))


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_pages_render_in_both_languages(browser_page: Any, lang: str) -> None:
    page = _slow(browser_page)
    login(page, "planner")
    set_pref(page, "lang", lang)
    for path, (selector, titles) in PAGES.items():
        page.goto(path)
        wait_for_dash(page, selector)
        title = titles[0] if lang == "zh-TW" else titles[1]
        assert title in page.inner_text("main")
        screenshot(page, f"pages2{path.replace('/', '-')}-{lang}")
        assert_clean_console(page)
        assert axe_serious(page) == [], path


def test_ai_gap_numbers_equal_sql(browser_page: Any, live_server: Any) -> None:
    if not _has(live_server, "survey_competency_points"):
        pytest.skip("served warehouse has no survey points")
    page = _slow(browser_page)
    login(page, "planner")
    set_pref(page, "lang", "en")
    page.goto("/ai-gap?weighted=0")
    wait_for_dash(page, "#aig-gap .main-svg")
    page.wait_for_selector("#aig-gap-tbl", state="attached")  # inside a closed <details>
    head = _headers(page, "aig-gap-tbl")
    rows = _rows(page, "aig-gap-tbl")
    assert rows, "gap table is empty"
    i_wave, i_tier, i_comp = head.index("Wave"), head.index("Tier"), head.index("Competency")
    i_score, i_n = head.index("Score"), head.index("N")
    expected = {
        (w, t, c): (n, s)
        for w, t, c, n, s in _sql(
            live_server,
            """SELECT r.wave, r.tier, p.competency_code, count(*), avg(p.points)
               FROM survey_respondent r JOIN survey_competency_points p
                 ON p.wave = r.wave AND p.respondent_id = r.respondent_id AND p.part_tier = r.tier
               JOIN competency c ON c.competency_code = p.competency_code AND c.ai_related
               GROUP BY ALL""",
        )
    }
    names = {"AI literacy": "it_ai_literacy", "AI system design and application": "it_ai_sys_design"}
    tiers = {"Basic level": "basic", "Middle level": "middle", "Senior level": "senior"}
    checked = 0
    for row in rows:
        comp = names.get(row[i_comp])
        if comp is None or row[i_score] == "—" or row[0] != "Selection":
            continue
        n, score = expected[(row[i_wave], tiers[row[i_tier]], comp)]
        assert _num(row[i_n]) == n
        assert _num(row[i_score]) == pytest.approx(score, abs=0.005)
        checked += 1
    assert checked >= 2
    assert_clean_console(page)


def test_badges_numbers_equal_sql(browser_page: Any, live_server: Any) -> None:
    if not _has(live_server, "badge_award"):
        pytest.skip("served warehouse has no badge awards")
    page = _slow(browser_page)
    login(page, "planner")
    set_pref(page, "lang", "en")
    page.goto("/badges")
    wait_for_dash(page, "#bdg-coverage-trend .main-svg")
    page.wait_for_selector("#bdg-trend-tbl", state="attached")  # inside a closed <details>
    head = _headers(page, "bdg-trend-tbl")
    rows = {r[head.index("Month")]: r for r in _rows(page, "bdg-trend-tbl")}
    sql = """
        SELECT strftime(m.month, '%Y-%m'), count(*),
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM badge_award a
                   WHERE a.staff_key = s.staff_key AND a.awarded_on <= last_day(m.month)
                     AND coalesce(a.revoked_on, DATE '9999-12-31') > last_day(m.month)
                     AND coalesce(a.valid_until, DATE '9999-12-31') >= last_day(m.month)))
        FROM roster_month m
        JOIN staff_history s ON s.valid_from <= m.month AND coalesce(s.valid_to, DATE '9999-12-31') >= m.month
        GROUP BY m.month ORDER BY m.month DESC LIMIT 6"""
    for month, heads, holders in _sql(live_server, sql):
        row = rows[month]
        assert _num(row[head.index("Headcount")]) == heads
        if row[head.index("Valid holders")] != "—":
            assert _num(row[head.index("Valid holders")]) == holders
    assert_clean_console(page)


def test_summary_numbers_and_a4_print(browser_page: Any, live_server: Any) -> None:
    if not _has(live_server, "survey_respondent"):
        pytest.skip("served warehouse has no survey")
    page = _slow(browser_page)
    login(page, "executive")
    page.goto("/summary?weighted=0")
    wait_for_dash(page, "#sum-kpi-respondents")
    page.wait_for_selector("#sum-findings-list li")  # drawn once every findings part answered
    latest, n = _sql(
        live_server, "SELECT wave, count(*) FROM survey_respondent GROUP BY wave ORDER BY wave DESC"
    )[0]
    kpi = page.inner_text("#sum-kpi-respondents")
    assert f"{n:,}" in kpi and str(latest) in kpi
    mention = _sql(
        live_server,
        """SELECT avg(CASE WHEN m THEN 1.0 ELSE 0 END) FROM (
               SELECT r.respondent_id, bool_or(p.rank IS NOT NULL AND c.ai_related) AS m
               FROM survey_respondent r JOIN survey_competency_points p
                 ON p.wave = r.wave AND p.respondent_id = r.respondent_id AND p.part_tier = r.tier
               JOIN competency c ON c.competency_code = p.competency_code
               WHERE r.wave = ? GROUP BY r.respondent_id)""",
        [latest],
    )[0][0]
    assert f"{100 * mention:.1f}%" in page.inner_text("#sum-kpi-mention_rate")
    findings = page.locator("#sum-findings-list li")
    assert 3 <= findings.count() <= 5
    assert_clean_console(page)
    # Print to PDF (A4) with the print stylesheet: no content wider than the page, at most 3 pages.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})
    page.wait_for_timeout(1500)  # plotly re-lays out responsive figures on resize
    overflow = page.evaluate(
        """() => Array.from(document.querySelectorAll('.summary-body *'))
              .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
              .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
              .slice(0, 5)"""
    )
    assert overflow == []
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 3
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "pages2-summary-a4.pdf").write_bytes(pdf)


def test_agency_hr_sees_own_agency_and_benchmark(browser_page: Any, live_server: Any) -> None:
    if not _has(live_server, "badge_award"):
        pytest.skip("served warehouse has no badge awards")
    page = _slow(browser_page)
    login(page, "hr-county")
    set_pref(page, "lang", "en")
    page.goto("/badges?agency=C1001")  # a forged foreign agency is ignored
    wait_for_dash(page, "#bdg-coverage-trend .main-svg")
    page.wait_for_selector("#bdg-trend-tbl", state="attached")  # inside a closed <details>
    head = _headers(page, "bdg-trend-tbl")
    rows = _rows(page, "bdg-trend-tbl")
    scopes = {r[head.index("Scope")] for r in rows}
    assert scopes == {"Selection", "National benchmark"}
    month, heads = _sql(
        live_server,
        """SELECT strftime(m.month, '%Y-%m'), count(*) FROM roster_month m
           JOIN staff_history s ON s.valid_from <= m.month AND coalesce(s.valid_to, DATE '9999-12-31') >= m.month
           WHERE s.agency_code = ? GROUP BY m.month ORDER BY m.month DESC LIMIT 1""",
        [DEMO_AGENCY_COUNTY],
    )[0]
    sel = [r for r in rows if r[head.index("Scope")] == "Selection" and r[head.index("Month")] == month]
    shown = sel[0][head.index("Headcount")]
    if heads >= 10:
        assert _num(shown) == heads
    else:
        assert shown == "—"
    assert_clean_console(page)
