"""ROC dates, grade strings, full-width text and encoding detection (etl/textnorm.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from etl import textnorm as tn


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("114/03/26", dt.date(2025, 3, 26)),
        ("1140326", dt.date(2025, 3, 26)),
        ("114.03.26", dt.date(2025, 3, 26)),
        ("１１４／０３／２６", dt.date(2025, 3, 26)),  # full-width digits and slash
        (" 114/3/5 ", dt.date(2025, 3, 5)),
        ("96/01/05", dt.date(2007, 1, 5)),
        ("960105", dt.date(2007, 1, 5)),
        ("民國114年4月10日", dt.date(2025, 4, 10)),
    ],
)
def test_parse_roc_date_accepts_export_forms(raw: str, expected: dt.date) -> None:
    assert tn.parse_roc_date(raw) == expected


@pytest.mark.parametrize("raw", ["114/02/30", "114/13/01", "", "2025-03-26x", "abc", "1140230"])
def test_parse_roc_date_rejects_impossible_dates(raw: str) -> None:
    with pytest.raises(tn.ParseError):
        tn.parse_roc_date(raw)


def test_format_roc_date_round_trips() -> None:
    day = dt.date(2026, 10, 1)
    for style in ("slash", "compact", "dot"):
        assert tn.parse_roc_date(tn.format_roc_date(day, style)) == day
    assert tn.format_roc_date(day) == "115/10/01"


@pytest.mark.parametrize(
    ("raw", "rank", "lo", "hi"),
    [
        ("薦任第七職等", "junior", 7, 7),
        ("簡任第十職等", "senior", 10, 10),
        ("簡任第十四職等", "senior", 14, 14),
        ("委任第一職等", "elementary", 1, 1),
        ("委任第五職等或薦任第六職等至第七職等", "elementary", 5, 7),
        ("薦任第六職等至第八職等", "junior", 6, 8),
        ("薦任 第 九 職等", "junior", 9, 9),
        ("薦任７職等", "junior", 7, 7),
    ],
)
def test_parse_grade(raw: str, rank: str, lo: int, hi: int) -> None:
    g = tn.parse_grade(raw)
    assert (g.rank_class, g.grade_min, g.grade_max) == (rank, lo, hi)


@pytest.mark.parametrize("raw", ["", "科長", "第十五職等", "薦任第零職等", "約聘"])
def test_parse_grade_rejects_garbage(raw: str) -> None:
    with pytest.raises(tn.ParseError):
        tn.parse_grade(raw)


def test_grade_label_round_trip() -> None:
    for g in range(1, 15):
        parsed = tn.parse_grade(tn.grade_label_zh(g))
        assert parsed.grade_min == parsed.grade_max == g
    assert tn.grade_label_zh(12) == "簡任第十二職等"


def test_normalize_text_folds_full_width_and_spaces() -> None:
    assert tn.normalize_text("　數位發展部　　資訊處 ") == "數位發展部 資訊處"
    assert tn.normalize_text("Ａ１２３４５６７８９") == "A123456789"


def test_decode_bytes_detects_encodings() -> None:
    text = "機關名稱,官等職等\n數位發展部,薦任第七職等\n"
    assert tn.decode_bytes(text.encode("utf-8")).encoding == "utf-8"
    assert tn.decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8")).encoding == "utf-8-sig"
    decoded = tn.decode_bytes(text.encode("cp950"))
    assert decoded.encoding == "cp950"
    assert decoded.text == text


def test_decode_bytes_names_line_and_offset() -> None:
    good = "姓名,機關\n王小明,數位發展部\n".encode("cp950")
    bad = good + b"\x81\x20bad\n"  # 0x81 0x20 is not a valid CP950 or Big5-HKSCS pair
    with pytest.raises(tn.DecodeError) as err:
        tn.decode_bytes(bad, "roster.csv")
    msg = str(err.value)
    assert "roster.csv" in msg
    assert f"byte offset {len(good)}" in msg
    assert "line 3" in msg
