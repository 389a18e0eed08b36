"""The viewer's scope: who is looking and what they may see. Built on the server from the
signed-in session (never from a callback input) and passed explicitly to every service, where
it is also part of every cache key."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("planner", "analyst", "executive", "agency_hr")


@dataclass(frozen=True)
class Scope:
    role: str  # planner | analyst | executive | agency_hr
    user: str  # user name, for the audit log (never shown in aggregates)
    agencies: tuple[str, ...] | None  # None = all agencies; else the agency codes in scope
    min_cell: int = 10  # suppression threshold: cells with 0 < n < min_cell are hidden
    unsuppressed: bool = False  # planners only, when configured

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if self.role == "agency_hr" and not self.agencies:
            raise ValueError("agency_hr scope needs at least one agency")
        if self.unsuppressed and self.role != "planner":
            raise ValueError("only planners may see unsuppressed figures")

    @property
    def all_agencies(self) -> bool:
        return self.agencies is None

    @property
    def may_export(self) -> bool:
        return self.role in ("planner", "analyst", "agency_hr")

    @property
    def aggregates_only(self) -> bool:
        return self.role == "executive"

    def cache_token(self) -> str:
        """A stable string for cache keys: differs whenever what the viewer may see differs."""
        agencies = "*" if self.agencies is None else ",".join(sorted(self.agencies))
        return f"{self.role}|{agencies}|{self.min_cell}|{int(self.unsuppressed)}"


# A scope for ETL checks, benchmarks and tests that need everything.
SYSTEM_SCOPE = Scope(role="planner", user="system", agencies=None)
