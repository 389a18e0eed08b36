"""The survey feed end to end on a warehouse built here from 000_schema.sql + the parser's frames +
a small synthetic roster: acceptance SQL (Tables 14, 18, 19-22), derived groups, raking, privacy."""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from etl import workgroups
from etl.context import IdentityVault, LoadContext
from etl.feeds import survey
from etl.synth import SynthContext
from etl.synth import survey as gen

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "data" / "reference"
CACHE = ROOT / "test-artifacts" / "cache"


def _code_hash() -> str:
    h = hashlib.sha256()
    for p in sorted(
        [*(ROOT / "etl" / "synth").glob("survey*.py"), *(ROOT / "data" / "codebooks").glob("*.yaml")]
    ):
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


@pytest.fixture(scope="module")
def raw_dir() -> Path:
    """The survey generator's files (seed 2025), cached per generator version across test modules."""
    out = CACHE / f"survey-raw-{_code_hash()}"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "survey-raw.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "truth" / "survey_workgroup_truth_2026.csv").exists():
            gen.generate(SynthContext(profile="demo", seed=2025, out=out))
        fcntl.flock(lock, fcntl.LOCK_UN)
    return out


def fake_roster(con: duckdb.DuckDBPyConnection, months: list[str]) -> pd.DataFrame:
    """8,172 direct-IT staff with Table 13's margins (incl. 244 unknown rank, 155 unknown type)."""
    rng = np.random.default_rng(7)
    n = 8172

    def exact(labels: list[str], counts: list[int]) -> np.ndarray:
        arr = np.repeat(np.array(labels, dtype=object), counts)
        return rng.permutation(arr)

    df = pd.DataFrame(
        {
            "staff_key": [f"{i:064x}" for i in range(n)],
            "gov_level": exact(["central", "municipal", "county"], [5565, 1640, 967]),
            "rank_class": exact(["elementary", "junior", "senior", "unknown"], [1785, 5488, 655, 244]),
            "is_supervisor": exact([True, False], [1210, 6962]).astype(bool),
            "personnel_type": exact(
                ["it_series", "non_it_series", "contract", "unknown"], [3306, 3582, 1129, 155]
            ),
        }
    )
    con.register("_roster", df)
    con.execute(
        """INSERT INTO staff_history (staff_key, valid_from, valid_to, agency_code, gov_level, rank_class,
               is_supervisor, personnel_type, tier, is_direct_it, load_id)
           SELECT staff_key, DATE '2023-01-01', NULL, 'C1001', gov_level, rank_class, is_supervisor,
                  personnel_type, 'basic', TRUE, 'test' FROM _roster"""
    )
    con.unregister("_roster")
    for m in months:
        con.execute("INSERT INTO roster_month VALUES ($m)", {"m": m})
    return df


def build_db(
    path: Path, files: list[Path], ctx: LoadContext, months: list[str]
) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    con = duckdb.connect(str(path))
    con.execute((ROOT / "etl" / "sql" / "000_schema.sql").read_text(encoding="utf-8"))
    warnings: list[str] = []
    for f in files:
        res = survey.parse(f, ctx)
        warnings += res.warnings
        for table, frame in res.tables.items():
            frame = frame.copy()
            frame["load_id"] = "test"
            cols = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()]  # noqa: S608 - table names are ours
            keep = frame[[c for c in cols if c in frame.columns]]
            con.register("_f", keep)
            con.execute(f"INSERT INTO {table} ({', '.join(keep.columns)}) SELECT * FROM _f")  # noqa: S608
            con.unregister("_f")
    fake_roster(con, months)
    warnings += survey.derive(con, ctx)
    return con, warnings


