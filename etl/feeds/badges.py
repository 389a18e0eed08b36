"""Badge feed: Open Badges 2.0/3.0 documents (issuers, badge classes, assertions, credentials,
revocation lists) and WebHR 表51 certification exports -> issuer, badge_class, badge_alignment,
badge_award (via badge_award_stage) and badge_revocation rows, plus the reference catalog."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import functools
import hashlib
import io
import json
import multiprocessing
import re
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pandas as pd
import pyarrow as pa

from etl.context import IdentityVault, LoadContext, reference_table
from etl.feeds.base import FeedResult, FileRejected, QuarantineRow
from etl.identity import normalize_email, staff_key_from_national_id
from etl.openbadges import (
    AwardDoc,
    BadgeClassDoc,
    IssuerDoc,
    ObFormatError,
    SignatureError,
    document_kind,
    jws_parts,
    parse_assertion,
    parse_badgeclass,
    parse_credential,
    parse_issuer,
    parse_key,
    revocation_entries,
    verify_jws,
)
from etl.textnorm import DecodeError, ParseError, decode_bytes, normalize_text, parse_roc_date

FEED = "badges"
DERIVE_SQL = Path(__file__).with_name("badges_derive.sql")
STAGE_TABLE = "badge_award_stage"
AWARD_COLUMNS = [
    "award_id",
    "badge_code",
    "staff_key",
    "awarded_on",
    "valid_until",
    "revoked_on",
    "revocation_reason",
    "source",
    "verification",
    "content_sha256",
    "level",
    "file_name",
    "row_number",
]
_COL = {c: i for i, c in enumerate(AWARD_COLUMNS)}
_ID, _SHA, _ROW = _COL["award_id"], _COL["content_sha256"], _COL["row_number"]
# WebHR 表51 columns the parser needs; the others (names, staff numbers) are optional.
WEBHR_REQUIRED = ("身分證統一編號", "證照名稱", "取得日期")
LEVEL_TEXT = {
    "實用": "practical",
    "實用級": "practical",
    "進階": "advanced",
    "進階級": "advanced",
    "專業": "professional",
    "專業級": "professional",
    "初級": "elementary",
    "中級": "intermediate",
}
_PUNCT = re.compile(r"[\s\-_:：,，.。()（）\[\]【】「」'\"/&＋+·・–—]+")
_HAS_WORD = re.compile(r"[A-Za-z\u4e00-\u9fff]")


# ------------------------------------------------------------------------------- catalog


def _blank(value: Any) -> Any:
    return None if value is None or pd.isna(value) or str(value).strip() == "" else value


def known_codes() -> frozenset[str]:
    """Competency codes of the catalog: both frameworks, attitudes and the AI-talent abilities."""
    comp = reference_table("competencies")["code"].tolist()
    abil = reference_table("abilities")["ability_code"].tolist()
    return frozenset(str(c) for c in comp + abil)


@functools.cache
def _catalog() -> _Catalog:
    issuers = reference_table("issuers")
    badges = reference_table("badge_catalog")
    return _Catalog(
        issuer_by_iri={
            str(i): str(c) for i, c in zip(issuers["iri"], issuers["issuer_code"], strict=True) if _blank(i)
        },
        badge_by_iri={
            str(i): str(c) for i, c in zip(badges["source_iri"], badges["badge_code"], strict=True)
        },
        badge_issuer={
            str(c): str(i) for c, i in zip(badges["badge_code"], badges["issuer_code"], strict=True)
        },
        known=known_codes(),
        aliases=_alias_index(),
        alignments=frozenset(
            zip(
                *(
                    reference_table("badge_alignments")[c]
                    for c in ("badge_code", "framework", "competency_code")
                ),
                strict=True,
            )
        ),
    )


@dataclass(frozen=True)
class _Catalog:
    issuer_by_iri: dict[str, str]
    badge_by_iri: dict[str, str]
    badge_issuer: dict[str, str]
    known: frozenset[str]
    aliases: dict[str, tuple[str, str | None]]  # normalised alias -> (cert_code, level)
    alignments: frozenset[tuple[str, str, str]]  # (badge_code, framework, code) of the catalog


def _norm_name(text: str) -> str:
    return _PUNCT.sub("", normalize_text(text).lower())


def _alias_index() -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    for alias, code, level in zip(
        *(reference_table("cert_aliases")[c] for c in ("alias", "cert_code", "level")), strict=True
    ):
        out[_norm_name(str(alias))] = (str(code), str(level) if _blank(level) else None)
    for name, code in zip(
        reference_table("certifications")["name_zh"],
        reference_table("certifications")["cert_code"],
        strict=True,
    ):
        out.setdefault(_norm_name(str(name)), (str(code), None))
    return out


def reference_frames() -> dict[str, pd.DataFrame]:
    """issuer, badge_class and badge_alignment rows of the reference catalog (MODA badges and
    external certifications); the pipeline loads them before any badge file."""
    issuers = reference_table("issuers")
    issuer = pd.DataFrame(
        {
            "issuer_id": issuers["issuer_code"].astype(object),
            "name": issuers["name_zh"].astype(object),
            "url": [_blank(u) for u in issuers["url"]],
            "issuer_tier": issuers["issuer_tier"].astype(object),
        }
    )
    b = reference_table("badge_catalog")
    badges = pd.DataFrame(
        {
            "badge_code": b["badge_code"].astype(object),
            "kind": "badge",
            "name_zh": b["name_zh"].astype(object),
            "name_en": b["name_en"].astype(object),
            "issuer_id": b["issuer_code"].astype(object),
            "module_code": b["module_code"].astype(object),
            "level": b["level"].astype(object),
            "route": b["route"].astype(object),
            "badge_type": b["badge_type"].astype(object),
            "hours": pd.to_numeric(b["hours"]).astype(float),
            "source_iri": b["source_iri"].astype(object),
        }
    )
    c = reference_table("certifications")
    certs = pd.DataFrame(
        {
            "badge_code": c["cert_code"].astype(object),
            "kind": "certification",
            "name_zh": c["name_zh"].astype(object),
            "name_en": c["name_en"].astype(object),
            "issuer_id": c["issuer_code"].astype(object),
            "module_code": None,
            "level": [_blank(v) for v in c["levels"]],
            "route": c["routes"].astype(object),
            "badge_type": "certification",
            "hours": float("nan"),
            "source_iri": None,
        }
    )
    known = known_codes()
    a = reference_table("badge_alignments")
    align = pd.DataFrame(
        {
            "badge_code": a["badge_code"].astype(object),
            "framework": a["framework"].astype(object),
            "competency_code": a["competency_code"].astype(object),
            "target_name": a["target_name"].astype(object),
            "target_url": a["target_url"].astype(object),
        }
    )
    abil = reference_table("abilities").set_index("ability_code")["name_zh"]
    cert_align = [
        {
            "badge_code": code,
            "framework": "ai_talent_ability",
            "competency_code": cap,
            "target_name": str(abil.get(cap, cap)),
            "target_url": None,
        }
        for code, caps in zip(c["cert_code"], c["abilities"], strict=True)
        for cap in str(caps).split("|")
        if cap
    ]
    align = pd.concat([align, pd.DataFrame(cert_align)], ignore_index=True)
    align["known_code"] = align["competency_code"].isin(known)
    return {
        "issuer": issuer,
        "badge_class": pd.concat([badges, certs], ignore_index=True),
        "badge_alignment": align,
    }


# ------------------------------------------------------------------------- recipient matching


class RecipientMatcher:
    """Hashed Open Badges identities -> staff_key, hashing the vault's e-mails once per salt.

    `prepare_digests` hashes the whole vault per salt in DuckDB (vectorised) and keeps only the
    digests a file actually holds (found by a byte scan): a digest of that set that is not in the
    table is a definite miss. Any other digest (e.g. inside a JWS, or escaped JSON) falls back to
    the complete per-salt table built in Python (`prepare`)."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping
        self._by_salt: dict[tuple[str, str], dict[str, str]] = {}  # complete tables
        self._partial: dict[tuple[str, str], dict[str, str]] = {}  # restricted to _scanned
        self._scanned: frozenset[str] = frozenset()
        self._encoded: list[tuple[bytes, str]] | None = None

    def prepare(self, salts: Iterable[tuple[str, str]]) -> None:
        """Precompute complete (algorithm, salt) tables for every salt of a file in one pass each."""
        todo = set(salts) - set(self._by_salt)
        if todo and self._encoded is None:
            self._encoded = [(e.encode("utf-8"), k) for e, k in self.mapping.items()]
        for algo, salt in todo:
            # Copying a fresh hasher is cheaper than constructing one per e-mail.
            base = hashlib.new(algo)
            sb = salt.encode("utf-8")
            table: dict[str, str] = {}
            for e, k in self._encoded or []:
                h = base.copy()
                h.update(e + sb)
                table[h.hexdigest()] = k
            self._by_salt[(algo, salt)] = table

    def prepare_digests(self, salts: Iterable[str], digests: Iterable[str]) -> None:
        """sha256 tables for `salts`, restricted to `digests` (lower-case hex): the vault is
        hashed once per salt by DuckDB, only the matching (digest, staff_key) pairs come back."""
        salt_list = sorted(set(salts))
        self._scanned = frozenset(d.lower() for d in digests)
        if not salt_list or not self.mapping:
            for salt in salt_list:
                self._partial[("sha256", salt)] = {}
            return
        vault = pa.table(
            {
                "email": pa.array(list(self.mapping.keys()), pa.string()),
                "staff_key": pa.array(list(self.mapping.values()), pa.string()),
            }
        )
        salt_tbl = pa.table({"salt": pa.array(salt_list, pa.string())})
        want = pa.table({"h": pa.array(sorted(self._scanned), pa.string())})
        con = duckdb.connect(config={"threads": 1})
        try:
            con.execute("SET enable_progress_bar = false")
            con.register("_vault", vault)
            con.register("_salts", salt_tbl)
            con.register("_want", want)
            rows = con.execute(
                "SELECT x.salt, x.h, x.staff_key FROM (SELECT s.salt, sha256(v.email || s.salt) AS h, "
                "v.staff_key FROM _vault AS v CROSS JOIN _salts AS s) AS x JOIN _want USING (h)"
            ).fetchall()
        finally:
            con.close()
        tables: dict[str, dict[str, str]] = {salt: {} for salt in salt_list}
        for salt, h, key in rows:
            tables[salt][h] = key
        for salt, table in tables.items():
            self._partial[("sha256", salt)] = table

    def match(self, identity: str, hashed: bool, salt: str | None, rtype: str) -> str | None:
        if rtype not in ("email", "emailAddress"):
            return None
        if not hashed:
            return self.mapping.get(normalize_email(identity.removeprefix("mailto:")))
        algo, _, digest = identity.partition("$")
        algo = algo.lower()
        if algo not in ("sha256", "md5") or not digest:
            return None
        key = (algo, salt or "")
        digest = digest.lower()
        partial = self._partial.get(key)
        if partial is not None and digest in self._scanned:
            return partial.get(digest)
        if key not in self._by_salt:
            self.prepare([key])
        return self._by_salt[key].get(digest)


