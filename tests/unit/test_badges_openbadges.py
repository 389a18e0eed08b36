"""Open Badges documents: the spec-shaped fixtures carry the required fields and parse; JWS
signatures verify and tampering is detected; deterministic keys are reproducible."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from etl import openbadges as ob

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "openbadges"


def load(rel: str) -> dict:
    return json.loads((FIX / rel).read_text(encoding="utf-8"))


def test_ob2_fixture_documents_carry_the_required_fields() -> None:
    a = load("ob2_hosted/assertion.json")
    for key in ("@context", "type", "id", "recipient", "badge", "verification", "issuedOn"):
        assert a[key], key
    assert a["@context"] == ob.OB2_CONTEXT
    b = load("ob2_hosted/badgeclass.json")
    for key in ("name", "description", "image", "criteria", "issuer"):
        assert b[key], key
    assert ob.document_kind(a) == "assertion"
    assert ob.document_kind(b) == "badgeclass"
    assert ob.document_kind(load("ob2_hosted/issuer.json")) == "issuer"
    assert ob.document_kind(load("ob2_hosted/key.json")) == "key"
    assert ob.document_kind(load("ob2_hosted/revocationList.json")) == "revocationlist"


def test_parse_hosted_assertion_with_iri_badge() -> None:
    doc = ob.parse_assertion(load("ob2_hosted/assertion.json"))
    assert doc.badge_id == "https://example.org/robotics-badge.json" and doc.badge is None
    assert doc.awarded_on == dt.date(2016, 12, 31) and doc.valid_until == dt.date(2017, 6, 30)
    assert doc.verification == "hosted"
    assert doc.recipient.hashed and doc.recipient.salt == "deadsea"
    assert doc.recipient.identity == ob.recipient_hash("beth@example.org", "deadsea")


def test_parse_embedded_badge_and_issuer() -> None:
    doc = ob.parse_assertion(load("ob2_embedded/assertion_embedded.json"))
    assert doc.badge is not None and doc.badge.issuer is not None
    assert doc.badge.issuer.id == "https://training.example.gov.tw/issuer"
    assert doc.badge.alignments[0].code == "it_infosec_ethics"
    assert doc.awarded_on == dt.date(2025, 8, 12)  # the date in its own +08:00 offset
    assert not doc.recipient.hashed


def test_badgeclass_alignment_fields() -> None:
    bc = ob.parse_badgeclass(load("ob2_hosted/badgeclass.json"))
    assert [a.code for a in bc.alignments] == ["CCSS.ELA-Literacy.RST.11-12.3", "ai_ml_dev"]
    assert bc.alignments[1].framework == "ai_framework"
    assert bc.alignments[0].url == "http://www.corestandards.org/ELA-Literacy/RST/11-12/3"


def test_ob3_fixtures_carry_the_required_fields() -> None:
    for rel in ("ob3/credential_vc2.json", "ob3/credential_vc11.json"):
        c = load(rel)
        assert c["@context"] and c["issuer"] and c["credentialSubject"]["achievement"]
        types = c["type"]
        assert "VerifiableCredential" in types
        assert "OpenBadgeCredential" in types or "AchievementCredential" in types
        assert c.get("validFrom") or c.get("issuanceDate")


def test_parse_ob3_vc2_and_vc11() -> None:
    c2 = ob.parse_credential(load("ob3/credential_vc2.json"))
    assert c2.awarded_on == dt.date(2010, 1, 1) and c2.valid_until == dt.date(2030, 1, 1)
    assert c2.badge_id == "https://example.com/achievements/21st-century-skills/teamwork"
    assert c2.recipient.salt == "s3cr3t" and c2.recipient.hashed
    assert c2.status_id == "https://example.com/status/revocations"
    c11 = ob.parse_credential(load("ob3/credential_vc11.json"))
    # awardedDate wins over issuanceDate; expirationDate is the VC 1.1 expiry.
    assert c11.awarded_on == dt.date(2024, 3, 1) and c11.valid_until == dt.date(2027, 3, 5)
    assert c11.recipient.identity == "beth@example.org" and not c11.recipient.hashed


@pytest.mark.parametrize("field", ["recipient", "badge", "verification", "issuedOn", "id"])
def test_missing_required_ob2_field(field: str) -> None:
    doc = load("ob2_hosted/assertion.json")
    doc.pop(field)
    with pytest.raises(ob.ObFormatError) as exc:
        ob.parse_assertion(doc)
    assert field in str(exc.value)


@pytest.mark.parametrize("field", ["@context", "issuer", "credentialSubject", "validFrom"])
def test_missing_required_ob3_field(field: str) -> None:
    doc = load("ob3/credential_vc2.json")
    doc.pop(field)
    with pytest.raises(ob.ObFormatError):
        ob.parse_credential(doc)


def test_jws_round_trip_and_tampering() -> None:
    key = ob.deterministic_rsa_key(7, "unit")
    pem = ob.public_key_pem(key)
    token = ob.sign_jws({"id": "urn:x", "issuedOn": "2025-07-01"}, key)
    assert ob.verify_jws(token, pem) == {"id": "urn:x", "issuedOn": "2025-07-01"}
    head, body, sig = token.split(".")
    forged = ob.b64url_encode(json.dumps({"id": "urn:x", "issuedOn": "2020-01-01"}).encode())
    with pytest.raises(ob.SignatureError):
        ob.verify_jws(f"{head}.{forged}.{sig}", pem)
    other = ob.public_key_pem(ob.deterministic_rsa_key(8, "unit"))
    with pytest.raises(ob.SignatureError):
        ob.verify_jws(token, other)
    with pytest.raises(ob.SignatureError):
        ob.verify_jws("not-a-jws", pem)


def test_deterministic_key_is_reproducible_and_2048_bits() -> None:
    k1 = ob.deterministic_rsa_key(2025, "moda-hub")
    k2 = ob.deterministic_rsa_key(2025, "moda-hub")
    assert ob.public_key_pem(k1) == ob.public_key_pem(k2)
    assert k1.key_size == 2048
    assert ob.public_key_pem(ob.deterministic_rsa_key(2026, "moda-hub")) != ob.public_key_pem(k1)
    # PKCS#1 v1.5 signatures are deterministic, so generated signed badges are byte-identical.
    assert ob.sign_jws({"a": 1}, k1) == ob.sign_jws({"a": 1}, k2)


def test_fixture_signatures_verify_against_the_published_key() -> None:
    pem = load("ob2_hosted/key.json")["publicKeyPem"]
    lines = (FIX / "ob2_hosted" / "signed.jsonl").read_text().splitlines()
    good = json.loads(lines[0])
    assert ob.verify_jws(good, pem)["verification"]["type"] == "SignedBadge"
    assert ob.verify_jws(lines[1].strip(), pem)["id"].endswith("9e89")
    with pytest.raises(ob.SignatureError):
        ob.verify_jws(json.loads(lines[2]), pem)


def test_revocation_entries_accept_iris_and_objects() -> None:
    entries = ob.revocation_entries(load("ob2_hosted/revocationList.json"))
    assert entries == [
        ("https://example.org/beths-second-robotics-badge.json", "Honor code violation", None),
        ("urn:uuid:52e4c6b3-8c13-4fa8-8482-a5cf34ef37a9", None, None),
    ]
    ob3 = ob.revocation_entries(load("ob3/status_revocations.json"))
    assert ob3 == [("urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002", "Issued in error", dt.date(2024, 6, 1))]


def test_dates() -> None:
    assert ob.parse_date("2025-07-01T23:30:00+08:00", "x") == dt.date(2025, 7, 1)
    assert ob.parse_date("2025-07-01", "x") == dt.date(2025, 7, 1)
    assert ob.parse_date(1417749312, "x") == dt.date(2014, 12, 5)  # OB 1.x Unix timestamps
    with pytest.raises(ob.ObFormatError):
        ob.parse_date("31/12/2016", "issuedOn")
