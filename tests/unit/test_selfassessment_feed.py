"""Self-assessment feed parse(): long format, vault lookup, quarantine of out-of-range values and
duplicate respondents, header aliases and rejected files, on small hand-made exports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.context import IdentityVault, LoadContext
from etl.feeds import selfassessment
from etl.feeds.base import FileRejected
from etl.identity import email_key
from etl.synth.selfassessment import export_columns

SECRET = b"sa-secret"


def export(
    tmp_path: Path, rows: list[dict[str, str]], columns: list[str] | None = None, enc: str = "utf-8-sig"
) -> Path:
    cols = columns or export_columns()
    frame = pd.DataFrame([{c: r.get(c, "3") for c in cols} for r in rows], columns=cols)
    path = tmp_path / "ai_selfassessment_2025-10.csv"
    path.write_bytes(frame.to_csv(index=False, lineterminator="\r\n").encode(enc))
    return path


def person(i: int, **kw: str) -> dict[str, str]:
    r = {"填答編號": f"SA-{i}", "填答時間": f"2025-10-{i + 1:02d} 09:00:00", "電子郵件": f"p{i}@c1001.gov.tw"}
    r["服務機關代碼"] = "C1001"
    r.update(kw)
    return r


@pytest.fixture
def ctx(tmp_path: Path) -> LoadContext:
    vault = IdentityVault(tmp_path / "vault.parquet")
    vault.update(
        pd.DataFrame({"email": ["p1@c1001.gov.tw", "p2@c1001.gov.tw"], "staff_key": ["k1" * 32, "k2" * 32]})
    )
    return LoadContext(secret=SECRET, vault=vault)


def test_long_format_and_vault_lookup(tmp_path: Path, ctx: LoadContext) -> None:
    path = export(
        tmp_path,
        [
            person(1, **{"系統思維（重要性）": "5", "系統思維（熟練度）": "2", "信任（認同度）": "4"}),
            person(2, 電子郵件="P2@C1001.GOV.TW", **{"資料科學（熟練度）": ""}),
            person(3, 服務機關代碼="X9"),
        ],
    )
    res = selfassessment.parse(path, ctx)
    assert not res.quarantine and res.rows_read == 3
    resp = res.tables["selfassessment_respondent"]
    assert set(resp["wave"]) == {"2025-10"}
    assert resp["respondent_key"].tolist() == [email_key(SECRET, f"p{i}@c1001.gov.tw") for i in (1, 2, 3)]
    assert resp["staff_key"].tolist()[:2] == ["k1" * 32, "k2" * 32] and pd.isna(resp["staff_key"].iloc[2])
    assert pd.isna(resp["agency_code"].iloc[2]) and resp["agency_code"].iloc[0] == "C1001"
    assert any(w.startswith("1 respondent(s)") for w in res.warnings)
    items = res.tables["selfassessment_item"]
    assert len(items) == 3 * 14 and items["competency_code"].nunique() == 14
    first = items[(items["respondent_key"] == resp["respondent_key"].iloc[0])].set_index("competency_code")
    assert (
        first.loc["ai_systems_thinking", "importance"],
        first.loc["ai_systems_thinking", "proficiency"],
    ) == (5, 2)
    second = items[(items["respondent_key"] == resp["respondent_key"].iloc[1])].set_index("competency_code")
    assert pd.isna(second.loc["ai_data_science", "proficiency"])
    att = res.tables["selfassessment_attitude"]
    assert len(att) == 3 * 5
    assert (
        att.set_index(["respondent_key", "attitude_code"]).loc[
            (resp["respondent_key"].iloc[0], "ai_att_trust"), "score"
        ]
        == 4
    )
    # No raw e-mail anywhere in the warehouse tables.
    for name in ("selfassessment_respondent", "selfassessment_item", "selfassessment_attitude"):
        assert not res.tables[name].astype(str).apply(lambda s: s.str.contains("@")).any().any()


def test_out_of_range_and_duplicates_are_quarantined(tmp_path: Path, ctx: LoadContext) -> None:
    path = export(
        tmp_path,
        [
            person(1),
            person(2, **{"敏捷管理（熟練度）": "6"}),
            person(3, **{"信任（認同度）": "非常同意"}),
            person(4, 電子郵件="p1@c1001.gov.tw", 填答時間="2025-10-20 10:00:00"),  # later resubmission of p1
            person(5, 電子郵件=""),
        ],
    )
    res = selfassessment.parse(path, ctx)
    reasons = {q.row_number: q.reason_code for q in res.quarantine}
    assert reasons == {
        2: "value_out_of_range",
        3: "value_out_of_range",
        4: "duplicate_respondent",
        5: "missing_email",
    }
    assert "敏捷管理(熟練度)" in next(q.message for q in res.quarantine if q.row_number == 2)
    assert res.rows_loaded == 1 and len(res.tables["selfassessment_respondent"]) == 1
    assert next(q for q in res.quarantine if q.row_number == 4).raw_record["電子郵件"] == "***@c1001.gov.tw"


def test_header_aliases_and_rejections(tmp_path: Path, ctx: LoadContext) -> None:
    cols = [c.replace("以人為本設計思維", "以人為本的設計思維") for c in export_columns()]
    res = selfassessment.parse(export(tmp_path, [person(1)], columns=cols), ctx)
    assert "ai_hcd" in set(res.tables["selfassessment_item"]["competency_code"])
    with pytest.raises(FileRejected, match="ai_hpc"):
        selfassessment.parse(
            export(tmp_path, [person(1)], columns=[c for c in export_columns() if "高性能" not in c]), ctx
        )
    with pytest.raises(FileRejected, match="no AI competency"):
        selfassessment.parse(
            export(tmp_path, [person(1)], columns=[*export_columns(), "區塊鏈（熟練度）"]), ctx
        )
    bad = tmp_path / "bad.csv"
    bad.write_bytes(export(tmp_path, [person(1)], enc="cp950").read_bytes().replace(b"C1001", b"C\xff\xfe01"))
    with pytest.raises(FileRejected, match="line 2"):
        selfassessment.parse(bad, ctx)
