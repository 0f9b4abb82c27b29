"""Creating classrooms and enrolling students: each student gets a member account of their own.

A student's account is a ``Sandbox`` of kind ``classroom`` holding the starting world, its learner account
renumbered to the student's own account id (the starting world's partner account stays: an account outside
the class, for trying what guardrails do not reach).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import replace_contents, starting_compute, starting_world

from . import ids, log
from .models import Classroom, Enrollment, Section, StaffMember

SEED_ACCOUNT = "111111111111"


def create_classroom(owner, name: str, *, description: str = "", clock_mode: str = Classroom.CLASS_CLOCK) -> Classroom:
    """A new draft classroom owned by ``owner``, with its organization's ids and a management account."""
    with transaction.atomic():
        org_id, root_id = ids.new_org_ids()
        classroom = Classroom.objects.create(
            name=name,
            description=description,
            org_id=org_id,
            root_id=root_id,
            management_account_id=ids.new_account_id(),
            clock_mode=clock_mode,
            created_by=owner,
        )
        StaffMember.objects.create(classroom=classroom, user=owner, role=StaffMember.OWNER)
        log.record(classroom, owner, "classroom_created", name=name)
    return classroom


def add_section(classroom: Classroom, name: str) -> Section:
    position = classroom.sections.count()
    return Section.objects.create(
        classroom=classroom, name=name, ou_id=ids.new_ou_id(classroom.root_id), position=position
    )


def student_world(account_id: str) -> tuple[dict, dict]:
    """The starting world and its compute section with the learner account renumbered to ``account_id``."""
    mapping = {SEED_ACCOUNT: account_id}
    return ids.renumber(starting_world(), mapping), ids.renumber(starting_compute(), mapping)


def enrol(classroom: Classroom, user, section: Section | None = None) -> Enrollment:
    """Makes ``user`` a student of ``classroom`` with a new member account; joining twice returns the
    enrollment they have. Seat limits and join keys are the caller's to check (``joining``).

    The classroom's row is locked first, as a class clock change locks it (``clock.change_clock``): a student
    joining while the clock moves either starts on the new class time or is moved with the class, never left
    on the old time. The new account's clock is read from the locked row, not from ``classroom``, which may be
    stale."""
    with transaction.atomic():
        room = Classroom.objects.select_for_update().get(pk=classroom.pk)
        existing = Enrollment.objects.filter(classroom=classroom, user=user).first()
        if existing is not None:
            return existing
        for _ in range(5):  # a concurrent enrolment in another classroom may take the same new id: draw again
            account_id = ids.new_account_id()
            try:
                with transaction.atomic():
                    sandbox = Sandbox.objects.create(
                        owner=user, kind=Sandbox.CLASSROOM, name=f"{classroom.name[:80]} · {account_id}"
                    )
                    world, compute = student_world(account_id)
                    replace_contents(sandbox, world, compute)
                    apply_class_clock(room, sandbox, extension=0)
                    return Enrollment.objects.create(
                        classroom=classroom, user=user, section=section, sandbox=sandbox, account_id=account_id
                    )
            except IntegrityError:
                existing = Enrollment.objects.filter(classroom=classroom, user=user).first()
                if existing is not None:
                    return existing
    raise RuntimeError("Could not draw a free account id.")


def class_time(classroom: Classroom):
    """The class clock now: paused at a moment, or real time plus the class's offset."""
    if classroom.clock_frozen_at is not None:
        return classroom.clock_frozen_at
    return timezone.now() + timezone.timedelta(seconds=classroom.clock_offset)


def apply_class_clock(classroom: Classroom, sandbox: Sandbox, *, extension: int) -> None:
    """Sets one student's sandbox clock from the class clock less their extra time (class-clock mode only)."""
    if classroom.clock_mode != Classroom.CLASS_CLOCK:
        return
    frozen = classroom.clock_frozen_at
    Sandbox.objects.filter(pk=sandbox.pk).update(
        clock_offset=classroom.clock_offset - extension,
        clock_frozen_at=frozen - timezone.timedelta(seconds=extension) if frozen else None,
    )
    sandbox.refresh_from_db(fields=["clock_offset", "clock_frozen_at"])
