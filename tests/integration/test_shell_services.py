"""Shell services against a small known warehouse: numbers equal independent SQL/numpy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dashboard import cache as cache_mod
from dashboard import db
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services import data_status, priority, report_tables
from tests.fixtures.test_shell_warehouse import build_small_warehouse

PLANNER = Scope(role="planner", user="p", agencies=None)
UNSUPPRESSED = Scope(role="planner", user="p", agencies=None, unsuppressed=True)


@pytest.fixture(scope="module")
def wh_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_small_warehouse(tmp_path_factory.mktemp("services") / "w.duckdb")


@pytest.fixture(autouse=True)
def configured(wh_path: Path) -> Iterator[None]:
    saved = cache_mod._backend
    cache_mod.disable_cache()  # measure the services themselves, never another test's cache
    db.configure(wh_path)
    yield
    cache_mod._backend = saved


@pytest.fixture(scope="module")
def con(wh_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    # Same connect-time configuration as dashboard.db.Warehouse (plain read-only): DuckDB
    # refuses a second connection to the file with a different one.
    c = duckdb.connect(str(wh_path), read_only=True)
    yield c
    c.close()


def own_tier_points(
    con: duckdb.DuckDBPyConnection, where: str = "TRUE", params: list[object] | None = None
) -> pd.DataFrame:
    return con.execute(
        "SELECT r.*, p.category, p.competency_code, p.points FROM survey_respondent r JOIN survey_competency_points p "
        "ON p.wave = r.wave AND p.respondent_id = r.respondent_id AND p.part_tier = r.tier "
        f"WHERE r.wave = '2025' AND {where}",
        params or [],
    ).df()


def test_unweighted_scores_equal_plain_means(con: duckdb.DuckDBPyConnection) -> None:
    df = priority.priority_scores(PLANNER, Filters(wave="2025", weighted=False), "tier")
    raw = own_tier_points(con)
    expect = raw.groupby(["tier", "competency_code"])["points"].agg(["mean", "std", "count"])
    row = df[(df["grp"] == "basic") & (df["competency_code"] == "it_basic_work")].iloc[0]
    e = expect.loc[("basic", "it_basic_work")]
    assert row["n"] == e["count"]
    assert row["score"] == pytest.approx(e["mean"], abs=1e-12)
    assert row["ci_high"] - row["score"] == pytest.approx(1.959964 * e["std"] / np.sqrt(e["count"]), rel=1e-5)
    # Ranks within tier × category are competition ranks of the scores.
    basic_common = df[(df["grp"] == "basic") & (df["category"] == "common")].sort_values(
        "score", ascending=False
    )
    assert list(basic_common["rank"]) == [1.0, 2.0, 3.0, 4.0]


def test_weighted_scores_use_kish_effective_n(con: duckdb.DuckDBPyConnection) -> None:
    df = priority.priority_scores(
        UNSUPPRESSED, Filters(wave="2025", weighted=True, gov_level="county"), "tier"
    )
    raw = own_tier_points(
        con, "r.gov_level = 'county' AND r.tier = 'middle' AND p.competency_code = 'it_risk_mgmt'"
    )
    w, x = raw["weight"].to_numpy(), raw["points"].to_numpy(dtype=float)
    mean = (w * x).sum() / w.sum()
    n_eff = w.sum() ** 2 / (w**2).sum()
    var = ((w * (x - mean) ** 2).sum() / w.sum()) * len(x) / (len(x) - 1)
    row = df[(df["grp"] == "middle") & (df["competency_code"] == "it_risk_mgmt")].iloc[0]
    assert row["score"] == pytest.approx(mean, rel=1e-12)
    assert row["n_eff"] == pytest.approx(n_eff, rel=1e-12)
    assert row["ci_high"] - row["ci_low"] == pytest.approx(2 * 1.959964 * np.sqrt(var / n_eff), rel=1e-5)


def test_small_groups_are_suppressed_and_n_always_shown(con: duckdb.DuckDBPyConnection) -> None:
    df = priority.priority_scores(PLANNER, Filters(wave="2025"), "agency")
    counts = con.execute(
        "SELECT agency_code, count(*) FROM survey_respondent WHERE wave='2025' GROUP BY 1"
    ).fetchall()
    small = {a for a, n in counts if n < PLANNER.min_cell}
    assert small, "fixture should have small agencies"
    hidden = df[df["grp"].isin(small)]
    assert hidden["score"].isna().all() and hidden["suppressed"].all()
    shown = priority.priority_scores(UNSUPPRESSED, Filters(wave="2025"), "agency")
    assert shown["score"].notna().all()
    gn = priority.priority_group_n(PLANNER, Filters(wave="2025"), "tier")
    assert dict(zip(gn["grp"], gn["n"], strict=True)) == dict(
        con.execute("SELECT tier, count(*) FROM survey_respondent WHERE wave='2025' GROUP BY 1").fetchall()
    )


def test_agency_hr_sees_only_their_agency_even_with_a_forged_filter(con: duckdb.DuckDBPyConnection) -> None:
    agency = con.execute(
        "SELECT agency_code FROM survey_respondent WHERE wave='2025' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    other = con.execute(
        "SELECT agency_code FROM survey_respondent WHERE wave='2025' AND agency_code <> ? GROUP BY 1 "
        "ORDER BY count(*) DESC LIMIT 1",
        [agency],
    ).fetchone()[0]
    hr = Scope(role="agency_hr", user="h", agencies=(agency,))
    forged = priority.priority_group_n(hr, Filters(wave="2025", agency=other), "agency")
    assert list(forged["grp"]) == [agency]
    n = con.execute(
        "SELECT count(*) FROM survey_respondent WHERE wave='2025' AND agency_code=?", [agency]
    ).fetchone()[0]
    assert int(forged["n"].iloc[0]) == n
    bench = priority.priority_benchmark(hr, Filters(wave="2025", agency=other), "tier")
    assert (
        int(bench.groupby("grp")["n"].max().sum())
        == con.execute("SELECT count(*) FROM survey_respondent WHERE wave='2025'").fetchone()[0]
    )


def test_compare_difference_and_flags() -> None:
    f = Filters(wave="2025", weighted=False)
    cmp_ = priority.priority_compare(PLANNER, f, "tier", "basic", "middle")
    scores = priority.priority_scores(PLANNER, f, "tier").set_index(["grp", "competency_code"])
    row = cmp_[cmp_["competency_code"] == "it_basic_work"].iloc[0]
    assert row["diff"] == pytest.approx(
        scores.loc[("basic", "it_basic_work"), "score"] - scores.loc[("middle", "it_basic_work"), "score"]
    )
    assert (cmp_["excludes_zero"] == ((cmp_["diff_low"] > 0) | (cmp_["diff_high"] < 0))).all()
    # Only competencies both tiers were asked are compared.
    assert "it_network_mgmt" not in set(cmp_["competency_code"])
    waves = priority.priority_compare_waves(PLANNER, f, "2025", "2024")
    assert set(waves["grp"]) == {"basic", "middle", "senior"}
    # The fixture lifts AI items in 2025: AI system design differs in the basic tier.
    ai = waves[(waves["grp"] == "basic") & (waves["competency_code"] == "it_ai_sys_design")].iloc[0]
    assert ai["diff"] > 0 and bool(ai["excludes_zero"])
    assert priority.expected_false_flags(priority.n_comparisons(waves)) == pytest.approx(
        0.05 * len(waves), abs=0.1
    )


def test_report_table_layout_and_ranks(con: duckdb.DuckDBPyConnection) -> None:
    t19 = report_tables.report_table(UNSUPPRESSED, Filters(wave="2025"), "national")
    # 51 printed cells, 3 tiers per printed row; N/A where the tier was not asked.
    assert int(t19["asked"].sum()) == 51
    net = t19[t19["competency_code"] == "it_network_mgmt"].set_index("tier")
    assert (
        bool(net.loc["basic", "asked"])
        and not bool(net.loc["middle", "asked"])
        and pd.isna(net.loc["middle", "score"])
    )
    # D7: the printed basic-tier 系統開發專案管理 row is computed from 專案管理 (it_project_mgmt).
    d7 = t19[(t19["competency_zh"] == "系統開發專案管理") & (t19["tier"] == "basic")].iloc[0]
    assert d7["competency_code"] == "it_project_mgmt"
    expect = con.execute(
        "SELECT avg(p.points) FROM survey_respondent r JOIN survey_competency_points p USING (wave, respondent_id) "
        "WHERE r.wave='2025' AND p.part_tier=r.tier AND r.tier='basic' AND p.competency_code='it_project_mgmt'"
    ).fetchone()[0]
    assert d7["score"] == pytest.approx(expect)
    assert d7["diff"] == pytest.approx(round(expect, 2) - 1.53)
    summary = report_tables.report_tables_summary(UNSUPPRESSED, Filters(wave="2025"))
    assert list(summary["table"]) == [19, 20, 21, 22, 23, 24, 25]
    s19 = summary.set_index("table").loc[19]
    assert s19["max_abs_diff"] == pytest.approx(t19["abs_diff_raw"].max())


def test_report_table_hides_small_levels_and_their_complement() -> None:
    live = report_tables.live_scores(PLANNER, Filters(wave="2025"))
    cells = live.drop_duplicates(["scope", "tier"]).set_index(["scope", "tier"])
    hidden = cells[cells["suppressed"]]
    assert not hidden.empty
    # For every tier with a hidden level, at least two levels are hidden: national minus the
    # visible levels cannot reveal it.
    for tier, part in cells[cells.index.get_level_values(0) != "national"].groupby(level=1):
        n_hidden = int(part["suppressed"].sum())
        assert n_hidden != 1, (tier, n_hidden)


def test_workgroup_tables_match_published_lists_when_live_agrees() -> None:
    wg = report_tables.workgroup_table(UNSUPPRESSED, Filters(wave="2025"), "common")
    cell = wg[(wg["tier"] == "basic") & (wg["workgroup"] == "system_planning")]
    assert list(cell["published_code"]) == ["it_basic_work", "it_law_practice", "it_cross_domain"]
    assert list(cell["position"]) == [1, 2, 3]
    assert cell["list_match"].nunique() == 1
    assert bool(cell["list_match"].iloc[0]) == (list(cell["live_code"]) == list(cell["published_code"]))


def test_data_status_totals(con: duckdb.DuckDBPyConnection) -> None:
    totals = data_status.feed_totals(PLANNER, Filters()).set_index("feed")
    assert (
        int(totals.loc["survey", "rows_read"]) == 1210 and int(totals.loc["survey", "rows_quarantined"]) == 10
    )
    assert int(totals.loc["badges", "files_rejected"]) == 1
    reasons = data_status.quarantine_reasons(PLANNER, Filters())
    assert int(reasons["rows"].sum()) == con.execute("SELECT count(*) FROM etl_quarantine").fetchone()[0]
    fresh = data_status.freshness(PLANNER, Filters()).set_index("feed")
    assert (
        int(fresh.loc["survey", "records"])
        == con.execute("SELECT count(*) FROM survey_respondent").fetchone()[0]
    )
    log = data_status.load_log(PLANNER, Filters()).set_index("file_name")
    assert int(log.loc["roster_202603.csv", "warning_count"]) == 1


def test_group_all_is_the_whole_filtered_population(con: duckdb.DuckDBPyConnection) -> None:
    gn = priority.priority_group_n(PLANNER, Filters(wave="2025", gov_level="county"), "all")
    assert list(gn["grp"]) == ["all"]
    assert (
        int(gn["n"].iloc[0])
        == con.execute(
            "SELECT count(*) FROM survey_respondent WHERE wave='2025' AND gov_level='county'"
        ).fetchone()[0]
    )
