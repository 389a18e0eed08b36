# Production image of the dashboard: gunicorn with several workers over a read-only DuckDB
# warehouse mounted at /data. Build: docker build -t moda-dashboard .
# Run:   docker run -p 8050:8050 -v /srv/moda/data:/data -e DASHBOARD_SECRET_KEY=... moda-dashboard
# See docs/operations.md for every setting, the reverse proxy and data refreshes.

# ---------------------------------------------------------------- build stage: plotly.js
# The partial plotly.js bundle the dashboard serves (frontend/, dashboard/plotly_bundle.py).
FROM node:20-bookworm-slim AS plotly
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json frontend/plotly-entry.js frontend/build-plotly.mjs ./
RUN npm ci --no-audit --no-fund --loglevel=error && node build-plotly.mjs

# ---------------------------------------------------------------- build stage: dependencies
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY etl ./etl
COPY dashboard ./dashboard
COPY benchmarks ./benchmarks
# Runtime dependencies only (pyproject's [project.dependencies]), pinned by the lock file; the
# project itself runs from /app via PYTHONPATH so that data/reference and assets resolve.
RUN pip install --constraint requirements.lock . \
    && pip uninstall --yes moda-ai-competency-dashboard

# ---------------------------------------------------------------- runtime stage
FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Code and reference data belong to root and are read-only for the app user.
COPY etl ./etl
COPY dashboard ./dashboard
COPY assets ./assets
COPY --from=plotly /frontend/dist ./frontend/dist
COPY data/reference ./data/reference
COPY data/codebooks ./data/codebooks
COPY gunicorn.conf.py pyproject.toml ./
# /data is the mounted volume: warehouse (read-only for the app), audit log and users file.
RUN mkdir -p /data/warehouse /data/audit /data/secrets \
    && chown app:app /data/audit \
    && python -m compileall -q /app/etl /app/dashboard
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DASHBOARD_ENV=production \
    DASHBOARD_HOST=0.0.0.0 \
    DASHBOARD_PORT=8050 \
    DASHBOARD_LOG_JSON=1 \
    DASHBOARD_BEHIND_TLS=1 \
    DASHBOARD_WAREHOUSE=/data/warehouse/live.duckdb \
    DASHBOARD_AUDIT_LOG=/data/audit/exports.jsonl \
    DASHBOARD_USERS_FILE=/data/secrets/users.json \
    WEB_CONCURRENCY=2 \
    GUNICORN_THREADS=4
USER app:app
EXPOSE 8050
# Liveness through the same HTTP stack users hit; /healthz needs no sign-in and no warehouse.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('DASHBOARD_PORT', '8050'); sys.exit(0 if urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200 else 1)"]
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
