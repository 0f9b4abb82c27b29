"""Staff actions on one student's account: reset (a snapshot first), undo, extra time, and "view as".

Each change is one transaction that first locks the classroom row and then the student's sandbox row, in
that order everywhere (the class clock takes the classroom's lock too): two staff acting on one student, or
a reset racing a clock change, take turns, and a student's own edit made meanwhile is refused as a
concurrent change rather than lost. Every action is recorded in the staff log inside its transaction.

A snapshot holds the account as a world file (``worlds.export_data``), the access keys' secrets, the STS
sessions (with who assumed what) and the newest audit events, so that an undo puts back exactly what was
there. Undo restores the newest snapshot after snapshotting the current state, so an undo can be undone.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from iamtutor.sandbox import hooks
from iamtutor.sandbox.models import AuditEvent, Sandbox, StsSession
from iamtutor.sandbox.worlds import export_data, replace_contents

from . import log
from .membership import apply_class_clock, student_world
from .models import AssignmentAttempt, Classroom, Enrollment, Snapshot

SNAPSHOT_FORMAT = 1
SNAPSHOTS_KEPT = 10  # per student; older ones are deleted when a new one is taken
SNAPSHOT_EVENTS = 5000  # the newest audit events a snapshot keeps: as many as the engine keeps per world
MAX_EXTENSION_MINUTES = 24 * 60


class StudentActionRefused(Exception):
    """The action cannot be taken now; the message says why, in words for the page."""


def record_view(enrollment: Enrollment, user) -> None:
    """Logs that ``user`` (staff) opened the student's account read-only ("view as")."""
    log.record(enrollment.classroom, user, "student_viewed", enrollment=enrollment)


def reset(enrollment: Enrollment, user, reason: str) -> Snapshot:
    """Snapshots the student's account, then puts back their starting account (their own account id); the
    student's clock stays the class clock less their extra time. Returns the snapshot an undo restores."""
    with transaction.atomic():
        classroom, sandbox = _lock(enrollment)
        snapshot = take_snapshot(enrollment, sandbox, user, reason)
        world, compute = student_world(enrollment.account_id)
        last_used = sandbox.last_used
        replace_contents(sandbox, world, compute)
        _settle(classroom, enrollment, sandbox, last_used, clock_offset=0)
        log.record(classroom, user, "student_reset", enrollment=enrollment, reason=reason, snapshot=snapshot.pk)
    return snapshot


def undo(enrollment: Enrollment, user, reason: str) -> Snapshot:
    """Puts back the newest snapshot, after snapshotting the account as it is now (so this undo can be undone
    in turn). Returns the snapshot it restored. Raises ``StudentActionRefused`` when there is none."""
    with transaction.atomic():
        classroom, sandbox = _lock(enrollment)
        restored = latest_snapshot(enrollment)
        if restored is None:
            raise StudentActionRefused("There is nothing to undo: no reset of this account has been recorded.")
        current = take_snapshot(enrollment, sandbox, user, reason)
        last_used = sandbox.last_used
        restore(sandbox, restored.data)
        Snapshot.objects.filter(pk=restored.pk).update(restored_at=timezone.now())
        if restored.lab_work_id is not None:  # the lab that was in the account then is in it again
            own = sandbox.accounts.filter(is_learners=True).values_list("pk", flat=True).first()
            AssignmentAttempt.objects.filter(pk=restored.lab_work_id).update(account_row_id=own)
        _settle(classroom, enrollment, sandbox, last_used, clock_offset=restored.data.get("clock_offset", 0))
        log.record(
            classroom,
            user,
            "reset_undone",
            enrollment=enrollment,
            reason=reason,
            restored=restored.pk,
            restored_taken=restored.created.isoformat(timespec="seconds"),
            snapshot=current.pk,
        )
    return restored


def extend(enrollment: Enrollment, user, minutes: int, reason: str = "") -> bool:
    """Gives the student ``minutes`` of extra time (0 takes it away): their clock runs that far behind the
    class clock, so their sessions last that much longer by it. Returns ``False`` when it was so already.
    Raises ``StudentActionRefused`` in a self-paced classroom, where each student runs their own clock."""
    if not 0 <= minutes <= MAX_EXTENSION_MINUTES:
        raise StudentActionRefused(f"Extra time is from 0 to {MAX_EXTENSION_MINUTES} minutes.")
    with transaction.atomic():
        classroom, sandbox = _lock(enrollment)
        if classroom.clock_mode != Classroom.CLASS_CLOCK:
            raise StudentActionRefused(
                "This classroom is self-paced: each student runs their own clock, so there is no class clock "
                "to give extra time against."
            )
        before = Enrollment.objects.select_for_update().values_list("clock_extension", flat=True).get(pk=enrollment.pk)
        if before == minutes * 60:
            return False
        Enrollment.objects.filter(pk=enrollment.pk).update(clock_extension=minutes * 60)
        apply_class_clock(classroom, sandbox, extension=minutes * 60)
        log.record(
            classroom,
            user,
            "clock_extended",
            enrollment=enrollment,
            reason=reason,
            minutes=minutes,
            previous_minutes=before // 60,
        )
    enrollment.clock_extension = minutes * 60
    return True


def latest_snapshot(enrollment: Enrollment) -> Snapshot | None:
    return enrollment.snapshots.order_by("-created", "-pk").first()


