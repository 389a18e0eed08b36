"""Synthetic WebHR-style staff roster (demo: monthly snapshots of the direct IT workforce;
national: one full snapshot of all civil servants plus monthly change records), calibrated so
that the 2025-03 direct-IT headcount reproduces Table 13 exactly. See docs/formats/roster.md."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from etl.context import reference_table
from etl.synth import ManifestEntry, SynthContext
from etl.synth.roster_names import names_and_emails, national_ids
from etl.textnorm import format_roc_date, grade_label_zh

MONTHS = pd.date_range("2023-01-01", "2026-10-01", freq="MS")
N_MONTHS = len(MONTHS)  # 46
REF_MONTH = pd.Timestamp("2025-03-01")
REF = int(np.flatnonzero(MONTHS == REF_MONTH)[0])  # 26: the Table 13 snapshot
MONTHLY_EXIT = 0.005  # ~6 %/year: retirements (~5 %) plus resignations
MONTHLY_HIRE = 0.0055  # slightly above exits: the IT workforce grows a little
NATIONAL_GENERAL_STAFF = 352_000  # civil servants outside the direct IT workforce at 2025-03

SNAPSHOT_COLUMNS = [
    "身分證統一編號", "員工編號", "姓名", "電子郵件", "機關代碼", "機關名稱", "單位名稱", "職稱",
    "職系", "官等職等", "主管註記", "人員類別", "到職日期", "出生年", "性別", "資料日期",
]  # fmt: skip
CHANGE_COLUMNS = ["異動類別", "異動日期", *SNAPSHOT_COLUMNS]

IT_UNITS = np.array(
    ["資訊室", "資訊處", "資訊中心", "資訊科", "資訊管理科", "資訊服務組", "數位發展科", "資訊及統計室"]
)
GENERAL_UNITS = np.array(
    [
        "秘書室",
        "人事室",
        "主計室",
        "政風室",
        "綜合規劃科",
        "業務一科",
        "業務二科",
        "行政科",
        "企劃科",
        "研考科",
        "總務科",
        "法制科",
        "第一組",
        "第二組",
    ]
)
NON_IT_SERIES = np.array(
    ["一般行政", "一般民政", "電子工程", "統計", "經建行政", "電力工程", "圖書資料管理", "人事行政"]
)
GENERAL_SERIES = np.array(
    [
        "一般行政",
        "一般民政",
        "會計",
        "人事行政",
        "地政",
        "經建行政",
        "社會行政",
        "財稅行政",
        "土木工程",
        "衛生行政",
        "戶政",
        "教育行政",
    ]
)
NO_GRADE_MARKERS = np.array(["", "", "", "無", "--"])  # how exports show "no (equivalent) grade"

TYPE_CODES = ("it_series", "non_it_series", "contract", "unknown", "general")


@dataclass(frozen=True)
class Table13:
    """The 2025-03 margins of the direct IT workforce (data/reference/population_table13.csv)."""

    total: int
    central: int
    local: int
    elementary: int
    junior: int
    senior: int
    supervisors: int
    it_series: int
    non_it_series: int
    contract: int

    @property
    def unknown_rank(self) -> int:
        return self.total - self.elementary - self.junior - self.senior

    @property
    def unknown_type(self) -> int:
        return self.total - self.it_series - self.non_it_series - self.contract


def table13() -> Table13:
    t = reference_table("population_table13")
    c = dict(zip(t["category_zh"], t["count"].astype(int), strict=True))
    return Table13(
        total=c["總計"], central=c["中央政府"], local=c["地方政府"], elementary=c["委任"], junior=c["薦任"],
        senior=c["簡任"], supervisors=c["主管"], it_series=c["資訊職系公務人員"],
        non_it_series=c["非資訊職系公務人員"], contract=c["約聘人員"],
    )  # fmt: skip


def _pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Exactly k indices drawn without replacement, proportional to weights (Efraimidis-Spirakis)."""
    keys = rng.random(len(weights)) ** (1.0 / np.asarray(weights, dtype=float))
    return np.sort(np.argsort(-keys, kind="stable")[:k])


