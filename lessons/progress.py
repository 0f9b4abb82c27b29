"""Each learner's progress: who the learner is (an account, or an anonymous visitor whose learner id lives in
the session), recording what they did, moving session progress to the account at sign-up and log-in, and the
summary the progress page shows (steps read, predictions, scores, review due, mastery with what is left).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Count, Max, Min, Value
from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import review
from .models import (
    Commitment,
    Learner,
    Lesson,
    Myth,
    MythAnswer,
    PolicyExample,
    Prediction,
    Question,
    QuizAttempt,
    ReviewState,
    StepRead,
    StepTestedOut,
    WorkedAttempt,
)

SESSION_KEY = "lessons_learner"
MASTERY_RIGHT = 3  # new questions of a step answered right the first time, to master it
TEST_OUT_DRAW = 3  # unseen questions drawn for one test-out
PATH_LENGTH = 300  # Learner.resume_path
ONCE_PER_LEARNER = {StepRead: "lesson_id", Commitment: "prediction_id", StepTestedOut: "lesson_id", ReviewState: "item"}
EVERY_ATTEMPT = (QuizAttempt, MythAnswer, WorkedAttempt)


def get_learner(request: HttpRequest) -> Learner | None:
    """The learner behind ``request`` if they have any progress yet; never creates one (safe for GET)."""
    if not hasattr(request, "_lessons_learner"):
        if request.user.is_authenticated:
            learner = Learner.objects.filter(user=request.user).first()
        else:
            pk = request.session.get(SESSION_KEY)
            learner = Learner.objects.filter(pk=pk, user=None).first() if pk else None
        request._lessons_learner = learner
    return request._lessons_learner


def ensure_learner(request: HttpRequest) -> Learner:
    """The learner behind ``request``, created on their first recorded action."""
    learner = get_learner(request)
    if learner is None:
        if request.user.is_authenticated:
            learner, _ = Learner.objects.get_or_create(user=request.user)
        else:
            learner = Learner.objects.create()
            request.session[SESSION_KEY] = learner.pk
        request._lessons_learner = learner
    return learner


def remember(learner: Learner, path: str) -> None:
    """Where to resume: the page of the learner's latest action (only one of our lesson pages is kept)."""
    path = safe_path(path)
    if path:
        Learner.objects.filter(pk=learner.pk).update(resume_path=path, last_active=timezone.now())


def safe_path(path: str) -> str:
    """``path`` if it is a local path to one of the lesson pages, else "": no other site, no scheme, no
    ``//host`` or backslash trick, no control character, no query, an anchor of letters, digits, ``_`` and
    ``-`` only, nothing longer than the field. Used for the resume
    link and for the ``next`` page a prediction form returns to, so neither can become an open redirect."""
    if not isinstance(path, str) or not path.startswith("/") or len(path) > PATH_LENGTH:
        return ""
    if path.startswith("//") or "\\" in path or any(ord(c) < 33 or ord(c) == 127 for c in path):
        return ""
    if not url_has_allowed_host_and_scheme(path, allowed_hosts=None, require_https=False):
        return ""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or parts.query or not re.fullmatch(r"[\w-]*", parts.fragment):
        return ""
    try:
        match = resolve(parts.path)
    except Resolver404:
        return ""
    return path if match.namespace == "lessons" else ""


def committed_keys(learner: Learner | None) -> set[str]:
    """The keys of the predictions ``learner`` has committed to: their answers may be shown (one query)."""
    if learner is None:
        return set()
    if not hasattr(learner, "_committed_keys"):
        keys = Commitment.objects.filter(learner=learner).values_list("prediction__key", flat=True)
        learner._committed_keys = set(keys)
    return learner._committed_keys


def is_hidden(learner: Learner | None, lesson: Lesson) -> bool:
    """Whether ``lesson``'s content gives away the answer of a prediction ``learner`` has not committed to."""
    return bool(lesson.prediction_key) and lesson.prediction_key not in committed_keys(learner)


