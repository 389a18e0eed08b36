"""The ETL benchmark's memory measurement counts worker processes, and the report shows it."""

from __future__ import annotations

import sys

from benchmarks.report import etl_md
from benchmarks.servers import run_measured

# A parent that holds ~40 MiB while its own child holds ~300 MiB for a second.
CHILD = "import time; b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.5)"
PARENT = (
    "import subprocess, sys, time; a = bytearray(40 * 2**20); a[::4096] = b'y' * len(a[::4096]); "
    f"subprocess.run([sys.executable, '-c', {CHILD!r}], check=True)"
)


def test_tree_peak_counts_the_childs_workers() -> None:
    res = run_measured([sys.executable, "-c", PARENT])
    assert res["returncode"] == 0
    # the process's own peak: its 40 MiB plus the interpreter, neither its child's 300 MiB nor the
    # forked copy of this (pytest) process that ru_maxrss would carry over the exec
    assert 40 <= float(res["peak_rss_mib"]) < 120  # type: ignore[arg-type]
    # the sampled tree peak holds both at once: parent (~40 MiB + interpreter) + child (~300 MiB)
    assert float(res["tree_peak_rss_mib"]) >= 340  # type: ignore[arg-type]


def test_report_shows_cpu_split_and_roster_badges_row() -> None:
    etl = {
        "profile": "national",
        "generate": {"reused": True},
        "build": {
            "wall_s": 300.0,
            "rows_loaded_per_feed": {"roster": 600, "badges": 2000},
            "feed_seconds": {"roster": 20.0, "badges": 50.0},
            "step_seconds": {"marts": 90.0},
        },
        "per_feed": {
            "badges": {
                "wall_s": 150.0,
                "user_s": 200.0,
                "sys_s": 20.0,
                "peak_rss_mib": 1500.0,
                "tree_peak_rss_mib": 2900.0,
                "feed_seconds": {"badges": 50.0},
                "step_seconds": {"derive:badges": 9.0, "marts": 80.0, "audits": 7.0},
            },
            "roster+badges": {
                "wall_s": 175.0,
                "user_s": 230.0,
                "sys_s": 25.0,
                "peak_rss_mib": 1600.0,
                "tree_peak_rss_mib": 3000.0,
                "feed_seconds": {"roster": 20.0, "badges": 50.0},
                "step_seconds": {"derive:roster": 5.0, "derive:badges": 9.0, "marts": 80.0, "audits": 7.0},
            },
        },
    }
    md = etl_md(etl)
    assert "| badges | 2,000 | 50.0 | 150.0 | 220.0 | 50.0 / 9.0 / 80.0 / 7.0 | 1500.0 / 2900.0 |" in md
    assert (
        "| roster+badges | 2,600 | 70.0 | 175.0 | 255.0 | 70.0 / 14.0 / 80.0 / 7.0 | 1600.0 / 3000.0 |" in md
    )
    assert "| survey | 0 | 0.0 | – | – | – | – / – |" in md


def test_cpu_seconds_counts_a_process_busy_time() -> None:
    import os
    import time

    from benchmarks.servers import cpu_seconds

    before = cpu_seconds(os.getpid())
    end = time.process_time() + 0.3
    while time.process_time() < end:
        pass
    after = cpu_seconds(os.getpid())
    assert 0.2 <= after - before <= 1.0
    assert cpu_seconds(2**22 + 12345) == 0.0  # no such process


def test_load_report_names_the_cpu_split() -> None:
    from benchmarks.report import _cpu_md

    text = _cpu_md({"workers": 80.5, "locust": 40.0, "machine_share": 0.9})
    assert "workers 80.5 s" in text and "locust 40.0 s" in text and "90 %" in text
    assert _cpu_md(None) == ""
