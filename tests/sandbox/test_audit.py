"""The audit trail: CloudTrail-shaped events, newest first, filtered, paginated, each with its JSON."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox.models import AuditEvent, Sandbox
from iamtutor.sandbox.worlds import SandboxWorld
from tests.factories import SandboxFactory

pytestmark = pytest.mark.django_db
ALICE = "arn:aws:iam::111111111111:user/alice"
BOB = "arn:aws:iam::111111111111:user/bob"
READER = "arn:aws:iam::111111111111:role/ReportsReader"
Q1 = "arn:aws:s3:::reports-111111111111/q1.csv"


@pytest.fixture
def busy_sandbox(alice_sandbox):
    """alice assumes ReportsReader and reads q1 with it; bob is denied reading q1."""
    loaded = SandboxWorld.load(alice_sandbox)
    key = assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, "reading"))["credentials"]["AccessKeyId"]
    loaded.world.request(key, "s3:GetObject", Q1)
    loaded.world.request(BOB, "s3:GetObject", Q1)
    loaded.save()
    return alice_sandbox


def _events(client, sandbox, **params):
    return client.get(reverse("sandbox:audit", args=[sandbox.pk]), params)


def test_events_are_listed_newest_first_with_their_json(alice_client, busy_sandbox):
    response = _events(alice_client, busy_sandbox)
    names = [row["event"].event_name for row in response.context["rows"]]
    assert sorted(names) == ["AssumeRole", "GetObject", "GetObject"]
    times = [row["event"].event_time for row in response.context["rows"]]
    assert times == sorted(times, reverse=True)
    page = response.content.decode()
    assert page.count("<h1") == 1 and "<details" in page and "&quot;eventName&quot;: &quot;AssumeRole&quot;" in page
    assert "AccessDenied" in page


def test_filter_by_event_name(alice_client, busy_sandbox):
    rows = _events(alice_client, busy_sandbox, event_name="assumerole").context["rows"]
    assert [row["event"].event_name for row in rows] == ["AssumeRole"]


def test_filter_by_identity(alice_client, busy_sandbox):
    rows = _events(alice_client, busy_sandbox, identity="user/bob").context["rows"]
    assert [row["event"].principal_arn for row in rows] == [BOB]


def test_filter_errors_only(alice_client, busy_sandbox):
    rows = _events(alice_client, busy_sandbox, errors_only="on").context["rows"]
    assert [(row["event"].event_name, row["event"].error_code) for row in rows] == [("GetObject", "AccessDenied")]


def test_htmx_swaps_only_the_table(alice_client, busy_sandbox):
    response = alice_client.get(
        reverse("sandbox:audit", args=[busy_sandbox.pk]), {"errors_only": "on"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="audit-events"') and "<html" not in page
    assert "1 event matches." in page


def test_one_event_as_json(alice_client, busy_sandbox):
    event = AuditEvent.objects.get(event_name="AssumeRole")
    response = alice_client.get(reverse("sandbox:audit_event", args=[busy_sandbox.pk, event.event_id]))
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["eventSource"] == "sts.amazonaws.com"


def test_an_event_of_another_sandbox_is_not_found(alice_client, alice_sandbox):
    other = SandboxWorld.load(SandboxFactory(owner=None))
    other.world.request(BOB, "s3:GetObject", Q1)
    other.save()
    event = AuditEvent.objects.get(sandbox=other.sandbox)
    assert alice_client.get(reverse("sandbox:audit_event", args=[alice_sandbox.pk, event.event_id])).status_code == 404


def test_an_anonymous_owner_reads_the_trail_and_a_stranger_gets_404(mallory_client):
    anonymous = Client()
    anonymous.post(reverse("sandbox:create"))
    sandbox = Sandbox.objects.get()
    loaded = SandboxWorld.load(sandbox)
    loaded.world.request(BOB, "s3:GetObject", Q1)
    loaded.save()
    event = AuditEvent.objects.get()
    assert anonymous.get(reverse("sandbox:audit", args=[sandbox.pk])).status_code == 200
    assert anonymous.get(reverse("sandbox:audit_event", args=[sandbox.pk, event.event_id])).status_code == 200
    assert mallory_client.get(reverse("sandbox:audit", args=[sandbox.pk])).status_code == 404
    assert mallory_client.get(reverse("sandbox:audit_event", args=[sandbox.pk, event.event_id])).status_code == 404


def test_500_events_are_paginated_50_a_page_with_bounded_queries(
    alice_client, busy_sandbox, django_assert_max_num_queries
):
    template = AuditEvent.objects.filter(sandbox=busy_sandbox).first()
    start = timezone.now()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                sandbox=busy_sandbox,
                event_id=f"e{n}",
                event_time=start - timedelta(seconds=n),
                event_name=template.event_name,
                event_source=template.event_source,
                principal_arn=template.principal_arn,
                error_code=template.error_code,
                data=template.data,
            )
            for n in range(497)
        ]
    )
    with django_assert_max_num_queries(8):
        response = _events(alice_client, busy_sandbox, page="2")
    assert len(response.context["rows"]) == 50 and response.context["page"].paginator.num_pages == 10
    page = response.content.decode()
    assert "Page 2 of 10" in page and "page=3" in page and "page=1" in page


def test_invalid_filters_are_announced_and_ignored(alice_client, busy_sandbox):
    response = _events(alice_client, busy_sandbox, event_name="x" * 300)
    assert len(response.context["rows"]) == 3 and 'role="alert"' in response.content.decode()
