"""Reference dimensions of the warehouse, read from the code lists in data/reference/*.csv."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from etl.context import reference_table

# warehouse table -> (csv name, {csv column: table column}); columns not listed are dropped.
REFERENCE_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "competency": (
        "competencies",
        {
            "framework": "framework",
            "code": "competency_code",
            "category": "category",
            "name_zh": "name_zh",
            "name_en": "name_en",
            "surveyed_tiers": "surveyed_tiers",
            "ai_related": "ai_related",
        },
    ),
    "tier": (
        "tiers",
        {
            "code": "tier_code",
            "name_zh": "name_zh",
            "name_en": "name_en",
            "survey_part": "survey_part",
            "top_k_common": "top_k_common",
            "top_k_technical": "top_k_technical",
            "top_k_management": "top_k_management",
        },
    ),
    "workgroup": ("workgroups", {"code": "workgroup_code", "name_zh": "name_zh", "name_en": "name_en"}),
    "agency": (
        "agencies",
        {
            "agency_code": "agency_code",
            "name_zh": "name_zh",
            "name_en": "name_en",
            "gov_level": "gov_level",
            "agency_type": "agency_type",
            "parent_code": "parent_code",
            "region": "region",
        },
    ),
    "task_item": (
        "task_items",
        {
            "task_code": "task_code",
            "domain": "domain",
            "item": "item",
            "name_zh": "name_zh",
            "name_en": "name_en",
        },
    ),
    "gov_level": (
        "gov_levels",
        {
            "code": "gov_level_code",
            "name_zh": "name_zh",
            "name_en": "name_en",
            "table13_group": "table13_group",
        },
    ),
    "agency_type": (
        "agency_types",
        {"code": "agency_type_code", "gov_level": "gov_level", "name_zh": "name_zh", "name_en": "name_en"},
    ),
    "rank_class": (
        "rank_classes",
        {
            "code": "rank_class_code",
            "name_zh": "name_zh",
            "name_en": "name_en",
            "grade_min": "grade_min",
            "grade_max": "grade_max",
        },
    ),
    "personnel_type": (
        "personnel_types",
        {
            "code": "personnel_type_code",
            "name_zh": "name_zh",
            "name_en": "name_en",
            "questionnaire_option": "questionnaire_option",
            "direct_it": "direct_it",
        },
    ),
}

_INT_COLUMNS = {"top_k_common", "top_k_technical", "top_k_management", "grade_min", "grade_max"}
_BOOL_COLUMNS = {"ai_related", "direct_it"}


def _to_bool(value: object) -> bool:
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "y"}:
        return True
    if text in {"false", "0", "no", "n", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def reference_frame(table: str, loader: Callable[[str], pd.DataFrame] = reference_table) -> pd.DataFrame:
    """One reference dimension as typed rows ready for `INSERT ... BY NAME`."""
    csv_name, columns = REFERENCE_TABLES[table]
    raw = loader(csv_name)
    missing = sorted(set(columns) - set(raw.columns))
    if missing:
        raise ValueError(f"data/reference/{csv_name}.csv lacks columns {missing}")
    frame = raw[list(columns)].rename(columns=columns).copy()
    for col in frame.columns:
        # Empty CSV cells mean "no value", never the empty string.
        values = [None if pd.isna(v) or str(v).strip() == "" else str(v).strip() for v in frame[col]]
        if col in _INT_COLUMNS:
            frame[col] = pd.array([None if v is None else int(v) for v in values], dtype="Int16")
        elif col in _BOOL_COLUMNS:
            frame[col] = pd.array([_to_bool(v) if v is not None else False for v in values], dtype="boolean")
        else:
            frame[col] = pd.array(values, dtype="object")
    # The first *_code column is the primary key; a code listed twice (e.g. once with notes)
    # keeps its last row, and the count is reported as a load warning.
    key = next(c for c in columns.values() if c.endswith("_code"))
    deduped = frame.drop_duplicates(subset=[key], keep="last").reset_index(drop=True)
    deduped.attrs["duplicates_dropped"] = len(frame) - len(deduped)
    return deduped


def reference_frames() -> dict[str, pd.DataFrame]:
    """Every reference dimension of data/reference as table name -> rows."""
    return {table: reference_frame(table) for table in REFERENCE_TABLES}
