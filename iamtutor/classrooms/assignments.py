"""Labs assigned to a classroom: who they apply to, their dates, a lab in a student's member account, and the
staff's changes to them (assign, change, fork the starting world, unassign).

A lab's world names the learner's account 111111111111 (and a partner outside the class, 222222222222). In a
classroom the learner's account is the student's own: ``contents_for`` renumbers the world, the setup, the
checks and (for the page) the hints and texts, and the classroom's organization stays around it, so its
guardrails apply to the lab as to everything else in the account. In a paired lab (``PAIRED_LABS``) the
partner is a real classmate: see "Paired labs" in docs/classrooms.md.

Starting replaces the student's account contents: a snapshot is taken first (``students.take_snapshot``, so
staff can undo it from the student's page), then the lab's world and setup go in, with the class clock, all
in one transaction that holds the student's sandbox row. Checks and hints go through ``iamtutor.labs.attempts``
and update the tally the dashboard reads (``AssignmentAttempt``) in the same transaction.

Dates are real time: before ``opens_at`` an assignment cannot be started; a pass after ``due_at`` is late;
after ``closes_at`` it is read-only — the results stay, and no new check run or hint is recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from iamtutor.engine import EngineError, Trail, World, parse_arn, parse_checks
from iamtutor.labs import attempts as lab_attempts
from iamtutor.labs.loader import REPOSITORY, line_at, read_lab
from iamtutor.labs.models import Lab, Task
from iamtutor.labs.runner import SetupFailed, TaskSpec, decide, starter, starting_world, try_solution
from iamtutor.sandbox.models import Sandbox, SandboxAccount
from iamtutor.sandbox.worlds import ReadOnlySandbox, SandboxWorld, parse_json, validate_contents
from lessons.content import ContentError
from lessons.yamlfile import Located

from . import ids, log, students
from .federation import organization_data
from .membership import apply_class_clock
from .models import Assignment, AssignmentAttempt, Classroom, Enrollment, StaffMember
from .permissions import Actor

LEARNER, PARTNER = "111111111111", "222222222222"  # the account ids every lab world uses
MAX_WORLD_CHARACTERS = 200_000  # a forked world, as typed


class AssignmentRefused(Exception):
    """The assignment cannot be started, checked or changed now; the message says why, in words for the page."""


# ---- dates ---------------------------------------------------------------------------------------------------

UPCOMING, OPEN, OVERDUE, CLOSED = "upcoming", "open", "overdue", "closed"
PHASE_WORDS = {UPCOMING: "not open yet", OPEN: "open", OVERDUE: "past its due date", CLOSED: "closed"}


def phase(assignment: Assignment, now: datetime | None = None) -> str:
    """Where the assignment stands: ``upcoming`` (before it opens), ``open``, ``overdue`` (after its due date:
    work still counts, marked late) or ``closed`` (read-only)."""
    now = now or timezone.now()
    if assignment.closes_at is not None and now >= assignment.closes_at:
        return CLOSED
    if assignment.opens_at is not None and now < assignment.opens_at:
        return UPCOMING
    if assignment.due_at is not None and now > assignment.due_at:
        return OVERDUE
    return OPEN


def dates_problem(opens_at, due_at, closes_at) -> str | None:
    """What is wrong with these dates together, or ``None``: each comes after the one before it."""
    if opens_at and due_at and due_at <= opens_at:
        return "The due date must come after the opening."
    if opens_at and closes_at and closes_at <= opens_at:
        return "The closing must come after the opening."
    if due_at and closes_at and closes_at < due_at:
        return "The closing cannot come before the due date: students could not hand in late work."
    return None


# ---- who sees what -----------------------------------------------------------------------------------------


def for_student(enrollment: Enrollment) -> QuerySet[Assignment]:
    """The assignments that apply to the student: the whole class's and their section's."""
    return (
        Assignment.objects.filter(classroom_id=enrollment.classroom_id)
        .filter(Q(section__isnull=True) | Q(section_id=enrollment.section_id))
        .select_related("lab", "section")
    )


def visible(actor: Actor) -> QuerySet[Assignment]:
    """The assignments staff see: all of them, or a TA's sections' and the whole class's; by opening date."""
    rows = (
        Assignment.objects.filter(classroom=actor.classroom)
        .select_related("lab", "section")
        .order_by(F("opens_at").asc(nulls_first=True), "pk")
    )
    scope = actor.section_ids()
    if scope is not None:
        rows = rows.filter(Q(section__isnull=True) | Q(section_id__in=scope))
    return rows


