"""Who may do what in a classroom: the one module that decides every permission (the table is in
docs/classrooms.md and README).

An ``Actor`` is a signed-in user as one classroom sees them: staff (owner, co-instructor, TA scoped to
sections), student, both (staff may enrol to try things; they keep their staff rights), or a stranger.
Views ask ``get_classroom(request, pk, action)``: strangers get 404, never a hint that the classroom
exists; members without the right get ``PermissionDenied`` whose message says why (``templates/403.html``).
Actions about one student also pass the ``Enrollment``: a TA may act only on their sections' students.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from iamtutor.accounts.roles import is_instructor

from .models import Classroom, Enrollment, StaffMember

OWNER, CO_INSTRUCTOR, TA = StaffMember.OWNER, StaffMember.CO_INSTRUCTOR, StaffMember.TA
ALL_STAFF = frozenset({OWNER, CO_INSTRUCTOR, TA})
INSTRUCTORS = frozenset({OWNER, CO_INSTRUCTOR})

# action -> the staff roles that may take it. "student" marks actions a student takes for themselves.
ACTIONS: dict[str, frozenset[str]] = {
    "view": ALL_STAFF | {"student"},  # the classroom's front page
    "view_roster": ALL_STAFF,  # a TA sees only their sections' students
    "export_roster": ALL_STAFF,
    "view_student_emails": INSTRUCTORS,  # students' email addresses (the roster's CSV)
    "manage_roster": INSTRUCTORS,  # move between sections, remove a student
    "manage_sections": INSTRUCTORS,
    "manage_joining": INSTRUCTORS,  # join code and link, seat limit
    "edit_settings": INSTRUCTORS,  # name, description, clock mode, seat limit
    "change_state": INSTRUCTORS,  # open, close and reopen (the lifecycle in changes.py says which step is next)
    "view_guardrails": ALL_STAFF,
    "manage_guardrails": INSTRUCTORS,
    "view_clock": ALL_STAFF,  # the class clock page: a TA sees the class time
    "manage_clock": INSTRUCTORS,  # the class clock
    "view_student": ALL_STAFF,  # "view as": read-only, never changes rights
    "reset_student": ALL_STAFF,  # reset and undo a reset
    "extend_student_clock": ALL_STAFF,
    "view_staff_log": ALL_STAFF,
    "manage_staff": frozenset({OWNER}),
    "archive": frozenset({OWNER}),
    "use_account": frozenset({"student"}),  # the student's own member account
    "try_as_student": ALL_STAFF,  # staff enrol as students to try things, keeping their staff rights
    "view_answers": ALL_STAFF,  # the class's answers to predictions, myths, quizzes and votes (a TA: their sections')
    "export_answers": ALL_STAFF,  # those answers as CSV, students under pseudonymous ids
    "compare_answers": frozenset({"student"}),  # the class's answers to what you answered yourself, without names
    "run_vote": INSTRUCTORS,  # open, reveal and close a class vote; hide a reason from the class
    "take_vote": frozenset({"student"}),  # answer a class vote, then answer again after the reveal
    "manage_assignments": INSTRUCTORS,  # assign labs, their dates, fork a lab's world, unassign
    "view_dashboard": ALL_STAFF,  # the students × labs grid and one student's work; a TA: their sections'
    "override_result": INSTRUCTORS,  # override one student's result on one lab, with a reason
    "export_grades": ALL_STAFF,  # the grades as CSV (a TA: their sections', by pseudonymous id)
    "export_named_grades": INSTRUCTORS,  # the grades' CSV with user names instead of pseudonymous ids
}
# about one student
STUDENT_ACTIONS = frozenset(
    {"view_student", "reset_student", "extend_student_clock", "view_dashboard", "override_result"}
)
CHANGES = frozenset(
    {
        "edit_settings",
        "try_as_student",
        "manage_roster",
        "manage_sections",
        "manage_joining",
        "manage_guardrails",
        "manage_clock",
        "reset_student",
        "extend_student_clock",
        "manage_staff",
        "run_vote",
        "take_vote",
        "manage_assignments",
        "override_result",
    }
)

# action -> what the refusal says it is ("Only the owner can manage the staff."); others say "do this"
DOING = {
    "edit_settings": "change the classroom's settings",
    "change_state": "open, close or reopen the classroom",
    "archive": "archive the classroom",
    "manage_sections": "add, rename or delete sections",
    "manage_staff": "manage the staff",
    "try_as_student": "enrol as a student to try the classroom",
    "view_answers": "see the class's answers",
    "export_answers": "download the class's answers",
    "compare_answers": "compare their answers with the class's",
    "run_vote": "open, reveal or close a class vote",
    "take_vote": "vote in a class vote",
    "manage_assignments": "assign labs, change their dates or edit their worlds",
    "view_dashboard": "see the class's progress on its labs",
    "override_result": "override a student's result",
    "export_grades": "download the grades",
    "export_named_grades": "download the grades with the students' user names",
}

ROLE_NAMES = {OWNER: "the owner", CO_INSTRUCTOR: "co-instructors", TA: "teaching assistants"}


@dataclass(frozen=True)
class Actor:
    """A user as ``classroom`` sees them."""

    classroom: Classroom
    user: object
    staff: StaffMember | None
    enrollment: Enrollment | None

    @property
    def role(self) -> str | None:
        """``owner``, ``co_instructor`` or ``ta`` for staff; ``student``; ``None`` for a stranger."""
        if self.staff is not None:
            return self.staff.role
        if self.enrollment is not None and self.enrollment.state == Enrollment.ACTIVE:
            return "student"
        return None

    @property
    def is_staff(self) -> bool:
        return self.staff is not None

    @property
    def is_member(self) -> bool:
        return self.role is not None or self.enrollment is not None

    def section_ids(self) -> set[int] | None:
        """The sections a TA is scoped to; ``None`` for staff who see every section."""
        if self.staff is None or self.staff.role != TA:
            return None
        return set(self.staff.sections.values_list("pk", flat=True))


def actor_for(user, classroom: Classroom) -> Actor:
    """``user`` as ``classroom`` sees them (two queries at most)."""
    if not getattr(user, "is_authenticated", False):
        return Actor(classroom, user, None, None)
    staff = StaffMember.objects.filter(classroom=classroom, user=user).first()
    enrollment = Enrollment.objects.filter(classroom=classroom, user=user).select_related("sandbox").first()
    return Actor(classroom, user, staff, enrollment)


def why_not(actor: Actor, action: str, enrollment: Enrollment | None = None) -> str | None:
    """Why ``actor`` may not take ``action`` (on ``enrollment``'s student), in words for the 403 page; ``None``
    when they may."""
    allowed = ACTIONS[action]
    role = actor.role
    if role is None:
        if actor.enrollment is not None:
            return "You were removed from this classroom: your account is kept read-only and you can still look at it."
        return "You are not a member of this classroom."
    if action == "use_account":
        if actor.enrollment is None or actor.enrollment.state != Enrollment.ACTIVE:
            return "Only students have a member account in this classroom. Staff can enrol as a student to try things."
    elif role not in allowed:
        return _role_refusal(allowed, DOING.get(action, "do this"))
    if action in STUDENT_ACTIONS and enrollment is not None:
        if enrollment.classroom_id != actor.classroom.pk:
            return "That student is not in this classroom."
        scope = actor.section_ids()
        if scope is not None and enrollment.section_id not in scope:
            return "Teaching assistants see and reset only the students of their own sections."
        if action in CHANGES and enrollment.state != Enrollment.ACTIVE:
            return "This student was removed from the classroom: their account is kept read-only, as it was."
    if action in CHANGES and actor.classroom.state in (Classroom.CLOSED, Classroom.ARCHIVED):
        return f"This classroom is {actor.classroom.state}: it can still be viewed, but nothing in it changes."
    return None


def can(actor: Actor, action: str, enrollment: Enrollment | None = None) -> bool:
    return why_not(actor, action, enrollment) is None


def require(actor: Actor, action: str, enrollment: Enrollment | None = None) -> None:
    """Raises ``PermissionDenied`` with the reason when ``actor`` may not take ``action``."""
    reason = why_not(actor, action, enrollment)
    if reason is not None:
        raise PermissionDenied(reason)


def get_classroom(request, pk, action: str = "view") -> tuple[Classroom, Actor]:
    """The classroom ``pk`` and the request's user as it sees them, if they may take ``action``.

    Strangers (and anonymous visitors) get ``Http404``; members without the right ``PermissionDenied``.
    """
    try:
        classroom = Classroom.objects.get(pk=pk)
    except (Classroom.DoesNotExist, ValueError):
        raise Http404("No such classroom.") from None
    actor = actor_for(request.user, classroom)
    if not actor.is_member:
        raise Http404("No such classroom.")
    require(actor, action)
    return classroom, actor


def get_student(actor: Actor, enrollment_pk, action: str) -> Enrollment:
    """The classroom's enrollment ``enrollment_pk`` if ``actor`` may take ``action`` on that student: 404 when
    it is not in the classroom, 403 (with the reason) when the actor may not."""
    enrollment = (
        Enrollment.objects.filter(classroom=actor.classroom, pk=enrollment_pk)
        .select_related("user", "section", "sandbox")
        .first()
        if str(enrollment_pk).isdigit()
        else None
    )
    if enrollment is None:
        raise Http404("No such student in this classroom.")
    require(actor, action, enrollment)
    return enrollment


def visible_enrollments(actor: Actor, enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """``enrollments`` narrowed to the students ``actor`` may see (a TA: their sections')."""
    scope = actor.section_ids()
    return enrollments if scope is None else enrollments.filter(section_id__in=scope)


def why_not_create(user) -> str | None:
    """Why ``user`` may not create a classroom (only instructors may), or ``None`` when they may."""
    if is_instructor(user):
        return None
    return (
        "Only instructors can create classrooms. Ask the people who run this site to give your account the "
        "instructor permission; to take part in a class, join it with the code or link your instructor gave you."
    )


def _role_refusal(allowed: frozenset[str], doing: str) -> str:
    who = [ROLE_NAMES[role] for role in (OWNER, CO_INSTRUCTOR, TA) if role in allowed]
    if "student" in allowed and not who:
        return f"Only students can {doing}."
    if not who:
        return f"Nobody can {doing}."
    listed = who[0] if len(who) == 1 else ", ".join(who[:-1]) + " and " + who[-1]
    return f"Only {listed} can {doing}."
