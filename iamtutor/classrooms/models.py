"""Classrooms as stored. A classroom *is* a simulated AWS Organization.

- ``Classroom``: the organization (its id, root id and management account), its lifecycle state, its clock
  and its seat limit.
- ``Section``: an organizational unit (OU) directly under the root.
- ``StaffMember``: an owner, co-instructor or TA (a TA is scoped to sections); ``permissions.py`` decides what
  each may do.
- ``Enrollment``: a student, owning one member account (a ``Sandbox`` of kind ``classroom``) with a stable,
  unique 12-digit account id. A removed student's enrollment is kept, its sandbox read-only.
- ``JoinKey``: the join code and the join link, each rotatable, expiring and disableable.
- ``Guardrail``: an SCP or RCP the staff attached to the root, a section or one student's account.
- ``StaffAction``: the staff audit log.  ``Snapshot``: a student's account as it was before a reset.
- ``Vote``: a class vote on one prediction, myth or quiz question (peer instruction); ``VoteAnswer``: a
  student's first or second answer to it.
- ``Assignment``: a lab assigned to the class or a section, with open, due and close dates, maybe forked.
  ``AssignmentAttempt``: a student's start of it (its ``labs.Attempt``) with the tally the dashboard reads.
  ``ResultOverride``: staff's word on one student's result, with the reason.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from lessons.models import Confidence


class Classroom(models.Model):
    DRAFT, OPEN, CLOSED, ARCHIVED = "draft", "open", "closed", "archived"
    STATES = [(DRAFT, "draft"), (OPEN, "open"), (CLOSED, "closed"), (ARCHIVED, "archived")]
    CLASS_CLOCK, SELF_PACED = "class", "self"
    CLOCK_MODES = [(CLASS_CLOCK, "one clock for the class"), (SELF_PACED, "self-paced: each student's own clock")]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    description = models.TextField(max_length=2000, blank=True)
    org_id = models.CharField(max_length=34, unique=True, help_text="o- followed by 10 lowercase letters or digits.")
    root_id = models.CharField(max_length=32, help_text="r- followed by 4 lowercase letters or digits.")
    management_account_id = models.CharField(max_length=12, unique=True)
    state = models.CharField(max_length=16, choices=STATES, default=DRAFT, db_index=True)
    clock_mode = models.CharField(max_length=8, choices=CLOCK_MODES, default=CLASS_CLOCK)
    clock_offset = models.IntegerField(default=0, help_text="Seconds the class clock runs ahead of real time.")
    clock_frozen_at = models.DateTimeField(null=True, blank=True, help_text="While set, the class clock is paused.")
    seat_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Most students who may join.")
    revision = models.PositiveIntegerField(default=0, help_text="Bumped on every change to the organization.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("classrooms:detail", args=[self.pk])


class Section(models.Model):
    """An organizational unit directly under the classroom's root."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(max_length=64)
    ou_id = models.CharField(max_length=68, unique=True, help_text="ou-<root suffix>-<8 characters>.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["classroom", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["classroom", "name"], name="section_unique_name")]

    def __str__(self) -> str:
        return self.name


class StaffMember(models.Model):
    OWNER, CO_INSTRUCTOR, TA = "owner", "co_instructor", "ta"
    ROLES = [(OWNER, "owner"), (CO_INSTRUCTOR, "co-instructor"), (TA, "teaching assistant")]

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classroom_staff")
    role = models.CharField(max_length=16, choices=ROLES)
    sections = models.ManyToManyField(Section, blank=True, related_name="teaching_assistants")
    added = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["classroom", "role", "user__username"]
        constraints = [models.UniqueConstraint(fields=["classroom", "user"], name="staff_unique_in_classroom")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Enrollment(models.Model):
    ACTIVE, REMOVED = "active", "removed"
    STATES = [(ACTIVE, "active"), (REMOVED, "removed (archived, read-only)")]

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="students")
    sandbox = models.OneToOneField("sandbox.Sandbox", on_delete=models.PROTECT, related_name="enrollment")
    account_id = models.CharField(max_length=12, unique=True, help_text="The student's member account id.")
    state = models.CharField(max_length=16, choices=STATES, default=ACTIVE, db_index=True)
    clock_extension = models.IntegerField(
        default=0, help_text="Seconds this student's clock runs behind the class clock (extra time)."
    )
    joined = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["classroom", "user__username"]
        constraints = [models.UniqueConstraint(fields=["classroom", "user"], name="enrollment_unique_in_classroom")]

    def __str__(self) -> str:
        return f"{self.user} in {self.classroom}"


class JoinKey(models.Model):
    CODE, LINK = "code", "link"
    KINDS = [(CODE, "join code"), (LINK, "join link")]

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="join_keys")
    kind = models.CharField(max_length=8, choices=KINDS)
    value = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["classroom", "kind"], name="join_key_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.classroom}"


