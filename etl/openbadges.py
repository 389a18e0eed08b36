"""Open Badges 2.0 / 3.0 document parsing, JWS (RS256) signing and verification, and deterministic
RSA keys for the synthetic issuers. Pure functions: no I/O, no network."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_CONTEXT_V11 = "https://purl.imsglobal.org/spec/ob/v3p0/context.json"


class ObFormatError(ValueError):
    """A document that misses a field the specification requires, or has an unusable value."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field_name = field_name


class SignatureError(ValueError):
    """A JWS that is malformed or whose signature does not verify."""


# ---------------------------------------------------------------------------------------- JWS


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + pad)


def sign_jws(payload: dict[str, Any], key: rsa.RSAPrivateKey) -> str:
    """Compact JWS (RS256) over the JSON payload; PKCS#1 v1.5 signatures are deterministic."""
    header = b64url_encode(json.dumps({"alg": "RS256"}, separators=(",", ":")).encode())
    body = b64url_encode(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    signing_input = f"{header}.{body}".encode("ascii")
    sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{body}.{b64url_encode(sig)}"


def jws_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, payload, signing input, signature) of a compact JWS, without verifying it."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise SignatureError(f"a compact JWS has 3 dot-separated parts, found {len(parts)}")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]).decode("utf-8"))
        sig = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError) as exc:
        raise SignatureError(f"undecodable JWS: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise SignatureError("JWS header and payload must be JSON objects")
    return header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), sig


@functools.lru_cache(maxsize=256)
def _rsa_public_key(public_key_pem: str) -> rsa.RSAPublicKey:
    """The loaded RSA key of a PEM, cached: an issuer signs many assertions with one key."""
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    except ValueError as exc:
        raise SignatureError(f"unusable public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("public key is not an RSA key")
    return key


def verify_jws(token: str, public_key_pem: str) -> dict[str, Any]:
    """The payload of an RS256 compact JWS after checking its signature; SignatureError if not."""
    header, payload, signing_input, sig = jws_parts(token)
    if header.get("alg") != "RS256":
        raise SignatureError(f"unsupported JWS alg {header.get('alg')!r} (expected RS256)")
    key = _rsa_public_key(public_key_pem)
    try:
        key.verify(sig, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise SignatureError("signature does not verify against the issuer's public key") from exc
    return payload


def public_key_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


# ------------------------------------------------------------------ deterministic RSA key

_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p**0.5) + 1))]


