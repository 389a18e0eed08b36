"""Downloads: CSV (UTF-8 BOM), XLSX and ODS of the on-screen table, injection-safe, capped and audited."""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dashboard.audit import AuditLog
from dashboard.i18n import t
from dashboard.scope import Scope

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx", "ods")
MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
# OWASP CSV injection: a text cell starting with one of these may be run as a formula.
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
# Columns only agency HR may download (their own agency's staff numbers, from the staff page).
RESTRICTED_COLUMNS = frozenset({"staff_number"})
# Row-level exports carry people; only pseudonymous keys may identify them.
IDENTIFYING_COLUMNS = frozenset({"national_id", "email", "name", "phone"})
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


class ExportRefused(Exception):
    """A download that must not happen; ``message`` is user-facing text in the viewer's language."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _msg(key: str, lang: str | None, **fmt: Any) -> str:
    return t("exports.error." + key, lang, **fmt)


def _labels(lang: str | None) -> dict[str, str]:
    keys = "title page user role generated_at data_version threshold suppression rows filters agencies on off all"

    return {k: t("exports.meta." + k, lang) for k in keys.split()}


def escape_text(value: str) -> str:
    """Neutralise a text cell that a spreadsheet would read as a formula (prefix a quote)."""
    if value and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    """One cell as a plain Python value: numbers stay numbers, text is escaped, blanks are None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, list | tuple | set | np.ndarray):
        value = "、".join(str(v) for v in value)
    return escape_text(str(value))


def _rows(df: pd.DataFrame) -> list[list[Any]]:
    header = [_cell(str(c)) for c in df.columns]
    body = [[_cell(v) for v in row] for row in df.itertuples(index=False, name=None)]
    return [header, *body]


def _meta_rows(meta: Mapping[str, Any]) -> list[list[Any]]:
    return [[_cell(str(k)), _cell(v if isinstance(v, int | float) else str(v))] for k, v in meta.items()]


