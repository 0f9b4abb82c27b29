"""Spaced review: a short daily queue of cards and mini-predictions, scheduled per learner with FSRS.

FSRS (Free Spaced Repetition Scheduler; Ye, Su & Cao, "A Stochastic Shortest Path Algorithm for Optimizing
Spaced Repetition Scheduling", KDD 2022; https://github.com/open-spaced-repetition/py-fsrs) models each
item's stability and difficulty and schedules the next review for 90 % predicted recall. We use the
``fsrs`` package with its published default parameters and fuzzing off, so a schedule is reproducible.

What fills the queue: the cards and predictions of every lesson the learner has studied in any mode (a step
or part marked read, a prediction committed, a quiz question, myth or faded example answered). A step's
main prediction joins only once committed on its step page (its answer stays hidden until then), and that
commitment counts as its first review. Other predictions are answered here first.

Grading: a missed item is rated Again (back within minutes, then relearned); a right answer is rated by
the confidence the learner gave — guessing → Hard, think so → Good, sure → Easy — so low-confidence items
come back sooner than sure ones. Cards are self-rated with the same four grades (a typed answer is checked
first, and the learner has the last word).

Sure and wrong: a miss the learner was sure about points at a misconception, so the item is watched: the
interval after that miss and after each of the next ``WATCH_RIGHT`` right answers is cut by
``WATCH_FACTOR``, and watched items come first in the queue.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from .models import (
    Card,
    Commitment,
    Confidence,
    Learner,
    Lesson,
    MythAnswer,
    Prediction,
    QuizAttempt,
    ReviewState,
    StepRead,
    WorkedAttempt,
)

SCHEDULER = Scheduler(enable_fuzzing=False)
QUEUE_LENGTH = 10
NEW_PER_DAY = 5
WATCH_FACTOR = 0.5
WATCH_RIGHT = 2
MAX_TYPED = 300
RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
_BY_CONFIDENCE = {Confidence.GUESSING: Rating.Hard, Confidence.THINK_SO: Rating.Good, Confidence.SURE: Rating.Easy}


def rating_for(correct: bool, confidence: str) -> Rating:
    """The FSRS grade of a mini-prediction: wrong is Again; right is graded by how sure the learner was."""
    return Rating.Again if not correct else _BY_CONFIDENCE[Confidence(confidence)]


def schedule(state: dict | None, rating: Rating, now: datetime, *, watched: bool = False) -> tuple[dict, datetime]:
    """The item's next FSRS state and due time after a review with ``rating`` at ``now`` (``state`` None: new).

    ``watched``: the item follows a sure miss, so the wait until it is due is cut by ``WATCH_FACTOR``.
    """
    card = FsrsCard.from_dict(state) if state else FsrsCard(card_id=1)
    card, _log = SCHEDULER.review_card(card, rating, review_datetime=now)
    due = now + (card.due - now) * WATCH_FACTOR if watched else card.due
    return card.to_dict(), due


# ---- one item's schedule ------------------------------------------------------------------------------------------

_FRESH = {"state": {}, "reviews": 0, "lapses": 0, "sure_misses": 0, "rightly_since": 0}


def _advance(fields: dict, rating: Rating, now: datetime, *, sure: bool) -> dict:
    """The item's schedule fields after one answer graded ``rating`` (``sure``: the learner said they were sure)."""
    missed = rating == Rating.Again
    sure_misses = fields["sure_misses"] + (missed and sure)
    rightly_since = 0 if missed else fields["rightly_since"] + 1
    watched = sure_misses > 0 and rightly_since <= WATCH_RIGHT
    state, due = schedule(fields["state"] or None, rating, now, watched=watched)
    return {
        "state": state,
        "due": due,
        "reviews": fields["reviews"] + 1,
        "lapses": fields["lapses"] + missed,
        "sure_misses": sure_misses,
        "rightly_since": rightly_since,
    }


def _from_commitment(confidence: str, correct: bool, at: datetime) -> dict:
    """A committed prediction's schedule: the commitment on its step page was its first review."""
    return _advance(_FRESH, rating_for(correct, confidence), at, sure=confidence == Confidence.SURE)


def is_watched(state: ReviewState | dict) -> bool:
    """Whether the item still comes back sooner because the learner was sure and wrong about it."""
    get = state.get if isinstance(state, dict) else lambda name: getattr(state, name)
    return get("sure_misses") > 0 and get("rightly_since") < WATCH_RIGHT


@transaction.atomic
def record(learner: Learner, item: str, rating: Rating, now: datetime, *, sure: bool = False) -> ReviewState:
    """Reviews ``item`` ("card:<key>" or "prediction:<key>") for ``learner`` and saves its new schedule, in
    one transaction with the row locked (``get_or_create`` also settles two first reviews at once)."""
    current, _created = ReviewState.objects.select_for_update().get_or_create(
        learner=learner, item=item, defaults=_seed(learner, item, now)
    )
    fields = {name: getattr(current, name) for name in _FRESH}
    for name, value in _advance(fields, rating, now, sure=sure).items():
        setattr(current, name, value)
    current.save()
    return current


