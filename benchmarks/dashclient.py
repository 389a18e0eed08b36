"""A minimal Dash renderer in Python: walks the layout, fires callbacks as the browser would, records each request."""

from __future__ import annotations

import functools
import gzip
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Protocol

import orjson

CALLBACK_PATH = "/_dash-update-component"
MAX_FIRES = 300


class Transport(Protocol):
    """An HTTP client: the Flask test client adapter or a requests session adapter."""

    def get(self, path: str) -> Response: ...

    def post_json(self, path: str, body: Any) -> Response: ...

    def post_form(self, path: str, form: dict[str, str]) -> Response: ...


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes  # decoded (uncompressed) body
    wire_bytes: int  # bytes on the wire (compressed when the server compressed)
    elapsed_ms: float  # client-side wall time

    @property
    def server_ms(self) -> float | None:
        """The app's own time from the Server-Timing header (dashboard.logging_setup)."""
        m = re.search(r"app;dur=([0-9.]+)", self.headers.get("server-timing", ""))
        return float(m.group(1)) if m else None

    def json(self) -> Any:
        return orjson.loads(self.body)


class FlaskTransport:
    """In-process transport over app.server.test_client() (no sockets: pure server time)."""

    def __init__(self, server: Any) -> None:
        self.client = server.test_client()

    def _wrap(self, resp: Any, t0: float) -> Response:
        raw = resp.get_data()
        headers = {k.lower(): v for k, v in resp.headers.items()}
        body = gzip.decompress(raw) if headers.get("content-encoding") == "gzip" else raw
        return Response(resp.status_code, headers, body, len(raw), (time.perf_counter() - t0) * 1000)

    def get(self, path: str) -> Response:
        t0 = time.perf_counter()
        return self._wrap(self.client.get(path, headers={"Accept-Encoding": "gzip"}), t0)

    def post_json(self, path: str, body: Any) -> Response:
        t0 = time.perf_counter()
        return self._wrap(self.client.post(path, json=body, headers={"Accept-Encoding": "gzip"}), t0)

    def post_form(self, path: str, form: dict[str, str]) -> Response:
        t0 = time.perf_counter()
        return self._wrap(self.client.post(path, data=form, headers={"Accept-Encoding": "gzip"}), t0)


class HttpTransport:
    """Transport over a real socket with requests (gunicorn on loopback)."""

    def __init__(self, base_url: str, session: Any = None) -> None:
        import requests

        self.base_url = base_url.rstrip("/")
        self.session: Any = session or requests.Session()

    def _wrap(self, resp: Any, t0: float) -> Response:
        # requests decodes gzip transparently; the wire size is the Content-Length it received.
        headers = {k.lower(): v for k, v in resp.headers.items()}
        body = resp.content
        wire = int(headers.get("content-length", len(body)))
        return Response(resp.status_code, headers, body, wire, (time.perf_counter() - t0) * 1000)

    def get(self, path: str) -> Response:
        t0 = time.perf_counter()
        return self._wrap(self.session.get(self.base_url + path, allow_redirects=True, timeout=60), t0)

    def post_json(self, path: str, body: Any) -> Response:
        t0 = time.perf_counter()
        return self._wrap(self.session.post(self.base_url + path, json=body, timeout=60), t0)

    def post_form(self, path: str, form: dict[str, str]) -> Response:
        t0 = time.perf_counter()
        return self._wrap(self.session.post(self.base_url + path, data=form, timeout=60), t0)


# ---------------------------------------------------------------- sign-in through the HTML form
class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.inputs: list[dict[str, str]] = []
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.action is None:
            self._in_form = True
            self.action = a.get("action", "")
        elif tag == "input" and self._in_form:
            self.inputs.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False


def login(transport: Transport, user: str, password: str = "demo", path: str = "/login") -> Response:
    """Sign in through the login page's HTML form (hidden fields such as a CSRF token included)."""
    page = transport.get(path)
    parser = _FormParser()
    parser.feed(page.body.decode("utf-8", errors="replace"))
    form: dict[str, str] = {}
    for inp in parser.inputs:
        name, kind = inp.get("name", ""), inp.get("type", "text").lower()
        if not name:
            continue
        if kind == "password" or "pass" in name.lower():
            form[name] = password
        elif kind == "hidden":
            form[name] = inp.get("value", "")
        elif kind in ("text", "email", "") and ("user" in name.lower() or "name" in name.lower()):
            form[name] = user
    if not form:
        # No HTML form (e.g. a login page rendered by Dash): the conventional field names.
        form = {"username": user, "password": password}
    action = parser.action or path
    resp = transport.post_form(action if action.startswith("/") else path, form)
    if resp.status >= 400:
        raise RuntimeError(f"sign-in as {user} failed with HTTP {resp.status}")
    return resp


