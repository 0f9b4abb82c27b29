"""The class clock: fast-forward, pause, resume, jump, and back to real time, for every student at once.

In class-clock mode each active student's sandbox clock is the class clock less the student's extra time
(``Enrollment.clock_extension``, seconds), as ``membership.apply_class_clock`` sets it for one student.
``change_clock`` moves the class clock and sets every student's clock with one UPDATE, in one transaction
that also records the change in the staff log. A self-paced classroom leaves each student their own clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import DateTimeField, DurationField, ExpressionWrapper, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from iamtutor.sandbox.models import Sandbox

from . import log
from .membership import class_time
from .models import Classroom, Enrollment

FORWARD, PAUSE, RESUME, JUMP, REAL_TIME = "forward", "pause", "resume", "jump", "real_time"
MAX_AHEAD = timedelta(days=365)  # the furthest the class clock may run ahead of real time
JUMP_GRACE = timedelta(minutes=1)  # a time typed to the minute may fall just behind real time: it means "now"
SELF_PACED_MESSAGE = (
    "This classroom is self-paced: each student runs their own clock. "
    "Switch it to one class clock in the classroom's settings to set the time for everyone."
)


class ClockRefused(Exception):
    """The class clock cannot make this change; the message says why, in words for the page."""


@dataclass(frozen=True)
class ClockChange:
    """One change of the class clock: ``kind`` is forward, pause, resume, jump or real_time; ``minutes`` goes
    with forward, ``at`` (aware) with jump."""

    kind: str
    minutes: int = 0
    at: datetime | None = None


def change_clock(classroom: Classroom, user, change: ClockChange, *, reason: str = "") -> datetime:
    """Applies ``change`` to the class clock and to every active student's sandbox clock, and logs it, in one
    transaction holding the classroom row's lock (two staff changing the clock at once take turns).

    Returns the new class time. Raises ``ClockRefused`` (nothing changed) in a self-paced classroom, for a
    pause of a paused clock or a resume of a running one, for a jump into the past, and beyond ``MAX_AHEAD``.
    """
    with transaction.atomic():
        room = Classroom.objects.select_for_update().get(pk=classroom.pk)
        if room.clock_mode != Classroom.CLASS_CLOCK:
            raise ClockRefused(SELF_PACED_MESSAGE)
        now = timezone.now()
        offset, frozen = _next_clock(room, change, now)
        if (frozen or now + timedelta(seconds=offset)) - now > MAX_AHEAD:
            raise ClockRefused("The class clock can run at most 365 days ahead of real time.")
        Classroom.objects.filter(pk=room.pk).update(clock_offset=offset, clock_frozen_at=frozen)
        room.clock_offset, room.clock_frozen_at = offset, frozen
        students = apply_to_students(room)
        moment = class_time(room)
        detail = {"change": change.kind, "class_time": moment.isoformat(timespec="seconds"), "students": students}
        if change.kind == FORWARD:
            detail["minutes"] = change.minutes
        log.record(room, user, "clock_changed", reason=reason, **detail)
    classroom.clock_offset, classroom.clock_frozen_at = offset, frozen
    return moment


def _next_clock(room: Classroom, change: ClockChange, now: datetime) -> tuple[int, datetime | None]:
    """(offset in seconds, paused-at moment) of the class clock after ``change``."""
    offset, frozen = room.clock_offset, room.clock_frozen_at
    if change.kind == FORWARD:
        step = timedelta(minutes=change.minutes)
        return (offset, frozen + step) if frozen else (offset + int(step.total_seconds()), None)
    if change.kind == PAUSE:
        if frozen:
            raise ClockRefused("The class clock is paused already.")
        return offset, now + timedelta(seconds=offset)
    if change.kind == RESUME:
        if not frozen:
            raise ClockRefused("The class clock is running already.")
        return _seconds(frozen - now), None  # the class time goes on from where it stood
    if change.kind == JUMP:
        at = change.at
        if at is None or at < now - JUMP_GRACE:
            raise ClockRefused(
                "Choose a time no earlier than real time. To go back to real time, use “Back to real time”."
            )
        at = max(at, now)
        return (offset, at) if frozen else (_seconds(at - now), None)
    if change.kind == REAL_TIME:
        return 0, None
    raise ClockRefused("Choose a clock change: fast-forward, pause, resume, jump, or back to real time.")


def _seconds(delta: timedelta) -> int:
    return round(delta.total_seconds())


def apply_to_students(classroom: Classroom) -> int:
    """Sets every active student's sandbox clock to the class clock less their extra time, with one UPDATE
    (whatever the class size); returns how many sandboxes it set. Nothing in a self-paced classroom."""
    if classroom.clock_mode != Classroom.CLASS_CLOCK:
        return 0
    extension = _extension()
    frozen = classroom.clock_frozen_at
    paused_at = None
    if frozen is not None:
        behind = ExpressionWrapper(extension * Value(timedelta(seconds=1)), output_field=DurationField())
        paused_at = ExpressionWrapper(
            Value(frozen, output_field=DateTimeField()) - behind, output_field=DateTimeField()
        )
    students = Sandbox.objects.filter(enrollment__classroom=classroom, enrollment__state=Enrollment.ACTIVE)
    return students.update(clock_offset=Value(classroom.clock_offset) - extension, clock_frozen_at=paused_at)


def clock_mode_changed(classroom: Classroom) -> int:
    """Call in the transaction that switches ``classroom.clock_mode``: in class-clock mode every student's clock
    follows the class clock; going self-paced, each student's clock runs on from the time it showed (a paused
    class no longer holds anyone's clock still). One UPDATE; returns how many sandboxes it set."""
    if classroom.clock_mode == Classroom.CLASS_CLOCK:
        return apply_to_students(classroom)
    offset = _seconds(class_time(classroom) - timezone.now())
    students = Sandbox.objects.filter(enrollment__classroom=classroom, enrollment__state=Enrollment.ACTIVE)
    return students.update(clock_offset=Value(offset) - _extension(), clock_frozen_at=None)


def _extension() -> Coalesce:
    """In an UPDATE of sandboxes: the extra time (seconds) of the student owning each."""
    extra = Enrollment.objects.filter(sandbox_id=OuterRef("pk")).order_by().values("clock_extension")[:1]
    return Coalesce(Subquery(extra), Value(0))


def ahead_of_real_time(moment: datetime, now: datetime | None = None) -> str:
    """How far ``moment`` is from real time, in words: "1 h 5 min ahead of real time", "at real time"."""
    seconds = _seconds(moment - (now or timezone.now()))
    if abs(seconds) < 60:
        return "at real time"
    words = duration_words(abs(seconds))
    return f"{words} ahead of real time" if seconds > 0 else f"{words} behind real time"


def duration_words(seconds: int) -> str:
    """``seconds`` as days, hours and minutes: "2 d 3 h", "1 h 5 min", "15 min" (seconds dropped)."""
    minutes = seconds // 60
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(part for part in parts if part) or "0 min"
