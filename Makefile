# Darkroom's commands. `make` lists them; the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# checkov and the SAM CLI pin many packages of their own: each gets a venv under .venv-tools/, away from .venv.
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed-stamp
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

$(TOOLS_STAMP):
	@command -v $(PYTHON) >/dev/null || { echo "Darkroom needs $(PYTHON) (see .python-version)"; exit 1; }
	$(PYTHON) -m venv --clear $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/python -m pip install --quiet --disable-pip-version-check 'checkov>=3.2,<4'
	$(PYTHON) -m venv --clear $(TOOLS)/sam
	$(TOOLS)/sam/bin/python -m pip install --quiet --disable-pip-version-check 'aws-sam-cli>=1.140,<2'
	touch $@

.PHONY: tools
tools: $(TOOLS_STAMP) ## Install checkov and the SAM CLI (.venv-tools/) for the infrastructure tests and deploys

# Named venv: Zappa's search for WebSocket handlers skips folders of that name, not build/deploy-venv.
DEPLOY_VENV := build/venv

.PHONY: deploy-venv
deploy-venv: ## Create build/venv: only the site's runtime dependencies and Zappa (Zappa packs it whole)
	rm -rf build/deploy-venv  # the old name: left there, Zappa would still find its handler and add a WebSocket API
	$(PYTHON) -m venv --clear $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check $$(scripts/site-requirements)

# The browser tests drive Debian's Chromium (Playwright's own browser download does not work offline).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "The browser tests need Debian's chromium package: sudo apt-get install chromium"; exit 1; fi

.PHONY: browser
browser: $(CHROMIUM) ## Install Debian's Chromium for the browser tests, if it is missing

# The front-end test and benchmark tools (axe-core, Lighthouse) from package-lock.json. `make run` never needs npm:
# the browser's third-party files are committed under web/static/vendor/ (scripts/vendor-static).
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "The tests and benchmarks need Node.js 20 and npm: https://nodejs.org/"; exit 1; }
	npm ci --no-audit --no-fund
	touch $@

.PHONY: node
node: node_modules/.package-lock.json ## Install the front-end test and benchmark tools (npm ci)

.PHONY: run
run: setup ## Set up and run all of Darkroom locally on moto (no AWS account needed)
	$(BIN)/python -m devstack

.PHONY: superuser
superuser: setup ## Create a staff user in the local database (for /admin/ under make run)
	DARKROOM_LOCAL=1 DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3 $(BIN)/python manage.py migrate --verbosity 0
	DARKROOM_LOCAL=1 DATABASE_URL=sqlite:///$(CURDIR)/db.sqlite3 $(BIN)/python manage.py createsuperuser

.PHONY: test
test: setup tools browser node ## Set up and run every test: SQLite, then the web tests again on a real PostgreSQL
	$(BIN)/ruff check . scripts/zappa-env scripts/site-requirements
	$(BIN)/ruff format --check . scripts/zappa-env scripts/site-requirements
	$(BIN)/pytest
	scripts/with-postgres $(BIN)/pytest tests/web

.PHONY: bench
bench: setup node browser ## Run every benchmark; figures, chart and Lighthouse under bench/results/ (about 9 min)
	$(BIN)/python -m bench

.PHONY: load-run
load-run: setup ## The fault-injected load run: 300 uploads under faults, then the counts (about 100 s)
	$(BIN)/python -m bench.load_run

.PHONY: lint
lint: setup ## Fix what ruff can fix, and format
	$(BIN)/ruff check --fix . scripts/zappa-env scripts/site-requirements
	$(BIN)/ruff format . scripts/zappa-env scripts/site-requirements

.PHONY: clean
clean: ## Remove the virtualenvs, caches, build outputs and the local database
	rm -rf $(VENV) $(TOOLS) build staticfiles .aws-sam .pytest_cache .ruff_cache db.sqlite3 .devstack
