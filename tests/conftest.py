"""Shared fixtures: the demo raw files and the demo warehouse, built once per code version and
shared by all xdist workers through a file lock (test-artifacts/cache/, git-ignored)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
DEMO_SEED = 2025


def _code_hash(*folders: str) -> str:
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".sql", ".yaml", ".csv", ".json"}:
                h.update(str(path.relative_to(ROOT)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:12]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )


@pytest.fixture(scope="session")
def test_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for ETL/dashboard subprocesses: a fixed test secret, never the user's."""
    env = dict(os.environ)
    env["ETL_PSEUDONYM_SECRET"] = "test-secret-not-for-production"
    return env


@pytest.fixture(scope="session")
def demo_raw_dir(test_env: dict[str, str]) -> Path:
    """The demo profile's raw files (python -m etl synth --profile demo --seed 2025)."""
    out = ARTIFACTS / "cache" / f"demo-raw-{_code_hash('etl/synth', 'data/reference')}"
    with _locked(ARTIFACTS / "cache" / "demo-raw.lock"):
        if not (out / "manifest.json").exists():
            _run(["etl", "synth", "--profile", "demo", "--seed", str(DEMO_SEED), "--out", str(out)], test_env)
    return out


@pytest.fixture(scope="session")
def demo_warehouse(demo_raw_dir: Path, test_env: dict[str, str]) -> Path:
    """The demo warehouse built from demo_raw_dir by python -m etl build. Treat as read-only."""
    key = _code_hash("etl", "data/reference", "data/codebooks")
    db = ARTIFACTS / "cache" / f"demo-{key}.duckdb"
    with _locked(ARTIFACTS / "cache" / "demo-db.lock"):
        if not db.exists():
            tmp = db.with_suffix(".building.duckdb")
            tmp.unlink(missing_ok=True)
            _run(["etl", "build", "--raw", str(demo_raw_dir), "--db", str(tmp)], test_env)
            tmp.replace(db)
    return db
