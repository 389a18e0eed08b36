"""Feed parser of the competency-priority survey exports (SurveyCake XLSX/CSV), codebook-driven, and
the post-load derive step (work groups, raking weights, survey_wave)."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from etl.context import LoadContext, reference_table
from etl.feeds.base import FeedResult, FileRejected, QuarantineRow
from etl.feeds.survey_codebook import Codebook, choose_codebook
from etl.textnorm import DecodeError, ParseError, decode_bytes, normalize_text, parse_grade

FEED = "survey"
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
MASK = "***"
# A rank above the printed k counts as "observed" only when this many respondents use it; a lone
# stray value stays a rank_out_of_range error instead of silently widening the question.
OBSERVED_MIN_COUNT = 3
OBSERVED_MIN_SHARE = 0.005

RESPONDENT_COLUMNS = [
    "wave", "respondent_id", "submitted_at", "staff_key", "agency_code", "gov_level", "agency_type",
    "rank_class", "grade", "is_supervisor", "personnel_type", "tier", "workgroup", "workgroup_source",
    "weight", "sex", "birth_year", "education", "years_public", "years_post", "years_it_unit",
]  # fmt: skip
POINTS_COLUMNS = ["wave", "respondent_id", "part_tier", "category", "competency_code", "rank", "k", "points"]
TASK_COLUMNS = ["wave", "respondent_id", "domain", "task_code", "rank"]
ASSIGN_COLUMNS = ["wave", "respondent_id", "workgroup", "method", "method_version"]


class RowProblem(Exception):
    """One row-level problem: becomes a QuarantineRow."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


