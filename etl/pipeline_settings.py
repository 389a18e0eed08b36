"""Settings of the warehouse build itself (DuckDB resources, identity-vault path), from ETL_* variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PipelineSettings:
    """How a build or load uses the machine; every field is documented in docs/etl.md."""

    # DuckDB buffer-manager cap for the build connection (larger work spills to disk). The
    # default of DuckDB itself is 80 % of RAM, too much on a machine the dashboard shares. 1GB
    # keeps a national load within its 2 GiB (self-assessment, survey) and 3 GiB (roster, badges)
    # budgets with the parser's frames; the biggest mart (badge holding, 13 M rows) then spills
    # and costs about 40 % more CPU (49.6 s -> 68.3 s measured alone), a load re-runs it rarely.
    duckdb_memory_limit: str = "1GB"
    duckdb_threads: int = 2
    # Identity vault path; None = '<db>.vault.parquet' beside the warehouse.
    identity_vault: Path | None = None

    @classmethod
    def from_env(cls) -> PipelineSettings:
        vault = os.environ.get("ETL_IDENTITY_VAULT")
        return cls(
            duckdb_memory_limit=os.environ.get("ETL_DUCKDB_MEMORY_LIMIT", cls.duckdb_memory_limit),
            duckdb_threads=int(os.environ.get("ETL_DUCKDB_THREADS", str(cls.duckdb_threads))),
            identity_vault=Path(vault) if vault else None,
        )
