"""The load test's journeys against the site itself, through Django's test client with CSRF checks on (no
network, no Locust): a journey that stops matching a page fails here, not as errors in a load report. And the
locustfile imports, with a task for each journey."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest
from django.test import Client

from loadtest import journeys
from loadtest.journeys import INSTRUCTOR_JOURNEYS, LEARNER_JOURNEYS, Member, log_in
from loadtest.pages import Page

PASSWORD = "a-class-password-for-tests"

# Every page the issue names for a class: lessons, predictions, quizzes, the sandbox journey, the classroom.
REQUIRED = {
    "POST /accounts/login/",
    "GET /lessons/",
    "GET /lessons/steps/ (resume)",
    "POST /lessons/steps/[n]/predict/",
    "POST /lessons/quiz/question/[key]/",
    "POST /sandbox/new/",
    "POST /sandbox/[id]/roles/new/",
    "POST /sandbox/[id]/roles/[account]/[role]/trust/",
    "POST /sandbox/[id]/assume/",
    "GET /sandbox/[id]/credentials/",
    "POST /sandbox/[id]/clock/",
    "POST /sandbox/[id]/console/",
    "GET /sandbox/[id]/diagrams/",
    "GET /classrooms/[id]/",
    "GET /sandbox/[id]/ (member account)",
    "GET /classrooms/[id]/roster/",
}


class DjangoBrowser:
    """The journeys' ``Browser`` over Django's test client: follows redirects, enforces CSRF, and records the
    name of every request; a failed request or check fails the test."""

    def __init__(self) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self.names: list[str] = []

    def get(self, path: str, name: str, *, check=None, headers: dict | None = None) -> Page:
        return self._page("GET", name, self.client.get(path, follow=True, headers=headers or {}), check)

    def post(self, path: str, data: dict, name: str, *, check=None) -> Page:
        return self._page("POST", name, self.client.post(path, data, follow=True), check)

    def think(self) -> None:
        pass

    def _page(self, method: str, name: str, response, check) -> Page:
        self.names.append(f"{method} {name}")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        page = Page("http://testserver" + response.request["PATH_INFO"], response.status_code, body.decode())
        assert response.status_code < 400, f"{method} {name} answered {response.status_code}"
        problem = check(page) if check else None
        assert problem is None, problem
        return page


@pytest.fixture
def school(db, settings):
    """The content and a class of two learners, built by the load test's own ``setup_class``."""
    from lessons.loader import read_content
    from lessons.store import store
    from loadtest.setup_class import build_class

    store(read_content())
    return build_class(2, PASSWORD)


def _member(school: dict, username: str, seed: int) -> Member:
    import random

    return Member(username, PASSWORD, school["classroom"], rng=random.Random(seed))


@pytest.mark.parametrize("seed", [1, 2])
def test_a_learner_follows_every_journey_twice_without_an_error(school, seed):
    browser, member = DjangoBrowser(), _member(school, school["learners"][0], seed)
    log_in(browser, member)
    for _round in range(2):  # the second time the sandbox exists and the lessons resume further on
        for journey, _weight in LEARNER_JOURNEYS.values():
            journey(browser, member)
    instructor = DjangoBrowser()
    teacher = _member(school, school["instructor"], seed)
    log_in(instructor, teacher)
    for journey, _weight in INSTRUCTOR_JOURNEYS.values():
        journey(instructor, teacher)
    assert set(browser.names) | set(instructor.names) >= REQUIRED


def test_a_wrong_password_fails_the_log_in(school):
    member = _member(school, school["learners"][1], 0)
    member.password = "not-the-password"
    with pytest.raises(AssertionError, match="log-in form came back"):
        log_in(DjangoBrowser(), member)


def test_the_class_is_built_once_only(school):
    from loadtest.setup_class import build_class

    with pytest.raises(SystemExit, match="already holds users"):
        build_class(1, PASSWORD)


def test_the_sandbox_journey_removes_the_role_it_made(school):
    from iamtutor.sandbox.models import Sandbox

    browser, member = DjangoBrowser(), _member(school, school["learners"][0], 3)
    log_in(browser, member)
    journeys.sandbox(browser, member)
    sandbox = Sandbox.objects.get(owner__username=member.username, kind=Sandbox.PERSONAL)
    names = [role["RoleName"] for account in sandbox.accounts.all() for role in account.roles()]
    assert not [name for name in names if name.startswith("ClassRole")]


@pytest.mark.skipif(importlib.util.find_spec("locust") is None, reason="Locust is in the `load` extra (make loadtest)")
def test_the_locustfile_imports_with_a_task_for_each_journey():
    # In a child process: importing Locust patches the standard library for gevent, which this process keeps.
    script = (
        "import collections, json, loadtest.locustfile as f;"  # Locust repeats each task by its weight
        "print(json.dumps({'learner': collections.Counter(t.__name__ for t in f.Learner.tasks),"
        " 'instructor': [t.__name__ for t in f.Instructor.tasks], 'fixed': f.Instructor.fixed_count}))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["learner"] == {name: weight for name, (_journey, weight) in LEARNER_JOURNEYS.items()}
    assert found["instructor"] == list(INSTRUCTOR_JOURNEYS)
    assert found["fixed"] == 1
