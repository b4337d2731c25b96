# LicaiFlow — `make run` sets up and serves the app on SQLite with demo data; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://127.0.0.1:5432/test
PYTEST_ARGS ?=
# Moments (Asia/Shanghai) the date-sensitive tests run at again: a month end, a year end, 29 February and the
# Spring Festival week. The main run uses tests/conftest.py's default moment (LICAI_TEST_NOW overrides it).
TEST_DATES ?= 2027-01-31T23:30:00+08:00 2026-12-31T23:30:00+08:00 2028-02-29T10:00:00+08:00 2027-02-08T10:00:00+08:00

.PHONY: setup run serve db test test-sqlite test-dates test-pg lint wheel-check typecheck check bench loadtest clean

$(VENV)/.installed: setup.cfg
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The designer's ES-module bundles (bpmn-js Modeler, properties panel, dmn-js) → app/static/build/ (not committed).
DESIGNER_SOURCES := $(wildcard app/static/js/designer/* app/static/js/designer/i18n/*)
app/static/build/.built: node_modules/.installed $(DESIGNER_SOURCES)
	npm run --silent build
	touch $@

setup: $(VENV)/.installed node_modules/.installed app/static/build/.built

# Migrate the database (SQLite file in instance/ unless LICAI_DATABASE_URL says otherwise), sync
# permissions and parameters, deploy the shipped BPMN, and load the demo data once.
db: setup
	$(FLASK) db upgrade
	$(FLASK) seed base
	$(FLASK) bpmn deploy
	$(FLASK) seed demo

# The web server and the one scheduler process together; Ctrl-C stops both.
run: db
	@echo "LicaiFlow: http://$(HOST):$(PORT)  — demo users in README.md; Ctrl-C stops everything"
	@trap 'kill 0' INT TERM; \
	$(FLASK) scheduler run & \
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py --bind $(HOST):$(PORT) --workers 2 --threads 4 'app:create_app()' & \
	wait

# Production-style serving (set LICAI_ENV=production, LICAI_SECRET_KEY and LICAI_DATABASE_URL first).
serve: setup
	$(FLASK) db upgrade
	$(FLASK) seed base
	$(FLASK) bpmn deploy
	$(BIN)/gunicorn -c deploy/gunicorn.conf.py --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-4} --threads 4 'app:create_app()'

test: test-sqlite test-dates test-pg

test-sqlite: setup
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# The date-sensitive tests again with the clock at each of TEST_DATES; each run prints its own duration.
test-dates: setup
	@for moment in $(TEST_DATES); do \
		echo "== date-sensitive tests at LICAI_TEST_NOW=$$moment"; \
		LICAI_TEST_NOW=$$moment $(BIN)/pytest -q -n 2 --dist loadgroup -m date_sensitive $(PYTEST_ARGS) || exit 1; \
	done

# The database-sensitive tests (races, locking, set-based SQL) again on PostgreSQL, when it answers.
test-pg: setup
	@if [ -n "$$TEST_DATABASE_URL" ] || $(BIN)/python -c "import psycopg; psycopg.connect('host=127.0.0.1 port=5432 dbname=test', connect_timeout=3).close()" 2>/dev/null; then \
		TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$(PG_TEST_URL)} $(BIN)/pytest -m db_sensitive $(PYTEST_ARGS); \
	else echo "PostgreSQL is not answering on 127.0.0.1:5432: skipping the PostgreSQL run"; fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

# Build the wheel, install it into a clean virtualenv under /tmp and start the app from it (CI runs it too).
wheel-check: setup
	.ci/wheel-check

check: lint test

bench: setup
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Two gunicorn processes and two schedulers on a fresh PostgreSQL database (licai_load on 127.0.0.1:5432)
# under Locust for LOADTEST_SECONDS (default 300), with kill -9 of one web master and the scheduler leader
# halfway; prints req/s, p95 and errors and checks with SQL that no work was lost or doubled. Not part of
# make test. LOADTEST_USERS, LOADTEST_DRAIN_SECONDS, LOADTEST_TRADES, LOADTEST_TIMERS: see bench/loadtest/run.py.
loadtest: setup
	@$(BIN)/python -c 'import locust' 2>/dev/null || $(BIN)/pip install --quiet 'locust>=2.30,<3'  # the [load] extra
	LOADTEST_SECONDS=$${LOADTEST_SECONDS:-300} $(BIN)/python bench/loadtest/run.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache tests/screenshots
