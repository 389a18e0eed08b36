"""Audit service for /audit: planners only, newest first, filters, chain status."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.audit import AuditLog
from dashboard.scope import Scope
from dashboard.services import audit as svc

PLANNER = Scope("planner", "p", None)


@pytest.fixture()
def log_path(tmp_path: Path) -> Path:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append("login", user="ana", role="analyst", ip="127.0.0.1")
    log.append(
        "export", user="ana", role="analyst", page="/badges", format="csv", rows=12, filters={"tier": "basic"}
    )
    log.append(
        "export_refused", user="exec", role="executive", page="/summary", format="xlsx", reason="role", rows=3
    )
    log.append("export", user="hr", role="agency_hr", page="/staff", format="ods", rows=360, filters={})
    return tmp_path / "audit.jsonl"


def test_newest_first_and_filters(log_path: Path) -> None:
    df = svc.audit_events(PLANNER, path=log_path)
    assert list(df["event"]) == ["export", "export_refused", "export", "login"]
    assert list(df["rows"][:3]) == [360, 3, 12]
    assert df.loc[2, "filters"] == "tier=basic"
    only = svc.audit_events(PLANNER, event="export", user="ana", path=log_path)
    assert len(only) == 1 and only.loc[0, "page"] == "/badges" and only.loc[0, "format"] == "csv"
    assert svc.audit_users(PLANNER, path=log_path) == ["ana", "exec", "hr"]
    assert svc.audit_integrity(PLANNER, path=log_path) == (True, 4)


@pytest.mark.parametrize("role", ["analyst", "executive", "agency_hr"])
def test_only_planners(log_path: Path, role: str) -> None:
    scope = Scope(role, "x", ("C3005",) if role == "agency_hr" else None)
    for call in (svc.audit_events, svc.audit_integrity, svc.audit_users):
        with pytest.raises(svc.AuditAccessError):
            call(scope, path=log_path)  # type: ignore[operator]
