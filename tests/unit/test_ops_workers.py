"""Per-worker DuckDB settings: each worker opens the warehouse read-only with its threads and memory limit."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE data_version (version_id VARCHAR, built_at TIMESTAMP, inputs VARCHAR, etl_version VARCHAR)"
    )
    con.execute("INSERT INTO data_version VALUES ('v1', TIMESTAMP '2026-01-01 00:00:00', '{}', 'x')")
    con.close()
    return path


def test_worker_connection_is_read_only_with_limits(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import db
    from dashboard.settings import Settings

    # The process-wide instance is restored afterwards for the other tests of this worker.
    monkeypatch.setattr(db, "_instance", None)

    settings = Settings.from_env(
        {
            "DASHBOARD_WAREHOUSE": str(tiny),
            "DASHBOARD_SECRET_KEY": "k" * 40,
            "DASHBOARD_DUCKDB_THREADS": "1",
            "DASHBOARD_DUCKDB_MEMORY_LIMIT": "300MB",
            "DASHBOARD_USERS_FILE": str(tmp_path / "u.json"),
        }
    )
    wh = db.configure(settings.warehouse_path, settings.duckdb_threads, settings.duckdb_memory_limit)
    try:
        con = wh.connection()
        threads = con.execute("SELECT current_setting('threads')").fetchone()
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
        assert threads is not None and int(threads[0]) == 1
        assert limit is not None and str(limit[0]).replace(" ", "") in ("286.1MiB", "300.0MB", "300MB")
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("CREATE TABLE t (x INTEGER)")
        assert wh.data_version() == "v1"
    finally:
        wh.close()