def _grades(rng: np.random.Generator, rank: np.ndarray, sup: np.ndarray) -> np.ndarray:
    """Grade within the rank class; supervisors sit higher (mostly 8-14)."""
    n = len(rank)
    g = np.full(n, -1, dtype=int)
    tables = {
        ("elementary", False): ([3, 4, 5], [0.15, 0.30, 0.55]),
        ("elementary", True): ([5], [1.0]),
        ("junior", False): ([6, 7, 8, 9], [0.30, 0.35, 0.25, 0.10]),
        ("junior", True): ([6, 7, 8, 9], [0.02, 0.08, 0.35, 0.55]),
        ("senior", False): ([10, 11, 12, 13], [0.45, 0.35, 0.15, 0.05]),
        ("senior", True): ([10, 11, 12, 13, 14], [0.25, 0.30, 0.25, 0.15, 0.05]),
    }
    for (rk, s), (vals, p) in tables.items():
        m = (rank == rk) & (sup == s)
        g[m] = rng.choice(vals, m.sum(), p=p)
    return g


def _it_core(rng: np.random.Generator, t: Table13, agencies: pd.DataFrame) -> pd.DataFrame:
    """The 8,172 direct-IT staff at 2025-03 with Table 13's margins exact and plausible joints."""
    # Rank class x personnel type. The shape is chosen (contract staff often have no equivalent
    # grade: most of the 244 unknown ranks); the non-IT-series column and the IT-series junior
    # cell are residuals so that both margins come out exactly.
    cells: dict[str, dict[str, int]] = {
        "contract": {"unknown": 200, "elementary": 380, "senior": 9},
        "unknown": {"unknown": 30, "elementary": 45, "junior": 75, "senior": 5},
        "it_series": {"unknown": 7, "elementary": 560, "senior": 409},
    }
    cells["contract"]["junior"] = t.contract - sum(cells["contract"].values())
    cells["unknown"]["unknown"] = t.unknown_type - sum(
        v for k, v in cells["unknown"].items() if k != "unknown"
    )
    cells["it_series"]["junior"] = t.it_series - sum(cells["it_series"].values())
    rank_totals = {
        "elementary": t.elementary,
        "junior": t.junior,
        "senior": t.senior,
        "unknown": t.unknown_rank,
    }
    cells["non_it_series"] = {r: rank_totals[r] - sum(cells[p].get(r, 0) for p in cells) for r in rank_totals}
    if min(v for c in cells.values() for v in c.values()) < 0:
        raise ValueError("Table 13 margins do not fit the rank x type shape")
    ptype, rank = [], []
    for p, row in cells.items():
        for r, k in row.items():
            ptype += [p] * k
            rank += [r] * k
    ptype_a, rank_a = np.array(ptype, dtype=object), np.array(rank, dtype=object)
    n = len(ptype_a)
    assert n == t.total
    # Supervisors: most senior staff, many grade 8-9 junior staff, a handful of elementary; never
    # contract staff. Exact counts per rank class sum to Table 13's 1,210.
    sup = np.zeros(n, dtype=bool)
    per_rank = {"senior": 470, "elementary": 10}
    per_rank["junior"] = t.supervisors - sum(per_rank.values())
    for r, k in per_rank.items():
        cand = np.flatnonzero((rank_a == r) & (ptype_a != "contract"))
        w = np.where(ptype_a[cand] == "unknown", 0.3, 1.0)
        sup[cand[_pick(rng, w, k)]] = True
    grade = _grades(rng, rank_a, sup)
    # Government level: contract staff are more often local; senior staff more often central.
    w = np.where(ptype_a == "contract", 0.55, 1.0) * np.where(rank_a == "senior", 1.4, 1.0)
    level = np.full(n, "county", dtype=object)
    central = _pick(rng, w, t.central)
    level[central] = "central"
    local = np.flatnonzero(level != "central")
    level[local[_pick(rng, np.ones(len(local)), round(t.local * 0.63))]] = "municipal"
    df = pd.DataFrame({"personnel_type": ptype_a, "rank_class": rank_a, "is_supervisor": sup, "grade": grade})
    df["gov_level"] = level
    df["is_direct_it"] = True
    df["agency"] = _agencies_for(rng, level, agencies, "it_weight")
    # Shuffle so that person ids do not follow the construction cells.
    return df.iloc[rng.permutation(n)].reset_index(drop=True)