def _seed(learner: Learner, item: str, now: datetime) -> dict:
    """A new item's fields: fresh, or for a prediction committed on its step page, the commitment's review."""
    if item.startswith("prediction:"):
        key = item.removeprefix("prediction:")
        commitment = Commitment.objects.filter(learner=learner, prediction__key=key).first()
        if commitment is not None:
            return _from_commitment(commitment.confidence, commitment.correct, commitment.at)
    return _FRESH | {"due": now}


@transaction.atomic
def answer_prediction(
    learner: Learner, prediction: Prediction, choice: str, confidence: str, now: datetime
) -> tuple[bool, ReviewState]:
    """A mini-prediction answered in review. The first answer to a prediction is also its commitment (one
    per learner and prediction, as on a step page); later answers are reviews."""
    correct = choice in prediction.correct_keys()
    item = f"prediction:{prediction.key}"
    _commitment, created = Commitment.objects.get_or_create(
        learner=learner,
        prediction=prediction,
        defaults={"choice": choice, "confidence": confidence, "correct": correct},
    )
    if created and not ReviewState.objects.filter(learner=learner, item=item).exists():
        state = ReviewState(learner=learner, item=item, **_from_commitment(confidence, correct, now))
        state.save()
        return correct, state
    return correct, record(learner, item, rating_for(correct, confidence), now, sure=confidence == Confidence.SURE)


# ---- what the learner studied, and the queue --------------------------------------------------------------------


