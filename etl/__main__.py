"""Command line of the ETL layer: synth, build, load, check."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("synth", help="generate calibrated synthetic raw files")
    p.add_argument("--profile", choices=["demo", "national"], default="demo")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--only", nargs="*", help="generate only these feeds (roster always runs)")

    p = sub.add_parser("build", help="full rebuild of the warehouse from a folder of raw files")
    p.add_argument("--raw", type=Path, required=True)
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--max-quarantine", type=float, default=None, help="max quarantined share per file")

    p = sub.add_parser("load", help="add files to an existing warehouse")
    p.add_argument("--feed", choices=["survey", "selfassessment", "roster", "badges"], required=True)
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--max-quarantine", type=float, default=None)
    p.add_argument("files", nargs="+", type=Path)

    p = sub.add_parser("check", help="run the audits against a warehouse")
    p.add_argument("--db", type=Path, required=True)

    args = parser.parse_args(argv)
    if args.command == "synth":
        from etl import synth

        synth.run(args.profile, args.seed, args.out, only=args.only)
        return 0

    from etl import pipeline

    if args.command == "build":
        return pipeline.build_command(args.raw, args.db, max_quarantine=args.max_quarantine)
    if args.command == "load":
        return pipeline.load_command(args.feed, args.files, args.db, max_quarantine=args.max_quarantine)
    if args.command == "check":
        return pipeline.check_command(args.db)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
