"""The pandas twins compute exactly what the DuckDB service queries compute, on a small random warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from benchmarks import twins

ROOT = Path(__file__).resolve().parents[2]


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, cols: str, rows: list[tuple], consts: str = ""
) -> None:
    """Bulk insert through a registered frame (executemany is slow in DuckDB)."""
    names = [c.strip() for c in cols.split(",")]
    frame = pd.DataFrame(rows, columns=names)
    con.register("_rows", frame)
    extra_cols = (
        ", ".join(k for k, _ in (kv.split("=", 1) for kv in consts.split(";") if kv)) if consts else ""
    )
    extra_vals = (
        ", ".join(v for _, v in (kv.split("=", 1) for kv in consts.split(";") if kv)) if consts else ""
    )
    target = cols + (", " + extra_cols if extra_cols else "")
    select = cols + (", " + extra_vals if extra_vals else "")
    con.execute(f"INSERT INTO {table} ({target}) SELECT {select} FROM _rows")
    con.unregister("_rows")


def _warehouse(path: Path, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    con = duckdb.connect(str(path))
    con.execute((ROOT / "etl" / "sql" / "000_schema.sql").read_text(encoding="utf-8"))
    comps = [
        ("it_a", "common", False),
        ("it_b", "common", True),
        ("it_c", "technical", False),
        ("it_d", "technical", True),
    ]
    con.executemany(
        "INSERT INTO competency (framework, competency_code, category, name_zh, name_en, ai_related) VALUES ('it_position', ?, ?, 'x', 'x', ?)",
        comps,
    )
    con.executemany(
        "INSERT INTO competency (framework, competency_code, category, name_zh, name_en, ai_related) VALUES ('ai_framework', ?, 'technical', 'x', 'x', true)",
        [("ai_x",), ("ai_y",)],
    )
    con.execute(
        "INSERT INTO agency (agency_code, name_zh, name_en, gov_level, agency_type) VALUES ('A1','x','x','central','t'), ('A2','x','x','county','t')"
    )
    resp, pts = [], []
    for i in range(120):
        wave = ["2025", "2026"][i % 2]
        tier = ["basic", "middle", "senior"][int(rng.integers(3))]
        resp.append(
            (
                wave,
                f"r{i}",
                "A1" if i % 3 else "A2",
                ["central", "county"][i % 3 == 0],
                tier,
                ["it_series", "contract"][int(rng.integers(2))],
                [None, "system_planning"][int(rng.integers(2))],
                float(rng.uniform(0.5, 2.0)),
            )
        )
        for cat, codes in (("common", ["it_a", "it_b"]), ("technical", ["it_c", "it_d"])):
            ranks = rng.permutation([1, None])
            for code, rank in zip(codes, ranks, strict=True):
                pts.append((wave, f"r{i}", tier, cat, code, rank, 1, 0 if rank is None else 2 - int(rank)))
    _insert(
        con,
        "survey_respondent",
        "wave, respondent_id, agency_code, gov_level, tier, personnel_type, workgroup, weight",
        resp,
        "submitted_at=TIMESTAMP '2025-04-01';rank_class='junior';grade=7;is_supervisor=false;load_id='l'",
    )
    _insert(
        con,
        "survey_competency_points",
        "wave, respondent_id, part_tier, category, competency_code, rank, k, points",
        pts,
    )
    # Roster: 40 people over 3 months, some changing tier in month 2.
    con.execute(
        "INSERT INTO roster_month VALUES (DATE '2025-09-01'), (DATE '2025-10-01'), (DATE '2025-11-01')"
    )
    hist = []
    for i in range(40):
        ag = "A1" if i % 4 else "A2"
        gl = "central" if ag == "A1" else "county"
        if i % 5 == 0:
            hist.append((f"s{i}", "2025-01-01", "2025-09-30", ag, gl, "basic"))
            hist.append((f"s{i}", "2025-10-01", None, ag, gl, "middle"))
        else:
            hist.append((f"s{i}", "2024-01-01", None, ag, gl, ["basic", "senior"][i % 2]))
    hist = [(k, pd.Timestamp(a).date(), b and pd.Timestamp(b).date(), *rest) for k, a, b, *rest in hist]
    _insert(
        con,
        "staff_history",
        "staff_key, valid_from, valid_to, agency_code, gov_level, tier",
        hist,
        "rank_class='junior';is_supervisor=false;personnel_type='it_series';is_direct_it=true;load_id='l'",
    )
    con.execute(
        "INSERT INTO badge_class (badge_code, kind, name_zh, level, route) VALUES "
        "('b1','badge','x','intro','role_app|core_all'), ('b2','badge','x','advanced','role_dev'), "
        "('c1','certification','x',NULL,NULL)"
    )
    con.execute(
        "INSERT INTO badge_alignment (badge_code, framework, competency_code, known_code) VALUES "
        "('b1','ai_framework','ai_x',true), ('b2','it_position','it_b',true), ('c1','it_position','it_d',true), "
        "('b1','it_position','it_b',true)"
    )
    con.execute(
        "INSERT INTO survey_wave (wave, instrument, n_responses) VALUES ('2025','moda_2025',60), ('2026','moda_2026',60)"
    )
    con.execute("INSERT INTO data_version VALUES ('v-test', TIMESTAMP '2026-11-21 00:00:00', '{}', 'x')")
    awards = []
    for i in range(30):
        on = pd.Timestamp("2025-08-01") + pd.Timedelta(days=int(rng.integers(0, 100)))
        rev = on + pd.Timedelta(days=20) if i % 7 == 0 else None
        until = on + pd.Timedelta(days=45) if i % 5 == 0 else None
        awards.append(
            (
                f"a{i}",
                ["b1", "c1", "b2"][i % 3],
                f"s{int(rng.integers(40))}",
                on.date(),
                until and until.date(),
                rev and rev.date(),
            )
        )
    # awards that run out within 90 days of the latest roster month (renewal planning)
    for i, (code, until) in enumerate([("b1", "2025-12-15"), ("c1", "2026-01-20"), ("c1", "2025-12-01")]):
        for who in (1, 2, 5, 8):
            awards.append(
                (
                    f"e{i}_{who}",
                    code,
                    f"s{who + i}",
                    pd.Timestamp("2025-06-01").date(),
                    pd.Timestamp(until).date(),
                    None,
                )
            )
    _insert(
        con,
        "badge_award",
        "award_id, badge_code, staff_key, awarded_on, valid_until, revoked_on",
        awards,
        "source='ob2';verification='hosted';content_sha256='h';load_id='l'",
    )
    sa_r, sa_i, sa_a = [], [], []
    for i in range(50):
        key = f"s{i}" if i < 40 else None
        sa_r.append(("2025-10", f"k{i}", key, "A1" if i % 2 else "A2"))
        for code in ("ai_x", "ai_y"):
            sa_i.append(
                (
                    "2025-10",
                    f"k{i}",
                    code,
                    int(rng.integers(1, 6)),
                    None if i == 3 else int(rng.integers(1, 6)),
                )
            )
    # a second self-assessment wave for the earners' panel (people answering both waves)
    for i in range(0, 40, 2):
        sa_r.append(("2025-11", f"m{i}", f"s{i}", "A1" if i % 2 else "A2"))
        for code in ("ai_x", "ai_y"):
            sa_i.append(("2025-11", f"m{i}", code, int(rng.integers(1, 6)), int(rng.integers(1, 6))))
        for att in ("ai_att_trust", "ai_att_curiosity"):
            sa_a.append(("2025-10", f"k{i}", att, None if i == 4 else int(rng.integers(1, 6))))
    con.executemany(
        "INSERT INTO selfassessment_respondent (wave, respondent_key, staff_key, agency_code, load_id) VALUES (?, ?, ?, ?, 'l')",
        sa_r,
    )
    con.executemany(
        "INSERT INTO selfassessment_item (wave, respondent_key, competency_code, importance, proficiency) VALUES (?, ?, ?, ?, ?)",
        sa_i,
    )
    con.executemany(
        "INSERT INTO selfassessment_attitude (wave, respondent_key, attitude_code, score) VALUES (?, ?, ?, ?)",
        sa_a,
    )
    # Restricted staff numbers (one person changes unit in November), the load log and quarantine.
    restricted = [
        (
            f"s{i}",
            "A1" if i % 4 else "A2",
            f"N{i:03d}",
            ["IT", "HR"][i % 2],
            pd.Timestamp("2024-01-01").date(),
            None,
        )
        for i in range(0, 40, 3)
    ]
    restricted.append(
        ("s1", "A1", "N001", "IT", pd.Timestamp("2024-01-01").date(), pd.Timestamp("2025-10-31").date())
    )
    restricted.append(("s1", "A1", "N001b", "OPS", pd.Timestamp("2025-11-01").date(), None))
    _insert(
        con,
        "staff_restricted",
        "staff_key, agency_code, staff_number, unit_name, valid_from, valid_to",
        restricted,
    )
    t0 = pd.Timestamp("2025-11-02 08:00:00")
    log = [
        (
            f"l{i}",
            feed,
            f"{feed}_{i}.csv",
            "h",
            "utf-8",
            10 + i,
            9 + i,
            1,
            status,
            None,
            None,
            t0 + pd.Timedelta(minutes=i),
            t0 + pd.Timedelta(minutes=i, milliseconds=1234 + 7 * i),
        )
        for i, (feed, status) in enumerate(
            [
                ("roster", "loaded"),
                ("roster", "rejected"),
                ("survey", "loaded"),
                ("badges", "loaded"),
                ("badges", "loaded"),
            ]
        )
    ]
    _insert(
        con,
        "etl_load_log",
        "load_id, feed, file_name, file_sha256, encoding, rows_read, rows_loaded, rows_quarantined, status, "
        "message, warnings, started_at, finished_at",
        log,
    )
    quarantine = [
        (
            f"l{i % 5}",
            ["roster", "survey", "badges"][i % 3],
            f"f{i % 2}.csv",
            i,
            ["bad_date", "unknown_code"][i % 2],
            f"row {i} rejected",
            "{}",
        )
        for i in range(12)
    ]
    _insert(
        con,
        "etl_quarantine",
        "load_id, feed, file_name, row_number, reason_code, message, raw_record",
        quarantine,
    )
    # The marts the queries read, built as the pipeline builds them after every load.
    for mart in sorted((ROOT / "etl" / "sql").glob("1*_mart_*.sql")):
        con.execute(mart.read_text(encoding="utf-8"))
    con.close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("twins") / "tiny.duckdb"
    _warehouse(path)
    return path


VARIANTS = {
    "ai_gap_mention": [
        {},
        {"group_by": "workgroup"},
        {"group_by": "tier", "gov_level": "county", "weighted": False},
    ],
    "ai_gap_borich": [{"sa_wave": "2025-10"}, {"sa_wave": "2025-10", "group_by": "tier", "agencies": ["A2"]}],
    "ai_gap_attitudes": [{"sa_wave": "2025-10"}, {"sa_wave": "2025-10", "group_by": "gov_level"}],
    "badges_coverage": [
        {},
        {"group_by": "tier", "kind": "badge"},
        {"group_by": "agency", "gov_level": "central"},
    ],
    "ai_gap_waves": [{}],
    "priority_agency_cells": [
        {"agencies": ["A1", "A2"]},
        {"agencies": ["A1", "A2"], "group_by": "workgroup"},
        {"agencies": ["A1", "A2"], "wave": None, "group_by": "gov_level", "by_tier": True},
        {"agencies": ["A1", "A2"], "tier": "basic", "wave_b": "2026"},
        {"agencies": ["A1", "A2"], "group_by": "personnel_type", "tier": "basic"},
    ],
    "priority_estimates_cube": [
        {},
        {"group_by": "workgroup", "weighted": False},
        {"group_by": "agency", "agencies": ["A1", "A2"], "tier": "basic"},
        {"wave_b": "2026", "group_by": "gov_level"},
        {"group_by": "tier", "groups": ["basic"]},
        {"agencies": ["A1"], "group_by": "personnel_type", "weighted": False},
    ],
    "priority_groups_cube": [
        {},
        {"group_by": "agency", "gov_level": "central"},
        {"agencies": ["A2"], "group_by": "personnel_type"},
        {"group_by": "tier", "personnel_type": "contract"},
    ],
    "report_tables_scores": [{}, {"wave": "2026"}],
    "report_tables_workgroup": [{}],
    "badges_funnel": [{}, {"month": "2025-10-01", "gov_level": "central"}],
    "badges_supply_demand": [{}, {"wave": "2025", "tier": "basic", "weighted": False}],
    "common_agencies": [{}, {"agencies": ["A2"]}],
    "common_waves": [{}],
    "priority_competencies": [{}],
    "badges_catalog": [{}],
    "staff_badge_catalog": [{}],
    "staff_list": [
        {"agencies": ["A1"], "today": "2025-11-15"},
        {"agencies": ["A1", "A2"], "today": "2025-09-10"},
        {"agencies": ["A2"], "today": "2026-01-31"},
    ],
    "badges_expiring": [{}, {"as_of": "2025-11-01", "gov_level": "central"}, {"tier": "middle"}],
    "badges_coverage_badge": [
        {},
        {"group_by": "badge"},
        {"group_by": "badge", "kind": "certification", "month": "2025-10-01"},
        {"kind": "badge", "agencies": ["A1"]},
    ],
    "badges_monthly": [{}, {"kind": "certification"}, {"gov_level": "central", "tier": "basic"}],
    "badges_first_badge": [
        {},
        {"group_by": "tier", "kind": None},
        {"group_by": "gov_level", "kind": "certification", "agencies": ["A1"]},
    ],
    "ai_gap_earners": [
        {"wave_from": "2025-10", "wave_to": "2025-11"},
        {"wave_from": "2025-10", "wave_to": "2025-11", "group_by": "tier", "gov_level": "central"},
        {"wave_from": "2025-11", "wave_to": "2025-10", "group_by": "gov_level"},
    ],
    "badges_coverage_trend": [
        {},
        {"benchmark": True, "agencies": ["A1"]},
        {"benchmark": True, "agencies": ["A2"], "kind": "certification", "tier": "basic"},
    ],
    "ai_gap_priority_cube": [
        {},
        {"group_by": "gov_level", "weighted": False},
        {"group_by": "workgroup", "tier": "basic", "personnel_type": "it_series"},
        {"group_by": "personnel_type", "gov_level": "central"},
        {"agencies": ["A1"], "group_by": "workgroup", "weighted": False},
    ],
    "data_status_freshness": [{}],
    "data_status_loads": [{}, {"feed": "badges"}],
    "data_status_quarantine": [{}, {"feed": "survey"}],
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_twin_equals_query(tiny: Path, name: str) -> None:
    from dashboard.db import Warehouse, query_sql

    wh = Warehouse(tiny, threads=1, memory_limit="256MB")
    con = wh.connection().cursor()
    tables = twins.Tables(con)
    try:
        base = twins.query_params(query_sql(name))
        for variant in VARIANTS[name]:
            params = {**base, **variant}
            ours = wh.query(name, **params)
            assert len(ours) > 0, f"{name} {variant}: the fixture should produce rows"
            theirs = twins.TWINS[name](tables, params)
            ok, why = twins.frames_equal(ours, theirs)
            assert ok, f"{name} {variant}: {why}"
    finally:
        con.close()
        wh.close()


def test_frames_equal_detects_differences() -> None:
    a = pd.DataFrame({"g": ["x", "y"], "n": [1, 2], "s": [0.5, 1.5]})
    assert twins.frames_equal(a, a.iloc[::-1].reset_index(drop=True)) == (True, "equal")
    assert twins.frames_equal(a, a.assign(s=[0.5, 1.6]))[0] is False
    assert twins.frames_equal(a, a.assign(g=["x", "z"]))[0] is False
    assert twins.frames_equal(a, a.iloc[:1])[0] is False
    assert twins.frames_equal(a, a[["n", "g", "s"]])[0] is False


def test_query_params_header() -> None:
    sql = '-- Purpose: x\n-- params: {"a": null, "b": [1, 2]}\nSELECT 1'
    assert twins.query_params(sql) == {"a": None, "b": [1, 2]}
    assert twins.query_params("SELECT 1") == {}


def test_every_query_has_a_twin_proven_here() -> None:
    """Issue 8 compares *each* service query with its pandas twin: a new query needs both."""
    names = {p.stem for p in twins.QUERY_DIR.glob("*.sql")}
    assert names - set(twins.TWINS) == set(), "queries without a pandas twin"
    assert names - set(VARIANTS) == set(), "twins not proven equal in test_twin_equals_query"
