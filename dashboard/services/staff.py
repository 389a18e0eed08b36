"""Agency HR's staff list (/staff): own staff with staff numbers, awards and what is still missing."""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.cache import service_cache
from dashboard.db import get_warehouse
from dashboard.i18n import label, t
from dashboard.scope import Scope

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
CORE_CERT = "cert_gov_ai_core"  # 公務 AI 共通核心能力認證
LEVEL_ORDER = {"intro": 1, "advanced": 2, "practice": 3}
ROUTES = ("role_policy", "role_dev", "role_app")
MISSING_CHOICES = ("core", "route", "any", "complete")
_TEXT_RE = re.compile(r"^[\w\-./ ]{1,40}$")


class StaffAccessError(PermissionError):
    """Only agency HR may read the staff list (it carries agency-internal staff numbers)."""


@dataclass(frozen=True)
class StaffFilters:
    """The /staff page's own filters (URL query). Agency is clamped to the viewer's scope."""

    agency: str | None = None
    unit: str | None = None
    tier: str | None = None
    personnel_type: str | None = None
    route: str | None = None
    missing: str | None = None  # core | route | any | complete
    search: str | None = None  # staff-number substring

    @classmethod
    def from_query(cls, query: dict[str, Any] | None) -> StaffFilters:
        q = dict(query or {})

        def text(key: str, allowed: tuple[str, ...] | None = None) -> str | None:
            v = q.get(key)
            if isinstance(v, list | tuple):
                v = v[0] if v else None
            if v is None:
                return None
            s = str(v).strip()
            if not s or s == "all" or not _TEXT_RE.match(s):
                return None
            if allowed is not None and s not in allowed:
                return None
            return s

        return cls(
            agency=text("agency"),
            unit=text("unit"),
            tier=text("tier", ("basic", "middle", "senior")),
            personnel_type=text("personnel_type"),
            route=text("route", ROUTES),
            missing=text("missing", MISSING_CHOICES),
            search=text("search"),
        )

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def person_route(tier: str | None, personnel_type: str | None) -> str:
    """The AI-talent route a person is nominated for (S4:105 maps tiers to AI roles):
    middle and senior staff plan (A, role_policy); IT-series staff develop (B, role_dev);
    everyone else applies (C, role_app)."""
    if tier in ("middle", "senior"):
        return "role_policy"
    if personnel_type == "it_series":
        return "role_dev"
    return "role_app"


@cache
def route_requirements() -> dict[str, tuple[tuple[str, str], ...]]:
    """route -> required (module, stage) steps from data/reference/learning_paths.csv, the
    common foundation (core_all) included; optional steps are left out."""
    with open(REFERENCE_DIR / "learning_paths.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    common = tuple(
        (r["module_code"], r["stage"]) for r in rows if r["route"] == "core_all" and r["optional"] != "true"
    )
    out: dict[str, tuple[tuple[str, str], ...]] = {}
    for route in ROUTES:
        steps = [
            (r["module_code"], r["stage"]) for r in rows if r["route"] == route and r["optional"] != "true"
        ]
        merged = list(dict.fromkeys([*common, *steps]))
        out[route] = tuple(merged)
    return out


def _agencies(scope: Scope, filters: StaffFilters) -> list[str]:
    if scope.role != "agency_hr" or not scope.agencies:
        raise StaffAccessError("the staff list is for agency HR only")
    # A forged agency outside the scope is ignored: the viewer gets their own agencies.
    if filters.agency and filters.agency in scope.agencies:
        return [filters.agency]
    return sorted(scope.agencies)


@service_cache
def badge_catalog(scope: Scope) -> pd.DataFrame:
    """badge_code, kind, name_zh, name_en, module_code, level, route (all badge classes)."""
    return get_warehouse().query("staff_badge_catalog")


def _route_index(catalog: pd.DataFrame) -> tuple[dict[str, tuple[str, int]], dict[tuple[str, str], str]]:
    """(badge -> (module, level rank), (module, level) -> badge) for the badges of the catalog."""
    badges = catalog[catalog["kind"] == "badge"]
    by_code: dict[str, tuple[str, int]] = {}
    by_step: dict[tuple[str, str], str] = {}
    for code, module, level in zip(badges["badge_code"], badges["module_code"], badges["level"], strict=True):
        if module is None or pd.isna(module):
            continue
        by_code[str(code)] = (str(module), LEVEL_ORDER.get(str(level), 0))
        by_step.setdefault((str(module), str(level)), str(code))
    return by_code, by_step


def _missing_route(
    held: list[str], route: str, index: tuple[dict[str, tuple[str, int]], dict[tuple[str, str], str]]
) -> list[str]:
    """Required route steps not covered by a valid badge of the same module at that level or above."""
    by_code, by_step = index
    best: dict[str, int] = {}
    for code in held:
        if code in by_code:
            module, rank = by_code[code]
            best[module] = max(best.get(module, 0), rank)
    return [
        by_step.get((module, stage), f"{module}:{stage}")
        for module, stage in route_requirements()[route]
        if best.get(module, 0) < LEVEL_ORDER.get(stage, 1)
    ]


