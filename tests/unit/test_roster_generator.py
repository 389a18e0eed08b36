"""Roster generator: Table 13 recomputed from the generated files with independent code, CP950
bytes, ROC dates, national IDs, month-to-month dynamics, roster_people contract, determinism."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from etl.synth import SynthContext, roster

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "data" / "reference"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthContext]:
    out = tmp_path_factory.mktemp("roster-demo")
    ctx = SynthContext(profile="demo", seed=2025, out=out)
    ctx.shared["entries"] = roster.generate(ctx)
    return out, ctx


def _read(path: Path) -> pd.DataFrame:
    # Independent reading: strict CP950, every cell NFKC-folded and stripped.
    text = path.read_bytes().decode("cp950")
    rows = list(csv.reader(text.splitlines()))
    df = pd.DataFrame(rows[1:], columns=rows[0])
    return df.map(lambda v: unicodedata.normalize("NFKC", v).strip())


def _table13() -> dict[str, int]:
    with open(REF / "population_table13.csv", encoding="utf-8") as fh:
        return {r["category_zh"]: int(r["count"]) for r in csv.DictReader(fh)}


def _rank(grade: str) -> str:
    m = re.search(r"(委任|薦任|簡任)", grade)
    return m.group(1) if m else "unknown"


def test_table13_margins_from_the_2025_03_file(demo: tuple[Path, SynthContext]) -> None:
    out, _ = demo
    df = _read(out / "roster" / "webhr_roster_202503.csv")
    raw_rows = len(df)
    df = df.drop_duplicates()
    assert raw_rows > len(df), "the export should carry a few exact duplicate rows"
    with open(REF / "agencies.csv", encoding="utf-8") as fh:
        level = {r["agency_code"]: r["gov_level"] for r in csv.DictReader(fh)}
    t = _table13()
    assert len(df) == t["總計"] == 8172
    lv = df["機關代碼"].map(level)
    assert (lv == "central").sum() == t["中央政府"]
    assert lv.isin(["municipal", "county"]).sum() == t["地方政府"]
    # Local splits plausibly into municipalities and counties (~63/37).
    assert 0.58 < (lv == "municipal").sum() / t["地方政府"] < 0.68
    rank = df["官等職等"].map(_rank)
    assert (rank == "委任").sum() == t["委任"]
    assert (rank == "薦任").sum() == t["薦任"]
    assert (rank == "簡任").sum() == t["簡任"]
    assert (rank == "unknown").sum() == 8172 - 1785 - 5488 - 655 == 244
    assert (df["主管註記"] == "是").sum() == t["主管"]
    contract = df["人員類別"].isin(["約聘", "約僱"])
    formal = df["人員類別"] == "正式"
    assert contract.sum() == t["約聘人員"]
    assert (formal & (df["職系"] == "資訊處理")).sum() == t["資訊職系公務人員"]
    assert (formal & (df["職系"] != "資訊處理") & (df["職系"] != "")).sum() == t["非資訊職系公務人員"]
    assert (~contract & ~(formal & (df["職系"] != ""))).sum() == 155


def test_joint_distributions_are_plausible(demo: tuple[Path, SynthContext]) -> None:
    out, _ = demo
    df = _read(out / "roster" / "webhr_roster_202503.csv").drop_duplicates()
    grade = df["官等職等"].map(_grade_number)
    sup = df["主管註記"] == "是"
    # Supervisors sit mostly in grades 8-14; contract staff are never supervisors.
    assert (grade[sup] >= 8).mean() > 0.85
    assert not (sup & df["人員類別"].isin(["約聘", "約僱"])).any()
    with open(REF / "agencies.csv", encoding="utf-8") as fh:
        level = {r["agency_code"]: r["gov_level"] for r in csv.DictReader(fh)}
    local = df["機關代碼"].map(level) != "central"
    contract = df["人員類別"].isin(["約聘", "約僱"])
    assert local[contract].mean() > local[~contract].mean() + 0.1


_ZH = {c: i + 1 for i, c in enumerate("一二三四五六七八九")}


def _grade_number(text: str) -> int:
    m = re.search(r"第(十?[一二三四五六七八九]?|十)職等", text)
    if not m:
        return 0
    s = m.group(1)
    if s.startswith("十"):
        return 10 + (_ZH[s[1]] if len(s) > 1 else 0)
    return _ZH[s]


def test_files_are_cp950_not_utf8_with_valid_roc_dates_and_ids(demo: tuple[Path, SynthContext]) -> None:
    out, _ = demo
    files = sorted((out / "roster").glob("webhr_roster_*.csv"))
    assert len(files) == 46
    assert files[0].name == "webhr_roster_202301.csv" and files[-1].name == "webhr_roster_202610.csv"
    data = files[26].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    df = _read(files[26])
    forms = {"slash": r"^\d{2,3}/\d{2}/\d{2}$", "compact": r"^\d{6,7}$", "dot": r"^\d{2,3}\.\d{2}\.\d{2}$"}
    seen = {k: df["到職日期"].str.match(p).sum() for k, p in forms.items()}
    assert all(v > 50 for v in seen.values()), seen
    assert sum(seen.values()) == len(df)
    for value in df["到職日期"]:
        digits = re.sub(r"\D", "", value)
        y, m, d = int(digits[:-4]), int(digits[-4:-2]), int(digits[-2:])
        assert dt.date(1985, 1, 1) <= dt.date(y + 1911, m, d) <= dt.date(2025, 3, 31)
    assert set(df["資料日期"]) == {"114/03/31"}
    letters = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))
    for nid in df["身分證統一編號"]:
        assert re.match(r"^[A-Z][12]\d{8}$", nid)
        n = letters[nid[0]]
        total = n // 10 + n % 10 * 9 + sum(int(c) * w for c, w in zip(nid[1:9], range(8, 0, -1), strict=True))
        assert (total + int(nid[9])) % 10 == 0
    emails = df["電子郵件"].str.lower()
    assert emails.str.match(r"^[a-z]+\.[a-z]+\d*@[a-z]\d{4}\.gov\.tw$").all()
    assert emails.drop_duplicates().size == len(df.drop_duplicates("身分證統一編號"))


def test_dirt_is_present_but_harmless(demo: tuple[Path, SynthContext]) -> None:
    out, _ = demo
    text = (out / "roster" / "webhr_roster_202503.csv").read_bytes().decode("cp950")
    assert re.search(r"[０-９]", text), "full-width digits expected"
    assert re.search(r",\s+\S|\S {2},", text), "stray spaces expected"


def test_month_to_month_dynamics(demo: tuple[Path, SynthContext]) -> None:
    out, ctx = demo
    people: pd.DataFrame = ctx.shared["roster_people"]
    heads = []
    for path in sorted((out / "roster").glob("webhr_roster_*.csv")):
        df = _read(path).drop_duplicates()
        heads.append(len(df))
    assert min(heads) > 7800 and max(heads) < 8500
    # Exits: about 5-7 % a year of the headcount.
    left = people["last_month"].notna()
    per_year = left.sum() / (45 / 12) / (sum(heads) / len(heads))
    assert 0.04 < per_year < 0.08
    # Someone is absent for a month or more and then back.
    back = people[people["gap_start"].notna()]
    assert len(back) >= 10
    p = back.iloc[0]
    gap_file = out / "roster" / f"webhr_roster_{p['gap_start']:%Y%m}.csv"
    after = out / "roster" / f"webhr_roster_{p['gap_end'] + pd.offsets.MonthBegin(1):%Y%m}.csv"
    assert p["national_id"] not in set(_read(gap_file)["身分證統一編號"])
    assert p["national_id"] in set(_read(after)["身分證統一編號"])
    # Promotions change someone's grade between the first and the last file.
    a = (
        _read(out / "roster" / "webhr_roster_202301.csv")
        .drop_duplicates("身分證統一編號")
        .set_index("身分證統一編號")
    )
    b = (
        _read(out / "roster" / "webhr_roster_202610.csv")
        .drop_duplicates("身分證統一編號")
        .set_index("身分證統一編號")
    )
    both = a.index.intersection(b.index)
    assert (a.loc[both, "官等職等"] != b.loc[both, "官等職等"]).sum() > 300
    assert (a.loc[both, "機關代碼"] != b.loc[both, "機關代碼"]).sum() > 100


def test_roster_people_contract(demo: tuple[Path, SynthContext]) -> None:
    out, ctx = demo
    people: pd.DataFrame = ctx.shared["roster_people"]
    need = {
        "person_id", "national_id", "email", "staff_number", "agency_code", "gov_level", "tier",
        "personnel_type", "rank_class", "grade", "is_direct_it", "first_month", "last_month", "ai_engagement",
    }  # fmt: skip
    assert need <= set(people.columns)
    assert people["person_id"].is_unique and people["email"].is_unique and people["national_id"].is_unique
    assert people["ai_engagement"].between(0, 1).all() and people["ai_engagement"].std() > 0.1
    assert set(people["tier"]) == {"basic", "middle", "senior", "unknown"}
    assert (people["first_month"].dt.day == 1).all()
    last = _read(out / "roster" / "webhr_roster_202610.csv")
    current = set(people.loc[people["last_month"].isna(), "national_id"])
    assert current == set(last["身分證統一編號"])
    assert people["is_direct_it"].all()


def test_same_seed_same_bytes(demo: tuple[Path, SynthContext], tmp_path: Path) -> None:
    out, _ = demo
    ctx = SynthContext(profile="demo", seed=2025, out=tmp_path)
    roster.generate(ctx)

    def digest(folder: Path) -> dict[str, str]:
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((folder / "roster").glob("*.csv"))
        }

    assert digest(tmp_path) == digest(out)
