"""First page load in headless Chromium: bytes on the wire (lazy chunks included) and time to first render."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from benchmarks.callbacks import bench_env
from benchmarks.servers import GunicornServer

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
# Rendered = the renderer has no pending callbacks and every graph on the page has drawn.
RENDERED_JS = """() => {
  const loading = document.querySelector('[data-dash-is-loading="true"], ._dash-loading');
  const graphs = document.querySelectorAll('.dash-graph');
  const drawn = document.querySelectorAll('.dash-graph .main-svg');
  return !loading && document.querySelector('#_pages_content') !== null
    && document.querySelector('#_pages_content').children.length > 0
    && (graphs.length === 0 || drawn.length >= graphs.length);
}"""


def run_first_load(warehouse: Path, user: str = "planner", timeout_ms: int = 60_000) -> dict[str, Any]:
    """Sign in, then open '/' cold; sum the encoded bytes of every response; time to first render."""
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

                def on_finished(request: Any) -> None:
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
                # Everything after sign-in is the first load of the app proper.
                sizes.clear()
                page.on("requestfinished", on_finished)
                page.goto(server.base_url + "/", wait_until="load")
                page.wait_for_function(RENDERED_JS, timeout=timeout_ms)
                rendered_ms = page.evaluate("() => performance.now()")
                page.wait_for_load_state("networkidle")
                return {
                    "page": page.url.replace(server.base_url, ""),
                    "requests": len(sizes),
                    "wire_bytes": sum(s["wire_bytes"] for s in sizes),
                    "first_render_ms": round(float(rendered_ms), 1),
                    "largest": sorted(sizes, key=lambda s: -int(s["wire_bytes"]))[:8],
                }
            finally:
                browser.close()
