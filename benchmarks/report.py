"""Render benchmark JSON results as the Markdown tables of docs/performance.md."""

from __future__ import annotations

from typing import Any


def _mib(b: Any) -> str:
    return "–" if b is None else f"{b / 2**20:.2f} MiB"


def _kib(b: Any) -> str:
    return "–" if b is None else f"{b / 1024:.1f} KiB"


def _v(x: Any, fmt: str = "{}") -> str:
    return "–" if x is None else fmt.format(x)


def _ok(flag: bool) -> str:
    return "yes" if flag else "**no**"


def machine_md(m: dict[str, Any]) -> str:
    v = m.get("versions", {})
    return (
        f"{m.get('cpu', '?')}, {m.get('cores')} cores, {m.get('ram_gib')} GiB RAM, Linux {m.get('kernel')}, "
        f"Python {m.get('python')}, DuckDB {v.get('duckdb')}, pandas {v.get('pandas')}, Dash {v.get('dash')}; "
        f"commit {m.get('git_commit')}, {m.get('utc')}, load average at start {tuple(round(x, 1) for x in m.get('load_avg_at_start', ()))}"
    )


def etl_md(etl: dict[str, Any]) -> str:
    lines = []
    gen = etl.get("generate", {})
    if not gen.get("reused"):
        rows = ", ".join(f"{k} {n:,}" for k, n in sorted(gen.get("rows_per_feed", {}).items()))
        lines.append(
            f"Generation (`python -m etl synth --profile {etl['profile']}`): **{gen.get('wall_s')} s** "
            f"(CPU {gen.get('user_s')} s user + {gen.get('sys_s')} s system), "
            f"peak RSS **{gen.get('peak_rss_mib')} MiB**, {gen.get('raw_bytes', 0) / 2**20:.1f} MiB of raw files; rows: {rows}."
        )
    b = etl.get("build", {})
    lines.append(
        f"\nFull build (`python -m etl build`): **{b.get('wall_s')} s** wall (CPU {b.get('user_s')} s user + "
        f"{b.get('sys_s')} s system), peak RSS **{b.get('peak_rss_mib')} MiB**, "
        f"warehouse {_mib(b.get('warehouse_bytes'))}."
    )
    lines.append(
        "\n| feed | rows loaded | parse + insert in the full build (s) | alone: wall (s) | alone: CPU (s) "
        "| alone: parse + insert / derive / marts / audits (s) | alone: peak RSS, process / with workers (MiB) |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|")
    per = etl.get("per_feed", {})
    for feed in ("roster", "survey", "selfassessment", "badges", "roster+badges"):
        alone = per.get(feed, {})
        if feed == "roster+badges" and not alone:
            continue
        rows = sum(b.get("rows_loaded_per_feed", {}).get(f, 0) for f in feed.split("+"))
        in_build = sum(b.get("feed_seconds", {}).get(f, 0.0) for f in feed.split("+"))
        steps = alone.get("step_seconds", {})
        parts = (
            sum(alone.get("feed_seconds", {}).values()),
            sum(v for k, v in steps.items() if k.startswith("derive:")),
            steps.get("marts"),
            steps.get("audits"),
        )
        split = " / ".join(_v(round(x, 1) if isinstance(x, float) else x) for x in parts) if steps else "–"
        cpu = round(alone["user_s"] + alone["sys_s"], 1) if "user_s" in alone else None
        lines.append(
            f"| {feed} | {rows:,} | {_v(round(in_build, 3))} | {_v(alone.get('wall_s'))} | {_v(cpu)} | {split} | "
            f"{_v(alone.get('peak_rss_mib'))} / {_v(alone.get('tree_peak_rss_mib'))} |"
        )
    steps = ", ".join(f"{k} {v} s" for k, v in b.get("step_seconds", {}).items())
    lines.append(f"\nBuild steps: {steps}.")
    lines.append(
        '\n"Alone" is each feed in its own child process: the roster as a build of a folder holding only '
        "the roster, every other feed as `python -m etl load` into a copy of that roster warehouse "
        "(a load re-runs only the marts that read what it changed), and roster+badges as one build "
        'of a folder holding those two feeds. "With workers" sums the process and its parse '
        "workers, sampled every 0.2 s."
    )
    return "\n".join(lines)


