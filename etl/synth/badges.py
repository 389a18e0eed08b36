"""Badge generator: MODA badge hub awards as Open Badges 2.0 assertions and 3.0 credentials, and
external AI certifications as WebHR 表51 exports, drawn from the roster (runs last)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from etl.context import reference_table
from etl.identity import ob_recipient_hash
from etl.openbadges import (
    OB2_CONTEXT,
    OB3_CONTEXT,
    OB3_CONTEXT_V11,
    VC1_CONTEXT,
    VC2_CONTEXT,
    b64url_encode,
    deterministic_rsa_key,
    public_key_pem,
    sign_jws,
)
from etl.synth import ManifestEntry, SynthContext
from etl.synth.badges_plan import (
    TARGETS,
    WIDEN,
    draw_badge_awards,
    draw_certifications,
    prepare_people,
    tuples,
)
from etl.synth.badges_webhr import write_webhr

HUB = "https://badges.moda.gov.tw"
TZ = "+08:00"
REVOCATION_REASONS = (
    "誤發：學員未完成全部課程 (issued in error: courses not completed)",
    "課程評量成績更正 (assessment score corrected)",
    "重複核發 (issued twice)",
    "學員申請撤回 (withdrawn at the earner's request)",
)
REVOKED_SHARE = 0.01
OB3_SHARE_AFTER_WIDEN = 0.3  # the hub adds OB3 export in 2026; CSDI issues OB3 from the start


def generate(ctx: SynthContext) -> list[ManifestEntry]:
    people_raw = ctx.shared.get("roster_people")
    if people_raw is None or len(people_raw) == 0:
        raise RuntimeError("badges generator needs ctx.shared['roster_people'] from the roster generator")
    targets = TARGETS[ctx.profile]
    people = prepare_people(pd.DataFrame(people_raw), ctx.rng("badges.people"))
    awards = draw_badge_awards(people, targets.badge_awards, ctx.rng("badges.awards"))
    awards = _decorate(awards, people, ctx)
    entries: list[ManifestEntry] = []
    entries += _write_ob2(ctx, awards, people, targets.problem_scale, targets.bad_signatures)
    entries += _write_ob3(ctx, awards, people, targets.problem_scale)
    certs = draw_certifications(people, targets.cert_rows, ctx.rng("badges.certs"))
    entries += write_webhr(ctx, certs, people, targets.problem_scale)
    return entries


# ------------------------------------------------------------------------------ shared columns


def _uuids(rng: np.random.Generator, n: int) -> list[str]:
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4 layout, deterministic content
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    out = []
    for row in raw:
        h = row.tobytes().hex()
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out


def _iso(ts: Any) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S") + TZ


def _decorate(awards: pd.DataFrame, people: pd.DataFrame, ctx: SynthContext) -> pd.DataFrame:
    """Format, ids, salts, expiry, revocation and verification of each award."""
    rng = ctx.rng("badges.decorate")
    n = len(awards)
    catalog = reference_table("badge_catalog").set_index("badge_code")
    a = awards  # decorated in place: the caller keeps only the result (memory at national scale)
    ob3 = (a["issuer_code"] == "csdi").to_numpy() | (
        (a["awarded_at"] >= WIDEN.start_time).to_numpy() & (rng.random(n) < OB3_SHARE_AFTER_WIDEN)
    )
    a["fmt"] = np.where(ob3, "ob3", "ob2")
    a["uuid"] = _uuids(rng, n)
    # One salt per issuer batch (issuer x format x month): the ETL hashes the vault once per salt.
    month = (a["awarded_at"].dt.year * 100 + a["awarded_at"].dt.month).to_numpy()
    batch = pd.MultiIndex.from_arrays([a["issuer_code"].to_numpy(), a["fmt"].to_numpy(), month])
    group, keys = pd.factorize(batch, sort=True)
    salts = np.array([rng.bytes(8).hex() for _ in range(len(keys))], dtype=object)
    a["salt"] = salts[group]
    a["email"] = people["email"].to_numpy()[a["person"].to_numpy()]
    months = pd.to_numeric(a["badge_code"].map(catalog["expires_months"]), errors="coerce")
    exp = pd.Series(pd.NaT, index=a.index, dtype="datetime64[ns]")
    for k in sorted(months.dropna().unique()):
        sel = months == k
        exp[sel] = a.loc[sel, "awarded_at"] + pd.DateOffset(months=int(k))
    a["expires_at"] = exp
    revoked = rng.random(n) < REVOKED_SHARE
    end = pd.Timestamp("2026-10-31 17:00:00")
    rev_at = a["awarded_at"] + pd.to_timedelta(rng.integers(7, 120, n), unit="D")
    rev_at = rev_at.where(rev_at <= end, end).where(lambda s: s > a["awarded_at"], a["awarded_at"])
    a["revoked_at"] = rev_at.where(revoked)
    reasons = pd.Series(rng.choice(np.array(REVOCATION_REASONS, dtype=object), n), index=a.index)
    a["revocation_reason"] = reasons.where(revoked)
    a["plaintext"] = rng.random(n) < 0.01  # a few issuers send plain e-mail recipients
    a["vc11"] = ob3 & (rng.random(n) < 0.2)  # OB3 issued with the VC 1.1 data model
    a["awarded_date_field"] = rng.random(n) < 0.7
    a["issue_lag_h"] = rng.integers(0, 72, n)
    return a


def _chunks(df: pd.DataFrame, col: str = "awarded_at") -> Iterator[tuple[str, pd.DataFrame]]:
    for ym, part in df.groupby(df[col].dt.strftime("%Y%m"), sort=True):
        yield str(ym), part


CHUNK_ROWS = 20_000  # rows per JSON-lines write: bounds memory at the national scale


def _stream_lines(
    path: Path, n: int, chunk: Callable[[int, int], list[str]], extras: list[str], rng: np.random.Generator
) -> int:
    """Write rows 0..n-1 (made chunk by chunk) plus `extras` inserted at random positions; returns
    the number of lines written. Never holds more than one chunk of lines in memory."""
    pos = np.sort(rng.integers(0, n + 1, len(extras)))
    path.parent.mkdir(parents=True, exist_ok=True)
    k = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for a in range(0, n, CHUNK_ROWS):
            for i, line in enumerate(chunk(a, min(n, a + CHUNK_ROWS)), start=a):
                while k < len(extras) and pos[k] == i:
                    fh.write(extras[k] + "\n")
                    k += 1
                fh.write(line + "\n")
        for line in extras[k:]:
            fh.write(line + "\n")
    return n + len(extras)


def _write_json(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _entry(ctx: SynthContext, path: Path, rows: int, dmin: Any, dmax: Any, fmt: str) -> ManifestEntry:
    return ManifestEntry(
        feed="badges",
        path=str(path.relative_to(ctx.out)),
        rows=rows,
        date_min=str(pd.Timestamp(dmin).date()),
        date_max=str(pd.Timestamp(dmax).date()),
        fmt=fmt,
    )


def issuer_iri(code: str) -> str:
    return f"{HUB}/issuers/{code}"


def _alignment_docs(badge_code: str, alignments: pd.DataFrame) -> list[dict[str, str]]:
    rows = alignments[alignments["badge_code"] == badge_code]
    return [
        {
            "targetName": r.target_name,
            "targetUrl": r.target_url,
            "targetFramework": r.framework,
            "targetCode": r.competency_code,
        }
        for r in tuples(rows)
    ]


# ------------------------------------------------------------------------------------- OB2


def _ob2_catalog(ctx: SynthContext) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any]:
    issuers = reference_table("issuers")
    key = deterministic_rsa_key(ctx.seed, "moda-hub")
    issuer_docs = []
    for r in tuples(issuers[issuers["iri"].fillna("") != ""]):
        doc: dict[str, Any] = {
            "@context": OB2_CONTEXT,
            "type": "Issuer",
            "id": r.iri,
            "name": r.name_zh,
            "url": r.url,
            "email": f"badges@{'moda.gov.tw' if r.issuer_code == 'moda' else 'hrd.gov.tw'}",
            "description": r.name_en,
        }
        if r.issuer_code == "moda":
            doc["publicKey"] = {
                "type": "CryptographicKey",
                "id": f"{r.iri}/keys/1",
                "owner": r.iri,
                "publicKeyPem": public_key_pem(key),
            }
            doc["revocationList"] = f"{r.iri}/revocations"
        issuer_docs.append(doc)
    catalog = reference_table("badge_catalog")
    alignments = reference_table("badge_alignments")
    badge_docs = []
    for b in tuples(catalog):
        al = _alignment_docs(b.badge_code, alignments)
        if b.badge_code == "badge_mod8_advanced":
            # A code of a draft framework revision, not (yet) in our catalog: the ETL flags it.
            al.append(
                {
                    "targetName": "AI 治理(職能架構草案)",
                    "targetUrl": "https://moda.gov.tw/competency/it_position/it_ai_governance",
                    "targetFramework": "it_position",
                    "targetCode": "it_ai_governance",
                }
            )
        badge_docs.append(
            {
                "@context": OB2_CONTEXT,
                "type": "BadgeClass",
                "id": b.source_iri,
                "name": b.name_zh,
                "description": b.name_en,
                "image": f"{HUB}/images/{b.badge_code}.png",
                "criteria": {"id": f"{HUB}/criteria/{b.badge_code}", "narrative": b.criteria_zh},
                "issuer": issuer_iri(b.issuer_code),
                "tags": [b.module_code, b.level],
                "alignment": al,
            }
        )
    return issuer_docs, badge_docs, key


def _ob2_assertion(r: Any) -> dict[str, Any]:
    if r.plaintext:
        recipient = {"type": "email", "hashed": False, "identity": r.email}
    else:
        recipient = {
            "type": "email",
            "hashed": True,
            "salt": r.salt,
            "identity": ob_recipient_hash(r.email, r.salt),
        }
    doc: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": f"{HUB}/assertions/{r.uuid}",
        "recipient": recipient,
        "badge": f"{HUB}/badges/{r.badge_code}",
        "issuedOn": _iso(r.awarded_at),
        "verification": {"type": "hosted"},
    }
    if not pd.isna(r.expires_at):
        doc["expires"] = _iso(r.expires_at)
    if r.badge_code.endswith("_practice"):
        doc["evidence"] = f"{HUB}/evidence/{r.uuid}"
    return doc


def _iso_col(ts: pd.Series) -> list[str]:
    """Vectorised _iso(); empty string for missing timestamps."""
    text = ts.dt.strftime("%Y-%m-%dT%H:%M:%S")
    return [t + TZ if isinstance(t, str) else "" for t in text.tolist()]


def _hashes(part: pd.DataFrame) -> list[str]:
    return [
        ob_recipient_hash(e, s) for e, s in zip(part["email"].tolist(), part["salt"].tolist(), strict=True)
    ]


def _ob2_lines(part: pd.DataFrame) -> list[str]:
    """The hosted assertions of a month as JSON lines, built from string columns: the per-award
    dict + json.dumps path costs too much at the national scale (~2 million awards)."""
    head = f'{{"@context":"{OB2_CONTEXT}","type":"Assertion","id":"{HUB}/assertions/'
    out = []
    cols = zip(
        part["uuid"].tolist(),
        part["plaintext"].tolist(),
        part["email"].tolist(),
        part["salt"].tolist(),
        _hashes(part),
        part["badge_code"].tolist(),
        _iso_col(part["awarded_at"]),
        _iso_col(part["expires_at"]),
        strict=True,
    )
    for uid, plain, email, salt, hashed, code, issued, expires in cols:
        if plain:
            rec = f'{{"type":"email","hashed":false,"identity":{json.dumps(email)}}}'
        else:
            rec = f'{{"type":"email","hashed":true,"salt":"{salt}","identity":"{hashed}"}}'
        line = (
            f'{head}{uid}","recipient":{rec},"badge":"{HUB}/badges/{code}","issuedOn":"{issued}",'
            f'"verification":{{"type":"hosted"}}'
        )
        if expires:
            line += f',"expires":"{expires}"'
        if code.endswith("_practice"):
            line += f',"evidence":"{HUB}/evidence/{uid}"'
        out.append(line + "}")
    return out


def _write_ob2(
    ctx: SynthContext, awards: pd.DataFrame, people: pd.DataFrame, scale: int, bad_sigs: int
) -> list[ManifestEntry]:
    rng = ctx.rng("badges.ob2")
    out = ctx.out / "badges" / "ob2"
    issuer_docs, badge_docs, key = _ob2_catalog(ctx)
    key_id = f"{issuer_iri('moda')}/keys/1"
    a = awards[awards["fmt"] == "ob2"]
    first, last = a["awarded_at"].min(), a["awarded_at"].max()
    entries = []
    p = out / "issuers.json"
    _write_json(p, issuer_docs)
    entries.append(_entry(ctx, p, len(issuer_docs), first, last, "ob2-json"))
    p = out / "badgeclasses.json"
    _write_json(p, badge_docs)
    entries.append(_entry(ctx, p, len(badge_docs), first, last, "ob2-json"))

    signed = rng.random(len(a)) < TARGETS[ctx.profile].signed_share
    signed_ids = set(a["uuid"].to_numpy()[signed & ~a["plaintext"].to_numpy()])
    months = sorted(a["awarded_at"].dt.strftime("%Y%m").unique())
    bad_months = {"202512": bad_sigs - bad_sigs // 2, "202605": bad_sigs // 2}
    for ym, part in _chunks(a):
        state = {"bad_left": bad_months.get(ym, 0)}

        def chunk(lo: int, hi: int, part: pd.DataFrame = part, state: dict[str, int] = state) -> list[str]:
            sub = part.iloc[lo:hi]
            lines = _ob2_lines(sub)
            for j, uid in enumerate(sub["uuid"].tolist()):
                if uid not in signed_ids:
                    continue
                r = sub.iloc[j]
                doc = _ob2_assertion(r)
                doc["verification"] = {"type": "signed", "creator": key_id}
                token = sign_jws(doc, key)
                if state["bad_left"] > 0:
                    # Tampered after signing: the payload no longer matches the signature.
                    head, _, sig = token.split(".")
                    doc["issuedOn"] = _iso(r.awarded_at - pd.Timedelta(days=30))
                    token = f"{head}.{b64url_encode(_dumps(doc).encode())}.{sig}"
                    state["bad_left"] -= 1
                lines[j] = json.dumps(token)
            return lines

        plain = np.flatnonzero(~part["uuid"].isin(signed_ids).to_numpy())

        def pick(part: pd.DataFrame = part, plain: np.ndarray = plain) -> str:
            return _ob2_lines(part.iloc[[int(plain[int(rng.integers(0, len(plain)))])]])[0]

        extras = _plant_ob2_problems(ym, pick, rng, scale, months) if len(plain) else []
        p = out / f"assertions_{ym}.jsonl"
        rows = _stream_lines(p, len(part), chunk, extras, rng)
        entries.append(_entry(ctx, p, rows, part["awarded_at"].min(), part["awarded_at"].max(), "ob2-jsonl"))

    rev = a[a["revoked_at"].notna()]
    revocations = [
        {
            "@context": OB2_CONTEXT,
            "type": "RevocationList",
            "id": f"{issuer_iri('moda')}/revocations",
            "issuer": issuer_iri("moda"),
            "revokedAssertions": [
                {
                    "id": f"{HUB}/assertions/{r.uuid}",
                    "revocationReason": r.revocation_reason,
                    "revokedOn": _iso(r.revoked_at),
                }
                for r in tuples(rev.sort_values("revoked_at", kind="stable"))
            ],
        }
    ]
    p = out / "revocations.json"
    _write_json(p, revocations)
    entries.append(_entry(ctx, p, len(rev), rev["revoked_at"].min(), rev["revoked_at"].max(), "ob2-json"))
    return entries


def _hashed_stranger(i: int, salt: str) -> dict[str, Any]:
    email = f"retired.staff{i}@mail.example.gov.tw"
    return {"type": "email", "hashed": True, "salt": salt, "identity": ob_recipient_hash(email, salt)}


def _plant_ob2_problems(
    ym: str, pick_line: Callable[[], str], rng: np.random.Generator, scale: int, months: list[str]
) -> list[str]:
    """The few realistic problem records the ETL must quarantine (see docs/formats/badges.md),
    made from random hosted assertions of the month."""

    def pick() -> dict[str, Any]:
        return dict(json.loads(pick_line()))

    extra: list[str] = []
    if ym == months[2]:  # unknown badge class
        for _ in range(2 * scale):
            d = pick()
            d["id"] = f"{HUB}/assertions/{rng.bytes(16).hex()}"
            d["badge"] = f"{HUB}/badges/badge_mod9_intro"
            extra.append(_dumps(d))
    if ym == months[3]:  # recipient not in the roster
        for i in range(3 * scale):
            d = pick()
            d["id"] = f"{HUB}/assertions/{rng.bytes(16).hex()}"
            d["recipient"] = _hashed_stranger(i, d["recipient"].get("salt") or "s")
            extra.append(_dumps(d))
    if ym == months[4]:  # expiry before award
        for _ in range(2 * scale):
            d = pick()
            d["id"] = f"{HUB}/assertions/{rng.bytes(16).hex()}"
            issued = dt.datetime.fromisoformat(d["issuedOn"])
            d["expires"] = (issued - dt.timedelta(days=365)).isoformat()
            extra.append(_dumps(d))
    if ym == months[7]:  # same id, different content
        for _ in range(scale):
            d = pick()
            issued = dt.datetime.fromisoformat(d["issuedOn"])
            d["issuedOn"] = (issued + dt.timedelta(days=1)).isoformat()
            extra.append(_dumps(d))
    if ym == months[8]:  # identical re-export of one line
        for _ in range(scale):
            extra.append(pick_line())
    return extra


# ------------------------------------------------------------------------------------- OB3


def _ob3_fragments(
    catalog: pd.DataFrame, alignments: pd.DataFrame, issuers: pd.DataFrame, status_of: dict[str, str]
) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    """JSON fragments that repeat across credentials: achievement, name, issuer, status."""
    ach, name = {}, {}
    for b in tuples(catalog):
        ach[b.badge_code] = _dumps(
            {
                "id": b.source_iri,
                "type": ["Achievement"],
                "achievementType": "Badge",
                "name": b.name_zh,
                "description": b.name_en,
                "criteria": {"id": f"{HUB}/criteria/{b.badge_code}", "narrative": b.criteria_zh},
                "image": {"id": f"{HUB}/images/{b.badge_code}.png", "type": "Image"},
                "alignment": [
                    {"type": ["Alignment"], **al} for al in _alignment_docs(b.badge_code, alignments)
                ],
            }
        )
        name[b.badge_code] = json.dumps(b.name_zh, ensure_ascii=False)
    iss = {
        str(r.issuer_code): _dumps({"id": r.iri, "type": ["Profile"], "name": r.name_zh, "url": r.url})
        for r in tuples(issuers)
    }
    status = {c: _dumps({"id": sid, "type": "1EdTechRevocationList"}) for c, sid in status_of.items()}
    return ach, name, iss, status


def _ob3_lines(part: pd.DataFrame, frags: tuple[dict[str, str], ...]) -> list[str]:
    """The credentials of a month as JSON lines (see _ob2_lines for why strings)."""
    ach, name, iss, status = frags
    ctx2 = _dumps([VC2_CONTEXT, OB3_CONTEXT])
    ctx11 = _dumps([VC1_CONTEXT, OB3_CONTEXT_V11])
    lag = pd.to_timedelta(part["issue_lag_h"], unit="h").where(part["awarded_date_field"], pd.Timedelta(0))
    cols = zip(
        part["uuid"].tolist(),
        part["vc11"].tolist(),
        part["issuer_code"].tolist(),
        part["badge_code"].tolist(),
        _iso_col(part["awarded_at"] + lag),
        _iso_col(part["expires_at"]),
        _iso_col(part["awarded_at"]),
        part["awarded_date_field"].tolist(),
        part["plaintext"].tolist(),
        part["email"].tolist(),
        part["salt"].tolist(),
        _hashes(part),
        strict=True,
    )
    out = []
    for (
        uid,
        vc11,
        issuer,
        code,
        valid_from,
        expires,
        awarded,
        has_awarded,
        plain,
        email,
        salt,
        hashed,
    ) in cols:
        if plain:
            ident = (
                f'{{"type":"IdentityObject","identityHash":{json.dumps(email)},'
                f'"identityType":"emailAddress","hashed":false}}'
            )
        else:
            ident = (
                f'{{"type":"IdentityObject","identityHash":"{hashed}","identityType":"emailAddress",'
                f'"hashed":true,"salt":"{salt}"}}'
            )
        line = (
            f'{{"@context":{ctx11 if vc11 else ctx2},"id":"urn:uuid:{uid}",'
            f'"type":["VerifiableCredential","OpenBadgeCredential"],"issuer":{iss[issuer]},"name":{name[code]},'
            f'"{"issuanceDate" if vc11 else "validFrom"}":"{valid_from}"'
        )
        if expires:
            line += f',"{"expirationDate" if vc11 else "validUntil"}":"{expires}"'
        if has_awarded:
            line += f',"awardedDate":"{awarded}"'
        line += (
            f',"credentialSubject":{{"type":["AchievementSubject"],"identifier":[{ident}],'
            f'"achievement":{ach[code]}}},"credentialStatus":{status[issuer]}}}'
        )
        out.append(line)
    return out


def _write_ob3(
    ctx: SynthContext, awards: pd.DataFrame, people: pd.DataFrame, scale: int
) -> list[ManifestEntry]:
    rng = ctx.rng("badges.ob3")
    out = ctx.out / "badges" / "ob3"
    a = awards[awards["fmt"] == "ob3"]
    entries = []
    status_of = {c: f"{issuer_iri(c)}/ob3/revocations" for c in sorted(a["issuer_code"].unique())}
    frags = _ob3_fragments(
        reference_table("badge_catalog"),
        reference_table("badge_alignments"),
        reference_table("issuers"),
        status_of,
    )
    months = sorted(a["awarded_at"].dt.strftime("%Y%m").unique())
    for ym, part in _chunks(a):

        def chunk(lo: int, hi: int, part: pd.DataFrame = part) -> list[str]:
            return _ob3_lines(part.iloc[lo:hi], frags)

        def pick(part: pd.DataFrame = part) -> str:
            return _ob3_lines(part.iloc[[int(rng.integers(0, len(part)))]], frags)[0]

        extras = _plant_ob3_problems(ym, pick, rng, scale, months) if len(part) else []
        p = out / f"credentials_{ym}.jsonl"
        rows = _stream_lines(p, len(part), chunk, extras, rng)
        entries.append(_entry(ctx, p, rows, part["awarded_at"].min(), part["awarded_at"].max(), "ob3-jsonl"))
    for code, status_id in status_of.items():
        rev = a[(a["issuer_code"] == code) & a["revoked_at"].notna()].sort_values("revoked_at", kind="stable")
        doc = {
            "@context": [VC2_CONTEXT, OB3_CONTEXT],
            "id": status_id,
            "type": "1EdTechRevocationList",
            "issuer": issuer_iri(code),
            "revokedCredentials": [
                {
                    "id": f"urn:uuid:{r.uuid}",
                    "revocationReason": r.revocation_reason,
                    "revokedOn": _iso(r.revoked_at),
                }
                for r in tuples(rev)
            ],
        }
        p = out / f"status_revocations_{code}.json"
        _write_json(p, doc)
        dmin = rev["revoked_at"].min() if len(rev) else a["awarded_at"].min()
        dmax = rev["revoked_at"].max() if len(rev) else a["awarded_at"].max()
        entries.append(_entry(ctx, p, len(rev), dmin, dmax, "ob3-json"))
    return entries


def _plant_ob3_problems(
    ym: str, pick_line: Callable[[], str], rng: np.random.Generator, scale: int, months: list[str]
) -> list[str]:
    if len(months) < 12:
        return []

    def pick() -> dict[str, Any]:
        d = dict(json.loads(pick_line()))
        d["id"] = f"urn:uuid:{rng.bytes(16).hex()}"
        return d

    extra = []
    if ym == months[8]:  # recipient not in the roster
        for i in range(2 * scale):
            d = pick()
            salt = rng.bytes(8).hex()
            d["credentialSubject"]["identifier"] = [
                {
                    "type": "IdentityObject",
                    "identityHash": ob_recipient_hash(f"contractor{i}@vendor.example.com", salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ]
            extra.append(_dumps(d))
    if ym == months[9]:  # expiry before award
        for _ in range(scale):
            d = pick()
            start = str(d.get("awardedDate") or d.get("validFrom") or d.get("issuanceDate"))
            end = (dt.datetime.fromisoformat(start) - dt.timedelta(days=200)).isoformat()
            d.pop("expirationDate", None)
            d["validUntil" if "validFrom" in d else "expirationDate"] = end
            extra.append(_dumps(d))
    if ym == months[11]:  # achievement the hub's catalog does not have
        for _ in range(scale):
            d = pick()
            d["credentialSubject"]["achievement"]["id"] = f"{HUB}/badges/badge_mod9_practice"
            extra.append(_dumps(d))
    return extra
