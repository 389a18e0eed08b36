"""dashboard.cache.callback_cache / layout_cache: what enters the key, and that hits equal misses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import dash
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from dash import html
from flask import Flask
from plotly.io.json import to_json_plotly

from dashboard import cache
from dashboard.scope import Scope
from dashboard.settings import Settings

HR_C = Scope(role="agency_hr", user="hr-c", agencies=("C3005",))
HR_K = Scope(role="agency_hr", user="hr-k", agencies=("K0501",))
PLANNER = Scope(role="planner", user="p", agencies=None)
IDS = [{"type": "gf", "field": f} for f in ("wave", "agency", "tier", "group_by")]


class FakeWarehouse:
    def __init__(self) -> None:
        self.version = "v1"

    def data_version(self) -> str:
        return self.version

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        assert name == "common_waves", name
        return pd.DataFrame({"wave": ["2026", "2025"]})

    def reference(self, name: str, **params: Any) -> pd.DataFrame:
        return self.query(name, **params)


class World:
    """A Flask app with the Simple cache, a fake warehouse and a switchable viewer."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from dashboard.services import common

        self.server = Flask("cb-cache-test")
        cache.init_cache(self.server, Settings(secret_key="k" * 40))
        cache.clear_cache()
        self.warehouse = FakeWarehouse()
        self.scope = PLANNER
        monkeypatch.setattr("dashboard.db.get_warehouse", lambda: self.warehouse)
        monkeypatch.setattr(common, "get_warehouse", lambda: self.warehouse)
        monkeypatch.setattr(common, "current_scope", lambda: self.scope)
        self.calls: list[tuple[Any, ...]] = []

    def request(self, lang: str = "en", cal: str = "gregorian") -> Any:
        return self.server.test_request_context("/", headers={"Cookie": f"lang={lang}; cal={cal}"})


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    saved = cache._backend  # another module's app may have configured the process-wide cache
    w = World(monkeypatch)
    yield w
    cache.clear_cache()
    cache._backend = saved


def _render(world: World) -> Any:
    """A callback whose output shows what it was computed for (scope, resolved filters, language)."""
    from dashboard.components import filters_from_values
    from dashboard.i18n import current_lang
    from dashboard.services import common

    @cache.callback_cache
    def render(values: list[Any], extra: str, ids: list[dict[str, str]]) -> tuple[Any, ...]:
        scope = common.current_scope()
        f = common.resolve(scope, filters_from_values(ids, values))
        world.calls.append((scope.user, f.agency, f.wave, extra, current_lang()))
        fig = go.Figure(go.Bar(x=[1, 2], y=[f.agency or "all", extra]))
        return fig, html.P(f"{scope.user}|{f.agency}|{f.wave}|{current_lang()}"), len(world.calls)

    return render


def _vals(agency: str | None = None, wave: str | None = None, group_by: str = "tier") -> list[Any]:
    return [wave or "all", agency or "all", "all", group_by]


def _json(value: Any) -> Any:
    return json.loads(to_json_plotly(value))


def test_three_viewers_never_share_an_entry(world: World) -> None:
    render = _render(world)
    outs = {}
    for scope in (HR_C, HR_K, PLANNER):
        world.scope = scope
        with world.request():
            outs[scope.user] = _json(render(_vals(), "x", IDS))
    assert len(world.calls) == 3
    texts = {u: o[1]["props"]["children"] for u, o in outs.items()}
    assert texts == {"hr-c": "hr-c|None|2026|en", "hr-k": "hr-k|None|2026|en", "p": "p|None|2026|en"}
    # Each viewer now hits their own entry: no new computation, their own text back.
    for scope in (HR_C, HR_K, PLANNER):
        world.scope = scope
        with world.request():
            again = render(_vals(), "x", IDS)
        assert again[1]["props"]["children"] == texts[scope.user]
    assert len(world.calls) == 3


