"""/report-tables as a skeleton filled by one callback per table (issue 5's callback budget).

- The dict-lookup builders (services.report_tables.build_report_tables / build_workgroup_tables,
  competition_rank) equal the pandas merge/groupby formulation they replaced, kept here as the
  oracle, on the demo warehouse (suppressed and not, both waves) and on edge cases.
- Through Dash's HTTP protocol (benchmarks.dashclient, demo warehouse, output cache on): the
  layout carries no table; the first call fills the summary and all seven tables, each from its
  own callback; each table shows exactly what its download contains; the comparison beside a
  table is its row of the summary; cached replies equal uncached ones and never mix tables up;
  changing the wave changes the tables.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import numpy as np
import pandas as pd
import pytest
from plotly.io.json import to_json_plotly

from benchmarks.dashclient import DashSession, FlaskTransport, iter_components, login
from dashboard import cache as cache_mod
from dashboard import db
from dashboard.filters import Filters
from dashboard.scope import Scope
from dashboard.services import report_tables as rt
from tests.markup import is_markup, markup_texts, tables_in

PLANNER = Scope(role="planner", user="p", agencies=None)
UNSUPPRESSED = Scope(role="planner", user="p", agencies=None, unsuppressed=True)


# --------------------------------------------------------------------------- the oracle
def reference_rank(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    return df["score"].round(2).groupby([df[k] for k in keys]).rank(method="min", ascending=False)


def reference_report_table(all_live: pd.DataFrame, table_scope: str) -> pd.DataFrame:
    live = all_live[all_live["scope"] == table_scope]
    grid = rt.published_grid(table_scope).merge(
        live[["tier", "category", "competency_code", "n", "score", "rank", "suppressed"]],
        on=["tier", "category", "competency_code"],
        how="left",
    )
    grid.loc[~grid["asked"], ["score", "rank"]] = np.nan
    grid["diff"] = grid["score"].round(2) - grid["published_score"]
    grid["abs_diff_raw"] = (grid["score"] - grid["published_score"]).abs()
    grid["rank_match"] = grid["rank"] == grid["published_rank"]
    grid["suppressed"] = grid["suppressed"].astype("boolean").fillna(False).astype(bool)
    return grid


def reference_workgroup_table(all_live: pd.DataFrame, category: str) -> pd.DataFrame:
    live = all_live[all_live["category"] == category]
    keys = ["tier", "workgroup"]
    out = rt.published_workgroup_grid(category)
    pub_pos = out[[*keys, "published_code", "position"]].rename(
        columns={"published_code": "competency_code", "position": "pub_position"}
    )
    visible = live[live["score"].notna()].merge(pub_pos, on=[*keys, "competency_code"], how="left")
    visible = visible.assign(
        rounded=visible["score"].round(2), pub_position=visible["pub_position"].fillna(99)
    ).sort_values(
        [*keys, "rounded", "pub_position", "competency_code"], ascending=[True, True, False, True, True]
    )
    visible = visible.assign(position=visible.groupby(keys).cumcount() + 1)
    out = out.merge(
        visible[[*keys, "position", "competency_code"]].rename(columns={"competency_code": "live_code"}),
        on=[*keys, "position"],
        how="left",
    )
    out = out.merge(
        live[[*keys, "competency_code", "score"]].rename(
            columns={"competency_code": "published_code", "score": "live_score"}
        ),
        on=[*keys, "published_code"],
        how="left",
    )
    out = out.merge(live.groupby(keys, as_index=False)["n"].max(), on=keys, how="left")
    out["list_match"] = (
        (out["live_code"] == out["published_code"]).groupby([out[k] for k in keys]).transform("all")
    )
    out["hidden"] = ~out["live_code"].notna().groupby([out[k] for k in keys]).transform("any")
    out["list_exception"] = [
        rt.LIST_EXCEPTIONS.get((category, str(t), str(w)), "")
        for t, w in zip(out["tier"], out["workgroup"], strict=True)
    ]
    out["mean_exception"] = [
        rt.mean_exception(category, str(t), str(w), str(c)) if isinstance(c, str) else ""
        for t, w, c in zip(out["tier"], out["workgroup"], out["published_code"], strict=True)
    ]
    return out


def _equal(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        ours.reset_index(drop=True), theirs.reset_index(drop=True), check_dtype=False, check_exact=True
    )


@pytest.fixture
def configured(demo_warehouse: Path) -> Iterator[None]:
    saved = cache_mod._backend
    cache_mod.disable_cache()
    db.configure(demo_warehouse)
    yield
    cache_mod._backend = saved


@pytest.mark.parametrize("scope", [PLANNER, UNSUPPRESSED], ids=["suppressed", "unsuppressed"])
@pytest.mark.parametrize("wave", ["2025", "2026"])
def test_builders_equal_the_merge_formulation_on_demo(configured: None, scope: Scope, wave: str) -> None:
    f = rt.report_filters(scope, Filters(wave=wave))
    live, wg = rt.live_scores(scope, f), rt.workgroup_scores(scope, f)
    assert live["rank"].equals(reference_rank(live, ["scope", "tier", "category"]).rename("rank"))
    everything = rt.build_report_tables(live)
    for table_scope in rt.SCOPE_TABLES:
        want = reference_report_table(live, table_scope)
        _equal(rt.build_report_table(live, table_scope), want)
        part = everything[everything["scope"] == table_scope].drop(columns=["scope"])
        _equal(part, want)
    groups = rt.build_workgroup_tables(wg)
    for category in rt.WORKGROUP_TABLES:
        want = reference_workgroup_table(wg, category)
        _equal(rt.build_workgroup_table(wg, category), want)
        _equal(groups[groups["category"] == category].drop(columns=["category"]), want)
    # The summary is the per-table summaries of those frames, and its two parts (the page's two
    # summary callbacks) are its rows of Tables 19-22 and 23-25.
    whole = rt.report_tables_summary(scope, f)
    parts = [rt.report_tables_summary_part(scope, f, part) for part in rt.SUMMARY_PARTS]
    assert list(parts[0]["table"]) == [19, 20, 21, 22] and list(parts[1]["table"]) == [23, 24, 25]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)
    s = whole.set_index("table")
    for table_scope, number in rt.SCOPE_TABLES.items():
        assert rt.table_summary(reference_report_table(live, table_scope), number) == pytest.approx(
            {k: s.loc[number, k] for k in s.columns if k != "scope"}, nan_ok=True
        )
    for category, number in rt.WORKGROUP_TABLES.items():
        assert rt.table_summary(reference_workgroup_table(wg, category), number) == pytest.approx(
            {k: s.loc[number, k] for k in s.columns if k != "scope"}, nan_ok=True
        )
    if not scope.unsuppressed and wave == "2025":  # project management seniors, N = 8
        assert bool(live["suppressed"].any()) and bool(wg["suppressed"].any()), "the demo has small cells"


def test_competition_rank_equals_pandas_min_rank_with_ties_and_gaps() -> None:
    rng = np.random.default_rng(5)
    df = pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], 400),
            "h": rng.choice(["x", "y"], 400),
            # Coarse values: many ties at two decimals, some of them only after rounding.
            "score": rng.integers(0, 40, 400) / 16 + rng.choice([0, 0.001, -0.001], 400),
        }
    )
    df.loc[rng.choice(400, 40, replace=False), "score"] = np.nan
    got = rt.competition_rank(df, ["g", "h"])
    assert got.equals(reference_rank(df, ["g", "h"]))
    assert got.isna().sum() == 40
    assert (got.dropna() >= 1).all() and got.max() < 400


def test_workgroup_builder_equals_the_merge_formulation_on_edge_cases() -> None:
    means = rt.published_workgroup_means()
    live = means.rename(columns={"mean_score": "score"})[
        ["workgroup", "tier", "category", "competency_code", "score"]
    ]
    live = live.assign(n=40, suppressed=False)
    # A tie at two decimals (published order decides), a hidden cell, a list out of order, and
    # a cell whose n differs by competency.
    sel = (
        (live["workgroup"] == "project_management")
        & (live["tier"] == "middle")
        & (live["category"] == "management")
    )
    live.loc[sel & (live["competency_code"] == "it_performance"), "score"] = 2.146
    live.loc[sel & (live["competency_code"] == "it_req_analysis"), "score"] = 2.154
    hide = (live["workgroup"] == "non_core") & (live["tier"] == "senior")
    live.loc[hide, ["score", "n"]] = np.nan
    live.loc[hide, "suppressed"] = True
    swap = (
        (live["workgroup"] == "hardware_maintenance")
        & (live["tier"] == "basic")
        & (live["category"] == "common")
    )
    live.loc[swap & (live["competency_code"] == "it_basic_work"), "score"] = 0.5
    live.loc[(live["workgroup"] == "system_planning") & (live["tier"] == "basic"), "n"] = [41] + [40] * int(
        ((live["workgroup"] == "system_planning") & (live["tier"] == "basic")).sum() - 1
    )
    for category in rt.WORKGROUP_TABLES:
        ours = rt.build_workgroup_table(live, category)
        _equal(ours, reference_workgroup_table(live, category))
        assert ours[(ours["workgroup"] == "non_core") & (ours["tier"] == "senior")]["hidden"].all()
    common = rt.build_workgroup_table(live, "common")
    cell = common[(common["workgroup"] == "hardware_maintenance") & (common["tier"] == "basic")]
    assert not cell["list_match"].any()
    assert rt.workgroup_summary(common)["rank_mismatches"] == 1
    assert rt.workgroup_summary(common)["cells_hidden"] == 1


# --------------------------------------------------------------------------- through Dash
# Dash loads the page modules as `pages.<name>`; a test that imports `dashboard.pages.<name>`
# registers the same path twice in the process, and Dash's router then refuses every request.
# So the session runs in a fresh interpreter (this file as a script) and reports JSON.


def _texts(node: Any) -> list[str]:
    out: list[str] = []
    for comp in iter_components(node):
        children = comp.get("props", {}).get("children")
        if is_markup(children):
            out += markup_texts(children)
        elif isinstance(children, str):
            out.append(children)
        elif isinstance(children, list):
            out += [c for c in children if isinstance(c, str)]
    return out


def _cells(node: Any) -> list[list[str]]:
    """The body rows of the tables in `node`, as text."""
    rows = []
    for comp in iter_components(node):
        if comp.get("type") == "Tr":
            tds = [
                c
                for c in comp["props"].get("children") or []
                if isinstance(c, dict) and c.get("type") == "Td"
            ]
            if tds:
                rows.append([str(td["props"].get("children")) for td in tds])
    for table in tables_in(node):  # the tables themselves are one markup component each
        rows += table["rows"]
    return rows


def _outputs(sess: DashSession) -> dict[str, Any]:
    keys = ["report-tables-summary-scopes", "report-tables-summary-workgroups"] + [
        f"report-tables-t{n}-{w}" for n in range(19, 26) for w in ("box", "side")
    ]
    return {k: sess.index[k].get("children") for k in keys}


def session_report(warehouse: Path) -> dict[str, Any]:
    """Open /report-tables through Dash's HTTP protocol as a planner (output cache on): the
    skeleton's ids, every callback's status, the outputs after the first call, after a second
    (cached) load and after choosing wave 2026, and what each table's download contains."""
    import sys

    from benchmarks.callbacks import make_app

    app = make_app(warehouse, Path(tempfile.mkdtemp(prefix="rt-cb-")))
    page = sys.modules["dashboard.pages.report_tables"]  # the module Dash registered
    with app.server.test_request_context("/"):
        flask.g.dashboard_scope = PLANNER
        skeleton = json.loads(to_json_plotly(page._layout()))
        f = rt.report_filters(PLANNER, Filters())
        frames = {n: page.table_frame(PLANNER, f, n, "zh").astype(str).values.tolist() for n in page.TABLES}
        summary = rt.report_tables_summary(PLANNER, f)
    transport = FlaskTransport(app.server)
    login(transport, "planner")
    cache_mod.clear_cache()
    sess = DashSession(transport)
    records = sess.load("/report-tables")
    first = _outputs(sess)
    again = DashSession(transport)
    again_records = again.load("/report-tables")
    wave_id = next(k for k in sess.index if '"field":"wave"' in k)
    wave_records = sess.set_value(wave_id, "value", "2026")
    return {
        "skeleton_ids": [c["props"].get("id") for c in iter_components(skeleton) if c["props"].get("id")],
        "records": [[r.output, r.status] for r in records + again_records + wave_records],
        "wave_outputs": [r.output for r in wave_records],
        "errors": sess.errors + again.errors,
        "first": first,
        "again": _outputs(again),
        "changed": _outputs(sess),
        "frames": {str(n): rows for n, rows in frames.items()},
        "summary": json.loads(summary.to_json(orient="records")),
    }


