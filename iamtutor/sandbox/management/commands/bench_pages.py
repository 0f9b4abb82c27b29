"""``manage.py bench_pages``: median server time of every sandbox page for a sandbox of 50 roles and 200
sessions (the sandbox issue's budget is 50 ms). Works on a throwaway sandbox inside a transaction that is
rolled back, so it leaves the database as it found it.

Each request is timed twice: wall-clock, and the process's CPU time, which is what the page itself costs
on a shared machine where other work steals the cores (the budget is judged on CPU time; both are printed).
"""

from __future__ import annotations

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox.worlds import SandboxWorld, create_sandbox

BUDGET_MS = 50
ALICE = "arn:aws:iam::111111111111:user/alice"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}],
}


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time every sandbox page (median server time) for a sandbox of 50 roles and 200 sessions."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=15, help="Timed requests per page (default 15).")

    def handle(self, *args, runs: int, **options):
        try:
            with transaction.atomic(), override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
                rows = self._measure(max(runs, 3))
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write(
            f"{'page':<24}{'cpu median ms':>14}{'cpu p90 ms':>11}{'wall median ms':>15}{'queries':>9}"
            f"  within {BUDGET_MS} ms"
        )
        for name, cpu, cpu_p90, wall, queries in rows:
            verdict = "yes" if cpu < BUDGET_MS else "NO"
            self.stdout.write(f"{name:<24}{cpu:>14.1f}{cpu_p90:>11.1f}{wall:>15.1f}{queries:>9}  {verdict}")

    def _measure(self, runs: int) -> list[tuple[str, float, float, int]]:
        user = get_user_model().objects.create_user("bench-pages-user", password=None)
        sandbox = self._big_sandbox(user)
        client = Client()
        client.force_login(user)
        pages = {
            "overview": reverse("sandbox:overview", args=[sandbox.pk]),
            "roles": reverse("sandbox:roles", args=[sandbox.pk]),
            "role (ReportsReader)": reverse("sandbox:role", args=[sandbox.pk, "111111111111", "ReportsReader"]),
            "policies": reverse("sandbox:policies", args=[sandbox.pk]),
            "users": reverse("sandbox:users", args=[sandbox.pk]),
            "user (alice)": reverse("sandbox:user", args=[sandbox.pk, "111111111111", "alice"]),
            "assume": reverse("sandbox:assume", args=[sandbox.pk]),
            "credentials": reverse("sandbox:credentials", args=[sandbox.pk]),
            "console": reverse("sandbox:console", args=[sandbox.pk]),
            "audit": reverse("sandbox:audit", args=[sandbox.pk]),
        }
        return [(name, *self._time(client, url, runs)) for name, url in pages.items()]

    def _big_sandbox(self, user):
        sandbox = create_sandbox(owner=user)
        loaded = SandboxWorld.load(sandbox)
        for n in range(45):
            loaded.world.create_role("111111111111", f"BenchRole{n:02d}", TRUST)
        for n in range(200):
            assume_role(
                loaded.world,
                ALICE,
                AssumeRoleRequest(
                    "arn:aws:iam::111111111111:role/ReportsReader", f"bench-{n}", duration_seconds=900 + n * 10
                ),
            )
        loaded.save()
        return sandbox

    def _time(self, client: Client, url: str, runs: int) -> tuple[float, float, float, int]:
        for _ in range(2):
            assert client.get(url).status_code == 200, url
        cpu, wall = [], []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        cpu.sort()
        return statistics.median(cpu), cpu[int(len(cpu) * 0.9) - 1], statistics.median(wall), len(queries)
