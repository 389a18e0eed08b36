"""User-facing text: t() over per-namespace JSON catalogs, catalog labels for codes, date formats."""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from functools import cache
from pathlib import Path
from typing import Any

I18N_DIR = Path(__file__).resolve().parent
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
LANGS = ("zh-TW", "en")
DEFAULT_LANG = "zh-TW"
HTML_LANG = {"zh-TW": "zh-Hant-TW", "en": "en"}
CALENDARS = ("gregorian", "roc")

log = logging.getLogger(__name__)


def norm_lang(lang: str | None) -> str:
    """Any value -> a supported language (zh-TW unless clearly English)."""
    return "en" if lang and str(lang).lower().startswith("en") else DEFAULT_LANG


def norm_cal(cal: str | None) -> str:
    return "roc" if cal == "roc" else "gregorian"


@cache
def catalog(namespace: str) -> dict[str, dict[str, str]]:
    """dashboard/i18n/<namespace>.json -> {lang: {key: text}}."""
    path = I18N_DIR / f"{namespace}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {lang: dict(data.get(lang, {})) for lang in LANGS}


def namespaces() -> list[str]:
    return sorted(p.stem for p in I18N_DIR.glob("*.json"))


def t(key: str, lang: str | None = None, **fmt: Any) -> str:
    """The text for 'namespace.key' in `lang`, formatted with str.format(**fmt).

    A key missing in the requested language falls back to zh-TW, then to the key itself (the
    catalog test fails on either, so this only protects a running server)."""
    lang = norm_lang(lang)
    namespace, _, sub = key.partition(".")
    try:
        cat = catalog(namespace)
    except FileNotFoundError:
        log.warning("i18n namespace %s missing", namespace)
        return key
    text = cat[lang].get(sub) or cat[DEFAULT_LANG].get(sub)
    if text is None:
        log.warning("i18n key %s missing", key)
        return key
    return text.format(**fmt) if fmt else text


# -- catalog labels ------------------------------------------------------------------------
# kind -> (reference csv, code column)
_LABEL_SOURCES = {
    "competency": ("competencies", "code"),
    "tier": ("tiers", "code"),
    "workgroup": ("workgroups", "code"),
    "gov_level": ("gov_levels", "code"),
    "personnel_type": ("personnel_types", "code"),
    "agency": ("agencies", "agency_code"),
    "agency_type": ("agency_types", "code"),
    "rank_class": ("rank_classes", "code"),
    "task": ("task_items", "task_code"),
}


@cache
def _reference_labels(kind: str) -> dict[str, tuple[str, str]]:
    name, col = _LABEL_SOURCES[kind]
    with open(REFERENCE_DIR / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return {row[col]: (row["name_zh"], row["name_en"]) for row in csv.DictReader(fh)}


_extra_labels: dict[str, dict[str, tuple[str, str]]] = {}


def register_labels(kind: str, labels: dict[str, tuple[str, str]]) -> None:
    """Add catalog names that live only in the warehouse (e.g. badge classes): code -> (zh, en)."""
    _extra_labels.setdefault(kind, {}).update(labels)


def label(kind: str, code: str | None, lang: str | None = None) -> str:
    """The catalog name of a code (competency, tier, workgroup, gov_level, personnel_type,
    agency, agency_type, rank_class, task, or a kind added by register_labels)."""
    if code is None or code == "":
        return t("common.label.none", lang)
    lang = norm_lang(lang)
    names = _extra_labels.get(kind, {}).get(code)
    if names is None and kind in _LABEL_SOURCES:
        names = _reference_labels(kind).get(code)
    if names is None:
        if code in ("all", "*"):
            return t("common.label.all", lang)
        if code == "unknown":  # the ETL's value for an attribute the source did not give
            return t("common.label.unknown", lang)
        log.warning("no %s label for %r", kind, code)
        return str(code)
    zh, en = names
    return en if lang == "en" and en else zh


def label_options(kind: str, codes: list[str], lang: str | None = None) -> list[dict[str, str]]:
    """Dropdown options {label, value} for codes, labels from the catalog."""
    return [{"label": label(kind, c, lang), "value": c} for c in codes]


def reference_codes(kind: str) -> list[str]:
    """All codes of a reference code list, in file order."""
    return list(_reference_labels(kind))


# -- dates ---------------------------------------------------------------------------------
def format_date(
    value: dt.date | dt.datetime | str | None, cal: str | None = None, lang: str | None = None
) -> str:
    """A date (or timestamp) in Gregorian or ROC (民國) years; ROC year = Gregorian - 1911."""
    # NaN and NaT are the only values unequal to themselves.
    if value is None or value == "" or value != value:
        return "—"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    assert isinstance(value, dt.date)
    lang, cal = norm_lang(lang), norm_cal(cal)
    has_time = isinstance(value, dt.datetime) and (value.hour, value.minute, value.second) != (0, 0, 0)
    time = f" {value:%H:%M}" if has_time and isinstance(value, dt.datetime) else ""
    if cal == "roc":
        year = value.year - 1911
        if lang == "zh-TW":
            return f"民國{year}年{value.month:02d}月{value.day:02d}日{time}"
        return f"ROC {year}-{value.month:02d}-{value.day:02d}{time}"
    return f"{value:%Y-%m-%d}{time}"


# -- the viewer's preferences (cookies set by the navbar switches) ---------------------------
LANG_COOKIE = "lang"
CAL_COOKIE = "cal"


def current_lang() -> str:
    """The request's language from the `lang` cookie (zh-TW outside a request)."""
    from flask import has_request_context, request

    if not has_request_context():
        return DEFAULT_LANG
    return norm_lang(request.cookies.get(LANG_COOKIE))


def current_cal() -> str:
    """The request's calendar (gregorian | roc) from the `cal` cookie."""
    from flask import has_request_context, request

    if not has_request_context():
        return "gregorian"
    return norm_cal(request.cookies.get(CAL_COOKIE))


def has_key(key: str, lang: str | None = None) -> bool:
    """True when 'namespace.key' exists in the language's catalog."""
    namespace, _, sub = key.partition(".")
    try:
        return sub in catalog(namespace)[norm_lang(lang)]
    except FileNotFoundError:
        return False
