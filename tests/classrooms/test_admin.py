"""The classroom models in Django's admin: an operator can look at everything and change nothing there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from iamtutor.classrooms import log
from iamtutor.classrooms.models import Guardrail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_operator_sees_classrooms_students_guardrails_and_the_staff_log(client, classroom, carol, alice_enrolled):
    guardrail = Guardrail.objects.create(classroom=classroom, name="NoIam", document={}, targets=[])
    entry = log.record(classroom, carol, "student_viewed", enrollment=alice_enrolled)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for model, obj in (
        ("classroom", classroom),
        ("enrollment", alice_enrolled),
        ("guardrail", guardrail),
        ("staffaction", entry),
    ):
        changelist = client.get(reverse(f"admin:classrooms_{model}_changelist"))
        assert changelist.status_code == 200
        page = client.get(reverse(f"admin:classrooms_{model}_change", args=[obj.pk]))
        assert page.status_code == 200 and b'name="_save"' not in page.content
        assert client.get(reverse(f"admin:classrooms_{model}_delete", args=[obj.pk])).status_code == 403
    assert client.get(reverse("admin:classrooms_classroom_add")).status_code == 403
