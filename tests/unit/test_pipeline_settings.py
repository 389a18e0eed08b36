"""PipelineSettings from the environment, and where the identity vault goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import pipeline
from etl.pipeline_settings import PipelineSettings


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("ETL_DUCKDB_MEMORY_LIMIT", "ETL_DUCKDB_THREADS", "ETL_IDENTITY_VAULT"):
        monkeypatch.delenv(name, raising=False)
    assert PipelineSettings.from_env() == PipelineSettings("1GB", 2, None)
    db = tmp_path / "wh" / "demo.duckdb"
    assert pipeline.vault_path_for(db) == tmp_path / "wh" / "demo.duckdb.vault.parquet"
    monkeypatch.setenv("ETL_DUCKDB_MEMORY_LIMIT", "512MB")
    monkeypatch.setenv("ETL_DUCKDB_THREADS", "1")
    monkeypatch.setenv("ETL_IDENTITY_VAULT", str(tmp_path / "secrets" / "vault.parquet"))
    settings = PipelineSettings.from_env()
    assert settings == PipelineSettings("512MB", 1, tmp_path / "secrets" / "vault.parquet")
    assert pipeline.vault_path_for(db) == tmp_path / "secrets" / "vault.parquet"


def test_candidate_connection_applies_the_limits(tmp_path: Path) -> None:
    con = pipeline._connect_candidate(tmp_path / "c.duckdb", PipelineSettings("512MB", 1, None))
    try:
        settings = dict(
            con.execute(
                "SELECT name, value FROM duckdb_settings() WHERE name IN ('threads', 'enable_progress_bar', 'temp_directory')"
            ).fetchall()
        )
        limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    finally:
        con.close()
    assert settings["threads"] == "1" and settings["enable_progress_bar"] == "false"
    assert settings["temp_directory"].endswith("c.duckdb.spill")
    assert limit.endswith("MiB") and 480 <= float(limit.split()[0]) <= 512
