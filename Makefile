# IAM Tutor: two commands.  `make run` serves the site; `make test` runs the whole suite.
# PYTHON=/path/to/python3.12 overrides the interpreter search (scripts/find-python).
SHELL := /bin/sh
VENV  := .venv
PY    := $(VENV)/bin/python
HOST  ?= 127.0.0.1
PORT  ?= 8000
PYTEST_ARGS ?= -n auto

.PHONY: run test setup lint bench fuzz loadtest clean

$(VENV)/.installed: pyproject.toml
	@interp=$$(scripts/find-python) || exit 1; \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	    echo "Creating $(VENV) with $$interp"; rm -rf $(VENV); "$$interp" -m venv $(VENV) || exit 1; \
	  fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(VENV)/.installed

# The development server runs with DEBUG on (a development secret key, no HTTPS redirects).
run: export DEBUG ?= true
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_lessons
	$(PY) manage.py load_labs
	@echo ""
	@echo "  IAM Tutor is running at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	DEBUG=true $(PY) manage.py check --fail-level WARNING
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# bench_awsapi compares the AWS endpoint with moto_server, a bench-only dependency.
$(VENV)/.installed-bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	@touch $@

bench: $(VENV)/.installed-bench
	$(PY) -m iamtutor.engine bench
	DEBUG=true $(PY) manage.py migrate --noinput -v 0
	DEBUG=true $(PY) manage.py bench_pages
	DEBUG=true $(PY) manage.py bench_diagrams
	DEBUG=true $(PY) manage.py bench_cross_account
	DEBUG=true $(PY) manage.py bench_classroom
	DEBUG=true $(PY) manage.py bench_roster
	DEBUG=true $(PY) manage.py bench_labs
	DEBUG=true $(PY) manage.py bench_dashboard
	DEBUG=true $(PY) manage.py bench_awsapi

# Generated documents through the policy parser and world loader; fails if any escapes as a crash.
FUZZ_COUNT ?= 100000
FUZZ_SEED  ?= 1
fuzz: setup
	$(PY) -m iamtutor.engine fuzz --count $(FUZZ_COUNT) --seed $(FUZZ_SEED)

# A class on this machine: 300 learners (Locust, think time 3-10 s) against gunicorn + PostgreSQL + Redis on
# 127.0.0.1, for 5 minutes; prints requests/s, errors and p50/p95/p99 per page, and the workers' CPU and memory.
# Not part of make test. Needs PostgreSQL (127.0.0.1:5432, trust), whose database iamtutor_load it drops and
# creates, and redis-server (a private one on 127.0.0.1:6390; LOAD_REDIS names a database instead).
# LOAD_USERS, LOAD_TIME, LOAD_SPAWN_RATE, LOAD_WORKERS, LOAD_STRICT=true (exit 1 when the goal is missed)...:
# README "Load test".
$(VENV)/.installed-load: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev,load]'
	@touch $@

loadtest: $(VENV)/.installed-load
	$(PY) -m loadtest.run

clean:
	rm -rf $(VENV) *.egg-info db.sqlite3 staticfiles loadtest/results
