# The verbs the README and .ci/run use. Everything runs from a project-local virtualenv, installed
# from uv.lock (exact versions with hashes) by a pinned uv that lives in its own tools venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_STAMP := $(TOOLS)/.uv-$(UV_VERSION)

# uv installs into .venv, with this machine's Python, and never downloads an interpreter.
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system

.PHONY: run install dev interop lock upgrade-lock test test-fast test-sqlite test-postgres lint \
	typecheck bench clean

$(UV_STAMP):
	rm -rf $(TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	touch $@

# The service's dependencies only. --inexact keeps the dev tools if `make dev` put them there.
$(VENV)/.installed: uv.lock pyproject.toml | $(UV_STAMP)
	$(UV) sync --frozen --no-dev --inexact
	touch $@

# The service plus the dev group (tests, lint, types).
$(VENV)/.dev-installed: uv.lock pyproject.toml | $(UV_STAMP)
	$(UV) sync --frozen
	touch $(VENV)/.installed $@

# Independent verifiers (Digital Bazaar's vc stack, jose) for the cross-implementation tests.
INTEROP := tests/interop
$(INTEROP)/node_modules/.package-lock.json: $(INTEROP)/package-lock.json
	npm ci --prefix $(INTEROP) --no-audit --no-fund

interop: $(INTEROP)/node_modules/.package-lock.json

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

## Resolve uv.lock again after a change to pyproject.toml (keeps the versions already locked).
lock: $(UV_STAMP)
	$(UV) lock

## Move the lock to the newest versions pyproject.toml allows; PACKAGE=name moves only that one.
upgrade-lock: $(UV_STAMP)
	$(UV) lock $(if $(PACKAGE),--upgrade-package $(PACKAGE),--upgrade)

## Install and start the service on the embedded SQLite default (./var).
run: install
	$(BIN)/microcred serve

## Install and run the whole test suite: lint, types, layer contracts, tests on SQLite.
test: dev lint typecheck test-sqlite

lint: dev
	$(UV) lock --check --offline
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: dev
	$(BIN)/mypy

# Coverage follows the subprocesses the e2e tests start (serve, worker, CLI) and fails the run
# under the threshold in pyproject.toml ([tool.coverage.report] fail_under).
test-sqlite: dev interop
	$(BIN)/python -m pytest --cov --cov-report=term:skip-covered

## The tests without the e2e tier (no live server, no browser): a quick local loop.
test-fast: dev
	$(BIN)/python -m pytest -m 'not e2e' --ignore=tests/e2e

## The same suite against PostgreSQL (127.0.0.1:5432, database test).
test-postgres: dev interop
	MICROCRED_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest

bench: dev
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* htmlcov