def applies_to(assignment: Assignment, enrollment: Enrollment) -> bool:
    return assignment.section_id is None or assignment.section_id == enrollment.section_id


def get_for_student(actor: Actor, pk) -> Assignment:
    """The assignment ``pk`` if it applies to the actor's own student account; ``Http404`` otherwise."""
    enrollment = actor.enrollment
    found = for_student(enrollment).filter(pk=pk).first() if str(pk).isdigit() and enrollment else None
    if found is None:
        raise Http404("No such lab in your classroom.")
    return found


# ---- a lab in a student's account --------------------------------------------------------------------------


def renumbered(value, account_id: str, partner: str | None = None):
    """``value`` (lab data or text) with the learner's account 111111111111 renumbered to ``account_id`` and,
    for a paired lab, the partner account 222222222222 to the classmate's ``partner``."""
    mapping = {LEARNER: account_id}
    if partner and partner != PARTNER:
        mapping[PARTNER] = partner
    return ids.renumber(value, mapping)


# ---- paired labs: the lab's partner account is a classmate's ---------------------------------------------------

# Labs whose partner account (222222222222) stands for another party that a classmate can play: in a classroom,
# it becomes a classmate's member account. (The lab file format has no field for this yet.)
PAIRED_LABS = frozenset({"cross-account-external-id"})


def is_paired(assignment: Assignment) -> bool:
    """True when the assignment's lab is paired and its starting world (or fork) has both accounts."""
    if assignment.lab.key not in PAIRED_LABS:
        return False
    world = assignment.world if assignment.world is not None else assignment.lab.world
    accounts = world.get("accounts") if isinstance(world, dict) else None
    return isinstance(accounts, dict) and LEARNER in accounts and PARTNER in accounts


@dataclass(frozen=True)
class Pairing:
    """Who a student works with on a paired lab. ``partner`` plays the lab's partner (its account stands for
    222222222222 in the student's lab); ``client`` is the classmate whose partner the student plays. Both are
    ``None`` when nobody else is there to pair with: the lab then keeps its simulated partner account."""

    partner: Enrollment | None
    client: Enrollment | None

    @property
    def partner_account(self) -> str:
        return self.partner.account_id if self.partner is not None else PARTNER


def pair_ring(assignment: Assignment) -> list[Enrollment]:
    """The students a paired lab pairs, in a ring: the active students it is assigned to (its section, or the
    whole class), staff who enrolled left out, by enrolment order. Each one's partner is the next, the last's
    the first (one query)."""
    staff = StaffMember.objects.filter(classroom_id=assignment.classroom_id).values("user_id")
    rows = Enrollment.objects.filter(classroom_id=assignment.classroom_id, state=Enrollment.ACTIVE).exclude(
        user_id__in=staff
    )
    if assignment.section_id is not None:
        rows = rows.filter(section_id=assignment.section_id)
    return list(rows.select_related("user").order_by("joined", "pk"))


def pairing(assignment: Assignment, enrollment: Enrollment) -> Pairing | None:
    """The student's pairing on a paired lab as the class is now (``None`` for a lab that is not paired). A
    student's partner is the next student of ``pair_ring``, wrapping; staff trying the lab as a student (not in
    the ring) get its first student as partner and are nobody's partner. A class of one keeps the lab's
    simulated partner."""
    if not is_paired(assignment):
        return None
    ring = pair_ring(assignment)
    position = next((n for n, member in enumerate(ring) if member.pk == enrollment.pk), None)
    if position is None:
        return Pairing(ring[0] if ring else None, None)
    if len(ring) < 2:
        return Pairing(None, None)
    return Pairing(ring[(position + 1) % len(ring)], ring[position - 1])


