"""Survey codebooks (data/codebooks/*.yaml): load, resolve `extends`, and pick the codebook that fits
an export by file name or headers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from etl.context import CODEBOOK_DIR
from etl.textnorm import normalize_text


@dataclass(frozen=True)
class Question:
    part: str  # 1-1 | 1-2 | 1-3
    tier: str  # the tier the part asks about
    category: str  # common | technical | management
    k: int  # top-k as printed
    items: dict[str, str]  # competency_code -> header


@dataclass(frozen=True)
class TaskDomain:
    domain: str  # out | inh | pol
    k: int
    none: str  # header of the exclusive "not responsible" tick
    other_text: str  # header of the free text of 其他
    items: dict[str, str]  # task_code -> header (includes task_<domain>_other)


@dataclass(frozen=True, eq=False)  # hashed by identity (holds dicts)
class Codebook:
    instrument: str
    wave: str
    file_stem_pattern: str
    survey_month: dt.date
    opened: dt.datetime
    closed: dt.datetime
    timestamp_format: str
    columns: dict[str, str]  # logical field -> header
    required: tuple[str, ...]
    pii: tuple[str, ...]
    value_labels: dict[str, Any]
    routing: dict[str, list[str]]
    questions: tuple[Question, ...]
    tasks: tuple[TaskDomain, ...]

    def header(self, field: str) -> str | None:
        return self.columns.get(field)

    def rank_headers(self) -> list[str]:
        out = [h for q in self.questions for h in q.items.values()]
        out += [h for d in self.tasks for h in d.items.values()]
        return out

    def all_headers(self) -> list[str]:
        heads = list(self.columns.values())
        for q in self.questions:
            heads += list(q.items.values())
        for d in self.tasks:
            heads += [d.none, *d.items.values(), d.other_text]
        return heads

    def parts_for(self, rank_class: str, is_supervisor: bool | None) -> list[str]:
        if rank_class == "elementary":
            return list(self.routing["elementary"])
        if rank_class == "senior":
            return list(self.routing["senior"])
        key = "junior_supervisor" if is_supervisor else "junior_non_supervisor"
        return list(self.routing[key])


def _raw(name: str, directory: Path) -> dict[str, Any]:
    path = directory / f"{name}.yaml"
    if not path.exists():
        raise KeyError(f"no codebook {name!r} in {directory}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"codebook {path} is not a mapping")
    base = data.get("extends")
    if base:
        merged = dict(_raw(str(base), directory))
        merged.update({k: v for k, v in data.items() if k != "extends"})
        cols = dict(merged["columns"])
        for drop in data.get("drop_columns", []):
            cols.pop(drop, None)
        merged["columns"] = cols
        return merged
    return data


def load_codebook(name: str, directory: Path = CODEBOOK_DIR) -> Codebook:
    """Load data/codebooks/<name>.yaml, resolving `extends` (the child overrides keys)."""
    d = _raw(name, directory)
    questions = tuple(
        Question(
            part=str(p["part"]),
            tier=str(p["tier"]),
            category=str(q["category"]),
            k=int(q["k"]),
            items={str(c): str(h) for c, h in q["items"].items()},
        )
        for p in d["parts"]
        for q in p["questions"]
    )
    tasks = tuple(
        TaskDomain(
            domain=str(t["domain"]),
            k=int(t["k"]),
            none=str(t["none"]),
            other_text=str(t["other_text"]),
            items={str(c): str(h) for c, h in t["items"].items()},
        )
        for t in d["tasks"]
    )
    return Codebook(
        instrument=str(d["instrument"]),
        wave=str(d["wave"]),
        file_stem_pattern=str(d["file_stem_pattern"]),
        survey_month=dt.date.fromisoformat(str(d["survey_month"])),
        opened=dt.datetime.fromisoformat(str(d["window"]["opened"])),
        closed=dt.datetime.fromisoformat(str(d["window"]["closed"])),
        timestamp_format=str(d.get("timestamp_format", "%Y/%m/%d %H:%M:%S")),
        columns={str(k): str(v) for k, v in d["columns"].items()},
        required=tuple(str(x) for x in d.get("required", [])),
        pii=tuple(str(x) for x in d.get("pii", [])),
        value_labels=dict(d.get("value_labels", {})),
        routing={str(k): [str(x) for x in v] for k, v in d["routing"].items()},
        questions=questions,
        tasks=tasks,
    )


def all_codebooks(directory: Path = CODEBOOK_DIR) -> list[Codebook]:
    return [load_codebook(p.stem, directory) for p in sorted(directory.glob("*.yaml"))]


def choose_codebook(file_name: str, headers: list[str], directory: Path = CODEBOOK_DIR) -> Codebook | None:
    """The codebook whose file-name pattern matches; else the one whose headers fit best.

    Header matching needs every required column and every rank column of the codebook; ties go to
    the codebook with the most matching headers (a new wave with a changed questionnaire differs
    in at least one header)."""
    books = all_codebooks(directory)
    stem = Path(file_name).stem
    by_name = [b for b in books if re.search(b.file_stem_pattern, stem)]
    if by_name:
        return by_name[0]
    # Compare NFKC-folded text: exports differ in full-width brackets and spaces.
    present = {normalize_text(h) for h in headers}
    fitting = []
    for b in books:
        needed = [b.columns[f] for f in b.required if f in b.columns] + b.rank_headers()
        if all(normalize_text(h) in present for h in needed):
            known = {normalize_text(h) for h in b.all_headers()}
            fitting.append((len(present & known), b.instrument, b))
    if not fitting:
        return None
    fitting.sort(key=lambda t: (-t[0], t[1]))
    return fitting[0][2]
