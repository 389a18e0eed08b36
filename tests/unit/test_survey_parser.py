"""Survey feed parser on tiny hand-made exports: every bad-input case, encodings, PII, tiers."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from etl.context import EtlSettings, IdentityVault, LoadContext
from etl.feeds import survey
from etl.feeds.base import FileRejected
from etl.feeds.survey_codebook import Codebook, load_codebook

BOOK = load_codebook("moda_it_competency_2025")
EMAIL = "wang.xiaoming@moda.gov.tw"


def H(field: str) -> str:
    return BOOK.columns[field]


def q(part: str, category: str) -> dict[str, str]:
    return next(x.items for x in BOOK.questions if x.part == part and x.category == category)


def task(domain: str) -> Any:
    return next(d for d in BOOK.tasks if d.domain == domain)


def base_row(rid: str = "25-00001", **over: Any) -> dict[str, Any]:
    """A valid 薦任 non-supervisor (basic tier) who answers part 1-1 only."""
    row: dict[str, Any] = {h: "" for h in BOOK.all_headers()}
    row.update(
        {
            H("submission_id"): rid,
            H("submitted_at"): "2025/03/27 10:15:00",
            H("agency_code"): "C1001",
            H("personnel_type"): "資訊處理職系之正式公務人員",
            H("grade"): "薦任第七職等",
            H("supervisor"): "否",
            H("sex"): "生理女性",
            H("birth_year_roc"): "80",
            H("education"): "碩士",
            H("years_public"): "5",
            H("years_post"): "2",
            H("years_it_unit"): "5",
            H("gov_level"): "中央政府",
            H("agency_type"): "部會",
            H("interview_optin"): "不願意",
            H("prize_optin"): "願意",
            H("contact"): EMAIL,
            H("contact_name"): "王先生",
            H("workgroup"): "系統規劃",
        }
    )
    for cat, ranks in (("common", [1, 2, 3]), ("technical", [1, 2, 3, 4]), ("management", [3, 2, 1])):
        for h, r in zip(q("1-1", cat).values(), ranks, strict=False):
            row[h] = r
    row[task("out").items["task_out_req_spec"]] = 1
    row[task("out").items["task_out_vendor"]] = 2
    row[task("inh").none] = "V"
    row[task("pol").none] = "V"
    row.update(over)
    return row


def write_csv(
    path: Path, rows: list[dict[str, Any]], encoding: str = "utf-8-sig", drop: tuple[str, ...] = ()
) -> Path:
    headers = [h for h in BOOK.all_headers() if h not in drop]
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for r in rows:
            w.writerow([r.get(h, "") for h in headers])
    return path


@pytest.fixture
def ctx(tmp_path: Path) -> LoadContext:
    vault = IdentityVault(tmp_path / "vault.parquet")
    vault.update(pd.DataFrame({"email": [EMAIL], "staff_key": [hashlib.sha256(b"x").hexdigest()]}))
    return LoadContext(secret=b"s", vault=vault)


def parse_rows(
    tmp_path: Path, ctx: LoadContext, rows: list[dict[str, Any]], name: str = "moda_it_competency_2025.csv"
) -> Any:
    return survey.parse(write_csv(tmp_path / name, rows), ctx)


def reasons(res: Any) -> list[str]:
    return [x.reason_code for x in res.quarantine]


def test_valid_row_produces_all_tables(tmp_path: Path, ctx: LoadContext) -> None:
    res = parse_rows(tmp_path, ctx, [base_row()])
    assert res.rows_read == 1 and res.rows_loaded == 1 and res.encoding == "utf-8-sig"
    r = res.tables["survey_respondent"].iloc[0]
    assert (r["tier"], r["rank_class"], r["grade"], bool(r["is_supervisor"])) == ("basic", "junior", 7, False)
    assert (r["gov_level"], r["agency_type"], r["personnel_type"], r["birth_year"]) == (
        "central",
        "central_ministry",
        "it_series",
        1991,
    )
    assert r["workgroup"] == "system_planning" and r["workgroup_source"] == "supplied" and r["weight"] == 1.0
    assert r["staff_key"] == hashlib.sha256(b"x").hexdigest()
    pts = res.tables["survey_competency_points"]
    assert len(pts) == 4 + 7 + 4  # every offered item of part 1-1, ranked or not
    assert set(pts["part_tier"]) == {"basic"}
    common = pts[pts["category"] == "common"].set_index("competency_code")
    assert common["points"].to_dict() == {
        "it_basic_work": 3,
        "it_law_practice": 2,
        "it_cross_domain": 1,
        "it_ai_literacy": 0,
    }
    assert common.loc["it_ai_literacy", "rank"] is pd.NA
    tasks = res.tables["survey_task_rank"].set_index("task_code")
    assert tasks.loc["task_out_req_spec", "rank"] == 1 and tasks.loc["task_out_vendor", "rank"] == 2
    assert tasks.loc["task_inh_none", "rank"] is pd.NA and "task_pol_none" in tasks.index
    assert res.tables["survey_workgroup_assignment"]["method"].tolist() == ["supplied"]


def test_no_pii_in_output_frames(tmp_path: Path, ctx: LoadContext) -> None:
    res = parse_rows(tmp_path, ctx, [base_row()])
    for frame in res.tables.values():
        text = frame.astype(str).to_csv()
        assert EMAIL not in text and "王先生" not in text


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"rank_dup": True}, "duplicate_rank"),
        ({"rank_range": True}, "rank_out_of_range"),
        ({"too_many": True}, "too_many_ranked"),
        ({"not_offered": True}, "item_not_offered"),
        ({H("birth_year_roc"): "120"}, "invalid_roc_date"),
        ({H("grade"): "約僱人員"}, "unparseable_grade"),
        ({H("submitted_at"): "2025/04/10 12:00:01"}, "outside_survey_window"),
        ({H("submitted_at"): "2025/03/25 23:59:59"}, "outside_survey_window"),
        ({"none_with_ranks": True}, "none_with_ranks"),
        ({H("personnel_type"): "其他"}, "ineligible_respondent"),
        ({H("gov_level"): "外星政府"}, "unknown_value"),
        ({H("submitted_at"): "yesterday"}, "invalid_timestamp"),
        ({H("submission_id"): ""}, "missing_submission_id"),
    ],
)
def test_row_problems_are_quarantined_with_masked_pii(
    tmp_path: Path, ctx: LoadContext, over: dict[str, Any], reason: str
) -> None:
    bad = base_row("25-00002")
    common = list(q("1-1", "common").values())
    tech = list(q("1-1", "technical").values())
    if over.pop("rank_dup", False):
        bad[common[0]], bad[common[1]] = 1, 1
    if over.pop("rank_range", False):
        bad[tech[3]] = 6
    if over.pop("too_many", False):
        for h, r in zip(tech, [1, 2, 3, 4, 5], strict=False):
            bad[h] = r
    if over.pop("not_offered", False):
        bad[next(iter(q("1-3", "common").values()))] = 1
    if over.pop("none_with_ranks", False):
        bad[task("out").none] = "V"
    bad.update(over)
    res = parse_rows(tmp_path, ctx, [base_row(), bad])
    assert reasons(res) == [reason]
    row = res.quarantine[0]
    assert row.row_number == 2
    assert row.raw_record[H("contact")] == "***" and row.raw_record[H("contact_name")] == "***"
    assert EMAIL not in str(row.raw_record)
    assert res.rows_loaded == 1 and len(res.tables["survey_respondent"]) == 1


def test_duplicate_respondent(tmp_path: Path, ctx: LoadContext) -> None:
    res = parse_rows(tmp_path, ctx, [base_row(), base_row(), base_row("25-00003")])
    assert reasons(res) == ["duplicate_respondent"] and res.rows_loaded == 2


def test_observed_k_widens_with_warning_and_stray_rank_is_an_error(tmp_path: Path, ctx: LoadContext) -> None:
    """Middle management is printed top-3; many answers use 4-5 -> k=5 with a warning."""
    rows = []
    mgmt = list(q("1-2", "management").values())
    for i in range(6):
        r = base_row(f"25-1{i:04d}", **{H("supervisor"): "是"})
        for h, rank in zip(mgmt, [1, 2, 3, 4, 5], strict=False):
            r[h] = rank
        for cat, n in (("common", 3), ("technical", 4)):
            for h, rank in zip(q("1-2", cat).values(), range(1, n + 1), strict=False):
                r[h] = rank
        rows.append(r)
    stray = base_row("25-09999")
    stray[list(q("1-1", "common").values())[0]] = 4  # a single rank 4 in a top-3 question
    stray[list(q("1-1", "common").values())[3]] = None
    rows.append(stray)
    res = parse_rows(tmp_path, ctx, rows)
    assert any(
        "part 1-2 management: printed top-3 but answered with ranks up to 5" in w for w in res.warnings
    )
    pts = res.tables["survey_competency_points"]
    mid = pts[(pts["part_tier"] == "middle") & (pts["category"] == "management")]
    assert set(mid["k"]) == {5} and mid.groupby("respondent_id")["points"].sum().eq(15).all()
    assert reasons(res) == ["rank_out_of_range"]
    tiers = res.tables["survey_respondent"]["tier"].value_counts().to_dict()
    assert tiers == {"middle": 6}


def test_tier_rule_report_8_9(tmp_path: Path) -> None:
    rows = [base_row("25-1", **{H("supervisor"): "是", H("grade"): "薦任第七職等"})]
    rows.append(base_row("25-2", **{H("supervisor"): "是", H("grade"): "薦任第八職等"}))
    rows.append(base_row("25-3", **{H("grade"): "簡任第十職等", H("supervisor"): ""}))
    # 簡任 answer 1-2 and 1-3, not 1-1: move the senior's answers to 1-3.
    senior = rows[2]
    for cat in ("common", "technical", "management"):
        for h1, h3 in zip(q("1-1", cat).values(), q("1-3", cat).values(), strict=False):
            senior[h3], senior[h1] = senior[h1], ""
    vault = IdentityVault(tmp_path / "none.parquet")
    for rule, want in (
        ("questionnaire", ["middle", "middle", "senior"]),
        ("report_8_9", ["basic", "middle", "senior"]),
    ):
        ctx = LoadContext(secret=b"s", vault=vault, settings=EtlSettings(tier_rule=rule))
        res = parse_rows(tmp_path, ctx, rows)
        assert res.quarantine == []
        got = res.tables["survey_respondent"].set_index("respondent_id")
        assert got["tier"].tolist() == want, rule
        assert bool(got.loc["25-3", "is_supervisor"])  # all 簡任 count as supervisors


def test_cp950_csv_is_decoded_and_reported(tmp_path: Path, ctx: LoadContext) -> None:
    path = write_csv(tmp_path / "moda_it_competency_2025.csv", [base_row()], encoding="cp950")
    res = survey.parse(path, ctx)
    assert res.encoding == "cp950" and res.rows_loaded == 1


def test_xlsx_reads_like_csv(tmp_path: Path, ctx: LoadContext) -> None:
    df = pd.DataFrame([base_row(), base_row("25-00009")])
    path = tmp_path / "moda_it_competency_2025.xlsx"
    df.to_excel(path, index=False)
    res = survey.parse(path, ctx)
    assert res.rows_loaded == 2 and res.encoding is None
    assert res.tables["survey_competency_points"]["points"].sum() == 2 * (6 + 10 + 6)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty file"),
        (b"\xef\xbb\xbf" + ",".join(BOOK.all_headers()).encode() + b"\r\n", "no data rows"),
        (b"\x81\x30\xff\xfe\x00 broken", "undecodable"),
        ("甲,乙,丙\r\n1,2,3\r\n".encode(), "unknown codebook"),
    ],
)
def test_file_level_rejections(tmp_path: Path, ctx: LoadContext, content: bytes, needle: str) -> None:
    path = tmp_path / ("other_export.csv" if needle == "unknown codebook" else "moda_it_competency_2025.csv")
    path.write_bytes(content)
    with pytest.raises(FileRejected) as exc:
        survey.parse(path, ctx)
    assert needle in str(exc.value) and path.name in str(exc.value)


def test_missing_required_column_is_named(tmp_path: Path, ctx: LoadContext) -> None:
    path = write_csv(tmp_path / "moda_it_competency_2025.csv", [base_row()], drop=(H("grade"),))
    with pytest.raises(FileRejected) as exc:
        survey.parse(path, ctx)
    assert H("grade") in str(exc.value) and "moda_it_competency_2025.csv" in str(exc.value)


def test_not_a_workbook(tmp_path: Path, ctx: LoadContext) -> None:
    path = tmp_path / "moda_it_competency_2025.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FileRejected, match="XLSX"):
        survey.parse(path, ctx)


def test_codebook_chosen_by_headers_when_name_is_unknown(tmp_path: Path, ctx: LoadContext) -> None:
    res = parse_rows(tmp_path, ctx, [base_row()], name="export_20250410.csv")
    assert res.tables["survey_respondent"]["wave"].tolist() == ["2025"]


def test_new_wave_loads_by_adding_a_codebook(tmp_path: Path) -> None:
    """A changed questionnaire: a codebook that renames one header and moves the window."""
    books = tmp_path / "codebooks"
    books.mkdir()
    src = Path(survey.__file__).resolve().parents[2] / "data" / "codebooks"
    (books / "moda_it_competency_2025.yaml").write_text(
        (src / "moda_it_competency_2025.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (books / "moda_it_competency_2027.yaml").write_text(
        "extends: moda_it_competency_2025\ninstrument: moda_it_competency_2027\nwave: '2027'\n"
        "file_stem_pattern: moda_it_competency_2027\nsurvey_month: '2027-04-01'\n"
        "window: {opened: '2027-04-01T00:00:00', closed: '2027-04-30T00:00:00'}\n"
        "drop_columns: [workgroup]\n",
        encoding="utf-8",
    )
    ctx = LoadContext(secret=b"s", vault=IdentityVault(tmp_path / "v.parquet"), codebook_dir=books)
    row = base_row(**{H("submitted_at"): "2027/04/02 09:00:00"})
    res = survey.parse(write_csv(tmp_path / "moda_it_competency_2027.csv", [row]), ctx)
    assert res.quarantine == [] and res.tables["survey_respondent"]["wave"].tolist() == ["2027"]
    assert "survey_workgroup_assignment" not in res.tables


def test_codebook_extends_and_routing() -> None:
    b26: Codebook = load_codebook("moda_it_competency_2026")
    assert b26.wave == "2026" and "workgroup" not in b26.columns
    assert b26.rank_headers() == BOOK.rank_headers()
    assert BOOK.parts_for("elementary", False) == ["1-1"]
    assert BOOK.parts_for("junior", True) == ["1-1", "1-2"]
    assert BOOK.parts_for("senior", True) == ["1-2", "1-3"]
    printed = {(x.part, x.category): x.k for x in BOOK.questions}
    assert printed[("1-2", "management")] == 3 and printed[("1-3", "management")] == 5
