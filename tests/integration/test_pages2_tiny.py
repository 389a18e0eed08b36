"""pages2 services on a tiny hand-made warehouse whose every figure is computed by hand."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import dashboard.db as db
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services import ai_gap, badges, summary

ROOT = Path(__file__).resolve().parents[2]
OPEN = Scope(role="planner", user="t", agencies=None, min_cell=1)  # no suppression: hand numbers
STRICT = Scope(role="planner", user="t", agencies=None, min_cell=10)
HR = Scope(role="agency_hr", user="hr", agencies=("K0100",), min_cell=1)
ALL = Filters(weighted=False)

# Priority survey, common category (k = 3), basic tier: (respondent, agency, gov_level, weight, ranks)
SURVEY = {
    "2025": [
        ("r1", "C1001", "central", 3.0, {"it_basic_work": 1, "it_law_practice": 2, "it_ai_literacy": 3}),
        ("r2", "C1001", "central", 1.0, {"it_law_practice": 1, "it_cross_domain": 2, "it_basic_work": 3}),
        ("r3", "K0100", "county", 1.0, {"it_ai_literacy": 1, "it_basic_work": 2, "it_law_practice": 3}),
        ("r4", "K0100", "county", 1.0, {"it_basic_work": 1, "it_cross_domain": 2, "it_law_practice": 3}),
    ],
    "2026": [
        ("r5", "C1001", "central", 1.0, {"it_ai_literacy": 1, "it_basic_work": 2, "it_law_practice": 3}),
        ("r6", "C1001", "central", 1.0, {"it_ai_literacy": 1, "it_law_practice": 2, "it_cross_domain": 3}),
        ("r7", "K0100", "county", 1.0, {"it_basic_work": 1, "it_ai_literacy": 2, "it_law_practice": 3}),
        ("r8", "K0100", "county", 1.0, {"it_law_practice": 1, "it_basic_work": 2, "it_cross_domain": 3}),
    ],
}
COMMON = ["it_basic_work", "it_law_practice", "it_cross_domain", "it_ai_literacy"]

# staff: key, agency, gov_level, tier, personnel_type, hire, valid_from, valid_to
STAFF = [
    ("S1", "C1001", "central", "basic", "it_series", "2020-01-01", "2025-09-01", None),
    ("S2", "C1001", "central", "middle", "it_series", "2015-01-01", "2025-09-01", None),
    ("S3", "K0100", "county", "basic", "contract", "2018-01-01", "2025-09-01", "2026-02-28"),
    ("S4", "K0100", "county", "basic", "it_series", "2025-12-01", "2025-12-01", None),
]
MONTHS = pd.date_range("2025-09-01", "2026-06-01", freq="MS")
# self-assessment: wave -> staff -> {competency: (importance, proficiency)}
SA = {
    "2025-10": {
        "S1": {"ai_literacy_ethics": (5, 3), "ai_hpc": (2, 1)},
        "S2": {"ai_literacy_ethics": (4, 4), "ai_hpc": (3, 1)},
        "S3": {"ai_literacy_ethics": (3, 1), "ai_hpc": (1, 2)},
    },
    "2026-06": {
        "S1": {"ai_literacy_ethics": (5, 4), "ai_hpc": (2, 2)},
        "S2": {"ai_literacy_ethics": (4, 4), "ai_hpc": (3, 1)},
        "S3": {"ai_literacy_ethics": (3, 1), "ai_hpc": (1, 2)},
    },
}
ATTITUDE = {"S1": 4, "S2": 5, "S3": 3}
BADGES = [
    # code, kind, module, level, route
    ("badge_mod1_intro", "badge", "mod1_learn_ai", "intro", "core_all|role_policy"),
    ("badge_mod1_advanced", "badge", "mod1_learn_ai", "advanced", "core_all|role_policy"),
    ("badge_mod2_intro", "badge", "mod2_data", "intro", "role_dev|role_app"),
    ("cert_ms_ai900", "certification", None, None, "core_all"),
]
ALIGN = [
    ("badge_mod1_intro", "it_position", "it_ai_literacy"),
    ("badge_mod1_intro", "ai_framework", "ai_literacy_ethics"),
    ("badge_mod1_advanced", "ai_framework", "ai_literacy_ethics"),
    ("badge_mod2_intro", "it_position", "it_basic_work"),
    ("cert_ms_ai900", "it_position", "it_ai_literacy"),
]
AWARDS = [
    # id, badge, staff, awarded, valid_until, revoked
    ("A1", "badge_mod1_intro", "S1", "2025-10-10", None, None),
    ("A2", "badge_mod1_advanced", "S1", "2026-01-15", "2026-03-31", None),
    ("A3", "badge_mod2_intro", "S2", "2025-11-20", None, "2026-02-10"),
    ("A4", "cert_ms_ai900", "S4", "2026-01-05", None, None),
    ("A5", "badge_mod1_intro", "S4", "2026-05-01", "2026-08-31", None),
]


def _build(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute((ROOT / "etl/sql/000_schema.sql").read_text(encoding="utf-8"))
    comp = pd.read_csv(ROOT / "data/reference/competencies.csv").drop_duplicates("code")
    for r in comp.itertuples():
        con.execute(
            "INSERT INTO competency VALUES (?, ?, ?, ?, ?, ?, ?)",
            [r.framework, r.code, r.category, r.name_zh, r.name_en, None, bool(r.ai_related)],
        )
    con.execute(
        "INSERT INTO agency VALUES ('C1001','行政院','Executive Yuan','central','central_yuan',NULL,NULL)"
    )
    con.execute(
        "INSERT INTO agency VALUES ('K0100','基隆市市政府','Keelung','county','local_bureau',NULL,NULL)"
    )
    for wave, rows in SURVEY.items():
        con.execute("INSERT INTO survey_wave (wave, instrument) VALUES (?, 'test')", [wave])
        for rid, agency, level, weight, ranks in rows:
            con.execute(
                "INSERT INTO survey_respondent (wave, respondent_id, submitted_at, agency_code, gov_level, rank_class,"
                " grade, is_supervisor, personnel_type, tier, weight, load_id)"
                " VALUES (?, ?, TIMESTAMP '2025-04-01', ?, ?, 'junior', 7, FALSE, 'it_series', 'basic', ?, 't')",
                [wave, rid, agency, level, weight],
            )
            for code in COMMON:
                rank = ranks.get(code)
                con.execute(
                    "INSERT INTO survey_competency_points VALUES (?, ?, 'basic', 'common', ?, ?, 3, ?)",
                    [wave, rid, code, rank, 0 if rank is None else 4 - rank],
                )
    for key, agency, level, tier, ptype, hire, vf, vt in STAFF:
        con.execute(
            "INSERT INTO staff_history (staff_key, valid_from, valid_to, agency_code, gov_level, rank_class,"
            " is_supervisor, personnel_type, tier, is_direct_it, hire_date, load_id)"
            " VALUES (?, ?, ?, ?, ?, 'junior', FALSE, ?, ?, TRUE, ?, 't')",
            [key, vf, vt, agency, level, ptype, tier, hire],
        )
    for m in MONTHS:
        con.execute("INSERT INTO roster_month VALUES (?)", [m.date()])
    for wave, people in SA.items():
        for key, items in people.items():
            rk = f"{wave}-{key}"
            con.execute(
                "INSERT INTO selfassessment_respondent VALUES (?, ?, ?, NULL, NULL, 't')", [wave, rk, key]
            )
            for code, (imp, prof) in items.items():
                con.execute(
                    "INSERT INTO selfassessment_item VALUES (?, ?, ?, ?, ?, ?)",
                    [wave, rk, key, code, imp, prof],
                )
            con.execute(
                "INSERT INTO selfassessment_attitude VALUES (?, ?, ?, 'ai_att_trust', ?)",
                [wave, rk, key, ATTITUDE[key]],
            )
    for code, kind, module, level, route in BADGES:
        con.execute(
            "INSERT INTO badge_class (badge_code, kind, name_zh, name_en, module_code, level, route)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [code, kind, f"名稱-{code}", f"Name {code}", module, level, route],
        )
    for code, fw, comp_code in ALIGN:
        con.execute(
            "INSERT INTO badge_alignment (badge_code, framework, competency_code, known_code) VALUES (?, ?, ?, TRUE)",
            [code, fw, comp_code],
        )
    for aid, code, key, on, until, rev in AWARDS:
        con.execute(
            "INSERT INTO badge_award (award_id, badge_code, staff_key, awarded_on, valid_until, revoked_on, source,"
            " verification, content_sha256, load_id) VALUES (?, ?, ?, ?, ?, ?, 'ob2', 'hosted', 'x', 't')",
            [aid, code, key, on, until, rev],
        )
    # the pipeline runs every etl/sql/1NN_mart_*.sql after a build: so do we
    marts = [
        *(ROOT / "etl/sql").glob("1*_mart_badges_*.sql"),
        *(ROOT / "etl/sql").glob("1*_mart_ai_gap_*.sql"),
    ]
    for mart in sorted(marts):
        con.execute(mart.read_text(encoding="utf-8"))
    con.execute("INSERT INTO data_version VALUES ('tiny-1', TIMESTAMP '2026-07-01', '{}', 'test')")
    con.close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pages2") / "tiny.duckdb"
    _build(path)
    return path


@pytest.fixture(autouse=True)
def warehouse(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[db.Warehouse]:
    wh = db.Warehouse(tiny, threads=1, memory_limit="256MB")
    monkeypatch.setattr(db, "_instance", wh)
    ai_gap.targets.cache_clear()
    yield wh
    wh.close()


# ------------------------------------------------------------------ AI gap: priority survey
def test_priority_gap_scores_ranks_and_target() -> None:
    df = ai_gap.priority_gap(OPEN, ALL)
    row25 = df[(df["wave"] == "2025") & (df["competency_code"] == "it_ai_literacy")].iloc[0]
    # 2025 AI literacy: points 1,0,3,0 -> 1.0; basic_work 2.25, law 1.75, cross 1.0 -> tie at rank 3
    assert row25["score"] == pytest.approx(1.0)
    assert row25["rank"] == 3
    assert row25["target_rank"] == 2
    assert row25["rank_gap"] == 1
    assert row25["score_gap"] == pytest.approx(0.75)  # 1.75 (law, rank 2) - 1.0
    assert not row25["meets_target"]
    row26 = df[(df["wave"] == "2026") & (df["competency_code"] == "it_ai_literacy")].iloc[0]
    # 2026: AI 3,3,2,0 -> 2.0 first
    assert row26["score"] == pytest.approx(2.0)
    assert row26["rank"] == 1 and row26["rank_gap"] == -1 and row26["score_gap"] == 0
    assert row26["score_change"] == pytest.approx(1.0)
    assert row26["rank_change"] == -2
    assert set(df["competency_code"]) == {"it_ai_literacy"}  # only AI items are returned


def test_priority_gap_weighted_and_grouped() -> None:
    df = ai_gap.priority_gap(OPEN, Filters(weighted=True), group_by="gov_level")
    central = df[(df["wave"] == "2025") & (df["group_code"] == "central")].iloc[0]
    # central 2025: r1 (w3) gave AI 1 point, r2 (w1) 0 -> 3/4
    assert central["score"] == pytest.approx(0.75)
    assert central["n"] == 2


def test_mention_rate_with_intervals_and_change() -> None:
    df = ai_gap.mention_rate(OPEN, ALL, group_by="national")
    d25 = df[df["wave"] == "2025"].iloc[0]
    d26 = df[df["wave"] == "2026"].iloc[0]
    assert d25["p"] == pytest.approx(0.5) and d25["n"] == 4 and d25["n_mentioned"] == 2
    assert d26["p"] == pytest.approx(0.75)
    assert d25["low"] < 0.5 < d25["high"]
    assert d26["change"] == pytest.approx(0.25)
    assert d26["prev_wave"] == "2025"
    assert d26["change_low"] < 0.25 < d26["change_high"]
    weighted = ai_gap.mention_rate(OPEN, Filters(weighted=True), group_by="national")
    w25 = weighted[weighted["wave"] == "2025"].iloc[0]
    assert w25["p"] == pytest.approx(4 / 6)  # r1 weight 3 mentions, r3 mentions
    assert w25["n_eff"] == pytest.approx(36 / 12)  # (3+1+1+1)^2 / (9+1+1+1)


def test_suppression_hides_small_cells() -> None:
    df = ai_gap.mention_rate(STRICT, ALL, group_by="national")
    assert df["suppressed"].all()
    assert df["p"].isna().all()
    gaps = ai_gap.priority_gap(STRICT, ALL)
    assert gaps["suppressed"].all() and gaps["score"].isna().all()


def test_agency_scope_and_benchmark() -> None:
    df = ai_gap.mention_rate(HR, Filters(weighted=False, agency="C1001"), group_by="national")
    # a forged out-of-scope agency is ignored: the HR user sees K0100 only, plus the benchmark
    sel = df[(df["scope_level"] == "selection") & (df["wave"] == "2025")].iloc[0]
    assert sel["n"] == 2 and sel["p"] == pytest.approx(0.5)  # r3 yes, r4 no
    nat = df[(df["scope_level"] == "national") & (df["wave"] == "2025")].iloc[0]
    assert nat["n"] == 4


# ------------------------------------------------------------------ AI gap: self-assessment
def test_borich_mwds_and_rank() -> None:
    df = ai_gap.borich(OPEN, ALL, sa_wave="2025-10")
    lit = df[df["competency_code"] == "ai_literacy_ethics"].iloc[0]
    hpc = df[df["competency_code"] == "ai_hpc"].iloc[0]
    assert lit["mwds"] == pytest.approx(16 / 3)
    assert hpc["mwds"] == pytest.approx(4 / 3)  # mean I 2 x mean gap (1+2-1)/3
    assert (lit["rank"], hpc["rank"]) == (1, 2)
    assert lit["mean_importance"] == pytest.approx(4.0)
    assert lit["mean_proficiency"] == pytest.approx(8 / 3)


def test_borich_by_tier_uses_roster_month() -> None:
    df = ai_gap.borich(OPEN, ALL, group_by="tier", sa_wave="2025-10")
    basic = df[(df["group_code"] == "basic") & (df["competency_code"] == "ai_literacy_ethics")].iloc[0]
    # basic staff in 2025-10: S1 (5,3) and S3 (3,1): mean I 4, gap 2 -> 8
    assert basic["n"] == 2 and basic["mwds"] == pytest.approx(8.0)


def test_attitudes_mean_and_interval() -> None:
    df = ai_gap.attitudes(OPEN, ALL, group_by="national", sa_wave="2025-10")
    row = df.iloc[0]
    assert row["mean"] == pytest.approx(4.0) and row["sd"] == pytest.approx(1.0)
    assert row["low"] == pytest.approx(4 - 1.96 / math.sqrt(3), abs=1e-3)


def test_earners_change() -> None:
    df = ai_gap.earners(OPEN, ALL)
    earner = df[df["earner"]].iloc[0]
    other = df[~df["earner"]].iloc[0]
    # S1 earned AI badges between the waves and moved from 2.0 to 3.0; S2, S3 did not move
    assert earner["n"] == 1 and earner["mean_change"] == pytest.approx(1.0)
    assert other["n"] == 2 and other["mean_change"] == pytest.approx(0.0)
    assert earner["wave_from"] == "2025-10" and earner["wave_to"] == "2026-06"


# ------------------------------------------------------------------ badges
def test_monthly_events() -> None:
    df = badges.monthly(OPEN, ALL)
    got = {
        (m.strftime("%Y-%m"), e): int(n) for m, e, n in zip(df["month"], df["event"], df["n"], strict=True)
    }
    assert got == {
        ("2025-10", "issued"): 1,
        ("2025-11", "issued"): 1,
        ("2026-01", "issued"): 2,
        ("2026-05", "issued"): 1,
        ("2026-02", "revoked"): 1,
        ("2026-03", "expired"): 1,  # A5 expires after the as-of date: not counted yet
    }
    only_badges = badges.monthly(OPEN, ALL, kind="badge")
    jan = only_badges[(only_badges["event"] == "issued") & (only_badges["month"] == "2026-01-01")]
    assert int(jan["n"].iloc[0]) == 1  # the certification is left out


def test_coverage_trend_hand_numbers() -> None:
    df = badges.coverage_trend(OPEN, ALL)
    got = {
        m.strftime("%Y-%m"): (int(h), int(k))
        for m, h, k in zip(df["month"], df["headcount"], df["holders"], strict=True)
    }
    assert got == {
        "2025-09": (3, 0),
        "2025-10": (3, 1),
        "2025-11": (3, 2),
        "2025-12": (4, 2),
        "2026-01": (4, 3),
        "2026-02": (4, 2),  # S2's badge revoked on 2026-02-10
        "2026-03": (3, 2),  # S3 left at the end of February; A2 still valid on 03-31
        "2026-04": (3, 2),
        "2026-05": (3, 2),
        "2026-06": (3, 2),
    }
    jan = df[df["month"] == "2026-01-01"].iloc[0]
    assert jan["share"] == pytest.approx(0.75)


def test_coverage_by_groups() -> None:
    tier = badges.coverage_by(OPEN, ALL, by="tier")
    got = {
        g: (int(h), int(k))
        for g, h, k in zip(tier["group_code"], tier["headcount"], tier["holders"], strict=True)
    }
    assert got == {"basic": (2, 2), "middle": (1, 0)}
    route = badges.coverage_by(OPEN, ALL, by="route")
    got = {g: int(k) for g, k in zip(route["group_code"], route["holders"], strict=True)}
    assert got == {"core_all": 2, "role_policy": 2}
    assert set(route["headcount"]) == {3}
    badge = badges.coverage_by(OPEN, ALL, by="badge")
    got = {g: int(k) for g, k in zip(badge["group_code"], badge["holders"], strict=True)}
    assert got == {"badge_mod1_intro": 2, "cert_ms_ai900": 1}


def test_first_badge_kaplan_meier() -> None:
    df = badges.first_badge(OPEN, ALL)
    assert df["t"].tolist() == [0, 1, 4]
    assert df["n_at_risk"].tolist() == [4, 3, 2]
    assert df["survival"].tolist() == pytest.approx([0.75, 0.5, 0.25])
    assert df["cum_share"].iloc[-1] == pytest.approx(0.75)
    assert set(df["n"]) == {4}


def test_funnel_per_route() -> None:
    df = badges.funnel(OPEN, ALL)
    got = {(r, lv): int(n) for r, lv, n in zip(df["route_code"], df["level"], df["n"], strict=True)}
    assert got == {
        ("core_all", "intro"): 2,
        ("core_all", "advanced"): 1,  # A2 expired but the step was completed
        ("role_policy", "intro"): 2,
        ("role_policy", "advanced"): 1,
    }  # the revoked mod2 badge counts nowhere
    assert set(df["headcount"]) == {3}


def test_supply_demand_quadrant() -> None:
    df = badges.supply_demand(OPEN, ALL).set_index("competency_code")
    ai = df.loc["it_ai_literacy"]
    assert ai["wave"] == "2026"
    assert ai["score"] == pytest.approx(2.0)
    assert ai["demand_index"] == pytest.approx(2.0 / 1.5)
    assert ai["headcount"] == 2 and ai["holders"] == 2 and ai["per100"] == pytest.approx(100.0)
    assert not ai["todo"]
    assert df.loc["it_basic_work", "per100"] == 0  # the only aligned award was revoked
    assert bool(df.loc["it_basic_work", "todo"]) and bool(df.loc["it_law_practice", "todo"])
    assert not bool(df.loc["it_cross_domain", "todo"])  # low supply but low priority


def test_expiring_next_90_days() -> None:
    df = badges.expiring(OPEN, ALL)
    assert df[["badge_code", "n"]].to_dict("records") == [{"badge_code": "badge_mod1_intro", "n": 1}]
    assert pd.Timestamp(df["first_expiry"].iloc[0]) == pd.Timestamp("2026-08-31")


def test_badges_scope_hr_sees_own_agency_only() -> None:
    df = badges.coverage_trend(HR, Filters(agency="C1001"))
    sel = df[(df["scope_level"] == "selection") & (df["month"] == "2026-06-01")].iloc[0]
    assert sel["headcount"] == 1 and sel["holders"] == 1  # S4 in K0100 only
    nat = df[(df["scope_level"] == "national") & (df["month"] == "2026-06-01")].iloc[0]
    assert nat["headcount"] == 3
    strict = badges.coverage_trend(STRICT, ALL)
    assert strict["suppressed"].all() and strict["share"].isna().all()


# ------------------------------------------------------------------ summary
def test_headlines_values_and_changes() -> None:
    df = summary.headlines(OPEN, ALL).set_index("key")
    assert df.loc["respondents", "value"] == 4 and df.loc["respondents", "previous"] == 4
    assert df.loc["mention_rate", "value"] == pytest.approx(0.75)
    assert df.loc["mention_rate", "change"] == pytest.approx(0.25)
    # coverage 2026-06 = 2/3 against 2026-03 = 2/3
    assert df.loc["coverage", "value"] == pytest.approx(2 / 3)
    assert df.loc["coverage", "previous"] == pytest.approx(2 / 3)
    # awards issued 2026-04..06 = 1 (A5) against 2026-01..03 = 2 (A2, A4)
    assert (df.loc["awards_quarter", "value"], df.loc["awards_quarter", "previous"]) == (1, 2)
    assert df.loc["top_mwds", "competency_code"] == "ai_literacy_ethics"
    # 2026-06: I 5,4,3 / P 4,4,1 -> mean I 4 x mean gap 1 = 4.0; 2025-10 was 16/3
    assert df.loc["top_mwds", "value"] == pytest.approx(4.0)
    assert df.loc["top_mwds", "previous"] == pytest.approx(16 / 3)


def test_findings_texts_carry_numbers_in_both_languages() -> None:
    df = summary.findings(OPEN, ALL)
    assert 3 <= len(df) <= 5
    keys = list(df["key"])
    assert "last_everywhere:it_cross_domain" in keys
    last = df[df["key"] == "last_everywhere:it_cross_domain"].iloc[0]
    # 2026 cross-domain 0.5 vs category mean 1.5 -> gap 1.00; 2025: 1.0 vs 1.5 -> 0.50
    assert last["numbers"]["gap_now"] == pytest.approx(1.0)
    assert last["numbers"]["gap_then"] == pytest.approx(0.5)
    assert "跨域管理" in last["text_zh-TW"] and "1.00" in last["text_zh-TW"] and "0.50" in last["text_zh-TW"]
    assert "Cross-boundary management" in last["text_en"] and "2025" in last["text_en"]
    mention = df[df["key"].str.startswith("mention_")].iloc[0]
    assert mention["key"] == "mention_flat"  # 4 vs 4 respondents: the interval includes zero
    assert "75.0%" in mention["text_en"] and "50.0%" in mention["text_zh-TW"]


def test_findings_respect_suppression() -> None:
    assert summary.findings(STRICT, ALL).empty
    heads = summary.headlines(STRICT, ALL)
    assert heads["value"].isna().all()
