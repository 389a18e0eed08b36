"""pages2 pages without a browser: layouts render in both languages and callbacks show the
services' numbers (tiny hand-made warehouse of test_pages2_tiny)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dashboard.figures.ai_gap import as_graph
from dashboard.scope import Scope
from tests.integration.test_pages2_tiny import _build

OPEN = Scope(role="planner", user="t", agencies=None, min_cell=1)
FIELDS = ("wave", "gov_level", "agency", "tier", "workgroup", "personnel_type", "weighted")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp = tmp_path_factory.mktemp("pages2_app")
    _build(tmp / "tiny.duckdb")
    from dashboard.app import create_app
    from dashboard.settings import Settings

    settings = Settings(
        env="development",
        warehouse_path=tmp / "tiny.duckdb",
        secret_key="pages2-test-" + "x" * 32,
        users_file=tmp / "users.json",
        audit_log_path=tmp / "audit.jsonl",
        demo_accounts=True,
    )
    yield create_app(settings)


@pytest.fixture(autouse=True)
def planner(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.services import common

    monkeypatch.setattr(common, "current_scope", lambda: OPEN)


def _gf(fields: tuple[str, ...], weighted: str = "0") -> tuple[list[str], list[dict[str, str]]]:
    values = ["all"] * len(fields)
    if "weighted" in fields:
        values[fields.index("weighted")] = weighted
    return values, [{"type": "gf", "field": f} for f in fields]


def dash_no_update() -> Any:
    import dash

    return dash.no_update


def _text(component: Any) -> str:
    return str(component.to_plotly_json()) if hasattr(component, "to_plotly_json") else str(component)


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_layouts_render_in_both_languages(app: Any, lang: str) -> None:
    from dashboard.pages import ai_gap, badges, summary

    expected = {
        "zh-TW": ("AI 能力落差", "徽章與證照推動", "執行摘要", "Borich 平均加權落差分數"),
        "en": (
            "AI-readiness gap",
            "Badge and certification uptake",
            "Executive summary",
            "Borich's mean weighted",
        ),
    }[lang]
    with app.server.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        texts = [_text(m.layout()) for m in (ai_gap, badges, summary)]
    assert expected[0] in texts[0] and expected[3] in texts[0]
    assert expected[1] in texts[1]
    assert expected[2] in texts[2]
    assert "aig-gap" in texts[0] and "bdg-km" in texts[1] and "sum-body" in texts[2]


def test_ai_gap_callbacks_show_service_numbers(app: Any) -> None:
    from dashboard.pages import ai_gap

    values, ids = _gf(FIELDS)
    with app.server.test_request_context("/", headers={"Cookie": "lang=en"}):
        gap_fig, gap_table, note = ai_gap._update_gap(values, "national", ids)
        mention_fig, _ = ai_gap._update_mention(values, "national", ids)
        borich_fig, _ = ai_gap._update_borich(values, "2025-10", "national", ids)
        ipa_fig = ai_gap._update_ipa(values, "2025-10", ids)
        att_fig, _ = ai_gap._update_attitudes(values, "2025-10", "national", ids)
        earn_fig, earn_table = ai_gap._update_earners(values, "national", ids)
    # the page's figures are plotly figure dicts: read them as graph objects
    gap_fig, mention_fig, borich_fig, ipa_fig, att_fig, earn_fig = map(
        as_graph, (gap_fig, mention_fig, borich_fig, ipa_fig, att_fig, earn_fig)
    )
    assert list(gap_fig.data[0].x) == [-1]  # 2026: AI literacy rank 1 against target 2
    assert "2026" in note and "2025" in note
    assert [list(tr.y) for tr in mention_fig.data] == [[0.5], [0.75]]
    assert list(borich_fig.data[0].x) == pytest.approx([4 / 3, 16 / 3])  # ascending: hpc, literacy
    # crosshairs at the grand means of the points: proficiency (8/3 + 4/3)/2 = 2, importance 3
    shapes = ipa_fig.layout.shapes
    assert shapes[0].x0 == pytest.approx(2.0) and shapes[1].y0 == pytest.approx(3.0)
    assert list(att_fig.data[0].y) == [4.0]
    assert sorted(float(tr.y[0]) for tr in earn_fig.data) == [0.0, 1.0]
    assert "Cross-boundary" not in _text(gap_table)  # only AI items
    assert "AI literacy" in _text(gap_table)


def _badge_figure(plain: Any) -> Any:
    """A /badges callback's plain figure dict as a go.Figure, typed arrays decoded."""
    import base64

    import numpy as np
    import plotly.graph_objects as go

    def decode(v: Any) -> Any:
        if isinstance(v, dict) and "bdata" in v:
            arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
            return arr.reshape([int(x) for x in v["shape"].split(",")]) if "shape" in v else arr
        if isinstance(v, dict):
            return {k: decode(x) for k, x in v.items()}
        if isinstance(v, list):
            return [decode(x) for x in v]
        return v

    assert isinstance(plain, dict) and set(plain) == {"data", "layout"}
    return go.Figure(decode(plain))


