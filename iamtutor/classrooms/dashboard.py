"""The instructor's dashboard: the students × assigned labs grid, who looks stuck and why, one student's work
on one lab, and the cheap question the live refresh asks every few seconds.

The grid costs a fixed number of queries whatever the class size: the assignments, the students, their starts
(``AssignmentAttempt``: the tally each check run and hint keeps, so no attempt's results are opened), the
overrides in force, and one grouped count of failed AssumeRole calls for the students working right now. Its
cells are built here as HTML (escaped), so that 300 students × 15 labs render within the page's budget.

A student is flagged *stuck* on the lab in their account (the start whose world is still there — not reset,
not undone, no other lab started since —, not passed, not closed) when
they have spent more than ``STUCK_MINUTES`` on it, made ``STUCK_FAILED_ASSUMES`` or more failed AssumeRole
calls since starting it, or revealed a task's worked answer (the top rung of its hint ladder). Each flag says
which, in words.

``fingerprint`` is one query: it changes whenever something the grid shows may have changed (a start, a
check, a hint, an override, an assignment, a student's activity or enrollment, a reset or undo of a
student's account, a date passing, a start crossing the stuck time). The poll compares it with the one the
page was drawn with and answers 204 when they match.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from iamtutor.labs.models import HintUse, Task
from iamtutor.sandbox.models import AuditEvent, SandboxAccount

from . import assignments as assigned
from . import grading, permissions
from .grading import IN_PROGRESS, LATE, NOT_ASSIGNED, NOT_STARTED, PASSED, Override, Result, Work
from .models import Assignment, AssignmentAttempt, Classroom, Enrollment, ResultOverride, Section, StaffMember
from .permissions import Actor

STUCK_MINUTES = 20
STUCK_FAILED_ASSUMES = 3
POLL_SECONDS = 10
STATUS_ORDER = (PASSED, LATE, IN_PROGRESS, NOT_STARTED)


@dataclass(frozen=True)
class Flag:
    """Why a student looks stuck: ``short`` fits a grid cell, ``why`` is the sentence."""

    code: str  # "time", "assume", "answer"
    short: str
    why: str


def flags(work: Work, assignment: Assignment, failed_assumes: int, now: datetime) -> list[Flag]:
    """The stuck flags of a start that is the lab in the student's account (see the module's docstring)."""
    if work.last_checked is not None and work.tasks_total and work.tasks_passed == work.tasks_total:
        return []
    if assigned.phase(assignment, now) == assigned.CLOSED:
        return []
    found = []
    minutes = int((now - work.started).total_seconds() // 60)
    if minutes > STUCK_MINUTES:
        found.append(
            Flag("time", f"{_duration(minutes)} on it", f"{_duration(minutes)} since starting, and not passed yet.")
        )
    if failed_assumes >= STUCK_FAILED_ASSUMES:
        found.append(
            Flag(
                "assume",
                f"{failed_assumes} failed AssumeRole",
                f"{failed_assumes} AssumeRole calls failed since starting the lab.",
            )
        )
    if work.top_rung >= len(Task.RUNGS):
        found.append(
            Flag("answer", "read an answer", "Revealed a task's worked answer (the last hint) and not passed.")
        )
    return found


def _duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def failed_assumes(works: Iterable[Work], sandboxes: dict[int, int]) -> dict[int, int]:
    """Failed AssumeRole calls (and its web-identity sibling) each student made from their own account since
    the lab in it started — after the events its setup wrote —, by enrollment id; ``sandboxes`` maps
    enrollment id → sandbox id. One query."""
    wanted = {sandboxes[work.enrollment_id]: work.enrollment_id for work in works if work.enrollment_id in sandboxes}
    if not wanted:
        return {}
    lab_start = (
        AssignmentAttempt.objects.filter(attempt__sandbox_id=OuterRef("sandbox_id"))
        .order_by("-pk")
        .values("events_from")[:1]
    )
    own_call = Concat(Value("::"), F("sandbox__enrollment__account_id"), Value(":"))
    rows = (
        AuditEvent.objects.filter(sandbox_id__in=list(wanted), event_name__startswith="AssumeRole")
        .exclude(error_code="")
        .filter(pk__gt=Subquery(lab_start), principal_arn__contains=own_call)
        .order_by()
        .values("sandbox_id")
        .annotate(n=Count("pk"))
        .values_list("sandbox_id", "n")
    )
    return {wanted[sandbox_id]: n for sandbox_id, n in rows}


# ---- the grid -------------------------------------------------------------------------------------------------


@dataclass
class Column:
    assignment: Assignment
    title: str
    phase: str
    counts: Counter = field(default_factory=Counter)

    @property
    def phase_words(self) -> str:
        return assigned.PHASE_WORDS[self.phase]


@dataclass
class Row:
    enrollment: Enrollment
    name: str
    section: str
    cells: SafeString | str = ""  # the row's cells as HTML, built from escaped parts in _cell
    is_staff: bool = False


@dataclass
class Stuck:
    """A student flagged on the lab in their account."""

    row: Row
    column: Column
    flags: list[Flag]
    url: str


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]
    stuck: list[Stuck]
    fingerprint: str
    sections: list[Section]
    chosen: Section | None
    scoped: bool
    drawn_at: datetime


def grid(actor: Actor, section: Section | None = None, now: datetime | None = None) -> Grid:
    """The grid as ``actor`` sees it (a TA: their sections' students and the labs assigned to them), narrowed
    to ``section`` if given."""
    now = now or timezone.now()
    classroom = actor.classroom
    drawn = fingerprint(classroom, now)
    columns = [
        Column(a, grading.column_title(a), assigned.phase(a, now))
        for a in assigned.visible(actor)
        if section is None or a.section_id in (None, section.pk)
    ]
    students = _students(actor, section)
    sandboxes = {student.pk: student.sandbox_id for student in students}
    starts: dict[tuple[int, int], list[Work]] = {}
    latest: dict[int, Work] = {}
    for work in grading.work_rows(AssignmentAttempt.objects.filter(classroom=classroom)):
        starts.setdefault((work.assignment_id, work.enrollment_id), []).append(work)
        if work.account_row_id is not None:  # its world is the one in the account (not reset, no lab since)
            latest[work.enrollment_id] = work
    overrides = grading.latest_overrides(ResultOverride.objects.filter(classroom=classroom))
    by_pk = {column.assignment.pk: column for column in columns}
    candidates = [w for w in latest.values() if w.enrollment_id in sandboxes and w.assignment_id in by_pk]
    failures = failed_assumes(candidates, sandboxes)
    url = _drill_url(classroom)
    rows, stuck = [], []
    for student in students:
        row = Row(
            student, student.user.username, student.section.name if student.section else "", is_staff=student.is_staff
        )
        current = latest.get(student.pk)
        parts = []
        for column in columns:
            assignment = column.assignment
            key = (assignment.pk, student.pk)
            found = grading.result(
                assignment, assigned.applies_to(assignment, student), starts.get(key, ()), overrides.get(key)
            )
            marks: list[Flag] = []
            if current is not None and current.assignment_id == assignment.pk and found.work is not None:
                marks = flags(current, assignment, failures.get(student.pk, 0), now)
            link = url(assignment.pk, student.pk)
            if marks:
                stuck.append(Stuck(row, column, marks, link))
            if not row.is_staff:
                column.counts[found.status] += 1
                column.counts["stuck"] += bool(marks)
            parts.append(_cell(found, marks, link))
        row.cells = mark_safe("".join(parts))  # noqa: S308 - every part is escaped in _cell
        rows.append(row)
    scope = actor.section_ids()
    sections = list(classroom.sections.all() if scope is None else classroom.sections.filter(pk__in=scope))
    return Grid(columns, rows, stuck, drawn, sections, section, scope is not None, now)


def _students(actor: Actor, section: Section | None) -> list[Enrollment]:
    staff = StaffMember.objects.filter(classroom=actor.classroom, user=OuterRef("user_id"))
    rows = (
        Enrollment.objects.filter(classroom=actor.classroom, state=Enrollment.ACTIVE)
        .select_related("user", "section")
        .only("pk", "classroom_id", "section_id", "sandbox_id", "section__name", "section__position", "user__username")
        .annotate(is_staff=Exists(staff))
        .order_by("section__position", "section__name", "user__username")
    )
    if section is not None:
        rows = rows.filter(section=section)
    return list(permissions.visible_enrollments(actor, rows))


def _drill_url(classroom: Classroom):
    """``(assignment pk, enrollment pk) -> URL`` of the drill-down, relative to the dashboard's own address
    (``<pk>/dashboard/``), where the grid is always drawn: 4,500 cells stay small."""
    base = reverse("classrooms:dashboard", args=[classroom.pk])
    a, s = 987654321, 123456789
    relative = reverse("classrooms:dashboard_student", args=[classroom.pk, a, s]).removeprefix(base)
    head, rest = relative.split(str(a))
    middle, tail = rest.split(str(s))
    return lambda assignment, student: f"{head}{assignment}{middle}{student}{tail}"


CELL_WORDS = {
    NOT_ASSIGNED: "not assigned",
    NOT_STARTED: "not started",
    IN_PROGRESS: "in progress",
    PASSED: "passed",
    LATE: "late",
}


def _cell(found: Result, marks: list[Flag], link: str) -> str:
    """One cell: the status in words (a link to the drill-down), the tasks passed, an override, stuck flags."""
    if found.status == NOT_ASSIGNED and found.override is None:
        return f'<td class="help">{CELL_WORDS[NOT_ASSIGNED]}</td>'
    extra = ""
    work = found.work
    if found.status == IN_PROGRESS and work is not None and work.last_checked is not None:
        extra += f'<span class="grid-score">{work.tasks_passed}/{work.tasks_total} tasks</span>'
    if found.override is not None:
        extra += f'<span class="grid-override">override: {grading.score_text(found.override.score)}%</span>'
    if marks:
        extra += '<span class="grid-stuck">stuck: ' + escape("; ".join(flag.short for flag in marks)) + "</span>"
    return f'<td class="grid-{found.status}"><a href="{link}">{CELL_WORDS[found.status]}</a>{extra}</td>'


# ---- the live refresh ---------------------------------------------------------------------------------------


def fingerprint(classroom: Classroom, now: datetime | None = None) -> str:
    """A short text that changes whenever the grid may have changed (the module's docstring lists what);
    one query."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=STUCK_MINUTES)

    def one(queryset: QuerySet, **aggregate):
        (name,) = aggregate
        return Subquery(queryset.order_by().values("classroom_id").annotate(**aggregate).values(name)[:1])

    here = OuterRef("pk")
    students = Enrollment.objects.filter(classroom=here)
    labs = Assignment.objects.filter(classroom=here)
    starts = AssignmentAttempt.objects.filter(classroom=here)
    values = (
        Classroom.objects.filter(pk=classroom.pk)
        .annotate(
            students=one(students, n=Count("pk")),
            joined=one(students, m=Max("joined")),
            active=one(students, m=Max("sandbox__last_used")),
            labs=one(labs, n=Count("pk")),
            labs_changed=one(labs, m=Max("updated")),
            opened=one(labs.filter(opens_at__lte=now), n=Count("pk")),
            due=one(labs.filter(due_at__lt=now), n=Count("pk")),
            closed=one(labs.filter(closes_at__lte=now), n=Count("pk")),
            starts=one(starts, n=Count("pk")),
            starts_changed=one(starts, m=Max("updated")),
            overdue=one(starts.filter(started__lt=stale, passed_at__isnull=True), n=Count("pk")),
            worlds=Subquery(  # a reset, an undo or a start anywhere in the class makes a new own-account row
                SandboxAccount.objects.filter(sandbox__enrollment__classroom=here, is_learners=True)
                .order_by("-pk")
                .values("pk")[:1]
            ),
            overrides=Coalesce(
                one(ResultOverride.objects.filter(classroom=here), n=Count("pk")), Value(0), output_field=IntegerField()
            ),
        )
        .values_list(
            "revision",
            "students",
            "joined",
            "active",
            "labs",
            "labs_changed",
            "opened",
            "due",
            "closed",
            "starts",
            "starts_changed",
            "overdue",
            "worlds",
            "overrides",
        )
        .first()
    )
    return hashlib.sha256(repr(values).encode()).hexdigest()[:20]


# ---- one student's work on one lab --------------------------------------------------------------------------


@dataclass
class TaskLine:
    text: str
    status: str  # "passed" | "failed" | "unchecked"
    explanations: list[str]


@dataclass
class StudentWork:
    """One student's work on one assignment, for staff: their starts, the counted check run task by task, the
    hints they revealed and when, the overrides, and the stuck flags of the lab in their account."""

    assignment: Assignment
    enrollment: Enrollment
    result: Result
    starts: list[AssignmentAttempt]
    tasks: list[TaskLine]
    hints: list[dict]
    overrides: list[ResultOverride]
    flags: list[Flag]
    in_account: bool


def student_work(assignment: Assignment, enrollment: Enrollment, now: datetime | None = None) -> StudentWork:
    """Everything the drill-down shows (a fixed number of queries)."""
    now = now or timezone.now()
    starts = list(
        AssignmentAttempt.objects.filter(assignment=assignment, enrollment=enrollment)
        .select_related("attempt")
        .order_by("-pk")
    )
    works = [Work(*(getattr(start, name) for name in Work._fields)) for start in starts]
    history = list(ResultOverride.objects.filter(assignment=assignment, enrollment=enrollment).order_by("-pk"))
    in_force = next((o for o in history[:1] if o.score is not None), None)
    current = _override_row(in_force) if in_force else None
    found = grading.result(assignment, assigned.applies_to(assignment, enrollment), works, current)
    tasks = list(assignment.lab.tasks.all())
    counted = next((s for s in starts if found.work is not None and s.pk == found.work.pk), None)
    partner = counted.partner_account_id if counted else None
    lines = _task_lines(tasks, counted.attempt.last_result if counted else {}, enrollment.account_id, partner)
    hints = [
        {
            "task": assigned.renumbered(use.task.text, enrollment.account_id, partner),
            "rung": Task.RUNGS[use.rung],
            "at": use.at,
            "start": next((n for n, s in enumerate(reversed(starts), 1) if s.attempt_id == use.attempt_id), None),
        }
        for use in HintUse.objects.filter(attempt_id__in=[s.attempt_id for s in starts])
        .select_related("task")
        .order_by("at", "pk")
    ]
    current = next((work for work in works if work.account_row_id is not None), None)
    in_account = current is not None
    marks = []
    if current is not None:
        failures = failed_assumes([current], {enrollment.pk: enrollment.sandbox_id})
        marks = flags(current, assignment, failures.get(enrollment.pk, 0), now)
    return StudentWork(assignment, enrollment, found, starts, lines, hints, history, marks, in_account)


def _override_row(entry: ResultOverride) -> Override:
    return Override(
        entry.pk, entry.assignment_id, entry.enrollment_id, entry.score, entry.reason, entry.by_name, entry.created
    )


def _task_lines(tasks: list[Task], last_result: dict, account_id: str, partner: str | None) -> list[TaskLine]:
    lines = []
    for task in tasks:
        outcome = (last_result or {}).get(task.key)
        status = "unchecked" if outcome is None else "passed" if outcome.get("passed") else "failed"
        checks = (outcome or {}).get("checks", [])
        explanations = [c["explanation"] for c in checks if status == "passed" or not c["passed"]]
        lines.append(TaskLine(assigned.renumbered(task.text, account_id, partner), status, explanations))
    return lines


def summary(columns: list[Column]) -> list[dict]:
    """Per lab, its counts in the order the legend gives them, in words: [("passed", 12), …, ("stuck", 2)]."""
    return [
        {
            "column": column,
            "counts": [(CELL_WORDS[status], column.counts.get(status, 0)) for status in STATUS_ORDER]
            + [("stuck", column.counts.get("stuck", 0))],
        }
        for column in columns
    ]
