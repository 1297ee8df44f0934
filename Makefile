# taxlight — two commands: `make demo` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BOOT := $(shell scripts/find-python)
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: help setup demo serve test test-again test-fast lint typecheck format system-deps assets messages clean bench

help:
	@echo "make demo   set everything up, load the demo bureau and serve http://127.0.0.1:8000"
	@echo "make test   set everything up and run the whole test suite (lint, types, tests)"
	@echo "make lint   ruff, import boundaries and mypy only"

$(VENV)/.installed: pyproject.toml uv.lock
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) sync --frozen --all-extras --quiet --python $(PY)
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

src/taxlight/static/dist/.built: node_modules/.installed scripts/build-assets.mjs $(shell find assets -type f)
	node scripts/build-assets.mjs
	@touch $@

assets: src/taxlight/static/dist/.built

messages: $(VENV)/.installed
	@cd src/taxlight && ../../$(PY) ../../manage.py compilemessages -v 0

setup: $(VENV)/.installed assets messages

# Chromium (browser tests) and CJK fonts (PDFs, screenshots) come from Debian's packages.
system-deps:
	@scripts/system-deps

demo: setup
	$(VENV)/bin/taxlight demo

serve: setup
	$(VENV)/bin/taxlight serve

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: setup system-deps lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The suite alone, set-up already done (used by .ci/run for the PostgreSQL + Redis pass).
test-again: setup system-deps
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The suite without lint and browser set-up, for a quick loop while developing.
test-fast: setup
	$(VENV)/bin/pytest -m "not browser" -x -q $(PYTEST_ARGS)

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules src/taxlight/static/dist var/test-artifacts .pytest_cache .mypy_cache .ruff_cache
