"""The global filter state: a frozen dataclass that round-trips through the URL query string."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from dashboard.scope import Scope

# Codes are short identifiers; anything else in a URL is ignored rather than echoed anywhere.
_CODE_RE = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")

GOV_LEVELS = ("central", "municipal", "county")
TIERS = ("basic", "middle", "senior")
PERSONNEL_TYPES = ("it_series", "non_it_series", "contract")
WORKGROUPS = ("hardware_maintenance", "system_planning", "project_management", "multi_function", "non_core")
# Filters a page may narrow by; the panel shows them in this order.
FILTER_FIELDS = ("wave", "gov_level", "agency", "tier", "workgroup", "personnel_type", "weighted")


def _code(value: Any, allowed: tuple[str, ...] | None = None) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        value = value[0] if value else None
        if value is None:
            return None
    text = str(value).strip()
    if not text or text in ("all", "*") or not _CODE_RE.match(text):
        return None
    if allowed is not None and text not in allowed:
        return None
    return text


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, list | tuple):
        return bool(value)
    return str(value).strip().lower() in ("1", "true", "yes", "on", "weighted")


@dataclass(frozen=True)
class Filters:
    """What the viewer narrowed the data to. None = no restriction on that dimension."""

    wave: str | None = None  # survey wave, e.g. '2025'; None = the latest wave
    gov_level: str | None = None  # central | municipal | county
    agency: str | None = None  # agency code; services clamp it to scope.agencies
    tier: str | None = None  # basic | middle | senior
    workgroup: str | None = None  # workgroups.csv code
    personnel_type: str | None = None  # it_series | non_it_series | contract
    weighted: bool = True  # raked survey weights (True) or raw respondents (False)

    @classmethod
    def from_query(cls, query: Mapping[str, Any] | None) -> Filters:
        """Parse a query dict (Dash pages' layout(**query), or a parsed URL). Bad values are dropped."""
        q = dict(query or {})
        return cls(
            wave=_code(q.get("wave")),
            gov_level=_code(q.get("gov_level"), GOV_LEVELS),
            agency=_code(q.get("agency")),
            tier=_code(q.get("tier"), TIERS),
            workgroup=_code(q.get("workgroup"), WORKGROUPS),
            personnel_type=_code(q.get("personnel_type"), PERSONNEL_TYPES),
            weighted=_flag(q.get("weighted"), True),
        )

    @classmethod
    def from_search(cls, search: str | None) -> Filters:
        """Parse a URL query string ('?wave=2025&tier=basic')."""
        return cls.from_query(dict(parse_qsl((search or "").lstrip("?"))))

    def to_query(self) -> str:
        """The canonical query string (without '?'); defaults are left out so links stay short."""
        items: list[tuple[str, str]] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "weighted":
                if not value:
                    items.append(("weighted", "0"))
            elif value is not None:
                items.append((f.name, str(value)))
        return urlencode(items)

    def with_(self, **changes: Any) -> Filters:
        return replace(self, **changes)

    def agencies_in_scope(self, scope: Scope) -> list[str] | None:
        """Agency codes a query may read: the chosen one if the viewer may see it, else all of
        the viewer's agencies (None = no restriction). A forged out-of-scope code is ignored."""
        if scope.agencies is None:
            return [self.agency] if self.agency else None
        if self.agency and self.agency in scope.agencies:
            return [self.agency]
        return sorted(scope.agencies)

    def clamp(self, scope: Scope) -> Filters:
        """The same filters with an out-of-scope agency removed."""
        if self.agency and scope.agencies is not None and self.agency not in scope.agencies:
            return replace(self, agency=None)
        return self

    def sql_params(self, scope: Scope) -> dict[str, Any]:
        """The $params every survey query accepts: wave, gov_level, agencies, tier, workgroup,
        personnel_type, weighted (agencies already clamped to the scope)."""
        return {
            "wave": self.wave,
            "gov_level": self.gov_level,
            "agencies": self.agencies_in_scope(scope),
            "tier": self.tier,
            "workgroup": self.workgroup,
            "personnel_type": self.personnel_type,
            "weighted": self.weighted,
        }
