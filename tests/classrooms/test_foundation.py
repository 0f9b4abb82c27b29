"""The classroom foundation: an organization with stable ids, member accounts, and who may do what."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied

from iamtutor.classrooms import permissions
from iamtutor.classrooms.federation import organization_data
from iamtutor.classrooms.membership import enrol
from iamtutor.classrooms.models import StaffMember
from iamtutor.engine import World
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import SandboxWorld

pytestmark = pytest.mark.django_db


def test_a_classroom_is_an_organization_with_aws_shaped_ids(classroom):
    assert re.fullmatch(r"o-[a-z0-9]{10}", classroom.org_id)
    assert re.fullmatch(r"r-[a-z0-9]{4}", classroom.root_id)
    assert re.fullmatch(r"\d{12}", classroom.management_account_id)
    for section in classroom.sections.all():
        assert re.fullmatch(rf"ou-{classroom.root_id[2:]}-[a-z0-9]{{8}}", section.ou_id)


def test_each_student_owns_a_member_account_with_a_unique_id(alice_enrolled, bob_enrolled):
    assert alice_enrolled.account_id != bob_enrolled.account_id
    sandbox = alice_enrolled.sandbox
    assert sandbox.kind == Sandbox.CLASSROOM
    assert sandbox.accounts.filter(is_learners=True).get().account_id == alice_enrolled.account_id


def test_joining_twice_keeps_one_enrollment(classroom, alice, alice_enrolled):
    assert enrol(classroom, alice) == alice_enrolled


def test_a_student_keeps_their_personal_sandbox_beside_the_classroom_one(alice, alice_enrolled):
    from iamtutor.sandbox.worlds import create_sandbox

    personal = create_sandbox(alice)
    assert personal.kind == Sandbox.PERSONAL
    assert create_sandbox(alice) == personal


def test_the_students_world_sits_in_the_organization_in_its_sections_ou(alice_enrolled, bob_enrolled):
    data = organization_data(alice_enrolled.classroom)
    World.from_dict({"accounts": {}, "organization": data})  # valid world format
    monday = next(ou for ou in data["ous"] if ou["name"] == "Monday")
    assert monday["accounts"] == [alice_enrolled.account_id]
    world = SandboxWorld.load(alice_enrolled.sandbox).world
    assert world.organization.is_member(bob_enrolled.account_id)


def test_staff_roles_decide_what_each_may_do(classroom, carol, alice, bob, alice_enrolled, bob_enrolled, mallory):
    monday = classroom.sections.get(name="Monday")
    ta = StaffMember.objects.create(classroom=classroom, user=mallory, role=StaffMember.TA)
    ta.sections.add(monday)
    owner = permissions.actor_for(carol, classroom)
    assistant = permissions.actor_for(mallory, classroom)
    student = permissions.actor_for(alice, classroom)
    assert permissions.can(owner, "manage_staff")
    assert permissions.can(assistant, "reset_student", alice_enrolled)
    assert permissions.why_not(assistant, "reset_student", bob_enrolled) == (
        "Teaching assistants see and reset only the students of their own sections."
    )
    assert not permissions.can(assistant, "manage_guardrails")
    assert permissions.why_not(student, "view_roster") == (
        "Only the owner, co-instructors and teaching assistants can do this."
    )
    with pytest.raises(PermissionDenied):
        permissions.require(student, "manage_clock")