def _agencies_for(
    rng: np.random.Generator, level: np.ndarray, agencies: pd.DataFrame, weight: str
) -> np.ndarray:
    out = np.empty(len(level), dtype=object)
    for lv in np.unique(level):
        m = level == lv
        cand = agencies[agencies["gov_level"] == lv]
        w = cand[weight].astype(float).to_numpy()
        out[m] = cand["agency_code"].to_numpy()[rng.choice(len(cand), m.sum(), p=w / w.sum())]
    return out


def _general_core(rng: np.random.Generator, n: int, agencies: pd.DataFrame) -> pd.DataFrame:
    """Civil servants outside the direct IT workforce (national profile only)."""
    ptype = rng.choice(np.array(["general", "contract", "unknown"], dtype=object), n, p=[0.88, 0.10, 0.02])
    rank = rng.choice(np.array(["elementary", "junior", "senior"], dtype=object), n, p=[0.33, 0.61, 0.06])
    rank[(ptype == "contract") & (rng.random(n) < 0.6)] = "unknown"
    rank[(ptype != "contract") & (rng.random(n) < 0.01)] = "unknown"
    sup = (
        rng.random(n)
        < np.select([rank == "senior", rank == "junior", rank == "elementary"], [0.7, 0.12, 0.01], 0)
    ) & (ptype != "contract")
    grade = _grades(rng, rank, sup)
    level = rng.choice(np.array(["central", "municipal", "county"], dtype=object), n, p=[0.45, 0.33, 0.22])
    df = pd.DataFrame({"personnel_type": ptype, "rank_class": rank, "is_supervisor": sup, "grade": grade})
    df["gov_level"] = level
    df["is_direct_it"] = False
    df["agency"] = _agencies_for(rng, level, agencies, "staff_weight")
    return df


def _timeline(
    rng: np.random.Generator, df: pd.DataFrame, role: str, agencies: pd.DataFrame, weight: str
) -> pd.DataFrame:
    """Months of presence and attribute changes. role: 'core' (present at 2025-03, attributes
    at 2025-03 fixed), 'leaver' (left before 2025-03) or 'hire' (hired after 2025-03)."""
    n = len(df)
    df = df.copy()
    if role == "core":
        first = np.where(rng.random(n) < 1 - (1 - MONTHLY_HIRE) ** REF, rng.integers(1, REF + 1, n), 0)
        last = REF - 1 + rng.geometric(MONTHLY_EXIT, n)
    elif role == "leaver":
        last = rng.integers(0, REF, n)
        first = np.where(rng.random(n) < 0.1, (rng.random(n) * (last + 1)).astype(int), 0)
    else:
        first = rng.integers(REF + 1, N_MONTHS, n)
        last = first - 1 + rng.geometric(MONTHLY_EXIT, n)
    df["first"] = first
    df["last"] = np.minimum(last, N_MONTHS - 1)
    df["left"] = last < N_MONTHS - 1  # False: still employed at 2026-10

    # Promotion by one grade within the rank class (crossing a class needs an exam).
    g = df["grade"].to_numpy()
    lo = np.select([g <= 5, g <= 9], [1, 6], 10)
    hi = np.select([g <= 5, g <= 9], [5, 9], 14)
    promo = np.where(rng.random(n) < 0.3, rng.integers(0, N_MONTHS, n), -1)
    promo[g < 0] = -1
    if role == "core":
        before = (promo >= 0) & (promo <= REF)  # attributes at REF are the calibrated post state
        ok = np.where(before, g - 1 >= lo, g + 1 <= hi)
        promo[~ok] = -1
        df["grade_pre"] = np.where((promo >= 0) & before, g - 1, g)
        df["grade_post"] = np.where((promo >= 0) & ~before, g + 1, g)
    else:
        promo[g + 1 > hi] = -1
        df["grade_pre"] = g
        df["grade_post"] = np.where(promo >= 0, g + 1, g)
    df["promo"] = promo

    # Transfer to another agency of the same government level.
    transfer = np.where(rng.random(n) < 0.08, rng.integers(1, N_MONTHS, n), -1)
    alt = _agencies_for(rng, df["gov_level"].to_numpy(), agencies, weight)
    same = alt == df["agency"].to_numpy()
    transfer[same] = -1
    cur = df["agency"].to_numpy()
    if role == "core":
        before = (transfer >= 0) & (transfer <= REF)
        df["agency_pre"] = np.where(before, alt, cur)
        df["agency_post"] = np.where(before, cur, np.where(transfer >= 0, alt, cur))
    else:
        df["agency_pre"] = cur
        df["agency_post"] = np.where(transfer >= 0, alt, cur)
    df["transfer"] = transfer

    # Occasional absence (e.g. 留職停薪, parental leave) of 1-3 months, then back.
    gs = first + 1 + (rng.random(n) * np.maximum(df["last"].to_numpy() - first - 1, 0)).astype(int)
    ge = gs + rng.integers(0, 3, n)
    has_gap = (rng.random(n) < 0.006) & (ge < df["last"].to_numpy()) & (gs > first)
    if role == "core":
        has_gap &= ~((gs <= REF) & (ge >= REF))
    df["gap_s"] = np.where(has_gap, gs, -1)
    df["gap_e"] = np.where(has_gap, ge, -1)
    return df