def queries_md(q: dict[str, Any]) -> str:
    """Each service query as services get it (Warehouse.query: DuckDB, or memory for the reference
    lookups) against its pandas twin; the SQL's own time on DuckDB alongside."""
    lines = [
        "| query | rows | served from | ours (ms) | SQL on DuckDB (ms) | pandas twin (ms) | ours / pandas | speed-up | same result | ≥ 5× |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, e in sorted(q["queries"].items()):
        if "error" in e:
            lines.append(f"| {name} | error: {e['error'][:80]} | | | | | | | | |")
            continue
        ours = e.get("ours_ms", e.get("duckdb_ms"))  # runs before 2026-11-22 called it duckdb_ms
        head = f"| {name} | {e['rows']} | {e.get('served', 'duckdb')} | {ours} | {e.get('sql_ms', ours)} |"
        if e.get("speedup") is None:
            lines.append(f"{head} no twin | | | | |")
            continue
        lines.append(
            f"{head} {e['pandas_ms']} | {e['ratio_ours_over_pandas']} | "
            f"{e['speedup']}× | {_ok(e['equal'])} | {_ok(e['speedup'] >= 5)} |"
        )
    return "\n".join(lines)


def callbacks_md(c: dict[str, Any]) -> str:
    lines = [
        "| callback (outputs) | requests | uncached p50 / p95 (ms) | cached p50 / p95 (ms) | largest response (wire / raw) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, e in sorted(c["callbacks"].items()):
        short = name.strip(".").split("...")[0]
        more = name.count("...")
        label = f"`{short}`" + (f" +{more}" if more else "")
        lines.append(
            f"| {label} | {e['requests']} | {e['uncached_ms']['p50']} / **{e['uncached_ms']['p95']}** | "
            f"{e['cached_ms']['p50']} / **{e['cached_ms']['p95']}** | "
            f"{_kib(e['response_wire_bytes_max'])} / {_kib(e['response_bytes_max'])} |"
        )
    s = c["summary"]
    lines.append(
        f"\nWorst p95: uncached **{s['worst_uncached_p95_ms']} ms**, cached **{s['worst_cached_p95_ms']} ms**; "
        f"largest response {_kib(s['largest_response_wire_bytes'])} on the wire, {_kib(s['largest_response_bytes'])} uncompressed. "
        f"Exploration: {c['explored_requests']} callback requests over {len(c['pages'])} pages, "
        f"{len(c['explore_errors'])} errors."
    )
    w = c.get("first_load_http", {})
    if w:
        lines.append(
            f"\nFirst load over HTTP (page `{w['page']}`: HTML, the scripts and styles it names, layout, dependencies, "
            f"initial callbacks; {w['requests']} requests): **{_mib(w['wire_bytes'])} compressed**, "
            f"{_mib(w['uncompressed_bytes'])} uncompressed."
        )
    return "\n".join(lines)


def browser_md(b: dict[str, Any]) -> str:
    if "error" in b:
        return f"Browser first load failed: {b['error']}"
    if "skipped" in b:
        return f"Browser first load: skipped ({b['skipped']})."
    largest = ", ".join(f"`{x['url'].split('?')[0][-60:]}` {_kib(x['wire_bytes'])}" for x in b["largest"][:4])
    return (
        f"Headless Chromium, first load of `{b['page']}` after sign-in, cold cache: **{_mib(b['wire_bytes'])}** over "
        f"{b['requests']} requests (plotly.js included), "
        + (
            f"first render (every chart drawn) **{b['first_render_ms']} ms**, last response of the initial "
            f"cascade {b.get('last_response_ms')} ms "
            if "charts_drawn_ms" in b
            else f"last response of the initial cascade **{b['first_render_ms']} ms** (charts not timed) "
        )
        + f"({b.get('graphs')} graphs on the page, {b.get('graphs_drawn')} plotly SVG layers drawn). "
        f"Largest: {largest}."
    )


def _cpu_md(cpu: dict[str, Any] | None) -> str:
    if not cpu:
        return ""
    return (
        f" CPU during the run: workers {cpu['workers']} s, locust {cpu['locust']} s "
        f"({round(100 * cpu['machine_share'])} % of the machine's cores)."
    )


def load_md(res: dict[str, Any]) -> str:
    ld = res["load"]
    t = ld["stats"]["total"] or {}
    lines = [
        f"{ld['users']} users, {ld['duration_s']} s, gunicorn {ld['workers']} workers × {ld['threads_per_worker']} threads, "
        f"cache {ld['cache']}: **{t.get('requests')} requests, {t.get('failures')} failures**, "
        f"p50 {t.get('p50_ms')} ms, **p95 {t.get('p95_ms')} ms**, p99 {t.get('p99_ms')} ms, "
        f"{_v(t.get('rps'), '{:.1f}')} requests/s. Worker peak RSS: "
        + ", ".join(f"{v} MiB" for v in ld["worker_peak_rss_mib"].values())
        + "."
        + _cpu_md(ld.get("cpu_s")),
        "",
        "| request | count | failures | p50 (ms) | p95 (ms) | p99 (ms) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, e in sorted(ld["stats"]["by_name"].items(), key=lambda kv: -kv[1]["requests"]):
        lines.append(
            f"| `{name[:70]}` | {e['requests']} | {e['failures']} | {e['p50_ms']} | {e['p95_ms']} | {e['p99_ms']} |"
        )
    return "\n".join(lines)


def render(run: dict[str, Any] | None, load: dict[str, Any] | None) -> str:
    """One Markdown section per part present in the results."""
    out = []
    if run:
        out.append(
            f"### Profile `{run['profile']}`: `{run['command']}`\n\nMachine: {machine_md(run['machine'])}."
        )
        if "etl" in run:
            out.append("#### ETL\n\n" + etl_md(run["etl"]))
        for part in ("queries", "callbacks"):
            if isinstance(run.get(part), dict) and "error" in run[part]:
                out.append(f"#### {part}: failed\n\n{run[part]['error']}")
                run = {k: v for k, v in run.items() if k != part}
        if "queries" in run:
            out.append(
                "#### Service queries against their plain-pandas twins\n\n" + queries_md(run["queries"])
            )
        if "callbacks" in run:
            out.append("#### Callbacks (server time, in process)\n\n" + callbacks_md(run["callbacks"]))
        if "browser" in run:
            out.append("#### Page weight and first render\n\n" + browser_md(run["browser"]))
        if "browser_priority" in run:
            out.append(browser_md(run["browser_priority"]))
    if load:
        out.append(
            f"### Load test: `{load['command']}`\n\nMachine: {machine_md(load['machine'])}.\n\n"
            + load_md(load)
        )
    return "\n\n".join(out) + "\n"
