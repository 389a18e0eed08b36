"""The badges feed parser: spec-shaped OB2/OB3 documents, WebHR 表51 exports, and every bad
input of issue 4 (each quarantined or rejected with a reason, a row number and masked data)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl.context import IdentityVault, LoadContext
from etl.feeds import badges as feed
from etl.feeds.base import FeedResult, FileRejected
from etl.identity import ob_recipient_hash, staff_key_from_national_id

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "openbadges"
SECRET = b"unit-test-secret"
BETH, CHEN = "beth@example.org", "chen.yating@example.gov.tw"
NID = "A123456789"
HUB = "https://badges.moda.gov.tw"


@pytest.fixture()
def ctx(tmp_path: Path) -> LoadContext:
    vault = IdentityVault(tmp_path / "vault.parquet")
    vault.update(
        pd.DataFrame(
            {
                "email": [BETH, CHEN, "lin.wen@example.gov.tw"],
                "staff_key": ["k" * 64, "c" * 64, staff_key_from_national_id(SECRET, NID)],
            }
        )
    )
    return LoadContext(secret=SECRET, vault=vault)


def stage(res: FeedResult) -> pd.DataFrame:
    return res.tables.get(feed.STAGE_TABLE, pd.DataFrame(columns=feed.AWARD_COLUMNS))


def reasons(res: FeedResult) -> list[tuple[int, str]]:
    return [(q.row_number, q.reason_code) for q in res.quarantine]


def balanced(res: FeedResult) -> None:
    assert res.rows_read == len(stage(res)) + res.rows_quarantined or feed.STAGE_TABLE not in res.tables


# ----------------------------------------------------------------------------------- OB2


def test_hosted_assertion_with_sibling_badge_class(ctx: LoadContext) -> None:
    res = feed.parse(FIX / "ob2_hosted" / "assertion.json", ctx)
    assert res.rows_read == 1 and res.quarantine == []
    row = stage(res).iloc[0]
    assert row["badge_code"] == "https://example.org/robotics-badge.json"
    assert row["staff_key"] == "k" * 64
    assert row["awarded_on"] == dt.date(2016, 12, 31) and row["valid_until"] == dt.date(2017, 6, 30)
    assert (row["source"], row["verification"]) == ("ob2", "hosted")
    assert pd.isna(row["revoked_on"])
    assert len(row["content_sha256"]) == 64


def test_badge_class_document_flags_unknown_alignment_codes(ctx: LoadContext) -> None:
    res = feed.parse(FIX / "ob2_hosted" / "badgeclass.json", ctx)
    assert res.rows_read == 1 and res.rows_quarantined == 0
    bc = res.tables["badge_class"].iloc[0]
    assert bc["badge_code"] == "https://example.org/robotics-badge.json"
    assert bc["issuer_id"] == "https://example.org/organization.json"
    al = res.tables["badge_alignment"].set_index("competency_code")
    assert bool(al.loc["ai_ml_dev", "known_code"]) is True
    assert bool(al.loc["CCSS.ELA-Literacy.RST.11-12.3", "known_code"]) is False
    assert al.loc["CCSS.ELA-Literacy.RST.11-12.3", "framework"] == "unspecified"
    assert any("CCSS.ELA-Literacy.RST.11-12.3" in w for w in res.warnings)
    issuer = res.tables["issuer"].iloc[0]
    assert issuer["name"] == "An Example Badge Issuer" and issuer["issuer_tier"] == "external"


def test_revoked_assertion_is_loaded_with_revocation(ctx: LoadContext) -> None:
    res = feed.parse(FIX / "ob2_hosted" / "assertion_revoked.json", ctx)
    row = stage(res).iloc[0]
    assert row["revocation_reason"] == "Honor code violation"
    # The OB2 list gives no date: revoked_on falls back to the award date, with a warning.
    assert row["revoked_on"] == dt.date(2017, 1, 15)
    assert any("without a revocation date" in w for w in res.warnings)


def test_revocation_list_rows(ctx: LoadContext) -> None:
    res = feed.parse(FIX / "ob2_hosted" / "revocationList.json", ctx)
    assert res.rows_read == 2 and res.rows_quarantined == 0
    rv = res.tables["badge_revocation"]
    assert list(rv["award_id"]) == [
        "https://example.org/beths-second-robotics-badge.json",
        "urn:uuid:52e4c6b3-8c13-4fa8-8482-a5cf34ef37a9",
    ]
    assert set(rv["list_id"]) == {"https://example.org/revocationList.json"}


def test_signed_assertions_verified_and_bad_signature_quarantined(ctx: LoadContext) -> None:
    res = feed.parse(FIX / "ob2_hosted" / "signed.jsonl", ctx)
    assert res.rows_read == 3
    assert reasons(res) == [(3, "bad_signature")]
    st = stage(res)
    assert list(st["verification"]) == ["signed", "signed"]
    assert list(st["row_number"]) == [1, 2]
    assert res.quarantine[0].raw_record["recipient"]["identity"] == "***masked***"


def test_signed_assertion_without_key_is_quarantined(ctx: LoadContext, tmp_path: Path) -> None:
    shutil.copy(FIX / "ob2_hosted" / "signed.jsonl", tmp_path / "signed.jsonl")
    res = feed.parse(tmp_path / "signed.jsonl", ctx)
    assert [r for _, r in reasons(res)] == ["bad_signature"] * 3
    assert "no public key" in res.quarantine[0].message


def test_embedded_badge_and_issuer_plaintext_recipient(ctx: LoadContext) -> None:
    res = feed.parse(FIX / "ob2_embedded" / "assertion_embedded.json", ctx)
    row = stage(res).iloc[0]
    assert row["staff_key"] == "c" * 64
    assert row["badge_code"] == "urn:uuid:a6b1c1e0-7d55-4b1e-8d0e-1f1c0b6f0a01"
    assert res.tables["badge_class"].iloc[0]["issuer_id"] == "https://training.example.gov.tw/issuer"
    assert res.tables["issuer"].iloc[0]["name"] == "Example Training Unit"
    assert bool(res.tables["badge_alignment"].iloc[0]["known_code"]) is True


# ----------------------------------------------------------------------------------- OB3


def test_ob3_credentials_and_status_list(ctx: LoadContext) -> None:
    r2 = feed.parse(FIX / "ob3" / "credential_vc2.json", ctx)
    row = stage(r2).iloc[0]
    assert (row["source"], row["verification"]) == ("ob3", "status_list")
    assert row["awarded_on"] == dt.date(2010, 1, 1) and pd.isna(row["revoked_on"])
    assert row["badge_code"] == "https://example.com/achievements/21st-century-skills/teamwork"
    assert r2.tables["issuer"].iloc[0]["name"] == "Example Corp"
    r11 = feed.parse(FIX / "ob3" / "credential_vc11.json", ctx)
    row = stage(r11).iloc[0]
    assert row["awarded_on"] == dt.date(2024, 3, 1)  # awardedDate, not issuanceDate
    assert row["revoked_on"] == dt.date(2024, 6, 1) and row["revocation_reason"] == "Issued in error"
    status = feed.parse(FIX / "ob3" / "status_revocations.json", ctx)
    assert status.rows_read == 1 and len(status.tables["badge_revocation"]) == 1


# ------------------------------------------------------------------------------ bad input


def _assertion(
    aid: str, badge: str = f"{HUB}/badges/badge_mod2_intro", email: str = BETH, **kw: object
) -> dict:
    salt = "batch1"
    doc = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": aid,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": salt,
            "identity": ob_recipient_hash(email, salt),
        },
        "badge": badge,
        "issuedOn": "2025-07-10T10:00:00+08:00",
        "verification": {"type": "hosted"},
    }
    doc.update(kw)
    return doc


def _jsonl(path: Path, docs: list[object]) -> Path:
    path.write_text("\n".join(d if isinstance(d, str) and not d.startswith('"') else json.dumps(d, ensure_ascii=False) for d in docs) + "\n", encoding="utf-8")  # fmt: skip
    return path


def test_invalid_json_file_is_rejected(ctx: LoadContext, tmp_path: Path) -> None:
    p = tmp_path / "badgeclasses.json"
    p.write_text('[{"type": "BadgeClass",\n  "id": oops}]', encoding="utf-8")
    with pytest.raises(FileRejected) as exc:
        feed.parse(p, ctx)
    assert "line 2" in str(exc.value) and "badgeclasses.json" in str(exc.value)


def test_jsonl_line_problems_quarantined_with_line_numbers(ctx: LoadContext, tmp_path: Path) -> None:
    good = _assertion(f"{HUB}/assertions/1")
    missing = _assertion(f"{HUB}/assertions/2")
    missing.pop("issuedOn")
    p = _jsonl(
        tmp_path / "assertions_202507.jsonl",
        [
            good,
            '{"type": "Assertion", "id": ',  # truncated line
            missing,
            _assertion(f"{HUB}/assertions/3", badge=f"{HUB}/badges/badge_mod9_intro"),
            _assertion(f"{HUB}/assertions/4", email="nobody@example.org"),
            _assertion(f"{HUB}/assertions/5", expires="2024-01-01T00:00:00+08:00"),
            _assertion(f"{HUB}/assertions/6", badge="https://elsewhere.example/badges/x"),
        ],
    )
    res = feed.parse(p, ctx)
    assert res.rows_read == 7
    assert reasons(res) == [
        (2, "invalid_json"),
        (3, "missing_field"),
        (4, "unknown_badge_class"),
        (5, "recipient_not_in_roster"),
        (6, "expiry_before_award"),
        (7, "unknown_badge_class"),
    ]
    assert "issuedOn" in res.quarantine[1].message
    st = stage(res)
    assert list(st["badge_code"]) == ["badge_mod2_intro"] and list(st["row_number"]) == [1]
    assert res.rows_loaded == 1
    for q in res.quarantine:
        assert "@" not in json.dumps(q.raw_record, ensure_ascii=False).replace("@context", "")


def test_duplicates_within_a_file(ctx: LoadContext, tmp_path: Path) -> None:
    a = _assertion(f"{HUB}/assertions/a")
    b = _assertion(f"{HUB}/assertions/b")
    b2 = _assertion(f"{HUB}/assertions/b", issuedOn="2025-07-11T10:00:00+08:00")
    c = _assertion(f"{HUB}/assertions/c")
    p = _jsonl(tmp_path / "assertions_202507.jsonl", [a, b, c, a, b2])
    res = feed.parse(p, ctx)
    assert res.rows_read == 5
    # a: identical repeat ignored (row 4); b: conflicting versions both quarantined (rows 2, 5).
    assert reasons(res) == [(2, "duplicate_conflict"), (4, "duplicate_identical"), (5, "duplicate_conflict")]
    assert sorted(stage(res)["award_id"]) == [f"{HUB}/assertions/a", f"{HUB}/assertions/c"]
    assert res.rows_loaded == len(stage(res)) == 2


def test_catalog_badge_and_unknown_catalog_class_in_badgeclasses(ctx: LoadContext, tmp_path: Path) -> None:
    docs = [
        {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "BadgeClass",
            "id": f"{HUB}/badges/badge_mod2_intro",
            "name": "會數據 入門",
            "description": "d",
            "image": "i",
            "criteria": {"narrative": "n"},
            "issuer": f"{HUB}/issuers/moda",
            "alignment": [
                {
                    "targetFramework": "ai_framework",
                    "targetCode": "ai_data_science",
                    "targetName": "資料科學",
                },
                {"targetFramework": "it_position", "targetCode": "it_made_up", "targetName": "?"},
            ],
        },
        {
            "@context": "https://w3id.org/openbadges/v2",
            "type": "BadgeClass",
            "id": f"{HUB}/badges/badge_mod9_intro",
            "name": "x",
            "description": "d",
            "image": "i",
            "criteria": "c",
            "issuer": f"{HUB}/issuers/moda",
        },
    ]
    p = tmp_path / "badgeclasses.json"
    p.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    res = feed.parse(p, ctx)
    assert res.rows_read == 2 and reasons(res) == [(2, "unknown_badge_class")]
    # The catalog already holds the class and its known alignment; only the extra code is new.
    al = res.tables["badge_alignment"]
    assert list(al["competency_code"]) == ["it_made_up"] and not al["known_code"].any()
    assert "badge_class" not in res.tables


# ------------------------------------------------------------------------------ WebHR 表51

HEADER = "機關代碼,機關名稱,員工編號,身分證統一編號,姓名,專長類別,證照名稱,發證單位,等級,取得日期,有效期限,登錄日期"


def _webhr(tmp_path: Path, rows: list[str], extra: bytes = b"") -> Path:
    p = tmp_path / "webhr_table51_202603.csv"
    p.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp950") + extra)
    return p


def test_webhr_rows_matched_and_bad_rows_quarantined(ctx: LoadContext, tmp_path: Path) -> None:
    rows = [
        f"C1001,行政院,S1,{NID},林文,人工智慧,Microsoft Certified: Azure AI Fundamentals (AI-900),Microsoft,,114/05/02,,115/03/02",
        f"C1001,行政院,S1,{NID},林文,人工智慧,ＴＱＣ生成式ＡＩ應用與技術,中華民國電腦技能基金會,進階級,1140815,,115/03/02",
        f"C1001,行政院,S1,{NID},林文,人工智慧,Azure 基礎,Microsoft,,114/06/01,,115/03/02",
        f"C1001,行政院,S1,{NID},林文,人工智慧,???,x,,114/06/01,,115/03/02",
        f"C1001,行政院,S1,{NID},林文,人工智慧,AI-102,Microsoft,,114/02/30,,115/03/02",
        "C1001,行政院,S2,B223456789,王美,人工智慧,AI-900,Microsoft,,114/05/02,,115/03/02",
        f"C1001,行政院,S1,{NID},林文,人工智慧,AWS AI Practitioner,AWS,,114/05/02,113/05/02,115/03/02",
        f"C1001,行政院,S1,{NID},林文,人工智慧,AI900,Microsoft,,114/05/02,,115/03/09",
    ]
    res = feed.parse(_webhr(tmp_path, rows), ctx)
    assert res.encoding == "cp950" and res.rows_read == 8
    assert reasons(res) == [
        (3, "unknown_certification"),
        (4, "unparseable_certification_name"),
        (5, "invalid_roc_date"),
        (6, "recipient_not_in_roster"),
        (7, "expiry_before_award"),
        (8, "duplicate_identical"),  # same person, certification and date as row 1
    ]
    assert "closest" in res.quarantine[0].message and "cert_ms_ai900" in res.quarantine[0].message
    assert "114/02/30" in res.quarantine[2].message
    st = stage(res).set_index("badge_code")
    assert st.loc["cert_ms_ai900", "awarded_on"] == dt.date(2025, 5, 2)
    assert st.loc["cert_tqc_genai", "level"] == "advanced"
    assert set(st["source"]) == {"webhr51"} and set(st["verification"]) == {"webhr"}
    assert st.loc["cert_ms_ai900", "staff_key"] == staff_key_from_national_id(SECRET, NID)
    for q in res.quarantine:
        text = json.dumps(q.raw_record, ensure_ascii=False)
        assert NID not in text and "林文" not in text


def test_webhr_undecodable_bytes_reported_with_line_numbers(ctx: LoadContext, tmp_path: Path) -> None:
    good = f"C1001,行政院,S1,{NID},林文,人工智慧,AI-900,Microsoft,,114/05/02,,115/03/02"
    p = tmp_path / "webhr_table51_202604.csv"
    body = (HEADER + "\r\n" + good + "\r\n").encode("cp950")
    bad = (
        "C1001,行政院,S1,A123456789,林".encode("cp950")
        + b"\xff\xfe"
        + ",人工智慧,AI-102,x,,114/05/02,,\r\n".encode("cp950")
    )
    p.write_bytes(body + bad + good.replace("AI-900", "AI-102").encode("cp950") + b"\r\n")
    res = feed.parse(p, ctx)
    assert res.rows_read == 3
    assert reasons(res) == [(2, "undecodable_bytes")]
    assert "line 3" in res.quarantine[0].message
    assert sorted(stage(res)["row_number"]) == [1, 3]
    assert sorted(stage(res)["badge_code"]) == ["cert_ms_ai102", "cert_ms_ai900"]


def test_webhr_missing_column_rejects_file(ctx: LoadContext, tmp_path: Path) -> None:
    p = tmp_path / "webhr_table51_202605.csv"
    p.write_bytes("機關代碼,姓名,證照名稱\r\nC1001,林文,AI-900\r\n".encode("cp950"))
    with pytest.raises(FileRejected) as exc:
        feed.parse(p, ctx)
    assert "身分證統一編號" in str(exc.value)


def test_matcher_groups_by_salt() -> None:
    m = feed.RecipientMatcher({BETH: "k1", CHEN: "k2"})
    m.prepare([("sha256", "s1"), ("sha256", "s2")])
    assert m.match(ob_recipient_hash(CHEN, "s2"), True, "s2", "email") == "k2"
    assert (
        m.match(ob_recipient_hash(CHEN, "s2").upper().replace("SHA256", "sha256"), True, "s2", "email")
        == "k2"
    )
    assert m.match(ob_recipient_hash(CHEN, "s1"), True, "s2", "email") is None
    assert m.match("Beth@Example.org", False, None, "email") == "k1"
    assert m.match("https://example.org/beth", False, None, "url") is None
    assert len(m._by_salt) == 2


def test_jsonl_undecodable_line_and_bare_jws(ctx: LoadContext, tmp_path: Path) -> None:
    p = tmp_path / "assertions_202507.jsonl"
    good = json.dumps(_assertion(f"{HUB}/assertions/u1"))
    p.write_bytes(
        good.encode()
        + b"\n"
        + b'{"type": "Assertion", "id": "\xff\xfe"}\n'
        + b"\n"
        + good.replace("u1", "u2").encode()
        + b"\n"
    )
    res = feed.parse(p, ctx)
    assert res.rows_read == 3  # the blank line is not a row
    assert reasons(res) == [(2, "undecodable_bytes")]
    assert sorted(stage(res)["row_number"]) == [1, 4]  # row numbers are file line numbers


def test_matcher_restricted_tables_equal_complete_tables() -> None:
    """prepare_digests (DuckDB, restricted to the scanned digests) answers like prepare; a digest
    the scan did not see falls back to the complete table of its salt."""
    mapping = {f"user{i}@example.gov.tw": f"k{i}" for i in range(50)} | {BETH: "k1", CHEN: "k2"}
    full = feed.RecipientMatcher(mapping)
    full.prepare([("sha256", "s1"), ("sha256", "s2")])
    fast = feed.RecipientMatcher(mapping)
    seen = [ob_recipient_hash(CHEN, "s2"), ob_recipient_hash("user7@example.gov.tw", "s1"),
            ob_recipient_hash("nobody@example.org", "s1"), ob_recipient_hash(BETH, "s1")]  # fmt: skip
    fast.prepare_digests(["s1", "s2"], [h.split("$")[1] for h in seen])
    assert sum(len(t) for t in fast._partial.values()) == 3  # only the digests of vault e-mails
    assert fast.match(ob_recipient_hash(CHEN, "s2"), True, "s2", "email") == "k2"
    assert fast.match(ob_recipient_hash("nobody@example.org", "s1"), True, "s1", "email") is None
    for h in seen:
        assert fast.match(h, True, "s1", "email") == full.match(h, True, "s1", "email")
    assert fast._by_salt == {}  # every scanned digest answered by the restricted tables
    # A digest the scan missed (CHEN under s1): the complete s1 table is built on demand.
    assert fast.match(ob_recipient_hash(CHEN, "s1"), True, "s1", "email") == "k2"
    for h in [*seen, ob_recipient_hash(CHEN, "s1"), ob_recipient_hash(BETH, "s2")]:
        for salt in ("s1", "s2"):
            assert fast.match(h, True, salt, "email") == full.match(h, True, salt, "email")
    assert ("sha256", "s1") in fast._by_salt


def test_jsonl_scan_reads_salts_and_digests_across_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed, "_SCAN_BLOCK", 64)  # lines longer than a block, cut anywhere
    docs = [_assertion(f"{HUB}/assertions/{i}", email=e) for i, e in enumerate([BETH, CHEN, BETH])]
    docs[2]["recipient"]["salt"] = "batch2"
    docs[2]["recipient"]["identity"] = ob_recipient_hash(BETH, "batch2")
    p = _jsonl(tmp_path / "assertions_202507.jsonl", docs)
    with open(p, "rb") as fh:
        salts, digests = feed._scan_identities(fh)
    assert salts == {"batch1", "batch2"}
    assert digests == {ob_recipient_hash(e, s).split("$")[1] for e, s in
                       [(BETH, "batch1"), (CHEN, "batch1"), (BETH, "batch2")]}  # fmt: skip


def test_jsonl_lines_orjson_refuses_take_the_json_path(ctx: LoadContext, tmp_path: Path) -> None:
    """A BOM on line 1, NaN and big integers (json accepts them, orjson does not) load as before;
    invalid JSON keeps json's message."""
    a = json.dumps(_assertion(f"{HUB}/assertions/n1"))
    nan = a.replace('"hosted"}', '"hosted"}, "score": NaN').replace("n1", "n2")
    big = a.replace('"hosted"}', '"hosted"}, "big": 123456789012345678901234567890').replace("n1", "n3")
    p = tmp_path / "assertions_202507.jsonl"
    p.write_bytes(
        b"\xef\xbb\xbf" + a.encode() + b"\n" + nan.encode() + b"\n" + big.encode() + b'\n{"a": 1,}\n'
    )
    res = feed.parse(p, ctx)
    assert res.rows_read == 4
    assert sorted(stage(res)["row_number"]) == [1, 2, 3]
    assert reasons(res) == [(4, "invalid_json")]
    assert res.quarantine[0].message.startswith("line 4 column 9: Expecting property name")


