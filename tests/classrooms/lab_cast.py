"""Fixtures for the classroom labs' tests (import them into a test module): the lab files read once per test
process, two of them stored (``fix-the-trust-policy``, guided, and ``detective-who-read-payroll``), an
assignment of the first to the whole of carol's class, and helpers that play a student's part."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from iamtutor.classrooms import assignments
from iamtutor.classrooms.models import Assignment, AssignmentAttempt
from iamtutor.engine import apply_steps
from iamtutor.labs.loader import LABS_DIR, read_lab
from iamtutor.labs.models import Lab
from iamtutor.labs.store import store
from iamtutor.sandbox.worlds import changing

STORED = ("fix-the-trust-policy", "detective-who-read-payroll")


@pytest.fixture(scope="session")
def lab_files():
    return {key: read_lab(LABS_DIR / f"{key}.yaml") for key in STORED}


@pytest.fixture
def fix_lab(db, lab_files) -> Lab:
    store(list(lab_files.values()))
    return Lab.objects.get(key="fix-the-trust-policy")


@pytest.fixture
def assignment(classroom, carol, fix_lab) -> Assignment:
    """fix-the-trust-policy, assigned to the whole class, open now, due in a day, closing in two."""
    now = timezone.now()
    return assignments.assign(
        classroom,
        carol,
        lab=fix_lab,
        section=None,
        opens_at=now - timedelta(hours=1),
        due_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
    )


def solve(enrollment, lab_files, key="fix-the-trust-policy", kind="correct", index=0) -> None:
    """Applies one of the lab file's solutions to the student's account, renumbered to it."""
    solution = [s for s in lab_files[key].solutions if s["kind"] == kind][index]
    steps = assignments.renumbered(solution["steps"], enrollment.account_id)
    with changing(enrollment.sandbox) as loaded:
        for outcome in apply_steps(loaded.world, steps):
            assert not outcome.failures, outcome.failures


def start(assignment, enrollment) -> AssignmentAttempt:
    enrollment.refresh_from_db()
    return assignments.start(assignment, enrollment)
