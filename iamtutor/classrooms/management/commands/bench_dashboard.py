"""``manage.py bench_dashboard``: median server time of the instructor's dashboard for a classroom of 300
students × 15 assigned labs (the labs issue's budget: 300 ms for the grid, 30 ms for the poll), with the
queries each request costs.

Builds a throwaway classroom inside a transaction that is rolled back, so the database is left as found: the
lab files are loaded, 300 students added in bulk (as ``bench_classroom`` does), 15 labs assigned, and each
student given a mix of work — not started, started, checked part-way, passed, passed late — with hints,
overrides and failed AssumeRole calls, so that every kind of cell and every stuck flag is drawn. Each request
is timed by the process's CPU time (what it costs on a shared machine) and by the wall clock.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries, transaction
from django.db.models import Count
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from iamtutor.classrooms import dashboard, ids
from iamtutor.classrooms.membership import add_section, create_classroom, student_world
from iamtutor.classrooms.models import (
    Assignment,
    AssignmentAttempt,
    Classroom,
    Enrollment,
    ResultOverride,
    StaffMember,
)
from iamtutor.labs.loader import read_labs
from iamtutor.labs.models import Attempt, HintUse, Lab, Task
from iamtutor.labs.store import store
from iamtutor.sandbox.models import AuditEvent, Sandbox, SandboxAccount

GRID_BUDGET_MS, POLL_BUDGET_MS = 300, 30
SECTIONS = ("Monday", "Tuesday", "Wednesday")


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the dashboard's grid and poll for a classroom of 300 students × 15 labs (median server time)."

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=300, help="Students in the classroom (default 300).")
        parser.add_argument("--labs", type=int, default=15, help="Labs assigned (default 15, at most 17).")
        parser.add_argument("--runs", type=int, default=15, help="Timed requests per page (default 15).")

    def handle(self, *args, students: int, labs: int, runs: int, **options):
        runs = max(runs, 3)
        try:
            with transaction.atomic(), override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
                rows = self._measure(max(students, 1), max(min(labs, 17), 1), runs)
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write(f"{students} students × {labs} labs, {runs} runs per request")
        self.stdout.write(
            f"{'request':<34}{'cpu median ms':>14}{'wall median ms':>15}{'queries':>9}{'bytes':>10}  within budget"
        )
        for name, budget, cpu, wall, queries, size in rows:
            verdict = f"{'yes' if cpu < budget else 'NO'} ({budget} ms)" if budget else ""
            self.stdout.write(f"{name:<34}{cpu:>14.1f}{wall:>15.1f}{queries:>9}{size:>10}  {verdict}")

    def _measure(self, students: int, labs: int, runs: int) -> list[tuple]:
        users = get_user_model().objects
        owner = users.create_user("bench-dashboard-owner", password=None)
        classroom = create_classroom(owner, "Dashboard benchmark")
        Classroom.objects.filter(pk=classroom.pk).update(state=Classroom.OPEN)
        sections = [add_section(classroom, name) for name in SECTIONS]
        ta = users.create_user("bench-dashboard-ta", password=None)
        StaffMember.objects.create(classroom=classroom, user=ta, role=StaffMember.TA).sections.add(sections[0])
        store(read_labs())
        assigned = self._assign(classroom, owner, labs)
        enrollments = _students(classroom, sections, students)
        _work(classroom, assigned, enrollments)
        student = enrollments[0]
        base = reverse("classrooms:dashboard", args=[classroom.pk])
        drawn = dashboard.fingerprint(classroom)
        requests = [
            ("grid (owner)", owner, base, {}, GRID_BUDGET_MS),
            ("grid (TA, one section)", ta, base, {}, GRID_BUDGET_MS),
            (
                "poll, nothing changed (204)",
                owner,
                f"{base}?since={drawn}",
                {"HTTP_HX_REQUEST": "true"},
                POLL_BUDGET_MS,
            ),
            ("poll, changed (fragment)", owner, f"{base}?since=old", {"HTTP_HX_REQUEST": "true"}, GRID_BUDGET_MS),
            (
                "one student's work",
                owner,
                reverse("classrooms:dashboard_student", args=[classroom.pk, assigned[0].pk, student.pk]),
                {},
                0,
            ),
            ("grades CSV", owner, reverse("classrooms:grades_csv", args=[classroom.pk]) + "?who=names", {}, 0),
        ]
        return [(name, budget, *self._time(user, url, headers, runs)) for name, user, url, headers, budget in requests]

    def _assign(self, classroom: Classroom, owner, count: int) -> list[Assignment]:
        now = timezone.now()
        rows = []
        for n, lab in enumerate(Lab.objects.filter(retired=False).order_by("first_step", "order")[:count]):
            rows.append(
                Assignment(
                    classroom=classroom,
                    lab=lab,
                    opens_at=now - timedelta(days=count - n),
                    due_at=now - timedelta(days=count - n - 3),
                    closes_at=None if n % 4 else now + timedelta(days=7),
                    created_by=owner,
                )
            )
        return Assignment.objects.bulk_create(rows)

    def _time(self, user, url: str, headers: dict, runs: int) -> tuple[float, float, int, int]:
        client = Client()
        client.force_login(user)
        response = client.get(url, **headers)  # warm caches and templates
        assert response.status_code in (200, 204), (url, response.status_code)
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **headers)
        query_count, size = len(queries), len(response.content)
        cpu, wall = [], []
        for _ in range(runs):
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            client.get(url, **headers)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started_wall) * 1000)
        return statistics.median(cpu), statistics.median(wall), query_count, size


def _students(classroom: Classroom, sections: list, count: int) -> list[Enrollment]:
    """``count`` students in bulk (users, member accounts, enrollments), spread over the sections."""
    users = [get_user_model()(username=f"bench-dashboard-{n:04d}") for n in range(count)]
    for user in users:
        user.set_unusable_password()
    users = get_user_model().objects.bulk_create(users)
    sandboxes, accounts, enrollments, taken = [], [], [], set()
    for n, user in enumerate(users):
        account_id = ids.new_account_id()
        while account_id in taken:
            account_id = ids.new_account_id()
        taken.add(account_id)
        sandbox = Sandbox(owner=user, kind=Sandbox.CLASSROOM, name=f"Dashboard benchmark · {account_id}")
        sandboxes.append(sandbox)
        world, compute = student_world(account_id)
        for position, (number, document) in enumerate(world["accounts"].items()):
            alias = document.pop("alias", "")
            accounts.append(
                SandboxAccount(
                    sandbox=sandbox,
                    account_id=number,
                    alias=alias,
                    is_learners=position == 0,
                    document=document,
                    compute=compute.get(number, {}),
                    position=position,
                )
            )
        section = sections[n % len(sections)]
        enrollments.append(
            Enrollment(classroom=classroom, user=user, section=section, sandbox=sandbox, account_id=account_id)
        )
    Sandbox.objects.bulk_create(sandboxes)
    SandboxAccount.objects.bulk_create(accounts)
    return Enrollment.objects.bulk_create(enrollments)


def _work(classroom: Classroom, assigned: list[Assignment], enrollments: list[Enrollment]) -> None:
    """A mix of work for every student on every lab (fixed seed): a fifth not started, the rest started, and of
    those a third passed (some late), a third checked part-way; hints, overrides and failed AssumeRole calls."""
    chance = random.Random(12)
    now = timezone.now()
    attempts, links = [], []
    tasks = _task_counts(assigned)
    for enrollment in enrollments:
        for assignment in assigned:
            roll = chance.random()
            if roll < 0.2:
                continue
            total = tasks[assignment.lab_id]
            started = now - timedelta(minutes=chance.randint(5, 600))
            checked = started + timedelta(minutes=3) if roll > 0.4 else None
            passed = roll > 0.7
            passed_at = (assignment.due_at + timedelta(hours=2)) if roll > 0.93 else started if passed else None
            attempts.append(
                Attempt(
                    lab_id=assignment.lab_id,
                    sandbox_id=enrollment.sandbox_id,
                    user_id=enrollment.user_id,
                    started=started,
                    passed_at=passed_at,
                    checks_run=1 if checked else 0,
                    last_checked=checked,
                )
            )
            links.append(
                AssignmentAttempt(
                    classroom=classroom,
                    assignment=assignment,
                    enrollment=enrollment,
                    started=started,
                    updated=checked or started,
                    checks_run=1 if checked else 0,
                    last_checked=checked,
                    tasks_passed=total if passed else chance.randint(0, total - 1) if checked else 0,
                    tasks_total=total,
                    passed_at=passed_at,
                    top_rung=chance.choice((0, 0, 1, 2, 3)),
                )
            )
    Attempt.objects.bulk_create(attempts)
    for attempt, link in zip(attempts, links, strict=True):
        link.attempt = attempt
    AssignmentAttempt.objects.bulk_create(links)
    task_ids = dict(_first_tasks(assigned))
    HintUse.objects.bulk_create(
        HintUse(attempt=attempt, task_id=task_ids[attempt.lab_id], rung=1) for attempt in attempts[::3]
    )
    ResultOverride.objects.bulk_create(
        ResultOverride(
            classroom=classroom,
            assignment=link.assignment,
            enrollment=link.enrollment,
            score=80,
            reason="benchmark",
            by_name="bench",
        )
        for link in links[::40]
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            sandbox_id=enrollment.sandbox_id,
            event_id=f"bench-{enrollment.pk}-{n}",
            event_time=now,
            event_name="AssumeRole",
            event_source="sts.amazonaws.com",
            principal_arn=f"arn:aws:iam::{enrollment.account_id}:user/alice",
            error_code="AccessDenied",
            data={},
        )
        for enrollment in enrollments[::5]
        for n in range(4)
    )


def _task_counts(assigned: list[Assignment]) -> dict[int, int]:
    lab_ids = {a.lab_id for a in assigned}
    return dict(Lab.objects.filter(pk__in=lab_ids).annotate(n=Count("tasks")).values_list("pk", "n"))


def _first_tasks(assigned: list[Assignment]):
    seen = set()
    for lab_id, task_id in Task.objects.filter(lab_id__in={a.lab_id for a in assigned}).values_list("lab_id", "pk"):
        if lab_id not in seen:
            seen.add(lab_id)
            yield lab_id, task_id
