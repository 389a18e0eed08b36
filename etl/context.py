"""What every feed parser gets from the pipeline: the secret, the reference catalog, the identity
vault and the ETL settings. Parsers read from it; they never open the warehouse."""

from __future__ import annotations

import csv
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "data" / "reference"
CODEBOOK_DIR = ROOT / "data" / "codebooks"

# A parser that returns this key in FeedResult.tables hands the pipeline (normalised e-mail,
# staff_key) pairs for the identity vault; they never reach the warehouse.
IDENTITY_VAULT_TABLE = "_identity_vault"


@dataclass(frozen=True)
class EtlSettings:
    """ETL configuration, read from the environment once (ETL_* variables)."""

    # 'questionnaire': middle tier = 薦任 (6-9) supervisors; 'report_8_9': only grades 8-9.
    tier_rule: str = "questionnaire"
    max_quarantine_share: float = 0.02  # a file above this share of quarantined rows fails the run
    survey_window_grace_minutes: int = 0

    @classmethod
    def from_env(cls) -> EtlSettings:
        return cls(
            tier_rule=os.environ.get("ETL_TIER_RULE", "questionnaire"),
            max_quarantine_share=float(os.environ.get("ETL_MAX_QUARANTINE_SHARE", "0.02")),
            survey_window_grace_minutes=int(os.environ.get("ETL_SURVEY_WINDOW_GRACE_MINUTES", "0")),
        )


@functools.cache
def reference_table(name: str) -> pd.DataFrame:
    """A code list or published table from data/reference/<name>.csv, as strings."""
    path = REFERENCE_DIR / f"{name}.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return pd.DataFrame(rows, dtype="string")


class IdentityVault:
    """Normalised e-mail -> staff_key, kept outside the warehouse (see etl/identity.py).

    Stored as a two-column Parquet file; the pipeline updates it after roster loads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._map: dict[str, str] | None = None

    def mapping(self) -> dict[str, str]:
        if self._map is None:
            if self.path.exists():
                df = pd.read_parquet(self.path)
                self._map = dict(zip(df["email"], df["staff_key"], strict=True))
            else:
                self._map = {}
        return self._map

    def lookup(self, email: str) -> str | None:
        return self.mapping().get(email.strip().lower())

    def update(self, pairs: pd.DataFrame) -> None:
        """Add (email, staff_key) pairs; a later pair for the same e-mail wins."""
        current = self.mapping()
        for email, key in zip(pairs["email"], pairs["staff_key"], strict=True):
            current[str(email).strip().lower()] = str(key)

    def save(self, path: Path | None = None) -> None:
        target = path or self.path
        target.parent.mkdir(parents=True, exist_ok=True)
        items = sorted(self.mapping().items())
        pd.DataFrame(items, columns=["email", "staff_key"]).to_parquet(target, index=False)


@dataclass
class LoadContext:
    secret: bytes
    vault: IdentityVault
    settings: EtlSettings = field(default_factory=EtlSettings)
    codebook_dir: Path = CODEBOOK_DIR
