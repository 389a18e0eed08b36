"""AI self-assessment feed: training-platform exports (one row per submission, e-mail keyed) into
selfassessment_respondent / _item / _attitude in long format. See docs/formats/selfassessment.md."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from etl.context import LoadContext, reference_table
from etl.feeds.base import FeedResult, FileRejected, QuarantineRow
from etl.identity import email_key, normalize_email
from etl.textnorm import DecodeError, decode_bytes, normalize_text

FEED = "selfassessment"
COL_ID, COL_TIME, COL_EMAIL, COL_AGENCY = "填答編號", "填答時間", "電子郵件", "服務機關代碼"
ASPECT_COLUMNS = {"重要性": "importance", "熟練度": "proficiency", "認同度": "score"}
_HEADER = re.compile(r"^(?P<name>.+?)\s*\((?P<aspect>重要性|熟練度|認同度)\)$")
_WAVE_IN_NAME = re.compile(r"(\d{4})-?(\d{2})")


def _key(name: str) -> str:
    # Names are matched without spaces and the optional 的 (以人為本(的)設計思維).
    return normalize_text(name).replace(" ", "").replace("的", "").lower()


def _catalog() -> tuple[dict[str, str], dict[str, str]]:
    """Competency and attitude name (every spelling in competencies.csv) -> code."""
    comp = reference_table("competencies")
    out: dict[str, dict[str, str]] = {"ai_framework": {}, "ai_attitude": {}}
    for fw, code, zh, en in zip(
        comp["framework"], comp["code"], comp["name_zh"], comp["name_en"], strict=True
    ):
        if fw in out:
            out[fw][_key(zh)] = code
            out[fw][_key(en)] = code
            out[fw][_key(code)] = code
    return out["ai_framework"], out["ai_attitude"]


def _read(path: Path) -> tuple[pd.DataFrame, str]:
    data = path.read_bytes()
    if not data.strip():
        raise FileRejected(path.name, "empty file")
    try:
        decoded = decode_bytes(data, path.name)
    except DecodeError as exc:
        raise FileRejected(path.name, str(exc).removeprefix(f"{path.name}: ")) from exc
    text = unicodedata.normalize("NFKC", decoded.text.replace("\uff0c", "\u3001"))
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FileRejected(path.name, f"not a readable CSV table: {exc}") from exc
    df.columns = [normalize_text(c).lstrip("\ufeff") for c in df.columns]
    return df.apply(lambda s: s.str.strip()), decoded.encoding


def _columns(df: pd.DataFrame, file_name: str) -> dict[str, tuple[str, str]]:
    """Export column -> (code, aspect) for every competency and attitude column; rejects the
    file when a column of the 14 + 5 items is missing or a header names no known item."""
    comps, atts = _catalog()
    mapping: dict[str, tuple[str, str]] = {}
    unknown: list[str] = []
    for col in df.columns:
        m = _HEADER.match(col)
        if not m:
            continue
        aspect = ASPECT_COLUMNS[m["aspect"]]
        table = atts if aspect == "score" else comps
        code = table.get(_key(m["name"]))
        if code is None:
            unknown.append(col)
        else:
            mapping[col] = (code, aspect)
    if unknown:
        raise FileRejected(file_name, f"column(s) naming no AI competency or attitude: {', '.join(unknown)}")
    missing = [c for c in (COL_ID, COL_TIME, COL_EMAIL) if c not in df.columns]
    have = set(mapping.values())
    for code in sorted(set(comps.values())):
        missing += [f"{code} ({a})" for a in ("importance", "proficiency") if (code, a) not in have]
    missing += [f"{code} (agreement)" for code in sorted(set(atts.values())) if (code, "score") not in have]
    if missing:
        raise FileRejected(file_name, f"missing column(s): {', '.join(missing)}")
    return mapping


def _mask(record: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    if out.get(COL_EMAIL):
        out[COL_EMAIL] = "***@" + str(out[COL_EMAIL]).rpartition("@")[2]
    return out


def parse(path: Path, ctx: LoadContext) -> FeedResult:
    """Parse one wave's export; the wave is the month of most submissions (YYYY-MM)."""
    df, encoding = _read(path)
    mapping = _columns(df, path.name)
    result = FeedResult(feed=FEED, file_name=path.name, encoding=encoding, rows_read=len(df))
    if df.empty:
        raise FileRejected(path.name, "no data rows")
    row_no = np.arange(1, len(df) + 1)
    bad: dict[int, tuple[str, str]] = {}

    def flag(mask: np.ndarray, reason: str, messages: list[str] | str) -> None:
        msgs = messages if isinstance(messages, list) else [messages] * int(mask.sum())
        for r, msg in zip(row_no[mask], msgs, strict=True):
            bad.setdefault(int(r), (reason, msg))

    submitted = pd.to_datetime(df[COL_TIME], errors="coerce", format="mixed")
    flag(submitted.isna().to_numpy(), "invalid_timestamp", f"{COL_TIME} is not a date-time")
    email = df[COL_EMAIL].map(normalize_email)
    flag(
        ~email.str.contains("@", regex=False).to_numpy(),
        "missing_email",
        f"{COL_EMAIL} is empty or not an address",
    )

    # Values: blank = not answered (NULL); an integer 1..5 is kept; anything else quarantines the row.
    value_cols = list(mapping)
    vals = df[value_cols]
    numeric = vals.apply(pd.to_numeric, errors="coerce")
    blank = vals == ""
    ok = blank | (numeric.isin([1, 2, 3, 4, 5]))
    rows_bad = ~ok.all(axis=1).to_numpy()
    if rows_bad.any():
        msgs = []
        for i in np.flatnonzero(rows_bad):
            col = str(ok.columns[~ok.iloc[int(i)].to_numpy()][0])
            msgs.append(f"{col} = {vals[col].iloc[int(i)]!r} is outside 1..5")
        flag(rows_bad, "value_out_of_range", msgs)

    valid_time = submitted.dropna()
    if valid_time.empty:
        raise FileRejected(path.name, f"no valid {COL_TIME} in any row")
    wave = valid_time.dt.strftime("%Y-%m").mode().sort_values().iloc[0]

    # A second submission by the same person in a wave is quarantined; the first one counts.
    order = np.lexsort((row_no, submitted.fillna(pd.Timestamp.max).to_numpy()))
    seen: set[str] = set()
    dup = np.zeros(len(df), dtype=bool)
    for i in order:
        if int(row_no[i]) in bad:
            continue
        e = str(email.iat[i])
        if e in seen:
            dup[i] = True
        seen.add(e)
    flag(dup, "duplicate_respondent", "a later submission of the same e-mail in this wave")

    for r, (reason, msg) in sorted(bad.items()):
        raw = {str(k): str(v) for k, v in df.iloc[r - 1].items()}
        result.quarantine.append(QuarantineRow(r, reason, msg, _mask(raw)))

    keep = ~np.isin(row_no, list(bad))
    d = df[keep]
    em = email[keep]
    respondent_key = em.map(lambda e: email_key(ctx.secret, e))
    staff_key = em.map(ctx.vault.lookup)
    n_unmatched = int(staff_key.isna().sum())
    if n_unmatched:
        result.warnings.append(
            f"{n_unmatched} respondent(s) with an e-mail that matches no roster entry: staff_key NULL"
        )
    agencies = set(reference_table("agencies")["agency_code"])
    agency = d[COL_AGENCY].str.upper() if COL_AGENCY in d.columns else pd.Series("", index=d.index)
    agency = agency.where(agency.isin(agencies))

    result.tables["selfassessment_respondent"] = pd.DataFrame(
        {
            "wave": pd.array([wave] * len(d), dtype="string"),
            "respondent_key": pd.array(respondent_key.to_numpy(dtype=object), dtype="string"),
            "staff_key": pd.array(staff_key.to_numpy(dtype=object), dtype="string"),
            "submitted_at": submitted[keep].astype("datetime64[ns]").to_numpy(),
            "agency_code": pd.array(agency.to_numpy(dtype=object), dtype="string"),
        }
    )
    num = numeric[keep].astype("Int16")
    base = pd.DataFrame(
        {"wave": wave, "respondent_key": respondent_key.to_numpy(), "staff_key": staff_key.to_numpy()}
    )
    items = []
    for code in dict.fromkeys(c for c, a in mapping.values() if a != "score"):
        imp_col = next(col for col, ca in mapping.items() if ca == (code, "importance"))
        prof_col = next(col for col, ca in mapping.items() if ca == (code, "proficiency"))
        items.append(
            base.assign(
                competency_code=code, importance=num[imp_col].to_numpy(), proficiency=num[prof_col].to_numpy()
            )
        )
    atts = [
        base.assign(attitude_code=code, score=num[col].to_numpy())
        for col, (code, aspect) in mapping.items()
        if aspect == "score"
    ]
    result.tables["selfassessment_item"] = _typed(
        pd.concat(items, ignore_index=True), ["importance", "proficiency"]
    )
    result.tables["selfassessment_attitude"] = _typed(pd.concat(atts, ignore_index=True), ["score"])
    return result


def _typed(frame: pd.DataFrame, ints: list[str]) -> pd.DataFrame:
    for col in frame.columns:
        frame[col] = frame[col].astype("Int16" if col in ints else "string")
    return frame