def test_miss_and_hit_answer_the_same_plain_json(world: World) -> None:
    """A miss is serialized once, stored, and answered decoded: the same plain dicts a hit gives."""
    render = _render(world)
    with world.request():
        miss = render(_vals(), "x", IDS)
        hit = render(_vals(), "x", IDS)
        plain = render.uncached(_vals(), "x", IDS)
    assert len(world.calls) == 2  # the miss and the uncached call; the hit computed nothing
    assert isinstance(miss[0], dict) and isinstance(hit[0], dict) and isinstance(plain[0], go.Figure)
    assert miss == hit
    assert _json(plain)[:2] == hit[:2]  # the counter (3rd output) counts the extra uncached call
    assert hit[0]["data"][0]["y"] == ["all", "x"]


def test_forged_agency_hits_the_clamped_entry(world: World) -> None:
    render = _render(world)
    world.scope = HR_C
    with world.request():
        own = render(_vals(), "x", IDS)  # agency 'all' -> clamped filters (agency None)
        forged = render(_vals(agency="K0501"), "x", IDS)  # another viewer's agency
    assert len(world.calls) == 1
    assert _json(forged) == _json(own)
    assert "K0501" not in to_json_plotly(forged)
    # The viewer's own agency is a different (narrower) selection: its own entry.
    with world.request():
        mine = render(_vals(agency="C3005"), "x", IDS)
    assert len(world.calls) == 2 and "C3005" in to_json_plotly(mine)


def test_resolved_wave_shares_the_entry_and_inputs_split_it(world: World) -> None:
    render = _render(world)
    with world.request():
        render(_vals(), "x", IDS)
        render(_vals(wave="2026"), "x", IDS)  # the latest wave, made explicit: same filters
        render(_vals(wave="1999"), "x", IDS)  # unknown wave resolves to the latest too
        assert len(world.calls) == 1
        render(_vals(wave="2025"), "x", IDS)
        render(_vals(), "y", IDS)  # another argument
        render(_vals(group_by="agency"), "x", IDS)  # a panel field that is not a Filters field
    assert len(world.calls) == 4


def test_new_data_version_misses(world: World) -> None:
    render = _render(world)
    with world.request():
        render(_vals(), "x", IDS)
        render(_vals(), "x", IDS)
        world.warehouse.version = "v2"
        render(_vals(), "x", IDS)
    assert len(world.calls) == 2


def test_language_and_calendar_are_part_of_the_key(world: World) -> None:
    render = _render(world)
    with world.request(lang="en"):
        en = render(_vals(), "x", IDS)
    with world.request(lang="zh-TW"):
        zh = render(_vals(), "x", IDS)
    with world.request(lang="en", cal="roc"):
        render(_vals(), "x", IDS)
    assert len(world.calls) == 3
    assert _json(en)[1]["props"]["children"].endswith("|en")
    assert _json(zh)[1]["props"]["children"].endswith("|zh-TW")


def test_disabled_cache_gives_the_same_output(world: World) -> None:
    render = _render(world)
    with world.request():
        cached_miss = _json(render(_vals(), "x", IDS))
        cached_hit = render(_vals(), "x", IDS)
    cache.disable_cache()
    with world.request():
        plain = render(_vals(), "x", IDS)
        plain_again = render(_vals(), "x", IDS)
    assert isinstance(plain[0], go.Figure)  # straight through: the function's own objects
    # Identical apart from the call counter (the third output) that shows it was recomputed.
    assert _json(plain)[:2] == cached_miss[:2] == cached_hit[:2]
    assert (cached_miss[2], cached_hit[2], plain[2], plain_again[2]) == (1, 1, 2, 3)


def test_no_update_outputs_are_not_stored(world: World) -> None:
    calls: list[int] = []

    @cache.callback_cache(filters=None)
    def cb(x: int) -> tuple[Any, Any]:
        calls.append(x)
        return dash.no_update, x

    with world.request():
        assert cb(1)[0] is dash.no_update
        assert cb(1)[0] is dash.no_update
    assert calls == [1, 1]


def test_without_panel_every_argument_is_keyed(world: World) -> None:
    calls: list[tuple[Any, ...]] = []

    @cache.callback_cache(filters=None)
    def cb(*values: Any) -> list[Any]:
        calls.append(values)
        return list(values)

    with world.request():
        assert cb("a", None) == ["a", None]
        assert cb("a", None) == ["a", None]
        assert cb("b", None) == ["b", None]
        world.scope = HR_C
        assert cb("a", None) == ["a", None]
    assert calls == [("a", None), ("b", None), ("a", None)]


