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
