"""Gzip response compression as a WSGI middleware (no extra dependency), with a cache for static bundles."""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/x-javascript",
    "image/svg+xml",
    "application/xml",
)
# Below this size gzip's header overhead outweighs the saving.
MIN_SIZE = 500
# Level 5 keeps a 200 KB callback answer at about a millisecond; static bundles use 9 once and
# are cached, because plotly.js alone is ~4.6 MB and would cost ~150 ms per request otherwise.
DYNAMIC_LEVEL = 5
STATIC_LEVEL = 9
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")
STATIC_CACHE_ENTRIES = 64


class _StaticCache:
    """A small thread-safe LRU of compressed static bodies keyed by path and validators."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> bytes | None:
        with self._lock:
            body = self._data.get(key)
            if body is not None:
                self._data.move_to_end(key)
            return body

    def put(self, key: tuple[str, ...], body: bytes) -> None:
        with self._lock:
            self._data[key] = body
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)


class GzipMiddleware:
    """Compress compressible 200 responses for clients that accept gzip; pass everything else."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self.static_cache = _StaticCache(STATIC_CACHE_ENTRIES)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        accept = environ.get("HTTP_ACCEPT_ENCODING", "")
        if "gzip" not in accept.lower() or environ.get("REQUEST_METHOD") == "HEAD":
            return self.app(environ, start_response)

        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = status
            captured["headers"] = headers
            captured["exc_info"] = exc_info
            # Dash and Flask never use the legacy write() callable; buffer if someone does.
            return captured.setdefault("written", []).append

        app_iter = self.app(environ, capture)
        try:
            chunks = list(app_iter)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
        body = b"".join(captured.get("written", [])) + b"".join(chunks)
        status: str = captured["status"]
        headers: list[tuple[str, str]] = captured["headers"]

        if not self._should_compress(status, headers, len(body)):
            start_response(status, headers, captured.get("exc_info"))
            return [body]

        path = environ.get("PATH_INFO", "")
        compressed = self._compress(path, headers, body)
        out = [(k, v) for k, v in headers if k.lower() not in ("content-length", "content-encoding")]
        out.append(("Content-Encoding", "gzip"))
        out.append(("Content-Length", str(len(compressed))))
        if not any(k.lower() == "vary" and "accept-encoding" in v.lower() for k, v in out):
            out.append(("Vary", "Accept-Encoding"))
        start_response(status, out, captured.get("exc_info"))
        return [compressed]

    @staticmethod
    def _should_compress(status: str, headers: list[tuple[str, str]], size: int) -> bool:
        if not status.startswith("200") or size < MIN_SIZE:
            return False
        ctype = ""
        for key, value in headers:
            low = key.lower()
            if low == "content-encoding":
                return False  # already encoded upstream: never double-compress
            if low == "content-type":
                ctype = value.lower()
        return ctype.startswith(COMPRESSIBLE)

    def _compress(self, path: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
        if not path.startswith(STATIC_PREFIXES):
            return gzip.compress(body, compresslevel=DYNAMIC_LEVEL, mtime=0)
        validators = {k.lower(): v for k, v in headers if k.lower() in ("etag", "last-modified")}
        key = (path, str(len(body)), validators.get("etag", ""), validators.get("last-modified", ""))
        cached = self.static_cache.get(key)
        if cached is None:
            cached = gzip.compress(body, compresslevel=STATIC_LEVEL, mtime=0)
            self.static_cache.put(key, cached)
        return cached


def init_compression(server: Flask) -> None:
    """Wrap the Flask server's WSGI app in GzipMiddleware once (idempotent)."""
    if getattr(server, "_ops_gzip_installed", False):
        return
    server.wsgi_app = GzipMiddleware(server.wsgi_app)  # type: ignore[method-assign]
    server._ops_gzip_installed = True  # type: ignore[attr-defined]
