"""First page load in headless Chromium: bytes on the wire (lazy chunks included) and time to first render."""

from __future__ import annotations

import tempfile
import time
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


def run_first_load(
    warehouse: Path, user: str = "planner", timeout_ms: int = 60_000, path: str = "/"
) -> dict[str, Any]:
    """Sign in, then open `path` cold (a fresh server, an empty HTTP cache); sum the encoded bytes
    of every response; time to first render."""
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
                page.goto(server.base_url + path, wait_until="load", timeout=timeout_ms)
                # Rendered = the last request of the initial cascade (bundles, layout, every
                # initial callback, the lazily loaded plotly.js chunk) has been answered;
                # networkidle waits 500 ms of quiet after it.
                page.wait_for_load_state("networkidle", timeout=timeout_ms)
                page.wait_for_timeout(300)
                graphs = page.locator(".dash-graph").count()
                drawn = page.locator(".dash-graph .main-svg").count()
                return {
                    "page": page.url.replace(server.base_url, ""),
                    "requests": len(sizes),
                    "wire_bytes": sum(s["wire_bytes"] for s in sizes),
                    "first_render_ms": round((max(finished) - t0) * 1000, 1) if finished else None,
                    "graphs": graphs,
                    "graphs_drawn": drawn,
                    "largest": sorted(sizes, key=lambda s: -int(s["wire_bytes"]))[:8],
                }
            finally:
                browser.close()
