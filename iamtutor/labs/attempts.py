"""A learner's attempts at labs: starting a lab in their sandbox, checking the work, the hint ladder, answers.

Every function here takes the learner's own sandbox or an attempt found through it (views find the sandbox
with ``sandbox.access.current_sandbox``), so one learner never reaches another's attempt: there are no attempt
ids in URLs. The sandbox is read and replaced only through ``iamtutor.sandbox.worlds`` (``replace_contents``,
``export_data``, ``changing``, ``SandboxWorld.load``); the engine decides every task (``runner.decide``).

An attempt runs the lab's own world, setup and checks unless the caller passes other ``LabContents``: a
classroom assignment passes the lab (or its fork) with the learner account renumbered to the student's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from iamtutor.engine import CheckOutcome, Trail, World, parse_checks
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import (
    ReadOnlySandbox,
    SandboxWorld,
    changing,
    export_data,
    replace_contents,
    sandbox_now,
)

from .models import Attempt, HintUse, Lab, Task
from .runner import TaskResult, TaskSpec, decide, prepare, starter

MAX_TRAIL = 5000  # the newest audit events a check reads (the engine keeps as many in a world)
MAX_ANSWER = 500  # characters of a detective answer
RUNGS = (1, 2, 3)


class HintOutOfOrder(Exception):
    """A hint rung asked for before the rungs below it; ``next_rung`` is the one that may be revealed."""

    def __init__(self, next_rung: int) -> None:
        super().__init__(next_rung)
        self.next_rung = next_rung


@dataclass(frozen=True)
class LabContents:
    """What an attempt at a lab runs: the starting world (world format) with its compute section and setup, and
    each task's check definitions by task key. ``start_world`` is the world ``reached`` checks replay a way in
    on (default: ``world``); a classroom adds its organization there, so its guardrails count."""

    world: dict
    compute: dict
    setup: list
    checks: dict[str, Any]
    start_world: dict | None = None
    # A paired lab in a classroom: the tasks whose calls the partner's principals make (``elsewhere``) are
    # decided in the partner's own world, which ``partner_world`` loads — or says, in words, why it cannot.
    elsewhere: frozenset[str] = frozenset()
    partner_world: Callable[[], World | str] | None = None

    @classmethod
    def of(cls, lab: Lab, tasks: list[Task] | None = None) -> LabContents:
        """The lab's own contents, as its file gives them."""
        tasks = list(lab.tasks.all()) if tasks is None else tasks
        return cls(lab.world, lab.compute, lab.setup, {task.key: task.checks for task in tasks})


def task_specs(tasks: list[Task], checks: dict[str, Any] | None = None) -> list[TaskSpec]:
    """The stored tasks as the runner needs them (their checks were validated when the lab was loaded);
    ``checks`` gives other definitions by task key (a classroom's renumbered ones)."""
    checks = checks or {}
    return [TaskSpec(task.key, parse_checks(checks.get(task.key, task.checks), f"tasks.{task.key}")) for task in tasks]


def current_attempt(sandbox: Sandbox | None, lab: Lab) -> Attempt | None:
    """The newest attempt at ``lab`` in ``sandbox`` (the learner's), if any."""
    if sandbox is None:
        return None
    return Attempt.objects.filter(sandbox=sandbox, lab=lab).first()


def is_current(attempt: Attempt) -> bool:
    """True while the attempt's lab is the last one started in its sandbox (its world is the one there)."""
    latest = Attempt.objects.filter(sandbox_id=attempt.sandbox_id).values_list("pk", flat=True).first()
    return latest == attempt.pk


