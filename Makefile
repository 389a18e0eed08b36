# Self-documenting Makefile: `make help` lists the targets.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The partial plotly.js bundle the dashboard serves (dashboard/plotly_bundle.py), built by npm.
PLOTLY_JS := frontend/dist/plotly-dashboard.min.js

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the locked dependencies

$(PLOTLY_JS): frontend/package.json frontend/package-lock.json frontend/plotly-entry.js frontend/build-plotly.mjs
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && node build-plotly.mjs

plotly: $(PLOTLY_JS) ## Build the partial plotly.js bundle (needs Node.js and npm from the registry)

# `make run` works without Node.js: the dashboard then serves plotly.py's full bundle (slower).
plotly-if-npm:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory plotly; \
	else echo "plotly: npm not found; serving plotly.py's full plotly.js (slower first render)"; fi

sysdeps: ## Install the system packages the tests need (Chromium, CJK fonts, Redis; needs root)
	bash scripts/sysdeps.sh

run: install plotly-if-npm ## Build the demo data and warehouse if missing, then serve http://127.0.0.1:8050
	$(BIN)/python -m dashboard serve --demo

test: sysdeps install plotly ## Lint, type-check and run the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2 --dist loadgroup

demo-data: install ## Generate the demo raw files and build the warehouse
	$(BIN)/python -m etl synth --profile demo --seed 2025 --out data/raw/demo
	$(BIN)/python -m etl build --raw data/raw/demo --db data/warehouse/demo.duckdb

bench: install plotly-if-npm ## Run the benchmarks on the demo profile (PROFILE=national for the national one)
	$(BIN)/python -m benchmarks run --profile $${PROFILE:-demo} --out benchmarks/out/$${PROFILE:-demo}.json

lock: ## Re-pin requirements.lock from the current .venv
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

fmt: install ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: ## Remove built data, caches and the virtual environment
	rm -rf $(VENV) data/raw data/warehouse .pytest_cache .mypy_cache .ruff_cache test-artifacts frontend/node_modules frontend/dist

.PHONY: help install plotly plotly-if-npm sysdeps run test demo-data bench lock fmt clean
