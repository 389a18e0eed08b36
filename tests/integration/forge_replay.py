"""Forged-scope replay for tests/integration/test_access_routes.py (issue 6).

An agency HR viewer opens a page; every request the page can send that carries an agency value
(the pages router with `?agency=` in the URL, every data callback whether it fires at load or
only on interaction, every download with every table choice and format) is replayed once per
other agency with that agency's code in place of every agency value. No response may contain
another agency's code, or the forged agency's name, in its JSON or in a decoded download.

Speed (about 1,000 forged requests per page and viewer): bodies are serialised once with a
placeholder that is replaced by each code (no deepcopy, no re-encoding); responses are not
gzipped; a response byte-identical to one already scanned for the same request is not scanned
again (data callbacks answer every forged code with the viewer's own, clamped output, so most
responses are repeats); the scan is one precompiled regex plus a substring test per name."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from benchmarks.dashclient import CALLBACK_PATH, DashSession, split_output

AGENCY_RE = re.compile(r"(?<![A-Za-z0-9])[CMK]\d{4}(?![0-9])")
PLACEHOLDER = "\u0000FORGED-AGENCY\u0000"
ROUTER_OUTPUT = "_pages_content.children"
OFFICE_FORMATS = ("xlsx", "ods")
# Theme and style parts hold colours such as C0504D (Excel's accent colour), not data.
_STYLE_PART = re.compile(r"(^|/)(theme\d*|styles)\.xml$")


@dataclass
class Replay:
    """One request of a page to forge: the JSON body with PLACEHOLDER for every agency value."""

    name: str  # output spec, plus the table / format for downloads
    template: str  # the body as JSON text, PLACEHOLDER where the agency goes
    download: bool
    fmt: str | None = None  # download format (None: the page's default)
    other_table: bool = False  # a download of a table other than the picker's default

    def body(self, code: str) -> bytes:
        return self.template.replace(json.dumps(PLACEHOLDER)[1:-1], code).encode("utf-8")


@dataclass
class Scanner:
    """The leak check for one viewer: codes outside `own`, and every other agency's names."""

    own: set[str]
    names: dict[str, tuple[str, str]]
    _forged_names: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        own_names = " ".join(n for c in self.own for n in self.names.get(c, ("", "")))
        # A name that is part of the viewer's own agency's name (a parent ministry, a county)
        # may legitimately appear; four characters at least, so short words do not match.
        self._forged_names = {
            code: tuple(n for n in pair if n and len(n) >= 4 and n not in own_names)
            for code, pair in self.names.items()
            if code not in self.own
        }

    def codes(self, text: str) -> list[str]:
        """Agency codes in the text other than the viewer's own."""
        return sorted(set(AGENCY_RE.findall(text)) - self.own)

    def forged_names(self, text: str, forged: str) -> list[str]:
        """The forged agency's Chinese or English name, where the text has it."""
        return [n for n in self._forged_names.get(forged, ()) if n in text]


def _agency_item(item: Any) -> bool:
    if not isinstance(item, dict) or "id" not in item or item.get("property") != "value":
        return False
    cid = item["id"]
    return "agency" in (json.dumps(cid) if isinstance(cid, dict) else str(cid))


def _placeholders(items: Any) -> int:
    """Put PLACEHOLDER in every agency-bearing value of an inputs/state list (in place)."""
    hits = 0
    for item in items or []:
        if isinstance(item, list):
            hits += _placeholders(item)
        elif _agency_item(item):
            item["value"] = [PLACEHOLDER] if isinstance(item.get("value"), list) else PLACEHOLDER
            hits += 1
    return hits


