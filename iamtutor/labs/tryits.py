"""The lessons' "Try it": each build-up step 1–7 has one lab (``Lab.try_it``), and the learner's status in it.

The lessons link each step to its lab and show on the progress page which of them the learner passed. A
learner is a signed-in user (every attempt they made, in any of their sandboxes, or in a sandbox they made
before signing up) or an anonymous browser session (the sandbox it owns). ``step_labs`` costs one query,
whatever the learner did — the seven labs, each with two subqueries on the learner's attempts (one passed?
any started?) — and is remembered on the request, so a page that shows several steps asks once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.http import HttpRequest

from iamtutor.sandbox.access import SESSION_KEY

from .models import Attempt, Lab

PASSED, STARTED, NOT_STARTED = "passed", "started", ""
_REQUEST_KEY = "_labs_step_labs"


@dataclass(frozen=True)
class StepLab:
    """One step's "Try it" lab and where the learner stands in it."""

    step: int
    lab: Lab
    status: str = NOT_STARTED  # "passed", "started" or ""

    @property
    def passed(self) -> bool:
        return self.status == PASSED


def step_labs(request: HttpRequest) -> dict[int, StepLab]:
    """The "Try it" lab of each step that has one, by step, with the learner's status (remembered on ``request``)."""
    found = getattr(request, _REQUEST_KEY, None)
    if found is None:
        labs = Lab.objects.filter(try_it__isnull=False, retired=False).only("key", "title", "brief", "try_it")
        attempts = learner_attempts(request)
        if attempts is not None:
            mine = attempts.filter(lab=OuterRef("pk"))
            labs = labs.annotate(passed=Exists(mine.filter(passed_at__isnull=False)), started=Exists(mine))
        found = {}
        for lab in labs.order_by("try_it"):
            status = PASSED if getattr(lab, "passed", False) else STARTED if getattr(lab, "started", False) else ""
            found[lab.try_it] = StepLab(lab.try_it, lab, status)
        setattr(request, _REQUEST_KEY, found)
    return found


def step_lab(request: HttpRequest, step: object) -> StepLab | None:
    """Step ``step``'s "Try it" lab, or None."""
    return step_labs(request).get(step) if isinstance(step, int) else None


def learner_statuses(request: HttpRequest, lab_ids: list[int]) -> dict[int, str]:
    """{lab id: "passed" | "started"} for the labs among ``lab_ids`` the learner behind ``request`` started: one
    query returning at most one row per lab, however many attempts the learner made."""
    attempts = learner_attempts(request)
    if attempts is None or not lab_ids:
        return {}
    rows = attempts.filter(lab_id__in=lab_ids).values("lab_id").annotate(passed=Max("passed_at")).order_by()
    return {row["lab_id"]: PASSED if row["passed"] is not None else STARTED for row in rows}


def learner_attempts(request: HttpRequest) -> QuerySet[Attempt] | None:
    """Every attempt of the learner behind ``request`` (None for a visitor with no sandbox yet)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Attempt.objects.filter(Q(user=user) | Q(sandbox__owner=user))
    session = getattr(request, "session", None)
    sandbox_id = session.get(SESSION_KEY) if session is not None else None
    try:
        sandbox_uuid = uuid.UUID(str(sandbox_id)) if sandbox_id else None
    except ValueError:
        return None
    if sandbox_uuid is None:
        return None
    return Attempt.objects.filter(sandbox_id=sandbox_uuid, sandbox__owner__isnull=True)
