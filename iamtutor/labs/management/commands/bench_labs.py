"""``manage.py bench_labs``: how long checking a 20-task lab takes on a typical sandbox (the budget is 50 ms).

The sandbox is the starting world plus 45 roles and 200 sessions (as ``bench_pages`` builds it, with the 200
AssumeRole events in its audit log); the lab has 20 tasks that use every kind of check. Two figures, each the
median of ``--runs`` runs, in CPU time (what the work costs on a shared machine) and wall-clock time:

- **engine**: ``runner.decide`` on a world already loaded — the checks themselves;
- **check my work**: ``attempts.check`` — loading the sandbox's world and audit trail from the database,
  deciding, and recording the result on the attempt, as the "Check my work" button does.

Works inside a transaction that is rolled back, so it leaves the database as it found it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.labs import attempts
from iamtutor.labs.models import Attempt, Lab, Task
from iamtutor.labs.runner import decide
from iamtutor.sandbox.worlds import SandboxWorld, create_sandbox, sandbox_now

BUDGET_MS = 50
ACCOUNT = "arn:aws:iam::111111111111"
ALICE, BOB = f"{ACCOUNT}:user/alice", f"{ACCOUNT}:user/bob"
CAROL = "arn:aws:iam::222222222222:user/carol"
READER, WEB = f"{ACCOUNT}:role/ReportsReader", f"{ACCOUNT}:role/WebServerRole"
BUILDER, GITHUB = f"{ACCOUNT}:role/service-role/ReportBuilderRole", f"{ACCOUNT}:role/GitHubDeploy"
PARTNER = f"{ACCOUNT}:role/PartnerAudit"
BUCKET = "arn:aws:s3:::reports-111111111111"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}],
}
GITHUB_CLAIMS = {
    "iss": "https://token.actions.githubusercontent.com",
    "aud": "sts.amazonaws.com",
    "sub": "repo:example-org/webapp:ref:refs/heads/main",
}
# Twenty tasks over the starting world, using every kind of check (whether each passes does not matter here).
TASKS: list[list[dict]] = [
    [{"can_assume": {"caller": ALICE, "role": READER}}],
    [{"cannot_assume": {"caller": BOB, "role": READER, "denied_by": "trust"}}],
    [{"request_allowed": {"caller": ALICE, "via": [READER], "action": "s3:GetObject", "resource": f"{BUCKET}/q1.csv"}}],
    [{"request_denied": {"session_of": READER, "action": "s3:PutObject", "resource": f"{BUCKET}/q1.csv"}}],
    [{"session_max_duration": {"role": READER, "caller": ALICE, "seconds": 3600}}],
    [{"trust_not_public": {"role": READER}}, {"trust_not_public": {"role": PARTNER}}],
    [{"requires_external_id": {"role": PARTNER, "from_account": "222222222222", "external_id": "partner-7f3a"}}],
    [
        {
            "least_privilege": {
                "role": READER,
                "needed": [{"action": "s3:GetObject", "resource": f"{BUCKET}/q1.csv"}],
                "forbidden": [
                    {"action": "s3:PutObject", "resource": f"{BUCKET}/q1.csv"},
                    {"action": "s3:DeleteObject", "resource": f"{BUCKET}/q2.csv"},
                    {"action": "iam:CreateUser", "resource": "*"},
                ],
            }
        }
    ],
    [{"event_exists": {"action": "sts:AssumeRole", "resource": READER, "from": ALICE, "error": "none"}}],
    [{"session_revoked": {"session": "arn:aws:sts::111111111111:assumed-role/ReportsReader/bench-0"}}],
    [{"can_pass_role": {"caller": ALICE, "role": WEB, "service": "ec2"}}],
    [{"cannot_pass_role": {"caller": BOB, "role": BUILDER, "service": "lambda"}}],
    [
        {
            "can_assume": {
                "caller": f"web_identity:{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
                "claims": GITHUB_CLAIMS,
                "role": GITHUB,
            }
        }
    ],
    [{"cannot_assume": {"caller": CAROL, "role": PARTNER}}],
    [{"can_assume": {"caller": CAROL, "role": PARTNER, "external_id": "partner-7f3a"}}],
    [
        {
            "request_denied": {
                "caller": BOB,
                "action": "s3:GetObject",
                "resource": f"{BUCKET}/q2.csv",
                "decided_by": "identity",
            }
        }
    ],
    [{"cannot_assume": {"caller": "service:ec2.amazonaws.com", "role": READER}}],
    [{"can_assume": {"caller": "service:ec2.amazonaws.com", "role": WEB}}],
    [{"answer": {"kind": "principal", "event": {"action": "sts:AssumeRole", "resource": READER}}}],
    [{"reached": {"principal": ALICE, "action": "s3:GetObject", "resource": f"{BUCKET}/q1.csv", "replay": False}}],
]


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time checking a 20-task lab on a sandbox of 50 roles and 200 sessions (median; budget 50 ms)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=15, help="Timed runs of each measure (default 15).")

    def handle(self, *args, runs: int, **options):
        try:
            with transaction.atomic():
                rows = self._measure(max(runs, 3))
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write(f"{'20-task lab':<22}{'cpu median ms':>14}{'wall median ms':>15}  within {BUDGET_MS} ms")
        for name, cpu, wall in rows:
            self.stdout.write(f"{name:<22}{cpu:>14.1f}{wall:>15.1f}  {'yes' if cpu < BUDGET_MS else 'NO'}")

    def _measure(self, runs: int) -> list[tuple[str, float, float]]:
        user = get_user_model().objects.create_user("bench-labs-user", password=None)
        sandbox = self._typical_sandbox(user)
        lab = Lab.objects.create(
            key="bench-twenty-tasks",
            title="Bench",
            steps=["expert"],
            first_step=8,
            brief="Bench.",
            world={},
            uses_trail=True,
            source_path="bench",
            source_hash="",
        )
        Task.objects.bulk_create(
            Task(lab=lab, key=f"task-{n}", order=n, text=f"Task {n}", checks=checks, hints=["a", "b", "c"])
            for n, checks in enumerate(TASKS)
        )
        attempt = Attempt.objects.create(lab=lab, sandbox=sandbox, user=user, started=sandbox_now(sandbox))
        specs = attempts.task_specs(list(lab.tasks.all()))
        world = SandboxWorld.load(sandbox).world
        trail = attempts._trail(attempt)
        return [
            ("engine", *self._time(lambda: decide(specs, world, trail=trail), runs)),
            ("check my work", *self._time(lambda: attempts.check(attempt), runs)),
        ]

    def _typical_sandbox(self, user):
        sandbox = create_sandbox(owner=user)
        loaded = SandboxWorld.load(sandbox)
        for n in range(45):
            loaded.world.create_role("111111111111", f"BenchRole{n:02d}", TRUST)
        for n in range(200):
            request = AssumeRoleRequest(READER, f"bench-{n}", duration_seconds=900 + n * 10)
            assume_role(loaded.world, ALICE, request)
        loaded.save()
        return sandbox

    def _time(self, work: Callable[[], object], runs: int) -> tuple[float, float]:
        work()  # warm caches (parsed policies, compiled patterns), as a running site has them
        cpu, wall = [], []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            work()
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        return statistics.median(cpu), statistics.median(wall)