def test_layout_cache_clamps_the_url_agency_and_keys_other_parameters(world: World) -> None:
    from dashboard.filters import Filters
    from dashboard.services import common

    seen: list[dict[str, str]] = []

    @cache.layout_cache
    def layout(**query: str) -> html.Div:
        seen.append(query)
        f = common.resolve(common.current_scope(), Filters.from_query(query))
        return html.Div(f"{f.agency}|{query.get('group_by')}")

    world.scope = HR_C
    with world.request():
        base = layout()
        forged = layout(agency="K0501")
        other = layout(group_by="agency")
    assert len(seen) == 2
    assert forged == _json(base) and forged["props"]["children"] == "None|None"
    assert other["props"]["children"] == "None|agency"
    world.scope = HR_K
    with world.request():
        layout()
    assert len(seen) == 3


def test_key_failure_computes_instead(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.services import common

    def broken() -> Scope:
        raise RuntimeError("no session")

    render = _render(world)
    monkeypatch.setattr(common, "current_scope", broken)
    with world.request(), pytest.raises(RuntimeError):
        render(_vals(), "x", IDS)  # the callback's own error, not a cached or shared answer


@pytest.mark.parametrize(
    "make",
    [
        lambda: (
            go.Figure(go.Scatter(x=np.array(["2025-01-01", "2025-02-01"], dtype="datetime64[us]"), y=[1, 2])),
            html.Div([html.Table([html.Tr([html.Td("a"), html.Td(1.5)])])]),
        ),
        lambda: {"data": [{"x": np.array(["2025-01-01"], dtype="datetime64[us]"), "y": np.array([np.nan])}]},
        lambda: go.Figure(go.Bar(x=np.array(["2025-03-01"], dtype="datetime64[us]"), y=np.array([3]))),
        lambda: [html.P(np.int64(7)), {"n": np.float64(np.nan), "k": np.array(["x", None], dtype=object)}],
        lambda: [html.Span(str(i)) for i in range(3)] + [{"d": Decimal("1.25")}],
        lambda: {1: "int key", "s": [np.bool_(True), np.datetime64("2025-01-02T03:04:05")]},
    ],
)
def test_output_json_is_plotlys_json(make: Any) -> None:
    """The fast encoder gives exactly plotly's JSON (what Dash sends), date formats included."""

    assert json.loads(cache.output_json(make())) == json.loads(to_json_plotly(make()))


def test_local_outputs_keep_the_newest_within_their_byte_budget() -> None:
    local = cache._LocalLRU(max_bytes=2000)  # entries above 2000/16 = 125 bytes are not kept
    for i in range(20):
        local.put(f"k{i}", str(i % 10) * 100)  # exactly the budget
    assert local.get("k0") == "0" * 100  # k0 is now the most recently used
    local.put("k20", "x" * 100)  # over budget: the least recently used (k1) goes
    assert local.get("k1") is None and local.get("k0") and local.get("k20") and len(local) == 20
    local.put("big", "w" * 126)
    assert local.get("big") is None
    local.clear()
    assert len(local) == 0 and local.get("k0") is None


def test_a_local_hit_needs_no_backend_round_trip(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    render = _render(world)
    gets: list[str] = []
    real_get = cache._backend.get
    monkeypatch.setattr(cache._backend, "get", lambda key: gets.append(key) or real_get(key))
    with world.request():
        miss = render(_vals(), "x", IDS)
        n_gets = len(gets)
        hit = render(_vals(), "x", IDS)
    assert hit == miss and len(world.calls) == 1
    assert not [k for k in gets[n_gets:] if k.startswith("out:")], "served from the worker's own copy"
    cache._local.clear()  # another worker: no local copy, the shared backend answers
    with world.request():
        assert render(_vals(), "x", IDS) == miss
    assert len(world.calls) == 1 and [k for k in gets[n_gets:] if k.startswith("out:")]
