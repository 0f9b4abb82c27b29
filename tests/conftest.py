"""Shared fixtures: the named cast (alice the learner, bob a classmate, carol the instructor, mallory an
outsider), a fast password hasher, and clean caches (every alias) for every test."""

from __future__ import annotations

import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test import testcases
from hypothesis import settings as hypothesis_settings

from tests.factories import PASSWORD, UserFactory

__all__ = ["PASSWORD"]


class SharedConnectionWSGIServer(ThreadedWSGIServer):
    """The live server, running one request at a time when its threads share one database connection.

    On the in-memory SQLite test database, Django hands every request thread the same connection
    (``connections_override``). Two requests at once (two browsers, or a page and its htmx fragments) then
    interleave their transactions on it, and one fails with a 500 that no user of the real site could meet.
    PostgreSQL gives each thread its own connection, so there the server stays fully concurrent.
    """

    _app_lock = threading.Lock()

    def set_app(self, application):
        if not self.connections_override:
            return super().set_app(application)

        def one_at_a_time(environ, start_response):
            with self._app_lock:  # the body is read and closed (request_finished) under the lock too
                response = application(environ, start_response)
                try:
                    return list(response)
                finally:
                    if hasattr(response, "close"):
                        response.close()

        return super().set_app(one_at_a_time)

    def _close_connections(self):
        # The shared in-memory connection is never closed by a request thread (SQLite's close() skips it
        # anyway); trying would fail once the test has ended and the connection stopped being shared.
        shared = self.connections_override or {}
        for connection in connections.all(initialized_only=True):
            if connection.alias not in shared:
                connection.close()


testcases.LiveServerThread.server_class = SharedConnectionWSGIServer


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def alice(db):
    """The learner: owns the sandbox under test."""
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    """A classmate of alice's."""
    return UserFactory(username="bob")


@pytest.fixture
def carol(db):
    """The instructor."""
    from iamtutor.accounts.roles import grant_instructor

    user = UserFactory(username="carol")
    grant_instructor(user)
    return user


@pytest.fixture
def mallory(db):
    """An outsider: signed up, but owns nothing she is shown."""
    return UserFactory(username="mallory")


# Property tests run on a shared, sometimes busy machine: judge them on their answers, not on wall time.
hypothesis_settings.register_profile("iamtutor", deadline=None)
hypothesis_settings.load_profile("iamtutor")


@pytest.fixture
def classroom(carol):
    """carol's open classroom with two sections (OUs), "Monday" and "Tuesday", and no students yet."""
    from iamtutor.classrooms.membership import add_section
    from tests.factories import ClassroomFactory

    room = ClassroomFactory(owner=carol, name="IAM roles, autumn")
    add_section(room, "Monday")
    add_section(room, "Tuesday")
    return room


@pytest.fixture
def alice_enrolled(classroom, alice):
    """alice as a student of carol's classroom, in the Monday section."""
    from iamtutor.classrooms.membership import enrol

    return enrol(classroom, alice, classroom.sections.get(name="Monday"))


@pytest.fixture
def bob_enrolled(classroom, bob):
    """bob as a student of carol's classroom, in the Tuesday section."""
    from iamtutor.classrooms.membership import enrol

    return enrol(classroom, bob, classroom.sections.get(name="Tuesday"))
