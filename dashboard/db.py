"""The dashboard's only door to DuckDB: read-only warehouse, named queries, data-version reloads."""

from __future__ import annotations

import json
import os
import re
import threading
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from flask import g, has_request_context

QUERY_DIR = Path(__file__).resolve().parent / "queries"
_NAME_RE = re.compile(r"^[a-z0-9_]+$")
_PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
# A query whose header has this line is a reference lookup, served from memory (Warehouse.query).
_SERVED_FROM_MEMORY_RE = re.compile(r"^--\s*Served:\s*from memory\b", re.MULTILINE)
_HEADER_PARAMS_RE = re.compile(r"^--\s*params:\s*(\{.*\})\s*$", re.MULTILINE)


class WarehouseError(RuntimeError):
    """Base of the dashboard's database errors (DuckDB errors are translated into these)."""


class WarehouseUnavailable(WarehouseError):
    """The warehouse file is missing, locked by a writer or unreadable."""


class QueryError(WarehouseError):
    """A named query is unknown, or failed (bad SQL, wrong parameters, missing table)."""


@cache
def query_sql(name: str) -> str:
    """The text of dashboard/queries/<name>.sql (names are plain identifiers: no paths)."""
    if not _NAME_RE.match(name):
        raise QueryError(f"invalid query name {name!r}")
    path = QUERY_DIR / f"{name}.sql"
    if not path.exists():
        raise QueryError(f"unknown query {name!r}")
    return path.read_text(encoding="utf-8")


@cache
def query_params(name: str) -> frozenset[str]:
    """The $names a query uses (comments excluded)."""
    body = "\n".join(line.split("--", 1)[0] for line in query_sql(name).splitlines())
    return frozenset(_PARAM_RE.findall(body))


def header_params(sql: str) -> dict[str, Any]:
    """The test values a query's SQL declares in its `-- params: {json}` header line ({} without)."""
    m = _HEADER_PARAMS_RE.search(sql)
    return json.loads(m.group(1)) if m else {}


@cache
def declared_params(name: str) -> dict[str, Any]:
    """The test values dashboard/queries/<name>.sql declares (header_params), for checks."""
    return header_params(query_sql(name))


def query_names() -> list[str]:
    """Every dashboard query (dashboard/queries/*.sql)."""
    return sorted(p.stem for p in QUERY_DIR.glob("*.sql"))


@cache
def served_from_memory(name: str) -> bool:
    """Whether dashboard/queries/<name>.sql declares itself a reference lookup (a header line
    `-- Served: from memory, ...`): a few hundred rows at most, parameters with few values, and
    nothing but a new warehouse file can change it (catalogs, waves, agencies, the load log)."""
    return bool(_SERVED_FROM_MEMORY_RE.search(query_sql(name)))


def _translate(exc: Exception, what: str) -> WarehouseError:
    """One place that maps DuckDB's exception zoo onto the project's two errors."""
    if isinstance(exc, duckdb.IOException | duckdb.ConnectionException):
        return WarehouseUnavailable(f"{what}: {exc}")
    return QueryError(f"{what}: {exc}")


