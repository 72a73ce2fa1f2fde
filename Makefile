# Darkroom's commands. `make` lists them; the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
# One stamp per set of tools, so `make run` installs only what the local stack needs.
RUN_STAMP := $(VENV)/.run-stamp
TEST_STAMP := $(VENV)/.test-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
# checkov and the SAM CLI pin many packages of their own: each gets a venv under .venv-tools/, away from .venv.
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed-stamp
REQUIREMENTS := pyproject.toml functions/resize/requirements.txt functions/notify/requirements.txt
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
LINTED := . scripts/zappa-env scripts/site-requirements
# django-upgrade's default_auto_field fixer is skipped until web/settings.py drops DEFAULT_AUTO_FIELD (Django 6's
# default). The same checks, versions and arguments as .pre-commit-config.yaml.
DJANGO_UPGRADE := $(BIN)/django-upgrade --target-version 6.1 --skip default_auto_field
# The fast tests (`make check`): not the SAM builds, Zappa package, browser tests or load run (marked slow), nor
# the test that needs .venv-tools/ (cfn-lint and checkov).
FAST_TESTS := -m "not slow" tests/web tests/notify tests/resize tests/infra tests/devstack \
	--ignore=tests/infra/test_template_lint.py
# One pytest-xdist worker per core (docs/testing.md, "Running in parallel").
PARALLEL := -n auto --dist worksteal

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Darkroom needs $(PYTHON) (see .python-version)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# The local stack runs from the checkout, so `make run` installs the site's and the local extra's requirements
# without building the project (3 s of a first run); the test and benchmark tools install it, editable.
$(RUN_STAMP): $(REQUIREMENTS) | $(BIN)/python
	$(BIN)/python -c 'import tomllib; project = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	  print(*project["dependencies"], *project["optional-dependencies"]["local"], sep="\n")' > $(VENV)/run-requirements.txt
	$(PIP) -r $(VENV)/run-requirements.txt $(foreach r,$(filter %.txt,$(REQUIREMENTS)),-r $(r))
	touch $@

$(TEST_STAMP): $(RUN_STAMP)
	$(PIP) -e '.[test]'
	touch $@

$(BENCH_STAMP): $(RUN_STAMP)
	$(PIP) -e '.[bench]'
	touch $@

.PHONY: setup
setup: $(RUN_STAMP) ## Create .venv with what the site, the functions and the local stack need

# Zappa goes into .venv (the deploy steps run it from there); checkov and the SAM CLI into .venv-tools/.
$(TOOLS_STAMP): | $(RUN_STAMP)
	$(PIP) -e '.[local,deploy]'
	@command -v $(PYTHON) >/dev/null || { echo "Darkroom needs $(PYTHON) (see .python-version)"; exit 1; }
	$(PYTHON) -m venv --clear $(TOOLS)/checkov
	$(TOOLS)/checkov/bin/python -m pip install --quiet --disable-pip-version-check 'checkov>=3.2,<4'
	$(PYTHON) -m venv --clear $(TOOLS)/sam
	$(TOOLS)/sam/bin/python -m pip install --quiet --disable-pip-version-check 'aws-sam-cli>=1.140,<2'
	touch $@

.PHONY: tools
tools: $(TOOLS_STAMP) ## Install Zappa (.venv), checkov and the SAM CLI (.venv-tools/) for the infra tests and deploys

# Named venv: Zappa's search for WebSocket handlers skips folders of that name, not build/deploy-venv.
DEPLOY_VENV := build/venv

.PHONY: deploy-venv
deploy-venv: ## Create build/venv: only the site's runtime dependencies and Zappa (Zappa packs it whole)
	rm -rf build/deploy-venv  # the old name: left there, Zappa would still find its handler and add a WebSocket API
	$(PYTHON) -m venv --clear $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check $$(scripts/site-requirements)

# The system packages the tests need (Chromium, PostgreSQL, Node.js) are installed once by the setup step in
# docs/testing.md (.ci/run does it on CI): these only check, and say where to look.
SETUP_STEP := see the Setup section of docs/testing.md
CHROMIUM := /usr/bin/chromium

.PHONY: chromium postgresql
chromium:
	@test -x $(CHROMIUM) || { echo "The browser tests need Debian's Chromium at $(CHROMIUM): $(SETUP_STEP)"; exit 1; }

postgresql:
	@ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || \
	  { echo "The second run of tests/web needs Debian's postgresql: $(SETUP_STEP)"; exit 1; }

# The front-end test and benchmark tools (axe-core, Lighthouse) from package-lock.json. `make run` never needs npm:
# the browser's third-party files are committed under web/static/vendor/ (scripts/vendor-static).
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "The tests and benchmarks need Node.js 20 and npm: $(SETUP_STEP)"; exit 1; }
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

.PHONY: lint-check
lint-check: $(TEST_STAMP) ## What .pre-commit-config.yaml checks, and mypy
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(DJANGO_UPGRADE) --check $$(git ls-files '*.py') scripts/zappa-env scripts/site-requirements
	$(BIN)/check-yaml --unsafe $$(git ls-files '*.yaml' '*.yml')
	$(BIN)/mypy

.PHONY: check
check: lint-check ## Lint, types and the fast tests: run it before every commit
	$(BIN)/pytest -q $(PARALLEL) $(FAST_TESTS)

.PHONY: test
test: chromium postgresql lint-check tools node ## Every test, as CI runs it: SQLite, then tests/web on PostgreSQL
	$(BIN)/pytest
	scripts/with-postgres $(BIN)/pytest $(PARALLEL) tests/web

.PHONY: bench
bench: chromium $(BENCH_STAMP) node ## Run every benchmark; figures, chart and Lighthouse under bench/results/ (about 11 min)
	$(BIN)/python -m bench

.PHONY: load-run
load-run: setup ## The fault-injected load run: 300 uploads under faults, then the counts (about 100 s)
	$(BIN)/python -m bench.load_run

.PHONY: lint
lint: $(TEST_STAMP) ## Fix what ruff can fix, and format
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

.PHONY: clean
clean: ## Remove the virtualenvs, caches, build outputs and the local database
	rm -rf $(VENV) $(TOOLS) build staticfiles .aws-sam .pytest_cache .ruff_cache .mypy_cache db.sqlite3 .devstack