def _frames_equal(a: FeedResult, b: FeedResult) -> None:
    assert (a.file_name, a.encoding, a.rows_read, a.warnings) == (
        b.file_name,
        b.encoding,
        b.rows_read,
        b.warnings,
    )
    assert a.quarantine == b.quarantine
    assert a.tables.keys() == b.tables.keys()
    for name, frame in a.tables.items():
        pd.testing.assert_frame_equal(frame, b.tables[name])


def test_prefetch_workers_give_the_results_of_parse(
    ctx: LoadContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files announced with prefetch() are parsed by worker processes; parse() returns the same
    results as in-process parsing, re-raises a rejection, and copes with skipped or unplanned
    files."""
    paths = []
    for n in range(4):
        docs = [
            _assertion(f"{HUB}/assertions/{n}-{i}", email=[BETH, CHEN, "x@example.org"][i % 3])
            for i in range(6)
        ]
        docs.append('{"type": "Assertion", "id": ')
        paths.append(_jsonl(tmp_path / f"assertions_20250{n + 1}.jsonl", docs))
    bad = tmp_path / "webhr_table51_202605.csv"
    bad.write_bytes("機關代碼,姓名,證照名稱\r\nC1001,林文,AI-900\r\n".encode("cp950"))
    expected = {p: feed.parse(p, ctx) for p in paths}
    monkeypatch.setattr(feed, "PREFETCH_FILE_BYTES", 0)
    monkeypatch.setattr(feed, "PREFETCH_TOTAL_BYTES", 0)
    order = [paths[0], bad, paths[1], paths[2], paths[3]]
    assert feed.prefetch(order, ctx) is True
    try:
        _frames_equal(feed.parse(paths[0], ctx), expected[paths[0]])
        with pytest.raises(FileRejected) as exc:
            feed.parse(bad, ctx)
        assert "身分證統一編號" in str(exc.value)
        # paths[1] skipped by the caller (e.g. identical content already loaded)
        _frames_equal(feed.parse(paths[2], ctx), expected[paths[2]])
        _frames_equal(feed.parse(paths[3], ctx), expected[paths[3]])
        assert feed._PREFETCH is None  # every planned file taken: workers stopped
        _frames_equal(feed.parse(paths[1], ctx), expected[paths[1]])  # unplanned now: in-process
    finally:
        if feed._PREFETCH is not None:
            feed._PREFETCH.close()
            feed._PREFETCH = None


def test_prefetch_stays_in_process_for_small_loads(ctx: LoadContext, tmp_path: Path) -> None:
    p = _jsonl(tmp_path / "assertions_202507.jsonl", [_assertion(f"{HUB}/assertions/1")])
    assert feed.prefetch([p], ctx) is False and feed._PREFETCH is None