def pairs(assignment: Assignment) -> list[tuple[Enrollment, Enrollment]] | None:
    """The pairs as the class is now, for staff: (student, their partner) around the ring; ``[]`` when there are
    too few students to pair, ``None`` for a lab that is not paired."""
    if not is_paired(assignment):
        return None
    ring = pair_ring(assignment)
    if len(ring) < 2:
        return []
    return [(student, ring[(n + 1) % len(ring)]) for n, student in enumerate(ring)]


def _merged(own: dict, other: dict) -> dict:
    """The account document ``own`` with the entities of ``other`` added (its lists appended, its alias
    dropped): the lab's partner side, put into a student's own account so that their client finds it there."""
    merged = dict(own)
    for key, value in other.items():
        if key != "alias" and isinstance(value, list):
            merged[key] = [*(merged.get(key) or []), *value]
    return merged


def paired_world(world: dict, account_id: str, partner: str, client: str | None) -> dict:
    """A paired lab's world for the student ``account_id``: only their own account, holding the lab's learner
    side (its partner references renumbered to ``partner``, the classmate who plays the partner) and the lab's
    partner side (renumbered to the student themself, who plays the partner for ``client``). The partner's
    account is not in it: a request that names it borrows the classmate's real account."""
    accounts = world["accounts"]
    customer = ids.renumber(accounts[LEARNER], {LEARNER: account_id, PARTNER: partner})
    vendor = ids.renumber(accounts[PARTNER], {PARTNER: account_id, LEARNER: client or PARTNER})
    extra = {key: ids.renumber(value, {LEARNER: account_id}) for key, value in world.items() if key != "accounts"}
    return {**extra, "accounts": {account_id: _merged(customer, vendor)}}


def _paired_compute(compute: dict, account_id: str, partner: str, client: str | None) -> dict:
    own = ids.renumber(compute.get(LEARNER) or {}, {LEARNER: account_id, PARTNER: partner})
    side = ids.renumber(compute.get(PARTNER) or {}, {PARTNER: account_id, LEARNER: client or PARTNER})
    merged = _merged(own, side)
    return {account_id: merged} if merged else {}


def partner_tasks(tasks: list[Task]) -> frozenset[str]:
    """The keys of the tasks whose calls a principal of the lab's partner account makes: in a paired lab they
    are decided in the partner's own world, where that principal lives."""
    found = set()
    for task in tasks:
        for check in task.checks if isinstance(task.checks, list) else [task.checks]:
            for args in check.values() if isinstance(check, dict) else ():
                caller = args.get("caller") if isinstance(args, dict) else None
                arn = parse_arn(caller) if isinstance(caller, str) else None
                if arn is not None and arn.account == PARTNER:
                    found.add(task.key)
    return frozenset(found)


def contents_for(
    assignment: Assignment,
    account_id: str,
    tasks: list[Task],
    organization: dict | None = None,
    *,
    partner: str | None = None,
    client: str | None = None,
) -> lab_attempts.LabContents:
    """The assignment's lab (or its fork) as it runs in the member account ``account_id``. ``organization``
    (the classroom's) goes into the world that ``reached`` checks replay on, so that guardrails count there
    too. ``partner`` (a paired lab) is the classmate's account that plays the lab's partner: the world is then
    ``paired_world`` (``client``: whose partner this student plays), and the partner-side tasks are marked to
    run in the partner's world."""
    lab = assignment.lab
    base = assignment.world if assignment.world is not None else lab.world
    paired = bool(partner) and partner != PARTNER
    if paired:
        world = paired_world(base, account_id, partner, client)
        compute = _paired_compute(lab.compute, account_id, partner, client)
    else:
        world, compute = renumbered(base, account_id), renumbered(lab.compute, account_id)
    return lab_attempts.LabContents(
        world=world,
        compute=compute,
        setup=renumbered(lab.setup, account_id, partner),
        checks={task.key: renumbered(task.checks, account_id, partner) for task in tasks},
        start_world={**world, "organization": organization} if organization else None,
        elsewhere=partner_tasks(tasks) if paired else frozenset(),
    )