def _bootstrap(rng: np.random.Generator, base: pd.DataFrame, n: int, hires: bool) -> pd.DataFrame:
    """Attributes for leavers and new hires, resampled from the 2025-03 workforce."""
    pool = base
    if hires:
        pool = base[(~base["is_supervisor"]) & (base["grade"] <= 7)]
    idx = rng.integers(0, len(pool), n)
    return pool.iloc[idx].reset_index(drop=True)


def _demographics(rng: np.random.Generator, df: pd.DataFrame, role: np.ndarray) -> None:
    n = len(df)
    g = df["grade"].to_numpy()
    age = np.where(g > 0, 24 + 2.3 * (g - 3), 32) + rng.normal(0, 5, n)
    age = np.clip(age, 22, 63)
    retiring = (role == "leaver") & (rng.random(n) < 0.7)
    age = np.where(retiring, rng.uniform(63, 65, n), age)
    df["birth_year"] = (2025 - age).astype(int)
    df["is_male"] = rng.random(n) < np.where(df["is_direct_it"], 0.62, 0.45)
    # Hire date: inside the first month when hired in the window, else years before 2023.
    first = df["first"].to_numpy()
    in_window = first > 0
    start_age = rng.uniform(22, 35, n)
    years = np.clip(df["birth_year"].to_numpy() + start_age, 1985, 2022.9)
    before = pd.to_datetime("1985-01-01") + pd.to_timedelta(((years - 1985) * 365.25).astype(int), unit="D")
    day = rng.integers(1, 29, n)
    inside = MONTHS[first] + pd.to_timedelta(day - 1, unit="D")
    df["hire_date"] = np.where(in_window, inside.to_numpy(), before.to_numpy()).astype("datetime64[ns]")


def _engagement(rng: np.random.Generator, df: pd.DataFrame) -> np.ndarray:
    """Latent AI engagement in [0, 1]: drives badge earning (badge generator) and self-assessed
    proficiency gains (self-assessment generator), so that earners improve more."""
    n = len(df)
    base = np.where(df["is_direct_it"], rng.beta(2.0, 2.5, n), rng.beta(1.6, 3.0, n))
    boost = 0.08 * (df["personnel_type"] == "it_series") + 0.05 * (2025 - df["birth_year"] < 40)
    return np.clip(base + boost, 0, 1).round(4)


