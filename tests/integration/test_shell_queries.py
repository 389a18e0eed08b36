"""Every dashboard/queries/*.sql (all engineers' files) has a header and runs against a warehouse
built from etl/sql/000_schema.sql, with the test values its `-- params: {json}` line declares."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dashboard import db
from tests.fixtures.test_shell_warehouse import build_small_warehouse

QUERY_DIR = Path(db.__file__).resolve().parent / "queries"
QUERIES = sorted(p.stem for p in QUERY_DIR.glob("*.sql"))
PARAMS_RE = re.compile(r"^--\s*params:\s*(\{.*\})\s*$", re.MULTILINE)


def header(name: str) -> str:
    lines = []
    for line in (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        lines.append(line)
    return "\n".join(lines)


def declared_params(name: str) -> dict[str, object]:
    m = PARAMS_RE.search(header(name))
    assert m, f'{name}.sql: declare test values in the header, e.g. -- params: {{"wave": "2025"}}'
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> db.Warehouse:
    path = build_small_warehouse(tmp_path_factory.mktemp("queries") / "w.duckdb", n_per_wave=150)
    wh = db.Warehouse(path)
    yield wh
    wh.close()


def test_there_are_queries() -> None:
    assert {"priority_estimates_cube", "report_tables_scores", "data_status_loads", "common_waves"} <= set(
        QUERIES
    )


@pytest.mark.parametrize("name", QUERIES)
def test_query_header(name: str) -> None:
    text = header(name).lower()
    for part in ("purpose", "grain", "param"):
        assert part in text, f"{name}.sql header lacks '{part}'"
    declared = set(declared_params(name))
    used = set(db.query_params(name))
    assert used <= declared, f"{name}.sql uses undeclared params {sorted(used - declared)}"


@pytest.mark.parametrize("name", QUERIES)
def test_query_runs(name: str, warehouse: db.Warehouse) -> None:
    df = warehouse.query(name, **declared_params(name))
    assert len(df.columns) > 0
    # One statement, read only: a second run gives the same shape.
    assert list(warehouse.query(name, **declared_params(name)).columns) == list(df.columns)
