"""Roster feed: WebHR-style personnel exports (monthly full snapshots or change records, CP950 or
UTF-8) into staging rows, folded by derive() into the SCD-2 staff_history. See docs/formats/roster.md."""

from __future__ import annotations

import functools
import io
import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from etl.context import IDENTITY_VAULT_TABLE, LoadContext, reference_table
from etl.feeds.base import FeedResult, FileRejected, QuarantineRow
from etl.identity import staff_keys_from_national_ids
from etl.textnorm import DecodeError, ParseError, decode_bytes, normalize_text, parse_grade, parse_roc_date

FEED = "roster"
STAGING_TABLE = "roster_snapshot_rows"
MONTHS_TABLE = "roster_load_months"
SQL_DIR = Path(__file__).resolve().parent

COL_NID, COL_STAFFNO, COL_NAME, COL_EMAIL = "身分證統一編號", "員工編號", "姓名", "電子郵件"
COL_AGENCY, COL_AGENCY_NAME, COL_UNIT, COL_TITLE = "機關代碼", "機關名稱", "單位名稱", "職稱"
COL_SERIES, COL_GRADE, COL_SUP, COL_KIND = "職系", "官等職等", "主管註記", "人員類別"
COL_HIRE, COL_BIRTH, COL_SEX, COL_DATE = "到職日期", "出生年", "性別", "資料日期"
COL_CHANGE, COL_CHANGE_DATE = "異動類別", "異動日期"
REQUIRED = [
    COL_NID,
    COL_STAFFNO,
    COL_EMAIL,
    COL_AGENCY,
    COL_UNIT,
    COL_SERIES,
    COL_GRADE,
    COL_SUP,
    COL_KIND,
    COL_HIRE,
    COL_DATE,
]
OPTIONAL = [COL_NAME, COL_AGENCY_NAME, COL_TITLE, COL_BIRTH, COL_SEX]

# How exports say "no (equivalent) grade": such a person counts with rank class 'unknown'.
NO_GRADE = {"", "無", "-", "--", "—", "不適用", "N/A", "NA", "約聘", "約僱"}
IT_SERIES = {"資訊處理"}
FORMAL_KINDS = {"正式", "正式人員", "職員", "公務人員"}
CONTRACT_KINDS = {"約聘", "約僱", "約聘人員", "約僱人員", "約聘僱", "約聘僱人員"}
# The Table 13 frame: IT units are found by keyword in the unit name (the report searched 資訊/科技).
IT_UNIT_PATTERN = r"資訊|數位|資通|科技"
SUP_TRUE = {"是", "Y", "YES", "1", "主管", "TRUE", "T", "V"}
SUP_FALSE = {"否", "N", "NO", "0", "", "非主管", "FALSE", "F"}
SEX = {"男": "male", "M": "male", "1": "male", "女": "female", "F": "female", "2": "female"}
LEAVE_CHANGES = {"離職", "退休", "留職停薪", "資遣", "免職", "死亡", "停職", "調出"}
STATE_CHANGES = {"新進", "復職", "升等", "調動", "調入", "職務異動", "改敘", "晉升", "其他異動", "升遷"}

_ID_LETTERS = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18,
    "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27,
    "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}  # fmt: skip
_ID_RE = re.compile(r"^[A-Z][12]\d{8}$")


def national_id_is_valid(nid: str) -> bool:
    """Format (letter, 1 or 2, eight digits) and check digit of a Taiwanese national ID."""
    if not _ID_RE.match(nid):
        return False
    code = _ID_LETTERS[nid[0]]
    total = (
        code // 10 + (code % 10) * 9 + sum(int(c) * w for c, w in zip(nid[1:9], range(8, 0, -1), strict=True))
    )
    return (total + int(nid[9])) % 10 == 0


