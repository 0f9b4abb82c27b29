"""Changes to a classroom itself: its settings, its lifecycle, its sections and its staff.

Each function is one transaction holding the change and its staff-log entry, with the classroom's row locked
so that two staff changing the same classroom take turns. Who may call which is ``permissions``' to decide
(the views ask first); the rules that hold whoever asks — a classroom keeps an owner, archiving comes after
closing — are here, and a refusal is a ``Refused`` whose message says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from iamtutor.sandbox.models import Sandbox

from . import clock, log, membership
from .models import Assignment, AssignmentAttempt, Classroom, Enrollment, ResultOverride, Section, StaffMember

CLOSED_REASON = "This classroom is closed: your account can still be viewed, but nothing in it changes."

# (from, to) -> the permission the step needs. Anything else is not a step of the lifecycle.
TRANSITIONS = {
    (Classroom.DRAFT, Classroom.OPEN): "change_state",
    (Classroom.OPEN, Classroom.CLOSED): "change_state",
    (Classroom.CLOSED, Classroom.OPEN): "change_state",
    (Classroom.CLOSED, Classroom.ARCHIVED): "archive",
}
SETTINGS = ("name", "description", "clock_mode", "seat_limit")


class Refused(Exception):
    """A change the classroom's rules do not allow; the message says why, for the person who asked."""


def _locked(classroom: Classroom) -> Classroom:
    return Classroom.objects.select_for_update().get(pk=classroom.pk)


# ---- settings and lifecycle --------------------------------------------------------------------------------------


def save_settings(classroom: Classroom, user, values: dict) -> list[str]:
    """Stores the ``SETTINGS`` in ``values``; returns the names of those that changed (none: nothing logged).
    Turning the class clock on sets every student's clock from it; turning it off lets each student's clock run
    on from where it stood (``clock.clock_mode_changed``)."""
    with transaction.atomic():
        locked = _locked(classroom)
        changed = {
            name: [getattr(locked, name), values[name]] for name in SETTINGS if getattr(locked, name) != values[name]
        }
        if not changed:
            return []
        for name, (_, new) in changed.items():
            setattr(locked, name, new)
        locked.save(update_fields=list(changed))
        if "clock_mode" in changed:
            clock.clock_mode_changed(locked)
        log.record(locked, user, "settings_changed", changed=changed)
    for name in changed:
        setattr(classroom, name, getattr(locked, name))
    return list(changed)


def transition_action(state: str, to: str) -> str | None:
    """The permission the step from ``state`` to ``to`` needs, or ``None`` when it is not a step."""
    return TRANSITIONS.get((state, to))


def next_states(state: str) -> list[str]:
    """The states a classroom in ``state`` may go to, in the lifecycle's order."""
    return [to for (frm, to) in TRANSITIONS if frm == state]


def change_state(classroom: Classroom, user, to: str, reason: str = "") -> None:
    """Moves the classroom to ``to``. Closing makes every active student's account read-only
    (``CLOSED_REASON``); reopening makes them writable again (removed students' accounts stay read-only)."""
    with transaction.atomic():
        locked = _locked(classroom)
        if transition_action(locked.state, to) is None:
            raise Refused(no_step(locked.state, to))
        before, now = locked.state, timezone.now()
        locked.state = to
        stamp = {Classroom.OPEN: "opened_at", Classroom.CLOSED: "closed_at", Classroom.ARCHIVED: "archived_at"}[to]
        if to != Classroom.OPEN or locked.opened_at is None:
            setattr(locked, stamp, now)
        if before == Classroom.CLOSED and to == Classroom.OPEN:
            locked.closed_at = None
        locked.save(update_fields=["state", "opened_at", "closed_at", "archived_at"])
        accounts = Sandbox.objects.filter(enrollment__classroom=locked, enrollment__state=Enrollment.ACTIVE)
        if to == Classroom.CLOSED:
            # The revision bump makes a change already under way in a student's tab fail instead of landing.
            accounts.update(read_only_reason=CLOSED_REASON, revision=F("revision") + 1)
        elif before == Classroom.CLOSED:
            accounts.filter(read_only_reason=CLOSED_REASON).update(read_only_reason="", revision=F("revision") + 1)
        log.record(locked, user, "state_changed", reason=reason, before=before, after=to)
    classroom.state = locked.state
    classroom.opened_at, classroom.closed_at, classroom.archived_at = (
        locked.opened_at,
        locked.closed_at,
        locked.archived_at,
    )


