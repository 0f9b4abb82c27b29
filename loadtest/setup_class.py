"""The class the load test sends: learners who can log in, an instructor, and an open classroom with every
learner enrolled, each in a member account of their own.

Run by ``loadtest/run.py`` against its throwaway database, never against a real one: it refuses a database
that already holds users. It is a script, not a ``manage.py`` command, so a production site has no command
that creates hundreds of accounts with a known password.

    python -m loadtest.setup_class --learners 300 --out credentials.json

The learners share one password (hashed once: Argon2id costs about a quarter of a second of CPU per hash,
over a minute for a class); the application's own functions create the classroom, open it and enrol each
learner (``enrol`` gives each a member account with the starting world, as joining does).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from pathlib import Path

SECTIONS = ("Monday", "Wednesday", "Friday")
LEARNER_PREFIX = "learner"
INSTRUCTOR = "instructor"


def build_class(learners: int, password: str) -> dict:
    """Creates the class; returns what the locustfile needs to log in and find the classroom."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from iamtutor.accounts.roles import grant_instructor
    from iamtutor.classrooms import changes
    from iamtutor.classrooms.membership import create_classroom, enrol
    from iamtutor.classrooms.models import Classroom

    users = get_user_model().objects
    if users.exists():
        raise SystemExit("This database already holds users: the load test builds its class only in an empty one.")
    started = time.process_time()
    hashed = make_password(password)
    hash_seconds = time.process_time() - started
    names = [f"{LEARNER_PREFIX}{n:04d}" for n in range(1, learners + 1)]
    students = users.bulk_create(
        [get_user_model()(username=name, email=f"{name}@example.com", password=hashed) for name in names]
    )
    teacher = users.create(username=INSTRUCTOR, email="instructor@example.com", password=hashed)
    grant_instructor(teacher)
    classroom = create_classroom(teacher, "Load test class", description="A class of learners for the load test.")
    sections = [changes.add_section(classroom, teacher, name) for name in SECTIONS]
    changes.change_state(classroom, teacher, Classroom.OPEN)
    for n, student in enumerate(students):
        enrol(classroom, student, sections[n % len(sections)])
    return {
        "password": password,
        "learners": names,
        "instructor": INSTRUCTOR,
        "classroom": str(classroom.pk),
        "hash_cpu_seconds": round(hash_seconds, 3),  # what one log-in's password check costs
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--out", type=Path, required=True, help="Where to write the credentials (JSON).")
    args = parser.parse_args(argv)
    if args.learners < 1:
        parser.error("--learners must be at least 1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamtutor.settings")
    import django

    django.setup()
    started = time.perf_counter()
    data = build_class(args.learners, secrets.token_urlsafe(18))
    args.out.write_text(json.dumps(data, indent=2))
    args.out.chmod(0o600)
    print(
        f"Built a class of {args.learners} learners, an instructor and an open classroom "
        f"in {time.perf_counter() - started:.1f} s.",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
