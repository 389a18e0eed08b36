"""docs/operations.md documents every Settings field with its variable and default; performance.md names its commands."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.settings import ROOT as SETTINGS_ROOT
from dashboard.settings import settings_reference

ROOT = Path(__file__).resolve().parents[2]
OPS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def _rows() -> dict[str, list[str]]:
    rows = {}
    for line in OPS.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("`") and cells[1].startswith("`"):
            rows[cells[1].strip("`")] = cells
    return rows


def _shown_default(raw: str) -> str:
    value = raw.replace(str(SETTINGS_ROOT) + "/", "")
    if value.startswith("(") and value.endswith(",)"):
        value = value[2:-3]  # ('127.0.0.1',) is documented as the comma-separated form
    return f"`{value}`" if value else "(none)"


def test_every_setting_documented_with_variable_and_default() -> None:
    rows = _rows()
    for ref in settings_reference():
        assert ref["field"] in rows, f"docs/operations.md lacks a row for Settings.{ref['field']}"
        env, _, default, meaning = rows[ref["field"]][:4]
        assert env == f"`{ref['env']}`", f"{ref['field']}: documented as {env}, reads {ref['env']}"
        assert default == _shown_default(ref["default"]), (
            f"{ref['field']}: default {default} vs {ref['default']}"
        )
        assert len(meaning) > 20


def test_no_stale_rows() -> None:
    fields = {r["field"] for r in settings_reference()}
    documented = {
        f for f, cells in _rows().items() if cells[0].startswith("`DASHBOARD_") or cells[0] == "`REDIS_URL`"
    }
    assert documented <= fields, f"documented but not in Settings: {documented - fields}"


def test_gunicorn_and_etl_variables_documented() -> None:
    gconf = (ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    for var in re.findall(r'os\.environ\.get\("([A-Z_]+)"', gconf):
        assert f"`{var}`" in OPS
    for var in ("ETL_PSEUDONYM_SECRET", "ETL_PSEUDONYM_SECRET_FILE", "ETL_IDENTITY_VAULT"):
        assert f"`{var}`" in OPS


def test_operations_topics_present() -> None:
    for heading in (
        "Configuration reference",
        "TLS reverse proxy",
        "Loading new data",
        "Backups",
        "Rotating the pseudonymisation secret",
        "Health checks and logs",
    ):
        assert heading in OPS
