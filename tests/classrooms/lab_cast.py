"""Fixtures for the classroom labs' tests (import ``*_fixture`` into a test module): the lab files read once per test
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


@pytest.fixture(scope="session", name="lab_files")
def lab_files_fixture():
    return {key: read_lab(LABS_DIR / f"{key}.yaml") for key in STORED}


@pytest.fixture(name="fix_lab")
def fix_lab_fixture(db, lab_files) -> Lab:
    store(list(lab_files.values()))
    return Lab.objects.get(key="fix-the-trust-policy")


@pytest.fixture(name="assignment")
def assignment_fixture(classroom, carol, fix_lab) -> Assignment:
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


# ---- every actor at one address ----------------------------------------------------------------------------

MEMBERS = ("owner", "co_instructor", "ta_of_section", "ta_of_other_section", "student", "other_student")
OUTSIDERS = ("student_of_other_classroom", "stranger", "anonymous")
ANSWERED = {200, 204, 302, 400, 409}  # the page, a redirect, a refused form: the actor had the right


def walk(cast: dict, classroom, method: str, address: str, action: str, about=None, data=None) -> list[str]:
    """Asks ``address`` as each actor of the cast (``tests/classrooms/cast.py``) and returns every answer that
    differs from what ``permissions`` says ``action`` (on the student ``about``) allows: outsiders 404, members
    without the right 403 with the reason on the page, a refused request changes nothing."""
    from django.db import transaction
    from django.utils.html import escape

    from iamtutor.classrooms import permissions
    from iamtutor.classrooms.models import ResultOverride, Snapshot, StaffAction
    from tests.classrooms.cast import answer

    def state():
        return [m.objects.count() for m in (Assignment, AssignmentAttempt, ResultOverride, Snapshot, StaffAction)]

    failures = []
    for actor, user in cast.items():
        with transaction.atomic():
            before = state()
            response = answer(user, method, address, data)
            changed = state() != before
            transaction.set_rollback(True)
        where = f"{method.upper()} {address} as {actor}"
        if actor in OUTSIDERS:
            if response.status_code != 404 or changed:
                failures.append(f"{where}: {response.status_code}, expected 404")
            continue
        reason = permissions.why_not(permissions.actor_for(user, classroom), action, about)
        if reason is None:
            if response.status_code not in ANSWERED:
                failures.append(f"{where}: {response.status_code}, expected the page")
        elif response.status_code != 403 or escape(reason) not in response.content.decode() or changed:
            failures.append(f"{where}: {response.status_code}, expected 403 saying {reason!r}")
    return failures
