"""Service-level cache: flask-caching backend (Simple or Redis) and the `service_cache` decorator."""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
from collections.abc import Callable
from typing import Any, Generic, ParamSpec, TypeVar

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
V = TypeVar("V", str, bytes)


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
    _local.clear()
    _local_frames.clear()
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
    unpickled copies, so callers cannot corrupt the cache, but treat them as read-only anyway.
    Like rendered outputs, frames are also kept pickled in a per-worker LRU in front of the
    shared backend, so a worker's repeated reads skip the Redis round trip."""
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _backend is None:
            return func(*args, **kwargs)
        from dashboard.db import get_warehouse

        key = cache_key(name, tuple(args), dict(kwargs), get_warehouse().data_version())
        local = _local_frames.fronting(_backend)
        copy = local.get(key)
        if copy is not None:
            return pickle.loads(copy)  # type: ignore[no-any-return]
        try:
            hit = _backend.get(key)
        except Exception:  # a broken Redis must not break the page: compute instead
            log.warning("cache get failed for %s", name, exc_info=True)
            hit = None
        if hit is not None:
            local.put(key, pickle.dumps(hit, protocol=pickle.HIGHEST_PROTOCOL))
            return hit  # type: ignore[no-any-return]
        result = func(*args, **kwargs)
        try:
            _backend.set(key, result, timeout=_timeout)
        except Exception:
            log.warning("cache set failed for %s", name, exc_info=True)
        local.put(key, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        return result

    wrapper.uncached = func  # type: ignore[attr-defined]
    return wrapper


# ---------------------------------------------------------------------------- rendered outputs
# Callbacks and page layouts spend most of their time building figures and component trees
# from (cached) frames. `callback_cache` / `layout_cache` memoize the *rendered* output as JSON
# text in the same backend, so a hit costs one json.loads instead of pandas + plotly validation.

_OUTPUT_PREFIX = "out:"


def _json_part(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True, default=repr, ensure_ascii=False)


def _has_no_update(result: Any) -> bool:
    """True when the output (or one of a multi-output's values) is dash.no_update: not cacheable."""
    import dash

    no_update = type(dash.no_update)
    if isinstance(result, no_update):
        return True
    return isinstance(result, list | tuple) and any(isinstance(v, no_update) for v in result)


def _view_parts(resolved: Any) -> list[str]:
    """The parts every rendered-output key shares: data version, viewer's scope, language, calendar
    and the resolved (scope-clamped) filters."""
    from dashboard.db import get_warehouse
    from dashboard.i18n import current_cal, current_lang
    from dashboard.services import common

    scope = common.current_scope()  # from the server-side session, never from the client
    return [
        get_warehouse().data_version(),
        "scope:" + scope.cache_token(),
        "lang:" + current_lang(),
        "cal:" + current_cal(),
        "filters:" + repr(resolved(scope)),
    ]


def _panel_resolver(
    values: Any, ids: Any, resolver: Callable[[Scope, Any], Any] | None
) -> tuple[Callable[[Scope], Any], dict[str, Any]]:
    """(scope -> resolved Filters, the panel's other fields) of the filter panel's values and ids."""
    from dataclasses import fields

    from dashboard.components import filters_from_values
    from dashboard.filters import Filters
    from dashboard.services import common

    known = {f.name for f in fields(Filters)}
    pairs = list(zip(ids or [], values or [], strict=False))
    extra = {cid["field"]: v for cid, v in pairs if cid.get("field") not in known}
    raw = filters_from_values(ids or [], values or [])
    resolve = resolver or common.resolve
    return (lambda scope: resolve(scope, raw)), extra


def _json_default(value: Any) -> Any:
    """orjson's fallback, matching plotly's encoder: Dash components and plotly figures as their
    JSON dicts; numpy arrays and scalars as lists and numbers (datetimes as numpy's ISO text).
    Anything else is refused, and output_json then uses plotly's encoder."""
    to_plotly_json = getattr(value, "to_plotly_json", None)
    if to_plotly_json is not None:
        return to_plotly_json()
    import numpy as np

    if isinstance(value, np.ndarray | np.generic):
        if value.dtype.kind == "M":
            text = np.datetime_as_string(value)  # type: ignore[arg-type]
            return text.tolist() if isinstance(text, np.ndarray) else str(text)
        if value.dtype.kind in "biufUO":
            return value.tolist() if isinstance(value, np.ndarray) else value.item()
    raise TypeError(type(value).__name__)


def output_json(value: Any) -> str:
    """A callback output as the same JSON text plotly's encoder (to_json_plotly, which Dash uses)
    gives, faster. Like plotly, try orjson on the value as it is (plain dicts, numpy arrays);
    when that fails (components, figures) plotly first walks the whole tree in Python to clean
    it, which cost several ms for a table of a few thousand cells: orjson walks it in C instead,
    asking _json_default for each component and array. Whatever that cannot encode goes to
    plotly's encoder."""
    import orjson
    from plotly.io.json import to_json_plotly

    to_plotly_json = getattr(value, "to_plotly_json", None)
    if to_plotly_json is not None:  # as plotly does with a top-level figure or component
        value = to_plotly_json()
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY).decode()
    except TypeError:
        pass
    try:
        return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return str(to_json_plotly(value))