def _csv(df: pd.DataFrame, meta: Mapping[str, Any]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    # Metadata block first, then one empty line, then the table (header + rows).
    for row in _meta_rows(meta):
        w.writerow(["" if v is None else v for v in row])
    w.writerow([])
    for row in _rows(df):
        w.writerow(["" if v is None else v.isoformat() if isinstance(v, datetime | date) else v for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _xlsx(df: pd.DataFrame, meta: Mapping[str, Any], meta_title: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "data"
    for row in _rows(df):
        ws.append(row)
    # openpyxl would turn any str starting with "=" into a formula; escaping already prevented
    # that, and pinning the type makes it explicit for every text cell.
    for r in ws.iter_rows():
        for c in r:
            if isinstance(c.value, str):
                c.data_type = "s"
    ms = wb.create_sheet(meta_title[:31])
    for row in _meta_rows(meta):
        ms.append(row)
    for r in ms.iter_rows():
        for c in r:
            if isinstance(c.value, str):
                c.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _ods(df: pd.DataFrame, meta: Mapping[str, Any], meta_title: str) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()

    def sheet(name: str, rows: list[list[Any]]) -> Any:
        table = Table(name=name)
        for row in rows:
            tr = TableRow()
            for v in row:
                if v is None:
                    tc = TableCell()
                elif isinstance(v, bool):
                    tc = TableCell(valuetype="boolean", booleanvalue=str(v).lower())
                    tc.addElement(P(text=str(v).upper()))
                elif isinstance(v, int | float):
                    tc = TableCell(valuetype="float", value=v)
                    tc.addElement(P(text=str(v)))
                elif isinstance(v, datetime | date):
                    iso = v.isoformat()
                    tc = TableCell(valuetype="date", datevalue=iso)
                    tc.addElement(P(text=iso))
                else:
                    tc = TableCell(valuetype="string")
                    tc.addElement(P(text=str(v)))
                tr.addElement(tc)
            table.addElement(tr)
        return table

    doc.spreadsheet.addElement(sheet("data", _rows(df)))
    doc.spreadsheet.addElement(sheet(meta_title, _meta_rows(meta)))
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def export_bytes(
    df: pd.DataFrame,
    fmt: str,
    meta: Mapping[str, Any],
    *,
    row_cap: int | None = None,
    basename: str = "export",
    lang: str | None = None,
) -> tuple[bytes, str, str]:
    """Serialise ``df`` with a metadata block/sheet: (content, filename, mime type).

    Text cells starting with = + - @ tab CR LF are prefixed with a quote in every format;
    numeric columns stay numeric (so -1.5 is still a number). More than ``row_cap`` rows raises
    ExportRefused rather than silently truncating: a download must equal the table on screen."""
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise ExportRefused("format", _msg("format", lang, fmt=fmt))
    if row_cap is not None and len(df) > row_cap:
        raise ExportRefused("row_cap", _msg("cap", lang, rows=len(df), cap=row_cap))
    title = _labels(lang)["title"]
    if fmt == "csv":
        content = _csv(df, meta)
    elif fmt == "xlsx":
        content = _xlsx(df, meta, title)
    else:
        content = _ods(df, meta, title)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = _SAFE_NAME.sub("_", basename).strip("_") or "export"
    return content, f"{name}_{stamp}.{fmt}", MIME[fmt]


@dataclass(frozen=True)
class ExportConfig:
    """What send_export needs from the settings (row cap, audit log) and the data version."""

    row_cap: int
    audit_log_path: Path
    data_version: str


def _config() -> ExportConfig:
    settings: Any = None
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            settings = current_app.config.get("DASHBOARD_SETTINGS")
    except ImportError:  # pragma: no cover - flask is a dependency
        settings = None
    if settings is None:
        from dashboard.settings import Settings

        settings = Settings.from_env()
    try:
        from dashboard.db import get_warehouse

        version = get_warehouse().data_version()
    except Exception:  # the export must still say something when the version is unknown
        log.warning("data version unavailable for export metadata", exc_info=True)
        version = "unknown"
    return ExportConfig(int(settings.export_row_cap), Path(settings.audit_log_path), version)


def _filters_dict(filters: Any) -> dict[str, Any]:
    if filters is None:
        return {}
    if isinstance(filters, Mapping):
        return {str(k): v for k, v in filters.items() if v not in (None, "", [])}
    if hasattr(filters, "__dataclass_fields__"):
        return {
            k: getattr(filters, k)
            for k in filters.__dataclass_fields__
            if getattr(filters, k) not in (None, "")
        }
    return {"filters": str(filters)}


def check_allowed(df: pd.DataFrame, scope: Scope, row_level: bool, lang: str | None = None) -> None:
    """Raise ExportRefused when this viewer may not download this table."""
    if not scope.may_export:
        raise ExportRefused("role", _msg("role", lang))
    if row_level and scope.role not in ("planner", "analyst", "agency_hr"):
        raise ExportRefused("row_level", _msg("row_level", lang))
    # Staff numbers may be labelled in either language on screen (the /staff page's header).
    names = set(RESTRICTED_COLUMNS) | {t("staff.col.staff_number", lang_) for lang_ in ("zh-TW", "en")}
    restricted = sorted(names.intersection(map(str, df.columns)))
    if restricted and scope.role != "agency_hr":
        raise ExportRefused("restricted", _msg("restricted", lang, cols=", ".join(restricted)))
    identifying = sorted(IDENTIFYING_COLUMNS.intersection(map(str, df.columns)))
    if identifying:
        raise ExportRefused("restricted", _msg("restricted", lang, cols=", ".join(identifying)))


def clamp_to_scope(df: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """Drop rows of agencies outside the viewer's scope (defence in depth behind the services).
    Rows without an agency (national or other aggregates) stay."""
    if scope.agencies is None or "agency_code" not in df.columns:
        return df
    codes = df["agency_code"]
    keep = codes.isna() | codes.isin(list(scope.agencies))
    if not keep.all():
        log.warning("export: dropped %d rows outside %s's scope", int((~keep).sum()), scope.user)
    return df.loc[keep]


def build_meta(
    page: str, scope: Scope, filters: Mapping[str, Any], rows: int, data_version: str, lang: str | None
) -> dict[str, Any]:
    """The metadata block: filters, user, time, data version, threshold."""
    lab = _labels(lang)
    filt = "; ".join(f"{k}={v}" for k, v in filters.items()) or lab["all"]
    return {
        lab["title"]: "",
        lab["page"]: page,
        lab["user"]: scope.user,
        lab["role"]: scope.role,
        lab["agencies"]: lab["all"] if scope.agencies is None else ",".join(scope.agencies),
        lab["generated_at"]: datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        lab["data_version"]: data_version,
        lab["threshold"]: scope.min_cell,
        lab["suppression"]: lab["off"] if scope.unsuppressed else lab["on"],
        lab["filters"]: filt,
        lab["rows"]: rows,
    }


def send_export(
    page: str,
    df: pd.DataFrame,
    fmt: str,
    filters: Any,
    scope: Scope,
    *,
    row_level: bool = False,
    lang: str | None = None,
    drop_columns: Sequence[str] = ("suppressed",),
) -> dict[str, Any]:
    """Turn the on-screen (already filtered and suppressed) table into a dcc.Download payload
    and record the download in the audit log. Raises ExportRefused with a user-facing message
    (not allowed, too many rows, unknown format); refusals are audited too."""
    cfg = _config()
    fdict = _filters_dict(filters)
    extra: dict[str, Any] = {}
    agency = fdict.get("agency")
    if agency is not None and scope.agencies is not None and str(agency) not in scope.agencies:
        # A forged or stale agency was ignored by the services; the file must not claim it,
        # and the audit log keeps the attempt.
        fdict.pop("agency")
        extra["ignored_agency"] = str(agency)
    audit = AuditLog(cfg.audit_log_path)
    base = {"user": scope.user, "role": scope.role, "page": page, "format": fmt, "filters": fdict, **extra}
    try:
        check_allowed(df, scope, row_level, lang)
        table = clamp_to_scope(df, scope).drop(columns=[c for c in drop_columns if c in df.columns])
        meta = build_meta(page, scope, fdict, len(table), cfg.data_version, lang)
        content, filename, mime = export_bytes(
            table, fmt, meta, row_cap=cfg.row_cap, basename=page.strip("/") or "export", lang=lang
        )
    except ExportRefused as exc:
        audit.append("export_refused", **base, reason=exc.reason, rows=len(df))
        raise
    audit.append(
        "export",
        **base,
        rows=len(table),
        row_level=row_level,
        filename=filename,
        data_version=cfg.data_version,
        threshold=scope.min_cell,
        unsuppressed=scope.unsuppressed,
        agencies=None if scope.agencies is None else list(scope.agencies),
    )
    import base64

    return {
        "content": base64.b64encode(content).decode("ascii"),
        "filename": filename,
        "type": mime,
        "base64": True,
    }


def download_or_message(
    page: str,
    df: pd.DataFrame,
    fmt: str,
    filters: Any,
    scope: Scope,
    *,
    row_level: bool = False,
    lang: str | None = None,
) -> tuple[dict[str, Any] | None, str | None]:
    """(payload, None) or (None, user-facing message): convenient for a download callback with a
    dcc.Download output and a message output (return dash.no_update for the None)."""
    try:
        return send_export(page, df, fmt, filters, scope, row_level=row_level, lang=lang), None
    except ExportRefused as exc:
        return None, exc.message