class Guardrail(models.Model):
    """A service control policy (SCP) or resource control policy (RCP) and where it is attached.

    ``targets`` holds the classroom's root id, section OU ids and students' account ids. ``revision`` is
    bumped on every save, so that two staff editing the same guardrail see the conflict.
    """

    SCP, RCP = "scp", "rcp"
    KINDS = [(SCP, "service control policy"), (RCP, "resource control policy")]

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="guardrails")
    kind = models.CharField(max_length=4, choices=KINDS, default=SCP)
    name = models.CharField(max_length=128)
    description = models.CharField(max_length=512, blank=True)
    document = models.JSONField(help_text="The policy document.")
    targets = models.JSONField(default=list)
    preset = models.CharField(max_length=64, blank=True)
    revision = models.PositiveIntegerField(default=1)
    position = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["classroom", "kind", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["classroom", "kind", "name"], name="guardrail_unique_name")]

    def __str__(self) -> str:
        return self.name


class StaffAction(models.Model):
    """One entry of the staff audit log: who did what, to whom, when and why."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="staff_actions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, help_text="Kept when the actor's account is gone.")
    action = models.CharField(max_length=32, db_index=True)
    enrollment = models.ForeignKey(
        Enrollment, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff_actions"
    )
    reason = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["classroom", "-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.actor_name}: {self.action}"


class Snapshot(models.Model):
    """A student's account as it was before staff reset it, so that the reset can be undone."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="snapshots")
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    data = models.JSONField(help_text="The sandbox as a world file (worlds.export_data), with key secrets.")
    created = models.DateTimeField(auto_now_add=True)
    restored_at = models.DateTimeField(null=True, blank=True)
    lab_work = models.ForeignKey(
        "AssignmentAttempt",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The assigned lab whose world was in the account when the snapshot was taken: an undo puts it back.",
    )

    class Meta:
        ordering = ["enrollment", "-created", "-pk"]

    def __str__(self) -> str:
        return f"snapshot of {self.enrollment} at {self.created:%Y-%m-%d %H:%M}"


# ---- votes ----------------------------------------------------------------------------------------------------------


class Vote(models.Model):
    """A class vote on one item of the lessons (``kind`` and ``item_key`` name it), after ubcpi's peer
    instruction: students answer (first round), staff reveal the class's answers, students discuss and answer
    again (second round), staff close it. ``votes.py`` enforces the phases; at most one vote is live (open or
    revealed) in a classroom at a time."""

    OPEN, REVEALED, CLOSED = "open", "revealed", "closed"
    PHASES = [(OPEN, "first round"), (REVEALED, "revealed: second round"), (CLOSED, "closed")]
    LIVE = (OPEN, REVEALED)

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="votes")
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="votes")
    section_name = models.CharField(
        max_length=64, blank=True, help_text="The section's name when the vote was opened; empty for the whole class."
    )
    kind = models.CharField(max_length=16, help_text="prediction, myth or question")
    item_key = models.CharField(max_length=80)
    language = models.CharField(max_length=10, default="en")
    phase = models.CharField(max_length=16, choices=PHASES, default=OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    revealed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["classroom", "-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["classroom"], condition=models.Q(phase__in=["open", "revealed"]), name="vote_one_live"
            )
        ]

    def __str__(self) -> str:
        return f"vote on {self.kind} {self.item_key} in {self.classroom_id}"

    def get_absolute_url(self) -> str:
        return reverse("classrooms:vote", args=[self.classroom_id, self.pk])

    @property
    def is_live(self) -> bool:
        return self.phase in self.LIVE


