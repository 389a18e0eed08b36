"""Shared page blocks (components/sections.py): ids, classes, error guard and download reply."""

from __future__ import annotations

import logging
from typing import Any

import dash
import pandas as pd
import pytest
from dash import html

from dashboard import components as comp
from dashboard.components import sections
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services import common
from tests.markup import tables_in

P = comp.ids("tst")


def _json(component: Any) -> dict[str, Any]:
    return component.to_plotly_json()


def test_section_is_labelled_by_its_heading_and_ends_with_the_note() -> None:
    sec = sections.section(P, "gap", "Title", [html.Div(id="x")], "How it is measured", "aig-section")
    kids = sec.children
    assert kids[0].id == "tst-h-gap" and kids[0].children == "Title" and kids[0].className == "h5 mt-4"
    assert kids[1].id == "x"
    assert kids[2].children == "How it is measured" and kids[2].className == "small text-muted measure-note"
    assert _json(sec)["props"]["aria-labelledby"] == "tst-h-gap"
    assert sec.className == "aig-section"


def test_graph_sends_a_class_name_only_when_given() -> None:
    plain = _json(sections.graph(P, "km", {"displaylogo": False}).children)["props"]
    styled = _json(sections.graph(P, "gap", {}, "aig-graph").children)["props"]
    assert plain["id"] == "tst-km" and "className" not in plain
    assert styled["className"] == "aig-graph"


def test_radio_and_download_picker_map_code_text_pairs_to_options() -> None:
    radio = sections.radio(P, "by", "Group by", [("a", "A"), ("b", "B")], "b")
    items = radio.children[1]
    assert items.id == "tst-by" and items.value == "b" and items.inline is True
    assert items.options == [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]
    picker = sections.download_picker(P, "en", "Which table", [("gap", "Gap"), ("km", "KM")], "km", True)
    label, select = picker.children[0], picker.children[1]
    assert label.htmlFor == "tst-dl-table" and label.children == "Which table"
    assert select.id == "tst-dl-table" and select.value == "km"
    assert select.options == [{"label": "Gap", "value": "gap"}, {"label": "KM", "value": "km"}]
    assert picker.children[-1].id == "tst-dl-msg" and picker.children[-1].role == "status"


def test_page_frame_puts_the_panel_beside_the_content() -> None:
    frame = sections.page_frame("T", "Intro", html.Div(id="panel"), [html.Div(id="c")], "page-x")
    h1, intro, row = frame.children
    assert (h1.children, intro.children, frame.className) == ("T", "Intro", "page-x")
    panel_col, content_col = row.children
    assert (panel_col.lg, content_col.lg) == (3, 9)
    assert panel_col.children.id == "panel" and content_col.children[0].id == "c"


def test_report_table_renders_header_and_cells_with_their_class() -> None:
    df = pd.DataFrame({"a": ["1", "N/A"], "b": ["x", "<b>&y"]})
    region = sections.report_table(df, "Cap <i>", "tbl", lambda v: "na" if v == "N/A" else None)
    (table,) = tables_in(region)
    assert table["id"] == "tbl" and "report-table" in table["class"] and "table-bordered" in table["class"]
    assert table["caption"] == "Cap <i>"  # text, escaped in the markup: no element of its own
    assert table["headers"] == ["a", "b"]  # each with scope=col (checked by the parser)
    assert table["rows"] == [["1", "x"], ["N/A", "<b>&y"]]
    assert table["classes"] == [[None, None], ["na", None]]
    markup = region.children.children
    assert "<b>" not in markup and "&lt;b&gt;&amp;y" in markup and "<i>" not in markup
    assert _json(region)["props"]["aria-label"] == "Cap <i>"


def test_guarded_layout_shows_the_error_panel_and_logs_with_the_page_logger(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sections, "current_lang", lambda: "en")
    seen: dict[str, str] = {}

    def build(**query: str) -> html.Div:
        seen.update(query)
        if query.get("fail"):
            raise common.WarehouseError("cannot open")
        return html.Div(id="ok")

    log = logging.getLogger("dashboard.pages.fake")
    layout = sections.guarded_layout(build, log)
    assert layout(wave="2025").id == "ok" and seen == {"wave": "2025"}
    with caplog.at_level(logging.ERROR, logger="dashboard.pages.fake"):
        panel = layout(fail="1")
    assert panel.role == "alert" and panel.children.color == "danger"
    assert [r.getMessage() for r in caplog.records] == ["dashboard.pages.fake: warehouse unavailable"]
    assert caplog.records[0].name == "dashboard.pages.fake" and caplog.records[0].exc_info


