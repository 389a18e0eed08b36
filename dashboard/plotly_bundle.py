"""Serve the partial plotly.js bundle (frontend/) in place of plotly.py's full one.

dcc.Graph loads plotly.js on first use from `<prefix>_dash-component-suites/plotly/package_data/
plotly.min.js` (the URL is fixed in Dash's renderer). plotly.py ships the full 4.8 MB bundle there;
evaluating it took 0.6-0.7 s of the first render of /priority. `make plotly` builds
frontend/dist/plotly-dashboard.min.js (1.1 MB: scatter, bar, heatmap, funnel, the only trace types
the figures draw) and this module answers that URL with it. A specific Flask rule outranks Dash's
generic component-suites rule, so nothing else of Dash changes. Without a built bundle (no Node.js
on the machine) Dash serves the full bundle as before and a warning is logged once.

Pages with charts also get `<link rel=preload>`s in the page head for it and for the two lazy
chunks of dcc their first render waits on (the graph and the Markdown tables), so the downloads start
with the other bundles instead of when the first graph or table mounts (see `preload_tags`)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import dash
import flask
from werkzeug.wrappers import Response as ResponseBase

log = logging.getLogger(__name__)

BUNDLE = Path(__file__).resolve().parents[1] / "frontend" / "dist" / "plotly-dashboard.min.js"
# Where Dash's renderer points dcc.Graph (window._dashPlotlyJSURL when serving locally).
DASH_PATH = "_dash-component-suites/plotly/package_data/plotly.min.js"
# Pages whose layout holds a dcc.Graph: the preload is wasted (and Chromium warns in the console
# that a preloaded resource went unused) anywhere else.
GRAPH_PAGES = ("/priority", "/ai-gap", "/badges", "/summary")
# dcc's lazily loaded chunks for dcc.Graph and dcc.Markdown (every table is one Markdown).
DCC_DIR = Path(dash.__file__).resolve().parent / "dcc"
DCC_CHUNKS = ("async-graph.js", "async-markdown.js")


def bundle_path() -> Path | None:
    """The built partial bundle, or None when `make plotly` has not built it."""
    return BUNDLE if BUNDLE.is_file() else None


def init_plotly_bundle(app: dash.Dash) -> bool:
    """Answer Dash's plotly.js URL with the partial bundle; False (full bundle) when not built.
    Also works out, once, what pages with charts preload (see `preload_tags`)."""
    prefix = app.config.requests_pathname_prefix
    chunks = [prefix + "_dash-component-suites/dash/dcc/" + c for c in DCC_CHUNKS if (DCC_DIR / c).is_file()]
    app.server.config["PLOTLY_PATH_PREFIX"] = prefix
    app.server.config["PLOTLY_PRELOADS"] = chunks
    path = bundle_path()
    if path is None:
        log.warning("partial plotly.js bundle not built (%s); serving plotly.py's full bundle", BUNDLE)
        return False
    body = path.read_bytes()
    etag = hashlib.sha256(body).hexdigest()[:32]
    url = app.config.requests_pathname_prefix + DASH_PATH

    def plotly_js() -> ResponseBase:
        resp = flask.Response(body, mimetype="application/javascript")
        resp.set_etag(etag)
        # Same URL for every build, so caches revalidate (a 304 costs no body) after a day.
        resp.cache_control.public = True
        resp.cache_control.max_age = 86400
        return resp.make_conditional(flask.request)

    app.server.add_url_rule(url, endpoint="partial_plotly_js", view_func=plotly_js)
    app.server.config["PLOTLY_BUNDLE_URL"] = url
    app.server.config["PLOTLY_PRELOADS"] = [url, *chunks]
    return True


def preload_tags(path: str) -> str:
    """The <link rel=preload>s for the page at `path` ("" on pages without charts): plotly.js
    (when the partial bundle is served) and the dcc chunks that exist in the installed Dash."""
    config = flask.current_app.config
    prefix = config.get("PLOTLY_PATH_PREFIX", "/")
    page = "/" + path[len(prefix) :] if path.startswith(prefix) else path
    if not any(page == p or page.startswith(p + "/") for p in GRAPH_PAGES):
        return ""
    urls = config.get("PLOTLY_PRELOADS", [])
    return "\n        ".join(f'<link rel="preload" href="{u}" as="script">' for u in urls)
