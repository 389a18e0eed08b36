"""The badge reference catalog: module hours from the S4 appendix, certification list, aliases,
badge catalog and alignments, and the rows reference_frames() hands the pipeline."""

from __future__ import annotations

import unicodedata

import pytest

from etl.context import reference_table
from etl.feeds import badges as feed


def test_module_hours_are_sums_of_counted_courses() -> None:
    courses = reference_table("courses")
    modules = reference_table("modules").set_index("module_code")
    counted = courses[courses["counts_in_module_hours"] == "true"]
    sums = counted.groupby("module_code")["hours"].apply(lambda s: sum(float(x) for x in s))
    # DOMAIN.md §1.8: 12, 18, 54+36, 36, 38, 24, 24, 42 hours.
    expected = {"mod1_learn_ai": 12, "mod2_data": 18, "mod3_develop": 90, "mod4_govern_ai": 36,
                "mod5_strategy": 38, "mod6_optimize": 24, "mod7_innovate": 24, "mod8_use_ai": 42}  # fmt: skip
    assert {k: float(v) for k, v in sums.items()} == {k: float(v) for k, v in expected.items()}
    assert {k: float(modules.loc[k, "hours"]) for k in expected} == {k: float(v) for k, v in expected.items()}
    mod3 = counted[counted["module_code"] == "mod3_develop"]
    assert sum(float(h) for h in mod3[mod3["badge_level"] == "intro"]["hours"]) == 54
    assert sum(float(h) for h in mod3[mod3["badge_level"] == "advanced"]["hours"]) == 36


def test_consolidated_courses_point_at_an_18_hour_course() -> None:
    courses = reference_table("courses").set_index("course_code")
    merged = courses[courses["consolidated_into"].fillna("") != ""]
    assert len(merged) == 6  # 4.1.1-4.1.3 and 4.2.1-4.2.3
    for target in merged["consolidated_into"]:
        assert float(courses.loc[target, "hours"]) == 18
        assert courses.loc[target, "counts_in_module_hours"] == "true"
    assert set(merged["counts_in_module_hours"]) == {"false"}


def test_certifications_follow_the_domain_list() -> None:
    certs = reference_table("certifications")
    assert len(certs) == 25
    assert certs["cert_code"].is_unique
    issuers = set(reference_table("issuers")["issuer_code"])
    assert set(certs["issuer_code"]) <= issuers
    by_cat = certs.groupby("category")["cert_code"].count().to_dict()
    assert by_cat == {"literacy": 11, "planning": 1, "tool": 6, "project_tech": 7}
    abilities = set(reference_table("abilities")["ability_code"])
    for caps in certs["abilities"]:
        assert set(caps.split("|")) <= abilities
    tool = certs[certs["category"] == "tool"]
    assert set(tool["abilities"]) == {"cap_ai_programming|cap_ai_tools"}  # route B vs C (S3:588, 617)


def test_aliases_resolve_to_one_certification_each() -> None:
    aliases = reference_table("cert_aliases")
    codes = set(reference_table("certifications")["cert_code"])
    assert set(aliases["cert_code"]) <= codes
    assert codes <= set(aliases["cert_code"])  # every certification has at least its canonical name
    seen: dict[str, str] = {}
    for alias, code in zip(aliases["alias"], aliases["cert_code"], strict=True):
        key = feed._norm_name(alias)
        assert seen.setdefault(key, code) == code, f"{alias!r} is ambiguous"
    levels = set(aliases["level"].dropna()) - {""}
    assert levels <= {"practical", "advanced", "professional", "elementary", "intermediate"}


@pytest.mark.parametrize(
    ("typed", "code", "level"),
    [
        ("ＡＩ－９００", "cert_ms_ai900", None),
        ("  微軟AI-900 ", "cert_ms_ai900", None),
        ("TQC生成式AI應用與技術（進階級）", "cert_tqc_genai", "advanced"),
        ("iPAS中級AI應用規劃師", "cert_ipas_l2", None),
        ("aws certified ai practitioner", "cert_aws_ai_pract", None),
        ("TQC+人工智慧:機器學習", "cert_tqcplus_ml", None),
    ],
)
def test_typed_variants_match(typed: str, code: str, level: str | None) -> None:
    assert feed._catalog().aliases[feed._norm_name(typed)] == (code, level)


def test_badge_catalog_is_modules_times_levels_with_known_alignments() -> None:
    catalog = reference_table("badge_catalog")
    assert len(catalog) == 24
    assert set(catalog["level"]) == {"intro", "advanced", "practice"}
    assert catalog.groupby("module_code")["level"].nunique().eq(3).all()
    al = reference_table("badge_alignments")
    comp = reference_table("competencies")
    assert set(al["competency_code"]) <= set(comp["code"])
    fw = dict(zip(comp["code"], comp["framework"], strict=True))
    assert all(fw[c] == f for c, f in zip(al["competency_code"], al["framework"], strict=True))
    # Each badge aligns to at least one AI-framework and one IT-framework competency.
    for code in catalog["badge_code"]:
        frameworks = set(al[al["badge_code"] == code]["framework"])
        assert {"ai_framework", "it_position"} <= frameworks, code
    for name in catalog["name_zh"]:
        assert unicodedata.normalize("NFC", name) == name


def test_reference_frames_rows() -> None:
    frames = feed.reference_frames()
    bc = frames["badge_class"]
    assert len(bc) == 24 + 25 and bc["badge_code"].is_unique
    assert bc.groupby("kind")["badge_code"].count().to_dict() == {"badge": 24, "certification": 25}
    assert set(bc["issuer_id"]) <= set(frames["issuer"]["issuer_id"])
    al = frames["badge_alignment"]
    assert not al.duplicated(["badge_code", "framework", "competency_code"]).any()
    assert al["known_code"].all()
    assert set(al["badge_code"]) <= set(bc["badge_code"])
    cert_al = al[al["framework"] == "ai_talent_ability"]
    assert set(cert_al[cert_al["badge_code"] == "cert_aws_mle"]["competency_code"]) == {
        "cap_ai_model_training",
        "cap_ai_service_dev",
    }
    hours = bc.set_index("badge_code")["hours"]
    assert hours["badge_mod3_intro"] == 54 and hours["badge_mod3_practice"] == 90
