"""Grading: each student's result on each assigned lab, staff overrides, and the grades as CSV.

A result comes from the student's starts of the assignment (``AssignmentAttempt``): the one whose check ran
last counts (or, with no check run yet, the latest start). Its score is the tasks that passed in that run out
of the lab's tasks. The status is *not started*, *in progress*, *passed* (every task passes in that run) or
*late* (passed, but first passed after the due date); *not assigned* when the lab is another section's.
Staff may override the score of one student on one lab with a reason: the newest override counts, an empty
score withdraws it, and every override is kept and written to the staff log.

Everything here reads rows in bulk (a few queries for a whole class) and never opens an attempt's results.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from . import assignments, log, permissions
from .models import Assignment, AssignmentAttempt, Enrollment, ResultOverride, StaffMember
from .permissions import Actor
from .roster import safe_cell

NOT_ASSIGNED, NOT_STARTED, IN_PROGRESS, PASSED, LATE = "not_assigned", "not_started", "in_progress", "passed", "late"
STATUS_WORDS = {
    NOT_ASSIGNED: "not assigned",
    NOT_STARTED: "not started",
    IN_PROGRESS: "in progress",
    PASSED: "passed",
    LATE: "passed late",
}
MAX_REASON = 500


class Work(NamedTuple):
    """What grading and the dashboard read of one start (``AssignmentAttempt``)."""

    pk: int
    assignment_id: int
    enrollment_id: int
    attempt_id: int
    started: datetime
    updated: datetime
    checks_run: int
    last_checked: datetime | None
    tasks_passed: int
    tasks_total: int
    passed_at: datetime | None
    top_rung: int
    account_row_id: int | None  # set while this start's world is the one in the student's account


def work_rows(starts: QuerySet[AssignmentAttempt]) -> list[Work]:
    """``starts`` as ``Work`` rows, oldest first (one query)."""
    return [Work(*row) for row in starts.order_by("pk").values_list(*Work._fields)]


def counted(starts: Iterable[Work]) -> Work | None:
    """The start that counts: the one whose check ran last, else (nothing checked yet) the latest one."""
    starts = list(starts)
    checked = [work for work in starts if work.last_checked is not None]
    if checked:
        return max(checked, key=lambda work: (work.last_checked, work.pk))
    return max(starts, key=lambda work: work.pk, default=None)


class Override(NamedTuple):
    pk: int
    assignment_id: int
    enrollment_id: int
    score: int | None
    reason: str
    by_name: str
    created: datetime


def latest_overrides(overrides: QuerySet[ResultOverride]) -> dict[tuple[int, int], Override]:
    """The override in force for each (assignment, student): the newest, unless it withdrew (one query)."""
    found: dict[tuple[int, int], Override] = {}
    for row in overrides.order_by("pk").values_list(*Override._fields):
        entry = Override(*row)
        found[(entry.assignment_id, entry.enrollment_id)] = entry
    return {key: entry for key, entry in found.items() if entry.score is not None}


@dataclass(frozen=True)
class Result:
    """One student's result on one assignment."""

    status: str
    work: Work | None = None
    override: Override | None = None

    @property
    def late(self) -> bool:
        return self.status == LATE

    @property
    def passed(self) -> bool:
        return self.status in (PASSED, LATE)

    @property
    def checks_score(self) -> float | None:
        """Percent of the tasks that passed in the counted check run; 0 for a start not checked yet; ``None``
        when not started."""
        if self.work is None:
            return None
        if not self.work.tasks_total or self.work.last_checked is None:
            return 0.0
        return 100 * self.work.tasks_passed / self.work.tasks_total

    @property
    def score(self) -> float | None:
        """The score that counts: the override's, else the checks'."""
        return float(self.override.score) if self.override is not None else self.checks_score

    @property
    def words(self) -> str:
        return STATUS_WORDS[self.status]


def result(assignment: Assignment, assigned: bool, starts: Iterable[Work], override: Override | None) -> Result:
    """The result of one student (whose starts of ``assignment`` these are) on it."""
    work = counted(starts)
    if work is None:
        return Result(NOT_STARTED if assigned else NOT_ASSIGNED, None, override)
    passed = work.last_checked is not None and work.tasks_total > 0 and work.tasks_passed == work.tasks_total
    if not passed:
        return Result(IN_PROGRESS, work, override)
    late = assignment.due_at is not None and work.passed_at is not None and work.passed_at > assignment.due_at
    return Result(LATE if late else PASSED, work, override)


def score_text(score: float | None) -> str:
    """A percent as the grades show it: "100", "66.7", "0"; empty for none."""
    if score is None:
        return ""
    return f"{score:.1f}".removesuffix(".0")


