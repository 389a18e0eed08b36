"""Staff list service on a hand-made warehouse: scope clamp, validity of awards, missing items."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from dashboard.db import Warehouse
from dashboard.scope import Scope
from dashboard.services import staff as svc

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 6, 15)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    path = tmp_path_factory.mktemp("staff") / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute((ROOT / "etl" / "sql" / "000_schema.sql").read_text(encoding="utf-8"))
    con.execute("INSERT INTO roster_month VALUES ('2026-04-01'), ('2026-05-01')")
    staff = [
        # key, agency, tier, personnel_type, grade, valid_from, valid_to
        ("k1", "C3005", "basic", "it_series", 6, "2025-01-01", None),
        ("k2", "C3005", "middle", "it_series", 8, "2025-01-01", None),
        ("k3", "C3005", "basic", "contract", 5, "2025-01-01", None),
        ("k4", "C3005", "basic", "it_series", 5, "2025-01-01", "2026-04-30"),  # left before May
        ("k5", "K0601", "basic", "it_series", 6, "2025-01-01", None),  # another agency
    ]
    for key, ag, tier, pt, grade, vf, vt in staff:
        con.execute(
            "INSERT INTO staff_history (staff_key, valid_from, valid_to, agency_code, gov_level, rank_class, grade,"
            " is_supervisor, personnel_type, tier, is_direct_it, load_id) VALUES (?, ?, ?, ?, 'central', 'junior', ?,"
            " false, ?, ?, true, 'l')",
            [key, vf, vt, ag, grade, pt, tier],
        )
        con.execute(
            "INSERT INTO staff_restricted VALUES (?, ?, ?, ?, ?, ?)",
            [key, ag, f"N-{key}", "資訊室" if key != "k3" else "秘書室", vf, vt],
        )
    classes = [
        ("cert_gov_ai_core", "certification", None, None),
        ("badge_mod1_intro", "badge", "mod1_learn_ai", "intro"),
        ("badge_mod2_intro", "badge", "mod2_data", "intro"),
        ("badge_mod2_practice", "badge", "mod2_data", "practice"),
        ("badge_mod3_advanced", "badge", "mod3_develop", "advanced"),
        ("badge_mod6_practice", "badge", "mod6_optimize", "practice"),
    ]
    for code, kind, module, level in classes:
        con.execute(
            "INSERT INTO badge_class (badge_code, kind, name_zh, module_code, level) VALUES (?, ?, ?, ?, ?)",
            [code, kind, code + "中文", module, level],
        )
    awards = [
        # id, badge, staff, awarded, valid_until, revoked
        ("a1", "cert_gov_ai_core", "k1", "2026-02-01", None, None),
        ("a2", "badge_mod1_intro", "k1", "2026-02-01", None, None),
        ("a3", "badge_mod2_practice", "k1", "2026-02-01", None, None),  # covers mod2 intro
        ("a4", "badge_mod3_advanced", "k1", "2026-02-01", None, None),
        ("a5", "badge_mod6_practice", "k1", "2026-02-01", None, None),
        ("a6", "cert_gov_ai_core", "k2", "2026-01-01", None, "2026-03-01"),  # revoked
        ("a7", "badge_mod1_intro", "k3", "2024-01-01", "2025-12-31", None),  # expired
        ("a8", "cert_gov_ai_core", "k5", "2026-01-01", None, None),
    ]
    for aid, badge, key, on, until, revoked in awards:
        con.execute(
            "INSERT INTO badge_award (award_id, badge_code, staff_key, awarded_on, valid_until, revoked_on, source,"
            " verification, content_sha256, load_id) VALUES (?, ?, ?, ?, ?, ?, 'ob3', 'signed', 'h', 'l')",
            [aid, badge, key, on, until, revoked],
        )
    # the marts the staff queries read, built as the pipeline builds them after every load
    for mart in sorted((ROOT / "etl" / "sql").glob("1*_mart_*.sql")):
        con.execute(mart.read_text(encoding="utf-8"))
    con.close()
    return Warehouse(path)


@pytest.fixture(autouse=True)
def _use(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(svc, "get_warehouse", lambda: warehouse)


HR = Scope("agency_hr", "hr-central", ("C3005",))


def test_only_own_agency_current_staff() -> None:
    df = svc.staff_list(HR, svc.StaffFilters(), today=TODAY)
    assert sorted(df["staff_number"]) == ["N-k1", "N-k2", "N-k3"]
    assert set(df["agency_code"]) == {"C3005"}


def test_forged_agency_is_ignored() -> None:
    forged = svc.StaffFilters.from_query({"agency": "K0601"})
    df = svc.staff_list(HR, forged, today=TODAY)
    assert set(df["agency_code"]) == {"C3005"} and len(df) == 3
    injected = svc.StaffFilters.from_query({"agency": "K0601' OR 1=1 --"})
    assert injected.agency is None


@pytest.mark.parametrize("role", ["planner", "analyst", "executive"])
def test_other_roles_never_get_staff_numbers(role: str) -> None:
    with pytest.raises(svc.StaffAccessError):
        svc.staff_list(Scope(role, "x", None), svc.StaffFilters(), today=TODAY)


def test_routes_awards_and_missing_items() -> None:
    df = svc.staff_list(HR, svc.StaffFilters(), today=TODAY).set_index("staff_key")
    assert df.loc["k1", "route"] == "role_dev" and df.loc["k2", "route"] == "role_policy"
    assert df.loc["k3", "route"] == "role_app"
    # k1: the core certification and every role_dev step (mod2 intro covered by mod2 practice)
    assert bool(df.loc["k1", "has_core_cert"]) and df.loc["k1", "missing_route_badges"] == []
    # k2's certification was revoked; k3's badge expired
    assert not df.loc["k2", "has_core_cert"] and df.loc["k2", "certifications"] == []
    assert df.loc["k3", "badges"] == []
    assert "badge_mod1_intro" in df.loc["k3", "missing_route_badges"]
    # role_policy needs mod1 intro, mod5/mod7 advanced and mod6 practice
    assert df.loc["k2", "n_missing_route"] == 4


def test_filters() -> None:
    f = svc.StaffFilters.from_query
    assert sorted(svc.staff_list(HR, f({"missing": "core"}), today=TODAY)["staff_key"]) == ["k2", "k3"]
    assert list(svc.staff_list(HR, f({"missing": "complete"}), today=TODAY)["staff_key"]) == ["k1"]
    assert list(svc.staff_list(HR, f({"unit": "秘書室"}), today=TODAY)["staff_key"]) == ["k3"]
    assert list(svc.staff_list(HR, f({"search": "k2"}), today=TODAY)["staff_key"]) == ["k2"]
    assert list(svc.staff_list(HR, f({"tier": "middle"}), today=TODAY)["staff_key"]) == ["k2"]
    summary = svc.staff_summary(svc.staff_list(HR, f({}), today=TODAY))
    assert summary == {"staff": 3, "core_missing": 2, "route_missing": 2, "complete": 1}


def test_display_table_matches_rows_and_uses_labels() -> None:
    from dashboard.i18n import label

    df = svc.staff_list(HR, svc.StaffFilters(), today=TODAY)
    table = svc.display_table(df, svc.badge_catalog(HR), "en")
    assert len(table) == len(df)
    assert list(table["Staff number"]) == list(df["staff_number"])
    assert list(table["Tier"]) == [label("tier", x, "en") for x in df["tier"]]
    # grades stay whole numbers (the CSV must say 6, as the screen does, not 6.0)
    assert sorted(table["Grade"]) == [5, 6, 8] and all(type(g) is int for g in table["Grade"])
    k1 = table[table["Staff number"] == "N-k1"].iloc[0]
    # badge_class has no English names here: the Chinese name stands in, never the raw code
    assert "badge_mod1_intro中文" in k1["Valid badges"] and k1["AI common core certification"] == "Held"