def start(
    lab: Lab,
    sandbox: Sandbox,
    *,
    keep_copy: bool,
    contents: LabContents | None = None,
    after_replace: Callable[[Sandbox], None] | None = None,
) -> Attempt:
    """Replaces the sandbox's contents with the lab's world, runs its setup, and opens a new attempt — all in
    one transaction. With ``keep_copy`` the sandbox as it was is kept (export format) so that ``restore`` can
    put it back. ``contents`` replaces the lab's own; ``after_replace`` runs between the replacement and the
    setup (a classroom sets the class clock there). Raises ``ReadOnlySandbox`` for a sandbox that may not
    change, and ``SetupFailed`` when the setup does not run on this sandbox (nothing is changed then)."""
    if sandbox.read_only_reason:
        raise ReadOnlySandbox(sandbox.read_only_reason)
    contents = contents or LabContents(lab.world, lab.compute, lab.setup, {})
    with transaction.atomic():
        saved = export_data(sandbox) if keep_copy else None
        replace_contents(sandbox, contents.world, contents.compute)
        if after_replace is not None:
            after_replace(sandbox)
        if contents.setup:
            with changing(sandbox) as loaded:
                prepare(loaded.world, contents.setup)
        return Attempt.objects.create(
            lab=lab,
            sandbox=sandbox,
            user=sandbox.owner,
            saved_world=saved,
            started=sandbox_now(sandbox),
            setup_events=sandbox.events.count(),
        )


def restore(attempt: Attempt) -> None:
    """Puts back the world the sandbox held before the lab started, and forgets the copy."""
    saved = attempt.saved_world
    if not saved:
        return
    if attempt.sandbox.read_only_reason:
        raise ReadOnlySandbox(attempt.sandbox.read_only_reason)
    with transaction.atomic():
        replace_contents(attempt.sandbox, saved["world"], saved.get("compute") or {})
        Attempt.objects.filter(sandbox=attempt.sandbox, saved_world__isnull=False).update(saved_world=None)
    attempt.saved_world = None


def check(
    attempt: Attempt, answers: dict[str, str] | None = None, *, contents: LabContents | None = None
) -> list[TaskResult]:
    """Decides every task of the attempt's lab on the sandbox as it is now (read only: the sandbox is not
    saved), records the result on the attempt and returns it. ``answers`` (detective questions) are saved
    first. ``contents`` replaces the lab's own checks and starting world."""
    lab = attempt.lab
    tasks = list(lab.tasks.all())
    contents = contents or LabContents.of(lab, tasks)
    if answers is not None:
        save_answers(attempt, tasks, answers)
    loaded = SandboxWorld.load(attempt.sandbox)
    trail = _trail(attempt) if lab.uses_trail else None
    start_world = contents.start_world or contents.world
    specs = task_specs(tasks, contents.checks)
    here = [spec for spec in specs if spec.key not in contents.elsewhere]
    decided = decide(
        here, loaded.world, trail=trail, answers=attempt.answers, start=starter(start_world, contents.setup)
    )
    by_key = {result.key: result for result in decided}
    there = [spec for spec in specs if spec.key in contents.elsewhere]
    if there:
        by_key.update({result.key: result for result in _decide_elsewhere(there, contents)})
    results = [by_key[spec.key] for spec in specs]
    _record(attempt, results)
    return results


def _decide_elsewhere(specs: list[TaskSpec], contents: LabContents) -> list[TaskResult]:
    """The partner-side tasks, decided in the partner's world (its own audit trail), or failed with the reason
    it cannot be loaded."""
    world = contents.partner_world() if contents.partner_world is not None else "Your partner's account is unknown."
    if isinstance(world, str):
        return [
            TaskResult(spec.key, False, tuple(CheckOutcome(c.name, False, world) for c in spec.checks[:1]))
            for spec in specs
        ]
    return decide(specs, world)


def _trail(attempt: Attempt) -> Trail:
    """The sandbox's newest ``MAX_TRAIL`` audit events, oldest first, with the setup's events marked: they are
    the first ones (the lab's world starts with an empty log, and the setup runs before anything else)."""
    rows = attempt.sandbox.events.order_by("-event_time", "-pk").values_list("pk", "data")[:MAX_TRAIL]
    rows = list(reversed(list(rows)))
    first_pk = attempt.sandbox.events.order_by("event_time", "pk").values_list("pk", flat=True).first()
    kept_from_setup = attempt.setup_events if rows and rows[0][0] == first_pk else 0
    return Trail([data for _pk, data in rows], prepared=kept_from_setup)


def _record(attempt: Attempt, results: list[TaskResult]) -> None:
    now = timezone.now()
    data = {result.key: result.as_data() for result in results}
    passed = bool(results) and all(result.passed for result in results)
    with transaction.atomic():
        Attempt.objects.filter(pk=attempt.pk).update(checks_run=F("checks_run") + 1, last_checked=now, last_result=data)
        if passed:
            Attempt.objects.filter(pk=attempt.pk, passed_at__isnull=True).update(passed_at=now)
    attempt.refresh_from_db(fields=["checks_run", "last_checked", "last_result", "passed_at"])


