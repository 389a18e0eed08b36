"""The shell's pages render server-side in both languages, with catalog labels (never raw codes),
N next to the figures, and the app shell (lang attribute, navbar by role, footer)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import plotly.utils
import pytest

from dashboard.filters import Filters
from dashboard.i18n import reference_codes
from dashboard.scope import Scope
from tests.fixtures.test_shell_warehouse import small_app
from tests.markup import is_markup, markup_texts

PLANNER = Scope(role="planner", user="p", agencies=None)
EXEC = Scope(role="executive", user="e", agencies=None)
CODES = set(reference_codes("competency")) | {"basic", "middle", "senior", "central", "municipal", "county"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with small_app(tmp_path_factory.mktemp("pages"), n_per_wave=300, secret_key="s" * 40) as application:
        yield application


def _texts(node: Any) -> Iterator[str]:
    """Every visible string of a serialised Dash tree: children text and figure axis labels."""
    if isinstance(node, dict):
        props = node.get("props", {})
        if "figure" in props and isinstance(props["figure"], dict):
            for trace in props["figure"].get("data", []):
                for axis in ("x", "y"):
                    vals = trace.get(axis)
                    if isinstance(vals, list):
                        yield from (v for v in vals if isinstance(v, str))
        children = props.get("children")
        if is_markup(children):
            yield from markup_texts(children)
        elif isinstance(children, str):
            yield children
        else:
            yield from _texts(children)
        for key in ("label",):
            if isinstance(props.get(key), str):
                yield props[key]
        for opt in props.get("options") or []:
            if isinstance(opt, dict) and isinstance(opt.get("label"), str):
                yield opt["label"]
    elif isinstance(node, list):
        for child in node:
            if isinstance(child, str):
                yield child
            else:
                yield from _texts(child)


def render(app: Any, module: str, scope: Scope, lang: str, **query: str) -> tuple[list[str], str]:
    import importlib

    page = importlib.import_module(f"dashboard.pages.{module}")
    with app.server.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        flask.g.dashboard_scope = scope
        tree = json.loads(json.dumps(page.layout(**query), cls=plotly.utils.PlotlyJSONEncoder))
    texts = list(_texts(tree))
    return texts, " ".join(texts)


def render_report_tables(app: Any, scope: Scope, lang: str) -> tuple[list[str], str]:
    """/report-tables as the browser shows it: the layout (a skeleton), then what its summary and
    table callbacks put in it on the first call."""
    from dashboard.pages import report_tables as page

    texts, _ = render(app, "report_tables", scope, lang)
    with app.server.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        flask.g.dashboard_scope = scope
        outputs: list[Any] = [
            page.summary_rows(scope, Filters(), part, lang) for part in ("scopes", "workgroups")
        ]
        outputs += [page.table_outputs(scope, Filters(), number, lang) for number in page.TABLES]
        tree = json.loads(json.dumps(outputs, cls=plotly.utils.PlotlyJSONEncoder))
    texts += list(_texts(tree))
    return texts, " ".join(texts)


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
@pytest.mark.parametrize("module", ["priority", "report_tables", "data_status"])
def test_page_renders_with_labels_not_codes(app: Any, module: str, lang: str) -> None:
    if module == "report_tables":
        texts, joined = render_report_tables(app, PLANNER, lang)
    else:
        texts, joined = render(app, module, PLANNER, lang)
    assert texts, module
    raw = sorted({s for s in texts if s.strip() in CODES})
    assert raw == [], f"raw codes on screen: {raw}"
    if lang == "en":
        assert (
            not any("\u4e00" <= ch <= "\u9fff" for ch in joined.replace("中文", ""))
            or module == "report_tables"
        )


def render_priority(app: Any, lang: str, group_by: str, tier: str = "all") -> tuple[list[str], str]:
    """The /priority layout is a skeleton its callbacks fill on their initial call: render the
    layout and every data callback's outputs (filters as the layout's panel sends them)."""
    from dashboard.pages import priority as page

    fields = ("wave", "gov_level", "agency", "tier", "workgroup", "personnel_type", "weighted", "group_by")
    values: list[Any] = ["all", "all", "all", tier, "all", "all", "1", group_by]
    ids = [{"type": "gf", "field": f} for f in fields]
    with app.server.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        flask.g.dashboard_scope = PLANNER
        layout = page.layout(group_by=group_by, tier=tier)
        heat, table, kpi_groups = page._update_main.uncached(values, ids)
        options, value, _ = page._groups_outputs.uncached(values, ids, None)
        kpis, notes = page._update_n.uncached(values, ids)
        bars, bars_table, bars_n = page._update_bars.uncached(value, values, ids)
        _, a, _, b = page._update_compare_options.uncached("groups", options, value, ids, values)
        cmp_fig, cmp_table, note = page._update_compare.uncached(a, b, values, ids, "groups")
        figures = [{"props": {"figure": f, "options": options}} for f in (heat, bars, cmp_fig)]
        parts = [layout, table, kpi_groups, kpis, notes, bars_table, bars_n, cmp_table, note, *figures]
        tree = json.loads(json.dumps(parts, cls=plotly.utils.PlotlyJSONEncoder))
    texts = list(_texts(tree))
    return texts, " ".join(texts)


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_priority_callbacks_show_labels_not_codes(app: Any, lang: str) -> None:
    texts, joined = render_priority(app, lang, "gov_level")
    assert "N = " in joined
    raw = sorted({s for s in texts if s.strip() in CODES})
    assert raw == [], f"raw codes on screen: {raw}"
    if lang == "en":
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in joined.replace("中文", ""))


def test_priority_shows_n_and_ai_marks(app: Any) -> None:
    texts, joined = render_priority(app, "en", group_by="gov_level", tier="basic")
    assert "N = " in joined and "Central government" in joined
    assert any(s.startswith("★ ") for s in texts), "AI-related competencies are marked"
    assert "comparisons are made at once" in joined
    assert re.search(
        r"A: Central government \(N = [0-9,]+\); B: Special municipality \(N = [0-9,]+\)", joined
    )


def test_shell_layout_lang_navbar_and_footer(app: Any) -> None:
    from dashboard.app import shell_layout

    with app.server.test_request_context("/", headers={"Cookie": "lang=en; cal=roc"}):
        flask.g.dashboard_scope = EXEC
        tree = json.loads(json.dumps(shell_layout(), cls=plotly.utils.PlotlyJSONEncoder))
        html_text = app.interpolate_index(
            metas="", title="t", css="", config="", scripts="", app_entry="", favicon="", renderer=""
        )
    joined = " ".join(_texts(tree))
    assert tree["props"]["lang"] == "en" and '<html lang="en">' in html_text
    assert "Competency priority" in joined and "Data status" not in joined  # executives may not open it
    assert "Data version: 20261121T230000Z-test0001" in joined and "ROC 115-11-21 23:00" in joined
    with app.server.test_request_context("/"):
        flask.g.dashboard_scope = PLANNER
        joined = " ".join(_texts(json.loads(json.dumps(shell_layout(), cls=plotly.utils.PlotlyJSONEncoder))))
        assert "資料狀態" in joined and "資料版本" in joined


def test_serve_command_builds_demo_only_when_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dashboard.__main__ as main

    calls: list[list[str]] = []
    monkeypatch.setattr(main, "_run_etl", lambda args: calls.append(args))
    monkeypatch.setenv("ETL_PSEUDONYM_SECRET", "x")
    raw, db = tmp_path / "raw", tmp_path / "w.duckdb"
    main.ensure_demo_warehouse(raw, db)
    assert [c[0] for c in calls] == ["synth", "build"] and "--seed" in calls[0] and "2025" in calls[0]
    calls.clear()
    raw.mkdir()
    (raw / "manifest.json").write_text("{}")
    db.write_bytes(b"")
    main.ensure_demo_warehouse(raw, db)
    assert calls == []


def test_pages_degrade_to_a_message_without_a_warehouse(app: Any, tmp_path: Path) -> None:
    from dashboard import db

    original = app.server.config["DASHBOARD_SETTINGS"].warehouse_path
    db.configure(tmp_path / "absent.duckdb")
    try:
        for module in ("priority", "report_tables", "data_status"):
            _, joined = render(app, module, PLANNER, "en")
            assert "temporarily unavailable" in joined, module
    finally:
        db.configure(original)


def test_report_tables_mark_rank_mismatches(app: Any) -> None:
    from dashboard.services import report_tables

    layout_texts, _ = render(app, "report_tables", PLANNER, "en")
    assert not any(s.endswith(" ≠") for s in layout_texts), "the layout is a skeleton the callbacks fill"
    texts, joined = render_report_tables(app, PLANNER, "en")
    t19 = report_tables.report_table(PLANNER, report_tables.report_filters(PLANNER, Filters()), "national")
    shown = t19[t19["asked"] & t19["score"].notna()]
    mismatches = int((shown["rank"] != shown["published_rank"]).sum())
    assert mismatches > 0, "the random test warehouse should disagree with the report somewhere"
    table_19 = [s for s in texts if s.endswith(" ≠")]
    assert len(table_19) >= mismatches
    assert "Table 19. National" in joined and "N/A" in joined
