"""One data version per request: dashboard.db pins a connection for a Flask request."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
from flask import Flask

from dashboard import db


def _warehouse(path: Path, version: str) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE data_version (version_id VARCHAR, built_at TIMESTAMP)")
    con.execute("INSERT INTO data_version VALUES ($v, TIMESTAMP '2026-11-21 00:00:00')", {"v": version})
    con.execute("CREATE TABLE t AS SELECT $v AS v", {"v": version})
    con.close()


def test_a_swap_mid_request_is_seen_only_by_the_next_request(tmp_path: Path) -> None:
    live, new = tmp_path / "live.duckdb", tmp_path / "new.duckdb"
    _warehouse(live, "v1")
    _warehouse(new, "v2")
    wh = db.Warehouse(live)
    app = Flask(__name__)
    app.teardown_request(db.release_request_pins)

    with app.test_request_context("/"):
        assert wh.data_version() == "v1"
        os.replace(new, live)  # the ETL publishes a new build while this request runs
        st = os.stat(live)
        os.utime(live, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
        assert wh.execute("SELECT v FROM t").iloc[0, 0] == "v1"
        assert wh.data_version() == "v1"
    # teardown released the pin: the next request reopens the swapped file
    with app.test_request_context("/"):
        assert wh.data_version() == "v2"
        assert wh.execute("SELECT v FROM t").iloc[0, 0] == "v2"
    assert wh._busy == 0
    # outside a request nothing is pinned and nothing stays busy
    assert wh.data_version() == "v2" and wh._busy == 0
    wh.close()


def test_reference_lookups_are_read_once_per_warehouse_file(tmp_path: Path) -> None:
    """Warehouse.reference: one read per open file and parameter set, a copy per caller, and a
    swapped file read afresh (inside a request: after the request that saw the swap)."""
    import pytest

    live, new = tmp_path / "live.duckdb", tmp_path / "new.duckdb"
    _warehouse(live, "v1")
    _warehouse(new, "v2")
    for path, waves in ((live, ["2025"]), (new, ["2025", "2026"])):
        con = duckdb.connect(str(path))
        con.execute(
            "CREATE TABLE survey_wave (wave VARCHAR, instrument VARCHAR, opened_on DATE, "
            "closed_at TIMESTAMP, n_responses INTEGER, kish_n_eff DOUBLE)"
        )
        for w in waves:
            con.execute("INSERT INTO survey_wave (wave) VALUES ($w)", {"w": w})
        con.close()
    wh = db.Warehouse(live)
    reads: list[str] = []
    real_read = wh.read  # what runs the SQL on DuckDB
    mp = pytest.MonkeyPatch()
    mp.setattr(wh, "read", lambda name, **p: reads.append(name) or real_read(name, **p))
    try:
        first = wh.query("common_waves")
        first.loc[0, "wave"] = "tampered"  # a caller's copy: the kept frame is not changed
        assert list(wh.query("common_waves")["wave"]) == ["2025"]
        assert reads == ["common_waves"]
        app = Flask(__name__)
        app.teardown_request(db.release_request_pins)
        with app.test_request_context("/"):
            assert list(wh.query("common_waves")["wave"]) == ["2025"]
            os.replace(new, live)
            st = os.stat(live)
            os.utime(live, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
            assert list(wh.query("common_waves")["wave"]) == ["2025"]  # pinned to v1
        assert reads == ["common_waves"]
        with app.test_request_context("/"):
            assert list(wh.query("common_waves")["wave"]) == ["2026", "2025"]
        assert reads == ["common_waves", "common_waves"]
        assert list(wh.query("common_waves")["wave"]) == ["2026", "2025"]
        assert reads == ["common_waves", "common_waves"]
        # Only queries that declare themselves lookups are kept; the rest always run on DuckDB.
        assert db.served_from_memory("common_waves") and not db.served_from_memory("priority_estimates_cube")
        with pytest.raises(db.QueryError, match="not a reference lookup"):
            wh.reference("priority_estimates_cube")
    finally:
        mp.undo()
        wh.close()
