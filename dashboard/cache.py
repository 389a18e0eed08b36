"""Service-level cache: flask-caching backend (Simple or Redis) and the `service_cache` decorator."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import Flask
from flask_caching import Cache

from dashboard.scope import Scope
from dashboard.settings import Settings

log = logging.getLogger(__name__)

cache = Cache()
_backend: Any = None  # the cachelib backend once init_cache ran; None = calls go straight through
_timeout: int = 3600

P = ParamSpec("P")
R = TypeVar("R")


def init_cache(server: Flask, settings: Settings) -> None:
    """Attach the cache to the Flask server: Redis when configured (shared by workers), else Simple."""
    global _backend, _timeout
    if settings.cache_type == "redis":
        config: dict[str, Any] = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": settings.redis_url}
    else:
        config = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    config["CACHE_DEFAULT_TIMEOUT"] = settings.cache_timeout
    config["CACHE_KEY_PREFIX"] = "dash_svc_"
    cache.init_app(server, config=config)
    _backend = server.extensions["cache"][cache]
    _timeout = settings.cache_timeout


def disable_cache() -> None:
    """Forget the backend (tests and benchmarks measuring uncached time)."""
    global _backend
    _backend = None


def clear_cache() -> None:
    if _backend is not None:
        _backend.clear()


def _key_part(value: Any) -> str:
    # The viewer's scope enters the key through its token: two users who may see the same
    # things share entries, two who may not never do.
    if isinstance(value, Scope):
        return "scope:" + value.cache_token()
    return repr(value)


def cache_key(func_name: str, args: tuple[Any, ...], kwargs: dict[str, Any], data_version: str) -> str:
    """Deterministic key from the function, every argument, the scope token and the data version."""
    parts = [func_name, data_version, *(_key_part(a) for a in args)]
    parts += [f"{k}={_key_part(v)}" for k, v in sorted(kwargs.items())]
    if not any(isinstance(a, Scope) for a in (*args, *kwargs.values())):
        # Every service takes a scope; refusing to cache without one avoids cross-viewer leaks.
        raise TypeError(f"{func_name}: service_cache needs a Scope argument")
    return func_name + ":" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def service_cache(func: Callable[P, R]) -> Callable[P, R]:
    """Memoize a service function (scope, filters, ...) -> DataFrame per data version.

    The uncached function stays reachable as `.uncached` for benchmarks. Cached frames are
    unpickled copies, so callers cannot corrupt the cache, but treat them as read-only anyway."""
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _backend is None:
            return func(*args, **kwargs)
        from dashboard.db import get_warehouse

        key = cache_key(name, tuple(args), dict(kwargs), get_warehouse().data_version())
        try:
            hit = _backend.get(key)
        except Exception:  # a broken Redis must not break the page: compute instead
            log.warning("cache get failed for %s", name, exc_info=True)
            hit = None
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        result = func(*args, **kwargs)
        try:
            _backend.set(key, result, timeout=_timeout)
        except Exception:
            log.warning("cache set failed for %s", name, exc_info=True)
        return result

    wrapper.uncached = func  # type: ignore[attr-defined]
    return wrapper
