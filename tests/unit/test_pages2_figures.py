"""pages2 figures: pure DataFrame -> Figure functions, checked on small frames."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.figures import ai_gap as gf
from dashboard.figures import badges as bf
from dashboard.figures import summary as sf


def _gap() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scope_level": ["selection", "selection", "national"],
            "wave": ["2026"] * 3,
            "tier": ["basic", "middle", "basic"],
            "group_code": ["all"] * 3,
            "competency_code": ["it_ai_literacy", "it_ai_eval", "it_ai_literacy"],
            "score": [1.0, 0.5, 1.2],
            "rank": [3, 8, 3],
            "target_rank": [2, 4, 2],
            "n_items": [4, 8, 4],
            "n": [100, 50, 900],
            "rank_gap": [1, 4, 1],
            "meets_target": [False, False, False],
        }
    )


def test_gap_bars_plots_selection_only_with_labels() -> None:
    fig = gf.as_graph(gf.gap_bars(_gap(), "en"))
    bar = fig.data[0]
    assert list(bar.x) == [1, 4]  # the national benchmark row is not a bar
    assert bar.y[0] == "AI literacy · Basic level"
    assert list(bar.marker.color) == [gf.GAP_COLOR, gf.GAP_COLOR]


def test_gap_bars_mark_the_previous_wave() -> None:
    df = _gap().assign(rank_change=[-1.0, 0.0, float("nan")], prev_wave=["2025", "2025", None])
    fig = gf.as_graph(gf.gap_bars(df, "en"))
    bars, prev = fig.data
    assert bars.name == "Wave 2026"
    assert list(prev.x) == [2.0, 4.0]  # gap 1 after rising one place: it was 2 below target
    assert prev.name == "Position in the previous wave (2025)"


def test_gap_bars_fall_back_to_the_benchmark() -> None:
    df = _gap()
    df.loc[df["scope_level"] == "selection", "rank_gap"] = float("nan")
    fig = gf.as_graph(gf.gap_bars(df, "en"))
    assert list(fig.data[0].x) == [1]
    assert "national benchmark" in fig.layout.title.text


def test_gap_bars_empty_when_all_hidden() -> None:
    df = _gap().assign(rank_gap=float("nan"))
    fig = gf.as_graph(gf.gap_bars(df, "zh-TW"))
    assert fig.data == ()
    assert "沒有可顯示" in fig.layout.annotations[0].text


def test_ipa_crosshairs_at_grand_means() -> None:
    df = pd.DataFrame(
        {
            "competency_code": ["ai_hpc", "ai_ml_dev", "ai_agile"],
            "mean_importance": [4.0, 3.0, 2.0],
            "mean_proficiency": [1.0, 2.0, 4.5],
            "mwds": [1.0, 2.0, 3.0],
            "n": [20, 20, 20],
        }
    )
    fig = gf.as_graph(gf.ipa_quadrant(df, "en"))
    vline, hline = fig.layout.shapes
    assert vline.x0 == pytest.approx(2.5) and hline.y0 == pytest.approx(3.0)
    assert list(fig.data[0].text) == [
        "High-performance computing",
        "AI/ML application development",
        "Agile management",
    ]


def test_mention_chart_error_bars() -> None:
    df = pd.DataFrame(
        {
            "scope_level": ["selection"],
            "wave": ["2025"],
            "group_code": ["basic"],
            "n": [50],
            "p": [0.4],
            "low": [0.3],
            "high": [0.55],
        }
    )
    fig = gf.as_graph(gf.mention_chart(df, "en", "tier"))
    bar = fig.data[0]
    assert list(bar.x) == ["Basic level"]
    assert list(bar.error_y.array) == pytest.approx([0.15])
    assert list(bar.error_y.arrayminus) == pytest.approx([0.1])


def test_km_chart_steps_and_band() -> None:
    df = pd.DataFrame(
        {
            "group_code": ["all"] * 3,
            "t": [0, 1, 4],
            "n_at_risk": [40, 30, 20],
            "events": [10, 10, 5],
            "cum_share": [0.25, 0.5, 0.625],
            "surv_low": [0.6, 0.4, 0.3],
            "surv_high": [0.85, 0.6, 0.45],
        }
    )
    fig = bf.km_chart(df, "national", "en")
    band, line = fig.data
    assert line.line.shape == "hv"
    assert list(line.y) == [0.25, 0.5, 0.625]
    assert list(band.y)[:3] == pytest.approx([0.15, 0.4, 0.55])  # 1 - upper survival bound


def test_supply_demand_quadrant_shading_at_median() -> None:
    df = pd.DataFrame(
        {
            "tier": ["basic"] * 3,
            "competency_code": ["it_ai_literacy", "it_data_mgmt", "it_ai_eval"],
            "ai_related": [True, False, True],
            "score": [1.0, 2.0, 0.5],
            "demand_index": [1.4, 1.2, 0.3],
            "per100": [5.0, 20.0, 1.0],
            "holders": [5, 20, 1],
            "headcount": [100, 100, 100],
            "todo": [True, False, False],
        }
    )
    fig = bf.supply_demand_chart(df, "en")
    rect = fig.layout.shapes[0]
    assert rect.x1 == pytest.approx(5.0) and rect.y0 == 1.0
    marker = fig.data[0].marker
    assert list(marker.symbol) == ["diamond", "circle", "diamond"]
    assert list(marker.line.width) == [2, 0, 0]


def test_funnel_orders_levels_and_fills_missing() -> None:
    df = pd.DataFrame({"route_code": ["role_dev", "role_dev"], "level": ["advanced", "intro"], "n": [30, 80]})
    fig = bf.funnel_chart(df, "zh-TW")
    assert list(fig.data[0].y) == ["入門", "進階", "實作"]
    assert list(fig.data[0].x) == [80, 30, 0]
    assert fig.data[0].name == "AI 開發人才（路線 B）"


def test_monthly_chart_series() -> None:
    df = pd.DataFrame(
        {
            "month": pd.to_datetime(["2025-07-01", "2025-08-01", "2025-08-01"]),
            "event": ["issued", "issued", "revoked"],
            "n": [120.0, 80.0, 12.0],
        }
    )
    fig = bf.monthly_chart(df, "en")
    assert [tr.name for tr in fig.data] == ["Issued", "Revoked"]
    assert list(fig.data[0].y) == [120.0, 80.0]


def test_summary_figures_fit_print_width() -> None:
    fig = gf.as_graph(sf.ai_gap_compact(_gap(), "en"))
    assert fig.layout.width is None and fig.layout.autosize and fig.layout.height <= 340


def test_coverage_by_caps_bars_at_the_lowest_groups() -> None:
    n = bf.MAX_BARS + 5
    df = pd.DataFrame(
        {
            "group_code": [f"A{i:03d}" for i in range(n)],
            "share": [i / n for i in range(n)],
            "low": [0.0] * n,
            "high": [1.0] * n,
            "headcount": [100] * n,
            "holders": [i for i in range(n)],
        }
    )
    fig = bf.coverage_by_chart(df, "agency", "en")
    assert len(fig.data[0].x) == bf.MAX_BARS
    assert max(fig.data[0].x) == pytest.approx((bf.MAX_BARS - 1) / n)  # the highest five are left out
    assert "lowest coverage" in fig.layout.title.text