@service_cache
def staff_list(scope: Scope, filters: StaffFilters, today: dt.date | None = None) -> pd.DataFrame:
    """The viewer's own staff, one row per person: staff_number, unit_name, tier, personnel_type,
    rank_class, grade, route, badges, certifications (valid codes), has_core_cert,
    missing_route_badges (codes), n_missing_route. Agency HR only (StaffAccessError otherwise)."""
    agencies = _agencies(scope, filters)
    today = today or dt.date.today()
    df = get_warehouse().query("staff_list", agencies=agencies, today=today)
    catalog = badge_catalog(scope)
    if df.empty:
        cols = ["route", "has_core_cert", "missing_route_badges", "n_missing_route"]
        return df.assign(**{c: pd.Series(dtype=object) for c in cols})
    # Defence in depth: nothing outside the scope leaves this function, whatever the SQL did.
    df = df[df["agency_code"].isin(agencies)].copy()
    df["badges"] = df["badges"].map(lambda v: [str(x) for x in (list(v) if v is not None else [])])
    df["certifications"] = df["certifications"].map(
        lambda v: [str(x) for x in (list(v) if v is not None else [])]
    )
    df["route"] = [person_route(t, p) for t, p in zip(df["tier"], df["personnel_type"], strict=True)]
    df["has_core_cert"] = df["certifications"].map(lambda c: CORE_CERT in c)
    index = _route_index(catalog)
    df["missing_route_badges"] = [
        _missing_route(b, r, index) for b, r in zip(df["badges"], df["route"], strict=True)
    ]
    df["n_missing_route"] = df["missing_route_badges"].map(len)
    return _apply_filters(df, filters).reset_index(drop=True)


def _apply_filters(df: pd.DataFrame, f: StaffFilters) -> pd.DataFrame:
    mask = pd.Series(True, index=df.index)
    if f.unit:
        mask &= df["unit_name"] == f.unit
    if f.tier:
        mask &= df["tier"] == f.tier
    if f.personnel_type:
        mask &= df["personnel_type"] == f.personnel_type
    if f.route:
        mask &= df["route"] == f.route
    if f.missing == "core":
        mask &= ~df["has_core_cert"]
    elif f.missing == "route":
        mask &= df["n_missing_route"] > 0
    elif f.missing == "any":
        mask &= (~df["has_core_cert"]) | (df["n_missing_route"] > 0)
    elif f.missing == "complete":
        mask &= df["has_core_cert"] & (df["n_missing_route"] == 0)
    if f.search:
        mask &= df["staff_number"].fillna("").str.contains(f.search, regex=False)
    return df[mask]


@service_cache
def staff_units(scope: Scope, agency: str | None = None) -> list[str]:
    """Unit names of the viewer's staff (for the unit filter)."""
    df = staff_list(scope, StaffFilters(agency=agency))
    return sorted(str(u) for u in df["unit_name"].dropna().unique())


def staff_summary(df: pd.DataFrame) -> dict[str, int]:
    """Head counts for the page's KPI cards (own staff only, so no suppression is needed)."""
    return {
        "staff": len(df),
        "core_missing": int((~df["has_core_cert"]).sum()) if len(df) else 0,
        "route_missing": int((df["n_missing_route"] > 0).sum()) if len(df) else 0,
        "complete": int((df["has_core_cert"] & (df["n_missing_route"] == 0)).sum()) if len(df) else 0,
    }


def _names(catalog: pd.DataFrame, lang: str) -> dict[str, str]:
    col = "name_en" if lang == "en" else "name_zh"
    return dict(zip(catalog["badge_code"].astype(str), catalog[col].astype(str), strict=True))


def display_table(df: pd.DataFrame, catalog: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The staff list as shown on screen (labels, not codes): the same frame is downloaded."""
    names = _names(catalog, lang)
    yes, no = t("staff.yes", lang), t("staff.no", lang)

    def join(codes: list[str]) -> str:
        return (
            "、".join(names.get(c, c) for c in codes)
            if lang != "en"
            else "; ".join(names.get(c, c) for c in codes)
        )

    out = pd.DataFrame(
        {
            t("staff.col.staff_number", lang): df["staff_number"].fillna("").astype(str),
            t("staff.col.agency", lang): [label("agency", a, lang) for a in df["agency_code"]],
            t("staff.col.unit", lang): df["unit_name"].fillna("").astype(str),
            t("staff.col.tier", lang): [
                t("staff.unknown", lang) if x in (None, "unknown") else label("tier", x, lang)
                for x in df["tier"]
            ],
            t("staff.col.personnel_type", lang): [
                label("personnel_type", x, lang) for x in df["personnel_type"]
            ],
            # object dtype: whole numbers stay "11" on screen and in the file (a float column would say 11.0)
            t("staff.col.grade", lang): pd.Series(
                [None if pd.isna(g) else int(g) for g in df["grade"]], index=df.index, dtype=object
            ),
            t("staff.col.route", lang): [t(f"staff.route.{r}", lang) for r in df["route"]],
            t("staff.col.core_cert", lang): [yes if v else no for v in df["has_core_cert"]],
            t("staff.col.missing", lang): [join(m) for m in df["missing_route_badges"]],
            t("staff.col.badges", lang): [join(b) for b in df["badges"]],
            t("staff.col.certifications", lang): [join(c) for c in df["certifications"]],
        }
    )
    return out
