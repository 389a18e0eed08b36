"""data/reference/ai_targets.csv agrees with the competency catalog and its stated rule."""

from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _rows(name: str) -> list[dict[str, str]]:
    with open(ROOT / "data" / "reference" / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _items(tier: str, category: str) -> set[str]:
    out = set()
    for r in _rows("competencies.csv"):
        if r["framework"] != "it_position" or tier not in r["surveyed_tiers"].split("|"):
            continue
        cat = r["category"]
        if cat == "technical|management":
            cat = "technical" if tier == "basic" else "management"
        if cat == category:
            out.add(r["code"])
    return out


def test_every_ai_item_and_tier_has_a_target() -> None:
    targets = {(r["competency_code"], r["tier"]) for r in _rows("ai_targets.csv")}
    expected = {
        (r["code"], tier)
        for r in _rows("competencies.csv")
        if r["framework"] == "it_position" and r["ai_related"] == "true"
        for tier in r["surveyed_tiers"].split("|")
    }
    assert targets == expected


def test_upper_half_rule_matches_category_sizes() -> None:
    for r in _rows("ai_targets.csv"):
        items = _items(r["tier"], r["category"])
        assert r["competency_code"] in items
        assert int(r["n_items"]) == len(items), r
        if r["rule"] == "upper_half":
            assert int(r["target_rank"]) == len(items) // 2, r