def save_answers(attempt: Attempt, tasks: list[Task], answers: dict[str, str]) -> None:
    """Keeps the learner's answers to the lab's questions (other keys are ignored; each answer is trimmed to
    ``MAX_ANSWER`` characters)."""
    questions = {task.key for task in tasks if task.takes_answer}
    kept = {key: str(value).strip()[:MAX_ANSWER] for key, value in answers.items() if key in questions}
    if not kept:
        return
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        locked.answers = {**locked.answers, **kept}
        locked.save(update_fields=["answers"])
    attempt.answers = locked.answers


def revealed_rungs(attempt: Attempt | None) -> dict[int, int]:
    """The highest hint rung revealed so far, by task id (one query)."""
    if attempt is None:
        return {}
    top: dict[int, int] = {}
    for task_id, rung in attempt.hint_uses.values_list("task_id", "rung"):
        top[task_id] = max(top.get(task_id, 0), rung)
    return top


def reveal_hint(attempt: Attempt, task: Task, rung: int) -> int:
    """Reveals hint ``rung`` of ``task`` for the attempt, recording when; returns the highest rung now shown.

    Rungs come in order: asking for one above the next raises ``HintOutOfOrder``; asking again for one already
    shown changes nothing. The attempt row is locked, so two clicks cannot skip a rung between them.
    """
    if task.lab_id != attempt.lab_id or rung not in RUNGS:
        raise HintOutOfOrder(1)
    with transaction.atomic():
        list(Attempt.objects.select_for_update().filter(pk=attempt.pk).values_list("pk", flat=True))  # the lock
        shown = max(HintUse.objects.filter(attempt=attempt, task=task).values_list("rung", flat=True), default=0)
        if rung > shown + 1:
            raise HintOutOfOrder(shown + 1)
        if rung == shown + 1:
            try:
                with transaction.atomic():
                    HintUse.objects.create(attempt=attempt, task=task, rung=rung)
            except IntegrityError:  # recorded by a concurrent request meanwhile
                pass
        return max(shown, rung)


@dataclass
class TaskRow:
    """What the lab page shows for one task: its status, the checks' words, the hints revealed, the answer."""

    task: Task
    status: str  # "passed" | "failed" | "unchecked"
    explanations: list[str] = field(default_factory=list)
    hints: list[tuple[int, str, str]] = field(default_factory=list)  # (rung, its name, its text)
    next_rung: int | None = 1
    answer: str = ""

    @property
    def next_rung_name(self) -> str:
        return Task.RUNGS.get(self.next_rung or 0, "")


def task_rows(tasks: list[Task], attempt: Attempt | None) -> list[TaskRow]:
    """One ``TaskRow`` per task. A hint's text is in a row only once its rung was revealed: the worked answer
    never reaches the page before the learner asked for it."""
    top = revealed_rungs(attempt)
    result: dict[str, Any] = attempt.last_result if attempt else {}
    rows = []
    for task in tasks:
        outcome = result.get(task.key)
        status = "unchecked" if outcome is None else "passed" if outcome.get("passed") else "failed"
        explanations = [
            c["explanation"] for c in (outcome or {}).get("checks", []) if status == "passed" or not c["passed"]
        ]
        shown = top.get(task.pk, 0)
        rows.append(
            TaskRow(
                task=task,
                status=status,
                explanations=explanations,
                hints=[(rung, Task.RUNGS[rung], task.hints[rung - 1]) for rung in RUNGS if rung <= shown],
                next_rung=shown + 1 if shown < len(RUNGS) else None,
                answer=(attempt.answers.get(task.key, "") if attempt else ""),
            )
        )
    return rows


def statuses(sandbox: Sandbox | None) -> dict[int, str]:
    """Each lab's status for the learner, by lab id: "passed" or "started" (one query)."""
    if sandbox is None:
        return {}
    found: dict[int, str] = {}
    for lab_id, passed_at in Attempt.objects.filter(sandbox=sandbox).values_list("lab_id", "passed_at"):
        if passed_at is not None or lab_id not in found:
            found[lab_id] = "passed" if passed_at is not None else "started"
    return found
