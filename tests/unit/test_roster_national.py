"""National layout (one full snapshot + monthly change records) at a reduced size: the folded
history reproduces the generator's truth month by month and Table 13 at 2025-03."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.context import IdentityVault, LoadContext
from etl.feeds import roster as feed
from etl.synth import SynthContext
from etl.synth import roster as gen

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def national(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, pd.DataFrame, duckdb.DuckDBPyConnection]:
    out = tmp_path_factory.mktemp("roster-national")
    mp = pytest.MonkeyPatch()
    mp.setattr(gen, "NATIONAL_GENERAL_STAFF", 4000)  # the real profile has ~352,000
    try:
        ctx = SynthContext(profile="national", seed=11, out=out)
        gen.generate(ctx)
    finally:
        mp.undo()
    people: pd.DataFrame = ctx.shared["roster_people"]
    lctx = LoadContext(secret=b"national-test", vault=IdentityVault(out / "vault.parquet"))
    con = duckdb.connect()
    con.execute((ROOT / "etl" / "sql" / "000_schema.sql").read_text(encoding="utf-8")).fetchall()
    for path in sorted((out / "roster").glob("*.csv")):
        res = feed.parse(path, lctx)
        assert not res.quarantine, (path.name, res.quarantine[:3])
        for table, frame in res.tables.items():
            if table.startswith("_") or frame.empty:
                continue
            con.register("frame", frame)
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {table} AS SELECT *, CAST(NULL AS VARCHAR) AS load_id FROM frame LIMIT 0"
            ).fetchall()
            con.execute(f"INSERT INTO {table} BY NAME SELECT *, 'N' AS load_id FROM frame").fetchall()
            con.unregister("frame")
    feed.derive(con, lctx)
    return out, people, con


def test_layout_is_one_snapshot_and_45_change_files(
    national: tuple[Path, pd.DataFrame, duckdb.DuckDBPyConnection],
) -> None:
    out, _, _ = national
    names = sorted(p.name for p in (out / "roster").glob("*.csv"))
    assert names[0] == "webhr_changes_202302.csv" and names[-1] == "webhr_roster_202301.csv"
    assert sum(n.startswith("webhr_changes_") for n in names) == 45
    kinds = pd.concat(
        pd.read_csv(p, dtype=str, keep_default_na=False, encoding="cp950", usecols=["異動類別"])
        for p in (out / "roster").glob("webhr_changes_*.csv")
    )["異動類別"].value_counts()
    assert {"新進", "離職", "退休", "升等", "調動", "留職停薪", "復職"} <= set(kinds.index)


def test_history_matches_the_generator_truth_every_month(
    national: tuple[Path, pd.DataFrame, duckdb.DuckDBPyConnection],
) -> None:
    _, people, con = national
    got = dict(con.execute("SELECT month, count(*) FROM staff_month GROUP BY 1").fetchall())
    assert len(got) == 46
    for month in gen.MONTHS:
        m = month
        gap = people["gap_start"].notna() & (people["gap_start"] <= m) & (people["gap_end"] >= m)
        active = (
            (people["first_month"] <= m) & (people["last_month"].isna() | (people["last_month"] >= m)) & ~gap
        )
        assert got[month.date()] == int(active.sum()), month


def test_direct_it_at_2025_03_is_table13(
    national: tuple[Path, pd.DataFrame, duckdb.DuckDBPyConnection],
) -> None:
    _, _, con = national
    rows = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE gov_level = 'central'), count(*) FILTER (WHERE is_supervisor), "
        "count(*) FILTER (WHERE rank_class = 'unknown'), count(*) FILTER (WHERE personnel_type = 'contract'), "
        "count(*) FILTER (WHERE personnel_type = 'unknown') "
        "FROM staff_month WHERE month = DATE '2025-03-01' AND is_direct_it"
    ).fetchall()
    assert rows == [(8172, 5565, 1210, 244, 1129, 155)]
    others = con.execute(
        "SELECT count(*), count(DISTINCT personnel_type) FROM staff_month WHERE month = DATE '2025-03-01' AND NOT is_direct_it"
    ).fetchall()[0]
    assert 3500 < others[0] < 4500 and others[1] >= 2