def student_results(enrollment: Enrollment) -> list[dict]:
    """The labs assigned to the student with where each stands and their result (two queries), by due date:
    ``{"assignment", "phase", "phase_words", "result"}``. Overrides are staff's and not shown here."""
    starts: dict[int, list[Work]] = {}
    for work in work_rows(AssignmentAttempt.objects.filter(enrollment=enrollment)):
        starts.setdefault(work.assignment_id, []).append(work)
    rows = []
    for item in assignments.for_student(enrollment).order_by(F("due_at").asc(nulls_last=True), "pk"):
        stage = assignments.phase(item)
        found = result(item, True, starts.get(item.pk, ()), None)
        rows.append(
            {"assignment": item, "phase": stage, "phase_words": assignments.PHASE_WORDS[stage], "result": found}
        )
    return rows


# ---- overrides ----------------------------------------------------------------------------------------------


def override(assignment: Assignment, enrollment: Enrollment, user, score: int | None, reason: str) -> ResultOverride:
    """Records staff's score (percent; ``None`` withdraws the override) for one student on one assignment,
    with the reason, and the staff log entry, in one transaction."""
    with transaction.atomic():
        entry = ResultOverride.objects.create(
            classroom_id=assignment.classroom_id,
            assignment=assignment,
            enrollment=enrollment,
            score=score,
            reason=reason[:MAX_REASON],
            by=user if getattr(user, "pk", None) else None,
            by_name=getattr(user, "username", "") or "system",
            created=timezone.now(),
        )
        log.record(
            assignment.classroom,
            user,
            "result_overridden",
            enrollment=enrollment,
            reason=reason,
            lab=assignment.lab.title,
            score=score_text(score) if score is not None else "withdrawn: the checks' score counts again",
        )
    return entry


# ---- CSV ------------------------------------------------------------------------------------------------------


def pseudonym(enrollment: Enrollment) -> str:
    """A stable id for the student in this classroom's exports that does not reveal who they are (a keyed
    hash of the classroom and the enrollment; another classroom gets another one)."""
    value = f"{enrollment.classroom_id}:{enrollment.pk}"
    digest = salted_hmac("iamtutor.classrooms.grades", value, algorithm="sha256").hexdigest()
    return f"s-{digest[:12]}"


def graded_students(actor: Actor) -> QuerySet[Enrollment]:
    """The students whose grades ``actor`` may export (a TA: their sections'), active and removed; staff who
    enrolled to try the classroom are left out, as from every class figure."""
    staff = StaffMember.objects.filter(classroom=actor.classroom).values("user_id")
    rows = (
        Enrollment.objects.filter(classroom=actor.classroom)
        .exclude(user_id__in=staff)
        .select_related("user", "section")
        .only("pk", "classroom_id", "state", "section_id", "section__name", "user__username")
        .order_by("user__username")
    )
    return permissions.visible_enrollments(actor, rows)


def csv_text(actor: Actor, assignments: list[Assignment], *, named: bool) -> str:
    """The grades, one row per student and two columns per assigned lab: its score (percent, empty when not
    started) and its notes (late, overridden, not started, not assigned). Students are named by user name
    (``named``) or by pseudonymous id. Cells a spreadsheet could take for a formula are made plain text."""
    students = list(graded_students(actor))
    starts: dict[tuple[int, int], list[Work]] = {}
    for work in work_rows(AssignmentAttempt.objects.filter(classroom=actor.classroom)):
        starts.setdefault((work.assignment_id, work.enrollment_id), []).append(work)
    overrides = latest_overrides(ResultOverride.objects.filter(classroom=actor.classroom))
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["student" if named else "pseudonymous_id", "section", "state"]
    for assignment in assignments:
        title = column_title(assignment)
        header += [title, f"{title} notes"]
    writer.writerow([safe_cell(cell) for cell in header])
    for student in students:
        cells = [
            student.user.username if named else pseudonym(student),
            student.section.name if student.section else "",
            student.state,
        ]
        for assignment in assignments:
            key = (assignment.pk, student.pk)
            found = result(assignment, _assigned(assignment, student), starts.get(key, ()), overrides.get(key))
            cells += [score_text(found.score), notes(found)]
        writer.writerow([safe_cell(cell) for cell in cells])
    return out.getvalue()


def column_title(assignment: Assignment) -> str:
    """A lab's column heading: its title, its section when it is one section's, "(edited world)" for a fork."""
    title = assignment.lab.title
    if assignment.section_id is not None:
        title += f" ({assignment.section.name})"
    if assignment.world is not None:
        title += " (edited world)"
    return title


def notes(found: Result) -> str:
    """The marks beside a score: "late", "overridden (checks: 67)", "not started", "not assigned"."""
    marks = []
    if found.status in (NOT_STARTED, NOT_ASSIGNED, LATE):
        marks.append(found.words if found.status != LATE else "late")
    if found.override is not None:
        checks = score_text(found.checks_score)
        marks.append(f"overridden (checks: {checks or 'not started'}): {found.override.reason}")
    return "; ".join(marks)


def _assigned(assignment: Assignment, student: Enrollment) -> bool:
    return assignment.section_id is None or assignment.section_id == student.section_id


def iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""