class VoteAnswer(models.Model):
    """A student's answer in one round of a vote: their choice, how sure they were, and an optional one-line
    reason (shown anonymously to classmates after the reveal unless staff hide it). Whether it is right is
    read from the lessons' content when it is counted (``answers.judge``)."""

    FIRST, SECOND = 1, 2
    ROUNDS = [(FIRST, "first vote"), (SECOND, "second vote")]

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="answers")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="vote_answers")
    round = models.PositiveSmallIntegerField(choices=ROUNDS)
    choice = models.CharField(max_length=80)
    confidence = models.CharField(max_length=10, choices=Confidence)
    rationale = models.CharField(max_length=200, blank=True)
    hidden = models.BooleanField(default=False, help_text="Staff hid the reason from the class.")
    at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vote", "round", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "enrollment", "round"], name="vote_answer_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.get_round_display()} of enrollment {self.enrollment_id} in vote {self.vote_id}"


# ---- assignments and grading ----


class Assignment(models.Model):
    """A lab assigned to the whole class (``section`` empty) or to one section, with its dates: before
    ``opens_at`` it cannot be started, a pass after ``due_at`` is late, after ``closes_at`` it is read-only (its
    results stay, new checks and hints are not recorded). ``world`` is a fork: the lab's starting world as
    the staff edited it (``None``: the lab's own). All dates are real time, not the class clock."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="assignments")
    lab = models.ForeignKey("labs.Lab", on_delete=models.PROTECT, related_name="+")
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments")
    opens_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    world = models.JSONField(null=True, blank=True, help_text="The forked starting world (world format), if any.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["classroom", "opens_at", "pk"]

    def __str__(self) -> str:
        return f"{self.lab_id} in {self.classroom_id}"


class AssignmentAttempt(models.Model):
    """One start of an assignment by a student: the ``labs.Attempt`` in their member account, and what the
    dashboard reads of it, kept here so that the grid never opens the attempts' results: when it started
    (real time), the latest check run's tally, the first pass, the highest hint rung reached."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="attempts")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="assignment_attempts")
    attempt = models.OneToOneField("labs.Attempt", on_delete=models.CASCADE, related_name="assignment_link")
    started = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now, help_text="Last start, check or hint: the dashboard's poll.")
    checks_run = models.PositiveIntegerField(default=0)
    last_checked = models.DateTimeField(null=True, blank=True)
    tasks_passed = models.PositiveSmallIntegerField(default=0)
    tasks_total = models.PositiveSmallIntegerField(default=0)
    passed_at = models.DateTimeField(null=True, blank=True, help_text="When every task first passed.")
    top_rung = models.PositiveSmallIntegerField(default=0, help_text="The highest hint rung revealed (3: the answer).")
    events_from = models.PositiveBigIntegerField(
        default=0, help_text="The last audit event id when it started (the setup's): the student's own come after."
    )
    account_row = models.ForeignKey(
        "sandbox.SandboxAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=(
            "The student's own account row holding this lab's world. Anything that replaces the account's contents "
            "(a reset, an undo, another lab's start) deletes the row, so an empty value means the lab's world is "
            "no longer in the account; an undo that brings it back sets it again."
        ),
    )
    partner_account_id = models.CharField(
        max_length=12,
        blank=True,
        help_text="A paired lab: the classmate's account this start works with (blank: the lab's own partner).",
    )

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["classroom", "updated"], name="assignment_attempt_updated"),
            models.Index(fields=["enrollment", "assignment"], name="assignment_attempt_student"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} by {self.enrollment_id}"


class ResultOverride(models.Model):
    """Staff's word on one student's result on one assignment, with the reason. The newest row counts;
    ``score`` empty withdraws the override (the checks' score counts again). Rows are kept as history."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="overrides")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="result_overrides")
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Percent, 0–100; empty: withdrawn.")
    reason = models.CharField(max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(max_length=150)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["assignment", "enrollment"], name="result_override_student")]
        constraints = [models.CheckConstraint(condition=models.Q(score__lte=100), name="override_score_at_most_100")]

    def __str__(self) -> str:
        return f"{self.assignment} for {self.enrollment_id}: {self.score}"
