"""Attempts on the sandbox side: starting is one transaction, the trail's prepared part is what detective
questions read, and the list's statuses cost one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iamtutor.labs import attempts
from iamtutor.labs.models import Lab
from iamtutor.labs.runner import SetupFailed
from iamtutor.sandbox.worlds import create_sandbox

pytestmark = pytest.mark.django_db


def test_a_setup_that_fails_leaves_the_sandbox_as_it_was(labs, alice):
    sandbox = create_sandbox(alice)
    lab = Lab.objects.get(key="revoke-a-leaked-session")
    lab.setup = [{"op": "assume_role", "caller": "arn:aws:iam::111111111111:user/nobody",
                  "role_arn": "arn:aws:iam::111111111111:role/ReportWriter", "session_name": "x"}]  # fmt: skip
    with pytest.raises(SetupFailed):
        attempts.start(lab, sandbox, keep_copy=True)
    roles = {r["RoleName"] for r in sandbox.accounts.get(account_id="111111111111").roles()}
    assert "ReportsReader" in roles and "ReportWriter" not in roles
    assert not lab.attempts.exists()


def test_statuses_cost_one_query_and_prefer_a_pass(labs, alice):
    sandbox = create_sandbox(alice)
    first = attempts.start(Lab.objects.get(key="fix-the-trust-policy"), sandbox, keep_copy=False)
    attempts.start(Lab.objects.get(key="a-longer-session"), sandbox, keep_copy=False)
    first.passed_at = first.started
    first.save()
    attempts.start(Lab.objects.get(key="fix-the-trust-policy"), sandbox, keep_copy=False)
    with CaptureQueriesContext(connection) as queries:
        found = attempts.statuses(sandbox)
    assert len(queries) == 1
    assert sorted(found.values()) == ["passed", "started"]
    assert attempts.statuses(None) == {}


def test_the_trail_marks_the_events_the_setup_wrote(labs, alice):
    sandbox = create_sandbox(alice)
    attempt = attempts.start(Lab.objects.get(key="detective-who-read-payroll"), sandbox, keep_copy=False)
    trail = attempts._trail(attempt)
    assert len(trail.prepared) == len(trail.events) and attempt.setup_events == sandbox.events.count()
    assert trail.answers("principal", {"action": "s3:GetObject", "resource": "arn:aws:s3:::payroll/salaries.csv"}) == [
        "arn:aws:iam::222222222222:user/carol"
    ]
