"""Browser: the shell's pages in real headless Chromium — both languages, clean console, axe,
filters that change the figures (numbers equal independent SQL), shareable URLs, cross-filter,
first render time."""

from __future__ import annotations

import os
import re
import time
from typing import Any

import duckdb
import pytest

from tests.browser.conftest import (
    assert_clean_console,
    axe_serious,
    login,
    screenshot,
    wait_for_dash,
)

pytestmark = pytest.mark.browser

PAGES = {
    "/priority": "#priority-heatmap .main-svg",
    "/report-tables": "#report-tables-t19",
    "/data-status": "#data-status-loads",
}
GOV_LEVEL = '{"field":"gov_level","type":"gf"}'


def _sql(live_server: Any, sql: str, params: list[Any] | None = None) -> Any:
    # Same configuration as the app's Warehouse (DuckDB refuses a second, different one).
    con = duckdb.connect(
        str(live_server.warehouse), read_only=True, config={"threads": 2, "memory_limit": "1GB"}
    )
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _latest_wave(live_server: Any) -> str:
    return str(_sql(live_server, "SELECT max(wave) FROM survey_wave")[0][0])


def _int(text: str) -> int:
    return int(re.sub(r"[^0-9]", "", text))


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_clean_and_accessible(browser_page: Any, live_server: Any, path: str, lang: str) -> None:
    page = browser_page
    login(page, "planner")
    page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server.url}])
    page.goto(path)
    wait_for_dash(page, PAGES[path])
    assert page.get_attribute("html", "lang") == ("en" if lang == "en" else "zh-Hant-TW")
    h1 = page.inner_text("h1")
    has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in h1)
    assert has_cjk == (lang != "en"), h1
    screenshot(page, f"shell{path.replace('/', '-')}-{lang}")
    assert_clean_console(page)
    violations = axe_serious(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in violations]


def test_priority_filter_changes_figures_and_matches_sql(browser_page: Any, live_server: Any) -> None:
    page = browser_page
    login(page, "planner")
    wait_for_dash(page)
    page.console_log.clear()  # judge this page only, not the role's start page
    page.goto("/priority")
    wait_for_dash(page, "#priority-heatmap .main-svg .heatmaplayer")
    wave = _latest_wave(live_server)
    total = _sql(live_server, "SELECT count(*) FROM survey_respondent WHERE wave = ?", [wave])[0][0]
    assert _int(page.inner_text("#priority-kpi-n .h4")) == total
    heat_before = page.inner_text("#priority-heatmap")
    # Narrow to county: the URL carries the filter and N equals an independent count.
    page.select_option(f"[id='{GOV_LEVEL}']", "county")
    county = _sql(
        live_server, "SELECT count(*) FROM survey_respondent WHERE wave = ? AND gov_level = 'county'", [wave]
    )[0][0]
    try:
        page.wait_for_function(
            "n => document.querySelector('#priority-kpi-n .h4').innerText.replace(/[^0-9]/g, '') === String(n)",
            arg=county,
        )
    except Exception:
        pytest.fail(
            f"KPI shows {page.inner_text('#priority-kpi-n')!r}, SQL county N = {county}; {page.console_log}"
        )
    wait_for_dash(page)
    assert "gov_level=county" in page.url
    assert page.inner_text("#priority-heatmap") != heat_before
    bars_n = _int(page.inner_text("#priority-bars-n").split("·")[0])
    basic_county = _sql(
        live_server,
        "SELECT count(*) FROM survey_respondent WHERE wave = ? AND gov_level = 'county' AND tier = 'basic'",
        [wave],
    )[0][0]
    assert bars_n == basic_county
    screenshot(page, "shell-priority-county")
    # The link restores the view.
    page.goto(page.url)
    wait_for_dash(page, "#priority-heatmap .main-svg")
    assert _int(page.inner_text("#priority-kpi-n .h4")) == county
    assert page.input_value(f"[id='{GOV_LEVEL}']") == "county"
    assert_clean_console(page)


