"""WebHR 表51 (專長註記) exports of external AI certifications: CP950 CSV, ROC dates, and the name
variants people actually type (abbreviations, full-width letters, English/Chinese)."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
import pandas as pd

from etl.context import reference_table
from etl.synth import ManifestEntry, SynthContext
from etl.synth.badges_plan import tuples
from etl.textnorm import format_roc_date

COLUMNS = [
    "機關代碼",
    "機關名稱",
    "員工編號",
    "身分證統一編號",
    "姓名",
    "專長類別",
    "證照名稱",
    "發證單位",
    "等級",
    "取得日期",
    "有效期限",
    "登錄日期",
]
LEVEL_ZH = {
    "practical": "實用級",
    "advanced": "進階級",
    "professional": "專業級",
    "elementary": "初級",
    "intermediate": "中級",
}
# Vendor certifications that expire (years of validity); the others do not.
VALID_YEARS = {"cert_aws_ai_pract": 3, "cert_aws_mle": 3, "cert_aws_ml_spec": 3, "cert_gcp_pmle": 2,
               "cert_nv_genai_llm": 2, "cert_nv_multimodal": 2, "cert_ms_ai102": 1}  # fmt: skip
# What people type when the name is not on any list: the ETL quarantines these with a suggestion.
UNMATCHED_NAMES = (
    "AI證照",
    "人工智慧相關證書",
    "ChatGPT 使用證明",
    "Azure 基礎",
    "資料分析師",
    "生成式AI研習證明",
)
UNMATCHED_SHARE = 0.008
_SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴周葉蘇莊呂江何蕭羅高潘簡朱鍾游彭詹胡施沈余盧梁趙顏柯翁魏孫戴范方宋鄧杜"
_GIVEN = "雅婷怡君家豪志明俊宏建文淑芬美玲惠秀慧如佳穎宗翰冠廷欣怡承恩柏宇品妤詩涵"


def _cols(df: pd.DataFrame, *names: str) -> list[list[Any]]:
    return [df[n].tolist() for n in names]


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


def _names(people: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    for col in ("name_zh", "name"):
        if col in people.columns:
            return people[col].astype(str).to_numpy(dtype=object)
    n = len(people)
    s = rng.integers(0, len(_SURNAMES), n)
    g1, g2 = rng.integers(0, len(_GIVEN), n), rng.integers(0, len(_GIVEN), n)
    return np.array(
        [_SURNAMES[a] + _GIVEN[b] + _GIVEN[c] for a, b, c in zip(s, g1, g2, strict=True)], dtype=object
    )


def _alias_choices() -> dict[tuple[str, str], list[tuple[str, bool]]]:
    """(cert, level) -> [(alias, alias carries the level)]; canonical names listed first."""
    aliases = reference_table("cert_aliases")
    out: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    levels = {
        r.cert_code: (r.levels or "").split("|") if r.levels else [""]
        for r in tuples(reference_table("certifications").fillna(""))
    }
    for r in tuples(aliases.fillna("")):
        for lv in levels.get(r.cert_code, [""]):
            if r.level and r.level != lv:
                continue
            out.setdefault((r.cert_code, lv), []).append((r.alias, bool(r.level)))
    return out


def write_webhr(
    ctx: SynthContext, certs: pd.DataFrame, people: pd.DataFrame, scale: int
) -> list[ManifestEntry]:
    rng = ctx.rng("badges.webhr")
    out = ctx.out / "certifications"
    out.mkdir(parents=True, exist_ok=True)
    agencies = {
        str(k): str(v)
        for k, v in zip(*_cols(reference_table("agencies"), "agency_code", "name_zh"), strict=True)
    }
    cat = reference_table("certifications").set_index("cert_code")
    issuers = {
        str(k): str(v)
        for k, v in zip(*_cols(reference_table("issuers"), "issuer_code", "name_zh"), strict=True)
    }
    choices = _alias_choices()
    names = _names(people, rng)
    cols = {c: people[c].astype(str).to_numpy(dtype=object) for c in ("agency_code", "national_id")}
    cols["staff_number"] = (
        people["staff_number"].astype(str).to_numpy(dtype=object)
        if "staff_number" in people.columns
        else np.full(len(people), "", dtype=object)
    )
    cert_issuer = {str(k): issuers.get(str(v), "") for k, v in cat["issuer_code"].items()}
    entries: list[ManifestEntry] = []
    months = sorted(certs["registered"].dt.strftime("%Y%m").unique())
    for ym, part in certs.groupby(certs["registered"].dt.strftime("%Y%m"), sort=True):
        rows: list[list[str]] = []
        for r in tuples(part):
            rows.append(_row(r, cols, names, agencies, cert_issuer, choices, rng))
        # A fixed share per file (not a coin flip per row) keeps every file under the 2 % limit.
        for i in rng.choice(len(rows), size=int(len(rows) * UNMATCHED_SHARE), replace=False):
            rows[i][6], rows[i][8] = str(rng.choice(np.array(UNMATCHED_NAMES))), ""
        rows = _plant(str(ym), rows, months, rng, scale)
        buf = io.StringIO(newline="")
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(COLUMNS)
        w.writerows(rows)
        p = out / f"webhr_table51_{ym}.csv"
        p.write_bytes(buf.getvalue().encode("cp950"))
        entries.append(
            ManifestEntry(
                feed="badges",
                path=str(p.relative_to(ctx.out)),
                rows=len(rows),
                date_min=str(part["obtained"].min().date()),
                date_max=str(part["registered"].max().date()),
                fmt="csv-cp950",
            )
        )
    return entries


def _row(
    r: Any,
    cols: dict[str, np.ndarray],
    names: np.ndarray,
    agencies: dict[str, str],
    cert_issuer: dict[str, str],
    choices: dict[tuple[str, str], list[tuple[str, bool]]],
    rng: np.random.Generator,
) -> list[str]:
    pid = int(r.person)
    opts = choices[(r.cert_code, r.level)]
    # Half type the canonical name; the rest a variant from the reviewed alias table.
    alias, has_level = (
        opts[0] if rng.random() < 0.5 or len(opts) == 1 else opts[int(rng.integers(1, len(opts)))]
    )
    u = rng.random()
    if u < 0.08:
        alias = _full_width(alias)
    elif u < 0.12:
        alias = f" {alias}  "
    level = "" if has_level or not r.level else LEVEL_ZH[r.level]
    style = "compact" if rng.random() < 0.1 else "slash"
    obtained = r.obtained.date()
    years = VALID_YEARS.get(r.cert_code)
    valid = ""
    if years:
        # 29 February has no anniversary in a common year: such certificates expire on the 28th.
        day = 28 if (obtained.month, obtained.day) == (2, 29) else obtained.day
        valid = format_roc_date(obtained.replace(year=obtained.year + years, day=day), style)
    agency = str(cols["agency_code"][pid])
    return [
        agency,
        agencies.get(agency, ""),
        str(cols["staff_number"][pid]),
        str(cols["national_id"][pid]),
        str(names[pid]),
        "人工智慧",
        alias,
        cert_issuer[r.cert_code],
        level,
        format_roc_date(obtained, style),
        valid,
        format_roc_date(r.registered.date(), "slash"),
    ]


def _plant(
    ym: str, rows: list[list[str]], months: list[str], rng: np.random.Generator, scale: int
) -> list[list[str]]:
    """An impossible ROC date and a person missing from the roster (quarantined by the ETL)."""
    if not rows:
        return rows
    if len(months) > 7 and ym == months[7]:
        for _ in range(scale):
            i = int(rng.integers(0, len(rows)))
            rows[i] = list(rows[i])
            rows[i][9] = "115/02/30"
    if len(months) > 5 and ym == months[5]:
        for k in range(scale):
            i = int(rng.integers(0, len(rows)))
            row = list(rows[i])
            row[3] = f"Z{(123456780 + k) % 10**9:09d}"  # not a roster person's ID
            row[2] = ""
            rows.insert(int(rng.integers(0, len(rows) + 1)), row)
    return rows
