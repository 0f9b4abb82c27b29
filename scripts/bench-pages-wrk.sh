#!/bin/sh
# Issue 13's side-by-side measurement: IAM Tutor's pages under gunicorn + wrk against a plain Django
# project in the same run. Options and what it needs: scripts/bench_pages_wrk.py --help.
# PYTHON=/path/to/python picks the interpreter (default: this repo's .venv).
here=$(dirname "$0")
exec "${PYTHON:-$here/../.venv/bin/python}" "$here/bench_pages_wrk.py" --python "${PYTHON:-$here/../.venv/bin/python}" "$@"
