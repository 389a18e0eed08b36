"""docs/data-model.md documents every table and column of etl/sql/000_schema.sql."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]


def schema_columns() -> dict[str, list[str]]:
    con = duckdb.connect()
    con.execute((ROOT / "etl" / "sql" / "000_schema.sql").read_text(encoding="utf-8")).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns ORDER BY table_name, ordinal_position"
    ).fetchall():
        out.setdefault(table, []).append(column)
    return out


def doc_sections() -> dict[str, str]:
    text = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    parts = re.split(r"^### `([a-z_]+)`.*$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_every_table_and_column_is_documented() -> None:
    sections = doc_sections()
    missing_tables = sorted(set(schema_columns()) - set(sections))
    assert missing_tables == [], f"tables without a section in docs/data-model.md: {missing_tables}"
    missing_columns = [
        f"{table}.{column}"
        for table, columns in schema_columns().items()
        for column in columns
        if f"`{column}`" not in sections[table]
    ]
    assert missing_columns == [], f"columns not documented in docs/data-model.md: {missing_columns}"


def test_docs_name_no_table_that_does_not_exist() -> None:
    assert sorted(set(doc_sections()) - set(schema_columns())) == []


def test_docs_say_agency_codes_are_synthetic() -> None:
    text = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert "Agency codes are synthetic" in text