# ---------------------------------------------------------------- layout handling
def id_key(cid: Any) -> str:
    """The renderer's string form of a component id (dict ids: sorted compact JSON)."""
    if isinstance(cid, dict):
        return json.dumps(cid, sort_keys=True, separators=(",", ":"))
    return str(cid)


def _parse_id(text: str) -> Any:
    return json.loads(text) if text.startswith("{") else text


# Props whose values are data, never components: the walk does not descend into them (a figure
# holds thousands of numbers; walking them dominated the simulated browser's CPU time).
_DATA_PROPS = frozenset({"figure", "data", "style", "columns", "config"})


def iter_components(node: Any) -> Iterator[dict[str, Any]]:
    """Every component dict ({type, namespace, props}) in a layout tree, depth first (pre-order)."""
    stack: list[Any] = [node]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        kind = type(item)
        if kind is list:
            for child in reversed(item):
                if type(child) is dict or type(child) is list:
                    push(child)
        elif kind is dict:
            props = item.get("props")
            if type(props) is dict and "type" in item:
                yield item
                for key, value in reversed(list(props.items())):
                    if (type(value) is dict or type(value) is list) and key not in _DATA_PROPS:
                        push(value)
            else:
                for value in reversed(list(item.values())):
                    if type(value) is dict or type(value) is list:
                        push(value)


def split_output(spec: str) -> list[tuple[str, str]]:
    """'..a.children...b.figure..' or 'a.children' -> [(id, prop), ...]."""
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    out = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        out.append((cid, prop.split("@")[0]))  # allow_duplicate outputs carry '@hash'
    return out


def _is_wildcard(cid: str) -> bool:
    return cid.startswith("{") and any(w in cid for w in ('["ALL"]', '["MATCH"]', '["ALLSMALLER"]'))


def _matches(pattern: dict[str, Any], cid: Any) -> bool:
    if not isinstance(cid, dict) or set(cid) != set(pattern):
        return False
    return all(isinstance(v, list) or cid[k] == v for k, v in pattern.items())


@functools.lru_cache(maxsize=4096)
def _loads(text: str) -> Any:
    return json.loads(text)


def _bind(dep_id: str, binding: dict[str, Any]) -> str:
    """A dependency id with its MATCH wildcards replaced by the binding's values (as id_key)."""
    if not binding or '["MATCH"]' not in dep_id:
        return dep_id
    pattern = dict(_loads(dep_id))
    for key, value in binding.items():
        if pattern.get(key) == ["MATCH"]:
            pattern[key] = value
    return id_key(pattern)


def dep_matches(dep_id: str, cid: str) -> bool:
    """Whether a callback dependency id (plain or an ALL/MATCH pattern) covers component `cid`."""
    if dep_id == cid:
        return True
    if not (_is_wildcard(dep_id) and cid.startswith("{")):
        return False
    return _matches(_loads(dep_id), _loads(cid))


@dataclass
class CallbackRecord:
    """One callback request as the browser would have sent it, and what came back."""

    output: str
    body: dict[str, Any]
    status: int
    wire_bytes: int
    body_bytes: int
    elapsed_ms: float
    server_ms: float | None
    data_version: str | None
    trigger: str  # initial | filter