def _template(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    out = json.loads(json.dumps(body))
    hits = _placeholders(out.get("inputs")) + _placeholders(out.get("state"))
    return out, hits


def _find(items: Any, pred: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items or []:
        if isinstance(item, list):
            found += _find(item, pred)
        elif isinstance(item, dict) and "id" in item and pred(str(item["id"]), item.get("property")):
            found.append(item)
    return found


def page_replays(session: DashSession, router_body: dict[str, Any] | None) -> list[Replay]:
    """Every forgeable request of the loaded page.

    - the pages router with `agency=` added to the URL's query (the page layout reads it);
    - every runnable callback of the page with an agency-bearing input or state, as if its first
      input had changed (callbacks with prevent_initial_call that the page fires only on a click
      are included: they are built from the page's current component values);
    - downloads as if the button were clicked, once per 'which table' choice, in the page's
      default format (CSV) and, as separate replays, in each office format."""
    out: list[Replay] = []
    if router_body is not None:
        body = json.loads(json.dumps(router_body))
        for item in _find(body["inputs"], lambda cid, prop: prop == "search"):
            search = str(item.get("value") or "").lstrip("?")
            item["value"] = "?" + "&".join(p for p in (search, f"agency={PLACEHOLDER}") if p)
        out.append(Replay(ROUTER_OUTPUT, json.dumps(body), download=False))
    for cb in session.callbacks:
        if ROUTER_OUTPUT in cb["output"] or not session._runnable(cb):
            continue
        inputs = cb.get("inputs", [])
        is_download = any(p == "data" and "download" in c for c, p in split_output(cb["output"]))
        changed = {f"{inputs[0]['id']}.{inputs[0]['property']}"} if inputs else set()
        # A MATCH callback is one request per matching component (the renderer's way).
        for binding in session._bindings(cb, set()):
            body = session._body(cb, changed, binding)
            if is_download:
                for item in _find(body["inputs"], lambda cid, prop: prop == "n_clicks"):
                    item["value"] = 1
            body, hits = _template(body)
            if not hits:
                continue  # no agency value to forge
            if not is_download:
                out.append(Replay(cb["output"], json.dumps(body), download=False))
                continue
            tables = _find(body["state"], lambda cid, prop: cid.endswith("dl-table") and prop == "value")
            choices: list[Any] = [None]
            default = tables[0].get("value") if tables else None
            if tables:
                options = session.index.get(str(tables[0]["id"]), {}).get("options") or []
                values = [o["value"] if isinstance(o, dict) else o for o in options]
                default = default if default in values else (values[0] if values else None)
                choices = sorted(values, key=lambda v: v != default) or [None]  # the default first
            formats = _find(body["state"], lambda cid, prop: "format" in cid and prop == "value")
            for choice in choices:
                if tables and choice is not None:
                    tables[0]["value"] = choice
                label = cb["output"] + (f" [{choice}]" if choice is not None else "")
                other = bool(tables) and choice != default
                if formats:
                    formats[0]["value"] = "csv"
                csv = "csv" if formats else None
                out.append(Replay(label, json.dumps(body), download=True, fmt=csv, other_table=other))
                for fmt in OFFICE_FORMATS if formats else ():
                    formats[0]["value"] = fmt
                    out.append(
                        Replay(f"{label} {fmt}", json.dumps(body), download=True, fmt=fmt, other_table=other)
                    )
                if formats:
                    formats[0]["value"] = "csv"
    return out


def decoded_text(raw: bytes) -> tuple[str, str | None]:
    """(a callback response as text, the downloaded file's name or None): the JSON with non-ASCII
    unescaped, plus every download's decoded content (CSV text; every XML part of an XLSX/ODS zip
    but its theme and styles)."""
    data = json.loads(raw)
    parts = [json.dumps(data, ensure_ascii=False)]
    filename = None
    for props in (data.get("response") or {}).values():
        payload = props.get("data") if isinstance(props, dict) else None
        if not (isinstance(payload, dict) and payload.get("base64")):
            continue
        content = base64.b64decode(payload["content"])
        filename = str(payload.get("filename", ""))
        # base64 text can spell a code by chance ('+K4044/'): the JSON is scanned without it
        parts[0] = parts[0].replace(payload["content"], "")
        if filename.endswith(".csv"):
            parts.append(content.decode("utf-8-sig", errors="replace"))
        else:
            with zipfile.ZipFile(io.BytesIO(content)) as zf:
                parts += [
                    zf.read(member).decode("utf-8", errors="replace")
                    for member in zf.namelist()
                    if member.endswith(".xml") and not _STYLE_PART.search(member)
                ]
    return "\n".join(parts), filename


def post(client: Any, data: bytes) -> tuple[int, bytes]:
    """POST a callback body through the Flask test client, uncompressed (no Accept-Encoding)."""
    resp = client.post(CALLBACK_PATH, data=data, content_type="application/json")
    return resp.status_code, resp.get_data()


def cache_keys(backend: Any) -> set[str]:
    """The keys of the in-process SimpleCache (flask-caching / cachelib) the app was given."""
    return set(backend._cache)


def context(text: str, found: list[str], width: int = 120) -> str:
    """Where the first finding occurs in the text (for the assertion message)."""
    if not found:
        return ""
    i = text.find(found[0])
    return text[max(0, i - width) : i + width]