def tier_of(rank_class: str, grade: int | None, is_supervisor: bool, rule: str) -> str:
    """basic / middle / senior / unknown. 'questionnaire': middle = 薦任 (6-9) supervisors;
    'report_8_9': middle = supervisors of grades 8-9 only (the report's prose)."""
    if rank_class == "unknown" or grade is None:
        return "unknown"
    if rank_class == "senior":
        return "senior"
    if rank_class == "junior" and is_supervisor:
        if rule == "report_8_9" and grade < 8:
            return "basic"
        return "middle"
    return "basic"


# Monthly snapshots repeat the same people: each ID is hashed once per process and secret (a
# national roster has about 470,000 IDs, some 100 MB here; an LRU of fewer entries would re-hash
# every person in every one of 46 files).
_KEY_CACHE: dict[bytes, dict[str, str]] = {}
_KEY_CACHE_MAX = 2_000_000


def _staff_keys(secret: bytes, nids: np.ndarray) -> np.ndarray:
    """staff_key of each national ID in nids (an object array of distinct IDs)."""
    cache = _KEY_CACHE.setdefault(secret, {})
    todo = [n for n in nids if n not in cache]
    if len(cache) + len(todo) > _KEY_CACHE_MAX:
        cache.clear()
    cache.update(zip(todo, staff_keys_from_national_ids(secret, todo), strict=True))
    out = np.empty(len(nids), dtype=object)
    out[:] = [cache[n] for n in nids]
    return out


_LETTER_CODE = np.zeros(256, dtype=np.int64)
for _letter, _code in _ID_LETTERS.items():
    _LETTER_CODE[ord(_letter)] = _code


def _valid_ids(nid: pd.Series) -> np.ndarray:
    """national_id_is_valid for a whole column at once (format and check digit)."""
    fmt = nid.str.fullmatch(r"[A-Z][12][0-9]{8}").to_numpy(dtype=bool, na_value=False)
    out = np.zeros(len(nid), dtype=bool)
    if fmt.any():
        text = "".join(nid[fmt].tolist()).encode("ascii")
        b = np.frombuffer(text, dtype=np.uint8).reshape(-1, 10)
        code = _LETTER_CODE[b[:, 0]]
        digits = b[:, 1:].astype(np.int64) - 48
        total = code // 10 + (code % 10) * 9 + digits[:, :8] @ np.arange(8, 0, -1) + digits[:, 8]
        out[fmt] = total % 10 == 0
    return out


@functools.lru_cache(maxsize=4096)
def _grade(value: str) -> tuple[str, int | None, int | None, str | None]:
    if value in NO_GRADE:
        return "unknown", None, None, None
    try:
        g = parse_grade(value)
    except ParseError as exc:
        return "unknown", None, None, str(exc)
    return g.rank_class, g.grade_min, g.grade_max, None


@functools.lru_cache(maxsize=65536)
def _roc(value: str) -> tuple[pd.Timestamp | None, str | None]:
    try:
        return pd.Timestamp(parse_roc_date(value)), None
    except ParseError as exc:
        return None, str(exc)


def _birth_year(value: str) -> int | None:
    if not value.isdigit():
        return None
    y = int(value)
    if 1900 <= y <= 2100:
        return y
    if 1 <= y <= 150:
        return y + 1911
    return None


def _mask(record: dict[str, str]) -> dict[str, Any]:
    """The raw row for the quarantine table with identifiers masked."""
    out: dict[str, Any] = dict(record)
    nid = out.get(COL_NID, "")
    if nid:
        out[COL_NID] = nid[:1] + "*" * max(len(nid) - 1, 0)
    if out.get(COL_EMAIL):
        out[COL_EMAIL] = "***@" + str(out[COL_EMAIL]).rpartition("@")[2]
    if out.get(COL_NAME):
        out[COL_NAME] = str(out[COL_NAME])[:1] + "○○"
    if out.get(COL_STAFFNO):
        out[COL_STAFFNO] = "***"
    return out