@pytest.fixture(scope="module")
def report(demo_warehouse: Path) -> dict[str, Any]:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.test_s3_report_tables_callbacks", str(demo_warehouse)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


TABLES = (19, 20, 21, 22, 23, 24, 25)


def test_layout_is_a_skeleton(report: dict[str, Any]) -> None:
    ids = {i for i in report["skeleton_ids"] if isinstance(i, str)}
    for number in TABLES:
        # Every card with its download controls; the table and comparison come from callbacks.
        assert {
            f"report-tables-card-{number}",
            f"report-tables-t{number}-box",
            f"report-tables-t{number}-side",
            f"report-tables-t{number}-download-btn",
        } <= ids, number
        assert f"report-tables-t{number}" not in ids
    # The summary table's caption and header are static; its two row groups are filled.
    assert {
        "report-tables-summary",
        "report-tables-summary-scopes",
        "report-tables-summary-workgroups",
    } <= ids


def test_first_call_fills_every_table_from_its_own_callback(report: dict[str, Any]) -> None:
    assert not report["errors"], report["errors"]
    assert all(status == 200 for _, status in report["records"]), report["records"]
    outputs = [o for o, _ in report["records"]]
    for number in TABLES:
        mine = [o for o in outputs if f"report-tables-t{number}-box.children" in o]
        assert mine and all(
            f"report-tables-t{other}-box" not in o for o in mine for other in TABLES if other != number
        )
    for part in ("scopes", "workgroups"):
        assert any(f"report-tables-summary-{part}.children" in o for o in outputs), part
    assert all(report["first"].values()), [k for k, v in report["first"].items() if not v]


