"""Append-only, hash-chained JSON-lines audit log of exports and sign-in events."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64


def _utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _digest(prev: str, body: Mapping[str, Any]) -> str:
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev + canonical).encode("utf-8")).hexdigest()


def _last_line(fh: Any) -> bytes:
    """The last non-empty line of an open binary file, read backwards (the log only grows)."""
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    if end == 0:
        return b""
    chunk = 4096
    pos = end
    buf = b""
    while pos > 0:
        step = min(chunk, pos)
        pos -= step
        fh.seek(pos)
        buf = fh.read(step) + buf
        lines = buf.rstrip(b"\n").split(b"\n")
        if len(lines) > 1 or pos == 0:
            return lines[-1]
    return buf


class AuditLog:
    """One JSON object per line; each record carries the hash of its predecessor (``prev``) and
    its own (``hash``), so a deleted or edited line breaks the chain (see ``verify``). Writers in
    several worker processes serialise on an exclusive file lock; nothing is ever rewritten."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one record and return it (with ``ts``, ``event``, ``prev``, ``hash``)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_APPEND: every write lands at the end even if another process wrote meanwhile.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
        with os.fdopen(fd, "r+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                last = _last_line(fh)
                prev = json.loads(last)["hash"] if last else GENESIS
                body: dict[str, Any] = {"ts": _utcnow(), "event": event, **fields}
                record = {**body, "prev": prev, "hash": _digest(prev, body)}
                line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
                fh.write(line.encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return record

    def records(self) -> Iterator[dict[str, Any]]:
        """All records, oldest first (an absent file has none)."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)

    def verify(self) -> tuple[bool, int]:
        """(chain intact, number of records); False at the first record whose hash fails."""
        prev = GENESIS
        count = 0
        for rec in self.records():
            body = {k: v for k, v in rec.items() if k not in ("prev", "hash")}
            if rec.get("prev") != prev or rec.get("hash") != _digest(prev, body):
                return False, count
            prev = rec["hash"]
            count += 1
        return True, count