def studied_lessons(learner: Learner, language: str) -> set[int]:
    """The lessons the learner has worked on in any mode, in one query."""
    mine = {"learner": learner}
    return set(
        Lesson.objects.filter(language=language)
        .filter(
            Q(pk__in=StepRead.objects.filter(**mine).values("lesson_id"))
            | Q(pk__in=Commitment.objects.filter(**mine).values("prediction__lesson_id"))
            | Q(pk__in=QuizAttempt.objects.filter(**mine).values("question__lesson_id"))
            | Q(pk__in=MythAnswer.objects.filter(**mine).values("myth__lesson_id"))
            | Q(pk__in=WorkedAttempt.objects.filter(**mine).values("example__lesson_id"))
        )
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class QueueItem:
    """One thing to review now: a ``Card`` or a ``Prediction``, whether it is new to the learner, and whether
    it is watched (the learner was sure and wrong about it)."""

    item: str
    card: Card | None
    prediction: Prediction | None
    new: bool
    watched: bool = False


@dataclass
class Overview:
    """The review page: today's queue and what comes later (counts, the next due time, new items waiting)."""

    items: list[QueueItem] = field(default_factory=list)
    studied: bool = False
    due_now: int = 0
    later_today: int = 0
    this_week: int = 0
    scheduled: int = 0
    next_due: datetime | None = None
    new_total: int = 0
    new_waiting: int = 0
    new_from: datetime | None = None

    @property
    def next_time(self) -> datetime | None:
        """When something is next to review: the next due item or the next new items, whichever is first."""
        times = [t for t in (self.next_due, self.new_from if self.new_waiting else None) if t is not None]
        return min(times) if times else None

    def wait(self, now: datetime) -> str:
        """How long until ``next_time``, in words: "less than a minute", "1 minute", "3 hours, 5 minutes"."""
        if self.next_time is None:
            return ""
        if self.next_time - now < timedelta(minutes=1):
            return _("less than a minute")
        return timeuntil(self.next_time, now)


def overview(learner: Learner | None, language: str, now: datetime) -> Overview:
    """Today's queue: items due now (watched first, then most overdue), then new items from what the learner
    has studied, at most ``NEW_PER_DAY`` new ones a day and ``QUEUE_LENGTH`` in all; and the forecast."""
    if learner is None:
        return Overview()
    studied = studied_lessons(learner, language)
    if not studied:
        return Overview()
    committed = {
        key: (confidence, correct, at)
        for key, confidence, correct, at in Commitment.objects.filter(
            learner=learner, prediction__language=language
        ).values_list("prediction__key", "confidence", "correct", "at")
    }
    mains = Lesson.objects.filter(language=language).exclude(prediction_key="").values("prediction_key")
    cards = {f"card:{c.key}": c for c in Card.objects.filter(language=language, lesson_id__in=studied)}
    offered = Prediction.objects.filter(language=language).filter(
        (Q(lesson_id__in=studied) & ~Q(key__in=mains)) | Q(key__in=list(committed))
    )
    predictions = {f"prediction:{p.key}": p for p in offered}
    known = cards | predictions
    states = {
        s["item"]: s
        for s in ReviewState.objects.filter(learner=learner).values("item", "due", "at", *_FRESH)
        if s["item"] in known
    }
    for key, (confidence, correct, at) in committed.items():  # committed on a step page, not reviewed since
        seeded = {"item": f"prediction:{key}", "at": None} | _from_commitment(confidence, correct, at)
        states.setdefault(seeded["item"], seeded)
    return _overview(known, cards, predictions, states, now)


def _overview(known: dict, cards: dict, predictions: dict, states: dict, now: datetime) -> Overview:
    due = sorted((s for s in states.values() if s["due"] <= now), key=lambda s: (not is_watched(s), s["due"]))
    started = sorted(s["at"] for s in states.values() if s["at"] and s["at"] > now - timedelta(days=1))
    fresh_all = [item for item in known if item not in states]
    fresh = fresh_all[: max(0, NEW_PER_DAY - len(started))]
    chosen = [(s["item"], False, is_watched(s)) for s in due] + [(item, True, False) for item in fresh]
    items = [QueueItem(i, cards.get(i), predictions.get(i), new, w) for i, new, w in chosen[:QUEUE_LENGTH]]
    end_of_today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    later = [s["due"] for s in states.values() if s["due"] > now]
    waiting = len(fresh_all) - len(fresh)
    return Overview(
        items=items,
        studied=True,
        due_now=len(due),
        later_today=sum(1 for t in later if t < end_of_today),
        this_week=sum(1 for t in later if t < now + timedelta(days=7)),
        scheduled=len(states),
        next_due=min(later, default=None),
        new_total=len(fresh_all),
        new_waiting=waiting,
        new_from=started[-NEW_PER_DAY] + timedelta(days=1) if waiting and len(started) >= NEW_PER_DAY else None,
    )


def queue(learner: Learner | None, language: str, now: datetime) -> list[QueueItem]:
    return overview(learner, language, now).items


def offers(learner: Learner, language: str, item: str, now: datetime) -> bool:
    """Whether ``item`` is in the learner's review at all (due or not): what review may reveal an answer for."""
    if item.startswith("prediction:"):
        key = item.removeprefix("prediction:")
        if Commitment.objects.filter(learner=learner, prediction__key=key).exists():
            return True
        is_main = Lesson.objects.filter(language=language, prediction_key=key).exists()
        lesson = Prediction.objects.filter(language=language, key=key).values_list("lesson_id", flat=True).first()
        return not is_main and lesson in studied_lessons(learner, language)
    lesson = Card.objects.filter(language=language, key=item.removeprefix("card:")).values_list("lesson_id", flat=True)
    return lesson.first() in studied_lessons(learner, language)


def due_count(learner: Learner | None, now: datetime) -> int:
    """How many items are due now: reviewed ones, and predictions committed on a step page and not reviewed
    since (their commitment was their first review). Two queries, each row bounded by the content's size."""
    if learner is None:
        return 0
    reviewed = dict(ReviewState.objects.filter(learner=learner).values_list("item", "due"))
    for key, confidence, correct, at in Commitment.objects.filter(learner=learner).values_list(
        "prediction__key", "confidence", "correct", "at"
    ):
        reviewed.setdefault(f"prediction:{key}", _from_commitment(confidence, correct, at)["due"])
    return sum(1 for due in reviewed.values() if due <= now)


# ---- answers and feedback ---------------------------------------------------------------------------------------


def normal_answer(text: str) -> str:
    """A typed answer as compared: case folded, accents and punctuation dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w\s]|_", " ", text)
    text = re.sub(r"(?<=\d) (?=\d{3}\b)", "", text)  # 3,600 → 3600
    words = text.split()
    if words and words[0] in {"a", "an", "the"}:
        words = words[1:]
    return " ".join(words)


def check_typed(card: Card, typed: str) -> bool | None:
    """Whether a typed answer matches one of the card's short answers; None when the card has none or
    nothing (or far too much) was typed."""
    if not card.answers or not typed.strip() or len(typed) > MAX_TYPED:
        return None
    mine = normal_answer(typed)
    return any(mine == normal_answer(answer) for answer in card.answers)


def feedback(prediction: Prediction, correct: bool, confidence: str = "") -> list[str]:
    """What the learner is told after a mini-prediction: right or not, the answer, the deciding rule, and a
    word for a miss they were sure about."""
    answer = "; ".join(option["text"] for option in prediction.options if option.get("correct"))
    verdict = _("Right.") if correct else _("Not quite: the answer is “%(answer)s”.") % {"answer": answer}
    lines = [f"{verdict} {prediction.reveal}".strip()]
    if not correct and confidence == Confidence.SURE:
        lines.append(sure_and_wrong())
    return lines


def sure_and_wrong() -> str:
    return _(
        "You were sure, and this one turned out differently. That is worth knowing: a confident miss points "
        "at an idea to adjust, and it is one of the best moments to learn. Read why above; this one will come "
        "back sooner in your review."
    )