class _LocalLRU(Generic[V]):
    """A small per-process LRU of immutable cache entries (rendered outputs as JSON text, service
    frames as pickles) in front of the shared backend.

    Keys carry the data version, so a local copy is never stale; a hit saves the Redis round
    trip, which under load waits for a Redis server sharing the busy cores (py-spy profiles of
    a worker in the load test: 20 % of its busy time before outputs were kept locally, 17 %
    before frames were). The shared backend still receives every entry, so other workers hit it.

    The copies belong to one backend (`fronting`): when the module's backend is another one (a
    new app, or a test that sets `_backend` back), they are dropped before use, so one backend
    never answers with what another stored."""

    def __init__(self, max_bytes: int) -> None:
        import threading
        from collections import OrderedDict

        self.max_bytes = max_bytes
        self._items: OrderedDict[str, V] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._owner: Any = None  # the backend these entries were copied from

    def fronting(self, backend: Any) -> _LocalLRU[V]:
        """This LRU as the local copy of `backend`, emptied first if it held another's entries."""
        with self._lock:
            if self._owner is not backend:
                self._items.clear()
                self._bytes = 0
                self._owner = backend
        return self

    def get(self, key: str) -> V | None:
        with self._lock:
            text = self._items.get(key)
            if text is not None:
                self._items.move_to_end(key)
            return text

    def put(self, key: str, text: V) -> None:
        if len(text) > self.max_bytes // 16:
            return  # a few large outputs must not push out everything else
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes += len(text) - (len(old) if old is not None else 0)
            self._items[key] = text
            while self._bytes > self.max_bytes and self._items:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


_local: _LocalLRU[str] = _LocalLRU(64 * 2**20)  # rendered outputs
_local_frames: _LocalLRU[bytes] = _LocalLRU(64 * 2**20)  # service frames


def _memoize(name: str, key_parts: Callable[[], list[str]], compute: Callable[[], Any]) -> Any:
    """The cached JSON of compute() under a key from key_parts(); computes when anything fails.

    A miss serializes the output once (figures and component trees are the costly part of
    JSON encoding), stores that text and answers its decoded form, the same plain dicts and
    lists a hit answers: Dash then encodes plain data, which is cheap, instead of walking the
    components a second time."""
    import orjson

    if _backend is None:
        return compute()
    try:
        parts = key_parts()
    except Exception:  # the callback itself reports these (signed out, warehouse missing)
        log.debug("no output cache key for %s", name, exc_info=True)
        return compute()
    key = _OUTPUT_PREFIX + name + ":" + hashlib.sha256("\x1f".join([name, *parts]).encode()).hexdigest()
    local = _local.fronting(_backend)
    hit = local.get(key)
    if hit is None:
        try:
            hit = _backend.get(key)
        except Exception:
            log.warning("cache get failed for %s", name, exc_info=True)
            hit = None
        if hit is not None:
            local.put(key, hit)
    if hit is not None:
        return orjson.loads(hit)
    result = compute()
    if _has_no_update(result):
        return result
    text = output_json(result)
    try:
        _backend.set(key, text, timeout=_timeout)
    except Exception:
        log.warning("cache set failed for %s", name, exc_info=True)
    local.put(key, text)
    return orjson.loads(text)


def callback_cache(
    func: Callable[P, R] | None = None,
    *,
    filters: tuple[str, str] | None = ("values", "ids"),
    resolver: Callable[[Scope, Any], Any] | None = None,
) -> Any:
    """Memoize a Dash callback's rendered output (figures, component trees) as plain JSON.

    The key is the function, the warehouse data version, the viewer's scope token (from the
    session), the language and calendar, the filter panel's values *resolved and clamped to the
    scope* (`filters` names the callback's (values, ids) arguments; `resolver` defaults to
    services.common.resolve) plus its other fields, and every other argument. A forged agency
    therefore lands on the clamped entry, and two viewers who may see different things never
    share one. A hit returns the JSON-decoded output (dicts and lists Dash sends as they are).
    Outputs holding dash.no_update are not stored. Never use it for downloads (logged per request)."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        import inspect

        name = f"{fn.__module__}.{fn.__qualname__}"
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            def key_parts() -> list[str]:
                bound = sig.bind(*args, **kwargs).arguments
                resolved: Callable[[Scope], Any] = lambda scope: None  # noqa: E731
                rest = dict(bound)
                if filters is not None:
                    values, ids = rest.pop(filters[0]), rest.pop(filters[1])
                    resolved, extra = _panel_resolver(values, ids, resolver)
                    rest["__panel__"] = extra
                return [*_view_parts(resolved), *(f"{k}={_json_part(v)}" for k, v in sorted(rest.items()))]

            return _memoize(name, key_parts, lambda: fn(*args, **kwargs))  # type: ignore[no-any-return]

        wrapper.uncached = fn  # type: ignore[attr-defined]
        return wrapper

    return decorate(func) if func is not None else decorate


def layout_cache(
    func: Callable[..., R] | None = None, *, resolver: Callable[[Scope, Any], Any] | None = None
) -> Any:
    """Memoize a page's layout(**query) like callback_cache: the URL's filters resolved and clamped
    to the viewer's scope (`resolver`, default services.common.resolve), its other parameters,
    scope token, language, calendar and data version."""

    def decorate(fn: Callable[..., R]) -> Callable[..., R]:
        name = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def wrapper(**query: Any) -> R:
            def key_parts() -> list[str]:
                from dataclasses import fields

                from dashboard.filters import Filters
                from dashboard.services import common

                raw = Filters.from_query(query)
                resolve = resolver or common.resolve
                known = {f.name for f in fields(Filters)}
                extra = {k: v for k, v in query.items() if k not in known}
                return [*_view_parts(lambda scope: resolve(scope, raw)), "query=" + _json_part(extra)]

            return _memoize(name, key_parts, lambda: fn(**query))  # type: ignore[no-any-return]

        wrapper.uncached = fn  # type: ignore[attr-defined]
        return wrapper

    return decorate(func) if func is not None else decorate