def _read(path: Path) -> tuple[pd.DataFrame, str]:
    data = path.read_bytes()
    if not data.strip():
        raise FileRejected(path.name, "empty file")
    try:
        decoded = decode_bytes(data, path.name)
    except DecodeError as exc:
        raise FileRejected(path.name, str(exc).removeprefix(f"{path.name}: ")) from exc
    # NFKC once over the whole text (full-width digits/letters/spaces) instead of per cell; the
    # full-width comma would become a delimiter, so it is kept as an ideographic comma.
    text = decoded.text.replace("\uff0c", "\u3001")
    text = "\n".join(
        line if unicodedata.is_normalized("NFKC", line) else unicodedata.normalize("NFKC", line)
        for line in text.split("\n")
    )
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FileRejected(path.name, f"not a readable CSV table: {exc}") from exc
    df.columns = [normalize_text(c).lstrip("\ufeff") for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise FileRejected(
            path.name, f"missing column(s) {', '.join(missing)}; found {', '.join(df.columns)}"
        )
    for col in OPTIONAL:
        if col not in df.columns:
            df[col] = ""
    return df, decoded.encoding


def _parts(s: pd.Series, fn: Callable[[str], tuple[Any, ...]]) -> list[pd.Series]:
    """fn applied once per distinct value; one Series per element of fn's tuple result."""
    codes, uniques = pd.factorize(s)
    results = [fn(u) for u in np.asarray(uniques, dtype=object)]
    width = len(results[0]) if results else 0
    out = []
    for k in range(width):
        values = np.empty(len(results), dtype=object)
        values[:] = [r[k] for r in results]
        out.append(
            pd.Series(
                values[codes] if len(values) else np.empty(0, dtype=object), index=s.index, dtype=object
            )
        )
    return out


def _by_unique(s: pd.Series, fn: Callable[[Any], Any]) -> np.ndarray:
    """fn applied once per distinct value of s, spread back to every row (an object array)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=False)
    values = np.empty(len(uniques), dtype=object)
    values[:] = [fn(u) for u in np.asarray(uniques, dtype=object)]
    return values[codes] if len(values) else np.empty(0, dtype=object)


def _month_start(dates: pd.Series) -> pd.Series:
    """First day of the month of each date (NaT stays NaT)."""
    values = (
        pd.to_datetime(dates)
        .to_numpy(dtype="datetime64[ns]")
        .astype("datetime64[M]")
        .astype("datetime64[ns]")
    )
    return pd.Series(values, index=dates.index)


def _norm_column(s: pd.Series) -> pd.Series:
    # The text is already NFKC-folded (see _read): strip, and collapse inner runs of spaces.
    s = s.str.strip()
    runs = s.str.contains("  ", regex=False)
    if runs.any():
        s = s.where(~runs, s[runs].map(normalize_text))
    return s


def parse(path: Path, ctx: LoadContext) -> FeedResult:
    """Parse one roster export (full snapshot, or change records when it has 異動類別)."""
    raw, encoding = _read(path)
    is_change = COL_CHANGE in raw.columns
    if is_change and COL_CHANGE_DATE not in raw.columns:
        raise FileRejected(path.name, f"change-record file without column {COL_CHANGE_DATE}")
    result = FeedResult(feed=FEED, file_name=path.name, encoding=encoding, rows_read=len(raw))
    df = raw.apply(_norm_column)
    df[COL_NID] = df[COL_NID].str.upper()
    df[COL_AGENCY] = df[COL_AGENCY].str.upper()
    df["_row"] = np.arange(1, len(df) + 1)
    bad: dict[int, tuple[str, str]] = {}  # row number -> (reason, message); the first problem wins

    def flag(mask: pd.Series | np.ndarray, reason: str, message: Callable[[int], str]) -> None:
        # message(i) builds the text for the i-th row (0-based) only when that row is flagged.
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            bad.setdefault(int(i) + 1, (reason, message(int(i))))

    # Exact duplicate rows (after normalisation) are one record: collapse and report.
    dup = df.drop(columns="_row").duplicated(keep="first").to_numpy()
    if dup.any():
        result.warnings.append(
            f"{int(dup.sum())} duplicate row(s) collapsed (rows {_rows_text(df.loc[dup, '_row'])})"
        )

    nid = df[COL_NID]
    flag((nid == "").to_numpy(), "missing_national_id", lambda i: f"{COL_NID} is empty")
    valid_id = _valid_ids(nid)
    flag(
        (nid != "").to_numpy() & ~valid_id,
        "invalid_national_id",
        lambda i: f"invalid format or check digit in {COL_NID}: {str(nid.iat[i])[:1]}*********",
    )

    snap_date, snap_err = _parts(df[COL_DATE], _roc)
    flag(snap_err.notna(), "invalid_roc_date", lambda i: f"{COL_DATE}: {snap_err.iat[i]}")
    row_month = _month_start(snap_date)
    months = row_month.dropna()
    if months.empty:
        raise FileRejected(path.name, f"no valid {COL_DATE} in any row")
    file_month = months.mode().sort_values().iloc[0]
    if not is_change:
        flag(
            row_month.notna() & (row_month != file_month),
            "snapshot_date_mismatch",
            lambda i: f"{COL_DATE} {df[COL_DATE].iat[i]} is not in the file's month {file_month:%Y-%m}",
        )

    hire_raw, hire_err = _parts(df[COL_HIRE], lambda v: _roc(v) if v else (None, None))
    hire_date = pd.to_datetime(hire_raw)
    flag(hire_err.notna(), "invalid_roc_date", lambda i: f"{COL_HIRE}: {hire_err.iat[i]}")

    rank_all, gmin_all, gmax_all, grade_err = _parts(df[COL_GRADE], _grade)
    flag(grade_err.notna(), "unparseable_grade", lambda i: f"{COL_GRADE}: {grade_err.iat[i]}")

    if is_change:
        change = df[COL_CHANGE]
        known = change.isin(LEAVE_CHANGES | STATE_CHANGES)
        flag(
            ~known,
            "unknown_change_type",
            lambda i: f"{COL_CHANGE} {change.iat[i]} is not a known change type",
        )
        cdate, cdate_err = _parts(df[COL_CHANGE_DATE], _roc)
        flag(cdate_err.notna(), "invalid_roc_date", lambda i: f"{COL_CHANGE_DATE}: {cdate_err.iat[i]}")
        event_month = _month_start(cdate)
        kind = np.where(change.isin(LEAVE_CHANGES), "leave", "change")
        # Within a file, a person's later record of the same month supersedes earlier ones.
        order_key = pd.to_datetime(cdate)
    else:
        event_month = row_month
        kind = np.full(len(df), "snapshot", dtype=object)
        order_key = pd.Series(np.arange(len(df)), index=df.index)

    # One record per person and month: a second, different record for the same ID is a conflict.
    ok_so_far = ~df["_row"].isin(list(bad)) & ~dup
    cand = df[ok_so_far].assign(_m=event_month[ok_so_far], _o=order_key[ok_so_far])
    if is_change:
        cand = cand.sort_values(["_o", "_row"], kind="stable")
    conflict = cand.duplicated(subset=[COL_NID, "_m"], keep="last" if is_change else "first")
    if conflict.any():
        rows = cand.loc[conflict, "_row"]
        for r in rows:
            bad.setdefault(
                int(r),
                (
                    "conflicting_duplicate",
                    f"a different record for the same {COL_NID} and month exists in this file",
                ),
            )

    for row, (reason, msg) in sorted(bad.items()):
        result.quarantine.append(
            QuarantineRow(row, reason, msg, _mask({str(k): str(v) for k, v in raw.iloc[row - 1].items()}))
        )

    keep = ~df["_row"].isin(list(bad)).to_numpy() & ~dup
    d = df[keep]
    rank_class = rank_all[keep]
    gmin = gmin_all[keep].astype("Int16")
    gmax = gmax_all[keep].astype("Int16")

    agencies = reference_table("agencies")
    catalog = dict(
        zip(
            agencies["agency_code"],
            zip(agencies["gov_level"], agencies["agency_type"], strict=True),
            strict=True,
        )
    )
    by_name = dict(zip(agencies["name_zh"], agencies["agency_code"], strict=True))
    code = (
        d[COL_AGENCY]
        .where(d[COL_AGENCY].isin(catalog.keys()), d[COL_AGENCY_NAME].map(by_name))
        .fillna("unknown")
    )
    n_unknown_agency = int((code == "unknown").sum())
    if n_unknown_agency:
        result.warnings.append(
            f"{n_unknown_agency} row(s) name an agency not in the catalog: agency_code 'unknown'"
        )

    sup_raw = d[COL_SUP].str.upper()
    n_odd_sup = int((~sup_raw.isin(SUP_TRUE | SUP_FALSE)).sum())
    if n_odd_sup:
        result.warnings.append(f"{n_odd_sup} row(s) with an unrecognised {COL_SUP}: read as non-supervisor")
    is_sup = sup_raw.isin(SUP_TRUE)
    series = d[COL_SERIES]
    it_unit = d[COL_UNIT].str.contains(IT_UNIT_PATTERN, regex=True)
    is_direct_it = series.isin(IT_SERIES) | it_unit
    formal = d[COL_KIND].isin(FORMAL_KINDS)
    contract = d[COL_KIND].isin(CONTRACT_KINDS)
    ptype = np.select(
        [
            contract & is_direct_it,
            contract,
            formal & series.isin(IT_SERIES),
            formal & (series != "") & is_direct_it,
            formal & (series != ""),
        ],
        ["contract", "general", "it_series", "non_it_series", "general"],
        "unknown",
    )
    tiers = _tiers(
        rank_class.to_numpy(dtype=object), gmin, is_sup.to_numpy(dtype=bool), ctx.settings.tier_rule
    )
    nid_codes, nid_uniques = pd.factorize(d[COL_NID])
    staff_key = _staff_keys(ctx.secret, np.asarray(nid_uniques, dtype=object))[nid_codes]
    levels = _by_unique(code, lambda c: catalog.get(c, ("unknown", None)))

    rows = pd.DataFrame(
        {
            "month": event_month[keep].astype("datetime64[ns]").to_numpy(),
            "record_kind": pd.array(np.asarray(kind)[keep], dtype="string"),
            "change_type": pd.array(d[COL_CHANGE] if is_change else [None] * len(d), dtype="string"),
            "staff_key": pd.array(staff_key, dtype="string"),
            "agency_code": pd.array(code, dtype="string"),
            "gov_level": pd.array([v[0] for v in levels], dtype="string"),
            "agency_type": pd.array([v[1] for v in levels], dtype="string"),
            "rank_class": pd.array(rank_class, dtype="string"),
            "grade": pd.array(gmin, dtype="Int16"),
            "grade_max": pd.array(gmax, dtype="Int16"),
            "is_supervisor": is_sup.to_numpy(dtype=bool),
            "personnel_type": pd.array(ptype, dtype="string"),
            "job_series": pd.array(series.replace("", None), dtype="string"),
            "tier": pd.array(tiers, dtype="string"),
            "is_direct_it": is_direct_it.to_numpy(dtype=bool),
            "sex": pd.array(_by_unique(d[COL_SEX], lambda v: SEX.get(v.upper())), dtype="string"),
            "birth_year": pd.array(_by_unique(d[COL_BIRTH], _birth_year), dtype="Int16"),
            "hire_date": hire_date[keep].astype("datetime64[ns]").to_numpy(),
            "staff_number": pd.array(d[COL_STAFFNO].replace("", None), dtype="string"),
            "unit_name": pd.array(d[COL_UNIT].replace("", None), dtype="string"),
            "source_row": d["_row"].astype("int64").to_numpy(),
        }
    )
    result.tables[STAGING_TABLE] = rows
    result.tables[MONTHS_TABLE] = pd.DataFrame(
        {
            "month": pd.Series([file_month], dtype="datetime64[ns]"),
            "kind": pd.array(["change" if is_change else "snapshot"], dtype="string"),
            "file_name": pd.array([path.name], dtype="string"),
        }
    )
    emails = d[COL_EMAIL].str.lower()
    vault = pd.DataFrame({"email": emails, "staff_key": staff_key})
    vault = vault[vault["email"].str.contains("@", regex=False)].drop_duplicates("email", keep="last")
    result.tables[IDENTITY_VAULT_TABLE] = vault.reset_index(drop=True)
    return result


def _tiers(rank_class: np.ndarray, gmin: pd.Series, is_sup: np.ndarray, rule: str) -> np.ndarray:
    """tier_of for whole columns at once (the same rules, see tier_of)."""
    grade = gmin.to_numpy(dtype="float64", na_value=np.nan)
    unknown = (rank_class == "unknown") | np.isnan(grade)
    middle = (rank_class == "junior") & is_sup
    if rule == "report_8_9":
        middle &= grade >= 8
    return np.select([unknown, rank_class == "senior", middle], ["unknown", "senior", "middle"], "basic")


def _rows_text(rows: pd.Series, limit: int = 10) -> str:
    values = [str(int(r)) for r in rows.iloc[:limit]]
    return ", ".join(values) + (", ..." if len(rows) > limit else "")


_STAGING_DDL = """
CREATE TABLE IF NOT EXISTS roster_snapshot_rows (
    month TIMESTAMP, record_kind VARCHAR, change_type VARCHAR, staff_key VARCHAR, agency_code VARCHAR,
    gov_level VARCHAR, agency_type VARCHAR, rank_class VARCHAR, grade SMALLINT, grade_max SMALLINT,
    is_supervisor BOOLEAN, personnel_type VARCHAR, job_series VARCHAR, tier VARCHAR, is_direct_it BOOLEAN,
    sex VARCHAR, birth_year SMALLINT, hire_date TIMESTAMP, staff_number VARCHAR, unit_name VARCHAR,
    source_row BIGINT, load_id VARCHAR
);
CREATE TABLE IF NOT EXISTS roster_load_months (month TIMESTAMP, kind VARCHAR, file_name VARCHAR, load_id VARCHAR);
"""


def derive(con: duckdb.DuckDBPyConnection, ctx: LoadContext) -> list[str]:
    """Fold the staging rows of this load (and the existing history) into staff_history,
    staff_restricted and roster_month, then drop the staging tables. Returns warnings."""
    con.execute(_STAGING_DDL).fetchall()
    warnings: list[str] = []
    ((backfill,),) = con.execute(
        "SELECT count(*) FROM (SELECT DISTINCT CAST(month AS DATE) AS m FROM roster_load_months WHERE kind = 'snapshot') s "
        "WHERE s.m < (SELECT max(month) FROM roster_month)"
    ).fetchall()
    if backfill:
        warnings.append(
            f"{backfill} snapshot month(s) before the latest month already loaded (backfill): the history "
            "was re-stated at the next loaded month"
        )
    before = _count(con, "staff_history")
    for name in ("roster_derive_history.sql", "roster_derive_restricted.sql", "roster_derive_finish.sql"):
        con.execute((SQL_DIR / name).read_text(encoding="utf-8")).fetchall()
    after = _count(con, "staff_history")
    ((months,),) = con.execute("SELECT count(*) FROM roster_month").fetchall()
    warnings.append(f"staff_history: {before} -> {after} spells over {months} roster month(s)")
    return warnings


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    ((n,),) = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()  # noqa: S608 - fixed table names only
    return int(n)


def describe(result: FeedResult) -> str:
    """A one-line summary of a parse result (for logs and tests)."""
    reasons: dict[str, int] = {}
    for q in result.quarantine:
        reasons[q.reason_code] = reasons.get(q.reason_code, 0) + 1
    return json.dumps(
        {"file": result.file_name, "rows": result.rows_read, "quarantine": reasons}, ensure_ascii=False
    )