def build_population(ctx: SynthContext) -> pd.DataFrame:
    """Every person of the profile with timeline, attributes and identifiers (one row each)."""
    rng = ctx.rng("roster")
    agencies = reference_table("agencies").copy()
    t = table13()
    core = _it_core(rng, t, agencies)
    n_leave = round(t.total * (1 - (1 - MONTHLY_EXIT) ** REF))
    n_hire = round(t.total * MONTHLY_HIRE * (N_MONTHS - 1 - REF))
    parts = [
        _timeline(rng, core, "core", agencies, "it_weight").assign(role="core"),
        _timeline(rng, _bootstrap(rng, core, n_leave, False), "leaver", agencies, "it_weight").assign(
            role="leaver"
        ),
        _timeline(rng, _bootstrap(rng, core, n_hire, True), "hire", agencies, "it_weight").assign(
            role="hire"
        ),
    ]
    if ctx.profile == "national":
        gen = _general_core(rng, NATIONAL_GENERAL_STAFF, agencies)
        gl = round(len(gen) * (1 - (1 - MONTHLY_EXIT) ** REF))
        gh = round(len(gen) * MONTHLY_HIRE * (N_MONTHS - 1 - REF))
        parts += [
            _timeline(rng, gen, "core", agencies, "staff_weight").assign(role="core"),
            _timeline(rng, _bootstrap(rng, gen, gl, False), "leaver", agencies, "staff_weight").assign(
                role="leaver"
            ),
            _timeline(rng, _bootstrap(rng, gen, gh, True), "hire", agencies, "staff_weight").assign(
                role="hire"
            ),
        ]
    p = pd.concat(parts, ignore_index=True)
    n = len(p)
    p["person_id"] = np.arange(1, n + 1)
    _demographics(rng, p, p["role"].to_numpy())
    p["ai_engagement"] = _engagement(rng, p)

    # Stable per-person presentation attributes.
    ptype = p["personnel_type"].to_numpy()
    p["range_flag"] = rng.random(n) < 0.08
    p["no_grade_text"] = NO_GRADE_MARKERS[rng.integers(0, len(NO_GRADE_MARKERS), n)]
    p["kind_zh"] = np.select(
        [ptype == "contract", ptype == "unknown"],
        [np.where(rng.random(n) < 0.85, "約聘", "約僱"), ""],
        "正式",
    )
    series = np.where(
        ptype == "it_series",
        "資訊處理",
        np.where(
            ptype == "non_it_series",
            NON_IT_SERIES[rng.integers(0, len(NON_IT_SERIES), n)],
            GENERAL_SERIES[rng.integers(0, len(GENERAL_SERIES), n)],
        ),
    ).astype(object)
    series[ptype == "contract"] = ""
    series[(ptype == "unknown") & (rng.random(n) < 0.5)] = ""
    p["series_zh"] = series
    p["unit"] = np.where(
        p["is_direct_it"],
        IT_UNITS[rng.integers(0, len(IT_UNITS), n)],
        GENERAL_UNITS[rng.integers(0, len(GENERAL_UNITS), n)],
    )
    domains = (p["agency_pre"].str.lower() + ".gov.tw").to_numpy()
    p["name_zh"], p["email"] = names_and_emails(rng, domains)
    p["national_id"] = national_ids(rng, p["is_male"].to_numpy())
    p["staff_number"] = ((p["person_id"] * 7919) % 9_000_000 + 1_000_000).astype(str)
    # Plain object columns: row subsets and to_numpy() on Arrow-backed strings dominate otherwise.
    for col in p.columns:
        if p[col].dtype == "str" or p[col].dtype == object:
            p[col] = pd.Series(p[col].to_numpy(dtype=object), index=p.index, dtype=object)
    return p


# ---------------------------------------------------------------------------- rendering


def _grade_text(
    grade: np.ndarray, rank: np.ndarray, ptype: np.ndarray, range_flag: np.ndarray, no_grade: np.ndarray
) -> np.ndarray:
    labels = {g: grade_label_zh(g) for g in range(1, 15)}
    zh = "一二三四五六七八九十"
    out = np.empty(len(grade), dtype=object)
    for i, (g, r, p, rf, ng) in enumerate(zip(grade, rank, ptype, range_flag, no_grade, strict=True)):
        if r == "unknown" or g < 1:
            out[i] = ng
        elif p == "contract":
            out[i] = "相當" + labels[g]  # contract staff hold an equivalent grade
        elif rf and g == 5:
            out[i] = "委任第五職等或薦任第六職等至第七職等"
        elif rf and g in (6, 7, 8, 10, 11):
            out[i] = f"{labels[g]}至第{zh[g] if g < 9 else '十' + zh[g - 10]}職等"
        else:
            out[i] = labels[g]
    return out


def _title(grade: np.ndarray, sup: np.ndarray, ptype: np.ndarray, it: np.ndarray) -> np.ndarray:
    return np.select(
        [
            ptype == "contract",
            sup & (grade >= 12),
            sup & (grade >= 10),
            sup & (grade == 9),
            sup,
            (grade >= 10),
            it & (grade >= 8),
            it & (grade >= 6),
            grade >= 6,
            grade >= 1,
        ],
        ["約聘人員", "處長", "副處長", "科長", "股長", "專門委員", "分析師", "設計師", "專員", "科員"],
        "助理員",
    )