# ------------------------------------------------------------------------------------------ reading
def _read_rows(path: Path) -> tuple[list[str], list[list[str]], str | None]:
    """(headers, rows as strings, encoding) of an XLSX or CSV export; FileRejected when unusable."""
    name = path.name
    data = path.read_bytes()
    if not data.strip():
        raise FileRejected(name, "empty file")
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise FileRejected(name, f"not a readable XLSX workbook: {exc}") from exc
        ws = wb.worksheets[0]
        grid = [["" if v is None else _cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
        encoding = None
    else:
        try:
            decoded = decode_bytes(data, name)
        except DecodeError as exc:
            raise FileRejected(name, f"undecodable text: {exc}") from exc
        grid = list(csv.reader(io.StringIO(decoded.text)))
        encoding = decoded.encoding
    grid = [r for r in grid if any(str(c).strip() for c in r)]
    if not grid:
        raise FileRejected(name, "no header row")
    headers = [normalize_text(h) for h in grid[0]]
    rows = [[str(c) for c in r] + [""] * (len(headers) - len(r)) for r in grid[1:]]
    if not rows:
        raise FileRejected(name, "no data rows below the header")
    return headers, rows, encoding


def _cell_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.strftime("%Y/%m/%d %H:%M:%S")
    return str(v)


# ------------------------------------------------------------------------------------------ helpers
@functools.lru_cache(maxsize=256)
def _norm_labels(book: Codebook, field: str) -> dict[str, Any]:
    return {normalize_text(k): v for k, v in book.value_labels.get(field, {}).items()}


def _label(book: Codebook, field: str, value: str) -> Any:
    norm = _norm_labels(book, field)
    text = normalize_text(value)
    if text not in norm:
        raise RowProblem("unknown_value", f"{book.columns.get(field, field)}: unexpected value {value!r}")
    return norm[text]


def _int_or_none(value: str, header: str) -> int | None:
    text = normalize_text(value)
    if not text:
        return None
    try:
        f = float(text)
    except ValueError as exc:
        raise RowProblem("invalid_number", f"{header}: not a number {value!r}") from exc
    if not f.is_integer():
        raise RowProblem("invalid_number", f"{header}: not a whole number {value!r}")
    return int(f)


def _parse_ranks(values: dict[str, str], k: int, header_of: dict[str, str]) -> dict[str, int]:
    """code -> rank for the ranked items of one question; raises RowProblem on invalid input."""
    ranks: dict[str, int] = {}
    for code, raw in values.items():
        text = normalize_text(raw)
        if not text:
            continue
        try:
            f = float(text)
        except ValueError as exc:
            raise RowProblem("rank_out_of_range", f"{header_of[code]}: rank {raw!r} is not a number") from exc
        if not f.is_integer():
            raise RowProblem("rank_out_of_range", f"{header_of[code]}: rank {raw!r} is not a whole number")
        ranks[code] = int(f)
    if len(ranks) > k:
        raise RowProblem(
            "too_many_ranked", f"{len(ranks)} items ranked in a top-{k} question ({_first(header_of)})"
        )
    seen = Counter(ranks.values())
    dup = sorted(r for r, c in seen.items() if c > 1)
    if dup:
        raise RowProblem("duplicate_rank", f"rank {dup[0]} used twice in {_first(header_of)}")
    for code, r in ranks.items():
        if r < 1 or r > k:
            raise RowProblem("rank_out_of_range", f"{header_of[code]}: rank {r} outside 1..{k}")
    return ranks


def _first(header_of: dict[str, str]) -> str:
    h = next(iter(header_of.values()))
    return h.rsplit("-", 1)[0]


def _observed_k(cells: list[str], printed: int, answering: int) -> int:
    counts: Counter[int] = Counter()
    for c in cells:
        t = normalize_text(c)
        if t:
            try:
                f = float(t)
            except ValueError:
                continue
            if f.is_integer():
                counts[int(f)] += 1
    need = max(OBSERVED_MIN_COUNT, OBSERVED_MIN_SHARE * answering)
    observed = max((r for r, c in counts.items() if c >= need), default=printed)
    return max(printed, observed)


def tier_of(rank_class: str, grade: int, is_supervisor: bool, rule: str) -> str:
    """Tier by the questionnaire (薦任 supervisors are middle) or the report prose (grades 8-9 only)."""
    if rank_class == "senior":
        return "senior"
    if rank_class == "junior" and is_supervisor:
        if rule == "report_8_9" and grade < 8:
            return "basic"
        return "middle"
    return "basic"


def _masked(headers: list[str], row: list[str], pii_headers: set[str]) -> dict[str, Any]:
    rec: dict[str, Any] = {}
    for h, v in zip(headers, row, strict=False):
        if h in pii_headers and v.strip():
            rec[h] = MASK
        elif v != "":
            rec[h] = v
    return rec


# ------------------------------------------------------------------------------------------ parse
def parse(path: Path, ctx: LoadContext) -> FeedResult:
    """Parse one survey export into survey_respondent, survey_competency_points, survey_task_rank and
    (when the research team's column exists) survey_workgroup_assignment."""
    path = Path(path)
    headers, rows, encoding = _read_rows(path)
    book = choose_codebook(path.name, headers, ctx.codebook_dir)
    if book is None:
        raise FileRejected(path.name, "unknown codebook: the headers match no data/codebooks/*.yaml")
    pos = {normalize_text(h): i for i, h in enumerate(headers)}

    @functools.cache
    def col(header: str) -> int | None:
        return pos.get(normalize_text(header))

    missing = [book.columns[f] for f in book.required if f in book.columns and col(book.columns[f]) is None]
    missing += [h for h in book.rank_headers() if col(h) is None]
    missing += [d.none for d in book.tasks if col(d.none) is None]
    if missing:
        raise FileRejected(path.name, f"missing required column {missing[0]!r} (codebook {book.instrument})")

    def ci(header: str) -> int:
        i = col(header)
        if i is None:  # unreachable after the check above; keeps the type an int
            raise FileRejected(path.name, f"missing column {header!r}")
        return i

    result = FeedResult(feed=FEED, file_name=path.name, encoding=encoding, rows_read=len(rows))
    pii_headers = {normalize_text(book.columns[f]) for f in book.pii if f in book.columns}

    field_pos = {f: col(h) for f, h in book.columns.items()}

    def cell(row: list[str], field: str) -> str:
        i = field_pos.get(field)
        return row[i].strip() if i is not None else ""

    # Effective k per question: max(printed, observed); warn when the answers exceed the print.
    k_eff: dict[tuple[str, str], int] = {}
    for q in book.questions:
        cells = [row[ci(h)] for row in rows for h in q.items.values()]
        answering = sum(1 for row in rows if any(row[ci(h)].strip() for h in q.items.values()))
        k = _observed_k(cells, q.k, answering)
        k_eff[(q.part, q.category)] = k
        if k != q.k:
            result.warnings.append(
                f"part {q.part} {q.category}: printed top-{q.k} but answered with ranks up to {k}; "
                f"points use k={k}"
            )
    for d in book.tasks:
        cells = [row[ci(h)] for row in rows for h in d.items.values()]
        k = _observed_k(cells, d.k, len(rows))
        k_eff[("2", d.domain)] = k
        if k != d.k:
            result.warnings.append(f"part 2 {d.domain}: printed top-{d.k} but ranks go to {k}")

    has_wg = "workgroup" in book.columns and col(book.columns["workgroup"]) is not None
    ag = reference_table("agencies")
    agency_level = dict(zip(ag["agency_code"], ag["gov_level"], strict=True))
    resp: list[dict[str, Any]] = []
    points: list[tuple[Any, ...]] = []
    tasks: list[tuple[Any, ...]] = []
    assign: list[tuple[Any, ...]] = []
    seen_ids: set[str] = set()
    unknown_agency = 0
    unmatched_email = 0
    grace = dt.timedelta(minutes=ctx.settings.survey_window_grace_minutes)
    for i, row in enumerate(rows, start=1):
        try:
            rid = normalize_text(cell(row, "submission_id"))
            if not rid:
                raise RowProblem("missing_submission_id", f"{book.columns['submission_id']} is empty")
            if rid in seen_ids:
                raise RowProblem("duplicate_respondent", f"submission {rid} appears more than once")
            ts_text = normalize_text(cell(row, "submitted_at"))
            try:
                ts = dt.datetime.strptime(ts_text, book.timestamp_format)
            except ValueError as exc:
                raise RowProblem("invalid_timestamp", f"{book.columns['submitted_at']}: {ts_text!r}") from exc
            if not (book.opened - grace <= ts <= book.closed + grace):
                raise RowProblem(
                    "outside_survey_window",
                    f"{book.columns['submitted_at']}: {ts_text} outside {book.opened} .. {book.closed}",
                )
            ptype = _label(book, "personnel_type", cell(row, "personnel_type"))
            if ptype == "ineligible":
                raise RowProblem("ineligible_respondent", "personnel type 其他 (the survey ends for them)")
            try:
                g = parse_grade(cell(row, "grade"))
            except ParseError as exc:
                raise RowProblem("unparseable_grade", f"{book.columns['grade']}: {exc}") from exc
            rank_class, grade = g.rank_class, g.grade_min
            sup_text = normalize_text(cell(row, "supervisor"))
            if rank_class == "junior":
                if not sup_text:
                    raise RowProblem(
                        "unknown_value", f"{book.columns['supervisor']}: empty for a 薦任 respondent"
                    )
                is_sup = bool(_label(book, "supervisor", sup_text))
            else:
                # Only 薦任 are asked; the report counted every 簡任 as a supervisor (298 = 209 + 89).
                is_sup = rank_class == "senior"
            tier = tier_of(rank_class, grade, is_sup, ctx.settings.tier_rule)
            gov_level = _label(book, "gov_level", cell(row, "gov_level"))
            by = _int_or_none(cell(row, "birth_year_roc"), book.columns["birth_year_roc"])
            lo, hi = book.value_labels.get("birth_year_roc_range", [1, 200])
            if by is not None and not lo <= by <= hi:
                raise RowProblem(
                    "invalid_roc_date", f"{book.columns['birth_year_roc']}: ROC year {by} outside {lo}..{hi}"
                )
            years = {
                f: _int_or_none(cell(row, f), book.columns[f])
                for f in ("years_public", "years_post", "years_it_unit")
            }
            sex = _label(book, "sex", cell(row, "sex")) if cell(row, "sex") else None
            edu = _label(book, "education", cell(row, "education")) if cell(row, "education") else None
            atype_text = cell(row, "agency_type")
            atype = _label(book, "agency_type", atype_text) if atype_text else None
            if atype == "other":
                atype = "central_other" if gov_level == "central" else "local_other"
            agency = normalize_text(cell(row, "agency_code")) or None
            if agency is not None and agency not in agency_level:
                unknown_agency += 1
                agency = None
            # Part 1, routed by grade and supervisor answer.
            offered = set(book.parts_for(rank_class, is_sup))
            row_points: list[tuple[Any, ...]] = []
            for q in book.questions:
                values = {c: row[ci(h)] for c, h in q.items.items()}
                answered = any(v.strip() for v in values.values())
                if q.part not in offered:
                    if answered:
                        raise RowProblem(
                            "item_not_offered", f"part {q.part} answered by a {rank_class} respondent"
                        )
                    continue
                k = k_eff[(q.part, q.category)]
                ranks = _parse_ranks(values, k, q.items)
                for c in q.items:
                    r = ranks.get(c)
                    row_points.append((book.wave, rid, q.tier, q.category, c, r, k, (k + 1 - r) if r else 0))
            row_tasks: list[tuple[Any, ...]] = []
            for d in book.tasks:
                none = bool(normalize_text(row[ci(d.none)]))
                values = {c: row[ci(h)] for c, h in d.items.items()}
                ranks = _parse_ranks(values, k_eff[("2", d.domain)], d.items)
                if none and ranks:
                    raise RowProblem("none_with_ranks", f"{d.none} ticked together with ranked tasks")
                if none:
                    row_tasks.append((book.wave, rid, d.domain, f"task_{d.domain}_none", None))
                for c, r in ranks.items():
                    row_tasks.append((book.wave, rid, d.domain, c, r))
            wg = None
            if has_wg and cell(row, "workgroup"):
                wg = _label(book, "workgroup", cell(row, "workgroup"))
        except RowProblem as prob:
            result.quarantine.append(
                QuarantineRow(i, prob.reason, prob.message, _masked(headers, row, pii_headers))
            )
            continue
        seen_ids.add(rid)
        staff_key = None
        m = EMAIL_RE.search(normalize_text(cell(row, "contact")))
        if m:
            staff_key = ctx.vault.lookup(m.group(0))
            if staff_key is None:
                unmatched_email += 1
        resp.append(
            {
                "wave": book.wave, "respondent_id": rid, "submitted_at": ts, "staff_key": staff_key,
                "agency_code": agency, "gov_level": gov_level, "agency_type": atype, "rank_class": rank_class,
                "grade": grade, "is_supervisor": is_sup, "personnel_type": ptype, "tier": tier,
                "workgroup": wg, "workgroup_source": "supplied" if wg else None, "weight": 1.0, "sex": sex,
                "birth_year": by + 1911 if by is not None else None, "education": edu, **years,
            }
        )  # fmt: skip
        points.extend(row_points)
        tasks.extend(row_tasks)
        if has_wg:
            assign.append((book.wave, rid, wg, "supplied", book.instrument))
    if unknown_agency:
        result.warnings.append(
            f"{unknown_agency} rows carry an agency code not in agencies.csv (set to NULL)"
        )
    if unmatched_email:
        result.warnings.append(f"{unmatched_email} contact e-mails match no roster person (staff_key NULL)")
    if not has_wg:
        result.warnings.append(f"{book.instrument}: no work-group column; groups are derived after loading")
    result.tables["survey_respondent"] = _frame(resp, RESPONDENT_COLUMNS)
    result.tables["survey_competency_points"] = pd.DataFrame(points, columns=POINTS_COLUMNS)
    result.tables["survey_task_rank"] = pd.DataFrame(tasks, columns=TASK_COLUMNS)
    if has_wg:
        result.tables["survey_workgroup_assignment"] = pd.DataFrame(assign, columns=ASSIGN_COLUMNS)
    _cast(result.tables)
    return result


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def _cast(tables: dict[str, pd.DataFrame]) -> None:
    """Nullable integer columns, so DuckDB sees SMALLINT-compatible values and NULLs, not floats."""
    r = tables["survey_respondent"]
    for c in ("grade", "birth_year", "years_public", "years_post", "years_it_unit"):
        r[c] = r[c].astype("Int16")
    r["submitted_at"] = pd.to_datetime(r["submitted_at"])
    r["weight"] = r["weight"].astype(float)
    r["is_supervisor"] = r["is_supervisor"].astype(bool)
    p = tables["survey_competency_points"]
    for c in ("rank", "k", "points"):
        p[c] = p[c].astype("Int16")
    t = tables["survey_task_rank"]
    t["rank"] = t["rank"].astype("Int16")


# ------------------------------------------------------------------------------------------ derive
def derive(con: duckdb.DuckDBPyConnection, ctx: LoadContext) -> list[str]:
    """Work groups (derived for every wave; applied where none was supplied), raking weights and
    survey_wave rows. Idempotent: reruns replace what an earlier run wrote."""
    from etl.feeds.survey_derive import run_derive

    return run_derive(con, ctx)
