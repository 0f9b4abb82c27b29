"""Try-it worlds from the lessons: load into the sandbox with the task, then check the work with the engine."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from iamtutor.engine import run_steps
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import SandboxWorld
from lessons.content import CONTENT_DIR

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lessons():
    call_command("load_lessons", verbosity=0)


def _solve(sandbox, step: int) -> None:
    """Applies the try-it file's own solution through the engine, as the learner would through the pages."""
    solution = json.loads((CONTENT_DIR / "tryit" / f"step-{step}.json").read_text())["solution"]
    loaded = SandboxWorld.load(sandbox)
    changes = [{k: v for k, v in change.items() if k != "expect"} for change in solution]
    for outcome in run_steps(loaded.world, changes):  # the scenario steps' own put_policy
        assert outcome.result["ok"], outcome.result
    loaded.save()


def test_loading_a_try_it_world_creates_the_sandbox_and_shows_the_task(client):
    response = client.post(reverse("sandbox:tryit_load", args=[3]))
    sandbox = Sandbox.objects.get()
    assert response.url == reverse("sandbox:task", args=[sandbox.pk])
    assert "ReportReader" in {
        r["RoleName"] for r in sandbox.accounts.get(account_id="111111111111").document["RoleDetailList"]
    }
    page = client.get(response.url).content.decode()
    assert "alice gets AccessDenied" in page and "Check my work" in page


def test_the_check_fails_before_and_passes_after_the_task_is_done(client):
    client.post(reverse("sandbox:tryit_load", args=[3]))
    sandbox = Sandbox.objects.get()
    url = reverse("sandbox:task", args=[sandbox.pk])
    assert "Not yet." in client.post(url).content.decode()
    _solve(sandbox, 3)
    page = client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert "Done: every check passes." in page and "<html" not in page


def test_an_unknown_step_is_a_404_and_a_stranger_cannot_see_the_task(client, mallory):
    from django.test import Client

    assert client.post(reverse("sandbox:tryit_load", args=[99])).status_code == 404
    client.post(reverse("sandbox:tryit_load", args=[1]))
    sandbox = Sandbox.objects.get()
    stranger = Client()
    stranger.force_login(mallory)
    assert stranger.get(reverse("sandbox:task", args=[sandbox.pk])).status_code == 404


def test_the_lessons_try_it_page_offers_to_load_each_world(client):
    page = client.get(reverse("lessons:try_it")).content.decode()
    assert page.count("into my sandbox") == 7