# ------------------------------------------------------------------------------ sibling docs


@dataclass
class _Siblings:
    """What the catalog documents next to a file say: badge classes, issuers, keys, revocations."""

    badges: dict[str, BadgeClassDoc] = field(default_factory=dict)
    issuers: dict[str, IssuerDoc] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # key IRI -> PEM
    revoked: dict[str, tuple[str | None, dt.date | None]] = field(
        default_factory=dict
    )  # award id -> (reason, on)
    lists: set[str] = field(default_factory=set)  # ids of the revocation lists seen


def _iter_docs(data: Any) -> list[Any]:
    return data if isinstance(data, list) else [data]


@functools.lru_cache(maxsize=64)
def _siblings_cached(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> _Siblings:
    sib = _Siblings()
    for name, _, _ in stamp:
        try:
            data = json.loads(Path(folder, name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # reported when that file itself is parsed
        for doc in _iter_docs(data):
            _absorb(sib, doc)
    return sib


def _absorb(sib: _Siblings, doc: Any) -> None:
    kind = document_kind(doc)
    try:
        if kind == "badgeclass":
            bc = parse_badgeclass(doc)
            sib.badges[bc.id] = bc
            if bc.issuer:
                _absorb_issuer(sib, bc.issuer)
        elif kind == "issuer":
            _absorb_issuer(sib, parse_issuer(doc))
        elif kind == "key":
            kid, pem = parse_key(doc)
            sib.keys[kid] = pem
        elif kind in ("revocationlist", "ob3_revocationlist"):
            if isinstance(doc.get("id"), str):
                sib.lists.add(doc["id"])
            for aid, reason, on in revocation_entries(doc):
                sib.revoked[aid] = (reason, on)
    except ObFormatError:
        return  # the file's own parse reports it


def _absorb_issuer(sib: _Siblings, iss: IssuerDoc) -> None:
    sib.issuers[iss.id] = iss
    sib.keys.update(iss.embedded_keys)


def siblings(path: Path) -> _Siblings:
    """Catalog documents (*.json, not dated files) in the folder of `path`, cached by mtime/size."""
    folder = path.parent
    stamp = []
    for p in sorted(folder.glob("*.json")):
        st = p.stat()
        if st.st_size < 200 * 1024 * 1024:
            stamp.append((p.name, st.st_mtime_ns, st.st_size))
    return _siblings_cached(str(folder), tuple(stamp))


# ------------------------------------------------------------------------------- the parser


def _mask_identity(doc: Any) -> Any:
    """A copy of an OB document safe for the quarantine: recipient identities masked."""
    if isinstance(doc, str):
        return {"jws": doc[:40] + "…"}
    if not isinstance(doc, dict):
        return {"value": str(doc)[:200]}
    out = json.loads(json.dumps(doc, ensure_ascii=False, default=str))
    rec = out.get("recipient")
    if isinstance(rec, dict) and "identity" in rec:
        rec["identity"] = "***masked***"
    subj = out.get("credentialSubject")
    if isinstance(subj, dict):
        for ident in subj.get("identifier") or []:
            if isinstance(ident, dict) and "identityHash" in ident:
                ident["identityHash"] = "***masked***"
        if isinstance(subj.get("id"), str):
            subj["id"] = "***masked***"
        if isinstance(subj.get("achievement"), dict):
            subj["achievement"] = {k: subj["achievement"].get(k) for k in ("id", "name")}
    if isinstance(out.get("badge"), dict):
        out["badge"] = {k: out["badge"].get(k) for k in ("id", "name")}
    return out


def _sha(obj: Any) -> str:
    text = (
        obj
        if isinstance(obj, str)
        else json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _award_record(award: tuple[Any, ...]) -> dict[str, Any]:
    """What the quarantine keeps of a duplicate award: ids and dates, no recipient. (Keeping
    every raw document until the duplicate check would cost gigabytes at the national scale.)"""
    keys = ("award_id", "badge_code", "awarded_on", "valid_until", "source", "content_sha256")
    return {k: str(award[_COL[k]]) if award[_COL[k]] is not None else None for k in keys}


@dataclass
class _Out:
    file_name: str
    awards: list[tuple[Any, ...]] = field(default_factory=list)  # AWARD_COLUMNS order
    quarantine: list[QuarantineRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    issuers: dict[str, dict[str, Any]] = field(default_factory=dict)
    badge_classes: dict[str, dict[str, Any]] = field(default_factory=dict)
    alignments: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    revocations: list[dict[str, Any]] = field(default_factory=list)
    revoked_fallback: int = 0

    def q(self, row: int, reason: str, message: str, raw: Any) -> None:
        self.quarantine.append(QuarantineRow(row, reason, message, _mask_identity(raw)))

    def dedupe(self) -> None:
        """Within one file: identical repeats -> duplicate_identical (first kept); the same id
        with different content -> every version quarantined as duplicate_conflict."""
        by_id: dict[str, list[int]] = {}
        for i, a in enumerate(self.awards):
            by_id.setdefault(a[_ID], []).append(i)
        drop: set[int] = set()
        for aid, idx in by_id.items():
            if len(idx) == 1:
                continue
            hashes = {self.awards[i][_SHA] for i in idx}
            if len(hashes) == 1:
                for i in idx[1:]:
                    drop.add(i)
                    self.q(self.awards[i][_ROW], "duplicate_identical",
                           f"award id {aid} repeats row {self.awards[idx[0]][_ROW]} with identical content; ignored",
                           _award_record(self.awards[i]))  # fmt: skip
            else:
                rows = [self.awards[i][_ROW] for i in idx]
                for i in idx:
                    drop.add(i)
                    self.q(self.awards[i][_ROW], "duplicate_conflict",
                           f"award id {aid} appears in rows {rows} with different content",
                           _award_record(self.awards[i]))  # fmt: skip
        if drop:
            self.awards = [a for i, a in enumerate(self.awards) if i not in drop]

    def tables(self) -> dict[str, pd.DataFrame]:
        out: dict[str, pd.DataFrame] = {}
        if self.awards:
            df = pd.DataFrame.from_records(self.awards, columns=AWARD_COLUMNS)
            for col in ("awarded_on", "valid_until", "revoked_on"):
                df[col] = pd.to_datetime(df[col]).dt.date
            out[STAGE_TABLE] = df
        if self.issuers:
            out["issuer"] = pd.DataFrame(list(self.issuers.values()))
        if self.badge_classes:
            out["badge_class"] = pd.DataFrame(list(self.badge_classes.values()))
        if self.alignments:
            out["badge_alignment"] = pd.DataFrame(list(self.alignments.values()))
        if self.revocations:
            rv = pd.DataFrame(self.revocations)
            rv["revoked_on"] = pd.to_datetime(rv["revoked_on"]).dt.date
            out["badge_revocation"] = rv
        return out


class _ObParser:
    def __init__(self, path: Path, ctx: LoadContext) -> None:
        self.path = path
        self.cat = _catalog()
        self.sib = siblings(path)
        self.out = _Out(path.name)
        self.matcher = RecipientMatcher(ctx.vault.mapping())

    # -------------------------------------------------------------- catalog-type documents

    def issuer_row(self, iss: IssuerDoc) -> None:
        if iss.id in self.cat.issuer_by_iri:
            return
        self.out.issuers[iss.id] = {
            "issuer_id": iss.id,
            "name": iss.name,
            "url": iss.url,
            "issuer_tier": "external",
        }

    def badge_code_for(self, bc: BadgeClassDoc, issuer_id: str | None) -> str | None:
        """Catalog code of a badge class, its IRI for a class of an outside issuer, or None when
        a catalog issuer (MODA hub, CSDI) refers to a class its catalog does not have."""
        if bc.id in self.cat.badge_by_iri:
            return self.cat.badge_by_iri[bc.id]
        if (issuer_id or bc.issuer_id) in self.cat.issuer_by_iri:
            return None
        return bc.id

    def badgeclass_rows(self, bc: BadgeClassDoc, issuer_id: str | None) -> str | None:
        code = self.badge_code_for(bc, issuer_id)
        if code is None:
            return None
        iss = issuer_id or bc.issuer_id
        if iss and iss not in self.cat.issuer_by_iri and iss not in self.out.issuers:
            profile = bc.issuer or self.sib.issuers.get(iss)
            if profile is not None:
                self.issuer_row(profile)
            else:  # the class names an issuer whose profile we do not have: keep the IRI
                self.out.issuers[iss] = {
                    "issuer_id": iss,
                    "name": iss,
                    "url": None,
                    "issuer_tier": "external",
                }
        if code not in self.cat.badge_issuer and code not in self.out.badge_classes:
            self.out.badge_classes[code] = {
                "badge_code": code,
                "kind": "badge",
                "name_zh": bc.name,
                "name_en": None,
                "issuer_id": self.cat.issuer_by_iri.get(iss or "", iss),
                "module_code": None,
                "level": None,
                "route": None,
                "badge_type": "achievement",
                "hours": None,
                "source_iri": bc.id,
            }
        for al in bc.alignments:
            if not al.code:
                continue
            fw = al.framework or "unspecified"
            key = (code, fw, al.code)
            if key in self.cat.alignments:
                continue  # already loaded from the reference catalog
            known = al.code in self.cat.known
            if not known and key not in self.out.alignments:
                self.out.warnings.append(
                    f"badge {code}: alignment code {al.code!r} ({fw}) is not in the catalog"
                )
            self.out.alignments[key] = {
                "badge_code": code,
                "framework": fw,
                "competency_code": al.code,
                "target_name": al.name,
                "target_url": al.url,
                "known_code": known,
            }
        return code

    # ------------------------------------------------------------------------- awards

    def award(
        self, row: int, raw: Any, doc: AwardDoc, source: str, verification: str, sha: str | None = None
    ) -> None:
        sib = self.sib
        badge = doc.badge or sib.badges.get(doc.badge_id)
        issuer_id = doc.issuer_id or (badge.issuer_id if badge else None)
        if badge is None:
            code = self.cat.badge_by_iri.get(doc.badge_id)
        else:
            if badge.issuer:
                self.issuer_row(badge.issuer)
            elif issuer_id and issuer_id in sib.issuers:
                self.issuer_row(sib.issuers[issuer_id])
            elif issuer_id and issuer_id not in self.cat.issuer_by_iri and source == "ob3":
                name = doc.extra.get("issuer_name") or issuer_id
                self.out.issuers.setdefault(
                    issuer_id, {"issuer_id": issuer_id, "name": name, "url": None, "issuer_tier": "external"}
                )
            # Classes from the catalog documents next to the file are loaded (with their
            # alignments) when that document is parsed; embedded ones are loaded here.
            code = (
                self.badgeclass_rows(badge, issuer_id) if doc.badge else self.badge_code_for(badge, issuer_id)
            )
        if code is None:
            self.out.q(row, "unknown_badge_class", f"badge {doc.badge_id} is not in the badge catalog", raw)
            return
        staff_key = self.matcher.match(
            doc.recipient.identity, doc.recipient.hashed, doc.recipient.salt, doc.recipient.type
        )
        if staff_key is None:
            self.out.q(row, "recipient_not_in_roster", f"recipient of {doc.id} matches no roster e-mail", raw)
            return
        if doc.valid_until is not None and doc.valid_until < doc.awarded_on:
            self.out.q(row, "expiry_before_award",
                       f"expires {doc.valid_until} before the award date {doc.awarded_on}", raw)  # fmt: skip
            return
        revoked_on: dt.date | None = None
        reason: str | None = None
        hit = sib.revoked.get(doc.id)
        if hit is not None:
            reason, revoked_on = hit
        elif doc.revoked:
            reason = doc.revocation_reason
        if (hit is not None or doc.revoked) and revoked_on is None:
            revoked_on = doc.awarded_on  # the list gives no date: conservative, counted in a warning
            self.out.revoked_fallback += 1
        self.out.awards.append(
            (
                doc.id,  # award_id
                code,  # badge_code
                staff_key,  # staff_key
                doc.awarded_on,  # awarded_on
                doc.valid_until,  # valid_until
                revoked_on,  # revoked_on
                reason,  # revocation_reason
                source,  # source
                verification,  # verification
                sha or _sha(raw),  # content_sha256
                None,  # level
                self.out.file_name,  # file_name
                row,  # row_number
            )
        )

    def signed(self, row: int, token: str, sha: str | None = None) -> None:
        try:
            _, payload, _, _ = jws_parts(token)
        except SignatureError as exc:
            self.out.q(row, "bad_signature", f"signed assertion: {exc}", token)
            return
        try:
            doc = parse_assertion(payload)
        except ObFormatError as exc:
            self.out.q(row, "missing_field", f"signed assertion: {exc}", payload)
            return
        pem = self.sib.keys.get(doc.key_id or "")
        if pem is None:
            badge = doc.badge or self.sib.badges.get(doc.badge_id)
            iss = self.sib.issuers.get((badge.issuer_id if badge else None) or "")
            pem = next(
                (self.sib.keys[k] for k in (iss.public_keys if iss else ()) if k in self.sib.keys), None
            )
        if pem is None:
            self.out.q(
                row,
                "bad_signature",
                f"no public key {doc.key_id!r} in the issuer profiles next to the file",
                payload,
            )
            return
        try:
            verify_jws(token, pem)
        except SignatureError as exc:
            self.out.q(row, "bad_signature", f"assertion {doc.id}: {exc}", payload)
            return
        self.award(row, token, doc, "ob2", "signed", sha)

    def document(self, row: int, doc: Any, sha: str | None = None) -> None:
        """One document (a JSON value) of a .json or .jsonl file; `sha` is the hash of its source
        line when known (cheaper than re-serialising the document)."""
        if isinstance(doc, str):
            self.signed(row, doc, sha)
            return
        kind = document_kind(doc)
        try:
            if kind == "assertion":
                self.award(row, doc, parse_assertion(doc), "ob2", "hosted", sha)
            elif kind == "credential":
                cred = parse_credential(doc)
                self.award(row, doc, cred, "ob3", cred.verification if cred.status_id else "none", sha)
                if cred.status_id and cred.status_id not in self.sib.lists:
                    self.out.warnings.append(
                        f"credential status list {cred.status_id} not found next to the file"
                    )
            elif kind == "badgeclass":
                bc = parse_badgeclass(doc)
                if bc.issuer:
                    self.issuer_row(bc.issuer)
                if self.badgeclass_rows(bc, bc.issuer_id) is None:
                    self.out.q(
                        row,
                        "unknown_badge_class",
                        f"badge class {bc.id} of a catalog issuer is not in the catalog",
                        doc,
                    )
            elif kind == "issuer":
                self.issuer_row(parse_issuer(doc))
            elif kind == "key":
                parse_key(doc)
            elif kind in ("revocationlist", "ob3_revocationlist"):
                raise AssertionError("revocation lists are handled per entry")
            else:
                self.out.q(
                    row,
                    "unknown_document_type",
                    f"not an Open Badges document (type {doc.get('type')!r})"
                    if isinstance(doc, dict)
                    else "not a JSON object",
                    doc,
                )
        except ObFormatError as exc:
            self.out.q(row, "missing_field", str(exc), doc)


def _parse_json(path: Path, ctx: LoadContext) -> FeedResult:
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FileRejected(path.name, f"not UTF-8 at byte offset {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise FileRejected(
            path.name, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    p = _ObParser(path, ctx)
    docs = _iter_docs(data)
    rows = 0
    for doc in docs:
        if document_kind(doc) in ("revocationlist", "ob3_revocationlist"):
            try:
                entries = revocation_entries(doc)
            except ObFormatError as exc:
                rows += 1
                p.out.q(rows, "missing_field", str(exc), doc)
                continue
            list_id = str(doc.get("id") or path.name)
            for aid, reason, on in entries:
                rows += 1
                p.out.revocations.append(
                    {"award_id": aid, "revoked_on": on, "revocation_reason": reason, "list_id": list_id}
                )
            continue
        rows += 1
        p.document(rows, doc)
    return _finish(p, rows, "utf-8")


_SALT = re.compile(rb'"salt"\s*:\s*"([^"\\]*)"')
_DIGEST = re.compile(rb"sha256\$([0-9a-fA-F]{64})")
_JWS = re.compile(r"[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")
_SCAN_BLOCK = 16 * 1024 * 1024


def _scan_identities(fh: Any) -> tuple[set[str], set[str]]:
    """Salts and sha256 recipient digests of a .jsonl file: a byte scan in 16 MB blocks cut at
    line ends, not a parse (a national monthly file is never held in memory)."""
    salts: set[bytes] = set()
    digests: set[bytes] = set()
    rest = b""
    while True:
        block = fh.read(_SCAN_BLOCK)
        if not block:
            break
        block = rest + block
        cut = block.rfind(b"\n") + 1
        rest = block[cut:]
        salts.update(_SALT.findall(block, 0, cut))
        digests.update(_DIGEST.findall(block, 0, cut))
    salts.update(_SALT.findall(rest))
    digests.update(_DIGEST.findall(rest))
    return (
        {m.decode("utf-8", "replace") for m in salts},
        {m.decode("ascii").lower() for m in digests},
    )


def _parse_jsonl(path: Path, ctx: LoadContext) -> FeedResult:
    p = _ObParser(path, ctx)
    rows = 0
    with open(path, "rb") as fh:
        # Hash the vault once per salt of the file up front, keeping only the digests the file
        # holds; a salt or digest the scan misses (e.g. inside a JWS) is prepared lazily.
        salts, digests = _scan_identities(fh)
        p.matcher.prepare_digests(salts, digests)
        fh.seek(0)
        # One line at a time: a national monthly file (hundreds of MB) is never held in memory.
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            rows += 1
            # Fast path: orjson on the raw bytes. Anything it refuses (BOM, bad UTF-8, a bare
            # JWS, NaN, huge integers, invalid JSON) takes the standard-library path below, so
            # values and error messages are those of json.loads.
            try:
                doc = orjson.loads(line)
            except orjson.JSONDecodeError:
                try:
                    text = line.decode("utf-8-sig" if lineno == 1 else "utf-8")
                    stripped = text.strip()
                    # A signed badge may be written as a bare compact JWS instead of a JSON string.
                    doc = stripped if _JWS.fullmatch(stripped) else json.loads(text)
                except UnicodeDecodeError as exc:
                    p.out.q(
                        lineno,
                        "undecodable_bytes",
                        f"line {lineno}: not UTF-8 at byte {exc.start}",
                        {"line": line[:200].decode("utf-8", "replace")},
                    )
                    continue
                except json.JSONDecodeError as exc:
                    p.out.q(
                        lineno,
                        "invalid_json",
                        f"line {lineno} column {exc.colno}: {exc.msg}",
                        {"line": text[:200]},
                    )
                    continue
            p.document(lineno, doc, hashlib.sha256(line.strip()).hexdigest())
    return _finish(p, rows, "utf-8")


def _finish(p: _ObParser, rows: int, encoding: str) -> FeedResult:
    p.out.dedupe()
    if p.out.revoked_fallback:
        p.out.warnings.append(
            f"{p.out.revoked_fallback} revoked awards without a revocation date: revoked_on set to the award date"
        )
    return FeedResult(
        feed=FEED,
        file_name=p.out.file_name,
        encoding=encoding,
        rows_read=rows,
        tables=p.out.tables(),
        quarantine=sorted(p.out.quarantine, key=lambda q: q.row_number),
        warnings=p.out.warnings,
    )


# ------------------------------------------------------------------------------ WebHR 表51


def _mask_nid(nid: str) -> str:
    return nid[:2] + "*" * max(len(nid) - 4, 0) + nid[-2:] if len(nid) > 4 else "***"


def _decode_lines(data: bytes, name: str, out: _Out) -> tuple[str, str]:
    """Whole-file decoding, or line by line when some lines hold undecodable bytes (each such
    line quarantined with its line number)."""
    try:
        d = decode_bytes(data, name)
        return d.text, d.encoding
    except DecodeError:
        pass
    good: list[str] = []
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        for enc in ("cp950", "big5hkscs"):
            try:
                good.append(raw.decode(enc))
                break
            except UnicodeDecodeError as exc:
                err = exc
        else:
            out.q(lineno - 1, "undecodable_bytes",
                  f"line {lineno}: undecodable bytes {raw[err.start:err.end + 1]!r} at byte {err.start} of the line (CP950/Big5)",
                  {"line_number": lineno})  # fmt: skip
    return "\n".join(good), "cp950"


def _parse_webhr(path: Path, ctx: LoadContext) -> FeedResult:
    out = _Out(path.name)
    data = path.read_bytes()
    if not data.strip():
        raise FileRejected(path.name, "empty file")
    text, encoding = _decode_lines(data, path.name, out)
    bad_lines = {q.row_number for q in out.quarantine}
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [normalize_text(h) for h in next(reader)]
    except StopIteration as exc:
        raise FileRejected(path.name, "no header row") from exc
    missing = [c for c in WEBHR_REQUIRED if c not in header]
    if missing:
        raise FileRejected(
            path.name, f"missing column(s) {missing} in the header (expected WebHR 表51 columns)"
        )
    col = {h: i for i, h in enumerate(header)}
    cat = _catalog()
    mapping = ctx.vault.mapping()
    roster_keys = set(mapping.values())
    if not roster_keys:
        out.warnings.append("identity vault is empty: WebHR rows not checked against the roster")
    canon = reference_table("certifications").set_index("cert_code")["name_zh"].to_dict()
    choices = list(cat.aliases)
    # Data rows are numbered as in the file (header excluded), skipping the quarantined
    # undecodable lines so that row numbers stay those of the original file.
    rows_read = len(bad_lines)
    row_no = 0
    for values in reader:
        row_no += 1
        while row_no in bad_lines:
            row_no += 1
        if not any(v.strip() for v in values):
            continue
        rows_read += 1
        rec = dict(zip(header, values, strict=False))
        masked = dict(rec)
        for k in ("身分證統一編號", "姓名", "員工編號"):
            if k in masked:
                masked[k] = _mask_nid(masked[k]) if k == "身分證統一編號" else "***"
        if len(values) != len(header):
            out.q(row_no, "malformed_row", f"{len(values)} fields, header has {len(header)}", masked)
            continue
        nid = normalize_text(values[col["身分證統一編號"]]).upper()
        if not re.fullmatch(r"[A-Z][A-Z0-9]\d{8}", nid):
            out.q(row_no, "missing_field", "身分證統一編號 missing or malformed", masked)
            continue
        staff_key = staff_key_from_national_id(ctx.secret, nid)
        if roster_keys and staff_key not in roster_keys:
            out.q(row_no, "recipient_not_in_roster", "身分證統一編號 matches no roster person", masked)
            continue
        name = values[col["證照名稱"]]
        key = _norm_name(name)
        if not key or not _HAS_WORD.search(key):
            out.q(row_no, "unparseable_certification_name", f"證照名稱 {name!r} has no letters", masked)
            continue
        hit = cat.aliases.get(key)
        if hit is None:
            best = difflib.get_close_matches(key, choices, n=1, cutoff=0.0)
            sugg = cat.aliases[best[0]][0] if best else None
            hint = f"; closest: {canon.get(sugg, sugg)} ({sugg})" if sugg else ""
            out.q(
                row_no,
                "unknown_certification",
                f"證照名稱 {normalize_text(name)!r} matches no certification{hint}",
                masked,
            )
            continue
        cert_code, level = hit
        level_text = normalize_text(values[col["等級"]]) if "等級" in col else ""
        if level is None and level_text:
            level = LEVEL_TEXT.get(level_text.replace(" ", ""))
            if level is None:
                out.warnings.append(f"row {row_no}: unknown 等級 {level_text!r}, level left empty")
        try:
            obtained = parse_roc_date(values[col["取得日期"]])
            vtext = values[col["有效期限"]].strip() if "有效期限" in col else ""
            valid = parse_roc_date(vtext) if vtext else None
        except ParseError as exc:
            out.q(row_no, "invalid_roc_date", str(exc), masked)
            continue
        if valid is not None and valid < obtained:
            out.q(row_no, "expiry_before_award", f"有效期限 {valid} before 取得日期 {obtained}", masked)
            continue
        # Content = the parsed meaning, so a re-registration typed differently is identical and
        # only a real difference (e.g. another expiry) is a conflict.
        content = {"cert": cert_code, "level": level, "obtained": str(obtained), "valid": str(valid),
                   "agency": normalize_text(values[col["機關代碼"]]) if "機關代碼" in col else ""}  # fmt: skip
        aid = (
            "webhr51:"
            + hashlib.sha256(f"{staff_key}|{cert_code}|{level or ''}|{obtained}".encode()).hexdigest()[:32]
        )
        out.awards.append(
            (
                aid,  # award_id
                cert_code,  # badge_code
                staff_key,  # staff_key
                obtained,  # awarded_on
                valid,  # valid_until
                None,  # revoked_on
                None,  # revocation_reason
                "webhr51",  # source
                "webhr",  # verification
                _sha(content),  # content_sha256
                level,  # level
                path.name,  # file_name
                row_no,  # row_number
            )
        )
    out.dedupe()
    return FeedResult(
        feed=FEED,
        file_name=path.name,
        encoding=encoding,
        rows_read=rows_read,
        tables=out.tables(),
        quarantine=sorted(out.quarantine, key=lambda q: q.row_number),
        warnings=out.warnings,
    )


# ------------------------------------------------------------------------------ entry points


def _parse_here(path: Path, ctx: LoadContext) -> FeedResult:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _parse_webhr(path, ctx)
    if suffix == ".jsonl":
        return _parse_jsonl(path, ctx)
    if suffix == ".json":
        return _parse_json(path, ctx)
    raise FileRejected(path.name, f"unsupported file type {suffix!r} for the badges feed")


def parse(path: Path, ctx: LoadContext) -> FeedResult:
    """Parse one badge file: OB2/OB3 .json / .jsonl documents or a WebHR 表51 .csv export.

    After `prefetch(paths, ctx)`, large files of that list are parsed ahead by worker processes
    and this returns their result; anything else is parsed here."""
    global _PREFETCH
    if _PREFETCH is not None:
        result = _PREFETCH.take(path, ctx)
        if _PREFETCH.done:
            _PREFETCH.close()
            _PREFETCH = None
        if result is not None:
            return result
    return _parse_here(path, ctx)


# --------------------------------------------------------------------- parallel prefetching

# Files at least this large go to the worker processes; smaller ones are parsed in-process.
PREFETCH_FILE_BYTES = 1024 * 1024
# Start workers only when the large files add up to this much (spawning a worker costs ~1-2 s
# of imports plus a copy of the identity vault: a loss for the demo's few MB).
PREFETCH_TOTAL_BYTES = 256 * 1024 * 1024
PREFETCH_WORKERS = 2

_WORKER_CTX: LoadContext | None = None
_PREFETCH: _Prefetcher | None = None


def _worker_init(secret: bytes, settings: Any, codebook_dir: Path, pairs: pd.DataFrame) -> None:
    global _WORKER_CTX
    vault = IdentityVault(Path("/nonexistent/identity-vault.parquet"))
    vault.update(pairs)
    _WORKER_CTX = LoadContext(secret=secret, vault=vault, settings=settings, codebook_dir=codebook_dir)


def _worker_parse(path: str) -> tuple[str, Any]:
    """("ok", FeedResult) | ("rejected", (file name, detail)) | ("error", None): a parser error
    is re-raised by parsing the file again in the main process (same exception, same report)."""
    assert _WORKER_CTX is not None
    try:
        return "ok", _parse_here(Path(path), _WORKER_CTX)
    except FileRejected as exc:
        return "rejected", (exc.file_name, exc.detail)
    except Exception:
        return "error", None


def _stamp(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path.resolve()), st.st_mtime_ns, st.st_size


class _Prefetcher:
    """Parses the large files of a known load order in PREFETCH_WORKERS processes, at most
    PREFETCH_WORKERS + 1 files ahead (results are held in memory until taken)."""

    def __init__(self, paths: list[Path], ctx: LoadContext) -> None:
        mapping = ctx.vault.mapping()
        self.ctx_key = (ctx.secret, id(mapping), len(mapping))
        self.plan = [_stamp(p) for p in paths]
        self.index: dict[tuple[str, int, int], int] = {}
        for i, key in enumerate(self.plan):
            self.index.setdefault(key, i)
        self.next = 0
        self.futures: dict[int, Future[tuple[str, Any]]] = {}
        pairs = pd.DataFrame({"email": list(mapping.keys()), "staff_key": list(mapping.values())})
        self.pool = ProcessPoolExecutor(
            max_workers=PREFETCH_WORKERS,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,
            initargs=(ctx.secret, ctx.settings, ctx.codebook_dir, pairs),
        )
        self._fill()

    @property
    def done(self) -> bool:
        return self.next >= len(self.plan) and not self.futures

    def _fill(self) -> None:
        while self.next < len(self.plan) and len(self.futures) < PREFETCH_WORKERS + 1:
            self.futures[self.next] = self.pool.submit(_worker_parse, self.plan[self.next][0])
            self.next += 1

    def take(self, path: Path, ctx: LoadContext) -> FeedResult | None:
        """The worker's result for `path`, or None when it is not in the plan (a small file, or
        one changed since): the caller then parses it itself."""
        try:
            idx = self.index.get(_stamp(path))
        except OSError:
            return None
        if idx is None:
            return None
        for j in [j for j in self.futures if j < idx]:  # planned files the caller skipped
            self.futures.pop(j).cancel()
        fut = self.futures.pop(idx, None)
        self.next = max(self.next, idx + 1)
        self._fill()
        mapping = ctx.vault.mapping()
        if fut is None or (ctx.secret, id(mapping), len(mapping)) != self.ctx_key:
            return None
        try:
            status, value = fut.result()
        except Exception:  # a worker died (e.g. out of memory): parse in this process instead
            return None
        if status == "rejected":
            raise FileRejected(*value)
        return value if status == "ok" else None

    def close(self) -> None:
        for fut in self.futures.values():
            fut.cancel()
        self.futures.clear()
        self.next = len(self.plan)
        self.pool.shutdown(wait=False, cancel_futures=True)


def prefetch(paths: Iterable[Path], ctx: LoadContext) -> bool:
    """Announce the files about to be parsed, in order: when their large files are big enough
    together, worker processes parse them ahead while the caller inserts earlier results.
    Returns whether workers were started. Results are those of `parse` file by file."""
    global _PREFETCH
    if _PREFETCH is not None:
        _PREFETCH.close()
        _PREFETCH = None
    big = []
    for p in paths:
        try:
            if p.suffix.lower() in (".jsonl", ".csv") and p.stat().st_size >= PREFETCH_FILE_BYTES:
                big.append(p)
        except OSError:
            continue
    if not big or sum(p.stat().st_size for p in big) < PREFETCH_TOTAL_BYTES:
        return False
    _PREFETCH = _Prefetcher(big, ctx)
    return True


def derive(con: Any, ctx: LoadContext) -> list[str]:
    """Move staged awards into badge_award (cross-file duplicates quarantined, load log kept
    consistent) and apply revocation lists; returns warnings for the load report."""
    con.execute(DERIVE_SQL.read_text(encoding="utf-8")).fetchall()
    warnings: list[str] = []
    dup = con.execute("SELECT reason_code, count(*) FROM _badge_dupes GROUP BY 1 ORDER BY 1").fetchall()
    for reason, n in dup:
        warnings.append(f"{n} badge awards quarantined as {reason} across files")
    (unknown,) = con.execute("SELECT count(*) FROM badge_alignment WHERE NOT known_code").fetchone()
    if unknown:
        warnings.append(f"{unknown} badge alignments use codes unknown to the catalog (known_code=false)")
    (orphans,) = con.execute(
        "SELECT count(DISTINCT r.award_id) FROM badge_revocation r "
        "LEFT JOIN badge_award a USING (award_id) WHERE a.award_id IS NULL"
    ).fetchone()
    if orphans:
        warnings.append(f"{orphans} revoked ids match no loaded award")
    return warnings