def test_priority_first_render_time(browser_page: Any) -> None:
    """First render of /priority (navigation start to the heatmap drawn) within 1.5 s, with the
    browser's static assets cached as for a returning user; judged only on an unloaded machine."""
    page = browser_page
    login(page, "planner")
    wait_for_dash(page)
    page.goto("/priority?tier=middle")  # loads the bundles; tier=senior below is still uncached
    wait_for_dash(page, "#priority-heatmap .main-svg .heatmaplayer")
    t0 = time.perf_counter()
    page.goto("/priority?tier=senior")
    page.wait_for_selector("#priority-heatmap .main-svg .heatmaplayer")
    elapsed = time.perf_counter() - t0
    print(f"first render of /priority: {elapsed:.2f} s")
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    if load > 1.5:
        pytest.skip(f"machine overloaded (load {load:.1f} per core): measured {elapsed:.2f} s")
    assert elapsed <= 1.5


def test_priority_cross_filter_by_clicking_a_cell(browser_page: Any) -> None:
    page = browser_page
    login(page, "planner")
    page.goto("/priority")
    wait_for_dash(page, "#priority-heatmap .main-svg .heatmaplayer")
    # Plotly heatmaps are one image: click through the drag layer at the right column's centre.
    box = page.locator("#priority-heatmap .nsewdrag").first.bounding_box()
    assert box
    page.mouse.click(box["x"] + box["width"] * 5 / 6, box["y"] + 10)
    page.wait_for_function("() => document.querySelector('#priority-selected').innerText.includes('N =')")
    wait_for_dash(page)
    assert page.input_value("#priority-bars-group") == "senior"
    assert "高階" in page.inner_text("#priority-selected")
    assert_clean_console(page)


def test_agency_hr_sees_benchmark_note_and_no_data_status(browser_page: Any) -> None:
    page = browser_page
    login(page, "hr-central")
    page.goto("/priority")
    wait_for_dash(page, "#priority-heatmap .main-svg")
    assert "全國數值作為基準" in page.inner_text("main")
    assert "資料狀態" not in page.inner_text("header nav")
    assert_clean_console(page)


def test_heatmap_download_is_the_table_shown(browser_page: Any) -> None:
    page = browser_page
    login(page, "analyst")
    page.goto("/priority?tier=basic&group_by=gov_level")
    wait_for_dash(page, "#priority-heatmap .main-svg")
    rows_shown = page.locator("#priority-heatmap-table tbody tr").count()
    with page.expect_download() as info:
        page.click("#priority-heatmap-download-btn")
    data = open(info.value.path(), encoding="utf-8-sig").read()
    assert info.value.suggested_filename.endswith(".csv")
    # The data rows carry the same labels as the on-screen table (and no raw codes).
    first_cells = page.locator("#priority-heatmap-table tbody tr").first.locator("td").all_text_contents()
    assert ",".join(first_cells[:3]) in data.replace('"', "")
    assert "it_basic_work" not in data and rows_shown > 0
    assert data.count("\n") >= rows_shown
    assert_clean_console(page)


def test_charts_draw_with_the_partial_plotly_bundle(browser_page: Any) -> None:
    """dcc.Graph uses the partial plotly.js (dashboard/plotly_bundle.py), fetched once via the
    preload, and it draws every trace type: the heatmap and bars of /priority, the funnel of
    /badges. No preload goes unused (Chromium warns a few seconds after load when one does)."""
    from dashboard import plotly_bundle
    from tests.integration.test_plotly_bundle import _entry_traces

    assert plotly_bundle.bundle_path() is not None, "run `make plotly`"
    page = browser_page
    login(page, "planner")
    wait_for_dash(page)
    page.goto("/priority")
    wait_for_dash(page, "#priority-heatmap .main-svg .heatmaplayer")
    traces = page.evaluate("() => Object.keys(Plotly.PlotSchema.get().traces).sort()")
    assert traces == sorted(_entry_traces())
    plotly_js = page.evaluate(
        "() => performance.getEntriesByType('resource').map(e => e.name).filter(n => /plotly[^/]*\\.js/.test(n))"
    )
    assert [u.split("?")[0].rsplit("/", 1)[-1] for u in plotly_js] == ["plotly.min.js"], plotly_js
    assert page.locator("#priority-bars .main-svg .barlayer .trace").count() > 0
    page.goto("/badges")
    wait_for_dash(page, "#bdg-funnel .main-svg .funnellayer .trace")
    page.wait_for_timeout(3500)  # Chromium's unused-preload warning comes ~3 s after load
    unused = [text for _, text in page.console_log if "preload" in text.lower()]
    assert not unused, unused
    assert_clean_console(page)
