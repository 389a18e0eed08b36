"""python -m dashboard: `serve [--demo]` (builds the demo warehouse if missing) and `users …`."""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_RAW = ROOT / "data" / "raw" / "demo"
DEMO_DB = ROOT / "data" / "warehouse" / "demo.duckdb"
DEMO_SEED = 2025


def _run_etl(args: list[str]) -> None:
    print("+ python -m etl " + " ".join(args), flush=True)
    proc = subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"python -m etl {args[0]} failed with exit code {proc.returncode}")


def ensure_demo_warehouse(raw: Path = DEMO_RAW, db: Path = DEMO_DB) -> Path:
    """Generate the demo raw files and build the warehouse when they are missing."""
    from etl.identity import load_secret

    # The ETL reads the pseudonymisation secret from the environment or a git-ignored file;
    # for the demo we create that file once so repeated builds give the same staff keys.
    load_secret(create_if_missing=True)
    if not (raw / "manifest.json").exists():
        _run_etl(["synth", "--profile", "demo", "--seed", str(DEMO_SEED), "--out", str(raw)])
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        _run_etl(["build", "--raw", str(raw), "--db", str(db)])
    return db


def serve(args: argparse.Namespace) -> int:
    if args.demo:
        os.chdir(ROOT)  # the ETL's default secret path is relative to the checkout
        db = ensure_demo_warehouse()
        os.environ.setdefault("DASHBOARD_WAREHOUSE", str(db))
    from dashboard.app import create_app
    from dashboard.settings import Settings

    settings = Settings.from_env()
    app = create_app(settings)
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"Serving on http://{host}:{port}", flush=True)
    # The development server; production runs gunicorn -c gunicorn.conf.py (docs/operations.md).
    app.run(host=host, port=port, debug=args.debug and not settings.production)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "users":
        if importlib.util.find_spec("dashboard.auth.cli") is None:
            print("user management is not available (dashboard.auth.cli missing)", file=sys.stderr)
            return 2
        cli = importlib.import_module("dashboard.auth.cli")
        result = cli.main(argv[1:])
        return int(result or 0)
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve the dashboard (development server)")
    p.add_argument("--demo", action="store_true", help="build the demo data and warehouse if missing")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--debug", action="store_true", help="Dash dev tools (never in production)")
    sub.add_parser("users", help="manage built-in accounts (see dashboard.auth.cli)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
