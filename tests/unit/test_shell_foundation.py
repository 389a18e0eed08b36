"""Unit tests of the dashboard foundation: settings, filters, i18n catalogs, cache keys, db helpers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard import cache as cache_mod
from dashboard import db
from dashboard.filters import Filters
from dashboard.i18n import I18N_DIR, LANGS, format_date, label, namespaces, reference_codes, t
from dashboard.scope import Scope
from dashboard.settings import Settings, SettingsError, settings_reference

PLANNER = Scope(role="planner", user="p", agencies=None)
HR = Scope(role="agency_hr", user="h", agencies=("C1001",))


# ---------------------------------------------------------------------------- settings
def test_settings_defaults_and_env(tmp_path: Path) -> None:
    s = Settings.from_env(
        {"DASHBOARD_WAREHOUSE": str(tmp_path / "w.duckdb"), "DASHBOARD_SECRET_KEY": "k" * 40}
    )
    assert s.env == "development" and s.port == 8050 and s.min_cell == 10
    assert s.cache_type == "simple" and s.export_row_cap == 100_000
    assert s.warehouse_path == tmp_path / "w.duckdb"
    assert s.demo_accounts is True  # development default
    r = Settings.from_env(
        {
            "REDIS_URL": "redis://localhost:6379/0",
            "DASHBOARD_SECRET_KEY": "k" * 40,
            "DASHBOARD_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2",
            "DASHBOARD_MIN_CELL": "5",
        }
    )
    assert r.cache_type == "redis" and r.redis_url == "redis://localhost:6379/0"
    assert r.trusted_proxies == ("10.0.0.1", "10.0.0.2") and r.min_cell == 5


def test_settings_production_rules() -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"DASHBOARD_ENV": "production"})  # no secret key
    with pytest.raises(SettingsError):
        Settings.from_env(
            {"DASHBOARD_ENV": "production", "DASHBOARD_SECRET_KEY": "k" * 40, "DASHBOARD_DEMO_ACCOUNTS": "1"}
        )
    p = Settings.from_env({"DASHBOARD_ENV": "production", "DASHBOARD_SECRET_KEY": "k" * 40})
    assert p.production and p.demo_accounts is False
    with pytest.raises(SettingsError):
        Settings.from_env({"DASHBOARD_CACHE_TYPE": "redis", "DASHBOARD_SECRET_KEY": "k" * 40})


def test_every_setting_is_documented() -> None:
    rows = settings_reference()
    assert {r["field"] for r in rows} == {f.name for f in dataclasses.fields(Settings)}
    for r in rows:
        assert r["env"].isupper() and len(r["doc"]) > 10, r


# ---------------------------------------------------------------------------- filters
def test_filters_round_trip_and_bad_values() -> None:
    f = Filters.from_query(
        {"wave": "2025", "gov_level": "county", "tier": "senior", "weighted": "0", "agency": "C1001"}
    )
    assert f == Filters(wave="2025", gov_level="county", agency="C1001", tier="senior", weighted=False)
    assert Filters.from_search("?" + f.to_query()) == f
    assert Filters().to_query() == ""  # defaults stay out of the link
    bad = Filters.from_query(
        {"gov_level": "mars", "agency": "C1' OR 1=1 --", "tier": "all", "workgroup": ["non_core"]}
    )
    assert bad.gov_level is None and bad.agency is None and bad.tier is None and bad.workgroup == "non_core"


def test_filters_clamp_forged_agency_to_scope() -> None:
    forged = Filters(agency="M2001")
    assert forged.agencies_in_scope(HR) == ["C1001"]
    assert forged.clamp(HR).agency is None
    assert Filters(agency="C1001").agencies_in_scope(HR) == ["C1001"]
    assert forged.agencies_in_scope(PLANNER) == ["M2001"]
    assert Filters().agencies_in_scope(PLANNER) is None
    params = forged.sql_params(HR)
    assert params["agencies"] == ["C1001"] and params["weighted"] is True


# ---------------------------------------------------------------------------- i18n
def test_every_catalog_key_exists_in_both_languages() -> None:
    missing = []
    for ns in namespaces():
        data = json.loads((I18N_DIR / f"{ns}.json").read_text(encoding="utf-8"))
        assert set(data) >= set(LANGS), f"{ns}.json lacks a language"
        keys = [set(data[lang]) for lang in LANGS]
        for lang, own in zip(LANGS, keys, strict=True):
            other = set().union(*keys) - own
            missing += [f"{ns}.{k} ({lang})" for k in sorted(other)]
        for lang in LANGS:
            missing += [f"{ns}.{k} ({lang}) empty" for k, v in data[lang].items() if not str(v).strip()]
    assert missing == []


def test_t_formats_and_falls_back() -> None:
    assert t("common.footer.data_version", "en", version="v1") == "Data version: v1"
    assert t("common.footer.data_version", "zh-TW", version="v1") == "資料版本：v1"
    assert t("common.no.such.key", "en") == "common.no.such.key"
    assert t("common.nav.priority", "en-US") == "Competency priority"


@pytest.mark.parametrize(
    "kind", ["competency", "tier", "workgroup", "gov_level", "personnel_type", "agency", "task"]
)
def test_labels_never_show_raw_codes(kind: str) -> None:
    for code in reference_codes(kind):
        for lang in LANGS:
            assert label(kind, code, lang) not in ("", code), (kind, code, lang)
    assert label("tier", "basic", "zh-TW") == "基層" and label("tier", "basic", "en") == "Basic level"


def test_format_date_gregorian_and_roc() -> None:
    d = dt.date(2025, 3, 26)
    assert format_date(d, "gregorian", "en") == "2025-03-26"
    assert format_date(d, "roc", "zh-TW") == "民國114年03月26日"
    assert format_date(d, "roc", "en") == "ROC 114-03-26"
    assert format_date(dt.datetime(2025, 4, 10, 12, 0), "roc", "zh-TW") == "民國114年04月10日 12:00"
    assert format_date(pd.NaT, "roc", "en") == "—" and format_date(None) == "—"
    assert format_date("2026-11-21 23:00:00", "gregorian", "en") == "2026-11-21 23:00"


# ---------------------------------------------------------------------------- cache keys
def test_cache_key_depends_on_scope_version_and_arguments() -> None:
    k = cache_mod.cache_key("svc", (PLANNER, Filters()), {}, "v1")
    assert k == cache_mod.cache_key(
        "svc", (Scope(role="planner", user="other", agencies=None), Filters()), {}, "v1"
    )
    assert k != cache_mod.cache_key("svc", (HR, Filters()), {}, "v1")
    assert k != cache_mod.cache_key("svc", (PLANNER, Filters()), {}, "v2")
    assert k != cache_mod.cache_key("svc", (PLANNER, Filters(tier="basic")), {}, "v1")
    assert k != cache_mod.cache_key("svc", (PLANNER, Filters()), {"group_by": "tier"}, "v1")
    with pytest.raises(TypeError):
        cache_mod.cache_key("svc", (Filters(),), {}, "v1")


# ---------------------------------------------------------------------------- db
def _tiny_db(path: Path, version: str) -> Path:
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE data_version (version_id VARCHAR, built_at TIMESTAMP, inputs VARCHAR, etl_version VARCHAR)"
    )
    con.execute("INSERT INTO data_version VALUES (?, TIMESTAMP '2026-01-01 00:00:00', '{}', 't')", [version])
    con.execute(
        "CREATE TABLE survey_wave (wave VARCHAR, instrument VARCHAR, opened_on DATE, closed_at TIMESTAMP, "
        "n_responses INTEGER, kish_n_eff DOUBLE, weight_method VARCHAR)"
    )
    con.execute("INSERT INTO survey_wave VALUES ('2025', 'x', NULL, NULL, 1, 1, 'm')")
    con.close()
    return path


def test_warehouse_reads_named_queries_and_reconnects_on_swap(tmp_path: Path) -> None:
    live = _tiny_db(tmp_path / "live.duckdb", "v1")
    wh = db.Warehouse(live)
    assert wh.data_version() == "v1"
    assert list(wh.query("common_waves")["wave"]) == ["2025"]
    # The ETL builds a new file and os.replace()s it over the live one: the next query sees it.
    new = _tiny_db(tmp_path / "new.duckdb", "v2")
    new.replace(live)
    assert wh.data_version() == "v2"
    with pytest.raises(db.QueryError):
        wh.execute("CREATE TABLE x (a INTEGER)")  # read-only
    with pytest.raises(db.QueryError):
        wh.query("../etc/passwd")
    with pytest.raises(db.QueryError):
        wh.query("no_such_query")
    wh.close()


def test_missing_warehouse_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(db.WarehouseUnavailable):
        db.Warehouse(tmp_path / "absent.duckdb").data_version()


def test_query_params_ignores_comments() -> None:
    assert db.query_params("common_agencies") == frozenset({"agencies"})
    assert db.query_params("common_waves") == frozenset()


def test_service_cache_hits_per_scope_and_data_version(tmp_path: Path) -> None:
    import flask

    calls: list[str] = []

    @cache_mod.service_cache
    def svc(scope: Scope, filters: Filters) -> pd.DataFrame:
        calls.append(scope.role)
        return pd.DataFrame({"x": [len(calls)]})

    saved = cache_mod._backend
    live = _tiny_db(tmp_path / "live.duckdb", "v1")
    db.configure(live)
    app = flask.Flask("t")
    try:
        cache_mod.init_cache(app, Settings(secret_key="k" * 40, warehouse_path=live))
        a = svc(PLANNER, Filters())
        b = svc(PLANNER, Filters())
        assert calls == ["planner"] and a.equals(b)
        svc(HR, Filters())  # another scope never gets the planner's entry
        assert calls == ["planner", "agency_hr"]
        svc.uncached(PLANNER, Filters())  # benchmarks time the function itself
        assert len(calls) == 3
        _tiny_db(tmp_path / "new.duckdb", "v2").replace(live)  # a new data version: recomputed
        svc(PLANNER, Filters())
        assert len(calls) == 4
    finally:
        cache_mod.clear_cache()
        cache_mod._backend = saved
        db.get_warehouse().close()


def test_service_cache_keeps_a_local_copy_and_answers_copies(tmp_path: Path) -> None:
    """A worker's second read of a frame skips the shared backend (Redis in production); every
    answer is its own copy; another worker (an empty local layer) still hits the backend."""
    import flask

    calls: list[str] = []

    @cache_mod.service_cache
    def svc(scope: Scope, filters: Filters) -> pd.DataFrame:
        calls.append(scope.role)
        return pd.DataFrame({"x": [1, 2, 3]})

    saved = cache_mod._backend
    live = _tiny_db(tmp_path / "live.duckdb", "v1")
    db.configure(live)
    app = flask.Flask("t")
    try:
        cache_mod.init_cache(app, Settings(secret_key="k" * 40, warehouse_path=live))
        gets: list[str] = []
        real_get = cache_mod._backend.get
        cache_mod._backend.get = lambda key: gets.append(key) or real_get(key)
        first = svc(PLANNER, Filters())
        first.loc[0, "x"] = 99  # a caller that mutates its frame
        assert len(gets) == 1  # the miss looked in the backend once
        second = svc(PLANNER, Filters())
        assert len(gets) == 1 and calls == ["planner"]  # served by the local copy
        assert second["x"].tolist() == [1, 2, 3]
        second.loc[1, "x"] = 98
        assert svc(PLANNER, Filters())["x"].tolist() == [1, 2, 3]
        cache_mod._local_frames.clear()  # another worker: the shared backend answers
        assert svc(PLANNER, Filters())["x"].tolist() == [1, 2, 3]
        assert len(gets) == 2 and calls == ["planner"]
        # Another backend (a new app, or a test putting its own back) never gets these copies.
        first_backend = cache_mod._backend
        cache_mod.init_cache(flask.Flask("t2"), Settings(secret_key="k" * 40, warehouse_path=live))
        assert svc(PLANNER, Filters())["x"].tolist() == [1, 2, 3] and calls == ["planner", "planner"]
        cache_mod._backend = first_backend
        assert svc(PLANNER, Filters())["x"].tolist() == [1, 2, 3]
        assert len(gets) == 3 and calls == ["planner", "planner"]  # from its own store, not a copy
    finally:
        cache_mod.clear_cache()
        cache_mod._backend = saved
        db.get_warehouse().close()


def test_swap_during_concurrent_queries_gives_no_errors(tmp_path: Path) -> None:
    import threading

    live = _tiny_db(tmp_path / "live.duckdb", "v1")
    wh = db.Warehouse(live)
    seen: list[str] = []
    errors: list[Exception] = []

    def worker() -> None:
        for _ in range(40):
            try:
                seen.append(str(wh.execute("SELECT version_id FROM data_version").iloc[0, 0]))
            except Exception as exc:  # noqa: BLE001 - the assertion below reports them
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    _tiny_db(tmp_path / "new.duckdb", "v2").replace(live)
    for th in threads:
        th.join()
    assert errors == []
    assert set(seen) <= {"v1", "v2"} and len(seen) == 160
    assert wh.data_version() == "v2"
    wh.close()
