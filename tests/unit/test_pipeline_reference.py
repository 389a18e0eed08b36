"""Reference dimensions from data/reference: typed columns, empty cells as NULL, duplicate codes."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.reference import REFERENCE_TABLES, reference_frame, reference_frames


def test_reference_frames_are_typed_and_keyed() -> None:
    frames = reference_frames()
    assert set(frames) == set(REFERENCE_TABLES)
    tier = frames["tier"].set_index("tier_code")
    assert tier.loc["middle", "top_k_management"] == 5 and str(tier["top_k_common"].dtype) == "Int16"
    competency = frames["competency"]
    assert competency["competency_code"].is_unique
    assert competency.loc[competency["competency_code"] == "it_ai_literacy", "ai_related"].item() == True  # noqa: E712
    # Empty CSV cells are NULL, never ''.
    assert competency.loc[competency["competency_code"] == "ai_hpc", "surveyed_tiers"].isna().all()
    assert frames["rank_class"].set_index("rank_class_code").loc["unknown", "grade_min"] is pd.NA
    assert frames["agency"]["agency_code"].is_unique and len(frames["agency"]) == 437
    assert frames["personnel_type"].set_index("personnel_type_code").loc["contract", "direct_it"]


def test_duplicate_codes_keep_the_last_row_and_are_counted() -> None:
    def loader(name: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "code": ["a", "b", "a"],
                "name_zh": ["甲", "乙", "甲2"],
                "name_en": ["A", "B", "A2"],
                "table_label_variants": ["", "", ""],
            },
            dtype="string",
        )

    frame = reference_frame("workgroup", loader)
    assert frame.to_dict("records") == [
        {"workgroup_code": "b", "name_zh": "乙", "name_en": "B"},
        {"workgroup_code": "a", "name_zh": "甲2", "name_en": "A2"},
    ]
    assert frame.attrs["duplicates_dropped"] == 1


def test_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match=r"lacks columns \['name_en'\]"):
        reference_frame("workgroup", lambda name: pd.DataFrame({"code": ["a"], "name_zh": ["甲"]}))
