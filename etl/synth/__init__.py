"""Calibrated synthetic data in the formats real exports have.

`python -m etl synth --profile {demo,national} --seed N --out DIR` runs the generators in order
(roster first: the other feeds draw their people from it) and writes DIR/manifest.json listing
every file with its feed, row count and date range. Same seed, same bytes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

PROFILES = ("demo", "national")


@dataclass(frozen=True)
class ManifestEntry:
    feed: str  # roster | survey | selfassessment | badges | truth
    path: str  # relative to the output folder
    rows: int  # data rows (CSV/XLSX rows, JSON documents)
    date_min: str  # ISO date of the earliest record
    date_max: str  # ISO date of the latest record
    fmt: str  # e.g. csv-cp950, xlsx, csv-utf8-bom, ob2-jsonl, ob3-jsonl


@dataclass
class SynthContext:
    profile: str
    seed: int
    out: Path
    # Shared state between generators (e.g. the roster's people for the badge generator).
    shared: dict[str, Any] = field(default_factory=dict)

    def rng(self, stream: str) -> np.random.Generator:
        """An independent, reproducible random stream per named purpose."""
        digest = sum((i + 1) * ord(c) for i, c in enumerate(stream))
        return np.random.default_rng([self.seed, digest])


Generator = Callable[[SynthContext], list[ManifestEntry]]


def _generators() -> list[tuple[str, Generator]]:
    # Imported lazily so that `python -m etl build` never pays for the generators.
    from etl.synth import badges, roster, selfassessment, survey

    return [
        ("roster", roster.generate),
        ("survey", survey.generate),
        ("selfassessment", selfassessment.generate),
        ("badges", badges.generate),
    ]


def run(profile: str, seed: int, out: Path, only: list[str] | None = None) -> list[ManifestEntry]:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {PROFILES}")
    out.mkdir(parents=True, exist_ok=True)
    ctx = SynthContext(profile=profile, seed=seed, out=out)
    entries: list[ManifestEntry] = []
    for name, gen in _generators():
        if only and name not in only and name != "roster":
            continue
        t0 = time.perf_counter()
        produced = gen(ctx)
        entries.extend(produced)
        print(f"synth {name}: {len(produced)} files in {time.perf_counter() - t0:.1f}s", flush=True)
    manifest = {
        "profile": profile,
        "seed": seed,
        "files": [e.__dict__ for e in sorted(entries, key=lambda e: e.path)],
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return entries
