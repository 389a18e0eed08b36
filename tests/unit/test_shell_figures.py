"""Figures and display tables without a browser: values, AI marks, intervals, flags, gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.figures import priority as figs
from dashboard.figures.common import AI_MARK, stacked_bars
from dashboard.services.priority import compare_frames, estimates

TEXTS = {
    "score": "Score",
    "rank": "Rank",
    "diff": "Diff",
    "benchmark": "National",
    "no_data": "none",
    "suppressed": "hidden",
}


def scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "grp": ["basic", "basic", "middle", "middle"],
            "category": ["common"] * 4,
            "competency_code": ["it_basic_work", "it_ai_literacy"] * 2,
            "ai_related": [False, True, False, True],
            "n": [100, 100, 8, 8],
            "score": [2.5, 0.5, np.nan, np.nan],  # middle hidden (n < 10)
            "se": [0.1, 0.05, np.nan, np.nan],
            "ci_low": [2.3, 0.4, np.nan, np.nan],
            "ci_high": [2.7, 0.6, np.nan, np.nan],
            "n_eff": [90.0, 90.0, np.nan, np.nan],
            "rank": [1.0, 2.0, np.nan, np.nan],
            "category_order": [0, 0, 0, 0],
        }
    )


def test_heatmap_cells_labels_and_gaps() -> None:
    fig = go.Figure(
        figs.heatmap(
            scores(),
            {"basic": "Basic", "middle": "Middle"},
            {"it_basic_work": "Basic work", "it_ai_literacy": "AI literacy"},
            TEXTS,
        )
    )
    hm = fig.data[0]
    assert list(hm.x) == ["Basic", "Middle"]
    assert list(hm.y) == ["Basic work", f"{AI_MARK} AI literacy"]
    z = np.array(hm.z, dtype=float)
    assert z[0, 0] == 2.5 and z[1, 0] == 0.5 and np.isnan(z[:, 1]).all()
    assert hm.text[0][0] == "2.50" and hm.text[0][1] == ""
    assert hm.customdata[0][0][0] == "100" and hm.customdata[0][1][0] == "8"


def test_ranked_bars_error_bars_and_benchmark() -> None:
    df = scores()
    fig = go.Figure(
        figs.ranked_bars(
            df[df["grp"] == "basic"],
            {"it_basic_work": "B", "it_ai_literacy": "A"},
            TEXTS,
            benchmark=df[df["grp"] == "basic"].assign(score=[2.0, 1.0]),
        )
    )
    bar = fig.data[0]
    assert list(bar.x) == [2.5, 0.5] and list(bar.y) == ["B", f"{AI_MARK} A"]
    assert list(np.round(bar.error_x.array, 6)) == [0.2, 0.1]
    assert list(np.round(bar.error_x.arrayminus, 6)) == [0.2, 0.1]
    assert bar.marker.color[0] != bar.marker.color[1]  # AI bars coloured (and starred)
    assert list(fig.data[1].x) == [2.0, 1.0] and fig.data[1].name == "National"
    hidden = go.Figure(figs.ranked_bars(df[df["grp"] == "middle"], {}, TEXTS))
    assert hidden.layout.annotations[0].text == "hidden"
    # An agency too small to show still sees the national benchmark.
    bench_only = go.Figure(
        figs.ranked_bars(df[df["grp"] == "middle"], {}, TEXTS, benchmark=df[df["grp"] == "basic"])
    )
    assert list(bench_only.data[0].x) == [2.5, 0.5] and "hidden" in bench_only.layout.title.text


def test_compare_flags_intervals_excluding_zero() -> None:
    a = pd.DataFrame(
        {
            "category": ["common"] * 2,
            "competency_code": ["x", "y"],
            "ai_related": [False, True],
            "n": [50, 50],
            "score": [2.0, 1.0],
            "se": [0.1, 0.1],
        }
    )
    b = a.assign(score=[1.0, 0.95])
    out = compare_frames(a, b)
    x = out.set_index("competency_code")
    assert x.loc["x", "diff"] == pytest.approx(1.0)
    assert x.loc["x", "diff_low"] == pytest.approx(1.0 - 1.959964 * np.sqrt(0.02), rel=1e-6)
    assert bool(x.loc["x", "excludes_zero"]) and not bool(x.loc["y", "excludes_zero"])
    fig = go.Figure(figs.compare_chart(out, {"x": "X", "y": "Y"}, TEXTS))
    assert list(fig.data[0].y) == ["X ◆", f"{AI_MARK} Y"]


def test_estimates_weighted_equals_unweighted_with_equal_weights() -> None:
    x = np.array([3, 2, 0, 1, 0, 3, 2, 1.0])
    stats = pd.DataFrame(
        {
            "n": [8],
            "sum_w": [8.0 * 1.5],
            "sum_w2": [8 * 2.25],
            "sum_wx": [1.5 * x.sum()],
            "sum_wx2": [1.5 * (x**2).sum()],
            "sum_x": [x.sum()],
            "sum_x2": [(x**2).sum()],
        }
    )
    w, u = estimates(stats, True).iloc[0], estimates(stats, False).iloc[0]
    assert w["score"] == pytest.approx(x.mean()) and u["score"] == pytest.approx(x.mean())
    assert w["n_eff"] == pytest.approx(8) and w["se"] == pytest.approx(u["se"])
    assert u["se"] == pytest.approx(x.std(ddof=1) / np.sqrt(8))


def test_stacked_bars_one_trace_per_reason() -> None:
    df = pd.DataFrame(
        {"feed": ["Survey", "Survey", "Roster"], "reason": ["dup", "late", "dup"], "rows": [3, 7, 2]}
    )
    fig = stacked_bars(df, "feed", "rows", "reason", "Rows", "none")
    assert [t.name for t in fig.data] == ["dup", "late"] and fig.layout.barmode == "stack"
    assert list(fig.data[0].x) == [3, 2]
    assert (
        stacked_bars(df.iloc[0:0], "feed", "rows", "reason", "Rows", "none").layout.annotations[0].text
        == "none"
    )
