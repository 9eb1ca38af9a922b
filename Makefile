# quotaplan — the few commands everyone runs.
#   make demo   install, then serve the demo plan in the web workbench (users and passwords printed)
#   make test   install, then lint, type-check and run every test
#   make lint   ruff + mypy --strict
#   make bench  the scale benchmark (see README)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint fmt bench browser postgres docs clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

demo: install
	$(BIN)/quotaplan demo

# Chromium renders the HTML report in the browser tests; install Debian's package when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: install Debian's chromium package to run the browser tests"; fi; }

# PostgreSQL: the store's tests start a throwaway server from its binaries (/usr/lib/postgresql/*/bin);
# install Debian's package when missing.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "postgresql is missing: install Debian's postgresql package to run the store's tests on it"; fi; }

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

test: install browser postgres lint
	$(BIN)/python -m pytest -q

docs: install
	$(BIN)/python -m quotaplan.docs README.md

bench: install
	$(BIN)/python bench/run.py

fmt: install
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
