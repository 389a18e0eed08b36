"""Fixtures shared by the integration tests (the session-wide demo build is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import db


@pytest.fixture(scope="module")
def wh(demo_warehouse: Path) -> Iterator[db.Warehouse]:
    """The demo warehouse through the dashboard's own Warehouse (1 DuckDB thread, 512 MB), one per
    test module. A module may define its own `wh` (a plain connection, say) instead."""
    w = db.Warehouse(demo_warehouse, threads=1, memory_limit="512MB")
    yield w
    w.close()
