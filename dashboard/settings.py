"""The dashboard's configuration: one frozen, typed Settings read from the environment (only here)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV_SECRET_FILE = ROOT / "data" / "secrets" / "flask.key"


class SettingsError(ValueError):
    """The environment describes an invalid or unsafe configuration."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret() -> str:
    """A random per-checkout key kept in a git-ignored file, so sessions survive restarts."""
    if DEV_SECRET_FILE.exists():
        return DEV_SECRET_FILE.read_text(encoding="ascii").strip()
    DEV_SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    DEV_SECRET_FILE.write_text(key, encoding="ascii")
    DEV_SECRET_FILE.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    """Dashboard settings. Each field's `doc` metadata is its entry in docs/operations.md."""

    env: str = field(
        default="development",
        metadata={
            "env": "DASHBOARD_ENV",
            "doc": "development | production; production refuses demo accounts and needs a secret key.",
        },
    )
    warehouse_path: Path = field(
        default=ROOT / "data" / "warehouse" / "demo.duckdb",
        metadata={"env": "DASHBOARD_WAREHOUSE", "doc": "DuckDB warehouse file, opened read-only."},
    )
    secret_key: str = field(
        default="",
        repr=False,
        metadata={
            "env": "DASHBOARD_SECRET_KEY",
            "doc": "Flask session signing key; required in production, a generated git-ignored file (data/secrets/flask.key) in development.",
        },
    )
    host: str = field(
        default="127.0.0.1",
        metadata={"env": "DASHBOARD_HOST", "doc": "Interface the development server binds to."},
    )
    port: int = field(
        default=8050, metadata={"env": "DASHBOARD_PORT", "doc": "Port the development server listens on."}
    )
    cache_type: str = field(
        default="simple",
        metadata={
            "env": "DASHBOARD_CACHE_TYPE",
            "doc": "simple (one process) | redis (several workers); redis when REDIS_URL is set.",
        },
    )
    redis_url: str | None = field(
        default=None,
        metadata={
            "env": "REDIS_URL",
            "doc": "Redis URL for the shared service cache, e.g. redis://localhost:6379/0.",
        },
    )
    cache_timeout: int = field(
        default=3600,
        metadata={
            "env": "DASHBOARD_CACHE_TIMEOUT",
            "doc": "Seconds a cached service result lives (keys also carry the data version).",
        },
    )
    duckdb_threads: int = field(
        default=2, metadata={"env": "DASHBOARD_DUCKDB_THREADS", "doc": "DuckDB threads per worker process."}
    )
    duckdb_memory_limit: str = field(
        default="1GB",
        metadata={
            "env": "DASHBOARD_DUCKDB_MEMORY_LIMIT",
            "doc": "DuckDB memory limit per worker process, e.g. 1GB.",
        },
    )
    min_cell: int = field(
        default=10,
        metadata={
            "env": "DASHBOARD_MIN_CELL",
            "doc": "Suppression threshold: figures resting on 0 < n < min_cell are hidden.",
        },
    )
    planner_unsuppressed: bool = field(
        default=False,
        metadata={
            "env": "DASHBOARD_PLANNER_UNSUPPRESSED",
            "doc": "Let planners see unsuppressed figures (never other roles).",
        },
    )
    export_row_cap: int = field(
        default=100_000, metadata={"env": "DASHBOARD_EXPORT_ROW_CAP", "doc": "Maximum rows in one download."}
    )
    audit_log_path: Path = field(
        default=ROOT / "data" / "audit" / "exports.jsonl",
        metadata={"env": "DASHBOARD_AUDIT_LOG", "doc": "JSON-lines audit log of downloads."},
    )
    users_file: Path = field(
        default=ROOT / "data" / "secrets" / "users.json",
        metadata={"env": "DASHBOARD_USERS_FILE", "doc": "Built-in accounts file (hashed passwords)."},
    )
    auth_mode: str = field(
        default="builtin",
        metadata={
            "env": "DASHBOARD_AUTH_MODE",
            "doc": "builtin (login form) | trusted_header (identity from a reverse proxy).",
        },
    )
    trusted_user_header: str = field(
        default="X-Remote-User",
        metadata={
            "env": "DASHBOARD_TRUSTED_USER_HEADER",
            "doc": "Header carrying the user name in trusted_header mode.",
        },
    )
    trusted_role_header: str = field(
        default="X-Remote-Role",
        metadata={
            "env": "DASHBOARD_TRUSTED_ROLE_HEADER",
            "doc": "Header carrying the role in trusted_header mode.",
        },
    )
    trusted_agencies_header: str = field(
        default="X-Remote-Agencies",
        metadata={
            "env": "DASHBOARD_TRUSTED_AGENCIES_HEADER",
            "doc": "Header carrying comma-separated agency codes in trusted_header mode.",
        },
    )
    trusted_proxies: tuple[str, ...] = field(
        default=("127.0.0.1",),
        metadata={
            "env": "DASHBOARD_TRUSTED_PROXIES",
            "doc": "Comma-separated proxy IPs whose identity headers are believed.",
        },
    )
    behind_tls: bool = field(
        default=False,
        metadata={
            "env": "DASHBOARD_BEHIND_TLS",
            "doc": "Served over HTTPS: session cookies get the Secure flag, HSTS is sent.",
        },
    )
    log_json: bool = field(
        default=False, metadata={"env": "DASHBOARD_LOG_JSON", "doc": "Write logs as JSON lines."}
    )
    demo_accounts: bool = field(
        default=False,
        metadata={
            "env": "DASHBOARD_DEMO_ACCOUNTS",
            "doc": "Enable the demo accounts (password demo); refused in production.",
        },
    )

    def __post_init__(self) -> None:
        if self.env not in ("development", "production"):
            raise SettingsError(f"DASHBOARD_ENV must be development or production, not {self.env!r}")
        if self.cache_type not in ("simple", "redis"):
            raise SettingsError(f"cache type must be simple or redis, not {self.cache_type!r}")
        if self.cache_type == "redis" and not self.redis_url:
            raise SettingsError("cache_type=redis needs REDIS_URL")
        if self.auth_mode not in ("builtin", "trusted_header"):
            raise SettingsError(f"auth mode must be builtin or trusted_header, not {self.auth_mode!r}")
        if self.env == "production" and self.demo_accounts:
            raise SettingsError("demo accounts are refused when DASHBOARD_ENV=production")
        if self.env == "production" and len(self.secret_key) < 32:
            raise SettingsError("production needs DASHBOARD_SECRET_KEY (at least 32 characters)")
        if self.min_cell < 1:
            raise SettingsError("min_cell must be at least 1")

    @property
    def production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read every field from its environment variable (see each field's metadata)."""
        env = dict(os.environ if environ is None else environ)
        get = env.get
        mode = get("DASHBOARD_ENV", "development").strip() or "development"
        redis_url = get("REDIS_URL") or None
        secret = get("DASHBOARD_SECRET_KEY", "")
        if not secret and mode != "production":
            secret = _dev_secret()
        proxies = tuple(
            p.strip() for p in get("DASHBOARD_TRUSTED_PROXIES", "127.0.0.1").split(",") if p.strip()
        )
        return cls(
            env=mode,
            warehouse_path=Path(get("DASHBOARD_WAREHOUSE", str(cls.warehouse_path))),
            secret_key=secret,
            host=get("DASHBOARD_HOST", cls.host),
            port=int(get("DASHBOARD_PORT", str(cls.port))),
            cache_type=get("DASHBOARD_CACHE_TYPE", "redis" if redis_url else "simple"),
            redis_url=redis_url,
            cache_timeout=int(get("DASHBOARD_CACHE_TIMEOUT", str(cls.cache_timeout))),
            duckdb_threads=int(get("DASHBOARD_DUCKDB_THREADS", str(cls.duckdb_threads))),
            duckdb_memory_limit=get("DASHBOARD_DUCKDB_MEMORY_LIMIT", cls.duckdb_memory_limit),
            min_cell=int(get("DASHBOARD_MIN_CELL", str(cls.min_cell))),
            planner_unsuppressed=_bool(get("DASHBOARD_PLANNER_UNSUPPRESSED"), False),
            export_row_cap=int(get("DASHBOARD_EXPORT_ROW_CAP", str(cls.export_row_cap))),
            audit_log_path=Path(get("DASHBOARD_AUDIT_LOG", str(cls.audit_log_path))),
            users_file=Path(get("DASHBOARD_USERS_FILE", str(cls.users_file))),
            auth_mode=get("DASHBOARD_AUTH_MODE", cls.auth_mode),
            trusted_user_header=get("DASHBOARD_TRUSTED_USER_HEADER", cls.trusted_user_header),
            trusted_role_header=get("DASHBOARD_TRUSTED_ROLE_HEADER", cls.trusted_role_header),
            trusted_agencies_header=get("DASHBOARD_TRUSTED_AGENCIES_HEADER", cls.trusted_agencies_header),
            trusted_proxies=proxies,
            behind_tls=_bool(get("DASHBOARD_BEHIND_TLS"), False),
            log_json=_bool(get("DASHBOARD_LOG_JSON"), False),
            demo_accounts=_bool(get("DASHBOARD_DEMO_ACCOUNTS"), mode != "production"),
        )


def settings_reference() -> list[dict[str, str]]:
    """(variable, default, description) for every field: the source of the configuration docs."""
    rows = []
    for f in fields(Settings):
        default = "" if f.name == "secret_key" else str(f.default)
        rows.append({"field": f.name, "env": f.metadata["env"], "default": default, "doc": f.metadata["doc"]})
    return rows
