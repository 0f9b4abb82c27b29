"""Credentials: live countdowns from the server's sandbox time, expiry on fast-forward, revoking, the timeline."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox.models import Sandbox, StsSession
from iamtutor.sandbox.views.credentials import countdown_text
from iamtutor.sandbox.worlds import SandboxWorld, sandbox_now

pytestmark = pytest.mark.django_db
ALICE = "arn:aws:iam::111111111111:user/alice"
READER = "arn:aws:iam::111111111111:role/ReportsReader"
Q1 = "arn:aws:s3:::reports-111111111111/q1.csv"


def _assume(sandbox, seconds: int = 900, name: str = "reading") -> str:
    sandbox.refresh_from_db()
    loaded = SandboxWorld.load(sandbox)
    result = assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, name, duration_seconds=seconds))
    loaded.save()
    return result["credentials"]["AccessKeyId"]


def _forward(client, sandbox, minutes: int) -> None:
    client.post(reverse("sandbox:clock", args=[sandbox.pk]), {"action": "forward", "minutes": str(minutes)})


def _outcome(client, sandbox, key: str) -> str:
    data = {
        "caller": key,
        "action": "s3:GetObject",
        "resource": Q1,
        "resource_arn": "",
        "context-TOTAL_FORMS": "0",
        "context-INITIAL_FORMS": "0",
    }
    return client.post(reverse("sandbox:console", args=[sandbox.pk]), data).context["card"]["outcome"]


def test_the_countdown_markup_carries_the_server_sandbox_time(alice_client, alice_sandbox):
    _forward(alice_client, alice_sandbox, 5)
    _assume(alice_sandbox)
    session = StsSession.objects.get()
    alice_sandbox.refresh_from_db()
    page = alice_client.get(reverse("sandbox:credentials", args=[alice_sandbox.pk])).content.decode()
    sandbox_time = datetime.fromisoformat(re.search(r'data-sandbox-now="([^"]+)"', page).group(1))
    # The page's "now" is the sandbox clock (5 minutes ahead of real time), not the browser's.
    assert abs(sandbox_time - sandbox_now(alice_sandbox)) < timedelta(seconds=5)
    assert f'data-expires="{session.expires_at:%Y-%m-%dT%H:%M:%SZ}"' in page
    assert f'console/?caller={session.access_key_id}"' in page
    assert re.search(r'datetime="PT(89\d|900)S"', page) and re.search(r">1[45]:\d\d</time>", page)
    assert 'src="/static/js/countdown.js"' in page and 'hx-trigger="every 30s, countdown-expired' in page
    assert page.count("<h1") == 1 and 'id="sandbox-clock"' in page


def test_fast_forward_past_expiry_marks_the_session_expired(alice_client, alice_sandbox):
    _assume(alice_sandbox, seconds=900)
    _forward(alice_client, alice_sandbox, 15)
    url = reverse("sandbox:credentials", args=[alice_sandbox.pk])
    fragment = alice_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and 'id="credential-sessions"' in fragment
    assert "No active sessions." in fragment and "data-expires" not in fragment
    assert "Expired" in fragment  # in words, not only colour


def test_a_session_not_yet_expired_stays_active(alice_client, alice_sandbox):
    _assume(alice_sandbox, seconds=3600)
    _forward(alice_client, alice_sandbox, 15)
    page = alice_client.get(reverse("sandbox:credentials", args=[alice_sandbox.pk])).content.decode()
    assert "data-expires" in page and "No active sessions." not in page


def test_revoke_denies_older_sessions_while_a_newer_one_works(alice_client, alice_sandbox):
    older = _assume(alice_sandbox, name="older")
    _forward(alice_client, alice_sandbox, 5)
    response = alice_client.post(reverse("sandbox:credentials_revoke", args=[alice_sandbox.pk]), {"role_arn": READER})
    assert response.url == reverse("sandbox:credentials", args=[alice_sandbox.pk])
    newer = _assume(alice_sandbox, name="newer")
    # §5.9 D-REVOKE: AWSRevokeOlderSessions denies sessions whose aws:TokenIssueTime is before the revocation.
    assert _outcome(alice_client, alice_sandbox, older) == "explicitDeny"
    assert _outcome(alice_client, alice_sandbox, newer) == "allowed"
    role = next(
        r
        for r in alice_sandbox.accounts.get(is_learners=True).document["RoleDetailList"]
        if r["RoleName"] == "ReportsReader"
    )
    assert "AWSRevokeOlderSessions" in [p["PolicyName"] for p in role["RolePolicyList"]]


def test_revoke_with_htmx_answers_in_place(alice_client, alice_sandbox):
    response = alice_client.post(
        reverse("sandbox:credentials_revoke", args=[alice_sandbox.pk]),
        {"role_arn": READER},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="revoke-sessions"') and 'role="status"' in page


def test_revoke_of_an_unknown_role_is_refused_with_the_choices_kept(alice_client, alice_sandbox):
    response = alice_client.post(
        reverse("sandbox:credentials_revoke", args=[alice_sandbox.pk]),
        {"role_arn": "arn:aws:iam::111111111111:role/Nope"},
    )
    assert response.status_code == 400 and 'aria-invalid="true"' in response.content.decode()


def test_the_timeline_places_every_session_and_marks_chained_ones(alice_client, alice_sandbox):
    _assume(alice_sandbox, seconds=3600, name="first")
    _forward(alice_client, alice_sandbox, 60)
    _assume(alice_sandbox, seconds=900, name="second")
    StsSession.objects.filter(arn__endswith="/second").update(parent=StsSession.objects.get(arn__endswith="/first"))
    second = StsSession.objects.get(arn__endswith="/second")
    second.data = {**second.data, "chained": True}
    second.save()
    response = alice_client.get(reverse("sandbox:credentials", args=[alice_sandbox.pk]))
    rows = {row["name"]: row for row in response.context["rows"]}
    assert rows["ReportsReader/first"]["bar"]["x"] == "0" and rows["ReportsReader/first"]["expired"]
    assert rows["ReportsReader/second"]["bar"]["cap"] is not None and not rows["ReportsReader/second"]["expired"]
    assert rows["ReportsReader/second"]["parent"].startswith("ReportsReader/first · ASIA")
    page = response.content.decode()
    assert "chained, capped at 1 hour" in page and "<title" in page and "tl-chained" in page
    assert 'style="' not in page  # CSP: no inline styles, widths are SVG attributes


def test_countdown_text_matches_the_script_format():
    assert [countdown_text(s) for s in (0, 59, 61, 3600, 3725)] == ["0:00", "0:59", "1:01", "1:00:00", "1:02:05"]


def test_an_anonymous_owner_sees_the_page_and_a_stranger_gets_404_everywhere(mallory_client):
    anonymous = Client()
    anonymous.post(reverse("sandbox:create"))
    sandbox = Sandbox.objects.get()
    assert anonymous.get(reverse("sandbox:credentials", args=[sandbox.pk])).status_code == 200
    assert mallory_client.get(reverse("sandbox:credentials", args=[sandbox.pk])).status_code == 404
    revoke = reverse("sandbox:credentials_revoke", args=[sandbox.pk])
    assert mallory_client.post(revoke, {"role_arn": READER}).status_code == 404
    assert not any("AWSRevokeOlderSessions" in str(a.document) for a in sandbox.accounts.all())


def test_the_page_needs_a_bounded_number_of_queries_for_200_sessions(
    alice_client, alice_sandbox, django_assert_max_num_queries
):
    _assume(alice_sandbox)
    template = StsSession.objects.get()
    StsSession.objects.bulk_create(
        [
            StsSession(
                sandbox=alice_sandbox,
                session_id=f"S{n}",
                access_key_id=f"ASIA{n:016d}",
                arn=template.arn,
                role_arn=template.role_arn,
                parent=template,
                issued_at=template.issued_at - timedelta(minutes=n),
                expires_at=template.expires_at - timedelta(minutes=n),
                data={**template.data, "id": f"S{n}"},
            )
            for n in range(199)
        ]
    )
    with django_assert_max_num_queries(8):
        response = alice_client.get(reverse("sandbox:credentials", args=[alice_sandbox.pk]))
    assert len(response.context["rows"]) == 200