@transaction.atomic
def move_session_progress(request: HttpRequest, user) -> None:
    """Moves the anonymous learner's progress in this session to ``user``'s account, then forgets it.

    Connected to ``user_logged_in``, which fires at log-in and at sign-up (the sign-up view logs in). What
    the account already recorded wins over a duplicate from the session (e.g. the same prediction).
    """
    pk = request.session.pop(SESSION_KEY, None)
    anonymous = Learner.objects.filter(pk=pk, user=None).first() if pk else None
    if anonymous is None:
        return
    account, _ = Learner.objects.get_or_create(user=user)
    for model, unique in ONCE_PER_LEARNER.items():
        taken = set(model.objects.filter(learner=account).values_list(unique, flat=True))
        model.objects.filter(learner=anonymous).exclude(**{f"{unique}__in": taken}).update(learner=account)
    for model in EVERY_ATTEMPT:
        model.objects.filter(learner=anonymous).update(learner=account)
    if anonymous.resume_path:
        Learner.objects.filter(pk=account.pk).update(resume_path=anonymous.resume_path)
    anonymous.delete()
    request._lessons_learner = Learner.objects.get(pk=account.pk)


# ---- the summary ------------------------------------------------------------------------------------------------


@dataclass
class StepMastery:
    """How far a learner is with one step: done out of total, what is left in words, and the next thing to do.

    A step's questions count toward mastery only when answered right the first time: retrying a question the
    learner has already seen does not raise it, new questions from the step's bank do (``MASTERY_RIGHT``).
    """

    lesson: Lesson
    done: int
    total: int
    left: list[str] = field(default_factory=list)
    tested_out: bool = False
    first_right: int = 0
    needed: int = 0
    unseen: int = 0
    todo: tuple[str, str] | None = None  # (what to do, where) for the first thing left

    @property
    def percent(self) -> int:
        return 100 if self.tested_out or not self.total else round(100 * self.done / self.total)

    @property
    def mastered(self) -> bool:
        return self.tested_out or self.done == self.total


@dataclass
class Progress:
    steps: list[StepMastery]
    read: set[int]
    commitments: list[Commitment]
    quiz_attempts: int
    quiz_right: int
    quiz_total: int
    myth_attempts: int
    myth_right: int
    myth_total: int
    review_due: int
    resume_path: str
    next_action: tuple[str, str] = ("", "")  # (what to do next, the link)

    @property
    def mastered(self) -> list[StepMastery]:
        return [m for m in self.steps if m.mastered]


def summary(learner: Learner | None, language: str) -> Progress:
    """Everything the progress page shows, in a fixed number of queries whatever the learner did."""
    lessons = list(
        Lesson.objects.filter(language=language).only("slug", "title", "order", "kind", "step", "prediction_key")
    )
    questions = list(Question.objects.filter(language=language).values_list("pk", "lesson_id"))
    examples = set(PolicyExample.objects.filter(language=language).values_list("lesson_id", flat=True))
    myth_total = _myth_total(language)
    if learner is None:
        steps = [_mastery(lesson, set(), set(), {}, set(), questions, examples) for lesson in lessons if lesson.step]
        progress = Progress(steps, set(), [], 0, 0, len(questions), 0, 0, myth_total, 0, "")
        progress.next_action = _next_action(progress)
        return progress
    read = set(StepRead.objects.filter(learner=learner).values_list("lesson_id", flat=True))
    commitments = list(Commitment.objects.filter(learner=learner).select_related("prediction__lesson"))
    (latest, first), (myths, _first) = _ends(
        (QuizAttempt.objects.filter(learner=learner), "question_id"),
        (MythAnswer.objects.filter(learner=learner), "myth_id"),
    )
    solved = WorkedAttempt.objects.filter(learner=learner, correct=True)
    worked = set(solved.values_list("example__lesson_id", flat=True))
    tested = set(StepTestedOut.objects.filter(learner=learner).values_list("lesson_id", flat=True))
    committed = {c.prediction.key for c in commitments}
    steps = [
        _mastery(lesson, read, committed, first, worked, questions, examples, lesson.pk in tested)
        for lesson in lessons
        if lesson.step
    ]
    progress = Progress(
        steps,
        read,
        commitments,
        latest.attempts,
        sum(latest.values()),
        len(questions),
        myths.attempts,
        sum(myths.values()),
        myth_total,
        review.due_count(learner, timezone.now()),
        safe_path(learner.resume_path),
    )
    progress.next_action = _next_action(progress)
    return progress


class _Latest(dict):
    attempts = 0


