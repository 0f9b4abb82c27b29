"""The roster: the students an actor may see, grouped by section; its CSV export; moving a student to another
section and removing one.

The roster costs a fixed number of queries whatever the class size: one for the students (with their
account, section, member-account sandbox and whether they are also staff), one for the sections, and the
actor's own look-ups. A removed student is never deleted: their enrollment is marked removed and their
member account is kept read-only, so they can still look at it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC

from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from . import log, permissions
from .joining import REMOVED_READ_ONLY
from .models import Classroom, Enrollment, Section, StaffMember
from .permissions import Actor

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets may read as the start of a formula


@dataclass
class Group:
    """One heading of the roster: a section (``None``: students in no section yet) and its students."""

    section: Section | None
    students: list[Enrollment] = field(default_factory=list)

    @property
    def active_count(self) -> int:
        """Active students, leaving out staff who enrolled to try things (as every class figure does)."""
        return sum(1 for row in self.students if row.state == Enrollment.ACTIVE and not row.is_staff)


def students(actor: Actor, section: Section | None = None) -> QuerySet[Enrollment]:
    """Every student ``actor`` may see (a TA: their sections'), active and removed, in one query, with
    ``is_staff`` marking staff who enrolled to try things. ``section`` narrows to one section."""
    classroom = actor.classroom
    staff = StaffMember.objects.filter(classroom=classroom, user=OuterRef("user_id"))
    rows = (
        Enrollment.objects.filter(classroom=classroom)
        .select_related("user", "section", "sandbox")
        .only(
            "pk",
            "classroom_id",
            "account_id",
            "state",
            "joined",
            "removed_at",
            "section_id",
            "section__name",
            "section__position",
            "user__username",
            "user__email",
            "sandbox__last_used",
            "sandbox__read_only_reason",
        )
        .annotate(is_staff=Exists(staff))
        .order_by("section__position", "section__name", "user__username")
    )
    if section is not None:
        rows = rows.filter(section=section)
    return permissions.visible_enrollments(actor, rows)


def visible_sections(actor: Actor) -> list[Section]:
    """The sections ``actor`` sees on the roster: all of them, or a TA's own."""
    sections = actor.classroom.sections.all()
    scope = actor.section_ids()
    return list(sections if scope is None else sections.filter(pk__in=scope))


def grouped(sections: list[Section], rows: list[Enrollment]) -> list[Group]:
    """The rows under one heading per section, in the sections' order, then the students in no section yet
    (if any)."""
    groups = {section.pk: Group(section) for section in sections}
    nowhere = Group(None)
    for row in rows:
        groups.get(row.section_id, nowhere).students.append(row)
    return [*groups.values(), nowhere] if nowhere.students else list(groups.values())


# ---- changes ----------------------------------------------------------------------------------------------------


MOVED, UNCHANGED = "moved", "unchanged"


def move(classroom: Classroom, actor_user, enrollment: Enrollment, section: Section | None) -> str:
    """Moves a student to ``section`` (``None``: no section). Returns ``MOVED``, ``UNCHANGED`` (they were
    there already) or ``Enrollment.REMOVED`` (a removed student stays where they were)."""
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if locked.state == Enrollment.REMOVED:
            return Enrollment.REMOVED
        if locked.section_id == (section.pk if section else None):
            return UNCHANGED
        before = enrollment.section.name if enrollment.section else None
        locked.section = section
        locked.save(update_fields=["section"])
        Classroom.objects.filter(pk=classroom.pk).update(revision=F("revision") + 1)
        log.record(
            classroom,
            actor_user,
            "student_moved",
            enrollment=locked,
            student=enrollment.user.username,
            before=before,
            after=section.name if section else None,
        )
    enrollment.section = section
    return MOVED


def remove(classroom: Classroom, actor_user, enrollment: Enrollment, reason: str) -> bool:
    """Removes a student: their enrollment is marked removed and their member account turns read-only (kept,
    never deleted). ``False`` when they were removed already."""
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().select_related("sandbox").get(pk=enrollment.pk)
        if locked.state == Enrollment.REMOVED:
            return False
        locked.state, locked.removed_at = Enrollment.REMOVED, timezone.now()
        locked.save(update_fields=["state", "removed_at"])
        sandbox = locked.sandbox
        sandbox.read_only_reason = REMOVED_READ_ONLY
        sandbox.save(update_fields=["read_only_reason"])
        Classroom.objects.filter(pk=classroom.pk).update(revision=F("revision") + 1)
        log.record(
            classroom, actor_user, "student_removed", enrollment=locked, reason=reason, student=enrollment.user.username
        )
    enrollment.state, enrollment.removed_at = locked.state, locked.removed_at
    return True


# ---- CSV --------------------------------------------------------------------------------------------------------


def csv_text(rows: list[Enrollment], *, with_email: bool) -> str:
    """The roster as CSV, one row per student. A cell a spreadsheet could take for a formula (starting
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with ``'``."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["username", "email", "section", "account_id", "joined", "last_activity", "state", "staff"]
    if not with_email:
        header.remove("email")
    writer.writerow(header)
    for row in rows:
        cells = [
            row.user.username,
            row.user.email,
            row.section.name if row.section else "",
            row.account_id,
            _iso(row.joined),
            _iso(row.sandbox.last_used),
            row.state,
            "yes" if row.is_staff else "no",
        ]
        if not with_email:
            del cells[1]
        writer.writerow([safe_cell(cell) for cell in cells])
    return out.getvalue()


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""
