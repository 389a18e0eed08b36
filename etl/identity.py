"""Pseudonymisation: staff identifiers (national ID, e-mail) become keyed hashes.

staff_key = HMAC-SHA256(secret, 'nid:' + national ID). The raw e-mail -> staff_key map that
badge and self-assessment loads need for recipient matching lives in the identity vault, a file
beside the secret and outside the warehouse: the warehouse never holds a raw identifier.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_ENV = "ETL_PSEUDONYM_SECRET"
SECRET_FILE_ENV = "ETL_PSEUDONYM_SECRET_FILE"
DEFAULT_SECRET_FILE = Path("data/secrets/pseudonym.key")


def load_secret(create_if_missing: bool = False) -> bytes:
    """The HMAC secret: $ETL_PSEUDONYM_SECRET, else the file named by $ETL_PSEUDONYM_SECRET_FILE
    (default data/secrets/pseudonym.key). The demo creates a random local file (git-ignored)."""
    value = os.environ.get(SECRET_ENV)
    if value:
        return value.encode("utf-8")
    path = Path(os.environ.get(SECRET_FILE_ENV, str(DEFAULT_SECRET_FILE)))
    if path.exists():
        return path.read_bytes().strip()
    if not create_if_missing:
        raise RuntimeError(
            f"no pseudonymisation secret: set {SECRET_ENV} or create {path} "
            "(python -m etl build creates one for the demo)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode("ascii")
    path.write_bytes(key)
    path.chmod(0o600)
    return key


def normalize_email(email: str) -> str:
    return email.strip().lower()


def normalize_national_id(nid: str) -> str:
    return nid.strip().upper()


def staff_key_from_national_id(secret: bytes, national_id: str) -> str:
    msg = ("nid:" + normalize_national_id(national_id)).encode("utf-8")
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


def staff_keys_from_national_ids(secret: bytes, national_ids: list[str]) -> list[str]:
    """staff_key_from_national_id for many IDs: the HMAC's keyed state is set up once and copied."""
    base = hmac.new(secret, b"nid:", hashlib.sha256)
    out: list[str] = []
    for nid in national_ids:
        h = base.copy()
        h.update(normalize_national_id(nid).encode("utf-8"))
        out.append(h.hexdigest())
    return out


def email_key(secret: bytes, email: str) -> str:
    """Keyed hash of an e-mail, for linking feeds identified by e-mail without storing it."""
    msg = ("mail:" + normalize_email(email)).encode("utf-8")
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


def ob_recipient_hash(email: str, salt: str | None) -> str:
    """Open Badges hashed recipient identity: 'sha256$' + hex(sha256(email + salt))."""
    text = normalize_email(email) + (salt or "")
    return "sha256$" + hashlib.sha256(text.encode("utf-8")).hexdigest()
