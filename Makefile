# Darkroom's commands. `make` lists them; the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
REQUIREMENTS := pyproject.toml functions/resize/requirements.txt functions/notify/requirements.txt

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): $(REQUIREMENTS)
	@command -v $(PYTHON) >/dev/null || { echo "Darkroom needs $(PYTHON) (see .python-version)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench,deploy]' $(foreach r,$(filter %.txt,$(REQUIREMENTS)),-r $(r))
	touch $@

.PHONY: setup
setup: $(STAMP) ## Create .venv with everything the site, the functions and the tests need

.PHONY: run
run: setup ## Set up and run all of Darkroom locally on moto (no AWS account needed)
	$(BIN)/python -m devstack

.PHONY: test
test: setup ## Set up and run every test: SQLite, then the web tests again on a real PostgreSQL
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest
	scripts/with-postgres $(BIN)/pytest tests/web

.PHONY: lint
lint: setup ## Fix what ruff can fix, and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

.PHONY: clean
clean: ## Remove the virtualenv, caches and the local database
	rm -rf $(VENV) .pytest_cache .ruff_cache db.sqlite3 .devstack
