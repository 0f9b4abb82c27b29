"""A class on the site: ``Learner``s following the journeys of ``journeys.py`` with think time between steps,
and one ``Instructor``. Run by ``loadtest/run.py`` (``make loadtest``), which builds the class and passes its
credentials file in ``LOADTEST_CLASS``.

The site runs as in production behind a TLS proxy (``BEHIND_TLS_PROXY=true``): every request says
``X-Forwarded-Proto: https``, so the session and CSRF cookies are the production ones (``Secure``), and each
POST carries the ``Origin`` a browser sends. The cookie jar sends those cookies over the loopback's plain HTTP
(``LoopbackIsTLS``), standing in for the proxy's TLS.

Besides Locust's own statistics, every request is written to ``LOADTEST_SAMPLES`` (JSON, on exit) with the
phase it fell in: ``arriving`` until every member has logged in, ``in class`` after.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import json
import os
import random
import time
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, between, events

from loadtest.journeys import INSTRUCTOR_JOURNEYS, LEARNER_JOURNEYS, JourneyError, Member, log_in
from loadtest.pages import Page

THINK_MIN = float(os.environ.get("LOAD_THINK_MIN", "3"))
THINK_MAX = float(os.environ.get("LOAD_THINK_MAX", "10"))


def _class() -> dict:
    path = os.environ.get("LOADTEST_CLASS")
    if not path:  # imported without a class (the tests): a stand-in that names nobody
        return {"password": "", "learners": [], "instructor": "", "classroom": ""}
    return json.loads(Path(path).read_text())


CLASS = _class()
_next_learner = itertools.count()


class LoopbackIsTLS(http.cookiejar.DefaultCookiePolicy):
    """Sends ``Secure`` cookies to the loopback address over plain HTTP (TLS ends at the proxy we stand in for)."""

    def return_ok_secure(self, cookie, request) -> bool:
        return True


class LocustBrowser:
    """The journeys' ``Browser`` over Locust's client: each request is checked and recorded under its name; a
    failed one ends the journey (``JourneyError``)."""

    def __init__(self, user: FastHttpUser) -> None:
        self.user = user
        self.origin = "https://" + user.host.split("://", 1)[1].rstrip("/")

    def get(self, path: str, name: str, *, check=None, headers: dict | None = None) -> Page:
        return self._send("GET", path, name, check, headers=headers or {})

    def post(self, path: str, data: dict, name: str, *, check=None) -> Page:
        headers = {"Origin": self.origin, "Content-Type": "application/x-www-form-urlencoded"}
        return self._send("POST", path, name, check, headers=headers, data=urlencode(data, doseq=True))

    def think(self) -> None:
        self.user.wait()

    def _send(self, method: str, path: str, name: str, check, **kwargs) -> Page:
        with self.user.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
            if not response.status_code:  # no answer: a timeout or a refused connection
                problem = f"{method} {name}: no answer ({getattr(response, 'error', None)!r})"
                response.failure(problem)
                raise JourneyError(problem)
            page = Page(response.url or path, response.status_code, response.text or "")
            problem = f"{method} {name} answered {response.status_code}" if response.status_code >= 400 else None
            problem = problem or (check(page) if check else None)
            if problem:
                response.failure(problem)
                raise JourneyError(problem)
            response.success()
        return page


class _ClassMember(FastHttpUser):
    abstract = True
    wait_time = between(THINK_MIN, THINK_MAX)
    default_headers = {"X-Forwarded-Proto": "https", "User-Agent": "iamtutor-loadtest"}
    network_timeout = connection_timeout = 60.0  # a page slower than a minute counts as an error

    def on_start(self) -> None:
        self.client.cookiejar.set_policy(LoopbackIsTLS())
        self.browser = LocustBrowser(self)
        self.member = Member(self._username(), CLASS["password"], CLASS["classroom"], rng=random.Random())

    def _username(self) -> str:
        raise NotImplementedError

    def run_journey(self, name: str, journey) -> None:
        try:
            if not self.member.logged_in:
                log_in(self.browser, self.member)
                _arrived()
            journey(self.browser, self.member)
        except JourneyError:
            pass  # the failed request is in the statistics already
        except (LookupError, StopIteration, IndexError) as exc:  # a page without the form or link a step needs
            self.environment.events.request.fire(
                request_type="JOURNEY",
                name=name,
                response_time=0,
                response_length=0,
                exception=exc,
                context={},
            )


def _tasks(journeys: dict) -> dict:
    def task(name, journey):
        def run(user: _ClassMember) -> None:
            user.run_journey(name, journey)

        run.__name__ = name
        return run

    return {task(name, journey): weight for name, (journey, weight) in journeys.items()}


class Learner(_ClassMember):
    """A learner of the class: logs in once (their session is kept), then follows journeys by weight."""

    tasks = _tasks(LEARNER_JOURNEYS)

    def _username(self) -> str:
        learners = CLASS["learners"]
        return learners[next(_next_learner) % len(learners)] if learners else ""


class Instructor(_ClassMember):
    """The class's instructor, watching the class page and the roster."""

    fixed_count = 1
    tasks = _tasks(INSTRUCTOR_JOURNEYS)

    def _username(self) -> str:
        return CLASS["instructor"]


# ---- samples by phase --------------------------------------------------------------------------------------------

_phase = {"now": "arriving"}
_samples: dict[str, dict[str, list]] = {}
_times: dict[str, float] = {}


@events.test_start.add_listener
def _class_arrives(**_kwargs) -> None:
    _times["start"] = time.time()


@events.spawning_complete.add_listener
def _all_spawned(user_count: int, **_kwargs) -> None:
    _times["spawned"] = time.time()
    _times["expected"] = user_count
    _class_is_in()


def _arrived() -> None:
    _times["logged_in"] = _times.get("logged_in", 0) + 1
    _class_is_in()


def _class_is_in() -> None:
    """The class is in once every member is spawned and logged in; until then the phase is "arriving"."""
    if _phase["now"] == "arriving" and "expected" in _times and _times.get("logged_in", 0) >= _times["expected"]:
        _phase["now"] = "in class"
        _times["class_in"] = time.time()


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception=None, **_kwargs) -> None:
    phase = _samples.setdefault(_phase["now"], {})
    phase.setdefault(f"{request_type} {name}", []).append((round(response_time, 1), 1 if exception else 0))


@events.quitting.add_listener
def _write_samples(environment, **_kwargs) -> None:
    path = os.environ.get("LOADTEST_SAMPLES")
    if path:
        Path(path).write_text(json.dumps({"times": {**_times, "end": time.time()}, "phases": _samples}))
