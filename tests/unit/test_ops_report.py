"""The benchmark report renders every measured number into Markdown; locust CSV parsing; percentiles."""

from __future__ import annotations

from pathlib import Path

from benchmarks.callbacks import percentile
from benchmarks.load import parse_stats
from benchmarks.report import render


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile([3.0], 95) == 3.0
    assert percentile([], 50) is None


def test_parse_locust_stats(tmp_path: Path) -> None:
    csv = tmp_path / "x_stats.csv"
    header = "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
    rows = [
        "POST,cb a.figure,120,0,40,45,10,300,2000,2.0,0.0,40,45,50,55,80,120,200,250,300,300,300",
        ",Aggregated,500,1,30,35,5,900,1000,8.3,0.02,30,35,40,45,70,110,190,240,900,900,900",
    ]
    csv.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    stats = parse_stats(csv)
    assert stats["total"] == {
        "requests": 500,
        "failures": 1,
        "p50_ms": 30.0,
        "p95_ms": 110.0,
        "p99_ms": 240.0,
        "max_ms": 900.0,
        "rps": 8.3,
    }
    assert stats["by_name"]["cb a.figure"]["p95_ms"] == 120.0


def test_render_contains_the_numbers() -> None:
    machine = {
        "cpu": "Xeon",
        "cores": 2,
        "ram_gib": 23.5,
        "kernel": "6",
        "python": "3.11",
        "versions": {"duckdb": "2.0.0"},
        "git_commit": "abc",
        "utc": "t",
        "load_avg_at_start": [1.0, 2.0, 3.0],
    }
    run = {
        "command": "python -m benchmarks run --profile demo",
        "profile": "demo",
        "machine": machine,
        "etl": {
            "profile": "demo",
            "generate": {
                "wall_s": 71.2,
                "peak_rss_mib": 812.5,
                "rows_per_feed": {"roster": 10},
                "raw_bytes": 2**20,
            },
            "build": {
                "wall_s": 166.3,
                "peak_rss_mib": 1400.0,
                "warehouse_bytes": 2**26,
                "feed_seconds": {"roster": 82.5},
                "step_seconds": {"audits": 0.7},
                "rows_loaded_per_feed": {"roster": 374098},
            },
            "per_feed": {"roster": {"wall_s": 90.1, "peak_rss_mib": 1100.0}},
        },
        "queries": {
            "queries": {
                "q1": {
                    "rows": 3,
                    "served": "memory",
                    "ours_ms": 2.0,
                    "sql_ms": 3.5,
                    "pandas_ms": 20.0,
                    "ratio_ours_over_pandas": 0.1,
                    "speedup": 10.0,
                    "equal": True,
                },
                "q2": {"rows": 1, "served": "duckdb", "ours_ms": 1.0, "sql_ms": 1.0},
            }
        },
        "callbacks": {
            "callbacks": {
                "..a.figure...b.children..": {
                    "requests": 10,
                    "uncached_ms": {"p50": 50.0, "p95": 140.0},
                    "cached_ms": {"p50": 3.0, "p95": 8.5},
                    "response_wire_bytes_max": 4096,
                    "response_bytes_max": 20480,
                }
            },
            "summary": {
                "worst_uncached_p95_ms": 140.0,
                "worst_cached_p95_ms": 8.5,
                "largest_response_wire_bytes": 4096,
                "largest_response_bytes": 20480,
            },
            "explored_requests": 10,
            "pages": ["/priority"],
            "explore_errors": [],
            "first_load_http": {
                "page": "/priority",
                "requests": 19,
                "wire_bytes": 2**20,
                "uncompressed_bytes": 3 * 2**20,
            },
        },
        "browser": {
            "page": "/priority",
            "requests": 20,
            "wire_bytes": 2 * 2**20,
            "first_render_ms": 812.3,
            "graphs": 2,
            "graphs_drawn": 2,
            "largest": [{"url": "/x.js", "wire_bytes": 1024}],
        },
    }
    load = {
        "command": "python -m benchmarks load",
        "machine": machine,
        "load": {
            "users": 50,
            "duration_s": 60,
            "workers": 2,
            "threads_per_worker": 4,
            "cache": "redis",
            "stats": {
                "total": {
                    "requests": 3000,
                    "failures": 0,
                    "p50_ms": 20.0,
                    "p95_ms": 180.0,
                    "p99_ms": 300.0,
                    "rps": 50.0,
                },
                "by_name": {
                    "cb a.figure": {
                        "requests": 100,
                        "failures": 0,
                        "p50_ms": 10.0,
                        "p95_ms": 90.0,
                        "p99_ms": 99.0,
                    }
                },
            },
            "worker_peak_rss_mib": {"1": 512.0, "2": 530.5},
        },
    }
    md = render(run, load)
    for expected in (
        "71.2 s",
        "812.5 MiB",
        "374,098",
        "82.5",
        "| q1 | 3 | memory | 2.0 | 3.5 | 20.0 | 0.1 | 10.0× | yes | yes |",
        "q2 | 1 | duckdb | 1.0 | 1.0 | no twin",
        "`a.figure` +1",
        "140.0",
        "8.5",
        "4.0 KiB / 20.0 KiB",
        "1.00 MiB compressed",
        "2.00 MiB",
        "812.3 ms",
        "3000 requests, 0 failures",
        "p95 180.0 ms",
        "512.0 MiB, 530.5 MiB",
    ):
        assert expected in md, expected
