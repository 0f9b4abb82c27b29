"""No sequential database id reaches a URL or an element id: audit events are named by their random CloudTrail
eventID, sessions by their random access key id. A row's id would tell anyone how busy the site is."""

from __future__ import annotations

import re

import pytest
from django.urls import NoReverseMatch, reverse

from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox.models import AuditEvent, StsSession
from iamtutor.sandbox.worlds import SandboxWorld

pytestmark = pytest.mark.django_db
ALICE = "arn:aws:iam::111111111111:user/alice"
READER = "arn:aws:iam::111111111111:role/ReportsReader"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def used_sandbox(alice_sandbox):
    loaded = SandboxWorld.load(alice_sandbox)
    for name in ("one", "two"):
        assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, name))
    loaded.save()
    return alice_sandbox


def test_the_audit_page_links_each_event_by_its_event_id(alice_client, used_sandbox):
    page = alice_client.get(reverse("sandbox:audit", args=[used_sandbox.pk])).content.decode()
    links = re.findall(rf"/sandbox/{used_sandbox.pk}/audit/([^/\"]+)/", page)
    events = AuditEvent.objects.filter(sandbox=used_sandbox)
    assert links and set(links) == set(events.values_list("event_id", flat=True))
    assert all(re.fullmatch(UUID, link) for link in links)
    for event in events:
        assert f"/audit/{event.pk}/" not in page


def test_an_event_is_found_by_its_event_id_and_not_by_its_row_id(alice_client, used_sandbox):
    event = AuditEvent.objects.filter(sandbox=used_sandbox).first()
    found = alice_client.get(reverse("sandbox:audit_event", args=[used_sandbox.pk, event.event_id]))
    assert found.status_code == 200 and found.json()["eventID"] == event.event_id
    assert alice_client.get(f"/sandbox/{used_sandbox.pk}/audit/{event.pk}/").status_code == 404
    with pytest.raises(NoReverseMatch):
        reverse("sandbox:audit_event", kwargs={"pk": used_sandbox.pk, "event_pk": event.pk})


def test_session_element_ids_use_the_random_key_id_not_the_row_id(alice_client, used_sandbox):
    page = alice_client.get(reverse("sandbox:credentials", args=[used_sandbox.pk])).content.decode()
    ids = re.findall(r'id="bar-([^"]+)"', page)
    sessions = StsSession.objects.filter(sandbox=used_sandbox)
    assert sorted(ids) == sorted(sessions.values_list("access_key_id", flat=True))
    assert not any(value.isdigit() for value in ids)


def test_no_page_shows_a_row_id_in_an_address_or_element_id(alice_client, used_sandbox):
    rows = {str(pk) for pk in AuditEvent.objects.values_list("pk", flat=True)}
    rows |= {str(pk) for pk in StsSession.objects.values_list("pk", flat=True)}
    for name in ("overview", "audit", "credentials", "assume", "console"):
        page = alice_client.get(reverse(f"sandbox:{name}", args=[used_sandbox.pk])).content.decode()
        for attribute in re.findall(r'(?:id|href|action|hx-get|hx-post|aria-labelledby)="([^"]*)"', page):
            numbers = set(re.findall(r"(?<![\w.-])(\d+)(?![\w.-])", attribute.replace("/", " ")))
            assert not numbers & rows - {"1", "2"}, (name, attribute)