@dataclass
class DashSession:
    """The state of one browser tab: layout tree, callback graph, every callback fired."""

    transport: Transport
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    layout: Any = None
    index: dict[str, dict[str, Any]] = field(default_factory=dict)
    records: list[CallbackRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def load(self, path: str) -> list[CallbackRecord]:
        """Open a page as a browser does: layout, dependencies, then every initial callback."""
        start = len(self.records)
        self.transport.get(path)
        self.layout = self.transport.get("/_dash-layout").json()
        self.callbacks = self.transport.get("/_dash-dependencies").json()
        self._reindex()
        search = path.split("?", 1)[1] if "?" in path else ""
        location_props: set[str] = set()
        for comp in iter_components(self.layout):
            if comp["type"] == "Location":
                comp["props"].update(
                    pathname=path.split("?", 1)[0], search=f"?{search}" if search else "", hash=""
                )
                cid = id_key(comp["props"].get("id"))
                location_props |= {f"{cid}.{p}" for p in ("pathname", "search", "hash", "href")}
        queue = self._initial_queue(set(self.index))
        queued = {i for i, _ in queue}
        # dcc.Location sets its props from the address bar when it mounts: a change, so the
        # callbacks listening to it fire even with prevent_initial_call (Dash pages' router).
        for i, cb in enumerate(self.callbacks):
            changed = {f"{d['id']}.{d['property']}" for d in cb.get("inputs", [])} & location_props
            if changed and i not in queued:
                queue.append((i, changed))
        self._run(queue, "initial")
        return self.records[start:]

    def filter_controls(self) -> list[tuple[str, str, list[Any]]]:
        """(id, prop, choices) for every input with options that some callback listens to."""
        deps = [d["id"] for cb in self.callbacks for d in cb.get("inputs", []) if d["property"] == "value"]
        out = []
        for key, props in self.index.items():
            options = props.get("options")
            if not isinstance(options, list) or not any(dep_matches(d, key) for d in deps):
                continue
            values = [o.get("value") if isinstance(o, dict) else o for o in options]
            values = [v for v in values if v is not None and not (isinstance(v, dict))]
            if values:
                out.append((key, "value", values))
        return sorted(out)

    def set_value(self, cid: str, prop: str, value: Any) -> list[CallbackRecord]:
        """Change one input as a user would, and fire what it triggers."""
        start = len(self.records)
        props = self.index[cid]
        if isinstance(props.get(prop), list) and not isinstance(value, list):
            value = [value]
        props[prop] = value
        queue = [
            (i, {f"{cid}.{prop}"}) for i, cb in enumerate(self.callbacks) if self._listens(cb, cid, prop)
        ]
        self._run(queue, "filter")
        return self.records[start:]

    # -- internals ---------------------------------------------------------------------------
    def _reindex(self) -> None:
        self.index = {}
        for comp in iter_components(self.layout):
            cid = comp["props"].get("id")
            if cid is not None:
                self.index[id_key(cid)] = comp["props"]

    @staticmethod
    def _listens(cb: dict[str, Any], cid: str, prop: str) -> bool:
        return any(d["property"] == prop and dep_matches(d["id"], cid) for d in cb.get("inputs", []))

    def _runnable(self, cb: dict[str, Any]) -> bool:
        if cb.get("clientside_function") is not None:
            return False
        outputs = split_output(cb["output"])
        # ALL / ALLSMALLER outputs are not simulated; MATCH outputs fire once per matching id.
        if any(_is_wildcard(c) and '["MATCH"]' not in c for c, _ in outputs):
            return False
        for dep in cb.get("inputs", []) + cb.get("state", []):
            if not _is_wildcard(dep["id"]) and dep["id"] not in self.index:
                return False
        # Dash skips a callback whose outputs are all absent from the layout.
        return any(c in self.index or (_is_wildcard(c) and self._matching(c)) for c, _ in outputs)

    def _matching(self, pattern_id: str) -> list[str]:
        """The ids in the layout a wildcard id covers, in layout order."""
        return [k for k in self.index if dep_matches(pattern_id, k)]

    def _bindings(self, cb: dict[str, Any], changed: set[str]) -> list[dict[str, Any]]:
        """The MATCH values to fire a callback with: [{}] for a plain callback; for a MATCH
        callback one binding per matching output id, as the renderer sends one request per
        component. When fired by a change, only the bindings whose own inputs changed (all of
        them when a plain input changed)."""
        pattern = next((c for c, _ in split_output(cb["output"]) if '["MATCH"]' in c), None)
        if pattern is None:
            return [{}]
        pat = _loads(pattern)
        keys = [k for k, v in pat.items() if v == ["MATCH"]]
        bindings: list[dict[str, Any]] = []
        for cid in self._matching(pattern):
            b = {k: _loads(cid)[k] for k in keys}
            if b not in bindings:
                bindings.append(b)
        if not changed:
            return bindings
        changed_ids = [c.rsplit(".", 1) for c in changed]
        # A change of a plain or an ALL input reaches every instance; a MATCH input only its own.
        shared = any(
            '["MATCH"]' not in d["id"]
            and any(p == d["property"] and dep_matches(d["id"], c) for c, p in changed_ids)
            for d in cb.get("inputs", [])
        )
        if shared:
            return bindings
        return [
            b
            for b in bindings
            if any(
                f"{_bind(d['id'], b)}.{d['property']}" in changed
                for d in cb.get("inputs", [])
                if '["MATCH"]' in d["id"]
            )
        ]

    def _initial_queue(self, new_ids: set[str]) -> list[tuple[int, set[str]]]:
        queue: list[tuple[int, set[str]]] = []
        for i, cb in enumerate(self.callbacks):
            if cb.get("prevent_initial_call"):
                continue
            deps = [d["id"] for d in cb.get("inputs", [])]
            if not deps or any(dep_matches(d, n) for d in deps for n in new_ids):
                queue.append((i, set()))
        return queue

    def _dep_value(self, dep: dict[str, Any], binding: dict[str, Any]) -> Any:
        dep_id = _bind(dep["id"], binding)
        if _is_wildcard(dep_id):
            pattern = _loads(dep_id)
            return [
                {"id": _parse_id(k), "property": dep["property"], "value": p.get(dep["property"])}
                for k, p in self.index.items()
                if _matches(pattern, _parse_id(k))
            ]
        item: dict[str, Any] = {"id": _parse_id(dep_id), "property": dep["property"]}
        value = self.index.get(dep_id, {}).get(dep["property"])
        if value is not None:
            item["value"] = value
        return item

    def _body(self, cb: dict[str, Any], changed: set[str], binding: dict[str, Any]) -> dict[str, Any]:
        outputs = [{"id": _parse_id(_bind(c, binding)), "property": p} for c, p in split_output(cb["output"])]
        return {
            "output": cb["output"],
            "outputs": outputs if cb["output"].startswith("..") else outputs[0],
            "inputs": [self._dep_value(d, binding) for d in cb.get("inputs", [])],
            "state": [self._dep_value(d, binding) for d in cb.get("state", [])],
            "changedPropIds": sorted(changed),
        }

    def _run(self, queue: list[tuple[int, set[str]]], trigger: str) -> None:
        fires = 0
        while queue and fires < MAX_FIRES:
            # Fire first a callback none of whose inputs is still to be produced by another
            # queued callback: the renderer's ordering, which avoids firing twice.
            pending_outputs = {(c, p) for j, _ in queue for c, p in split_output(self.callbacks[j]["output"])}
            pick = 0
            for pos, (j, _) in enumerate(queue):
                ins = {(d["id"], d["property"]) for d in self.callbacks[j].get("inputs", [])}
                own = set(split_output(self.callbacks[j]["output"]))
                if not (ins & (pending_outputs - own)):
                    pick = pos
                    break
            idx, changed = queue.pop(pick)
            cb = self.callbacks[idx]
            if not self._runnable(cb):
                continue
            updates = []
            for binding in self._bindings(cb, changed):
                fires += 1
                updates += self._fire(cb, changed, trigger, binding)
            if not updates:
                continue
            self._apply(updates)
            # Components inside replaced children are new to the renderer even when their ids
            # existed before: their callbacks fire as initial calls.
            new_ids = {
                id_key(c["props"]["id"])
                for _, _, v in updates
                for c in iter_components(v)
                if "id" in c["props"]
            }
            queued = {j for j, _ in queue}
            for j, other in enumerate(self.callbacks):
                hits = {f"{c}.{p}" for c, p, _ in updates if self._listens(other, c, p)}
                if hits and j not in queued:
                    queue.append((j, hits))
                    queued.add(j)
            for j, changed_ids in self._initial_queue(new_ids):
                if j not in queued:
                    queue.append((j, changed_ids))
                    queued.add(j)

    def _fire(
        self, cb: dict[str, Any], changed: set[str], trigger: str, binding: dict[str, Any]
    ) -> list[tuple[str, str, Any]]:
        body = self._body(cb, changed, binding)
        resp = self.transport.post_json(CALLBACK_PATH, body)
        self.records.append(
            CallbackRecord(
                output=cb["output"],
                body=body,
                status=resp.status,
                wire_bytes=resp.wire_bytes,
                body_bytes=len(resp.body),
                elapsed_ms=resp.elapsed_ms,
                server_ms=resp.server_ms,
                data_version=resp.headers.get("x-data-version"),
                trigger=trigger,
            )
        )
        if resp.status == 204:
            return []  # PreventUpdate
        if resp.status != 200:
            self.errors.append(f"{cb['output']}: HTTP {resp.status}")
            return []
        data = resp.json()
        updates = []
        for raw_id, props in (data.get("response") or {}).items():
            for prop, value in props.items():
                updates.append((id_key(_parse_id(raw_id)), prop, value))
        for raw_id, props in (data.get("sideUpdate") or {}).items():
            for prop, value in props.items():
                updates.append((id_key(_parse_id(raw_id)), prop, value))
        return updates

    def _apply(self, updates: list[tuple[str, str, Any]]) -> None:
        for cid, prop, value in updates:
            if cid in self.index:
                self.index[cid][prop] = value
        # Children may have added or removed components: rebuild the id index.
        self._reindex()


def fire_body(transport: Transport, body: dict[str, Any]) -> Response:
    """Replay one recorded callback request."""
    return transport.post_json(CALLBACK_PATH, body)
