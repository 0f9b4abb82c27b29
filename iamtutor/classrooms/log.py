"""The staff audit log: every reset, undo, extension, guardrail change, view-as and roster change."""

from __future__ import annotations

from .models import Classroom, Enrollment, StaffAction

# action -> how the log words it (the detail adds the specifics)
ACTIONS = {
    "classroom_created": "created the classroom",
    "classroom_imported": "imported the classroom from a classroom file",
    "settings_changed": "changed the classroom's settings",
    "state_changed": "changed the classroom's state",
    "joining_changed": "changed how students join",
    "section_changed": "changed the sections",
    "student_moved": "moved a student to another section",
    "student_removed": "removed a student",
    "staff_changed": "changed the staff",
    "staff_enrolled": "enrolled as a student to try the classroom",
    "guardrail_changed": "changed a guardrail",
    "guardrail_deleted": "deleted a guardrail",
    "clock_changed": "changed the class clock",
    "clock_extended": "gave a student extra time",
    "student_viewed": "looked at a student's account",
    "student_reset": "reset a student's account",
    "reset_undone": "undid a reset",
    "vote_opened": "opened a class vote",
    "vote_revealed": "revealed a class vote's first answers",
    "vote_closed": "closed a class vote",
    "vote_reason_hidden": "hid a reason in a class vote",
    "vote_reason_shown": "showed a hidden reason again in a class vote",
    "lab_assigned": "assigned a lab",
    "assignment_changed": "changed an assigned lab",
    "lab_unassigned": "unassigned a lab",
    "result_overridden": "overrode a student's result",
}


def record(
    classroom: Classroom,
    actor,
    action: str,
    *,
    enrollment: Enrollment | None = None,
    reason: str = "",
    **detail,
) -> StaffAction:
    """Adds one entry; call it inside the transaction of the change it records."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown staff action {action!r}.")
    return StaffAction.objects.create(
        classroom=classroom,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        action=action,
        enrollment=enrollment,
        reason=reason[:500],
        detail=detail,
    )
