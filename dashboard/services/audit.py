"""The audit log for planners (/audit): exports, refusals and sign-in events, newest first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.audit import AuditLog
from dashboard.scope import Scope

EVENTS = ("export", "export_refused", "login", "login_failed", "login_locked")
COLUMNS = ("ts", "event", "user", "role", "page", "format", "rows", "filters", "reason", "ip")


class AuditAccessError(PermissionError):
    """Only planners may read the audit log."""


def _path() -> Path:
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("DASHBOARD_SETTINGS") is not None:
        return Path(current_app.config["DASHBOARD_SETTINGS"].audit_log_path)
    from dashboard.settings import Settings

    return Path(Settings.from_env().audit_log_path)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


def audit_events(
    scope: Scope,
    event: str | None = None,
    user: str | None = None,
    limit: int = 2000,
    path: Path | None = None,
) -> pd.DataFrame:
    """Newest `limit` records (optionally one event type and/or user). Not cached: the log grows
    with every download, and planners expect to see the one they just made."""
    if scope.role != "planner":
        raise AuditAccessError("the audit log is for planners only")
    log = AuditLog(path or _path())
    rows = []
    for rec in log.records():
        if event and rec.get("event") != event:
            continue
        if user and rec.get("user") != user:
            continue
        rows.append({c: (rec.get(c) if c == "rows" else _text(rec.get(c))) for c in COLUMNS})
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    return df.iloc[::-1].head(limit).reset_index(drop=True)


def audit_integrity(scope: Scope, path: Path | None = None) -> tuple[bool, int]:
    """(hash chain intact, number of records)."""
    if scope.role != "planner":
        raise AuditAccessError("the audit log is for planners only")
    return AuditLog(path or _path()).verify()


def audit_users(scope: Scope, path: Path | None = None) -> list[str]:
    """User names present in the log (for the user filter)."""
    if scope.role != "planner":
        raise AuditAccessError("the audit log is for planners only")
    return sorted({str(r.get("user")) for r in AuditLog(path or _path()).records() if r.get("user")})
