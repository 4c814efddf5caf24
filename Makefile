# One command to run, one to test. Everything installs into .venv.
VENV ?= .venv
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.installed

## Install, load the Hannover demo (password printed once, or DEMO_PASSWORD=...) and serve.
run: install
	$(VENV)/bin/isms demo $(if $(DEMO_PASSWORD),--password "$(DEMO_PASSWORD)")
	$(VENV)/bin/isms serve --host $(HOST) --port $(PORT)

## The whole test suite (SQLite; set ISMS_TEST_DATABASE_URL for PostgreSQL).
test: install
	$(VENV)/bin/python -m pytest

## Static checks as in CI.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