def no_step(state: str, to: str | None) -> str:
    """Why a classroom in ``state`` cannot go to ``to``."""
    if to not in dict(Classroom.STATES):
        return "Choose one of the states draft, open, closed or archived."
    if state == to:
        return f"The classroom is already {state}."
    if state == Classroom.ARCHIVED:
        return "An archived classroom stays archived."
    if to == Classroom.ARCHIVED:
        return "Close the classroom before archiving it."
    return f"A {state} classroom cannot become {to}."


# ---- sections ----------------------------------------------------------------------------------------------------


def add_section(classroom: Classroom, user, name: str) -> Section:
    with transaction.atomic():
        locked = _locked(classroom)
        _check_section_name(locked, name)
        section = membership.add_section(locked, name)
        _bump(locked)
        log.record(locked, user, "section_changed", change="added", section=name, ou_id=section.ou_id)
    return section


def rename_section(section: Section, user, name: str) -> None:
    with transaction.atomic():
        locked = _locked(section.classroom)
        _check_section_name(locked, name, exclude=section)
        before = section.name
        section.name = name
        section.save(update_fields=["name"])
        _bump(locked)
        log.record(locked, user, "section_changed", change="renamed", section=name, before=before, ou_id=section.ou_id)


@dataclass(frozen=True)
class SectionLosses:
    """What goes with a deleted section besides the OU: the labs assigned to it (their dates, dashboard tally
    and overrides are deleted with it, ``Assignment.section`` is CASCADE) and the students' work on them as the
    dashboard and grades know it. The students' lab attempts stay in their accounts' history."""

    labs: tuple[str, ...] = ()
    starts: int = 0  # starts of those labs (``AssignmentAttempt`` rows)
    students: int = 0  # distinct students who started one
    overrides: int = 0  # result overrides on them

    @property
    def assignments(self) -> int:
        return len(self.labs)


def section_losses(section: Section) -> SectionLosses:
    """``SectionLosses`` for ``section``, in four small queries whatever the class size."""
    assigned = Assignment.objects.filter(section=section)
    labs = tuple(assigned.order_by("pk").values_list("lab__title", flat=True))
    if not labs:
        return SectionLosses()
    starts = AssignmentAttempt.objects.filter(assignment__in=assigned)
    return SectionLosses(
        labs=labs,
        starts=starts.count(),
        students=starts.values("enrollment_id").distinct().count(),
        overrides=ResultOverride.objects.filter(assignment__in=assigned).count(),
    )


def delete_section(section: Section, user, expected_assignments: int | None = None) -> tuple[int, int, SectionLosses]:
    """Deletes the section (its OU): its students move to no section, and the guardrails attached to it are
    detached from it, as AWS detaches policies from a deleted OU. The labs assigned to the section go with it
    (``section_losses``), and the log entry counts them. ``expected_assignments`` is the number the
    confirmation page showed: if labs were assigned to the section since, nothing is deleted (``Refused``).
    Returns (students moved, guardrails detached, what went with it)."""
    with transaction.atomic():
        locked = _locked(section.classroom)
        losses = section_losses(section)
        if expected_assignments is not None and losses.assignments != expected_assignments:
            raise Refused(
                "Labs were assigned to this section or unassigned from it since this page was loaded: "
                "read what goes with it again, then confirm."
            )
        moved = Enrollment.objects.filter(section=section).update(section=None)
        detached = 0
        for guardrail in locked.guardrails.select_for_update():
            if section.ou_id in guardrail.targets:
                guardrail.targets = [target for target in guardrail.targets if target != section.ou_id]
                guardrail.revision += 1
                guardrail.save(update_fields=["targets", "revision", "updated"])
                detached += 1
        name, ou_id = section.name, section.ou_id
        section.delete()
        _bump(locked)
        log.record(
            locked,
            user,
            "section_changed",
            change="deleted",
            section=name,
            ou_id=ou_id,
            students_moved=moved,
            assignments_deleted=losses.assignments,
            labs=", ".join(losses.labs),
            lab_starts_deleted=losses.starts,
            students_with_work=losses.students,
            overrides_deleted=losses.overrides,
        )
    return moved, detached, losses