def partner_world(work: AssignmentAttempt):
    """The world of the classmate who plays the partner in ``work`` (a paired lab), read-only, with the
    student's account borrowed as any classmate's is — or why it cannot be used, in words for the student."""
    partner_id = work.partner_account_id
    partner = (
        Enrollment.objects.filter(classroom_id=work.classroom_id, account_id=partner_id)
        .select_related("user", "sandbox")
        .first()
    )
    if partner is None or partner.state != Enrollment.ACTIVE:
        return (
            f"Your partner's account {partner_id} is no longer in the class: start the lab again to be paired "
            "with another classmate."
        )
    holds = AssignmentAttempt.objects.filter(
        enrollment=partner, assignment_id=work.assignment_id, account_row__isnull=False
    ).exists()
    if not holds:
        return (
            f"This call is made from your partner's account {partner_id} ({partner.user.username}), which does "
            "not hold this lab's world now: it is checked again once they have started the lab."
        )
    return SandboxWorld.load(partner.sandbox).world


def current_work(enrollment: Enrollment, assignment: Assignment) -> AssignmentAttempt | None:
    """The student's start of the assignment whose world is in their account (an undo may have put back an
    older one), else their latest start; with its lab attempt."""
    return (
        AssignmentAttempt.objects.filter(enrollment=enrollment, assignment=assignment)
        .select_related("attempt")
        .order_by(F("account_row").asc(nulls_last=True), "-pk")
        .first()
    )


def in_account(work: AssignmentAttempt) -> bool:
    """True while this start's world is the one in the student's account: its own-account row is still there.
    A staff reset, an undo, the student's own reset or another lab's start replace the account's rows, which
    empties ``account_row``; an undo that puts this lab's world back sets it again (``students.undo``)."""
    return AssignmentAttempt.objects.filter(pk=work.pk, account_row__isnull=False).exists()


def own_account_row(sandbox_id) -> int | None:
    """The pk of the sandbox's own-account row (the learner's account), or None."""
    return SandboxAccount.objects.filter(sandbox_id=sandbox_id, is_learners=True).values_list("pk", flat=True).first()


def why_not_start(assignment: Assignment, enrollment: Enrollment, now: datetime | None = None) -> str | None:
    """Why the student cannot start (or start again) the assignment now, or ``None``."""
    stage = phase(assignment, now)
    if stage == UPCOMING:
        return f"This lab opens at {_when(assignment.opens_at)} UTC; you can start it then."
    if stage == CLOSED:
        return f"This lab closed at {_when(assignment.closes_at)} UTC: your results are kept as they were."
    if not applies_to(assignment, enrollment):
        return "This lab is assigned to another section."
    if enrollment.sandbox.read_only_reason:
        return enrollment.sandbox.read_only_reason
    return None


