"""Checks of the deployment files read as text: Dockerfile, .dockerignore and gunicorn.conf.py."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _dockerfile() -> list[str]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    # Join continuation lines so each instruction is one line.
    return [
        ln.strip()
        for ln in text.replace("\\\n", " ").splitlines()
        if ln.strip() and not ln.strip().startswith("#")
    ]


def test_dockerfile_slim_nonroot_healthcheck() -> None:
    lines = _dockerfile()
    froms = [ln for ln in lines if ln.startswith("FROM ")]
    assert froms and all("-slim" in ln for ln in froms)
    runtime = lines[lines.index(froms[-1]) :]
    users = [ln for ln in runtime if ln.startswith("USER ")]
    assert users, "runtime stage must switch to a non-root user"
    assert users[-1].split()[1].split(":")[0] not in ("root", "0")
    health = [ln for ln in runtime if ln.startswith("HEALTHCHECK ")]
    assert len(health) == 1 and "/healthz" in health[0]
    assert runtime[-1].startswith("CMD ") and "gunicorn.conf.py" in runtime[-1]
    # The final USER comes after every RUN (nothing runs as root afterwards by mistake).
    last_user = max(i for i, ln in enumerate(runtime) if ln.startswith("USER "))
    assert all(i < last_user for i, ln in enumerate(runtime) if ln.startswith("RUN "))
    env = " ".join(ln for ln in runtime if ln.startswith("ENV "))
    assert "DASHBOARD_ENV=production" in env and "DASHBOARD_LOG_JSON=1" in env


def test_dockerfile_copies_existing_paths_only() -> None:
    for ln in _dockerfile():
        if ln.startswith("COPY ") and "--from=" not in ln:
            parts = [p for p in ln.split()[1:] if not p.startswith("--")]
            for src in parts[:-1]:
                assert (ROOT / src).exists(), f"Dockerfile copies missing path {src}"


def test_dockerignore_keeps_data_and_secrets_out() -> None:
    ignored = {
        ln.strip()
        for ln in (ROOT / ".dockerignore").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    }
    for must in (
        ".git",
        ".venv",
        "data/raw",
        "data/warehouse",
        "data/secrets",
        "data/audit",
        "test-artifacts",
        ".env",
    ):
        assert must in ignored
    # Reference data and codebooks are needed in the image.
    assert not {"data", "data/reference", "data/codebooks"} & ignored


def test_gunicorn_config_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHBOARD_HOST", "0.0.0.0")
    monkeypatch.setenv("DASHBOARD_PORT", "9123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("DASHBOARD_TRUSTED_PROXIES", "10.0.0.5,10.0.0.6")
    monkeypatch.setenv("DASHBOARD_SECRET_KEY", "x" * 40)
    cfg = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert cfg["bind"] == "0.0.0.0:9123"
    assert cfg["workers"] == 3
    assert cfg["worker_class"] == "gthread" and cfg["threads"] >= 2
    assert cfg["preload_app"] is False
    assert cfg["forwarded_allow_ips"] == "10.0.0.5,10.0.0.6"
    assert cfg["accesslog"] is None
    assert re.fullmatch(r"dashboard\.app:create_app\(\)", cfg["wsgi_app"])


def test_gunicorn_config_loads_in_gunicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    from gunicorn.app.base import Application

    monkeypatch.setenv("DASHBOARD_SECRET_KEY", "x" * 40)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)

    class _App(Application):
        def init(self, parser, opts, args):  # type: ignore[no-untyped-def]
            return None

        def load(self):  # type: ignore[no-untyped-def]
            return None

    app = _App.__new__(_App)
    app.usage, app.prog, app.callable = None, None, None
    app.cfg = __import__("gunicorn.config", fromlist=["Config"]).Config()
    app.load_config_from_file(str(ROOT / "gunicorn.conf.py"))
    assert app.cfg.workers == 2
    assert app.cfg.worker_class_str == "gthread"
    assert app.cfg.max_requests == 50000
