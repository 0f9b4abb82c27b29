"""Every sandbox URL, discovered from the URL map, is a 404 for anyone but the sandbox's owner.

New pages are covered automatically: the test walks ``iamtutor.sandbox.urls`` and fills each pattern with
real names from alice's sandbox, then tries GET and POST as mallory (signed in) and as an anonymous visitor.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from iamtutor.sandbox import urls
from iamtutor.sandbox.worlds import SandboxWorld
from tests.factories import AuditEventFactory

pytestmark = pytest.mark.django_db
SAMPLE_KWARGS = {
    "roles": {"account_id": "111111111111", "name": "ReportsReader"},
    "policies": {"account_id": "111111111111", "name": "Shared"},
    "users": {"account_id": "111111111111", "name": "alice"},
}


def _sandbox_urls(sandbox) -> list[str]:
    loaded = SandboxWorld.load(sandbox)
    key = loaded.world.create_access_key("arn:aws:iam::111111111111:user/alice")
    loaded.world.create_policy(
        "111111111111",
        "Shared",
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]},
    )
    loaded.save()
    event = AuditEventFactory(sandbox=sandbox)
    found = []
    for pattern in urls.urlpatterns:
        route = str(pattern.pattern)
        if "<uuid:pk>" not in route:
            continue
        kwargs = {"pk": sandbox.pk}
        area = route.split("/")[1] if "/" in route else ""
        if "<str:account_id>" in route:
            kwargs.update(SAMPLE_KWARGS[area])
        if "<str:key_id>" in route:
            kwargs["key_id"] = key.id
        if "<str:event_id>" in route:
            kwargs["event_id"] = event.event_id
        found.append(reverse(f"sandbox:{pattern.name}", kwargs=kwargs))
    return found


def _status(client, method: str, address: str) -> int:
    return getattr(client, method)(address, {"confirm": "reset"} if method == "post" else None).status_code


def test_every_sandbox_url_is_a_404_for_an_outsider_and_for_an_anonymous_visitor(client, alice_sandbox, mallory):
    addresses = _sandbox_urls(alice_sandbox)
    nobody = str(uuid.uuid4())
    assert len(addresses) >= 30
    for who in ("anonymous", "mallory"):
        if who == "mallory":
            client.force_login(mallory)
        for address in addresses:
            for method in ("get", "post"):
                status = _status(client, method, address)
                # A method the page does not take is refused (405) before anything is looked up: exactly what a
                # sandbox that does not exist answers, so nothing is revealed. Every other answer is 404.
                if status == 405:
                    assert _status(client, method, address.replace(str(alice_sandbox.pk), nobody)) == 405
                else:
                    assert status == 404, (who, method, address, status)


def test_the_owner_can_open_every_page_that_answers_get(alice_client, alice_sandbox):
    for address in _sandbox_urls(alice_sandbox):
        response = alice_client.get(address)
        assert response.status_code in (200, 302, 405), (address, response.status_code)