def start(assignment: Assignment, enrollment: Enrollment) -> AssignmentAttempt:
    """Puts the assignment's lab into the student's member account and opens a new attempt, in one
    transaction: a snapshot of the account first, then the lab's world (renumbered) and its setup under the
    class clock. Raises ``AssignmentRefused`` (nothing changed) when it may not start or its setup fails here."""
    reason = why_not_start(assignment, enrollment)
    if reason is not None:
        raise AssignmentRefused(reason)
    lab = assignment.lab
    tasks = list(lab.tasks.all())
    pair = pairing(assignment, enrollment)
    partner = pair.partner.account_id if pair is not None and pair.partner is not None else ""
    client = pair.client.account_id if pair is not None and pair.client is not None else None
    try:
        with transaction.atomic():
            sandbox = Sandbox.objects.select_for_update().get(pk=enrollment.sandbox_id)
            classroom = Classroom.objects.get(pk=enrollment.classroom_id)
            enrollment.sandbox = sandbox
            students.take_snapshot(enrollment, sandbox, enrollment.user, f"Before starting the lab “{lab.title}”")
            attempt = lab_attempts.start(
                lab,
                sandbox,
                keep_copy=False,
                contents=contents_for(assignment, enrollment.account_id, tasks, partner=partner, client=client),
                after_replace=lambda box: _class_clock(classroom, enrollment, box),
            )
            now = timezone.now()
            return AssignmentAttempt.objects.create(
                classroom_id=enrollment.classroom_id,
                assignment=assignment,
                enrollment=enrollment,
                attempt=attempt,
                started=now,
                updated=now,
                tasks_total=len(tasks),
                events_from=sandbox.events.aggregate(last=Max("pk"))["last"] or 0,
                account_row_id=own_account_row(sandbox.pk),
                partner_account_id=partner,
            )
    except ReadOnlySandbox as refused:
        raise AssignmentRefused(str(refused)) from None
    except SetupFailed as failed:
        raise AssignmentRefused(
            f"The lab could not be set up in your account (step {failed.index + 1}: {failed.reason}). Nothing was "
            "changed. Tell your instructor: a guardrail may stop what the lab prepares."
        ) from None
    except EngineError as err:
        raise AssignmentRefused(f"The lab could not be put into your account ({err}). Nothing was changed.") from None


def _class_clock(classroom: Classroom, enrollment: Enrollment, sandbox: Sandbox) -> None:
    extension = Enrollment.objects.values_list("clock_extension", flat=True).get(pk=enrollment.pk)
    apply_class_clock(classroom, sandbox, extension=extension)


def why_not_record(work: AssignmentAttempt, now: datetime | None = None) -> str | None:
    """Why a check run or a hint cannot be recorded on this start now, or ``None``."""
    assignment = work.assignment
    if phase(assignment, now) == CLOSED:
        return (
            f"This lab closed at {_when(assignment.closes_at)} UTC: your results are kept as they were, and new "
            "checks and hints are no longer recorded."
        )
    if not in_account(work):
        return (
            "Your account no longer holds this lab's world: it was reset, or another lab was started in it. "
            "Start this lab again to continue it."
        )
    return None


def check(work: AssignmentAttempt, answers: dict[str, str] | None = None) -> list:
    """Runs the lab's checks (renumbered) on the student's account as it is, records the run on the lab
    attempt and the tally on ``work``, in one transaction. Raises ``AssignmentRefused`` when closed or no
    longer in the account."""
    reason = why_not_record(work)
    if reason is not None:
        raise AssignmentRefused(reason)
    enrollment, assignment = work.enrollment, work.assignment
    tasks = list(assignment.lab.tasks.all())
    organization = organization_data(enrollment.classroom)
    contents = contents_for(assignment, enrollment.account_id, tasks, organization, partner=work.partner_account_id)
    if contents.elsewhere:
        contents = replace(contents, partner_world=lambda: partner_world(work))
    with transaction.atomic():
        results = lab_attempts.check(work.attempt, answers, contents=contents)
        attempt = work.attempt
        work.checks_run, work.last_checked, work.passed_at = attempt.checks_run, attempt.last_checked, attempt.passed_at
        work.tasks_passed = sum(result.passed for result in results)
        work.tasks_total = len(results)
        work.updated = timezone.now()
        work.save(update_fields=["checks_run", "last_checked", "passed_at", "tasks_passed", "tasks_total", "updated"])
    return results


def reveal_hint(work: AssignmentAttempt, task: Task, rung: int) -> int:
    """Reveals the next rung of a task's hint ladder (``labs.attempts.reveal_hint``: in order, recorded with
    its time) and keeps the highest rung on ``work``. Raises ``AssignmentRefused`` when closed or no longer in
    the account, ``HintOutOfOrder`` for a skipped rung."""
    reason = why_not_record(work)
    if reason is not None:
        raise AssignmentRefused(reason)
    with transaction.atomic():
        shown = lab_attempts.reveal_hint(work.attempt, task, rung)
        if shown > work.top_rung:
            work.top_rung = shown
            work.updated = timezone.now()
            work.save(update_fields=["top_rung", "updated"])
    return shown


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else ""