def take_snapshot(enrollment: Enrollment, sandbox: Sandbox, user, reason: str) -> Snapshot:
    """Stores the account as it is now (see the module's docstring); keeps the newest ``SNAPSHOTS_KEPT``."""
    in_account = AssignmentAttempt.objects.filter(enrollment=enrollment, account_row__isnull=False).first()
    snapshot = Snapshot.objects.create(
        enrollment=enrollment, taken_by=user, reason=reason, data=snapshot_data(sandbox), lab_work=in_account
    )
    stale = enrollment.snapshots.order_by("-created", "-pk").values_list("pk", flat=True)[SNAPSHOTS_KEPT:]
    Snapshot.objects.filter(pk__in=list(stale)).delete()
    return snapshot


def snapshot_data(sandbox: Sandbox) -> dict:
    """The sandbox's contents as a snapshot holds them (JSON-ready)."""
    exported = export_data(sandbox)
    world = {"partition": exported["world"].get("partition", "aws"), "accounts": exported["world"]["accounts"]}
    sessions = sandbox.sts_sessions.select_related("parent").order_by("issued_at", "pk")
    events = sandbox.events.order_by("-event_time", "-pk")[:SNAPSHOT_EVENTS]
    return {
        "format": SNAPSHOT_FORMAT,
        "world": world,
        "account_order": list(world["accounts"]),  # the learner's first; a JSON column may sort the keys
        "compute": exported["compute"],
        "secrets": dict(sandbox.key_secrets.values_list("access_key_id", "secret")),
        "sessions": [_session_entry(session) for session in sessions],
        "events": [_event_entry(event) for event in list(events)[::-1]],
        "clock_offset": sandbox.clock_offset,
    }


def restore(sandbox: Sandbox, data: dict) -> None:
    """Replaces the sandbox's contents with a snapshot's: accounts, keys' secrets, sessions, events."""
    accounts = data["world"]["accounts"]
    world = {**data["world"], "accounts": {i: accounts[i] for i in data.get("account_order") or accounts}}
    replace_contents(sandbox, world, data.get("compute") or {}, data.get("secrets") or {})
    entries = data.get("sessions") or []
    rows = StsSession.objects.bulk_create(
        StsSession(
            sandbox=sandbox,
            session_id=entry["session_id"],
            access_key_id=entry["access_key_id"],
            arn=entry["arn"],
            role_arn=entry["role_arn"],
            issued_at=_moment(entry["issued_at"]),
            expires_at=_moment(entry["expires_at"]),
            data=entry["data"],
        )
        for entry in entries
    )
    by_id = {row.session_id: row for row in rows}
    children = []
    for row, entry in zip(rows, entries, strict=True):
        if entry.get("parent") in by_id:
            row.parent = by_id[entry["parent"]]
            children.append(row)
    if children:
        StsSession.objects.bulk_update(children, ["parent"])
    if entries:  # the endpoint finds restored sessions by their key ids, as it finds those the pages save
        hooks.key_index.sessions_saved(sandbox, [entry["data"] for entry in entries])
    AuditEvent.objects.bulk_create(
        AuditEvent(
            sandbox=sandbox,
            event_id=entry["event_id"],
            event_time=_moment(entry["event_time"]),
            event_name=entry["event_name"],
            event_source=entry["event_source"],
            principal_arn=entry["principal_arn"],
            error_code=entry["error_code"],
            data=entry["data"],
        )
        for entry in data.get("events") or []
    )


def _lock(enrollment: Enrollment) -> tuple[Classroom, Sandbox]:
    """The classroom and the student's sandbox, fresh and locked, in that order (see the module docstring)."""
    classroom = Classroom.objects.select_for_update().get(pk=enrollment.classroom_id)
    sandbox = Sandbox.objects.select_for_update().get(pk=enrollment.sandbox_id)
    enrollment.classroom, enrollment.sandbox = classroom, sandbox
    return classroom, sandbox


def _settle(classroom: Classroom, enrollment: Enrollment, sandbox: Sandbox, last_used, *, clock_offset: int) -> None:
    """After a replacement: the student's clock as the classroom sets it (in a self-paced classroom, as the
    snapshot had it), and their last activity as it was — staff work is not the student's activity."""
    if classroom.clock_mode == Classroom.CLASS_CLOCK:
        extension = Enrollment.objects.values_list("clock_extension", flat=True).get(pk=enrollment.pk)
        apply_class_clock(classroom, sandbox, extension=extension)
        Sandbox.objects.filter(pk=sandbox.pk).update(last_used=last_used)
    else:
        Sandbox.objects.filter(pk=sandbox.pk).update(clock_offset=clock_offset, last_used=last_used)
    sandbox.refresh_from_db(fields=["clock_offset", "clock_frozen_at", "last_used"])


def _session_entry(session: StsSession) -> dict:
    return {
        "session_id": session.session_id,
        "access_key_id": session.access_key_id,
        "arn": session.arn,
        "role_arn": session.role_arn,
        "issued_at": session.issued_at.isoformat(),
        "expires_at": session.expires_at.isoformat(),
        "parent": session.parent.session_id if session.parent else None,
        "data": session.data,
    }


def _event_entry(event: AuditEvent) -> dict:
    return {
        "event_id": event.event_id,
        "event_time": event.event_time.isoformat(),
        "event_name": event.event_name,
        "event_source": event.event_source,
        "principal_arn": event.principal_arn,
        "error_code": event.error_code,
        "data": event.data,
    }


def _moment(text: str) -> datetime:
    moment = parse_datetime(text)
    if moment is None:
        raise ValueError(f"Not a time: {text!r}")
    return moment
