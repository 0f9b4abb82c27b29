"""Labs as stored: the lab files (``load_labs``) and learners' attempts at them.

- ``Lab``: one lab file: its brief, the world it starts from (world format, plus the sandbox's compute
  section and setup steps that prepare sessions or an audit trail), and its ``Task``s. A lab may be the "Try it"
  of one build-up step (``try_it``): the lessons link each step to its lab.
- ``Task``: what to do, the engine checks that decide it (kept as written; ``parse_checks`` reads them), and its
  hint ladder: nudge, pointer, worked answer.
- ``Attempt``: one learner's go at one lab in one sandbox, from "Start this lab" on. The learner is the
  sandbox's owner: a signed-in user (``user``), or the anonymous browser session that owns the sandbox, so an
  attempt is only ever found through the learner's own sandbox. A classroom assignment can point at a ``Lab``
  and find its students' attempts through their classroom sandboxes.
- ``HintUse``: each rung of a task's hint ladder an attempt revealed, and when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from iamtutor.sandbox.models import Sandbox


class Lab(models.Model):
    GUIDED, BREAK_IN, DETECTIVE = "guided", "break-in", "detective"
    MODES = [(GUIDED, "guided"), (BREAK_IN, "break-in"), (DETECTIVE, "detective")]
    EXPERT = 8  # first_step of a lab for the expert zone only

    key = models.SlugField(max_length=80, unique=True, help_text="The lab's id, as in its file name.")
    title = models.CharField(max_length=200)
    steps = models.JSONField(default=list, help_text='The lesson steps covered: numbers 1–7 and/or "expert".')
    first_step = models.PositiveSmallIntegerField(help_text="The first step covered, 8 for the expert zone.")
    mode = models.CharField(max_length=16, choices=MODES, default=GUIDED)
    brief = models.TextField()
    world = models.JSONField(help_text="The starting world (world format).")
    compute = models.JSONField(default=dict, blank=True, help_text="EC2 instances and Lambda functions by account.")
    setup = models.JSONField(default=list, blank=True, help_text="Steps run after loading: sessions, a trail.")
    uses_trail = models.BooleanField(default=False, help_text="Some check reads the audit trail.")
    order = models.PositiveIntegerField(default=0)
    source_path = models.CharField(max_length=300)
    source_hash = models.CharField(max_length=64)
    retired = models.BooleanField(default=False, help_text="Its file is gone; kept for the attempts made at it.")
    try_it = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text='The build-up step (1–7) whose "Try it" this lab is; one lab per step.'
    )

    class Meta:
        ordering = ["first_step", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["try_it"], name="lab_one_try_it_per_step"),
            models.CheckConstraint(
                condition=models.Q(try_it__isnull=True) | models.Q(try_it__gte=1, try_it__lte=7),
                name="lab_try_it_is_a_build_up_step",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("labs:detail", args=[self.key])

    @property
    def expert(self) -> bool:
        return "expert" in self.steps


class Task(models.Model):
    RUNGS = {1: "nudge", 2: "pointer", 3: "worked answer"}

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="tasks")
    key = models.SlugField(max_length=80)
    order = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    checks = models.JSONField(help_text="The check definitions, as in the lab file.")
    hints = models.JSONField(help_text="[nudge, pointer, worked answer]")
    takes_answer = models.BooleanField(default=False, help_text="A detective question the learner answers.")

    class Meta:
        ordering = ["lab", "order"]
        constraints = [models.UniqueConstraint(fields=["lab", "key"], name="task_key_unique_in_lab")]

    def __str__(self) -> str:
        return f"{self.lab.key}/{self.key}"


class Attempt(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="attempts")
    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="lab_attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="lab_attempts",
        help_text="Empty for an anonymous learner, who is known by the sandbox their browser session owns.",
    )
    started = models.DateTimeField(default=timezone.now)
    passed_at = models.DateTimeField(null=True, blank=True, help_text="When every task first passed.")
    checks_run = models.PositiveIntegerField(default=0)
    last_checked = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True, help_text="Task key → {passed, checks: [...]}.")
    answers = models.JSONField(default=dict, blank=True, help_text="Task key → the learner's answer.")
    setup_events = models.PositiveIntegerField(
        default=0, help_text="How many audit events the lab's setup wrote: the trail its questions are about."
    )
    saved_world = models.JSONField(
        null=True, blank=True, help_text="The sandbox as it was before the lab replaced it (export format)."
    )

    class Meta:
        ordering = ["-started", "-pk"]
        indexes = [models.Index(fields=["sandbox", "lab", "-started"], name="attempt_sandbox_lab")]

    def __str__(self) -> str:
        return f"{self.lab.key} in {self.sandbox_id}"

    @property
    def passed(self) -> bool:
        return self.passed_at is not None


class HintUse(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="hint_uses")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="hint_uses")
    rung = models.PositiveSmallIntegerField(help_text="1 nudge, 2 pointer, 3 worked answer.")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["attempt", "task", "rung"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "task", "rung"], name="hint_rung_once_per_attempt"),
            models.CheckConstraint(condition=models.Q(rung__gte=1, rung__lte=3), name="hint_rung_1_to_3"),
        ]

    def __str__(self) -> str:
        return f"{self.task} rung {self.rung}"
