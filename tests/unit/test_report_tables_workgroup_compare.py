"""Tables 23-25 comparison (dashboard.services.report_tables): like with like, hidden cells,
ties at two decimals and the documented CHECKS exceptions. Live frames are built here from the
published Table 26 means, without a warehouse."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.services import report_tables as rt


def live_from_table26(n: int = 50) -> pd.DataFrame:
    """A live frame whose means are exactly Table 26's, plus one low unlisted item per cell."""
    t26 = rt.published_workgroup_means()
    rows = [
        {
            "workgroup": r.workgroup,
            "tier": r.tier,
            "category": r.category,
            "competency_code": r.competency_code,
            "n": n,
            "score": float(r.mean_score),
            "suppressed": False,
        }
        for r in t26.itertuples()
    ]
    for (g, tier, cat), _ in t26.groupby(["workgroup", "tier", "category"]):
        rows.append(
            {
                "workgroup": g,
                "tier": tier,
                "category": cat,
                "competency_code": "zz_unlisted",
                "n": n,
                "score": 0.10,
                "suppressed": False,
            }
        )
    return pd.DataFrame(rows)


def summary(live: pd.DataFrame, category: str) -> dict[str, object]:
    return rt.workgroup_summary(rt.build_workgroup_table(live, category))


def test_table26_means_reproduce_every_consistent_list() -> None:
    live = live_from_table26()
    got = {c: summary(live, c) for c in rt.WORKGROUP_TABLES}
    # 45 work group × tier cells, all compared, none hidden.
    assert sum(int(s["cells_compared"]) for s in got.values()) == 45  # type: ignore[call-overload]
    for s in got.values():
        assert s["cells_hidden"] == 0
        assert s["max_abs_diff"] == pytest.approx(0.0)
        assert s["within_rounding"] is True
        assert s["rank_mismatches"] == 0
    # The four D12 cells follow Table 26, so their printed lists differ: explained, not mismatches.
    assert got["common"]["explained"] == 0
    assert (got["technical"]["explained"], got["technical"]["explained_by"]) == (1, "D12")
    assert (got["management"]["explained"], got["management"]["explained_by"]) == (3, "D12")


def test_a_wrong_order_is_a_mismatch_and_a_wrong_mean_is_not_within_rounding() -> None:
    live = live_from_table26()
    # Hardware maintenance basic common: 基本工作職能 2.72 > 法規與實際運用 1.75; swap them.
    sel = (
        (live["workgroup"] == "hardware_maintenance")
        & (live["tier"] == "basic")
        & (live["category"] == "common")
    )
    live.loc[sel & (live["competency_code"] == "it_basic_work"), "score"] = 1.50
    s = summary(live, "common")
    assert s["rank_mismatches"] == 1
    assert s["max_abs_diff"] == pytest.approx(1.22)
    assert s["within_rounding"] is False


def test_hidden_cells_are_counted_as_hidden_not_as_mismatches() -> None:
    live = live_from_table26()
    sel = (live["workgroup"] == "project_management") & (live["tier"] == "senior")
    live.loc[sel, ["score"]] = float("nan")
    live.loc[sel, "suppressed"] = True
    for category in rt.WORKGROUP_TABLES:
        wg = rt.build_workgroup_table(live, category)
        cell = wg[(wg["workgroup"] == "project_management") & (wg["tier"] == "senior")]
        assert cell["hidden"].all()
        s = rt.workgroup_summary(wg)
        assert s["cells_hidden"] == 1
        assert s["cells_compared"] == 14
        assert s["rank_mismatches"] == 0
    # The hidden D12 cell (project management senior technical) is no longer counted as explained.
    assert summary(live, "technical")["explained"] == 0


def test_ties_at_two_decimals_follow_the_published_order() -> None:
    live = live_from_table26()
    # Project management middle management: 績效管理 2.15 and 需求分析 2.15 are printed in that order.
    sel = (
        (live["workgroup"] == "project_management")
        & (live["tier"] == "middle")
        & (live["category"] == "management")
    )
    live.loc[sel & (live["competency_code"] == "it_performance"), "score"] = 2.146
    live.loc[sel & (live["competency_code"] == "it_req_analysis"), "score"] = 2.154
    wg = rt.build_workgroup_table(live, "management")
    cell = wg[(wg["workgroup"] == "project_management") & (wg["tier"] == "middle")]
    assert list(cell["live_code"]) == list(cell["published_code"])
    assert cell["list_match"].all()
    # 2.144 prints 2.14: no longer a tie, so the order differs from the report.
    live.loc[sel & (live["competency_code"] == "it_performance"), "score"] = 2.144
    assert summary(live, "management")["rank_mismatches"] == 1


def test_d14_means_count_as_explained_and_leave_the_max_difference() -> None:
    live = live_from_table26()
    sel = (
        (live["workgroup"] == "non_core")
        & (live["tier"] == "senior")
        & (live["category"] == "common")
        & (live["competency_code"] == "it_cross_domain")
    )
    live.loc[sel, "score"] = 1.96  # 1.81 published; the order 跨域 > 法規 > AI is kept
    s = summary(live, "common")
    assert (s["explained"], s["explained_by"]) == (1, "D14")
    assert s["max_abs_diff"] == pytest.approx(0.0)
    assert s["within_rounding"] is True
    assert s["rank_mismatches"] == 0
    assert rt.mean_exception("technical", "middle", "multi_function", "it_emerging_tech") == "D14"
    assert rt.mean_exception("technical", "middle", "project_management", "it_emerging_tech") == ""