def test_badges_callbacks_show_service_numbers(app: Any) -> None:
    from dashboard.pages import badges

    values, ids = _gf(badges.FIELDS)
    with app.server.test_request_context("/"):
        monthly_fig, _ = badges._update_monthly(values, "all", ids)
        trend_fig, trend_table = badges._update_trend(values, "all", ids)
        by_fig, by_table = badges._update_coverage_by(values, "all", "badge", ids)
        km_fig, _ = badges._update_km(values, "national", ids)
        funnel_fig, _ = badges._update_funnel(values, ids)
        supply_fig, supply_table = badges._update_supply(values, ids)
        expiring = badges._update_expiring(values, ids)
    monthly_fig, trend_fig, by_fig, km_fig, funnel_fig = map(
        _badge_figure, (monthly_fig, trend_fig, by_fig, km_fig, funnel_fig)
    )
    assert _badge_figure(supply_fig).layout.template.layout.plot_bgcolor == "white"  # plotly_white
    issued = next(tr for tr in monthly_fig.data if tr.name == "核發")
    assert list(issued.y) == [1, 1, 2, 1]
    assert list(trend_fig.data[0].y)[-1] == pytest.approx(2 / 3)
    assert sorted(by_fig.data[0].x) == pytest.approx([1 / 3, 2 / 3])
    assert "名稱-badge_mod1_intro" in _text(by_table)  # catalog names from the warehouse, not codes
    assert list(km_fig.data[1].y) == pytest.approx([0.25, 0.5, 0.75])
    assert list(funnel_fig.data[0].x) == [2, 1, 0]
    assert "2026-08-31" in _text(expiring)
    assert "AI 素養" in _text(supply_table)


def test_summary_body_lists_headlines_and_findings(app: Any) -> None:
    from dashboard.pages import summary

    values, ids = _gf(summary.FIELDS)
    with app.server.test_request_context("/", headers={"Cookie": "lang=en"}):
        heads = _text([cb(values, ids) for cb in summary.HEADLINE_CALLBACKS.values()])
        parts = [cb(values, ids) for cb in summary.FINDING_CALLBACKS.values()]
        meta = _text(summary._meta(values, ids))
    assert "AI mention rate (latest wave)" in heads and "75.0%" in heads and "+25.0 pp vs 2025" in heads
    assert "sum-kpi-mention_rate" in heads
    # every part answers the same filters; the browser lists their items in part order
    assert len({p["for"] for p in parts}) == 1
    texts = [text for p in parts for text, _ in p["items"]]
    assert any("Cross-boundary management" in x for x in texts)  # 'ranks last in every tier'
    assert all(numbers.startswith("Numbers behind it: ") for p in parts for _, numbers in p["items"])
    assert "Generated " in meta and "Filters: " in meta and "2026" in meta  # the resolved wave


def test_downloads_go_through_send_export_and_the_audit_log(app: Any) -> None:
    import base64
    import json

    from dashboard.pages import ai_gap, badges

    values, ids = _gf(FIELDS)
    with app.server.test_request_context("/"):
        payload, message = ai_gap._download(
            1, "csv", "mention", "national", "national", "national", None, values, ids
        )
        bvalues, bids = _gf(badges.FIELDS)
        bpayload, _ = badges._download(1, "xlsx", "expiring", "all", "gov_level", "national", bvalues, bids)
    assert message == ""
    text = base64.b64decode(payload["content"]).decode("utf-8-sig")
    assert "0.75" in text and "0.5" in text  # the mention rates of the two waves
    assert payload["filename"].endswith(".csv")
    assert bpayload["filename"].endswith(".xlsx")
    audit = app.server.config["DASHBOARD_SETTINGS"].audit_log_path
    events = [json.loads(line) for line in open(audit, encoding="utf-8")]
    pages = [e.get("page") for e in events if e.get("event") == "export"]
    assert "ai-gap-mention" in pages and "badges-expiring" in pages


def test_executives_may_not_download(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.pages import ai_gap
    from dashboard.services import common

    monkeypatch.setattr(common, "current_scope", lambda: Scope(role="executive", user="e", agencies=None))
    values, ids = _gf(FIELDS)
    with app.server.test_request_context("/"):
        payload, message = ai_gap._download(
            1, "csv", "gap", "national", "tier", "national", None, values, ids
        )
    assert payload is dash_no_update() and message


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


def test_english_pages_have_no_chinese_text(app: Any) -> None:
    import json

    import plotly

    from dashboard.pages import ai_gap, badges, summary

    values, ids = _gf(FIELDS)
    bvalues, bids = _gf(badges.FIELDS)
    svalues, sids = _gf(summary.FIELDS)
    with app.server.test_request_context("/", headers={"Cookie": "lang=en"}):
        trees = [m.layout() for m in (ai_gap, badges, summary)]
        trees += [
            ai_gap._update_gap(values, "gov_level", ids),
            ai_gap._update_mention(values, "tier", ids),
            ai_gap._update_borich(values, "2026-06", "tier", ids),
            ai_gap._update_ipa(values, "2026-06", ids),
            ai_gap._update_attitudes(values, "2026-06", "tier", ids),
            ai_gap._update_earners(values, "tier", ids),
            badges._update_monthly(bvalues, "all", bids),
            badges._update_trend(bvalues, "all", bids),
            badges._update_coverage_by(bvalues, "all", "route", bids),
            badges._update_km(bvalues, "tier", bids),
            badges._update_funnel(bvalues, bids),
            badges._update_supply(bvalues, bids),
            badges._update_expiring(bvalues, bids),
            summary._meta(svalues, sids),
            *[cb(svalues, sids) for cb in summary.HEADLINE_CALLBACKS.values()],
            *[cb(svalues, sids) for cb in summary.FINDING_CALLBACKS.values()],
            summary._gap(svalues, sids),
            summary._coverage(svalues, sids),
        ]
    texts = _strings(json.loads(json.dumps(trees, cls=plotly.utils.PlotlyJSONEncoder)))
    # the tiny warehouse names badges 名稱-<code> in Chinese only for name_zh: English uses name_en
    cjk = sorted({s for s in texts if any("\u4e00" <= ch <= "\u9fff" for ch in s.replace("中文", ""))})
    assert cjk == []