def _ends(*sources) -> list[tuple[_Latest, dict]]:
    """For each ``(records, item field)``: ({item id: latest answer right?} with the count of all answers,
    {item id: first answer right?}).

    One query per source whose rows are bounded by the number of items, however often the learner retried
    one (records are numbered in the order they were made), and one more for all their answers' verdicts."""
    counted = [
        list(records.values(item).annotate(first=Min("pk"), last=Max("pk"), n=Count("pk"))) for records, item in sources
    ]
    verdicts = [
        records.model.objects.filter(pk__in={pk for row in rows for pk in (row["first"], row["last"])})
        .annotate(source=Value(number))
        .values_list("source", "pk", "correct")
        .order_by()
        for number, ((records, _item), rows) in enumerate(zip(sources, counted, strict=True))
    ]
    right = {(source, pk): correct for source, pk, correct in verdicts[0].union(*verdicts[1:], all=True).order_by()}
    results = []
    for number, ((_records, item), rows) in enumerate(zip(sources, counted, strict=True)):
        latest, first = _Latest(), {}
        for row in rows:
            latest[row[item]], first[row[item]] = right[number, row["last"]], right[number, row["first"]]
            latest.attempts += row["n"]
        results.append((latest, first))
    return results


def _myth_total(language: str) -> int:
    return Myth.objects.filter(language=language).count()


def _mastery(lesson, read, committed, first, worked, questions, examples, tested_out=False) -> StepMastery:
    """One step's mastery: read, prediction committed, faded example solved, and ``needed`` of its bank's
    questions right on the first try (``first``: {question id: first answer right?})."""
    step = lesson.step
    checks = []
    if lesson.prediction_key:
        checks.append((lesson.prediction_key in committed, _("commit to its prediction"), "lessons:step"))
    checks.append((lesson.pk in read, _("read the step"), "lessons:step"))
    if lesson.pk in examples:
        checks.append((lesson.pk in worked, _("fill in its faded example"), "lessons:worked"))
    own = [pk for pk, lesson_id in questions if lesson_id == lesson.pk]
    needed = min(MASTERY_RIGHT, len(own))
    first_right = sum(1 for pk in own if first.get(pk))
    unseen = sum(1 for pk in own if pk not in first)
    for number in range(needed):
        checks.append((first_right > number, "", "lessons:test_out"))
    left = [label for ok, label, _url in checks if not ok and label]
    todo = next(((label, reverse(url, args=[step])) for ok, label, url in checks if not ok and label), None)
    missing = max(0, needed - first_right)
    if missing and unseen:
        label = ngettext(
            "answer %(n)s new question right the first time", "answer %(n)s new questions right the first time", missing
        ) % {"n": missing}
        left.append(label)
        todo = todo or (label, reverse("lessons:test_out", args=[step]))
    elif missing:
        left.append(_("no new questions are left: keep it in your spaced review"))
    done = sum(1 for ok, _label, _url in checks if ok)
    if tested_out:
        left, todo = [], None
    return StepMastery(lesson, done, len(checks), left, tested_out, first_right, needed, unseen, todo)


def _next_action(progress: Progress) -> tuple[str, str]:
    """The one thing to do next: review what is due, else the first step not mastered, else the cheat sheet."""
    if progress.review_due:
        return _("Review the items due now"), reverse("lessons:review")
    for mastery in progress.steps:
        if mastery.todo:
            what, url = mastery.todo
            return _("%(what)s — %(title)s") % {"what": what[:1].upper() + what[1:], "title": mastery.lesson.title}, url
    if progress.steps:
        return _("Every step is mastered: keep the cheat sheet at hand"), reverse("lessons:cheat_sheet")
    return _("Start with step 1"), reverse("lessons:steps")


# ---- recording --------------------------------------------------------------------------------------------------


def commit(learner: Learner, prediction: Prediction, choice: str, confidence: str) -> Commitment:
    """Locks in the learner's prediction; a second commitment to the same prediction changes nothing."""
    commitment, _ignored = Commitment.objects.get_or_create(
        learner=learner,
        prediction=prediction,
        defaults={"choice": choice, "confidence": confidence, "correct": choice in prediction.correct_keys()},
    )
    if hasattr(learner, "_committed_keys"):
        learner._committed_keys.add(prediction.key)
    return commitment