_ROC_FORMATS = {
    "slash": "{:03d}/{:02d}/{:02d}",
    "compact": "{:03d}{:02d}{:02d}",
    "dot": "{:03d}.{:02d}.{:02d}",
}


def _roc_strings(dates: pd.Series, styles: np.ndarray) -> list[str]:
    """ROC date strings (as etl.textnorm.format_roc_date) for many dates at once."""
    d = pd.DatetimeIndex(dates)
    years, months, days = (d.year - 1911).tolist(), d.month.tolist(), d.day.tolist()
    return [_ROC_FORMATS[s].format(y, m, x) for s, y, m, x in zip(styles, years, months, days, strict=True)]


def _to_fullwidth(s: pd.Series) -> pd.Series:
    return s.str.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def _state(p: pd.DataFrame, m: int) -> tuple[np.ndarray, np.ndarray]:
    grade = np.where((p["promo"] >= 0) & (p["promo"] <= m), p["grade_post"], p["grade_pre"])
    agency = np.where((p["transfer"] >= 0) & (p["transfer"] <= m), p["agency_post"], p["agency_pre"])
    return grade.astype(int), agency


def active_mask(p: pd.DataFrame, m: int) -> np.ndarray:
    """Who is on the roster in month index m (0 = 2023-01)."""
    in_gap = (p["gap_s"] >= 0) & (p["gap_s"] <= m) & (p["gap_e"] >= m)
    return ((p["first"] <= m) & (p["last"] >= m) & ~in_gap).to_numpy()


def _month_end(m: int) -> dt.date:
    return (MONTHS[m] + pd.offsets.MonthEnd(0)).date()


def render_rows(
    p: pd.DataFrame, m: int, rng: np.random.Generator, agency_names: dict[str, str], dirt: bool = True
) -> pd.DataFrame:
    """The export rows (Chinese headers, strings) of the people in p as of month index m."""
    grade, agency = _state(p, m)
    n = len(p)
    rank = p["rank_class"].to_numpy()
    ptype = p["personnel_type"].to_numpy()
    styles = rng.choice(np.array(["slash", "compact", "dot"]), n, p=[0.6, 0.25, 0.15])
    out = pd.DataFrame(
        {
            "身分證統一編號": p["national_id"].to_numpy(),
            "員工編號": p["staff_number"].to_numpy(),
            "姓名": p["name_zh"].to_numpy(),
            "電子郵件": p["email"].to_numpy(),
            "機關代碼": agency,
            "機關名稱": [agency_names[a] for a in agency],
            "單位名稱": p["unit"].to_numpy(),
            "職稱": _title(grade, p["is_supervisor"].to_numpy(), ptype, p["is_direct_it"].to_numpy()),
            "職系": p["series_zh"].to_numpy(),
            "官等職等": _grade_text(
                grade, rank, ptype, p["range_flag"].to_numpy(), p["no_grade_text"].to_numpy()
            ),
            "主管註記": np.where(p["is_supervisor"], "是", "否"),
            "人員類別": p["kind_zh"].to_numpy(),
            "到職日期": _roc_strings(p["hire_date"], styles),
            "出生年": (p["birth_year"] - 1911).astype(str).to_numpy(),
            "性別": np.where(p["is_male"], "男", "女"),
            "資料日期": format_roc_date(_month_end(m)),
        },
        dtype=object,
    )
    if dirt and n:
        # Realistic dirt: full-width digits, stray spaces and upper-case e-mails.
        for col, share in (("員工編號", 0.01), ("到職日期", 0.01), ("機關代碼", 0.005)):
            sel = rng.random(n) < share
            out.loc[sel, col] = _to_fullwidth(out.loc[sel, col])
        for col, share in (("姓名", 0.02), ("單位名稱", 0.02)):
            sel = rng.random(n) < share
            out.loc[sel, col] = np.where(rng.random(sel.sum()) < 0.5, " ", "") + out.loc[sel, col] + "  "
        sel = rng.random(n) < 0.01
        out.loc[sel, "電子郵件"] = out.loc[sel, "電子郵件"].str.title()
    return out


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # WebHR exports are Big5 (CP950) with CRLF line ends; strict encoding catches stray characters.
    # The stdlib csv writer on plain lists is several times faster than DataFrame.to_csv here.
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(list(df.columns))
    writer.writerows(df.to_numpy(dtype=object).tolist())
    path.write_bytes(buf.getvalue().encode("cp950", errors="strict"))


