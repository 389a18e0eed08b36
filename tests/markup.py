"""Tables rendered as one markup component (dashboard.components.table_markup), read back."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, Any]] = []
        self._text: list[str] | None = None
        self._row: list[str] | None = None
        self._cls: list[str | None] | None = None
        self._cell_class: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.tables.append(
                {
                    "id": a.get("id"),
                    "class": a.get("class"),
                    "caption": "",
                    "headers": [],
                    "rows": [],
                    "classes": [],
                }
            )
        elif tag == "tr":
            self._row, self._cls = [], []
        elif tag in ("td", "th", "caption"):
            self._text, self._cell_class = [], a.get("class")
            if tag == "th":
                assert a.get("scope") == "col", "column headers carry scope=col"

    def handle_endtag(self, tag: str) -> None:
        table = self.tables[-1]
        text = "".join(self._text or [])
        if tag == "caption":
            table["caption"] = text
        elif tag == "th":
            table["headers"].append(text)
        elif tag == "td" and self._row is not None and self._cls is not None:
            self._row.append(text)
            self._cls.append(self._cell_class)
        elif tag == "tr" and self._row:
            table["rows"].append(self._row)
            table["classes"].append(self._cls)
        if tag in ("td", "th", "caption"):
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def parse_tables(markup: str) -> list[dict[str, Any]]:
    """Each <table> of `markup`: id, class, caption, headers, body rows (text) and cell classes."""
    parser = _TableParser()
    parser.feed(markup)
    return parser.tables


def is_markup(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("<table")


def markup_texts(markup: str) -> list[str]:
    """The visible strings of a markup table: caption, headers, then every cell."""
    out: list[str] = []
    for table in parse_tables(markup):
        out += [table["caption"], *table["headers"], *(cell for row in table["rows"] for cell in row)]
    return out


def tables_in(node: Any) -> list[dict[str, Any]]:
    """Every markup table in a Dash tree (components, or their JSON)."""
    from plotly.io.json import to_json_plotly

    found: list[dict[str, Any]] = []

    def walk(n: Any) -> None:
        if isinstance(n, dict):
            for v in n.values():
                walk(v)
        elif isinstance(n, list):
            for v in n:
                walk(v)
        elif is_markup(n):
            found.extend(parse_tables(n))

    walk(json.loads(to_json_plotly(node)))
    return found