@pytest.fixture(scope="module")
def vault_ctx(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> LoadContext:
    """A vault that knows the first 50 e-mails found in the 2025 export."""
    df = pd.read_csv(raw_dir / "survey" / "moda_it_competency_2025.csv", dtype=str, encoding="utf-8-sig")
    emails = [e for e in df["聯絡資訊(EMAIL、電話等...)"].dropna() if "@" in e][:50]
    vault = IdentityVault(tmp_path_factory.mktemp("vault") / "v.parquet")
    vault.update(
        pd.DataFrame({"email": emails, "staff_key": [hashlib.sha256(e.encode()).hexdigest() for e in emails]})
    )
    return LoadContext(secret=b"test-secret", vault=vault)


@pytest.fixture(scope="module")
def db(
    raw_dir: Path, vault_ctx: LoadContext, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[duckdb.DuckDBPyConnection, list[str]]]:
    files = [
        raw_dir / "survey" / "moda_it_competency_2025.xlsx",
        raw_dir / "survey" / "moda_it_competency_2026.csv",
    ]
    con, warnings = build_db(
        tmp_path_factory.mktemp("wh") / "s.duckdb", files, vault_ctx, ["2025-03-01", "2026-04-01"]
    )
    yield con, warnings
    con.close()


# ------------------------------------------------------------------ acceptance SQL (issue 3)
SCORES_SQL = """
WITH own AS (
    SELECT r.gov_level, r.tier, p.category, p.competency_code, p.points
    FROM survey_respondent r
    JOIN survey_competency_points p USING (wave, respondent_id)
    WHERE r.wave = '2025' AND p.part_tier = r.tier
)
SELECT 'national' AS scope, tier, category, competency_code, avg(points) AS score, count(*) AS n
FROM own GROUP BY ALL
UNION ALL
SELECT gov_level, tier, category, competency_code, avg(points), count(*) FROM own GROUP BY ALL
"""


def acceptance_checks(con: duckdb.DuckDBPyConnection) -> None:
    """Plain SQL over the warehouse reproduces Tables 19-22 (+-0.005), 14 and 18 exactly."""
    got = con.execute(SCORES_SQL).fetchdf()
    comp = pd.read_csv(REF / "competencies.csv")
    code_of = dict(zip(comp["name_zh"], comp["code"], strict=True))
    pub = pd.read_csv(REF / "competency_scores_tables19_22.csv")
    key = {(r.scope, r.tier, r.category, r.competency_code): (r.score, r.n) for r in got.itertuples()}
    for r in pub.itertuples():
        code = (
            "it_project_mgmt"
            if (r.tier == "basic" and r.competency_zh == "系統開發專案管理")
            else code_of[r.competency_zh]
        )
        score, n = key[(r.scope, r.tier, r.category, code)]
        assert n == r.tier_n, (r.scope, r.tier, code)
        assert abs(score - r.score) <= 0.005 + 1e-9, (r.scope, r.tier, r.category, code, score, r.score)
    t14 = dict(
        con.execute(
            """SELECT 'central', count(*) FILTER (WHERE gov_level = 'central') FROM survey_respondent WHERE wave = '2025'
               UNION ALL SELECT 'local', count(*) FILTER (WHERE gov_level IN ('municipal', 'county')) FROM survey_respondent WHERE wave = '2025'
               UNION ALL SELECT rank_class, count(*) FROM survey_respondent WHERE wave = '2025' GROUP BY rank_class
               UNION ALL SELECT 'sup_' || is_supervisor, count(*) FROM survey_respondent WHERE wave = '2025' GROUP BY is_supervisor
               UNION ALL SELECT personnel_type, count(*) FROM survey_respondent WHERE wave = '2025' GROUP BY personnel_type"""
        ).fetchall()
    )
    assert t14 == {
        "central": 1056, "local": 1129, "elementary": 619, "junior": 1477, "senior": 89, "sup_true": 298,
        "sup_false": 1887, "it_series": 990, "non_it_series": 750, "contract": 445,
    }  # fmt: skip
    t18 = pd.read_csv(REF / "workgroup_tier_table18.csv")
    t18 = t18[(t18["workgroup_en"] != "total") & (t18["tier"] != "total")]
    counts = con.execute(
        """SELECT coalesce(workgroup, 'none') AS g, tier, count(*) AS n FROM survey_respondent
           WHERE wave = '2025' GROUP BY ALL"""
    ).fetchdf()
    cnt = {(r.g, r.tier): r.n for r in counts.itertuples()}
    for r in t18.itertuples():
        assert cnt[(r.workgroup_en, r.tier)] == r.actual
    assert (cnt[("none", "basic")], cnt[("none", "middle")], cnt[("none", "senior")]) == (41, 3, 8)


def test_acceptance_sql_on_own_warehouse(db: tuple[duckdb.DuckDBPyConnection, list[str]]) -> None:
    acceptance_checks(db[0])


def test_k_mismatch_warning(db: tuple[duckdb.DuckDBPyConnection, list[str]]) -> None:
    warnings = db[1]
    assert any("part 1-2 management: printed top-3 but answered with ranks up to 5" in w for w in warnings)
    k = (
        db[0]
        .execute(
            "SELECT DISTINCT k FROM survey_competency_points WHERE part_tier = 'middle' AND category = 'management'"
        )
        .fetchall()
    )
    assert k == [(5,)]


def test_points_are_borda(db: tuple[duckdb.DuckDBPyConnection, list[str]]) -> None:
    bad = (
        db[0]
        .execute(
            """SELECT count(*) FROM survey_competency_points
           WHERE points <> CASE WHEN rank IS NULL THEN 0 ELSE k + 1 - rank END"""
        )
        .fetchone()
    )
    assert bad == (0,)


def test_derived_groups_match_truth(db: tuple[duckdb.DuckDBPyConnection, list[str]], raw_dir: Path) -> None:
    con = db[0]
    for wave in ("2025", "2026"):
        derived = con.execute(
            "SELECT respondent_id, workgroup FROM survey_workgroup_assignment WHERE wave = $w AND method = 'pca_kmeans'",
            {"w": wave},
        ).fetchdf()
        truth = pd.read_csv(raw_dir / "truth" / f"survey_workgroup_truth_{wave}.csv", dtype=str)
        m = truth.merge(derived, on="respondent_id", suffixes=("_truth", "_derived"))
        assert len(m) == len(truth)
        ari = adjusted_rand_score(m["workgroup_truth"], m["workgroup_derived"])
        assert ari >= 0.80, (wave, ari)
    src = con.execute(
        "SELECT DISTINCT workgroup_source FROM survey_respondent WHERE wave = '2026'"
    ).fetchall()
    assert src == [(workgroups.SOURCE,)] and workgroups.SOURCE.startswith("derived:pca_kmeans@")
    kept = con.execute(
        "SELECT count(*) FROM survey_respondent WHERE wave = '2025' AND workgroup_source LIKE 'derived%'"
    ).fetchone()
    assert kept == (0,)  # the supplied 2025 groups stay (Table 18)


def test_raking_reproduces_roster_margins(db: tuple[duckdb.DuckDBPyConnection, list[str]]) -> None:
    con = db[0]
    for wave, month in (("2025", "2025-03-01"), ("2026", "2026-04-01")):
        cells = con.execute(survey_sql("roster_margins"), {"month": month}).fetchdf()
        from etl.feeds.survey_derive import RAKE_VARS, population_margins

        margins = population_margins(cells)
        resp = con.execute(
            """SELECT gov_level, rank_class, CASE WHEN is_supervisor THEN 'supervisor' ELSE 'non_supervisor' END AS supervisor,
                      personnel_type, weight FROM survey_respondent WHERE wave = $w""",
            {"w": wave},
        ).fetchdf()
        for var in RAKE_VARS:
            got = resp.groupby(var)["weight"].sum()
            for cat, target in margins[var].items():
                assert abs(got[cat] - target) / target < 1e-6, (wave, var, cat, got[cat], target)
        assert abs(resp["weight"].sum() - 8172) < 1e-3
        n, n_eff, method = con.execute(
            "SELECT n_responses, kish_n_eff, weight_method FROM survey_wave WHERE wave = $w", {"w": wave}
        ).fetchone()  # type: ignore[misc]
        w = resp["weight"].to_numpy()
        assert n == len(resp)
        assert n_eff == pytest.approx(w.sum() ** 2 / (w**2).sum())
        assert 0.2 * n < n_eff < n
        assert method.startswith("raking(gov_level,rank_class,supervisor,personnel_type)")
    # Central staff are under-represented in the sample (48.3% vs 68.1%): their weights are larger.
    mean_w = dict(
        con.execute(
            "SELECT gov_level, avg(weight) FROM survey_respondent WHERE wave = '2025' GROUP BY 1"
        ).fetchall()
    )
    assert mean_w["central"] > mean_w["municipal"]


def survey_sql(name: str) -> str:
    from etl.feeds.survey_derive import sql

    return sql(name)


def test_no_roster_month_keeps_weight_one(raw_dir: Path, vault_ctx: LoadContext, tmp_path: Path) -> None:
    con, warnings = build_db(
        tmp_path / "x.duckdb", [raw_dir / "survey" / "moda_it_competency_2026.csv"], vault_ctx, ["2025-03-01"]
    )
    try:
        assert any("no roster month 2026-04-01" in w for w in warnings)
        w = con.execute("SELECT min(weight), max(weight), count(*) FROM survey_respondent").fetchone()
        n, n_eff, method = con.execute(
            "SELECT n_responses, kish_n_eff, weight_method FROM survey_wave"
        ).fetchone()  # type: ignore[misc]
        assert w is not None and w[0] == w[1] == 1.0 and n == w[2] and n_eff == n
        assert method.startswith("none")
    finally:
        con.close()


def test_derive_is_idempotent(
    db: tuple[duckdb.DuckDBPyConnection, list[str]], vault_ctx: LoadContext
) -> None:
    con = db[0]
    before = con.execute("SELECT count(*), sum(weight) FROM survey_respondent").fetchone()
    n_assign = con.execute("SELECT count(*) FROM survey_workgroup_assignment").fetchone()
    survey.derive(con, vault_ctx)
    assert con.execute("SELECT count(*) FROM survey_workgroup_assignment").fetchone() == n_assign
    after = con.execute("SELECT count(*), sum(weight) FROM survey_respondent").fetchone()
    assert before is not None and after is not None
    assert before[0] == after[0] and after[1] == pytest.approx(before[1])
    assert con.execute("SELECT count(*) FROM survey_wave").fetchone() == (2,)


def test_no_raw_identifiers_and_staff_keys(db: tuple[duckdb.DuckDBPyConnection, list[str]]) -> None:
    con = db[0]
    df = con.execute("SELECT * FROM survey_respondent").fetchdf()
    for c in df.columns:
        # workgroup_source legitimately reads 'derived:pca_kmeans@<version>'; no e-mail may appear anywhere.
        assert (
            not df[c]
            .astype(str)
            .str.contains(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}", regex=True)
            .any()
        ), c
    keys = df["staff_key"].dropna()
    assert len(keys) == 50  # the vault knows 50 e-mails of the 2025 export
    assert keys.str.fullmatch(r"[0-9a-f]{64}").all()


def test_acceptance_sql_on_demo_warehouse(demo_warehouse: Path, demo_raw_dir: Path) -> None:
    """The same plain SQL over the pipeline-built demo warehouse (issue 3 acceptance)."""
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    try:
        acceptance_checks(con)
        waves = con.execute("SELECT wave, n_responses, kish_n_eff FROM survey_wave ORDER BY wave").fetchall()
        assert [w[0] for w in waves] == ["2025", "2026"] and waves[0][1] == 2185
        assert all(0 < w[2] < w[1] for w in waves)  # raked to the demo roster: n_eff below n
        derived = con.execute(
            "SELECT respondent_id, workgroup FROM survey_workgroup_assignment WHERE wave = '2025' AND method = 'pca_kmeans'"
        ).fetchdf()
        truth = pd.read_csv(demo_raw_dir / "truth" / "survey_workgroup_truth_2025.csv", dtype=str)
        m = truth.merge(derived, on="respondent_id", suffixes=("_truth", "_derived"))
        assert adjusted_rand_score(m["workgroup_truth"], m["workgroup_derived"]) >= 0.80
    finally:
        con.close()