def _write_snapshot_chunked(
    p: pd.DataFrame, m: int, rng: np.random.Generator, names: dict[str, str], path: Path, chunk: int = 50_000
) -> int:
    """The national full snapshot, rendered and written in chunks to bound memory."""
    act = p[active_mask(p, m)]
    _, agency = _state(act, m)
    act = act.iloc[np.lexsort((act["staff_number"].to_numpy(), agency))]
    path.parent.mkdir(parents=True, exist_ok=True)
    total = 0
    with open(path, "wb") as fh:
        for start in range(0, len(act), chunk):
            part = render_rows(act.iloc[start : start + chunk], m, rng, names)
            # One exact duplicate row per chunk, as in the demo exports.
            dup = part.iloc[[int(rng.integers(0, len(part)))]]
            part = pd.concat([part, dup]).sort_index(kind="stable")
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\r\n")
            if start == 0:
                writer.writerow(list(part.columns))
            writer.writerows(part.to_numpy(dtype=object).tolist())
            fh.write(buf.getvalue().encode("cp950", errors="strict"))
            total += len(part)
    return total


def _snapshot_frame(
    p: pd.DataFrame, m: int, rng: np.random.Generator, names: dict[str, str], n_dups: int
) -> pd.DataFrame:
    act = p[active_mask(p, m)]
    _, agency = _state(act, m)
    order = np.lexsort((act["staff_number"].to_numpy(), agency))
    rows = render_rows(act.iloc[order], m, rng, names)
    if n_dups and len(rows):
        # A few exact duplicate rows, as exports joined against a multi-valued table produce.
        dup = rows.iloc[np.sort(rng.choice(len(rows), n_dups, replace=False))]
        rows = pd.concat([rows, dup]).sort_index(kind="stable").reset_index(drop=True)
    return rows


def _change_frame(p: pd.DataFrame, m: int, rng: np.random.Generator, names: dict[str, str]) -> pd.DataFrame:
    """Change records (異動) effective in month index m, one per person and month."""
    first, last = p["first"].to_numpy(), p["last"].to_numpy()
    gs, ge = p["gap_s"].to_numpy(), p["gap_e"].to_numpy()
    act = active_mask(p, m)
    kinds = [
        ("新進", (first == m) & act),
        ("復職", (ge >= 0) & (ge + 1 == m) & act),
        ("升等", (p["promo"].to_numpy() == m) & act),
        ("調動", (p["transfer"].to_numpy() == m) & act),
        ("留職停薪", (gs == m) & (gs > first)),
        ("退休", (last + 1 == m) & (2025 - p["birth_year"].to_numpy() >= 60)),
        ("離職", last + 1 == m),
    ]
    label = np.full(len(p), "", dtype=object)
    for name, mask in reversed(kinds):  # the first matching kind wins
        label[mask] = name
    sel = np.flatnonzero(label != "")
    if not len(sel):
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    sub = p.iloc[sel]
    # A leave record carries the last known attributes (those of the previous month).
    is_leave = np.isin(label[sel], ["留職停薪", "退休", "離職"])
    parts = []
    for leave, mm in ((False, m), (True, m - 1)):
        part = sub[is_leave == leave]
        if len(part):
            rows = render_rows(part, mm, rng, names, dirt=False)
            rows.insert(0, "異動類別", label[sel][is_leave == leave])
            parts.append(rows)
    out = pd.concat(parts, ignore_index=True)
    days = rng.integers(1, 29, len(out))
    dates = pd.Series(MONTHS[m] + pd.to_timedelta(days - 1, unit="D"))
    out.insert(1, "異動日期", _roc_strings(dates, np.full(len(out), "slash")))
    out["資料日期"] = format_roc_date(_month_end(m))
    return out[CHANGE_COLUMNS]


