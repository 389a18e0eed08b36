"""/priority after the callback-speed round: the one-query estimates equal the pandas reference on
the sufficient statistics, comparisons are vectorised without changing a row, figure dicts are
the figures go.Figure would send, and the skeleton layout is filled by the callbacks."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.io.json import to_json_plotly

from dashboard import cache as cache_mod
from dashboard import db
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services import priority
from tests.fixtures.test_shell_warehouse import build_small_warehouse
from tests.markup import is_markup, markup_texts, tables_in

PLANNER = Scope(role="planner", user="p", agencies=None)
UNSUPPRESSED = Scope(role="planner", user="p", agencies=None, unsuppressed=True)
# The sufficient statistics the service once turned into estimates in pandas: the reference that
# priority_estimates_cube.sql (and several agencies' cells added up) must equal bit for bit.
PRIORITY_SCORES_SQL = Path(__file__).resolve().parent / "perf_plain" / "priority_scores.sql"
FIELDS = ("wave", "gov_level", "agency", "tier", "workgroup", "personnel_type", "weighted", "group_by")


@pytest.fixture(scope="module")
def wh_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_small_warehouse(tmp_path_factory.mktemp("s3prio") / "w.duckdb")


@pytest.fixture(autouse=True)
def configured(wh_path: Path) -> Iterator[None]:
    saved = cache_mod._backend
    cache_mod.disable_cache()
    db.configure(wh_path)
    yield
    cache_mod._backend = saved


def _reference(filters: Filters, group_by: str) -> pd.DataFrame:
    """The former pandas path: sufficient statistics -> estimates -> ranks -> catalog -> order."""
    wh = db.get_warehouse()
    params = filters.sql_params(PLANNER)
    params.update(agencies=None, group_by=group_by)
    sql = PRIORITY_SCORES_SQL.read_text(encoding="utf-8")
    stats = wh.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
    est = priority._with_rank(priority.estimates(stats, bool(filters.weighted)))
    cat = wh.query("priority_competencies")[["competency_code", "ai_related"]]
    est = est.merge(cat, on="competency_code", how="left")
    est["ai_related"] = est["ai_related"].fillna(False).astype(bool)
    est["category_order"] = est["category"].map(priority._CATEGORY_ORDER).fillna(9)
    cols = ["grp", "category", "competency_code", "ai_related", "n", *priority.SCORE_COLS, "k_min", "k_max"]
    out = est[[*cols, "category_order"]]
    return out.sort_values(
        ["grp", "category_order", "rank", "competency_code"], na_position="last"
    ).reset_index(drop=True)


@pytest.mark.parametrize("group_by", ["tier", "gov_level", "workgroup", "agency", "all"])
@pytest.mark.parametrize("weighted", [True, False])
def test_sql_estimates_equal_the_pandas_reference_bit_for_bit(group_by: str, weighted: bool) -> None:
    f = Filters(wave="2025", weighted=weighted)
    ours = priority._scores(PLANNER, f, group_by, None)
    ref = _reference(f, group_by)
    assert list(ours.columns) == list(ref.columns)
    assert len(ours) == len(ref) > 0
    for col in ref.columns:
        a, b = ours[col], ref[col]
        if b.dtype.kind == "f":
            assert np.array_equal(a.to_numpy("float64"), b.to_numpy("float64"), equal_nan=True), col
        else:
            assert a.astype(object).tolist() == b.astype(object).tolist(), col


def test_wave_comparison_is_per_tier_and_ordered() -> None:
    f = Filters(wave="2025", weighted=False)
    waves = priority.priority_compare_waves(UNSUPPRESSED, f, "2025", "2024")
    a = priority.priority_scores(UNSUPPRESSED, f.with_(wave="2025"), "tier")
    b = priority.priority_scores(UNSUPPRESSED, f.with_(wave="2024"), "tier")
    expected = []
    for tier in sorted(set(a["grp"]) & set(b["grp"])):
        part = priority.compare_frames(a[a["grp"] == tier], b[b["grp"] == tier])
        part.insert(0, "grp", tier)
        expected.append(part)
    ref = pd.concat(expected, ignore_index=True)
    assert list(waves.columns) == list(ref.columns)
    assert (
        waves[["grp", "competency_code"]].values.tolist() == ref[["grp", "competency_code"]].values.tolist()
    )
    assert np.allclose(waves["diff"], ref["diff"]) and (waves["excludes_zero"] == ref["excludes_zero"]).all()
    # Within a tier and category, the largest difference first.
    for _, part in waves.groupby(["grp", "category_order"]):
        assert list(part["diff"]) == sorted(part["diff"], reverse=True)


def _decode(node: Any) -> Any:
    """Plotly's typed arrays ({dtype, bdata, shape}) as plain lists, to compare figure JSON."""
    if isinstance(node, dict):
        if set(node) >= {"dtype", "bdata"}:
            arr = np.frombuffer(base64.b64decode(node["bdata"]), dtype=np.dtype(node["dtype"]))
            if "shape" in node:
                arr = arr.reshape([int(s) for s in str(node["shape"]).split(",")])
            return arr.astype("float64").tolist()
        return {k: _decode(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_decode(v) for v in node]
    if isinstance(node, float) and np.isnan(node):
        return None
    return node


def test_figure_dicts_are_what_go_figure_sends() -> None:
    from dashboard.figures import priority as figs

    texts = {"score": "S", "rank": "R", "diff": "D", "benchmark": "B", "no_data": "-", "suppressed": "h"}
    f = Filters(wave="2025")
    df = priority.priority_scores(PLANNER, f, "gov_level")
    labels = {c: c.upper() for c in df["competency_code"]}
    part = df[df["grp"] == "central"]
    built = [
        figs.heatmap(df, {"central": "C"}, labels, texts),
        figs.ranked_bars(part, labels, texts, benchmark=df[df["grp"] == "county"]),
        figs.ranked_bars(part.assign(score=np.nan), labels, texts, benchmark=part),
        figs.compare_chart(priority.priority_compare(PLANNER, f, "tier", "basic", "middle"), labels, texts),
        figs.empty_figure("nothing"),
    ]
    template = go.Figure().to_plotly_json()["layout"]["template"]
    for fig in built:
        assert isinstance(fig, dict) and fig["layout"]["template"] == template
        validated = go.Figure(fig)  # raises on any invalid property
        assert _decode(json.loads(to_json_plotly(fig))) == _decode(json.loads(to_json_plotly(validated)))


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        props = node.get("props", node)
        for key in ("children", "text", "label", "x", "y"):
            v = props.get(key) if isinstance(props, dict) else None
            if is_markup(v):
                yield from markup_texts(v)
            elif isinstance(v, str):
                yield v
            elif v is not None:
                yield from _texts(v)
        for key in ("data", "layout", "annotations", "figure", "options"):
            if isinstance(props, dict) and key in props:
                yield from _texts(props[key])
    elif isinstance(node, list):
        for v in node:
            yield from ([v] if isinstance(v, str) else _texts(v))


@pytest.fixture(scope="module")
def app(wh_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from dashboard.app import create_app
    from dashboard.settings import Settings

    tmp = tmp_path_factory.mktemp("s3app")
    saved = cache_mod._backend
    yield create_app(
        Settings(
            warehouse_path=wh_path,
            secret_key="s" * 40,
            users_file=tmp / "users.json",
            audit_log_path=tmp / "audit.jsonl",
            demo_accounts=True,
        )
    )
    cache_mod._backend = saved


def _call(app: Any, fn: Any, *args: Any, lang: str = "en", **kwargs: Any) -> Any:
    with app.server.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        flask.g.dashboard_scope = PLANNER
        return json.loads(to_json_plotly(fn(*args, **kwargs)))


def _find(node: Any, cid: str) -> dict[str, Any]:
    """The props of the component with id `cid` in a serialised layout."""
    if isinstance(node, dict):
        props = node.get("props", {})
        if props.get("id") == cid:
            return props
        for v in props.values():
            found = _find(v, cid)
            if found:
                return found
    elif isinstance(node, list):
        for v in node:
            found = _find(v, cid)
            if found:
                return found
    return {}


def test_skeleton_layout_and_callbacks_fill_it(app: Any) -> None:
    from dashboard.pages import priority as page

    cache_mod.disable_cache()
    tree = _call(app, page.layout, group_by="gov_level", tier="basic")
    layout = json.dumps(tree)
    # The layout carries no data: no figure, no N, no table rows; only the group choices.
    assert '"figure": ' not in layout and "N = " not in layout and "<tbody>" not in layout
    bars_group = _find(tree, "priority-bars-group")
    options = bars_group["options"]
    assert [o["value"] for o in options] == ["central", "municipal", "county"]
    assert [o["label"] for o in options][0] == "Central government"
    assert bars_group["value"] == "central"
    assert _find(tree, "priority-compare-a")["value"] == "central"
    assert _find(tree, "priority-compare-b")["value"] == "municipal"

    values: list[Any] = ["2025", "all", "all", "basic", "all", "all", "1", "gov_level"]
    ids = [{"type": "gf", "field": f} for f in FIELDS]
    fig, table, kpi_groups = _call(app, page._update_main.uncached, values, ids)
    # The heatmap's columns are the layout's choices (the heatmap keeps the data's order).
    assert sorted(fig["data"][0]["x"]) == sorted(o["label"] for o in options)
    assert any(s.startswith("★ ") for s in fig["data"][0]["y"]), "AI-related competencies are marked"
    assert " ".join(_texts(kpi_groups)) == "Groups 3"
    assert tables_in(table) and tables_in(table)[0]["rows"], "the heatmap's table alternative"
    assert _call(app, page._groups_outputs.uncached, values, ids, "county") == [options, "county", ""]
    assert _call(app, page._groups_outputs.uncached, values, ids, "nowhere")[1] == "central"
    kpis, notes = _call(app, page._update_n.uncached, values, ids)
    joined = " ".join(_texts([kpis, notes]))
    n_basic = int(
        db.get_warehouse()
        .execute("SELECT count(*) AS n FROM survey_respondent WHERE wave = '2025' AND tier = 'basic'")["n"]
        .iloc[0]
    )
    assert f"Respondents N {n_basic:,}" in joined and "Survey wave 2025" in joined
    assert "Central government" in joined
    bars = _call(app, page._update_bars.uncached, "central", values, ids)
    assert "N = " in " ".join(_texts(bars[2]))
    cmp_fig, cmp_table, note = _call(
        app, page._update_compare.uncached, "central", "municipal", values, ids, "groups"
    )
    text = " ".join(_texts(note))
    assert "comparisons are made at once" in text
    assert "A: Central government (N = " in text


@pytest.mark.parametrize("group_by", ["tier", "gov_level", "workgroup", "personnel_type", "agency"])
@pytest.mark.parametrize(
    "scope",
    [
        PLANNER,
        UNSUPPRESSED,
        Scope(role="agency_hr", user="h", agencies=("C1004", "C1001")),
        Scope(role="planner", user="q", agencies=None, min_cell=40),
    ],
)
def test_layout_groups_are_the_heatmaps_columns(
    app: Any, group_by: str, scope: Scope, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cheap group list (cell counts + the same suppression) equals the groups the heatmap
    shows from the scores, for every grouping, with suppression on and off (and the agency cap
    lowered so that it bites on the small warehouse's 15 agencies)."""
    from dashboard.pages import priority as page
    from dashboard.services import common

    monkeypatch.setattr(page, "AGENCY_CAP", 6)
    for f in (
        Filters(wave="2025"),
        Filters(wave="2025", gov_level="county"),
        Filters(wave="2025", tier="basic"),
    ):
        with app.server.test_request_context("/"):
            flask.g.dashboard_scope = scope
            fr = common.resolve(scope, f)
            shown = page._group_codes(page.heatmap_data(scope, fr, group_by), group_by)
            assert page.heatmap_groups(scope, fr, group_by) == shown, (f, group_by)


def test_visible_cells_are_reranked_when_a_group_is_partly_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    """Suppression hides whole groups today; should it ever hide single cells, the visible cells
    of that group are re-ranked (a hidden cell never shows through a gap in the ranks)."""
    df = pd.DataFrame(
        {
            "grp": ["a", "a", "a", "b", "b"],
            "category": ["common"] * 5,
            "competency_code": ["x", "y", "z", "x", "y"],
            "n": [50, 5, 50, 50, 50],
            "score": [3.0, 2.0, 1.0, 1.0, 2.0],
            "rank": [1.0, 2.0, 3.0, 2.0, 1.0],
        }
    )

    def hide_small_rows(frame: pd.DataFrame, scope: Scope, **_: Any) -> pd.DataFrame:
        out = frame.copy()
        out["suppressed"] = out["n"] < 10
        out.loc[out["suppressed"], ["score", "rank"]] = np.nan
        return out

    monkeypatch.setattr(priority.common, "suppress", hide_small_rows)
    out = priority._suppressed(df, PLANNER)
    assert out["rank"].tolist()[:3] == [1.0, pytest.approx(np.nan, nan_ok=True), 2.0]
    assert out["rank"].tolist()[3:] == [2.0, 1.0]  # group b untouched
    whole = priority._suppressed(df.assign(n=[5, 5, 5, 50, 50]), PLANNER)
    assert whole["rank"].isna().tolist() == [True, True, True, False, False]


def _same_frame(x: pd.DataFrame, y: pd.DataFrame) -> None:
    x, y = x.reset_index(drop=True), y.reset_index(drop=True)
    assert list(x.columns) == list(y.columns) and len(x) == len(y)
    for col in x.columns:
        assert str(x[col].dtype) == str(y[col].dtype), col
        if x[col].dtype.kind == "f":
            assert np.array_equal(x[col].to_numpy(), y[col].to_numpy(), equal_nan=True), col
        else:
            assert x[col].astype(object).tolist() == y[col].astype(object).tolist(), col


@pytest.mark.parametrize(
    "scope",
    [
        PLANNER,
        UNSUPPRESSED,
        Scope(role="agency_hr", user="h", agencies=("C1004", "C1001")),
        Scope(role="planner", user="q", agencies=None, min_cell=40),
    ],
)
@pytest.mark.parametrize("group_by", ["agency", "tier"])
def test_scores_of_some_groups_equal_the_whole_frames_rows(scope: Scope, group_by: str) -> None:
    """Computing only some groups' scores (suppression decided on every group's counts) gives
    exactly the whole frame's rows for them: values, hidden cells, dtypes, order."""
    for f in (Filters(wave="2025"), Filters(wave="2025", gov_level="county", weighted=False)):
        whole = priority.priority_scores(scope, f, group_by)
        bench = priority.priority_benchmark(scope, f, group_by)
        groups = [str(g) for g in dict.fromkeys(whole["grp"].dropna().tolist())]
        hidden = set(whole.loc[whole["suppressed"].astype(bool), "grp"])
        picks = [tuple(groups[:1]), tuple(groups[:3]), tuple(groups[-2:]), tuple(sorted(hidden))[:2], ()]
        for pick in picks:
            _same_frame(priority.priority_scores_of(scope, f, group_by, pick), priority._of(whole, pick))
            _same_frame(priority.priority_benchmark_of(scope, f, group_by, pick), priority._of(bench, pick))
    if scope is PLANNER and group_by == "agency":
        assert hidden, "the small warehouse should hide some agencies"