def test_each_table_shows_its_download_and_its_summary_row(report: dict[str, Any]) -> None:
    first = report["first"]
    summary = {row["table"]: row for row in report["summary"]}
    summary_rows = _cells(first["report-tables-summary-scopes"]) + _cells(
        first["report-tables-summary-workgroups"]
    )
    assert [int(r[0]) for r in _cells(first["report-tables-summary-scopes"])] == [19, 20, 21, 22]
    assert [int(r[0]) for r in summary_rows] == list(TABLES)
    for i, number in enumerate(TABLES):
        shown = _cells(first[f"report-tables-t{number}-box"])
        assert shown == report["frames"][str(number)], number
        side = " ".join(_texts(first[f"report-tables-t{number}-side"]))
        diff = summary[number]["max_abs_diff"]
        assert f"{diff:.3f}" in side and summary_rows[i][4] == f"{diff:.3f}", (number, side)
        assert re.search(rf"\b{int(summary[number]['rank_mismatches'])}\b", side), side
        if summary[number]["explained"]:
            assert summary[number]["explained_by"] in side
    # The demo's small cells (project management seniors) are hidden and said so.
    assert "已隱藏" in " ".join(c for row in _cells(first["report-tables-t23-box"]) for c in row)
    assert "隱藏" in " ".join(_texts(first["report-tables-t23-side"]))


def test_cached_replies_equal_uncached_and_a_wave_change_refreshes(report: dict[str, Any]) -> None:
    assert report["again"] == report["first"]
    for number in TABLES:
        assert any(f"report-tables-t{number}-box.children" in o for o in report["wave_outputs"]), number
        assert (
            report["changed"][f"report-tables-t{number}-box"]
            != report["first"][f"report-tables-t{number}-box"]
        )
    for part in ("scopes", "workgroups"):
        key = f"report-tables-summary-{part}"
        assert report["changed"][key] != report["first"][key], part


if __name__ == "__main__":
    import sys

    print(json.dumps(session_report(Path(sys.argv[1]))))