class Warehouse:
    """A read-only DuckDB warehouse: one connection per process, a cursor per query.

    The ETL replaces the file atomically (os.replace); a connection keeps the old file open, so
    we reopen when the file's identity (inode, mtime, size) changes, checked at most once per
    `check_interval` seconds."""

    def __init__(self, path: Path | str, threads: int = 2, memory_limit: str = "1GB") -> None:
        self.path = Path(path)
        self.threads = threads
        self.memory_limit = memory_limit
        self._cond = threading.Condition()
        self._busy = 0  # queries running on the current connection
        self._swapping = False  # a reopen is waiting for the running queries to finish
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._version: str | None = None
        self._loaded_at: str | None = None
        # Small lookups read once per open warehouse file (see reference()).
        self._reference: dict[tuple[str, str], pd.DataFrame] = {}
        # Queries that do not bind on the open file (see unbound_queries()); None = not checked.
        self._unbound: dict[str, str] | None = None

    # -- connection management -------------------------------------------------------------
    def _file_stamp(self) -> tuple[int, int, int]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError as exc:
            raise WarehouseUnavailable(f"warehouse file not found: {self.path}") from exc
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _open(self) -> duckdb.DuckDBPyConnection:
        try:
            # Plain read-only connect, limits set afterwards: DuckDB refuses a second connection
            # to the same file in one process whose connect-time config differs, and tools,
            # tests and benchmarks open the file read-only without any config.
            con = duckdb.connect(str(self.path), read_only=True)
            con.execute(f"SET threads = {int(self.threads)}")
            con.execute("SET memory_limit = $limit", {"limit": str(self.memory_limit)})
        except duckdb.Error as exc:
            raise _translate(exc, f"cannot open {self.path}") from exc
        return con

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The current connection, reopened when the file was replaced since it was opened.

        DuckDB hands a new connect() the *old* database while any connection to the same path is
        still open in the process, so the old connection is closed first; the swap waits until
        no query is running on it (queries hold `_busy` while they run)."""
        stamp = self._file_stamp()
        with self._cond:
            if self._con is not None and stamp == self._stamp:
                return self._con
            # Hold back new queries on the old connection so the running ones can drain.
            self._swapping = True
            try:
                while self._busy:
                    self._cond.wait()
            finally:
                self._swapping = False
                self._cond.notify_all()
            if self._con is None or stamp != self._stamp:
                if self._con is not None:
                    self._con.close()
                    self._con = None
                self._con = self._open()
                self._stamp = stamp
                self._version = None
                self._loaded_at = None
                self._reference = {}
                self._unbound = None
            return self._con

    def close(self) -> None:
        with self._cond:
            while self._busy:
                self._cond.wait()
            if self._con is not None:
                self._con.close()
            self._con = None
            self._stamp = None

    # -- queries ---------------------------------------------------------------------------
    def _acquire(self) -> duckdb.DuckDBPyConnection:
        """The current connection, counted busy so that a swap waits until it is released."""
        while True:
            con = self.connection()
            with self._cond:
                while self._swapping:
                    self._cond.wait()
                if con is self._con:  # not swapped in between: pin it
                    self._busy += 1
                    return con

    def _release(self) -> None:
        with self._cond:
            self._busy -= 1
            self._cond.notify_all()

    def _request_pin(self) -> _Pin | None:
        """Inside a Flask request, the connection (and data version) pinned for the whole
        request, so every query and the X-Data-Version header of one response see one data
        version even when the warehouse is swapped mid-request. Released at teardown."""
        if not has_request_context():
            return None
        pins: dict[int, _Pin] = g.setdefault("_warehouse_pins", {})
        pin = pins.get(id(self))
        if pin is None:
            pin = _Pin(self, self._acquire())
            pins[id(self)] = pin
        return pin

    def _run(
        self, con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None, what: str
    ) -> pd.DataFrame:
        try:
            cur = con.cursor()
            try:
                return cur.execute(sql, params or {}).df()
            finally:
                cur.close()
        except duckdb.Error as exc:
            raise _translate(exc, what) from exc

    def execute(self, sql: str, params: dict[str, Any] | None = None, what: str = "query") -> pd.DataFrame:
        """Run one read statement on a fresh cursor (connections are not thread-safe)."""
        pin = self._request_pin()
        if pin is not None:
            return self._run(pin.con, sql, params, what)
        con = self._acquire()
        try:
            return self._run(con, sql, params, what)
        finally:
            self._release()

    def query(self, name: str, **params: Any) -> pd.DataFrame:
        """The result of dashboard/queries/<name>.sql with its $named parameters: run on DuckDB,
        or for a reference lookup (`served_from_memory`) read once per warehouse file and then
        served from memory (see reference()).

        Only the parameters the query names are passed (DuckDB rejects extras), so services can
        hand every query the same filter dict; a parameter the query needs but did not get is
        still an error."""
        if served_from_memory(name):
            return self.reference(name, **params)
        return self.read(name, **params)

    def read(self, name: str, **params: Any) -> pd.DataFrame:
        """Run dashboard/queries/<name>.sql on DuckDB now, even a reference lookup (query() is
        what services call; this is for tools and benchmarks that time the SQL itself)."""
        sql = query_sql(name)
        used = query_params(name)
        return self.execute(sql, {k: v for k, v in params.items() if k in used}, what=f"query {name}")

    REFERENCE_MAX = 256  # entries kept per open file (one per query and parameter set)

    def reference(self, name: str, **params: Any) -> pd.DataFrame:
        """A reference lookup (a query whose header says `-- Served: from memory`): read once
        per open warehouse file, then served from memory as a copy. query() calls this for
        those queries, so services need not know which queries are lookups.

        Like the data version, it belongs to the connection it was read on: a swap to a new file
        starts afresh, and a result read on a connection that has been swapped out meanwhile is
        returned but not kept. Only for lookups of a few hundred rows whose parameters take few
        values; every other query runs on DuckDB, behind the service cache."""
        if not served_from_memory(name):
            raise QueryError(f"query {name!r} is not a reference lookup (no '-- Served: from memory' line)")
        used = query_params(name)
        key = (name, repr(sorted((k, v) for k, v in params.items() if k in used)))
        pin = self._request_pin()
        con = pin.con if pin is not None else self.connection()
        with self._cond:
            hit = self._reference.get(key) if con is self._con else None
        if hit is not None:
            return hit.copy()
        df = self.read(name, **params)
        with self._cond:
            if con is self._con and len(self._reference) < self.REFERENCE_MAX:
                self._reference[key] = df.copy()
        return df

    def unbound_queries(self) -> dict[str, str]:
        """The dashboard queries that do not bind on the open warehouse file, with DuckDB's error:
        a table or column they read is missing, as in a warehouse built by older ETL code before
        the next build or load re-ran its marts. Checked once per open file (EXPLAIN of every
        query with its declared test values: planned, not run); empty when all is well."""
        con = self.connection()
        with self._cond:
            if con is self._con and self._unbound is not None:
                return dict(self._unbound)
        unbound: dict[str, str] = {}
        for name in query_names():
            used = query_params(name)
            params = {k: v for k, v in declared_params(name).items() if k in used}
            try:
                self.execute("EXPLAIN " + query_sql(name), params, what=f"query {name}")
            except QueryError as exc:
                unbound[name] = str(exc)
        with self._cond:
            if con is self._con:
                self._unbound = unbound
        return dict(unbound)

    _VERSION_SQL = (
        "SELECT version_id, CAST(built_at AS VARCHAR) AS built_at FROM data_version "
        "ORDER BY built_at DESC LIMIT 1"
    )

    def _read_version(self, con: duckdb.DuckDBPyConnection) -> tuple[str, str | None]:
        df = self._run(con, self._VERSION_SQL, None, "data_version")
        if df.empty:
            return "unversioned", None
        return str(df.iloc[0, 0]), str(df.iloc[0, 1])

    def _version_info(self) -> tuple[str, str | None]:
        pin = self._request_pin()
        if pin is not None:  # the version of the connection this request reads
            if pin.version is None:
                # Read once per connection, not per request (a query costs ~2 ms of CPU): the
                # cached version belongs to the pinned connection while it is still current.
                with self._cond:
                    cached = (self._version, self._loaded_at) if pin.con is self._con else None
                if cached is not None and cached[0] is not None:
                    pin.version = (cached[0], cached[1])
                else:
                    pin.version = self._read_version(pin.con)
                    with self._cond:
                        if pin.con is self._con:
                            self._version, self._loaded_at = pin.version
            return pin.version
        con = self._acquire()
        try:
            with self._cond:
                cached = (self._version, self._loaded_at) if con is self._con else None
            if cached is not None and cached[0] is not None:
                return cached[0], cached[1]
            version = self._read_version(con)
            with self._cond:
                if con is self._con:
                    self._version, self._loaded_at = version
            return version
        finally:
            self._release()

    def data_version(self) -> str:
        """The warehouse's version id (from the data_version table), cached per open file and
        pinned for the rest of a Flask request."""
        return self._version_info()[0]

    def built_at(self) -> str | None:
        """When the current warehouse was built (ISO text), for the footer."""
        return self._version_info()[1]


class _Pin:
    """A connection held for one Flask request (see Warehouse._request_pin)."""

    __slots__ = ("warehouse", "con", "version")

    def __init__(self, warehouse: Warehouse, con: duckdb.DuckDBPyConnection) -> None:
        self.warehouse = warehouse
        self.con = con
        self.version: tuple[str, str | None] | None = None


def release_request_pins(_exc: BaseException | None = None) -> None:
    """Flask teardown_request hook: release the connections this request pinned."""
    pins: dict[int, _Pin] = g.pop("_warehouse_pins", {}) if has_request_context() else {}
    for pin in pins.values():
        pin.warehouse._release()


_instance: Warehouse | None = None
_instance_lock = threading.Lock()


def configure(path: Path | str, threads: int = 2, memory_limit: str = "1GB") -> Warehouse:
    """Set the process's warehouse (create_app calls this with the settings)."""
    global _instance
    with _instance_lock:
        if _instance is not None:
            _instance.close()
        _instance = Warehouse(path, threads=threads, memory_limit=memory_limit)
        return _instance


def get_warehouse() -> Warehouse:
    """The process's Warehouse, configured from Settings on first use if create_app did not."""
    global _instance
    if _instance is None:
        from dashboard.settings import Settings

        s = Settings.from_env()
        return configure(s.warehouse_path, s.duckdb_threads, s.duckdb_memory_limit)
    return _instance
