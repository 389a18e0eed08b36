"""The contract between feed parsers and the pipeline: a parser turns one raw file into staging
frames for warehouse tables plus quarantined rows, and never touches the database itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd


class FileRejected(Exception):
    """The whole file is unusable (missing column, unknown codebook, undecodable, empty).

    The message must name the file and the column, line or byte offset. The pipeline then
    leaves the warehouse unchanged and records the rejection in the load report.
    """

    def __init__(self, file_name: str, detail: str) -> None:
        super().__init__(f"{file_name}: {detail}")
        self.file_name = file_name
        self.detail = detail


@dataclass(frozen=True)
class QuarantineRow:
    row_number: int  # 1-based data row (header excluded), or 1-based document index
    reason_code: str  # short stable code, e.g. rank_out_of_range, invalid_roc_date
    message: str  # names the field and the offending value
    raw_record: dict[str, Any]  # the raw row; identifiers (national ID, e-mail, names) masked


@dataclass
class FeedResult:
    feed: str
    file_name: str
    encoding: str | None
    rows_read: int
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # warehouse table -> rows
    quarantine: list[QuarantineRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantine)

    @property
    def rows_loaded(self) -> int:
        return self.rows_read - self.rows_quarantined


class Parser(Protocol):
    def __call__(self, path: Path, ctx: Any) -> FeedResult: ...
