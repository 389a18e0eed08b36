"""The real pipeline over the demo raw files: load log balance, data_version, check, idempotent
and atomic loads into a copy of the demo warehouse."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def etl(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_load_log_balances_for_every_file(demo_warehouse: Path, demo_raw_dir: Path) -> None:
    log = query(
        demo_warehouse,
        "SELECT feed, file_name, status, rows_read, rows_loaded, rows_quarantined, "
        "(SELECT count(*) FROM etl_quarantine q WHERE q.load_id = l.load_id) FROM etl_load_log l",
    )
    assert log, "the demo build logged no file"
    for feed, name, status, read, loaded, quarantined, stored in log:
        assert read == loaded + quarantined, (feed, name)
        assert quarantined == stored, (feed, name)
        assert status in {"loaded", "skipped_duplicate_file"}, (feed, name)
        if status == "loaded" and read:
            assert quarantined / read <= 0.02, f"{name}: {quarantined}/{read} quarantined"
    feeds = {row[0] for row in log if row[2] == "loaded"}
    assert feeds == {"roster", "survey", "selfassessment", "badges"}
    # Every data file of the manifest was seen (truth files are for tests only).
    manifest = json.loads((demo_raw_dir / "manifest.json").read_text(encoding="utf-8"))
    expected = {Path(f["path"]).name for f in manifest["files"] if f["feed"] != "truth"}
    assert expected <= {row[1] for row in log}
    # One survey wave per stem: the .xlsx loaded, its .csv twin skipped.
    statuses = {row[1]: row[2] for row in log}
    assert statuses.get("moda_it_competency_2025.xlsx") == "loaded"
    assert statuses.get("moda_it_competency_2025.csv") == "skipped_duplicate_file"


def test_data_version_and_reference(demo_warehouse: Path) -> None:
    rows = query(demo_warehouse, "SELECT version_id, inputs, etl_version FROM data_version")
    assert len(rows) == 1
    inputs = json.loads(rows[0][1])
    assert inputs["mode"] == "build" and inputs["manifest"]["profile"] == "demo"
    assert query(demo_warehouse, "SELECT count(*) FROM agency") == [(437,)]
    assert query(demo_warehouse, "SELECT count(*) FROM competency WHERE framework = 'ai_framework'") == [
        (14,)
    ]
    # The identity vault never enters the warehouse.
    assert query(
        demo_warehouse, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'email'"
    ) == [(0,)]


def test_check_command_passes(demo_warehouse: Path, test_env: dict[str, str]) -> None:
    proc = etl(["check", "--db", str(demo_warehouse)], test_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    n = len(list((ROOT / "etl" / "checks").glob("*.sql")))
    assert f"稽核 audits: {n}/{n} passed" in proc.stdout


@pytest.fixture
def warehouse_copy(demo_warehouse: Path, tmp_path: Path) -> Path:
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_warehouse, db)
    return db


def test_reloading_a_loaded_file_adds_nothing(
    warehouse_copy: Path, demo_raw_dir: Path, test_env: dict[str, str]
) -> None:
    roster_file = sorted((demo_raw_dir / "roster").glob("*.csv"))[-1]
    counts_sql = "SELECT (SELECT count(*) FROM staff_history), (SELECT count(*) FROM badge_award)"
    before = query(warehouse_copy, counts_sql)
    version_before = query(warehouse_copy, "SELECT version_id FROM data_version")
    proc = etl(["load", "--feed", "roster", "--db", str(warehouse_copy), str(roster_file)], test_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "skipped_duplicate_file" in proc.stdout
    assert query(warehouse_copy, counts_sql) == before
    assert query(warehouse_copy, "SELECT version_id FROM data_version") != version_before


def test_rejected_load_leaves_the_warehouse_identical(
    warehouse_copy: Path, demo_raw_dir: Path, test_env: dict[str, str], tmp_path: Path
) -> None:
    source = sorted((demo_raw_dir / "roster").glob("*.csv"))[-1]
    broken = tmp_path / "webhr_roster_209912.csv"
    data = source.read_bytes()
    # Cut the file inside a multi-byte CP950 character and append bytes invalid in CP950.
    broken.write_bytes(data[: len(data) // 2] + b"\xff\xfe\x80\n")
    before = sha(warehouse_copy)
    proc = etl(["load", "--feed", "roster", "--db", str(warehouse_copy), str(broken)], test_env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "rejected" in proc.stdout and "未發布 not published" in proc.stdout
    assert sha(warehouse_copy) == before
