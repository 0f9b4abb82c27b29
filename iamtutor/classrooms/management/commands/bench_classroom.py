"""``manage.py bench_classroom``: a student's sandbox pages in a big classroom against the same pages in their
personal sandbox (issue 11, "Scale and speed": aim within 1.5x), and each page's queries at two class sizes
(they must not grow with the class).

Builds a classroom of 30 students, times every probe, grows it to 300 (bulk inserts) and times again, all
inside a transaction that is rolled back, so the database is left as it was found. Times are medians of the
process's CPU time per request (what the page costs, even when other work shares the cores), as in
``bench_pages``; the wall-clock median at the largest size is printed beside them.

Other measurements can join the table through ``EXTRA_PROBES``: a function that takes the ``Bench`` and returns
``Probe``s. The cross-account assume and the roster have commands of their own (``bench_cross_account``,
``bench_roster``), also run by ``make bench``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iamtutor.classrooms import ids
from iamtutor.classrooms.membership import add_section, create_classroom, enrol, student_world
from iamtutor.classrooms.models import Classroom, Enrollment
from iamtutor.sandbox.models import Sandbox, SandboxAccount
from iamtutor.sandbox.worlds import create_sandbox

SIZES = (30, 300)
AIM_RATIO = 1.5
SECTIONS = ("Monday", "Tuesday", "Wednesday")


@dataclass
class Probe:
    """One request to time: ``path`` and ``data`` take a sandbox (the student's classroom one, or their
    personal one when ``personal`` is true). ``client`` names who sends it: ``student`` or ``owner``."""

    name: str
    path: Callable[[Sandbox], str]
    method: str = "get"
    data: Callable[[Sandbox], dict] | None = None
    personal: bool = True
    client: str = "student"
    expect: tuple[int, ...] = (200,)


@dataclass
class Row:
    name: str
    personal: tuple[float, float, int] | None = None  # (cpu median ms, wall median ms, queries)
    sizes: dict[int, tuple[float, float, int]] = field(default_factory=dict)


def _console_data(sandbox: Sandbox) -> dict:
    learner = sandbox.accounts.get(is_learners=True).account_id
    return {
        "caller": f"arn:aws:iam::{learner}:user/alice",
        "action": "s3:GetObject",
        "resource": "",
        "resource_arn": f"arn:aws:s3:::reports-{learner}/q1.csv",
        "context-TOTAL_FORMS": "0",
        "context-INITIAL_FORMS": "0",
    }


PROBES = [
    Probe("overview", lambda s: reverse("sandbox:overview", args=[s.pk])),
    Probe("roles", lambda s: reverse("sandbox:roles", args=[s.pk])),
    Probe("credentials", lambda s: reverse("sandbox:credentials", args=[s.pk])),
    Probe("console POST", lambda s: reverse("sandbox:console", args=[s.pk]), "post", _console_data),
]
# Functions taking the Bench and returning more Probes (a cross-account assume, the roster...), for example
#   EXTRA_PROBES.append(lambda bench: [Probe("roster", lambda s: reverse("classrooms:roster",
#                                     args=[bench.classroom.pk]), personal=False, client="owner")])
EXTRA_PROBES: list[Callable[[Bench], list[Probe]]] = []


class _Rollback(Exception):
    pass


class Bench:
    """A classroom growing to the largest of ``SIZES``, one measured student in it (``student``), a classmate
    (``classmate``), the owner, and the student's personal sandbox (``personal``)."""

    def __init__(self) -> None:
        users = get_user_model().objects
        self.owner = users.create_user("bench-classroom-owner", password=None)
        self.classroom: Classroom = create_classroom(self.owner, "Bench classroom")
        Classroom.objects.filter(pk=self.classroom.pk).update(state=Classroom.OPEN)
        self.classroom.state = Classroom.OPEN
        self.sections = [add_section(self.classroom, name) for name in SECTIONS]
        student = users.create_user("bench-classroom-student", password=None)
        self.student: Enrollment = enrol(self.classroom, student, self.sections[0])
        classmate = users.create_user("bench-classroom-classmate", password=None)
        self.classmate: Enrollment = enrol(self.classroom, classmate, self.sections[1])
        self.personal = create_sandbox(owner=student)
        self.clients = {"student": _client(student), "owner": _client(self.owner)}

    @property
    def size(self) -> int:
        return self.classroom.enrollments.count()

    def grow(self, size: int) -> None:
        """Adds students until the classroom has ``size``, in bulk: users, sandboxes, accounts, enrollments."""
        start = self.size
        count = size - start
        if count <= 0:
            return
        users = [get_user_model()(username=f"bench-classroom-{start + n}") for n in range(count)]
        for user in users:
            user.set_unusable_password()
        users = get_user_model().objects.bulk_create(users)
        sandboxes, accounts, enrollments = [], [], []
        for n, user in enumerate(users):
            account_id = ids.new_account_id()
            while account_id in {e.account_id for e in enrollments}:
                account_id = ids.new_account_id()
            sandbox = Sandbox(owner=user, kind=Sandbox.CLASSROOM, name=f"Bench classroom · {account_id}")
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
            section = self.sections[n % len(self.sections)]
            enrollments.append(
                Enrollment(classroom=self.classroom, user=user, section=section, sandbox=sandbox, account_id=account_id)
            )
        Sandbox.objects.bulk_create(sandboxes)
        SandboxAccount.objects.bulk_create(accounts)
        Enrollment.objects.bulk_create(enrollments)

    def probes(self) -> list[Probe]:
        return [*PROBES, *(probe for extra in EXTRA_PROBES for probe in extra(self))]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class Command(BaseCommand):
    help = (
        "Time a student's sandbox pages in a classroom of 30 and of 300 students against their personal "
        "sandbox, and count each page's queries."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=25, help="Timed requests per page and size (default 25).")

    def handle(self, *args, runs: int, **options):
        try:
            with transaction.atomic(), override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
                rows = self._measure(max(runs, 3))
                raise _Rollback
        except _Rollback:
            pass
        self._print(rows)

    def _measure(self, runs: int) -> list[Row]:
        bench = Bench()
        probes = bench.probes()
        rows = {probe.name: Row(probe.name) for probe in probes}
        for probe in probes:
            if probe.personal:
                rows[probe.name].personal = _time(bench, probe, bench.personal, runs)
        for size in SIZES:
            bench.grow(size)
            for probe in probes:
                rows[probe.name].sizes[size] = _time(bench, probe, bench.student.sandbox, runs)
        return list(rows.values())

    def _print(self, rows: list[Row]) -> None:
        small, large = SIZES[0], SIZES[-1]
        self.stdout.write(
            f"{'page (cpu median ms)':<26}{'personal':>9}{f'class {small}':>10}{f'class {large}':>10}"
            f"{'ratio':>7}{f'wall {large}':>10}   {'queries p/' + str(small) + '/' + str(large):<18}within aim"
        )
        for row in rows:
            cpu_small, _, queries_small = row.sizes[small]
            cpu_large, wall_large, queries_large = row.sizes[large]
            personal = f"{row.personal[0]:>9.1f}" if row.personal else f"{'—':>9}"
            ratio = cpu_large / row.personal[0] if row.personal else None
            shown_ratio = f"{ratio:>6.2f}x" if ratio is not None else f"{'—':>7}"
            queries = f"{row.personal[2] if row.personal else '—'}/{queries_small}/{queries_large}"
            steady = queries_small == queries_large
            verdict = ("yes" if steady and (ratio is None or ratio <= AIM_RATIO) else "NO") + (
                "" if steady else " (queries grow with the class)"
            )
            self.stdout.write(
                f"{row.name:<26}{personal}{cpu_small:>10.1f}{cpu_large:>10.1f}{shown_ratio}{wall_large:>10.1f}   "
                f"{queries:<18}{verdict}"
            )
        self.stdout.write(f"Aim: within {AIM_RATIO}x of the personal sandbox; the same queries at {small} and {large}.")


def _time(bench: Bench, probe: Probe, sandbox: Sandbox, runs: int) -> tuple[float, float, int]:
    client = bench.clients[probe.client]
    path = probe.path(sandbox)
    data = probe.data(sandbox) if probe.data else None

    def send():
        return getattr(client, probe.method)(path, data)

    for _ in range(2):
        status = send().status_code
        assert status in probe.expect, f"{probe.name}: {path} answered {status}"
    cpu, wall = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        send()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        send()
    return statistics.median(cpu), statistics.median(wall), len(queries)
