"""Atomic, audited warehouse builds and loads: raw files -> feed parsers -> new DuckDB file -> swap."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import importlib
import json
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from etl.context import IDENTITY_VAULT_TABLE, EtlSettings, IdentityVault, LoadContext
from etl.feeds.base import FeedResult, FileRejected
from etl.identity import SECRET_ENV, load_secret
from etl.pipeline_settings import PipelineSettings
from etl.reference import reference_frames
from etl.report import (
    STATUS_LOADED,
    STATUS_REJECTED,
    STATUS_SKIPPED,
    AuditResult,
    FileReport,
    RunReport,
)

ETL_DIR = Path(__file__).resolve().parent
SQL_DIR = ETL_DIR / "sql"
CHECKS_DIR = ETL_DIR / "checks"
SCHEMA_FILE = "000_schema.sql"

# Feed order of a build: the roster first (its derive fills staff_history, which the survey's
# raking and the identity vault of later feeds need), then the feeds that look people up.
FEEDS = ("roster", "survey", "selfassessment", "badges")
# Feeds whose derive step must re-run after a load of the key feed (raking uses the roster).
DERIVE_AFTER: dict[str, tuple[str, ...]] = {"roster": ("survey",)}
RAW_FOLDERS: dict[str, tuple[str, ...]] = {
    "roster": ("roster",),
    "survey": ("survey",),
    "selfassessment": ("selfassessment",),
    "badges": ("badges/ob2", "badges/ob3", "badges", "certifications"),
}
RAW_SUFFIXES = {".csv", ".tsv", ".xlsx", ".ods", ".json", ".jsonl"}
# One survey wave is exported in several formats with the same stem: load the first of these.
SURVEY_FORMAT_PREFERENCE = (".xlsx", ".ods", ".csv", ".tsv")

# Catalog-like tables: a row for a known key replaces the old one instead of failing.
UPSERT_TABLES = frozenset(
    {
        "competency",
        "tier",
        "workgroup",
        "agency",
        "task_item",
        "gov_level",
        "agency_type",
        "rank_class",
        "personnel_type",
        "issuer",
        "badge_class",
        "badge_alignment",
    }
)

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_MONTH_STAMP = re.compile(r"(19|20)\d{2}[-_]?(0[1-9]|1[0-2])")
# Identifiers the quarantine and the load log must never hold, masked defensively even when
# a parser forgot: e-mail addresses and Taiwanese national / resident ID numbers.
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_NATIONAL_ID = re.compile(r"(?<![A-Za-z0-9])[A-Z][1289][0-9]{8}(?![0-9])")


class PipelineError(Exception):
    """A failure that stops a run before publishing (the live warehouse stays as it was)."""


# ---------------------------------------------------------------------------------- helpers


def mask_identifiers(text: str) -> str:
    """Replace e-mail addresses and national ID numbers in free text by placeholders."""
    return _NATIONAL_ID.sub("<national_id>", _EMAIL.sub("<email>", text))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def etl_version() -> str:
    """Package version plus a hash of the ETL code, so a data_version names the code that built it."""
    try:
        from importlib.metadata import version

        base = version("moda-ai-competency-dashboard")
    except Exception:
        base = "0.0.0"
    h = hashlib.sha256()
    for path in sorted(ETL_DIR.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".sql"} and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(ETL_DIR)).encode())
            h.update(path.read_bytes())
    return f"{base}+{h.hexdigest()[:8]}"


def key_fingerprint(secret: bytes) -> str:
    """A one-way fingerprint of the pseudonymisation secret: detects loads with another secret."""
    return hashlib.sha256(b"etl-key-fingerprint:" + secret).hexdigest()[:16]


def vault_path_for(db: Path, settings: PipelineSettings | None = None) -> Path:
    """$ETL_IDENTITY_VAULT, else <db>.vault.parquet beside the warehouse (never inside it)."""
    configured = (settings or PipelineSettings.from_env()).identity_vault
    return configured or db.with_name(db.name + ".vault.parquet")


def import_feed(feed: str) -> Any:
    """The feed module etl.feeds.<feed>; a clear PipelineError when it does not exist (yet)."""
    name = f"etl.feeds.{feed}"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            raise PipelineError(
                f"feed module {name} is not available, so {feed} files cannot be loaded"
            ) from exc
        raise


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _db_lock(db: Path) -> Iterator[None]:
    """One writer per warehouse: a second build/load of the same file waits for the first."""
    lock = db.with_name(db.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _remove_db_files(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(_spill_dir(path), ignore_errors=True)


def _spill_dir(candidate: Path) -> Path:
    return candidate.with_name(candidate.name + ".spill")


def _connect_candidate(path: Path, settings: PipelineSettings) -> duckdb.DuckDBPyConnection:
    """The build connection with bounded resources and no progress bar on stdout."""
    con = duckdb.connect(
        str(path),
        config={
            "memory_limit": settings.duckdb_memory_limit,
            "threads": settings.duckdb_threads,
            "temp_directory": str(_spill_dir(path)),
        },
    )
    con.execute("SET enable_progress_bar = false").fetchall()  # a local option, not a config key
    return con


def _as_arrow(frame: pd.DataFrame) -> pa.Table | pd.DataFrame:
    # DuckDB scans Arrow faster than pandas extension columns (about 1.7x on 1.7M self-assessment
    # rows); a frame Arrow cannot type (mixed objects) is handed over as it is.
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return frame


def _sql_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.sql") if re.match(r"^\d{3}_", p.name))


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str] | None:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' AND table_name = $t "
        "ORDER BY ordinal_position",
        {"t": table},
    ).fetchall()
    return [r[0] for r in rows] or None


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, load_id: str | None) -> int:
    """Insert a parser's frame by column name; staging tables unknown to the schema are created.

    Catalog tables (UPSERT_TABLES) replace rows with the same key; every other table fails on a
    duplicate key, which fails the file and leaves the live warehouse untouched."""
    if not _IDENTIFIER.match(table):
        raise PipelineError(f"invalid table name from a parser: {table!r}")
    if frame.empty:
        return 0
    view = "__etl_frame"
    con.register(view, _as_arrow(frame))
    try:
        columns = _table_columns(con, table)
        if columns is None:
            # A staging table (e.g. roster_snapshot_rows) the feed's derive step consumes; it gets a
            # load_id column so the derive can carry each row's provenance into the final tables.
            # Its column types come from pandas' own mapping (e.g. datetime64 -> TIMESTAMP, not
            # Arrow's TIMESTAMP_NS), as the feed's derive SQL expects.
            extra = "" if "load_id" in frame.columns else ", CAST(NULL AS VARCHAR) AS load_id"
            con.register("__etl_frame_pandas", frame.head(0))
            try:
                con.execute(
                    f'CREATE TABLE "{table}" AS SELECT *{extra} FROM __etl_frame_pandas'  # noqa: S608 - identifier checked above
                ).fetchall()
            finally:
                con.unregister("__etl_frame_pandas")
            columns = _table_columns(con, table) or []
        data = frame
        if "load_id" in columns and load_id is not None:
            data = frame.assign(load_id=load_id)
            con.unregister(view)
            con.register(view, _as_arrow(data))
        unknown = sorted(set(data.columns) - set(columns))
        if unknown:
            raise PipelineError(f"{table}: columns not in the warehouse schema: {unknown}")
        verb = "INSERT OR REPLACE" if table in UPSERT_TABLES else "INSERT"
        con.execute(f'{verb} INTO "{table}" BY NAME SELECT * FROM {view}').fetchall()  # noqa: S608 - identifier checked above
    finally:
        # After a failed insert the transaction is aborted and unregister raises too; keep the
        # original error (a re-register of the same name replaces the view anyway).
        with contextlib.suppress(duckdb.Error):
            con.unregister(view)
    return len(frame)


def run_sql_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.execute(path.read_text(encoding="utf-8")).fetchall()


# ---------------------------------------------------------------------------------- mart dependencies
# Which tables a SQL text reads and writes, worked out from the text itself (comments and string
# literals removed), so that a load re-runs only the marts whose inputs it changed.

_SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_SQL_STRING = re.compile(r"'(?:[^']|'')*'")
_SQL_NAME = r'(?:(?:main|memory|temp)\s*\.\s*)?"?([A-Za-z_][A-Za-z0-9_]*)"?'
_SQL_CREATES = re.compile(
    r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    + _SQL_NAME,
    re.I,
)
_SQL_CREATES_TEMP = re.compile(
    r"\bCREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?" + _SQL_NAME,
    re.I,
)
_SQL_WRITES = re.compile(
    r"\b(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"|INSERT\s+(?:OR\s+(?:REPLACE|IGNORE)\s+)?INTO\s+|UPDATE\s+|DELETE\s+FROM\s+|ALTER\s+TABLE\s+"
    r"|DROP\s+(?:TABLE|VIEW)\s+(?:IF\s+EXISTS\s+)?|TRUNCATE\s+(?:TABLE\s+)?|COPY\s+)" + _SQL_NAME,
    re.I,
)
_SQL_TOKEN = re.compile(r'"([^"]+)"|\b([A-Za-z_][A-Za-z0-9_]*)\b')


def _sql_code(sql: str) -> str:
    return _SQL_STRING.sub("''", _SQL_COMMENT.sub(" ", sql))


def sql_created_tables(sql: str) -> set[str]:
    """Tables and views a SQL text creates (CREATE [OR REPLACE] [TEMP] TABLE|VIEW name)."""
    return {m.group(1).lower() for m in _SQL_CREATES.finditer(_sql_code(sql))}


def sql_written_tables(sql: str) -> set[str]:
    """Tables a SQL text creates, inserts into, updates, deletes from, alters, drops or copies into."""
    return {m.group(1).lower() for m in _SQL_WRITES.finditer(_sql_code(sql))}


def sql_names(sql: str) -> set[str]:
    """Every identifier of a SQL text (lower case), comments and string literals left out."""
    return {(a or b).lower() for a, b in _SQL_TOKEN.findall(_sql_code(sql))}


@dataclasses.dataclass(frozen=True)
class MartFile:
    path: Path
    creates: frozenset[str]
    reads: frozenset[str]  # base tables and views, views expanded to the tables they read
    temporary: frozenset[str] = frozenset()  # temp tables among `creates` (never in the file)

    @property
    def name(self) -> str:
        return self.path.stem


def mart_dependencies(con: duckdb.DuckDBPyConnection, paths: Sequence[Path]) -> list[MartFile]:
    """For each SQL file (in order): the relations it creates and the warehouse relations it reads.

    A name counts as read when it is a table or view of the warehouse, or a table another of the
    files creates, and the file does not create it itself; a view counts as reading the relations
    named in its definition (transitively)."""
    texts = {p: p.read_text(encoding="utf-8") for p in paths}
    creates = {p: sql_created_tables(t) for p, t in texts.items()}
    relations = {
        r[0].lower()
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'"
        ).fetchall()
    }
    known = relations.union(*creates.values()) if creates else set(relations)
    views = {
        r[0].lower(): sql_names(r[1] or "") & known
        for r in con.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'"
        ).fetchall()
    }

    def expand(names: set[str]) -> set[str]:
        todo, seen = list(names), set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            todo.extend(views.get(name, ()))
        return seen

    return [
        MartFile(
            p,
            frozenset(creates[p]),
            frozenset(expand((sql_names(texts[p]) & known) - creates[p])),
            frozenset(m.group(1).lower() for m in _SQL_CREATES_TEMP.finditer(_sql_code(texts[p]))),
        )
        for p in paths
    ]


def marts_to_run(
    marts: Sequence[MartFile], changed: set[str], existing: set[str], previous_sql: Mapping[str, str]
) -> list[MartFile]:
    """The marts whose inputs changed (transitively through earlier marts), whose SQL differs from
    the one that built the warehouse, or whose tables are missing; `changed` grows with their output."""
    todo: list[MartFile] = []
    changed = set(changed)
    for mart in marts:
        stale = previous_sql.get(mart.path.name) != _sql_sha(mart.path)
        missing = not (mart.creates - mart.temporary) <= existing
        if stale or missing or mart.reads & changed:
            todo.append(mart)
            changed |= mart.creates
    return todo


def orphan_mart_tables(existing: set[str], marts: Sequence[MartFile]) -> list[str]:
    """Tables named mart_* that no current mart file creates: left by a mart file since removed
    (a build starts empty, so only loads into older warehouses can hold them)."""
    created = set().union(*(m.creates for m in marts)) if marts else set()
    return sorted(t for t in existing if t.startswith("mart_") and t not in created)


def _sql_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


class _WriteRecorder:
    """A connection stand-in for derive steps: records the tables each statement writes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, written: set[str]) -> None:
        self._con = con
        self._written = written

    def _note(self, query: object) -> None:
        if isinstance(query, str):
            self._written |= sql_written_tables(query)

    def execute(self, query: object, *args: Any, **kwargs: Any) -> Any:
        self._note(query)
        return self._con.execute(query, *args, **kwargs)  # type: ignore[arg-type]

    def executemany(self, query: object, *args: Any, **kwargs: Any) -> Any:
        self._note(query)
        return self._con.executemany(query, *args, **kwargs)  # type: ignore[arg-type]

    def sql(self, query: object, *args: Any, **kwargs: Any) -> Any:
        self._note(query)
        return self._con.sql(query, *args, **kwargs)  # type: ignore[arg-type]

    query = sql

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _table_fingerprints(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> dict[str, Any]:
    """An order-independent content hash of small tables (reference catalogs)."""
    out: dict[str, Any] = {}
    for table in tables:
        if _table_columns(con, table) is None:
            out[table] = None
            continue
        out[table] = con.execute(
            f'SELECT count(*), sum(hash(t)::HUGEINT) FROM "{table}" AS t'  # noqa: S608 - fixed names
        ).fetchall()[0]
    return out


def _rss_mib() -> tuple[float, float]:
    """(current resident set, peak resident set so far) of this process in MiB.

    Both from /proc/self/status (VmRSS, VmHWM: this address space only). ru_maxrss is the
    fallback: Linux carries a forked parent's pre-exec size into it, so an ETL started by a large
    process would report that process's size as its own peak."""
    import resource

    fields: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    fields[line[:5]] = int(line.split()[1]) / 1024  # KiB
    except (OSError, ValueError, IndexError):
        pass
    peak = fields.get("VmHWM", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return round(fields.get("VmRSS", peak), 1), round(peak, 1)


def run_audits(con: duckdb.DuckDBPyConnection, checks_dir: Path = CHECKS_DIR) -> list[AuditResult]:
    """Run every etl/checks/*.sql; each passes when it returns zero rows."""
    results: list[AuditResult] = []
    for path in sorted(checks_dir.glob("*.sql")):
        name = path.stem
        try:
            cur = con.execute(path.read_text(encoding="utf-8"))
            cols = [d[0] for d in cur.description or []]
            rows = cur.fetchall()
            sample = [dict(zip(cols, r, strict=True)) for r in rows[:5]]
            results.append(AuditResult(name=name, rows=len(rows), sample=sample))
        except duckdb.Error as exc:
            results.append(AuditResult(name=name, rows=0, error=f"{type(exc).__name__}: {exc}"))
    return results


# ---------------------------------------------------------------------------------- discovery


def _file_order(path: Path) -> tuple[int, str, str]:
    # Catalog documents (issuers.json, badgeclasses.json, revocations.json, status lists) come
    # before the dated files that refer to them (assertions_YYYYMM.jsonl, credentials_YYYYMM...);
    # dated files go by month, so a snapshot precedes the change records of later months.
    m = _MONTH_STAMP.search(path.stem)
    if m is None:
        return (0, "", path.name)
    return (1, re.sub(r"[-_]", "", m.group(0)), path.name)


def discover(raw: Path) -> tuple[list[tuple[str, Path]], list[tuple[str, Path, str]], list[str]]:
    """Raw folder -> (feed, file) to load in order, survey files skipped as duplicates, warnings."""
    files: list[tuple[str, Path]] = []
    skipped: list[tuple[str, Path, str]] = []
    warnings: list[str] = []
    seen: set[Path] = set()
    for feed in FEEDS:
        for sub in RAW_FOLDERS[feed]:
            folder = raw / sub
            if not folder.is_dir():
                continue
            candidates = []
            for p in sorted(folder.iterdir()):
                if not p.is_file() or p.name.startswith(".") or p in seen:
                    continue
                seen.add(p)
                if p.suffix.lower() not in RAW_SUFFIXES:
                    warnings.append(f"ignored {p.relative_to(raw)}: not a data file")
                    continue
                candidates.append(p)
            if feed == "survey":
                candidates, dropped = _one_per_stem(candidates)
                skipped.extend(("survey", p, reason) for p, reason in dropped)
            files.extend((feed, p) for p in sorted(candidates, key=_file_order))
    return files, skipped, warnings


def _one_per_stem(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The generator writes each survey wave as .xlsx and .csv: keep one per stem, prefer .xlsx."""
    by_stem: dict[str, list[Path]] = {}
    for p in paths:
        by_stem.setdefault(p.stem, []).append(p)
    keep: list[Path] = []
    dropped: list[tuple[Path, str]] = []
    for group in by_stem.values():

        def rank(p: Path) -> int:
            suffix = p.suffix.lower()
            return SURVEY_FORMAT_PREFERENCE.index(suffix) if suffix in SURVEY_FORMAT_PREFERENCE else 99

        group = sorted(group, key=lambda p: (rank(p), p.name))
        keep.append(group[0])
        for other in group[1:]:
            dropped.append((other, f"same survey wave as {group[0].name}; {group[0].suffix} preferred"))
    return keep, dropped


# ---------------------------------------------------------------------------------- the run


@dataclasses.dataclass
class _Run:
    """State of one build or load while it writes its candidate database."""

    report: RunReport
    con: duckdb.DuckDBPyConnection
    ctx: LoadContext
    threshold: float
    feeds: Mapping[str, Any] | None
    run_id: str
    loaded_sha: dict[str, tuple[str, str]]  # sha256 -> (file name, load_id) already loaded
    seq: int = 0
    vault_changed: bool = False
    modules: dict[str, Any] = dataclasses.field(default_factory=dict)
    incremental: bool = False  # a load into an existing warehouse: re-run only the marts it affects
    changed: set[str] = dataclasses.field(default_factory=set)  # tables this run wrote
    mart_sql: dict[str, str] = dataclasses.field(default_factory=dict)  # mart file -> SQL hash

    def module(self, feed: str) -> Any:
        if feed not in self.modules:
            if self.feeds is not None and feed in self.feeds:
                self.modules[feed] = self.feeds[feed]
            elif self.feeds is not None:
                raise PipelineError(f"no parser for feed {feed!r}")
            else:
                self.modules[feed] = import_feed(feed)
        return self.modules[feed]

    def next_load_id(self) -> str:
        self.seq += 1
        return f"{self.run_id}-{self.seq:04d}"

    @property
    def failed(self) -> bool:
        return any(f.failed for f in self.report.files) or self.report.error is not None

    # ------------------------------------------------------------------ per file

    def load_file(self, feed: str, path: Path) -> FileReport:
        t0 = time.perf_counter()
        started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        rep = FileReport(
            feed=feed, file_name=path.name, path=str(path), sha256="", load_id=self.next_load_id()
        )
        result: FeedResult | None = None
        try:
            rep.sha256 = file_sha256(path)
            if rep.sha256 in self.loaded_sha:
                prev_name, prev_id = self.loaded_sha[rep.sha256]
                rep.status = STATUS_SKIPPED
                rep.message = f"identical content already loaded as {prev_name} (load {prev_id})"
            else:
                t_parse = time.perf_counter()
                try:
                    result = self.module(feed).parse(path, self.ctx)
                finally:
                    rep.parse_seconds = time.perf_counter() - t_parse
                self._check_result(result)
        except FileRejected as exc:
            rep.status, rep.message = STATUS_REJECTED, str(exc)
        except Exception as exc:  # a parser bug fails this file, never the report
            rep.status, rep.message = STATUS_REJECTED, f"parser error: {type(exc).__name__}: {exc}"
        if result is not None and rep.status == STATUS_LOADED:
            rep.encoding = result.encoding
            rep.rows_read = result.rows_read
            rep.rows_quarantined = result.rows_quarantined
            rep.rows_loaded = result.rows_loaded
            rep.quarantine_by_reason = FileReport.count_reasons([q.reason_code for q in result.quarantine])
            rep.warnings = [mask_identifiers(w) for w in result.warnings]
            rep.over_threshold = rep.quarantine_share > self.threshold
            if rep.over_threshold:
                rep.message = (
                    f"quarantine share {rep.quarantine_share:.2%} exceeds the threshold {self.threshold:.2%}"
                )
            try:
                self.con.execute("BEGIN TRANSACTION").fetchall()
                self._insert_result(rep, result)
                self.con.execute("COMMIT").fetchall()
                self.loaded_sha[rep.sha256] = (rep.file_name, rep.load_id)
                pairs = result.tables.get(IDENTITY_VAULT_TABLE)
                if pairs is not None and not pairs.empty:
                    # Later feeds of this run look e-mails up in memory; the file is written
                    # only when the whole run is published.
                    self.ctx.vault.update(pairs)
                    self.vault_changed = True
            except Exception as exc:
                with contextlib.suppress(duckdb.Error):  # nothing to roll back if COMMIT failed
                    self.con.execute("ROLLBACK").fetchall()
                rep.status = STATUS_REJECTED
                rep.rows_loaded = 0
                rep.message = f"load failed: {type(exc).__name__}: {exc}"
                if isinstance(exc, duckdb.ConstraintException):
                    rep.message += (
                        " (rows with these keys are already loaded; a changed file needs a rebuild)"
                    )
        rep.seconds = time.perf_counter() - t0
        self._log(rep, started)
        return rep

    @staticmethod
    def _check_result(result: FeedResult) -> None:
        if result.rows_read < result.rows_quarantined:
            raise PipelineError(
                f"parser reported {result.rows_read} rows read but {result.rows_quarantined} quarantined"
            )

    def _insert_result(self, rep: FileReport, result: FeedResult) -> None:
        for table, frame in result.tables.items():
            if table != IDENTITY_VAULT_TABLE:  # raw e-mails go to the vault after the commit
                if insert_frame(self.con, table, frame, rep.load_id):
                    self.changed.add(table)
        if result.quarantine:
            q = pd.DataFrame(
                {
                    "load_id": rep.load_id,
                    "feed": rep.feed,
                    "file_name": rep.file_name,
                    "row_number": [int(r.row_number) for r in result.quarantine],
                    "reason_code": [r.reason_code for r in result.quarantine],
                    "message": [mask_identifiers(r.message) for r in result.quarantine],
                    "raw_record": [
                        mask_identifiers(
                            json.dumps(r.raw_record, ensure_ascii=False, sort_keys=True, default=str)
                        )
                        for r in result.quarantine
                    ],
                }
            )
            insert_frame(self.con, "etl_quarantine", q, None)
            self.changed.add("etl_quarantine")

    def _log(self, rep: FileReport, started: dt.datetime) -> None:
        if rep.message:
            rep.message = mask_identifiers(rep.message)
        row = pd.DataFrame(
            [
                {
                    "load_id": rep.load_id,
                    "feed": rep.feed,
                    "file_name": rep.file_name,
                    "file_sha256": rep.sha256,
                    "encoding": rep.encoding,
                    "rows_read": rep.rows_read if rep.status == STATUS_LOADED else 0,
                    "rows_loaded": rep.rows_loaded if rep.status == STATUS_LOADED else 0,
                    "rows_quarantined": rep.rows_quarantined if rep.status == STATUS_LOADED else 0,
                    "status": rep.status,
                    "message": rep.message,
                    "warnings": json.dumps(rep.warnings, ensure_ascii=False),
                    "started_at": started,
                    "finished_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
                }
            ]
        )
        insert_frame(self.con, "etl_load_log", row, None)
        self.changed.add("etl_load_log")
        self.report.files.append(rep)

    def load_files(self, feed: str, paths: Sequence[Path], progress: bool | None) -> None:
        t0 = time.perf_counter()
        # A feed may parse large files ahead in worker processes (badges: etl/feeds/badges.py
        # `prefetch`); `parse` then returns those results file by file, in this order.
        prefetch = getattr(self.module(feed), "prefetch", None)
        if prefetch is not None:
            prefetch(list(paths), self.ctx)
        for path in tqdm(
            paths, desc=f"load {feed}", unit="file", file=sys.stderr, disable=_tqdm_disable(progress)
        ):
            self.load_file(feed, path)
        self.report.feed_seconds[feed] = self.report.feed_seconds.get(feed, 0.0) + time.perf_counter() - t0
        self._note_memory(f"load:{feed}")

    def _note_memory(self, name: str) -> None:
        current, peak = _rss_mib()
        self.report.step_rss_mib[name] = current
        self.report.step_peak_rss_mib[name] = peak

    def record_unloaded(self, feed: str, path: Path, status: str, reason: str) -> None:
        """Log a file that is not parsed: skipped (duplicate) or rejected (no parser)."""
        rep = FileReport(
            feed=feed,
            file_name=path.name,
            path=str(path),
            sha256=file_sha256(path),
            load_id=self.next_load_id(),
            status=status,
            message=reason,
        )
        self._log(rep, dt.datetime.now(dt.UTC).replace(tzinfo=None))

    def loaded_in_run(self, feed: str) -> bool:
        return any(f.feed == feed and f.status == STATUS_LOADED for f in self.report.files)

    def feed_has_data(self, feed: str) -> bool:
        rows = self.con.execute(
            "SELECT count(*) FROM etl_load_log WHERE feed = $f AND status = $s",
            {"f": feed, "s": STATUS_LOADED},
        ).fetchall()
        return bool(rows[0][0])

    def refresh_from_log(self) -> None:
        """Re-read each file's counts after the derive steps, which may quarantine more rows
        (e.g. the badges derive quarantines awards already loaded from an earlier file)."""
        counts = {
            r[0]: (r[1], r[2], r[3])
            for r in self.con.execute(
                "SELECT load_id, rows_read, rows_loaded, rows_quarantined FROM etl_load_log"
            ).fetchall()
        }
        reasons: dict[str, dict[str, int]] = {}
        for load_id, reason, n in self.con.execute(
            "SELECT load_id, reason_code, count(*) FROM etl_quarantine GROUP BY ALL ORDER BY ALL"
        ).fetchall():
            reasons.setdefault(load_id, {})[reason] = int(n)
        for rep in self.report.files:
            if rep.status != STATUS_LOADED or rep.load_id not in counts:
                continue
            new = tuple(int(v) for v in counts[rep.load_id])
            if new == (rep.rows_read, rep.rows_loaded, rep.rows_quarantined):
                continue
            rep.rows_read, rep.rows_loaded, rep.rows_quarantined = new
            rep.quarantine_by_reason = reasons.get(rep.load_id, {})
            rep.over_threshold = rep.quarantine_share > self.threshold
            if rep.over_threshold:
                rep.message = (
                    f"quarantine share {rep.quarantine_share:.2%} exceeds the threshold {self.threshold:.2%}"
                )

    # ------------------------------------------------------------------ whole-database steps

    def step(self, name: str, fn: Any, *args: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.report.step_seconds[name] = (
                self.report.step_seconds.get(name, 0.0) + time.perf_counter() - t0
            )
            self._note_memory(name)

    def load_reference(self) -> None:
        for table, frame in reference_frames().items():
            insert_frame(self.con, table, frame, None)
            dropped = frame.attrs.get("duplicates_dropped", 0)
            if dropped:
                self.report.warnings.append(
                    f"reference {table}: {dropped} duplicate codes, the last row kept"
                )
        try:
            badges = self.module("badges")
        except PipelineError:
            self.report.warnings.append("badge catalog not loaded: no badges feed module")
            return
        frames_fn = getattr(badges, "reference_frames", None)
        if frames_fn is None:
            self.report.warnings.append("badge catalog not loaded: the badges feed has no reference_frames()")
            return
        for table, frame in frames_fn().items():
            insert_frame(self.con, table, frame, None)

    def derive(self, feed: str) -> None:
        fn = getattr(self.module(feed), "derive", None)
        if fn is None:
            return
        try:
            # The derive step writes through a recorder, so the marts reading what it wrote re-run.
            recorder = _WriteRecorder(self.con, self.changed)
            warnings = self.step(f"derive:{feed}", fn, recorder, self.ctx) or []
        except Exception as exc:
            raise PipelineError(
                f"derive step of the {feed} feed failed: {type(exc).__name__}: {exc}"
            ) from exc
        self.report.warnings.extend(f"{feed}: {mask_identifiers(str(w))}" for w in warnings)

    def run_sql(self, sql_dir: Path) -> None:
        """Transforms (0NN_*) always; marts (1NN_*) all in a build, only the affected ones in a load.

        A load re-runs a mart when it reads a table this run changed (directly, through a view or
        through an earlier mart it re-ran), when its SQL differs from the SQL recorded in the
        warehouse's data_version, or when a table it creates is missing."""
        files = [p for p in _sql_files(sql_dir) if p.name != SCHEMA_FILE]
        marts = [p for p in files if p.name[0] != "0"]
        self.mart_sql = {p.name: _sql_sha(p) for p in marts}
        for path in files:
            if path.name[0] == "0":
                self._run_sql_file("transforms", path)
        todo = marts
        if self.incremental:
            deps = mart_dependencies(self.con, marts)
            existing = {
                r[0].lower()
                for r in self.con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
                ).fetchall()
            }
            chosen = marts_to_run(
                deps, self.changed, existing, _previous_inputs(self.con).get("mart_sql", {})
            )
            todo = [m.path for m in chosen]
            self.report.marts_skipped = [p.stem for p in marts if p not in todo]
            orphans = orphan_mart_tables(existing, deps)
            for table in orphans:
                self.con.execute(f'DROP TABLE IF EXISTS "{table}"')
            if orphans:
                self.report.warnings.append(
                    "dropped tables of mart files that no longer exist: " + ", ".join(orphans)
                )
        t0 = time.perf_counter()
        for path in todo:
            self._run_sql_file(f"mart:{path.stem}", path)
        self.report.step_seconds["marts"] = time.perf_counter() - t0
        self.report.marts_run = [p.stem for p in todo]

    def _run_sql_file(self, step: str, path: Path) -> None:
        try:
            self.step(step, run_sql_file, self.con, path)
        except duckdb.Error as exc:
            raise PipelineError(f"{path.name} failed: {exc}") from exc

    def write_data_version(self, mode: str, extra_inputs: Mapping[str, Any]) -> str:
        prev = self.con.execute(
            "SELECT version_id FROM data_version ORDER BY built_at DESC LIMIT 1"
        ).fetchall()
        built_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        inputs = {
            "mode": mode,
            "previous_version": prev[0][0] if prev else None,
            "key_fingerprint": key_fingerprint(self.ctx.secret),
            # The SQL each mart of this warehouse was built with: a load re-runs a changed mart.
            "mart_sql": dict(sorted(self.mart_sql.items())),
            "files": [
                {
                    "feed": f.feed,
                    "file": f.file_name,
                    "sha256": f.sha256,
                    "status": f.status,
                    "rows_loaded": f.rows_loaded,
                }
                for f in self.report.files
            ],
            **extra_inputs,
        }
        text = json.dumps(inputs, ensure_ascii=False, sort_keys=True)
        version_id = f"{built_at:%Y%m%dT%H%M%SZ}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
        self.con.execute("DELETE FROM data_version").fetchall()
        self.con.execute(
            "INSERT INTO data_version VALUES ($v, $t, $i, $e)",
            {"v": version_id, "t": built_at, "i": text, "e": etl_version()},
        ).fetchall()
        return version_id


def _tqdm_disable(progress: bool | None) -> bool | None:
    # None lets tqdm decide (off when stderr is not a terminal, e.g. under pytest).
    return None if progress is None else not progress


def _previous_inputs(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    rows = con.execute("SELECT inputs FROM data_version ORDER BY built_at DESC LIMIT 1").fetchall()
    if not rows:
        return {}
    try:
        value = json.loads(rows[0][0])
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}


def _previous_fingerprint(con: duckdb.DuckDBPyConnection) -> str | None:
    value = _previous_inputs(con).get("key_fingerprint")
    return str(value) if value else None


def _load_and_derive(
    run: _Run,
    plan: Sequence[tuple[str, Path]],
    skipped: Sequence[tuple[str, Path, str]],
    progress: bool | None,
    derive_feeds: Sequence[str] | None,
) -> None:
    """Load every planned file feed by feed, then run the derive steps that have new input."""
    by_feed: dict[str, list[Path]] = {}
    for feed, path in plan:
        by_feed.setdefault(feed, []).append(path)
    for feed in FEEDS:
        for skipped_feed, path, reason in skipped:
            if skipped_feed == feed:
                run.record_unloaded(feed, path, STATUS_SKIPPED, reason)
        paths = by_feed.get(feed, [])
        if not paths:
            continue
        try:
            run.module(feed)
        except PipelineError as exc:
            for path in paths:
                run.record_unloaded(feed, path, STATUS_REJECTED, str(exc))
            continue
        run.load_files(feed, paths, progress)
        if feed == "roster" and not run.failed and run.loaded_in_run("roster"):
            run.derive("roster")
    if run.failed:
        return
    todo = list(derive_feeds) if derive_feeds is not None else list(FEEDS)
    for feed in FEEDS:
        if feed == "roster" or feed not in todo:
            continue
        # A feed's derive runs when this run loaded its files, or when it depends on a feed this
        # run loaded and the warehouse holds its data (survey raking after a roster load).
        # Nothing new, nothing to derive.
        dependent = any(feed in DERIVE_AFTER.get(f, ()) and run.loaded_in_run(f) for f in FEEDS)
        if run.loaded_in_run(feed) or (dependent and run.feed_has_data(feed)):
            run.derive(feed)
    run.step("refresh_counts", run.refresh_from_log)
    if run.failed:
        raise PipelineError("a derive step pushed a file's quarantine share over the threshold")


def _publish(
    tmp: Path, db: Path, vault: IdentityVault, tmp_vault: Path, vault_final: Path, *, write_vault: bool
) -> None:
    """fsync the closed candidate, replace the vault, then the live warehouse."""
    _fsync(tmp)
    if write_vault:
        vault.save(tmp_vault)
        _fsync(tmp_vault)
        # The vault goes first: if the machine stops between the two replaces, the vault holds
        # a superset of the keys, which is harmless.
        os.replace(tmp_vault, vault_final)
    os.replace(tmp, db)
    # A WAL left beside the old file by a crashed writer was copied into the candidate (load)
    # or is obsolete (build); DuckDB must never replay it onto the new file.
    db.with_name(db.name + ".wal").unlink(missing_ok=True)
    _fsync(db.parent)


def _execute(
    mode: str,
    db: Path,
    plan: Sequence[tuple[str, Path]],
    skipped: Sequence[tuple[str, Path, str]],
    *,
    max_quarantine: float | None,
    secret: bytes | None,
    vault_path: Path | None,
    feeds: Mapping[str, Any] | None,
    sql_dir: Path,
    checks_dir: Path,
    progress: bool | None,
    extra_inputs: Mapping[str, Any],
    discovery_warnings: Sequence[str] = (),
    derive_feeds: Sequence[str] | None = None,
) -> RunReport:
    t_total = time.perf_counter()
    db = Path(db)
    report = RunReport(mode=mode, db=str(db))
    report.warnings.extend(discovery_warnings)
    db.parent.mkdir(parents=True, exist_ok=True)
    with _db_lock(db):
        run_id = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
        tmp = db.with_name(f".{db.name}.{run_id}.tmp")
        pipeline_settings = PipelineSettings.from_env()
        vault_final = vault_path or vault_path_for(db, pipeline_settings)
        tmp_vault = vault_final.with_name(f".{vault_final.name}.{run_id}.tmp")
        settings = EtlSettings.from_env()
        threshold = settings.max_quarantine_share if max_quarantine is None else max_quarantine
        settings = dataclasses.replace(settings, max_quarantine_share=threshold)
        incremental = mode == "load" and db.exists()
        # Candidates left by a killed run (we hold the lock, so no other run owns them).
        for stale in [
            *db.parent.glob(f".{db.name}.*.tmp*"),
            *vault_final.parent.glob(f".{vault_final.name}.*.tmp"),
        ]:
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
        con: duckdb.DuckDBPyConnection | None = None
        try:
            if secret is None:
                # A fresh warehouse may create the demo secret; a load into an existing one
                # must reuse the secret it was built with.
                secret = load_secret(create_if_missing=not incremental)
            # A build starts an empty vault (it re-derives everything from the raw folder);
            # a load extends the current one.
            vault = IdentityVault(vault_final if incremental else tmp_vault)
            ctx = LoadContext(secret=secret, vault=vault, settings=settings)
            if incremental:
                shutil.copyfile(db, tmp)
                wal = db.with_name(db.name + ".wal")
                if wal.exists():
                    shutil.copyfile(wal, tmp.with_name(tmp.name + ".wal"))
            con = _connect_candidate(tmp, pipeline_settings)
            run = _Run(report, con, ctx, threshold, feeds, run_id, loaded_sha={}, incremental=incremental)
            run.step("schema", run_sql_file, con, sql_dir / SCHEMA_FILE)
            if incremental:
                prev_fp = _previous_fingerprint(con)
                if prev_fp is not None and prev_fp != key_fingerprint(secret):
                    raise PipelineError(
                        f"the pseudonymisation secret differs from the one {db.name} was built with "
                        f"(set {SECRET_ENV} to the original secret or rebuild)"
                    )
                for sha, name, load_id in con.execute(
                    "SELECT file_sha256, file_name, load_id FROM etl_load_log WHERE status = $s",
                    {"s": STATUS_LOADED},
                ).fetchall():
                    run.loaded_sha[sha] = (name, load_id)
            catalogs = sorted(UPSERT_TABLES)
            before = _table_fingerprints(con, catalogs) if incremental else {}
            run.step("reference", run.load_reference)
            if incremental:
                after = _table_fingerprints(con, catalogs)
                run.changed |= {t for t in catalogs if before[t] != after[t]}

            _load_and_derive(run, plan, skipped, progress, derive_feeds)
            if not run.failed:
                run.run_sql(sql_dir)
                report.version_id = run.step("data_version", run.write_data_version, mode, extra_inputs)
                report.audits = run.step("audits", run_audits, con, checks_dir)
            if report.ok:
                t0 = time.perf_counter()
                con.execute("CHECKPOINT").fetchall()
                con.close()
                con = None
                _publish(
                    tmp, db, vault, tmp_vault, vault_final, write_vault=run.vault_changed or not incremental
                )
                report.published = True
                report.step_seconds["publish"] = time.perf_counter() - t0
        except PipelineError as exc:
            report.error = str(exc)
        except Exception as exc:
            report.error = f"{type(exc).__name__}: {exc}"
        finally:
            if con is not None:
                con.close()
            shutil.rmtree(_spill_dir(tmp), ignore_errors=True)
            if not report.published:
                _remove_db_files(tmp)
                tmp_vault.unlink(missing_ok=True)
    report.step_seconds["total"] = time.perf_counter() - t_total
    return report


# ---------------------------------------------------------------------------------- public API


def build(
    raw: Path,
    db: Path,
    *,
    max_quarantine: float | None = None,
    secret: bytes | None = None,
    vault_path: Path | None = None,
    feeds: Mapping[str, Any] | None = None,
    sql_dir: Path = SQL_DIR,
    checks_dir: Path = CHECKS_DIR,
    progress: bool | None = None,
) -> RunReport:
    """Rebuild the warehouse at `db` from the raw folder; publish only if every file and audit passes.

    `feeds` maps feed names to parser modules (tests inject fakes); default: etl.feeds.<name>."""
    raw = Path(raw)
    if not raw.is_dir():
        report = RunReport(mode="build", db=str(db), error=f"raw folder {raw} does not exist")
        return report
    plan, skipped, warnings = discover(raw)
    extra: dict[str, Any] = {"raw": raw.name}
    manifest = raw / "manifest.json"
    if manifest.exists():
        try:
            meta = json.loads(manifest.read_text(encoding="utf-8"))
            extra["manifest"] = {"profile": meta.get("profile"), "seed": meta.get("seed")}
        except ValueError:
            warnings.append("manifest.json is not valid JSON; ignored")
    if not plan:
        warnings.append(f"no raw files found under {raw}")
    return _execute(
        "build",
        db,
        plan,
        skipped,
        max_quarantine=max_quarantine,
        secret=secret,
        vault_path=vault_path,
        feeds=feeds,
        sql_dir=sql_dir,
        checks_dir=checks_dir,
        progress=progress,
        extra_inputs=extra,
        discovery_warnings=warnings,
    )


def load(
    feed: str,
    files: Sequence[Path],
    db: Path,
    *,
    max_quarantine: float | None = None,
    secret: bytes | None = None,
    vault_path: Path | None = None,
    feeds: Mapping[str, Any] | None = None,
    sql_dir: Path = SQL_DIR,
    checks_dir: Path = CHECKS_DIR,
    progress: bool | None = None,
) -> RunReport:
    """Add files of one feed to the warehouse at `db` (created when missing), all or nothing."""
    if feed not in FEEDS:
        return RunReport(mode="load", db=str(db), error=f"unknown feed {feed!r}; choose one of {FEEDS}")
    paths = [Path(p) for p in files]
    absent = [str(p) for p in paths if not p.is_file()]
    if absent:
        return RunReport(mode="load", db=str(db), error=f"files not found: {absent}")
    if feed == "survey":
        keep, dropped = _one_per_stem(paths)
        plan = [(feed, p) for p in sorted(keep, key=_file_order)]
        skipped = [(feed, p, reason) for p, reason in dropped]
    else:
        plan = [(feed, p) for p in sorted(paths, key=_file_order)]
        skipped = []
    derive_feeds = [feed, *DERIVE_AFTER.get(feed, ())]
    if feeds is not None:
        derive_feeds = [f for f in derive_feeds if f in feeds]
    else:
        derive_feeds = [f for f in derive_feeds if f == feed or _module_available(f)]
    return _execute(
        "load",
        db,
        plan,
        skipped,
        max_quarantine=max_quarantine,
        secret=secret,
        vault_path=vault_path,
        feeds=feeds,
        sql_dir=sql_dir,
        checks_dir=checks_dir,
        progress=progress,
        extra_inputs={"feed": feed},
        derive_feeds=derive_feeds,
    )


def _module_available(feed: str) -> bool:
    try:
        import_feed(feed)
    except PipelineError:
        return False
    return True


def check(db: Path, checks_dir: Path = CHECKS_DIR) -> RunReport:
    """Run the audits read-only against a warehouse."""
    report = RunReport(mode="check", db=str(db))
    t0 = time.perf_counter()
    if not Path(db).exists():
        report.error = f"warehouse {db} does not exist"
        return report
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        report.error = f"cannot open {db}: {exc}"
        return report
    try:
        rows = con.execute("SELECT version_id FROM data_version").fetchall()
        report.version_id = rows[0][0] if rows else None
        report.audits = run_audits(con, checks_dir)
    except duckdb.Error as exc:
        report.error = f"{type(exc).__name__}: {exc}"
    finally:
        con.close()
    report.step_seconds["audits"] = time.perf_counter() - t0
    return report


def _finish(report: RunReport, db: Path) -> int:
    print(report.format(), flush=True)
    if report.mode != "check":
        # The JSON report beside the warehouse is for operators and the benchmark harness.
        with contextlib.suppress(OSError):
            report.write_json(Path(db).with_name(Path(db).name + ".load-report.json"))
    return report.exit_code


def build_command(raw: Path, db: Path, max_quarantine: float | None) -> int:
    return _finish(build(raw, db, max_quarantine=max_quarantine), db)


def load_command(feed: str, files: list[Path], db: Path, max_quarantine: float | None) -> int:
    return _finish(load(feed, files, db, max_quarantine=max_quarantine), db)


def check_command(db: Path) -> int:
    return _finish(check(db), db)
