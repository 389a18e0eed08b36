"""Roster feed parse(): encodings, ROC dates, grades, derived codes, quarantine reasons,
duplicates and file rejection, on small hand-made exports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.context import IDENTITY_VAULT_TABLE, EtlSettings, IdentityVault, LoadContext
from etl.feeds import roster
from etl.feeds.base import FileRejected
from etl.identity import staff_key_from_national_id

HEADER = "身分證統一編號,員工編號,姓名,電子郵件,機關代碼,機關名稱,單位名稱,職稱,職系,官等職等,主管註記,人員類別,到職日期,出生年,性別,資料日期"
# Valid national IDs (check digit verified in test_national_id_checksum).
A, B, C, D = "A123456789", "B234567894", "F131104093", "Q222222220"


def row(nid: str, grade: str = "薦任第七職等", **kw: str) -> str:
    v = {
        "staffno": "1000001", "name": "王小明", "email": "xiaoming.wang@c1001.gov.tw", "agency": "C1001",
        "aname": "行政院", "unit": "資訊處", "title": "設計師", "series": "資訊處理", "sup": "否", "kind": "正式",
        "hire": "105/07/01", "birth": "80", "sex": "男", "date": "114/03/31",
    }  # fmt: skip
    v.update(kw)
    return ",".join(
        [nid, v["staffno"], v["name"], v["email"], v["agency"], v["aname"], v["unit"], v["title"], v["series"],
         grade, v["sup"], v["kind"], v["hire"], v["birth"], v["sex"], v["date"]]
    )  # fmt: skip


def write(
    tmp_path: Path, lines: list[str], name: str = "webhr_roster_202503.csv", enc: str = "cp950"
) -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join([HEADER, *lines]) + "\r\n").encode(enc))
    return path


@pytest.fixture
def ctx(tmp_path: Path) -> LoadContext:
    return LoadContext(secret=b"unit-secret", vault=IdentityVault(tmp_path / "vault.parquet"))


def staging(result: roster.FeedResult) -> pd.DataFrame:
    return result.tables[roster.STAGING_TABLE]


def test_national_id_checksum() -> None:
    for nid in (A, B, C, D):
        assert roster.national_id_is_valid(nid), nid
    assert not roster.national_id_is_valid("A123456788")
    assert not roster.national_id_is_valid("A323456789")  # second digit must be 1 or 2
    assert not roster.national_id_is_valid("1234567890")


def test_parse_cp950_roc_forms_grades_and_codes(tmp_path: Path, ctx: LoadContext) -> None:
    path = write(
        tmp_path,
        [
            row(A, "委任第五職等或薦任第六職等至第七職等", hire="1140326", email="A.Wang@C1001.gov.tw"),
            row(
                B,
                "薦任第九職等",
                sup="是",
                hire="114.03.26",
                staffno="１０００００２",
                email="b@c1001.gov.tw",
            ),
            row(
                C,
                "",
                kind="約聘",
                series="",
                hire="０９６/０１/０５",
                agency="Ｍ１００１",
                email="c@m1001.gov.tw",
            ),
            row(
                D,
                "簡任第十二職等",
                sup="是",
                series="一般行政",
                unit=" 資訊室 ",
                agency="ZZ999",
                aname="不存在機關",
            ),
        ],
    )
    res = roster.parse(path, ctx)
    assert res.encoding == "cp950" and res.rows_read == 4 and not res.quarantine
    s = staging(res).set_index("staff_key")
    ka = staff_key_from_national_id(b"unit-secret", A)
    assert s.loc[ka, "rank_class"] == "elementary"
    assert (s.loc[ka, "grade"], s.loc[ka, "grade_max"]) == (5, 7)
    assert s.loc[ka, "hire_date"] == pd.Timestamp("2025-03-26")
    kb = staff_key_from_national_id(b"unit-secret", B)
    assert s.loc[kb, "tier"] == "middle" and s.loc[kb, "personnel_type"] == "it_series"
    assert s.loc[kb, "hire_date"] == pd.Timestamp("2025-03-26")
    kc = staff_key_from_national_id(b"unit-secret", C)
    assert s.loc[kc, "personnel_type"] == "contract" and s.loc[kc, "rank_class"] == "unknown"
    assert s.loc[kc, "tier"] == "unknown" and pd.isna(s.loc[kc, "grade"])
    assert s.loc[kc, "agency_code"] == "M1001" and s.loc[kc, "gov_level"] == "municipal"
    assert s.loc[kc, "hire_date"] == pd.Timestamp("2007-01-05")
    kd = staff_key_from_national_id(b"unit-secret", D)
    assert s.loc[kd, "personnel_type"] == "non_it_series" and s.loc[kd, "tier"] == "senior"
    assert s.loc[kd, "agency_code"] == "unknown" and s.loc[kd, "gov_level"] == "unknown"
    assert any("not in the catalog" in w for w in res.warnings)
    assert set(s["month"]) == {pd.Timestamp("2025-03-01")}
    assert set(s["record_kind"]) == {"snapshot"}
    assert (s["birth_year"] == 1991).all()
    vault = res.tables[IDENTITY_VAULT_TABLE]
    assert set(vault["email"]) >= {"a.wang@c1001.gov.tw", "b@c1001.gov.tw"}
    assert not any("@" in str(v) for v in staging(res).drop(columns=[]).astype(str).to_numpy().ravel())
    months = res.tables[roster.MONTHS_TABLE]
    assert months["month"].tolist() == [pd.Timestamp("2025-03-01")] and months["kind"].tolist() == [
        "snapshot"
    ]


def test_tier_rule_report_8_9(tmp_path: Path) -> None:
    path = write(
        tmp_path, [row(A, "薦任第七職等", sup="是"), row(B, "薦任第八職等", sup="是", email="b@x.gov.tw")]
    )
    for rule, expected in (("questionnaire", {"middle"}), ("report_8_9", {"basic", "middle"})):
        ctx = LoadContext(
            secret=b"k", vault=IdentityVault(tmp_path / "v.parquet"), settings=EtlSettings(tier_rule=rule)
        )
        assert set(staging(roster.parse(path, ctx))["tier"]) == expected


def test_utf8_file_is_accepted(tmp_path: Path, ctx: LoadContext) -> None:
    res = roster.parse(write(tmp_path, [row(A)], enc="utf-8-sig"), ctx)
    assert res.encoding == "utf-8-sig" and len(staging(res)) == 1


def test_undecodable_big5_bytes_name_line_and_offset(tmp_path: Path, ctx: LoadContext) -> None:
    good = write(tmp_path, [row(A), row(B, email="b@x.gov.tw")]).read_bytes()
    lines = good.split(b"\r\n")
    lines[2] = lines[2][:11] + b"\xff\xfe" + lines[2][11:]
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\r\n".join(lines))
    offset = len(lines[0]) + 2 + len(lines[1]) + 2 + 11
    with pytest.raises(FileRejected) as err:
        roster.parse(path, ctx)
    assert "line 3" in str(err.value) and f"byte offset {offset}" in str(err.value)
    assert err.value.file_name == "broken.csv"


def test_row_problems_are_quarantined_and_the_rest_loads(tmp_path: Path, ctx: LoadContext) -> None:
    path = write(
        tmp_path,
        [
            row(A),
            row(B, hire="114/02/30", email="b@x.gov.tw"),  # impossible ROC date
            row(C, "薦任第十五職等", email="c@x.gov.tw"),  # grade outside 1..14
            row(D, "科長級", email="d@x.gov.tw"),  # not a grade at all
            row("", email="e@x.gov.tw"),
            row("A123456788", email="f@x.gov.tw"),  # bad check digit
            row(A, "薦任第八職等", email="g@x.gov.tw"),  # a second, different record for A
            row("B234567894", date="114/04/30", email="h@x.gov.tw"),  # another month
        ],
    )
    res = roster.parse(path, ctx)
    reasons = {q.row_number: q.reason_code for q in res.quarantine}
    assert reasons == {
        2: "invalid_roc_date",
        3: "unparseable_grade",
        4: "unparseable_grade",
        5: "missing_national_id",
        6: "invalid_national_id",
        7: "conflicting_duplicate",
        8: "snapshot_date_mismatch",
    }
    assert res.rows_read == 8 and res.rows_loaded == 1 and len(staging(res)) == 1
    q = next(q for q in res.quarantine if q.row_number == 6)
    assert q.raw_record["身分證統一編號"] == "A*********"
    assert q.raw_record["電子郵件"] == "***@x.gov.tw"
    assert "114/02/30" in next(q.message for q in res.quarantine if q.row_number == 2)


def test_exact_duplicates_are_collapsed_with_a_warning(tmp_path: Path, ctx: LoadContext) -> None:
    # The second copy differs only in full-width digits and spaces: the same record after normalisation.
    path = write(tmp_path, [row(A), row(B, email="b@x.gov.tw"), row(A), row(A, staffno="１０００００１ ")])
    res = roster.parse(path, ctx)
    assert not res.quarantine and res.rows_loaded == 4
    assert len(staging(res)) == 2
    assert any(w.startswith("2 duplicate row(s) collapsed (rows 3, 4)") for w in res.warnings)


def test_missing_column_and_empty_file_are_rejected(tmp_path: Path, ctx: LoadContext) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("身分證統一編號,姓名\r\nA123456789,王\r\n".encode("cp950"))
    with pytest.raises(FileRejected, match="missing column.*資料日期"):
        roster.parse(path, ctx)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(FileRejected, match="empty"):
        roster.parse(empty, ctx)


def test_change_records(tmp_path: Path, ctx: LoadContext) -> None:
    header = "異動類別,異動日期," + HEADER
    lines = [
        "新進,114/04/07," + row(A, date="114/04/30"),
        "退休,114/04/16," + row(B, date="114/04/30", email="b@x.gov.tw"),
        "升等,114/04/01," + row(C, "薦任第八職等", date="114/04/30", email="c@x.gov.tw"),
        "調職中,114/04/01," + row(D, date="114/04/30", email="d@x.gov.tw"),
    ]
    path = tmp_path / "webhr_changes_202504.csv"
    path.write_bytes(("\r\n".join([header, *lines]) + "\r\n").encode("cp950"))
    res = roster.parse(path, ctx)
    assert [q.reason_code for q in res.quarantine] == ["unknown_change_type"]
    s = staging(res)
    assert sorted(s["record_kind"]) == ["change", "change", "leave"]
    assert set(s["month"]) == {pd.Timestamp("2025-04-01")}
    assert res.tables[roster.MONTHS_TABLE]["kind"].tolist() == ["change"]