# ---- staff changes --------------------------------------------------------------------------------------------


class StaleAssignment(Exception):
    """The assignment changed since the form was loaded (``version``): nothing was saved."""


def version_of(assignment: Assignment) -> str:
    """What an edit form carries, so that a change made meanwhile by someone else is noticed."""
    return assignment.updated.isoformat() if assignment.updated else ""


def assign(classroom: Classroom, user, *, lab: Lab, section, opens_at, due_at, closes_at) -> Assignment:
    """Assigns ``lab`` to the class (``section`` None) or a section, with its dates; logged."""
    with transaction.atomic():
        assignment = Assignment.objects.create(
            classroom=classroom,
            lab=lab,
            section=section,
            opens_at=opens_at,
            due_at=due_at,
            closes_at=closes_at,
            created_by=user if getattr(user, "pk", None) else None,
        )
        log.record(classroom, user, "lab_assigned", lab=lab.title, **_dates_detail(assignment))
    return assignment


def change(assignment: Assignment, user, version: str, **values) -> list[str]:
    """Changes the section or dates (``values``) if the assignment is still at ``version``; returns the names of
    the fields that changed (logged when any did). Raises ``StaleAssignment``."""
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if version_of(locked) != version:
            raise StaleAssignment
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(locked, name, values[name])
        locked.save()
        detail = _dates_detail(locked)
        log.record(
            locked.classroom, user, "assignment_changed", lab=locked.lab.title, changed=", ".join(changed), **detail
        )
    for name in (*changed, "updated"):
        setattr(assignment, name, getattr(locked, name))
    return changed


def unassign(assignment: Assignment, user, reason: str = "") -> None:
    """Removes the assignment with its dashboard tally and overrides; the students' lab attempts stay in
    their accounts' history. Logged with the reason."""
    with transaction.atomic():
        started = assignment.attempts.values("enrollment_id").distinct().count()
        section = assignment.section.name if assignment.section else "whole class"
        log.record(
            assignment.classroom,
            user,
            "lab_unassigned",
            reason=reason,
            lab=assignment.lab.title,
            section=section,
            students_started=started,
        )
        assignment.delete()


def save_world(assignment: Assignment, user, version: str, world: dict | None) -> None:
    """Keeps ``world`` (checked by ``check_world``) as the assignment's fork; ``None`` goes back to the lab's own
    world. Students who started already keep the world they have until they start again. Logged."""
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if version_of(locked) != version:
            raise StaleAssignment
        locked.world = world
        locked.save()
        change_words = "edited its starting world" if world is not None else "went back to the lab's own world"
        log.record(locked.classroom, user, "assignment_changed", lab=locked.lab.title, changed=change_words)
    assignment.world, assignment.updated = locked.world, locked.updated


def _dates_detail(assignment: Assignment) -> dict:
    return {
        "section": assignment.section.name if assignment.section else "whole class",
        "opens": _when(assignment.opens_at) or "at once",
        "due": _when(assignment.due_at) or "none",
        "closes": _when(assignment.closes_at) or "never",
    }


# ---- checking a lab against a world (a fork, or the classroom's guardrails) -------------------------------------


@dataclass
class WorldReport:
    """What checking a starting world found: ``problems`` stop it from being used (each with its line when
    known); ``warnings`` do not (a correct solution of the lab fails on it)."""

    world: dict | None = None
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def world_text(assignment: Assignment) -> str:
    """The assignment's starting world as the editor shows it: the fork, or the lab's own."""
    return json.dumps(assignment.world if assignment.world is not None else assignment.lab.world, indent=2)


