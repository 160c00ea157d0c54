# Two commands are all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve bench load test docs lint format migrate demo worker clean mutants mutmut lock audit

# Installs exactly what the lock files pin, each file checked against its hashes; each stamp
# re-installs when its lock file changes. pyproject.toml says what the project needs (ranges);
# `make lock` turns that into the locks.
$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $@

# The one command that refreshes both lock files from pyproject.toml (newest releases that fit).
LOCK := $(VENV)/bin/uv pip compile pyproject.toml --quiet --generate-hashes --universal --python-version 3.11
lock: $(VENV)/.installed-dev
	$(LOCK) -o requirements.lock
	$(LOCK) --extra dev -o requirements-dev.lock

# Known vulnerabilities in what the locks pin (PyPI's advisory database).
audit: $(VENV)/.installed-dev
	$(VENV)/bin/pip-audit --disable-pip --require-hashes -r requirements-dev.lock

# Beside the panel, a SIP responder on udp://127.0.0.1:5070 answers the demo server
# sip-local-demo's health check; it stops with the panel.
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	$(PY) manage.py sip_responder --port 5070 & responder=$$!; \
	trap 'kill $$responder 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production serving on this machine: gunicorn (config/gunicorn.py) and the task worker beside it.
# Needs the production settings' environment (.env.example): DJANGO_SECRET_KEY, FIELD_ENCRYPTION_KEYS,
# PANEL_BASE_URL, DATABASE_URL...
serve: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.production $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.production $(PY) manage.py collectstatic --noinput -v 0
	DJANGO_SETTINGS_MODULE=config.settings.production $(MAKE) --no-print-directory worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_SETTINGS_MODULE=config.settings.production $(VENV)/bin/gunicorn -c config/gunicorn.py config.wsgi

# The benchmark (bench/README.md): seeds at scale, serves with gunicorn, drives each page with wrk.
bench: $(VENV)/.installed-dev
	$(PY) bench/run.py $(BENCH_ARGS)

# The load run (bench/README.md): 60 s of wrk at c=32 with concurrent writes, then the database is
# checked against the writes; exits non-zero on a 5xx, a lost write or growing worker memory.
load: $(VENV)/.installed-dev
	$(PY) bench/load.py $(LOAD_ARGS)

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

# The user guide's screenshots (docs/screenshots/): the browser tests in a real Chromium, each
# screenshot a guide page embeds saved at 1280×800; then tests/test_docs.py checks the links.
docs: $(VENV)/.installed-dev
	DOCS_SCREENSHOTS=1 REQUIRE_BROWSER=1 $(PY) -m pytest -q -p no:cacheprovider tests/browser \
	  --ignore=tests/browser/test_accessibility.py $(PYTEST_ARGS)
	$(PY) -m pytest -q -p no:cacheprovider tests/test_docs.py

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Planted defects (tests/mutants/catalogue.py), each in a copy of the tree: fails if one survives.
# Then mutmut over accounts/tenancy.py and accounts/permissions.py against the survivor budget.
mutants: $(VENV)/.installed-dev mutmut
	$(PY) -m tests.mutants.run -- -n 2

mutmut: $(VENV)/.installed-dev
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children 2 > /dev/null
	$(VENV)/bin/mutmut export-cicd-stats > /dev/null
	$(PY) -m tests.mutants.budget

# The task worker of the configured backend: the database queue, or RQ (TASK_BACKEND=rq, Redis).
worker: $(VENV)/.installed
	if [ "$$TASK_BACKEND" = rq ]; then \
	  $(PY) manage.py rqworker --job-class django_tasks_rq.Job default; \
	else \
	  TASK_BACKEND=database $(PY) manage.py db_worker; \
	fi

clean:
	rm -rf $(VENV) staticfiles test-artifacts .pytest_cache .ruff_cache mutants
