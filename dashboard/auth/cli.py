"""python -m dashboard users add|remove|list|demo: manage the built-in accounts file."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from dashboard.auth.users import UserError, UserStore
from dashboard.scope import ROLES


def _settings() -> Any:
    from dashboard.settings import Settings

    return Settings.from_env()


def main(argv: list[str] | None = None) -> int:
    """Entry point (dashboard/__main__.py dispatches `users ...` here). Returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m dashboard users", description=__doc__)
    parser.add_argument("--file", default=None, help="users file (default: DASHBOARD_USERS_FILE)")
    sub = parser.add_subparsers(dest="command", required=True)
    p_add = sub.add_parser("add", help="add or replace an account")
    p_add.add_argument("username")
    p_add.add_argument("--role", required=True, choices=ROLES)
    p_add.add_argument("--agency", action="append", default=[], help="agency code (agency_hr; repeatable)")
    p_add.add_argument(
        "--password-env",
        default=None,
        help="read the password from this environment variable (default: prompt twice)",
    )
    p_rm = sub.add_parser("remove", help="remove an account")
    p_rm.add_argument("username")
    sub.add_parser("list", help="list accounts (never passwords)")
    sub.add_parser("demo", help="write the demo accounts (password 'demo'); refused in production")
    args = parser.parse_args(argv)

    settings = _settings()
    production = settings.env == "production"
    store = UserStore(args.file or settings.users_file, demo_accounts=False, production=production)
    try:
        if args.command == "add":
            if args.password_env:
                password = os.environ.get(args.password_env, "")
            else:
                password = getpass.getpass("Password: ")
                if getpass.getpass("Repeat: ") != password:
                    print("passwords differ", file=sys.stderr)
                    return 1
            user = store.add(args.username, args.role, password, tuple(args.agency))
            print(
                f"added {user.username} ({user.role}{' ' + ','.join(user.agencies) if user.agencies else ''})"
            )
        elif args.command == "remove":
            if not store.remove(args.username):
                print(f"no such user: {args.username}", file=sys.stderr)
                return 1
            print(f"removed {args.username}")
        elif args.command == "list":
            for u in store.all():
                flags = [f for f, on in (("demo", u.demo), ("disabled", u.disabled)) if on]
                agencies = ",".join(u.agencies) or "*"
                print(f"{u.username}\t{u.role}\t{agencies}\t{' '.join(flags)}".rstrip())
        elif args.command == "demo":
            for u in store.add_demo():
                print(f"added {u.username} ({u.role}{' ' + ','.join(u.agencies) if u.agencies else ''})")
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