def mark_read(learner: Learner, lesson: Lesson) -> None:
    StepRead.objects.get_or_create(learner=learner, lesson=lesson)


def answer_myth(learner: Learner, myth, believed: bool) -> MythAnswer:
    correct = believed == myth.claim_is_true
    return MythAnswer.objects.create(learner=learner, myth=myth, believed=believed, correct=correct)


def record_quiz(learner: Learner, question: Question, graded) -> QuizAttempt:
    return QuizAttempt.objects.create(learner=learner, question=question, answer=graded.answer, correct=graded.correct)


@transaction.atomic
def record_test_out(learner: Learner, lesson: Lesson, results: list, passed: bool) -> None:
    """Keeps every answer of a test-out (its questions are now seen) and, if all were right, marks the step as
    known: tested out and read. ``results`` are ``modes.grade_test_out``'s (question, graded, error)."""
    QuizAttempt.objects.bulk_create(
        QuizAttempt(learner=learner, question=question, answer=graded.answer, correct=graded.correct)
        for question, graded, _error in results
    )
    if passed:
        StepTestedOut.objects.get_or_create(learner=learner, lesson=lesson)
        mark_read(learner, lesson)


# ---- mastery on unseen items ------------------------------------------------------------------------------------


def _answered(learner: Learner | None, bank: list[Question]) -> set[int]:
    if learner is None or not bank:
        return set()
    return set(QuizAttempt.objects.filter(learner=learner, question__in=bank).values_list("question_id", flat=True))


def draw_unseen(learner: Learner | None, lesson: Lesson, bank: list[Question]) -> list[Question]:
    """Up to ``TEST_OUT_DRAW`` questions of ``bank`` the learner has never answered, the same on every reload
    until they answer some (the draw is seeded by the learner and how many they have answered)."""
    answered = _answered(learner, bank)
    unseen = [question for question in bank if question.pk not in answered]
    seed = f"{lesson.slug}:{learner.pk if learner else 'new'}:{len(answered)}"
    return random.Random(seed).sample(unseen, min(TEST_OUT_DRAW, len(unseen)))


def read_drawn(learner: Learner | None, bank: list[Question], keys: list[str]) -> tuple[list[Question], str]:
    """The questions a submitted test-out answers (its ``drawn`` keys), or a message saying what is wrong:
    only questions of this step the learner has never answered, as many as a draw holds."""
    by_key = {question.key: question for question in bank}
    answered = _answered(learner, bank)
    unseen = [question for question in bank if question.pk not in answered]
    if not unseen:
        return [], _("You have answered every question of this step already: there are no new ones to test out with.")
    if len(set(keys)) != len(keys) or len(keys) != min(TEST_OUT_DRAW, len(unseen)):
        return [], _("This test-out was not the set drawn for you: here is a fresh one.")
    if any(key not in by_key for key in keys):
        return [], _("This test-out names a question that is not part of this step: here is a fresh one.")
    chosen = [by_key[key] for key in keys]
    if any(question.pk in answered for question in chosen):
        return [], _("You have answered some of these questions before; only new ones count: here is a fresh set.")
    return chosen, ""


def may_review(learner: Learner | None, prediction: Prediction, now) -> bool:
    """Whether the review may tell ``learner`` the answer of ``prediction``: they committed to it or reviewed it
    before, they studied its step (read it, or committed to one of its predictions), or it is in their review
    queue now. A prediction of a step never studied stays unanswered."""
    if learner is None:
        return False
    if prediction.key in committed_keys(learner):
        return True
    item = f"prediction:{prediction.key}"
    if ReviewState.objects.filter(learner=learner, item=item).exists():
        return True
    if prediction.lesson_id is not None and (
        StepRead.objects.filter(learner=learner, lesson_id=prediction.lesson_id).exists()
        or Commitment.objects.filter(learner=learner, prediction__lesson_id=prediction.lesson_id).exists()
    ):
        return True
    return any(entry.item == item for entry in review.queue(learner, prediction.language, now))


def record_worked(learner: Learner, example: PolicyExample, answer: str, correct: bool) -> WorkedAttempt:
    return WorkedAttempt.objects.create(learner=learner, example=example, answer=answer[:2000], correct=correct)


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: move the session's anonymous progress to the account."""
    if request is not None and hasattr(request, "session"):
        move_session_progress(request, user)
