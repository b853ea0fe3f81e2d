# Producer Portal: `make run` serves the API, `make test` proves it (SQLite and PostgreSQL legs).
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

.PHONY: help install run test test-sqlite test-postgres check lint typecheck openapi bench soak clean

help:
	@echo "make run    - install into .venv, migrate, load demo data on first start, serve on 127.0.0.1:\$${PORT:-8000}"
	@echo "make test   - every test on SQLite, then the database tests on PostgreSQL"
	@echo "make check  - ruff, mypy and OpenAPI drift"
	@echo "make openapi - regenerate openapi/openapi.json"
	@echo "make bench  - load 10k and 1M-member books into PostgreSQL and measure quality.md's scenarios (~20 min)"
	@echo "make soak   - memory over a 10-minute run of the mix"

$(VENV)/bin/python:
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(RUNTIME_STAMP) $@

install: $(RUNTIME_STAMP)

run: $(RUNTIME_STAMP)
	$(BIN)/portal serve

test: $(DEV_STAMP)
	@bash scripts/test-legs.sh

# One pytest-xdist worker per CPU (TEST_WORKERS=N to choose, 0 for one process), as in scripts/test-legs.sh.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
PARALLEL := -n $(TEST_WORKERS) --dist load --maxschedchunk 1

test-sqlite: $(DEV_STAMP)
	PORTAL_TEST_DATABASE=sqlite $(BIN)/pytest -q $(PARALLEL)

test-postgres: $(DEV_STAMP)
	PORTAL_TEST_DATABASE=postgresql PORTAL_TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -q -m db $(PARALLEL)

lint: $(DEV_STAMP)
	$(BIN)/ruff check app tests migrations
	$(BIN)/ruff format --check app tests migrations

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

check: $(DEV_STAMP)
	$(BIN)/ruff check app tests migrations
	$(BIN)/ruff format --check app tests migrations
	$(BIN)/mypy
	$(BIN)/pytest -q -p no:cacheprovider tests/contract/test_openapi_drift.py

openapi: $(RUNTIME_STAMP)
	$(BIN)/portal openapi export

# Benchmarks: PostgreSQL at BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432), wrk from Debian.
bench: $(DEV_STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

soak: $(DEV_STAMP)
	$(BIN)/python -m bench.run --sizes 10000 --soak 600 $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache *.egg-info
