"""Normalisation of the text that Taiwanese government exports carry: full-width characters,
ROC (民國) dates, rank/grade strings and file encodings. Shared by every feed parser."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

_ZH_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
RANK_CLASS_ZH = {"委任": "elementary", "薦任": "junior", "簡任": "senior"}


class ParseError(ValueError):
    """A value that cannot be parsed; the message says what was expected."""


def normalize_text(value: str | None) -> str:
    """NFKC-fold full-width digits, letters and spaces, collapse runs of white space, strip."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"\s+", " ", text).strip()


def zh_numeral(text: str) -> int:
    """Parse a Chinese numeral from 一 to 十九 (grades go to 十四)."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十") and len(text) == 2 and text[1] in _ZH_NUM:
        return 10 + _ZH_NUM[text[1]]
    if len(text) == 1 and text in _ZH_NUM:
        return _ZH_NUM[text]
    raise ParseError(f"not a Chinese numeral: {text!r}")


_ROC_PATTERNS = (
    re.compile(r"^(\d{2,3})[/.\-](\d{1,2})[/.\-](\d{1,2})$"),  # 114/03/26, 114.03.26, 96-1-5
    re.compile(r"^(\d{2,3})(\d{2})(\d{2})$"),  # 1140326, 960105
    re.compile(r"^(?:民國)?(\d{2,3})年(\d{1,2})月(\d{1,2})日$"),  # 民國114年3月26日
)


def parse_roc_date(value: str | None) -> dt.date:
    """Parse an ROC date (year + 1911) in the forms 114/03/26, 1140326, 114.03.26, 114年3月26日.

    Two-digit years are ROC years too (96 = 2007). Raises ParseError for anything else,
    including impossible dates such as 114/02/30.
    """
    text = normalize_text(value).replace(" ", "")
    if not text:
        raise ParseError("empty ROC date")
    for pattern in _ROC_PATTERNS:
        m = pattern.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            if y < 1 or y > 200:
                raise ParseError(f"ROC year out of range in {value!r}")
            try:
                return dt.date(y + 1911, mo, d)
            except ValueError as exc:
                raise ParseError(f"impossible ROC date {value!r}: {exc}") from exc
    raise ParseError(f"not an ROC date (expected e.g. 114/03/26, 1140326 or 114.03.26): {value!r}")


def format_roc_date(day: dt.date, style: str = "slash") -> str:
    """Format a date the way WebHR exports do: slash 114/03/26, compact 1140326, dot 114.03.26."""
    y = day.year - 1911
    if style == "slash":
        return f"{y:03d}/{day.month:02d}/{day.day:02d}"
    if style == "compact":
        return f"{y:03d}{day.month:02d}{day.day:02d}"
    if style == "dot":
        return f"{y:03d}.{day.month:02d}.{day.day:02d}"
    raise ValueError(f"unknown ROC date style {style!r}")


@dataclass(frozen=True)
class Grade:
    """A parsed rank/grade string: rank class of the lower bound, and the grade range."""

    rank_class: str  # elementary | junior | senior
    grade_min: int
    grade_max: int


_GRADE_PART = re.compile(r"(委任|薦任|簡任)?第?([一二三四五六七八九十\d]{1,3})(?:職等)?")


def parse_grade(value: str | None) -> Grade:
    """Parse 薦任第七職等, 簡任第十職等, 委任第五職等或薦任第六職等至第七職等, 7, 薦任7職等.

    Ranges give grade_min/grade_max; the rank class is the one of grade_min.
    """
    text = normalize_text(value).replace(" ", "")
    if not text:
        raise ParseError("empty grade")
    grades: list[int] = []
    for m in _GRADE_PART.finditer(text):
        num = m.group(2)
        try:
            g = zh_numeral(num)
        except ParseError:
            continue
        grades.append(g)
    leftover = _GRADE_PART.sub("", text)
    leftover = re.sub(r"(或|至|~|-|、|相當)", "", leftover)
    if not grades or leftover:
        raise ParseError(f"unparseable grade {value!r} (expected e.g. 薦任第七職等)")
    if any(g < 1 or g > 14 for g in grades):
        raise ParseError(f"grade outside 1..14 in {value!r}")
    lo, hi = min(grades), max(grades)
    return Grade(rank_class=rank_class_of(lo), grade_min=lo, grade_max=hi)


def rank_class_of(grade: int) -> str:
    """Rank class of a grade: 1-5 elementary (委任), 6-9 junior (薦任), 10-14 senior (簡任)."""
    if 1 <= grade <= 5:
        return "elementary"
    if 6 <= grade <= 9:
        return "junior"
    if 10 <= grade <= 14:
        return "senior"
    raise ParseError(f"grade outside 1..14: {grade}")


def grade_label_zh(grade: int) -> str:
    """The canonical Chinese label of a grade, e.g. 7 -> 薦任第七職等."""
    zh = {v: k for k, v in _ZH_NUM.items()}
    rank = {"elementary": "委任", "junior": "薦任", "senior": "簡任"}[rank_class_of(grade)]
    num = zh[grade] if grade <= 10 else "十" + zh[grade - 10]
    return f"{rank}第{num}職等"


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # utf-8 | utf-8-sig | cp950 | big5hkscs


class DecodeError(ValueError):
    """Bytes that decode in none of the accepted encodings; names the line and byte offset."""


def decode_bytes(data: bytes, name: str = "<bytes>") -> Decoded:
    """Detect UTF-8 with BOM, UTF-8, CP950 (Big5) or Big5-HKSCS, in that order.

    On failure the error names the file, the 1-based line and the byte offset of the first
    undecodable byte under CP950, the encoding real WebHR exports use.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return Decoded(data.decode("utf-8-sig"), "utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _decode_error(data, name, exc, "utf-8-sig") from exc
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(data.decode("cp950"), "cp950")
    except UnicodeDecodeError as exc:
        first = exc
    try:
        return Decoded(data.decode("big5hkscs"), "big5hkscs")
    except UnicodeDecodeError:
        raise _decode_error(data, name, first, "cp950") from first


def _decode_error(data: bytes, name: str, exc: UnicodeDecodeError, enc: str) -> DecodeError:
    line = data.count(b"\n", 0, exc.start) + 1
    return DecodeError(
        f"{name}: undecodable bytes {data[exc.start : exc.end + 1]!r} at byte offset {exc.start} "
        f"(line {line}); tried UTF-8, UTF-8 with BOM, CP950 and Big5-HKSCS (last: {enc})"
    )