def _is_probable_prime(n: int, rng: np.random.Generator, rounds: int = 40) -> bool:
    if n < 2:
        return False
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = 2 + int.from_bytes(rng.bytes(len(str(n)) // 2 + 8), "big") % (n - 3)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _random_prime(bits: int, rng: np.random.Generator, e: int) -> int:
    while True:
        n = int.from_bytes(rng.bytes(bits // 8), "big")
        n |= (1 << (bits - 1)) | (1 << (bits - 2)) | 1  # top two bits set: p*q has 2*bits bits
        if (n - 1) % e and _is_probable_prime(n, rng):
            return n


def deterministic_rsa_key(seed: int, label: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """An RSA key derived from (seed, label), so that generated signed badges are reproducible.

    cryptography's key generator cannot be seeded; this one is for synthetic data only.
    """
    digest = hashlib.sha256(f"{seed}:{label}".encode()).digest()
    rng = np.random.default_rng(list(digest))
    e = 65537
    while True:
        p = _random_prime(bits // 2, rng, e)
        q = _random_prime(bits // 2, rng, e)
        if p != q:
            break
    if p < q:
        p, q = q, p
    phi = (p - 1) * (q - 1)
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=d % (p - 1),
        dmq1=d % (q - 1),
        iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(e, p * q),
    )
    return numbers.private_key()


# ------------------------------------------------------------------------------ documents


def parse_date(value: Any, field_name: str) -> dt.date:
    """The calendar date of an ISO 8601 date/datetime (in its own offset) or a Unix timestamp."""
    if isinstance(value, bool) or value is None or value == "":
        raise ObFormatError(field_name, "missing date")
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC).date()
    text = str(value).strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError as exc:
        raise ObFormatError(field_name, f"not an ISO 8601 date: {text!r}") from exc


def _types(doc: dict[str, Any]) -> list[str]:
    t = doc.get("type", doc.get("@type"))
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [str(x) for x in t]
    return []


def document_kind(doc: Any) -> str:
    """assertion | badgeclass | issuer | key | revocationlist | credential | ob3_revocationlist | unknown."""
    if not isinstance(doc, dict):
        return "unknown"
    types = _types(doc)
    if "OpenBadgeCredential" in types or "AchievementCredential" in types:
        return "credential"
    if "1EdTechRevocationList" in types:
        return "ob3_revocationlist"
    for name, kind in (
        ("Assertion", "assertion"),
        ("BadgeClass", "badgeclass"),
        ("Issuer", "issuer"),
        ("Profile", "issuer"),
        ("CryptographicKey", "key"),
        ("RevocationList", "revocationlist"),
    ):
        if name in types:
            return kind
    return "unknown"


def _require(doc: dict[str, Any], key: str, where: str) -> Any:
    value = doc.get(key)
    if value is None or value == "" or value == []:
        raise ObFormatError(f"{where}.{key}", "required field missing")
    return value


def _ref_id(value: Any) -> str | None:
    """The IRI of a field that is either an IRI string or an embedded object with an id."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


@dataclass(frozen=True)
class Alignment:
    framework: str | None
    code: str | None
    name: str | None
    url: str | None


@dataclass(frozen=True)
class Recipient:
    identity: str
    type: str  # email | url | telephone | id
    hashed: bool
    salt: str | None


@dataclass(frozen=True)
class IssuerDoc:
    id: str
    name: str
    url: str | None
    public_keys: tuple[str, ...]  # CryptographicKey IRIs
    embedded_keys: dict[str, str]  # key IRI -> PEM, for keys embedded in the profile
    revocation_list: str | None


@dataclass(frozen=True)
class BadgeClassDoc:
    id: str
    name: str
    description: str | None
    issuer_id: str | None
    issuer: IssuerDoc | None  # embedded issuer profile, when present
    alignments: tuple[Alignment, ...]
    criteria: str | None


@dataclass(frozen=True)
class AwardDoc:
    """One OB2 assertion or OB3 credential, reduced to what the warehouse stores."""

    id: str
    badge_id: str
    badge: BadgeClassDoc | None  # embedded BadgeClass / Achievement
    issuer_id: str | None
    recipient: Recipient
    awarded_on: dt.date
    valid_until: dt.date | None
    verification: str  # hosted | signed | status_list | none
    key_id: str | None = None  # signed OB2: verification.creator
    status_id: str | None = None  # OB3 credentialStatus id
    status_type: str | None = None
    revoked: bool = False
    revocation_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _alignments(value: Any) -> tuple[Alignment, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out = []
    for a in items:
        if not isinstance(a, dict):
            continue
        out.append(
            Alignment(
                framework=a.get("targetFramework"),
                code=a.get("targetCode"),
                name=a.get("targetName"),
                url=a.get("targetUrl"),
            )
        )
    return tuple(out)


def parse_issuer(doc: dict[str, Any], where: str = "Issuer") -> IssuerDoc:
    issuer_id = _require(doc, "id", where)
    name = _require(doc, "name", where)
    keys: list[str] = []
    embedded: dict[str, str] = {}
    pk = doc.get("publicKey")
    for item in pk if isinstance(pk, list) else ([pk] if pk else []):
        kid = _ref_id(item)
        if kid is None:
            continue
        keys.append(kid)
        if isinstance(item, dict) and item.get("publicKeyPem"):
            embedded[kid] = str(item["publicKeyPem"])
    rl = doc.get("revocationList")
    return IssuerDoc(
        id=str(issuer_id),
        name=str(name),
        url=doc.get("url"),
        public_keys=tuple(keys),
        embedded_keys=embedded,
        revocation_list=_ref_id(rl),
    )


def parse_badgeclass(doc: dict[str, Any], where: str = "BadgeClass") -> BadgeClassDoc:
    """OB2 BadgeClass: id, name, description, image, criteria and issuer are required."""
    for key in ("id", "name", "description", "image", "criteria", "issuer"):
        _require(doc, key, where)
    issuer = doc["issuer"]
    criteria = doc["criteria"]
    return BadgeClassDoc(
        id=str(doc["id"]),
        name=str(doc["name"]),
        description=doc.get("description"),
        issuer_id=_ref_id(issuer),
        issuer=parse_issuer(issuer, f"{where}.issuer") if isinstance(issuer, dict) else None,
        alignments=_alignments(doc.get("alignment")),
        criteria=criteria if isinstance(criteria, str) else _ref_id(criteria) or criteria.get("narrative"),
    )


def parse_key(doc: dict[str, Any]) -> tuple[str, str]:
    """(key IRI, PEM) of an OB2 CryptographicKey."""
    return str(_require(doc, "id", "CryptographicKey")), str(
        _require(doc, "publicKeyPem", "CryptographicKey")
    )


def _ob2_recipient(value: Any) -> Recipient:
    if not isinstance(value, dict):
        raise ObFormatError("Assertion.recipient", "required field missing or not an IdentityObject")
    identity = _require(value, "identity", "Assertion.recipient")
    rtype = _require(value, "type", "Assertion.recipient")
    hashed = value.get("hashed")
    if not isinstance(hashed, bool):
        raise ObFormatError("Assertion.recipient.hashed", "required boolean missing")
    return Recipient(identity=str(identity), type=str(rtype), hashed=hashed, salt=value.get("salt"))


def parse_assertion(doc: dict[str, Any]) -> AwardDoc:
    """OB2 Assertion: id, type, recipient, badge, verification and issuedOn are required."""
    if "Assertion" not in _types(doc):
        raise ObFormatError("Assertion.type", "required field missing or not 'Assertion'")
    aid = _require(doc, "id", "Assertion")
    recipient = _ob2_recipient(doc.get("recipient"))
    badge = _require(doc, "badge", "Assertion")
    verification = _require(doc, "verification", "Assertion")
    issued = parse_date(_require(doc, "issuedOn", "Assertion"), "Assertion.issuedOn")
    expires = parse_date(doc["expires"], "Assertion.expires") if doc.get("expires") else None
    vtype = str(verification.get("type", "")).lower() if isinstance(verification, dict) else ""
    if vtype not in ("hosted", "signed", "hostedbadge", "signedbadge"):
        raise ObFormatError("Assertion.verification.type", f"expected hosted or signed, got {vtype!r}")
    badge_doc = parse_badgeclass(badge, "Assertion.badge") if isinstance(badge, dict) else None
    badge_id = _ref_id(badge)
    if badge_id is None:
        raise ObFormatError("Assertion.badge", "neither an IRI nor a BadgeClass with an id")
    return AwardDoc(
        id=str(aid),
        badge_id=badge_id,
        badge=badge_doc,
        issuer_id=badge_doc.issuer_id if badge_doc else None,
        recipient=recipient,
        awarded_on=issued,
        valid_until=expires,
        verification="signed" if vtype.startswith("signed") else "hosted",
        key_id=verification.get("creator") if isinstance(verification, dict) else None,
        revoked=bool(doc.get("revoked", False)),
        revocation_reason=doc.get("revocationReason"),
    )


def _achievement(value: Any) -> BadgeClassDoc:
    if not isinstance(value, dict):
        raise ObFormatError("credentialSubject.achievement", "required field missing")
    for key in ("id", "name", "criteria"):
        _require(value, key, "credentialSubject.achievement")
    if "Achievement" not in _types(value):
        raise ObFormatError("credentialSubject.achievement.type", "must include 'Achievement'")
    criteria = value["criteria"]
    return BadgeClassDoc(
        id=str(value["id"]),
        name=str(value["name"]),
        description=value.get("description"),
        issuer_id=_ref_id(value.get("creator")),
        issuer=None,
        alignments=_alignments(value.get("alignment")),
        criteria=criteria.get("narrative") or criteria.get("id")
        if isinstance(criteria, dict)
        else str(criteria),
    )


def _ob3_recipient(subject: dict[str, Any]) -> Recipient:
    ids = subject.get("identifier")
    for ident in ids if isinstance(ids, list) else ([ids] if ids else []):
        if isinstance(ident, dict) and ident.get("identityHash"):
            itype = str(ident.get("identityType", "emailAddress"))
            return Recipient(
                identity=str(ident["identityHash"]),
                type="email" if itype == "emailAddress" else itype,
                hashed=bool(ident.get("hashed", False)),
                salt=ident.get("salt"),
            )
    sid = subject.get("id")
    if isinstance(sid, str) and sid:
        if sid.startswith("mailto:"):
            return Recipient(identity=sid[7:], type="email", hashed=False, salt=None)
        return Recipient(identity=sid, type="id", hashed=False, salt=None)
    raise ObFormatError("credentialSubject", "no recipient: neither identifier nor id")


def parse_credential(doc: dict[str, Any]) -> AwardDoc:
    """OB3 OpenBadgeCredential (VC 2.0 validFrom/validUntil or VC 1.1 issuanceDate/expirationDate).

    The award date is awardedDate when present, else validFrom / issuanceDate.
    """
    ctx = doc.get("@context")
    if not ctx:
        raise ObFormatError("@context", "required field missing")
    if "OpenBadgeCredential" not in _types(doc) and "AchievementCredential" not in _types(doc):
        raise ObFormatError("type", "must include OpenBadgeCredential")
    cid = _require(doc, "id", "OpenBadgeCredential")
    issuer = _require(doc, "issuer", "OpenBadgeCredential")
    issuer_id = _ref_id(issuer)
    if issuer_id is None:
        raise ObFormatError("issuer", "neither an IRI nor a Profile with an id")
    start = doc.get("validFrom") or doc.get("issuanceDate")
    if not start:
        raise ObFormatError("validFrom", "required field missing (validFrom or issuanceDate)")
    valid_from = parse_date(start, "validFrom")
    awarded = parse_date(doc["awardedDate"], "awardedDate") if doc.get("awardedDate") else valid_from
    end = doc.get("validUntil") or doc.get("expirationDate")
    subject = doc.get("credentialSubject")
    if not isinstance(subject, dict):
        raise ObFormatError("credentialSubject", "required field missing")
    ach = _achievement(subject.get("achievement"))
    status = doc.get("credentialStatus")
    status_id = status_type = None
    if isinstance(status, dict):
        status_id = _ref_id(status)
        status_type = str(status.get("type", ""))
    return AwardDoc(
        id=str(cid),
        badge_id=ach.id,
        badge=ach,
        issuer_id=issuer_id,
        recipient=_ob3_recipient(subject),
        awarded_on=awarded,
        valid_until=parse_date(end, "validUntil") if end else None,
        verification="status_list" if status_id else "none",
        status_id=status_id,
        status_type=status_type,
        extra={"issuer_name": issuer.get("name") if isinstance(issuer, dict) else None},
    )


def revocation_entries(doc: dict[str, Any]) -> list[tuple[str, str | None, dt.date | None]]:
    """(id, reason, revoked_on) of an OB2 RevocationList or a 1EdTechRevocationList document.

    OB2 lists `revokedAssertions` (IRIs or {id, revocationReason}); the 1EdTech list, as this
    project writes it, lists `revokedCredentials` the same way. `revokedOn` is our extension.
    """
    items = doc.get("revokedAssertions", doc.get("revokedCredentials"))
    if not isinstance(items, list):
        raise ObFormatError("revokedAssertions", "required list missing")
    out: list[tuple[str, str | None, dt.date | None]] = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            out.append((item, None, None))
        elif isinstance(item, dict) and isinstance(item.get("id"), str):
            on = (
                parse_date(item["revokedOn"], f"revokedAssertions[{i}].revokedOn")
                if item.get("revokedOn")
                else None
            )
            out.append((item["id"], item.get("revocationReason"), on))
        else:
            raise ObFormatError(f"revokedAssertions[{i}]", "neither an IRI nor an object with an id")
    return out


def recipient_hash(identity: str, salt: str | None) -> str:
    """'sha256$' + hex digest of identity + salt (identity already normalised)."""
    return "sha256$" + hashlib.sha256((identity + (salt or "")).encode("utf-8")).hexdigest()
