"""Built-in accounts: a JSON users file with hashed passwords, demo accounts and sign-in lockout."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.scope import ROLES

MAX_FAILURES = 5  # consecutive failed sign-ins before the account is locked
LOCKOUT_SECONDS = 15 * 60
MIN_PASSWORD_LENGTH = 12  # for accounts added with the CLI (demo accounts excepted)
DEMO_PASSWORD = "demo"
_USER_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_AGENCY_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")

# The demo accounts of the README. The two agencies were picked from data/reference/agencies.csv
# for their size in the demo data: a large central subordinate agency and a county planning
# department (see docs/security.md for the head counts checked in the demo warehouse).
DEMO_AGENCY_CENTRAL = "C3005"  # 財政部財政資訊中心 Fiscal Information Agency
DEMO_AGENCY_COUNTY = "K0501"  # 苗栗縣縣政府計畫處 Miaoli County Planning Department
DEMO_ACCOUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "planner": ("planner", ()),
    "analyst": ("analyst", ()),
    "executive": ("executive", ()),
    "hr-central": ("agency_hr", (DEMO_AGENCY_CENTRAL,)),
    "hr-county": ("agency_hr", (DEMO_AGENCY_COUNTY,)),
}


class UserError(ValueError):
    """An invalid account definition (name, role, agencies or password)."""


@dataclass(frozen=True)
class User:
    """One account. ``password_hash`` is a werkzeug scrypt hash; never the password itself."""

    username: str
    role: str
    agencies: tuple[str, ...] = ()
    password_hash: str = field(default="", repr=False)
    demo: bool = False
    disabled: bool = False

    def __post_init__(self) -> None:
        if not _USER_RE.match(self.username):
            raise UserError(f"invalid user name {self.username!r}")
        if self.role not in ROLES:
            raise UserError(f"unknown role {self.role!r} (one of {', '.join(ROLES)})")
        if self.role == "agency_hr" and not self.agencies:
            raise UserError("agency_hr accounts need at least one agency code")
        if self.role != "agency_hr" and self.agencies:
            raise UserError("only agency_hr accounts are limited to agencies")
        for code in self.agencies:
            if not _AGENCY_RE.match(code):
                raise UserError(f"invalid agency code {code!r}")

    def fingerprint(self) -> str:
        """Changes when the password or role changes: stale sessions stop matching."""
        # Demo accounts built in memory get a fresh salt in every worker process: their
        # fingerprint must not depend on the hash, or a session would only work in one worker.
        secret_part = "demo-account" if self.demo else self.password_hash
        raw = f"{secret_part}|{self.role}|{','.join(self.agencies)}|{self.disabled}"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["agencies"] = list(self.agencies)
        del d["username"]
        return d


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


# A hash to check against when the user does not exist, so that unknown and known names take
# the same time (no user enumeration by timing).
_DUMMY_HASH = hash_password("not-a-real-password-for-timing-only")


class UserStore:
    """The users file: {"users": {name: {role, agencies, password_hash, demo, disabled}}}.

    Read on every lookup (small file), so ``users remove`` takes effect on the next request of
    every worker. Writes replace the file atomically."""

    def __init__(self, path: str | os.PathLike[str], demo_accounts: bool = False, production: bool = False):
        self.path = Path(path)
        self.production = production
        # Demo accounts never exist in production, whatever the users file or the flag says.
        self.demo_accounts = demo_accounts and not production

    def _load(self) -> dict[str, User]:
        users: dict[str, User] = {}
        if self.path.exists():
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
            for name, rec in data.get("users", {}).items():
                users[name] = User(
                    username=name,
                    role=rec["role"],
                    agencies=tuple(rec.get("agencies", ())),
                    password_hash=rec.get("password_hash", ""),
                    demo=bool(rec.get("demo", False)),
                    disabled=bool(rec.get("disabled", False)),
                )
        return users

    def _save(self, users: dict[str, User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        payload = {
            "users": {u.username: u.to_json() for u in sorted(users.values(), key=lambda u: u.username)}
        }
        tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.chmod(0o600)
        os.replace(tmp, self.path)

    def all(self) -> list[User]:
        users = self._load()
        if self.demo_accounts:
            for name in DEMO_ACCOUNTS:
                users.setdefault(name, demo_user(name))
        return sorted(
            (u for u in users.values() if not (u.demo and self.production)),
            key=lambda u: u.username,
        )

    def get(self, username: str) -> User | None:
        for u in self.all():
            if u.username == username:
                return u
        return None

    def add(self, username: str, role: str, password: str, agencies: tuple[str, ...] = ()) -> User:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise UserError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
        if username in DEMO_ACCOUNTS and self.production:
            raise UserError("demo account names are reserved")
        user = User(username, role, tuple(agencies), hash_password(password))
        users = self._load()
        users[username] = user
        self._save(users)
        return user

    def add_demo(self) -> list[User]:
        """Write the demo accounts (password 'demo') into the file; refused in production."""
        if self.production:
            raise UserError("demo accounts are refused when DASHBOARD_ENV=production")
        users = self._load()
        added = [demo_user(name) for name in DEMO_ACCOUNTS]
        for u in added:
            users[u.username] = u
        self._save(users)
        return added

    def remove(self, username: str) -> bool:
        users = self._load()
        if username not in users:
            return False
        del users[username]
        self._save(users)
        return True

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password matches and the account is usable, else None."""
        user = self.get(username) if _USER_RE.match(username or "") else None
        ok = check_password_hash(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
        if user is None or not ok or user.disabled:
            return None
        return user


_demo_hash_cache: dict[str, str] = {}


def demo_user(name: str) -> User:
    role, agencies = DEMO_ACCOUNTS[name]
    # One scrypt hash per process, not per request.
    if DEMO_PASSWORD not in _demo_hash_cache:
        _demo_hash_cache[DEMO_PASSWORD] = hash_password(DEMO_PASSWORD)
    return User(name, role, agencies, _demo_hash_cache[DEMO_PASSWORD], demo=True)


class Lockout:
    """Failed sign-ins per user name in a small JSON file shared by all worker processes.

    After MAX_FAILURES consecutive failures the name is locked for LOCKOUT_SECONDS (counted
    from the last failure); a success resets the count. Unknown names are counted too, so the
    response does not reveal whether an account exists."""

    def __init__(self, path: str | os.PathLike[str], clock: Any = time.time) -> None:
        self.path = Path(path)
        self.clock = clock

    @contextmanager
    def _state(self) -> Iterator[dict[str, dict[str, float]]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                text = fh.read()
                state: dict[str, dict[str, float]] = json.loads(text) if text.strip() else {}
                before = json.dumps(state, sort_keys=True)
                yield state
                if json.dumps(state, sort_keys=True) != before:
                    fh.seek(0)
                    fh.truncate()
                    fh.write(json.dumps(state))
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def locked_until(self, username: str) -> float | None:
        """Epoch seconds when the lock ends, or None when not locked."""
        with self._state() as st:
            rec = st.get(username)
            if not rec or rec.get("failures", 0) < MAX_FAILURES:
                return None
            until = rec["last"] + LOCKOUT_SECONDS
            if until <= self.clock():
                # The lock expired: start counting afresh.
                del st[username]
                return None
            return float(until)

    def failure(self, username: str) -> int:
        """Record a failure; returns the consecutive failure count."""
        with self._state() as st:
            rec = st.setdefault(username, {"failures": 0, "last": 0.0})
            rec["failures"] = rec.get("failures", 0) + 1
            rec["last"] = self.clock()
            return int(rec["failures"])

    def success(self, username: str) -> None:
        with self._state() as st:
            st.pop(username, None)