def _months_or_nat(idx: np.ndarray, keep: np.ndarray) -> pd.DatetimeIndex:
    """Month starts for the indices where keep is true, NaT elsewhere."""
    values = MONTHS[np.maximum(idx, 0)].to_numpy().copy()
    values[~keep] = np.datetime64("NaT")
    return pd.DatetimeIndex(values)


def people_frame(p: pd.DataFrame) -> pd.DataFrame:
    """ctx.shared['roster_people']: one row per person, attributes as of the last month present."""
    last = p["last"].to_numpy()
    grade = np.where((p["promo"] >= 0) & (p["promo"] <= last), p["grade_post"], p["grade_pre"])
    agency = np.where((p["transfer"] >= 0) & (p["transfer"] <= last), p["agency_post"], p["agency_pre"])
    agencies = reference_table("agencies").set_index("agency_code")
    sup = p["is_supervisor"].to_numpy()
    rank = p["rank_class"].to_numpy()
    tier = np.select(
        [rank == "unknown", rank == "senior", (rank == "junior") & sup],
        ["unknown", "senior", "middle"],
        "basic",
    )
    gap_s, gap_e = p["gap_s"].to_numpy(), p["gap_e"].to_numpy()
    return pd.DataFrame(
        {
            "person_id": p["person_id"].astype(int),
            "national_id": p["national_id"],
            "email": p["email"],
            "staff_number": p["staff_number"],
            "name_zh": p["name_zh"],
            "agency_code": agency,
            "gov_level": p["gov_level"],
            "agency_type": agencies.loc[agency, "agency_type"].to_numpy(),
            "tier": tier,
            "personnel_type": p["personnel_type"],
            "rank_class": rank,
            "grade": pd.Series(grade).where(grade > 0).astype("Int16").to_numpy(),
            "is_supervisor": sup,
            "is_direct_it": p["is_direct_it"].astype(bool),
            "sex": np.where(p["is_male"], "male", "female"),
            "birth_year": p["birth_year"].astype(int),
            "hire_date": pd.to_datetime(p["hire_date"]),
            "first_month": MONTHS[p["first"].to_numpy()],
            "last_month": _months_or_nat(last, p["left"].to_numpy()),
            "gap_start": _months_or_nat(gap_s, gap_s >= 0),
            "gap_end": _months_or_nat(gap_e, gap_e >= 0),
            "active_2025_03": active_mask(p, REF),
            "ai_engagement": p["ai_engagement"].astype(float),
        }
    )


def generate(ctx: SynthContext) -> list[ManifestEntry]:
    """Write OUT/roster/*.csv and publish ctx.shared['roster_people'] (and 'roster_population')."""
    p = build_population(ctx)
    names = dict(
        zip(reference_table("agencies")["agency_code"], reference_table("agencies")["name_zh"], strict=True)
    )
    rng = ctx.rng("roster-render")
    entries: list[ManifestEntry] = []
    folder = ctx.out / "roster"
    if ctx.profile == "demo":
        for m in range(N_MONTHS):
            rows = _snapshot_frame(p, m, rng, names, n_dups=int(rng.integers(2, 5)))
            rel = f"roster/webhr_roster_{MONTHS[m]:%Y%m}.csv"
            _write_csv(rows, ctx.out / rel)
            day = _month_end(m).isoformat()
            entries.append(ManifestEntry("roster", rel, len(rows), day, day, "csv-cp950"))
    else:
        rel = f"roster/webhr_roster_{MONTHS[0]:%Y%m}.csv"
        n_rows = _write_snapshot_chunked(p, 0, rng, names, ctx.out / rel)
        day = _month_end(0).isoformat()
        entries.append(ManifestEntry("roster", rel, n_rows, day, day, "csv-cp950"))
        for m in range(1, N_MONTHS):
            rows = _change_frame(p, m, rng, names)
            rel = f"roster/webhr_changes_{MONTHS[m]:%Y%m}.csv"
            _write_csv(rows, ctx.out / rel)
            entries.append(
                ManifestEntry(
                    "roster",
                    rel,
                    len(rows),
                    MONTHS[m].date().isoformat(),
                    _month_end(m).isoformat(),
                    "csv-cp950",
                )
            )
    folder.mkdir(parents=True, exist_ok=True)
    ctx.shared["roster_people"] = people_frame(p)
    ctx.shared["roster_months"] = MONTHS
    return entries