def _check_section_name(classroom: Classroom, name: str, exclude: Section | None = None) -> None:
    clash = classroom.sections.filter(name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise Refused(f"There is already a section called “{name}”.")


def _bump(classroom: Classroom) -> None:
    Classroom.objects.filter(pk=classroom.pk).update(revision=F("revision") + 1)


# ---- staff -------------------------------------------------------------------------------------------------------


def add_staff(classroom: Classroom, by, user, role: str, sections) -> StaffMember:
    """Makes ``user`` staff of ``classroom`` with ``role`` (a TA: of ``sections``)."""
    try:
        with transaction.atomic():
            locked = _locked(classroom)
            member = StaffMember.objects.create(classroom=locked, user=user, role=role)
            names = _set_sections(member, sections)
            log.record(locked, by, "staff_changed", change="added", user=user.username, role=role, sections=names)
    except IntegrityError:
        raise Refused(f"{user.username} is already on the staff: change their role in the list instead.") from None
    return member


def change_staff(member: StaffMember, by, role: str, sections) -> None:
    with transaction.atomic():
        locked = _locked(member.classroom)
        member = StaffMember.objects.select_for_update().select_related("user").get(pk=member.pk)
        if member.role == StaffMember.OWNER and role != StaffMember.OWNER and _owners(locked) == 1:
            raise Refused("A classroom needs an owner: make someone else an owner before changing this role.")
        before = member.role
        member.role = role
        member.save(update_fields=["role"])
        names = _set_sections(member, sections)
        log.record(
            locked,
            by,
            "staff_changed",
            change="role",
            user=member.user.username,
            before=before,
            role=role,
            sections=names,
        )


def remove_staff(member: StaffMember, by) -> None:
    with transaction.atomic():
        locked = _locked(member.classroom)
        member = StaffMember.objects.select_for_update().select_related("user").get(pk=member.pk)
        if member.user_id == by.pk:
            raise Refused("You cannot remove yourself from the staff. Another owner can.")
        if member.role == StaffMember.OWNER and _owners(locked) == 1:
            raise Refused("A classroom needs an owner: make someone else an owner first.")
        username, role = member.user.username, member.role
        member.delete()
        log.record(locked, by, "staff_changed", change="removed", user=username, role=role)


def _owners(classroom: Classroom) -> int:
    return StaffMember.objects.filter(classroom=classroom, role=StaffMember.OWNER).count()


def _set_sections(member: StaffMember, sections) -> list[str]:
    """A TA's sections (other roles see every section and keep none); returns their names."""
    chosen = list(sections) if member.role == StaffMember.TA else []
    member.sections.set(chosen)
    return [section.name for section in chosen]


# ---- staff trying the classroom as students ------------------------------------------------------------------------


def try_as_student(classroom: Classroom, user) -> Enrollment:
    """Enrols a staff member as a student (no section) with a member account of their own; they keep their
    staff rights and are left out of the class's statistics. Enrolling twice returns the enrollment."""
    with transaction.atomic():
        existing = Enrollment.objects.filter(classroom=classroom, user=user).first()
        if existing is not None:
            return existing
        enrollment = membership.enrol(classroom, user)
        log.record(classroom, user, "staff_enrolled", enrollment=enrollment, account_id=enrollment.account_id)
    return enrollment
