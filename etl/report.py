"""The load report of a build, load or check: per-file counts, audits, timings, exit status."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Exit statuses of `python -m etl build|load|check` (documented in docs/etl.md).
EXIT_OK = 0
EXIT_FILE_FAILED = 1  # a file was rejected or its quarantine share exceeded the threshold
EXIT_AUDIT_FAILED = 3  # an audit in etl/checks returned rows
EXIT_ERROR = 4  # any other failure (derive step, mart, I/O, inconsistent secret)

STATUS_LOADED = "loaded"
STATUS_REJECTED = "rejected"
STATUS_SKIPPED = "skipped_duplicate_file"


@dataclass
class FileReport:
    """What happened to one raw file."""

    feed: str
    file_name: str
    path: str
    sha256: str
    load_id: str
    status: str = STATUS_LOADED
    encoding: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantine_by_reason: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    message: str | None = None
    seconds: float = 0.0  # parse + insert
    parse_seconds: float = 0.0
    over_threshold: bool = False

    @property
    def quarantine_share(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0

    @property
    def failed(self) -> bool:
        return self.status == STATUS_REJECTED or self.over_threshold

    @staticmethod
    def count_reasons(reasons: list[str]) -> dict[str, int]:
        return dict(sorted(Counter(reasons).items()))


@dataclass
class AuditResult:
    """One audit query (etl/checks/<name>.sql): passes when it returns zero rows."""

    name: str
    rows: int
    sample: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.rows == 0 and self.error is None


@dataclass
class RunReport:
    """Everything a build/load/check did; benchmarks read `feed_seconds` and `step_seconds`."""

    mode: str  # build | load | check
    db: str
    files: list[FileReport] = field(default_factory=list)
    audits: list[AuditResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # run-level: reference, derive steps, marts
    feed_seconds: dict[str, float] = field(default_factory=dict)  # parse + insert per feed
    step_seconds: dict[str, float] = field(
        default_factory=dict
    )  # reference, derive:<feed>, mart:<file>, marts, ...
    # Resident memory of the process (Python and DuckDB) after each step and load:<feed>, in MiB:
    # the current value and the peak so far (ru_maxrss), so the step that raised the peak shows.
    step_rss_mib: dict[str, float] = field(default_factory=dict)
    step_peak_rss_mib: dict[str, float] = field(default_factory=dict)
    marts_run: list[str] = field(default_factory=list)  # a build runs all; a load the affected ones
    marts_skipped: list[str] = field(default_factory=list)  # unaffected by this load, kept as they were
    version_id: str | None = None
    error: str | None = None
    published: bool = False  # the live warehouse was replaced

    @property
    def exit_code(self) -> int:
        if any(f.failed for f in self.files):
            return EXIT_FILE_FAILED
        if self.error is not None:
            return EXIT_ERROR
        if any(not a.passed for a in self.audits):
            return EXIT_AUDIT_FAILED
        return EXIT_OK

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK

    def to_json(self) -> str:
        data = asdict(self)
        data["exit_code"] = self.exit_code
        return json.dumps(data, ensure_ascii=False, indent=2, default=str)

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n", encoding="utf-8")

    def format(self) -> str:
        """A plain-text report for the terminal; headings in Traditional Chinese and English."""
        lines: list[str] = []
        title = {"build": "建置 build", "load": "載入 load", "check": "稽核 check"}.get(self.mode, self.mode)
        lines.append(f"== {title}: {self.db}")
        if self.mode == "check" and self.version_id:
            lines.append(f"資料版本 data_version: {self.version_id}")
        if self.files:
            lines.append(
                "檔案 file | 來源 feed | 編碼 encoding | 讀取 read | 載入 loaded | 隔離 quarantined | 狀態 status"
            )
            for f in self.files:
                share = f" ({f.quarantine_share:.1%})" if f.rows_quarantined else ""
                lines.append(
                    f"{f.file_name} | {f.feed} | {f.encoding or '-'} | {f.rows_read} | {f.rows_loaded} | "
                    f"{f.rows_quarantined}{share} | {f.status}{' OVER THRESHOLD 超過門檻' if f.over_threshold else ''}"
                )
                for reason, n in f.quarantine_by_reason.items():
                    lines.append(f"    隔離原因 quarantine reason {reason}: {n}")
                for w in f.warnings:
                    lines.append(f"    警告 warning: {w}")
                if f.message:
                    lines.append(f"    訊息 message: {f.message}")
            total_read = sum(f.rows_read for f in self.files)
            total_loaded = sum(f.rows_loaded for f in self.files)
            total_q = sum(f.rows_quarantined for f in self.files)
            lines.append(
                f"合計 total: {len(self.files)} files, read {total_read}, loaded {total_loaded}, quarantined {total_q}"
            )
        for w in self.warnings:
            lines.append(f"警告 warning: {w}")
        if self.audits:
            passed = sum(a.passed for a in self.audits)
            lines.append(f"稽核 audits: {passed}/{len(self.audits)} passed")
            for a in self.audits:
                if a.passed and self.mode == "check":
                    lines.append(f"    通過 passed {a.name}")
                if not a.passed:
                    detail = (
                        a.error
                        or f"{a.rows} rows, e.g. {json.dumps(a.sample[:3], ensure_ascii=False, default=str)}"
                    )
                    lines.append(f"    FAILED 未通過 {a.name}: {detail}")
        if self.feed_seconds or self.step_seconds:
            timing = ", ".join(f"{k} {v:.2f}s" for k, v in {**self.feed_seconds, **self.step_seconds}.items())
            lines.append(f"耗時 timings: {timing}")
        if self.marts_skipped:
            lines.append(
                f"彙總表 marts: re-ran {len(self.marts_run)}, unaffected {len(self.marts_skipped)} "
                f"({', '.join(self.marts_skipped)})"
            )
        if self.step_peak_rss_mib:
            lines.append(f"記憶體峰值 peak memory: {max(self.step_peak_rss_mib.values()):.0f} MiB")
        if self.error:
            lines.append(f"錯誤 error: {self.error}")
        if self.mode != "check":
            if self.published:
                lines.append(f"已發布 published: data_version {self.version_id}")
            else:
                lines.append("未發布 not published: the previous warehouse is unchanged 先前的資料倉儲未變更")
        lines.append(f"結束代碼 exit status: {self.exit_code}")
        return "\n".join(lines)