def test_download_reply_passes_data_through_and_refusals_keep_the_download(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dashboard.exports as exports

    calls: list[tuple[Any, ...]] = []

    def fake(name: str, df: pd.DataFrame, fmt: str, filters: Filters, scope: Scope, lang: str) -> Any:
        calls.append((name, fmt, lang))
        return ({"content": "x"}, None) if fmt == "csv" else (None, "refused")

    monkeypatch.setattr(exports, "download_or_message", fake)
    scope = Scope(role="planner", user="t", agencies=None, min_cell=1)
    df = pd.DataFrame({"a": [1]})
    assert sections.download_reply("p", df, "csv", Filters(), scope, "en") == ({"content": "x"}, "")
    assert sections.download_reply("p", df, "xlsx", Filters(), scope, "en") == (dash.no_update, "refused")
    assert calls == [("p", "csv", "en"), ("p", "xlsx", "en")]


def test_download_dependencies_wire_button_format_table_page_controls_then_filters() -> None:
    gf = {"type": comp.FILTER_ID_TYPE, "field": dash.ALL}
    deps = sections.download_dependencies(P, gf, ("kind", "by"))
    kinds = [type(d).__name__ for d in deps]
    assert kinds == ["Output", "Output", "Input", "State", "State", "State", "State", "State", "State"]
    pairs = [(d.component_id, d.component_property) for d in deps]
    assert pairs == [
        ("tst-download", "data"),
        ("tst-dl-msg", "children"),
        ("tst-download-btn", "n_clicks"),
        ("tst-download-format", "value"),
        ("tst-dl-table", "value"),
        ("tst-kind", "value"),
        ("tst-by", "value"),
        (gf, "value"),
        (gf, "id"),
    ]


def test_download_tail_names_tables_by_their_section_titles_and_ends_with_the_suppression_note() -> None:
    from dashboard.i18n import t

    picker, note = sections.download_tail(
        P, "badges", "en", ("km", "monthly"), {"km": "km", "monthly": "monthly"}, "km", False
    )
    select = picker.children[1]
    assert [o["value"] for o in select.options] == ["km", "monthly"]
    assert [o["label"] for o in select.options] == [
        t("badges.section_km", "en"),
        t("badges.section_monthly", "en"),
    ]
    assert picker.children[0].children == t("badges.download_what", "en") and select.value == "km"
    assert (
        note.children == t("badges.measure.suppression", "en") and note.className == "small text-muted mt-3"
    )


def test_record_table_keeps_every_row_with_a_hidden_caption() -> None:
    from dashboard import components

    df = pd.DataFrame({"id": ["S1", "S2"], "note": [None, "<x>"]}, dtype=object)
    markup = components.record_table(df, "Staff", "staff-table")
    (table,) = tables_in(markup)
    assert table["id"] == "staff-table" and table["caption"] == "Staff"
    assert table["headers"] == ["id", "note"]
    assert table["rows"] == [["S1", ""], ["S2", "<x>"]]
    assert '<caption class="visually-hidden">' in markup.children and "&lt;x&gt;" in markup.children


def test_record_table_shows_every_kind_of_missing_value_empty() -> None:
    """pandas' missing values (NaN in floats, <NA> in strings and integers, NaT in dates) are
    empty cells, never the text 'nan', '<NA>' or 'NaT'; zero and False stay."""
    from dashboard import components

    df = pd.DataFrame(
        {
            "name": pd.array(["A", None], dtype="string"),
            "score": [1.5, float("nan")],
            "n": pd.array([0, None], dtype="Int64"),
            "on": pd.to_datetime(["2025-01-02", None]),
            "ok": [False, True],
        }
    )
    (table,) = tables_in(components.record_table(df, "Staff", "staff-table"))
    assert table["rows"] == [["A", "1.5", "0", "2025-01-02 00:00:00", "False"], ["", "", "", "", "True"]]
