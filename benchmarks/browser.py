"""First page load in headless Chromium: bytes on the wire (lazy chunks included) and time to first render."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.callbacks import bench_env
from benchmarks.servers import GunicornServer

CHROMIUM = "/usr/bin/chromium"
# The page is rendered when no callback is pending and every chart in the page has drawn its
# data (traces) or its message (an annotation): an empty graph that has only mounted does not count.
DRAWN_JS = """() => {
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  const graphs = [...document.querySelectorAll('#main .dash-graph')];
  return graphs.length > 0 && graphs.every(g => {
    const gd = g.querySelector('.js-plotly-plot');
    return gd && gd.querySelector('.main-svg') && gd._fullLayout &&
      ((gd._fullData || []).length > 0 || (gd._fullLayout.annotations || []).length > 0);
  });
}"""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def run_first_load(
    warehouse: Path, user: str = "planner", timeout_ms: int = 60_000, path: str = "/"
) -> dict[str, Any]:
    """Sign in, then open `path` cold (a fresh server, an empty HTTP cache); sum the encoded bytes
    of every response; time to first render: from navigation start until every chart on the
    page has drawn (DRAWN_JS), and, apart, until the last response of the initial cascade."""
    if not Path(CHROMIUM).exists():
        return {"skipped": "chromium not installed"}
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        env = bench_env(warehouse, Path(tmp))
        import os

        env = {**os.environ, **env}
        with GunicornServer(env, workers=1) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(server.base_url + "/login")
                page.fill("#username", user)
                page.fill("#password", "demo")
                sizes: list[dict[str, Any]] = []
                finished: list[float] = []

                def on_finished(request: Any) -> None:
                    finished.append(time.perf_counter())
                    s = request.sizes()
                    sizes.append(
                        {
                            "url": request.url.replace(server.base_url, ""),
                            "wire_bytes": int(s["responseBodySize"]) + int(s["responseHeadersSize"]),
                            "body_bytes": int(s["responseBodySize"]),
                        }
                    )

                with page.expect_navigation():
                    page.click("button[type=submit], input[type=submit]")
                page.wait_for_load_state("networkidle")
                # A fresh context with the signed-in session cookie: an empty HTTP cache, as a
                # user's very first visit (the sign-in redirect above already fetched bundles).
                state = page.context.storage_state()
                page = browser.new_context(storage_state=state).new_page()
                page.on("requestfinished", on_finished)
                page.on("requestfailed", lambda request: finished.append(time.perf_counter()))
                t0 = time.perf_counter()
                page.goto(server.base_url + path, wait_until="commit", timeout=timeout_ms)
                drawn_ms: float | None = None
                try:
                    page.wait_for_function(DRAWN_JS, polling=20, timeout=timeout_ms)
                    drawn_ms = round((time.perf_counter() - t0) * 1000, 1)
                except Exception:  # a page without charts: rendered when the network is quiet
                    drawn_ms = None
                # The initial cascade (bundles, layout, every initial callback, the lazily loaded
                # plotly.js chunk) is over when the network has been quiet for 500 ms.
                page.wait_for_load_state("networkidle", timeout=timeout_ms)
                page.wait_for_timeout(300)
                graphs = page.locator("#main .dash-graph").count()
                drawn = page.locator("#main .dash-graph .main-svg").count()
                last_ms = round((max(finished) - t0) * 1000, 1) if finished else None
                return {
                    "page": page.url.replace(server.base_url, ""),
                    "requests": len(sizes),
                    "wire_bytes": sum(s["wire_bytes"] for s in sizes),
                    # First render: every chart drawn (pages without charts: the last response).
                    "first_render_ms": drawn_ms if drawn_ms is not None else last_ms,
                    "charts_drawn_ms": drawn_ms,
                    "last_response_ms": last_ms,
                    "graphs": graphs,
                    "graphs_drawn": drawn,
                    "largest": sorted(sizes, key=lambda s: -int(s["wire_bytes"]))[:8],
                }
            finally:
                browser.close()
