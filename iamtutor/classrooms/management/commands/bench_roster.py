"""``manage.py bench_roster``: median server time of the roster page and its CSV export for a classroom of 300
students in two sections (the classrooms issue's budget is 150 ms), as the owner and as a TA of one section.
Works on a throwaway classroom inside a transaction that is rolled back, so it leaves the database as it
found it.

Each request is timed twice, as ``bench_pages`` does: wall-clock, and the process's CPU time, which is what the
page itself costs on a shared machine where other work steals the cores (the budget is judged on CPU time).
"""

from __future__ import annotations

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iamtutor.classrooms.membership import add_section, create_classroom, enrol
from iamtutor.classrooms.models import Classroom, StaffMember

BUDGET_MS = 150


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the roster page and its CSV export (median server time) for a classroom of 300 students."

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=300, help="Students in the classroom (default 300).")
        parser.add_argument("--runs", type=int, default=15, help="Timed requests per page (default 15).")

    def handle(self, *args, students: int, runs: int, **options):
        try:
            with transaction.atomic(), override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
                rows = self._measure(max(students, 1), max(runs, 3))
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write(f"{students} students, {max(runs, 3)} runs per page")
        self.stdout.write(
            f"{'page':<28}{'cpu median ms':>14}{'cpu p90 ms':>11}{'wall median ms':>15}{'queries':>9}{'rows':>6}"
            f"  within {BUDGET_MS} ms"
        )
        for name, cpu, cpu_p90, wall, queries, count in rows:
            verdict = "yes" if cpu < BUDGET_MS else "NO"
            self.stdout.write(f"{name:<28}{cpu:>14.1f}{cpu_p90:>11.1f}{wall:>15.1f}{queries:>9}{count:>6}  {verdict}")

    def _measure(self, students: int, runs: int) -> list[tuple]:
        users = get_user_model().objects
        owner = users.create_user("bench-roster-owner", password=None)
        classroom = create_classroom(owner, "Roster benchmark")
        Classroom.objects.filter(pk=classroom.pk).update(state=Classroom.OPEN)
        sections = [add_section(classroom, "Monday"), add_section(classroom, "Tuesday")]
        for n in range(students):
            enrol(classroom, users.create_user(f"bench-roster-{n:04d}", password=None), sections[n % 2])
        ta = users.create_user("bench-roster-ta", password=None)
        StaffMember.objects.create(classroom=classroom, user=ta, role=StaffMember.TA).sections.add(sections[0])
        pages = [
            ("roster (owner)", owner, reverse("classrooms:roster", args=[classroom.pk])),
            ("roster (TA, one section)", ta, reverse("classrooms:roster", args=[classroom.pk])),
            ("roster CSV (owner)", owner, reverse("classrooms:roster_csv", args=[classroom.pk])),
        ]
        rows = []
        for name, user, url in pages:
            client = Client()
            client.force_login(user)
            rows.append((name, *self._time(client, url, runs)))
        return rows

    def _time(self, client: Client, url: str, runs: int) -> tuple[float, float, float, int, int]:
        response = client.get(url)  # warm caches and templates
        assert response.status_code == 200, (url, response.status_code)
        reset_queries()  # with DEBUG on, the set-up's queries would fill the log and hide these
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        query_count = len(queries)  # read now: the next request empties the log it reads from
        count = response.content.count(b'id="student-') or response.content.count(b"\n") - 1
        cpu, wall = [], []
        for _ in range(runs):
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            client.get(url)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started_wall) * 1000)
        cpu_p90 = statistics.quantiles(cpu, n=10)[-1]
        return statistics.median(cpu), cpu_p90, statistics.median(wall), query_count, count