def check_world(assignment: Assignment, text: str) -> WorldReport:
    """Checks ``text`` as a forked starting world for the assignment's lab, in this order, stopping at the
    first problem: JSON; the world format (the engine's validation, as when a student starts it); the learner's
    account 111111111111 first and no account id of a classroom student; the lab's setup runs on it; every
    user, role and session the lab's checks name exists; the lab is not solved already. Then each correct
    solution of the lab is tried on it with the classroom's guardrails: one that fails is a warning."""
    report = WorldReport()
    lab = assignment.lab
    if len(text) > MAX_WORLD_CHARACTERS:
        report.problems.append((None, f"The world is {len(text):,} characters; the limit is {MAX_WORLD_CHARACTERS:,}."))
        return report
    try:
        data = parse_json(text.encode("utf-8", "surrogatepass"))
        if not isinstance(data, dict):
            raise EngineError('A world is a JSON object with its accounts: {"accounts": {…}}.')
        validate_contents(data, lab.compute)
    except EngineError as err:
        report.problems.append((err.line or _line(text, err.json_path), _engine_words(err)))
        return report
    accounts = list(data["accounts"])
    if accounts[0] != LEARNER:
        line = _line(text, "accounts")
        report.problems.append(
            (line, f"The first account must be the learner's, {LEARNER}: it becomes each student's own.")
        )
        return report
    taken = sorted(set(Enrollment.objects.filter(account_id__in=accounts).values_list("account_id", flat=True)))
    taken += sorted(
        set(
            Classroom.objects.filter(management_account_id__in=accounts).values_list("management_account_id", flat=True)
        )
    )
    if taken:
        report.problems.append(
            (
                _line(text, f"accounts.{taken[0]}"),
                f"Account {taken[0]} belongs to a classroom on this site; use another id, such as 333333333333.",
            )
        )
        return report
    report.world = data
    report.problems += lab_world_problems(lab, data, text)
    if not report.problems and lab.key in PAIRED_LABS and PARTNER in data["accounts"]:
        report.problems += _pairing_problems(data, lab.compute)
    if not report.problems:
        report.warnings = solution_warnings(assignment, data)
    else:
        report.world = None
    return report


def _pairing_problems(world: dict, compute: dict) -> list[tuple[int | None, str]]:
    """A paired lab's world must still hold together once both of its sides share a student's account."""
    student, classmate = "100000000001", "100000000002"  # stand-ins: any two member accounts
    try:
        validate_contents(
            paired_world(world, student, classmate, classmate), _paired_compute(compute, student, classmate, classmate)
        )
    except EngineError as err:
        return [
            (
                None,
                "In a classroom each student's account holds both sides of this paired lab, and here they clash: "
                f"{err.message} Give the partner's users, roles and resources names the learner's do not use.",
            )
        ]
    return []


def lab_world_problems(lab: Lab, world: dict, text: str) -> list[tuple[int | None, str]]:
    """The setup, the checks' references and "not solved already" on ``world`` (the loader's own checks)."""
    try:
        prepared = starting_world(world, lab.setup)
    except SetupFailed as failed:
        return [(None, f"The lab's setup fails on this world at its step {failed.index + 1}: {failed.reason}")]
    except EngineError as err:
        return [(err.line or _line(text, err.json_path), _engine_words(err))]
    specs = lab_attempts.task_specs(list(lab.tasks.all()))
    problems = []
    trail = Trail(prepared.events)
    for spec in specs:
        for check in spec.checks:
            for _where, ref in check.principals():
                if not _exists(prepared, ref):
                    problems.append((None, f"The task “{spec.key}” checks {ref}, which this world does not have."))
            if check.name == "session_revoked":
                session = check.args["session"]
                if not any(s.arn == session for s in prepared.sessions.values()):
                    problems.append(
                        (None, f"The task “{spec.key}” checks the session {session}, which the setup no longer makes.")
                    )
            if check.name == "answer" and len(trail.answers(check.args["kind"], check.args["event"])) != 1:
                problems.append(
                    (None, f"The task “{spec.key}” asks a question the prepared audit trail no longer answers once.")
                )
    if not problems and all(r.passed for r in decide(specs, prepared, start=starter(world, lab.setup))):
        problems.append((None, "Every task already passes on this world: there would be nothing to do."))
    return problems


