# The verbs the README and .ci/run use. Everything runs from a project-local virtualenv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run install dev interop test test-sqlite test-postgres lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

# Independent verifiers (Digital Bazaar's vc stack, jose) for the cross-implementation tests.
INTEROP := tests/interop
$(INTEROP)/node_modules/.package-lock.json: $(INTEROP)/package-lock.json
	npm ci --prefix $(INTEROP) --no-audit --no-fund

interop: $(INTEROP)/node_modules/.package-lock.json

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

## Install and start the service on the embedded SQLite default (./var).
run: install
	$(BIN)/microcred serve

## Install and run the whole test suite: lint, types, layer contracts, tests on SQLite.
test: dev lint typecheck test-sqlite

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: dev
	$(BIN)/mypy

test-sqlite: dev interop
	$(BIN)/python -m pytest --cov --cov-report=term:skip-covered

## The same suite against PostgreSQL (127.0.0.1:5432, database test).
test-postgres: dev interop
	MICROCRED_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest

bench: dev
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
