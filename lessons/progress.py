"""Each learner's progress: who the learner is (an account, or an anonymous visitor whose learner id lives in
the session), recording what they did, moving session progress to the account at sign-up and log-in, and the
summary the progress page shows (steps read, predictions, scores, review due, mastery with what is left).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

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
    """Where to resume: the page of the learner's latest action."""
    Learner.objects.filter(pk=learner.pk).update(resume_path=path, last_active=timezone.now())


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
    """How far a learner is with one step: done out of total, and what is left in words."""

    lesson: Lesson
    done: int
    total: int
    left: list[str] = field(default_factory=list)
    tested_out: bool = False

    @property
    def percent(self) -> int:
        return 100 if self.tested_out or not self.total else round(100 * self.done / self.total)


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
        return Progress(steps, set(), [], 0, 0, len(questions), 0, 0, myth_total, 0, "")
    read = set(StepRead.objects.filter(learner=learner).values_list("lesson_id", flat=True))
    commitments = list(Commitment.objects.filter(learner=learner).select_related("prediction__lesson"))
    latest = _latest_answers(QuizAttempt.objects.filter(learner=learner).values_list("question_id", "correct"))
    myths = _latest_answers(MythAnswer.objects.filter(learner=learner).values_list("myth_id", "correct"))
    solved = WorkedAttempt.objects.filter(learner=learner, correct=True, final=True)  # the last faded stage
    worked = set(solved.values_list("example__lesson_id", flat=True))
    tested = set(StepTestedOut.objects.filter(learner=learner).values_list("lesson_id", flat=True))
    committed = {c.prediction.key for c in commitments}
    steps = [
        _mastery(lesson, read, committed, latest, worked, questions, examples, lesson.pk in tested)
        for lesson in lessons
        if lesson.step
    ]
    return Progress(
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
        learner.resume_path,
    )


class _Latest(dict):
    attempts = 0


def _latest_answers(rows) -> _Latest:
    """{item id: latest answer right?} from (item id, correct) rows in the order they were made."""
    latest = _Latest()
    for item, correct in rows:
        latest[item] = correct
        latest.attempts += 1
    return latest


def _myth_total(language: str) -> int:
    return Myth.objects.filter(language=language).count()


def _mastery(lesson, read, committed, latest, worked, questions, examples, tested_out=False) -> StepMastery:
    own = [pk for pk, lesson_id in questions if lesson_id == lesson.pk]
    checks = [(lesson.pk in read, _("read the step"))]
    if lesson.prediction_key:
        checks.append((lesson.prediction_key in committed, _("commit to its prediction")))
    if lesson.pk in examples:
        checks.append((lesson.pk in worked, _("fill in its faded example")))
    checks += [(latest.get(pk, False), "") for pk in own]
    wrong = sum(1 for pk in own if not latest.get(pk, False))
    left = [label for ok, label in checks if not ok and label]
    if wrong:
        left.append(_("answer %(n)s more quiz question(s) correctly") % {"n": wrong})
    return StepMastery(lesson, sum(ok for ok, _label in checks), len(checks), [] if tested_out else left, tested_out)


# ---- recording --------------------------------------------------------------------------------------------------


def commit(learner: Learner, prediction: Prediction, choice: str, confidence: str) -> Commitment:
    """Locks in the learner's prediction; a second commitment to the same prediction changes nothing."""
    commitment, _ignored = Commitment.objects.get_or_create(
        learner=learner,
        prediction=prediction,
        defaults={"choice": choice, "confidence": confidence, "correct": choice in prediction.correct_keys()},
    )
    return commitment


def mark_read(learner: Learner, lesson: Lesson) -> None:
    StepRead.objects.get_or_create(learner=learner, lesson=lesson)


def answer_myth(learner: Learner, myth, believed: bool) -> MythAnswer:
    correct = believed == myth.claim_is_true
    return MythAnswer.objects.create(learner=learner, myth=myth, believed=believed, correct=correct)


def record_quiz(learner: Learner, question: Question, graded) -> QuizAttempt:
    return QuizAttempt.objects.create(learner=learner, question=question, answer=graded.answer, correct=graded.correct)


def record_test_out(learner: Learner, lesson: Lesson) -> None:
    """Marks the step as known: tested out and read."""
    StepTestedOut.objects.get_or_create(learner=learner, lesson=lesson)
    mark_read(learner, lesson)


def record_worked(learner: Learner, example: PolicyExample, answer: str, correct: bool) -> WorkedAttempt:
    return WorkedAttempt.objects.create(learner=learner, example=example, answer=answer[:2000], correct=correct)


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: move the session's anonymous progress to the account."""
    if request is not None and hasattr(request, "session"):
        move_session_progress(request, user)