def _exists(world: World, ref: str) -> bool:
    if ref.startswith("service:") or ref == "anonymous":
        return True
    if ref.startswith("web_identity:"):
        provider = ref.removeprefix("web_identity:")
        arn = parse_arn(provider)
        account = world.accounts.get(arn.account) if arn else None
        return account is not None and provider in account.providers
    arn = parse_arn(ref)
    if arn is None:
        return False
    if arn.resource == "root":
        return arn.account in world.accounts
    return (world.find_role(ref) if arn.resource_type == "role" else world.find_user(ref)) is not None


def solution_warnings(assignment: Assignment, world: dict | None = None) -> list[str]:
    """Each correct solution of the lab (from its file) that fails on ``world`` (default: the fork or the
    lab's world) inside the classroom's organization, with the learner's account a member of the assignment's
    section: the guardrails then apply as they will to the students. In words, one per failing solution."""
    lab = assignment.lab
    world = world if world is not None else (assignment.world if assignment.world is not None else lab.world)
    solutions, problem = _correct_solutions(lab)
    if problem:
        return [problem]
    organization = _organization_with_learner(assignment)
    placed = {**world, "organization": organization}
    specs = [TaskSpec(t.key, parse_checks(t.checks, f"tasks.{t.key}")) for t in lab.tasks.all()]
    warnings = []
    for solution in solutions:
        title = solution.get("title", "a correct solution")
        try:
            run = try_solution(placed, lab.setup, specs, solution.get("steps") or [], solution.get("answers") or {})
        except (SetupFailed, EngineError) as err:
            warnings.append(
                f"The lab's setup does not run here ({err}), so its correct solution “{title}” cannot work."
            )
            continue
        if run.step_failure is not None:
            index, reason = run.step_failure
            warnings.append(
                f"The lab's correct solution “{title}” cannot be carried out here: "
                f"its step {index + 1} fails ({reason})."
            )
        elif run.failing:
            first = next(r for r in run.results if not r.passed)
            warnings.append(
                f"The lab's correct solution “{title}” fails the task “{first.key}” here: "
                + " ".join(first.explanations)
            )
    return warnings


def _correct_solutions(lab: Lab) -> tuple[list[dict], str]:
    """The lab's correct solutions, read from its file (they are not stored), or why they cannot be tried."""
    path = Path(lab.source_path)
    path = path if path.is_absolute() else REPOSITORY / path
    try:
        source = read_lab(path)
    except (ContentError, OSError, yaml.YAMLError):
        return [], "The lab's file cannot be read now, so its correct solutions were not tried on this world."
    if source.sha256 != lab.source_hash:
        return [], "The lab's file changed since it was loaded (run load_labs), so its solutions were not tried."
    return [s for s in source.solutions if s.get("kind") == "correct"], ""


def _organization_with_learner(assignment: Assignment) -> dict:
    """The classroom's organization with the lab's learner account 111111111111 as a member (of the
    assignment's section's OU, if any), so that the guardrails apply to it."""
    organization = organization_data(assignment.classroom)
    organization["accounts"] = [*organization["accounts"], LEARNER]
    if assignment.section_id is not None:
        for ou in organization["ous"]:
            if ou["id"] == assignment.section.ou_id:
                ou["accounts"] = [*ou["accounts"], LEARNER]
    return organization


def _engine_words(err: EngineError) -> str:
    where = f" (at {err.json_path})" if err.json_path else ""
    return f"{err.code}: {err.message}{where}"


class _Lines(yaml.SafeLoader):
    """Reads JSON text (YAML's flow style) remembering the line of every mapping and of each of its keys."""


def _located(loader: _Lines, node: yaml.MappingNode) -> dict:
    mapping = Located(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {
        key.value: key.start_mark.line + 1 for key, _ in node.value if isinstance(key, yaml.ScalarNode)
    }
    return mapping


_Lines.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _located)


def _line(text: str, json_path: str | None) -> int | None:
    """The line of ``json_path`` (``accounts.111111111111.RoleDetailList[0]``) in the JSON ``text``, or None."""
    if not json_path:
        return None
    try:
        root = yaml.load(text, Loader=_Lines)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, RecursionError):
        return None
    return line_at(root, json_path)
