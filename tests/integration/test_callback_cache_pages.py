"""Rendered-output cache on the demo warehouse: the /priority callbacks and layout per viewer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
from plotly.io.json import to_json_plotly

from dashboard import cache as cache_mod
from dashboard.scope import Scope

HR_C = Scope(role="agency_hr", user="hr-c", agencies=("C3005",))
HR_K = Scope(role="agency_hr", user="hr-k", agencies=("K0501",))
PLANNER = Scope(role="planner", user="p", agencies=None)
FIELDS = ("wave", "gov_level", "agency", "tier", "workgroup", "personnel_type", "weighted", "group_by")


@pytest.fixture(scope="module")
def app_backend(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    from dashboard import db
    from dashboard.app import create_app
    from dashboard.settings import Settings

    tmp = tmp_path_factory.mktemp("cb_cache")
    saved = cache_mod._backend
    application = create_app(
        Settings(
            env="development",
            warehouse_path=demo_warehouse,
            secret_key="cb-cache-test-" + "x" * 32,
            users_file=tmp / "users.json",
            audit_log_path=tmp / "audit.jsonl",
            demo_accounts=True,
        )
    )
    db.configure(demo_warehouse)
    backend = cache_mod._backend
    assert backend is not None
    yield application, backend
    cache_mod.clear_cache()
    cache_mod._backend = saved


@pytest.fixture
def app(app_backend: tuple[Any, Any]) -> Iterator[Any]:
    """The app with its own Simple cache, emptied (other modules disable or share the cache)."""
    application, backend = app_backend
    saved = cache_mod._backend
    cache_mod._backend = backend
    cache_mod.clear_cache()
    yield application
    cache_mod._backend = saved


def _panel(agency: str | None = None, group_by: str = "tier") -> tuple[list[Any], list[dict[str, str]]]:
    values: list[Any] = ["all", "all", agency or "all", "all", "all", "all", "1", group_by]
    return values, [{"type": "gf", "field": f} for f in FIELDS]


def _call(app: Any, scope: Scope, fn: Any, *args: Any, lang: str = "en", **kwargs: Any) -> Any:
    with app.server.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        flask.g.dashboard_scope = scope
        return fn(*args, **kwargs)


def _uncached_bars() -> Any:
    from dashboard.pages import priority

    return priority._update_bars.uncached  # type: ignore[attr-defined]


def _json(value: Any) -> Any:
    return json.loads(to_json_plotly(value))


def _entries(app: Any) -> int:
    """Rendered outputs in the (Simple) cache."""
    backend = cache_mod._backend
    return sum(1 for key in backend._cache if str(key).startswith("out:"))


def test_three_viewers_get_their_own_bars(app: Any) -> None:
    from dashboard.pages import priority

    values, ids = _panel()
    outs = {}
    for scope in (HR_C, HR_K, PLANNER):
        stored = _entries(app)
        miss = _call(app, scope, priority._update_bars, "basic", values, ids)
        assert _entries(app) == stored + 1, "the first call computes and stores"
        hit = _call(app, scope, priority._update_bars, "basic", values, ids)
        assert _entries(app) == stored + 1, "the second call is a hit"
        plain = _call(app, scope, _uncached_bars(), "basic", values, ids)
        assert miss == hit == _json(plain)
        outs[scope.user] = hit
    # Different agencies (and the national view) show different numbers: no shared entry.
    assert outs["hr-c"] != outs["hr-k"] != outs["p"] != outs["hr-c"]
    assert outs["hr-c"][0]["data"][0]["x"] != outs["hr-k"][0]["data"][0]["x"]


def test_forged_agency_gets_the_viewers_own_entry(app: Any) -> None:
    from dashboard.pages import priority

    own_values, ids = _panel()
    forged_values, _ = _panel(agency="K0501")
    own = _call(app, HR_C, priority._update_bars, "basic", own_values, ids)
    stored = _entries(app)
    forged = _call(app, HR_C, priority._update_bars, "basic", forged_values, ids)
    assert _entries(app) == stored, "the forged request is served from the clamped entry"
    assert forged == own
    k_view = _call(app, HR_K, _uncached_bars(), "basic", own_values, ids)
    assert forged[0]["data"][0]["x"] != _json(k_view)[0]["data"][0]["x"]


def test_main_callback_and_layout_are_cached_per_language(app: Any) -> None:
    from dashboard.pages import priority

    values, ids = _panel()
    en = _call(app, PLANNER, priority._update_main, values, ids, lang="en")
    zh = _call(app, PLANNER, priority._update_main, values, ids, lang="zh-TW")
    assert _json(en)[0]["data"][0]["z"] == _json(zh)[0]["data"][0]["z"]
    assert _json(en)[0]["data"][0]["y"] != _json(zh)[0]["data"][0]["y"]  # labels translated
    again = _call(app, PLANNER, priority._update_main, values, ids, lang="zh-TW")
    assert again == _json(zh)
    first = _call(app, HR_C, priority.layout, agency="K0501")
    second = _call(app, HR_C, priority.layout)
    assert isinstance(second, dict) and second == _json(first)
    assert "K0501" not in json.dumps(second)
