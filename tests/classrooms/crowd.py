"""A big class in a few bulk inserts, for the tests that count queries at 300 students (the answers and the
votes): users, their member-account sandboxes (empty: these pages never open them), enrollments spread over
the classroom's sections, and their lesson learners."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from iamtutor.classrooms.models import Classroom, Enrollment
from iamtutor.sandbox.models import Sandbox
from lessons.models import Learner


def crowd(classroom: Classroom, count: int, prefix: str = "crowd") -> list[Enrollment]:
    """``count`` more active students in ``classroom``, round-robin over its sections, each with a learner."""
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"{prefix}-{n}", email=f"{prefix}-{n}@example.com") for n in range(count)]
    )
    sandboxes = Sandbox.objects.bulk_create(
        [Sandbox(owner=user, kind=Sandbox.CLASSROOM, name=f"{classroom.name} · {user.username}") for user in users]
    )
    sections = list(classroom.sections.all()) or [None]
    base = 700000000000 + Enrollment.objects.count() * 1000
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                classroom=classroom,
                user=user,
                sandbox=sandbox,
                section=sections[n % len(sections)],
                account_id=str(base + n),
            )
            for n, (user, sandbox) in enumerate(zip(users, sandboxes, strict=True))
        ]
    )
    Learner.objects.bulk_create([Learner(user=user) for user in users])
    return enrollments
