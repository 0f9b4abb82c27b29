# IAM Tutor: two commands.  `make run` serves the site; `make test` runs the whole suite.
# PYTHON=/path/to/python3.12 overrides the interpreter search (scripts/find-python).
SHELL := /bin/sh
VENV  := .venv
PY    := $(VENV)/bin/python
HOST  ?= 127.0.0.1
PORT  ?= 8000
PYTEST_ARGS ?= -n auto

.PHONY: run test setup lint bench fuzz clean

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

bench: setup
	$(PY) -m iamtutor.engine bench
	DEBUG=true $(PY) manage.py migrate --noinput -v 0
	DEBUG=true $(PY) manage.py bench_pages
	DEBUG=true $(PY) manage.py bench_diagrams
	DEBUG=true $(PY) manage.py bench_cross_account
	DEBUG=true $(PY) manage.py bench_classroom
	DEBUG=true $(PY) manage.py bench_roster
	DEBUG=true $(PY) manage.py bench_labs
	DEBUG=true $(PY) manage.py bench_dashboard

# Generated documents through the policy parser and world loader; fails if any escapes as a crash.
FUZZ_COUNT ?= 100000
FUZZ_SEED  ?= 1
fuzz: setup
	$(PY) -m iamtutor.engine fuzz --count $(FUZZ_COUNT) --seed $(FUZZ_SEED)

clean:
	rm -rf $(VENV) *.egg-info db.sqlite3 staticfiles
