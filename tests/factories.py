"""The model graph for tests, built with factory-boy (STYLE 12): users, sandboxes and classrooms.

``tests/conftest.py`` gives the instances names (alice, bob, carol, mallory); tests that need one more of a
kind call a factory directly (``SandboxFactory(owner=None)`` is an anonymous sandbox). Engine tests need
none of this: they build worlds from small JSON literals.
"""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory, Password

from iamtutor.classrooms.membership import create_classroom, enrol
from iamtutor.classrooms.models import Classroom
from iamtutor.sandbox.models import AuditEvent, Sandbox
from iamtutor.sandbox.worlds import replace_contents, starting_compute, starting_world

PASSWORD = "correct horse battery staple"


class UserFactory(DjangoModelFactory):
    """A signed-up learner whose password is ``PASSWORD``."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"learner{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = Password(PASSWORD)


class SandboxFactory(DjangoModelFactory):
    """A sandbox holding the starting world's two accounts, owned by a new user unless ``owner`` is given
    (``owner=None``: an anonymous sandbox). ``contents=False`` leaves it empty."""

    class Meta:
        model = Sandbox
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)

    @factory.post_generation
    def contents(sandbox: Sandbox, create: bool, extracted: bool | None, **kwargs) -> None:
        if create and extracted is not False:
            replace_contents(sandbox, starting_world(), starting_compute())


class AuditEventFactory(DjangoModelFactory):
    """A CloudTrail-shaped event recorded in a sandbox (an empty one unless ``sandbox`` is given)."""

    class Meta:
        model = AuditEvent

    sandbox = factory.SubFactory(SandboxFactory, contents=False)
    event_id = factory.Sequence(lambda n: f"event-{n}")
    event_time = factory.LazyAttribute(lambda event: event.sandbox.created)
    event_name = "GetObject"
    event_source = "s3.amazonaws.com"
    data = factory.Dict({})


class ClassroomFactory(DjangoModelFactory):
    """An open classroom owned by a new instructor unless ``owner`` is given, with its organization's ids and
    an owner staff member (``membership.create_classroom`` does the work)."""

    class Meta:
        model = Classroom

    name = factory.Sequence(lambda n: f"IAM roles, class {n}")
    owner = factory.SubFactory(UserFactory)
    state = Classroom.OPEN

    @classmethod
    def _create(cls, model_class, owner=None, state=Classroom.OPEN, **kwargs):
        classroom = create_classroom(owner, kwargs.pop("name"), **kwargs)
        if state != classroom.state:
            Classroom.objects.filter(pk=classroom.pk).update(state=state)
            classroom.state = state
        return classroom


def enrol_student(classroom: Classroom, user=None, section=None):
    """``user`` (a new learner unless given) enrolled in ``classroom`` with a member account of their own."""
    return enrol(classroom, user or UserFactory(), section)
