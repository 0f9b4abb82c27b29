"""Spaced review: a short daily queue of cards and mini-predictions, scheduled per learner with FSRS.

FSRS (Free Spaced Repetition Scheduler; Ye, Su & Cao, "A Stochastic Shortest Path Algorithm for Optimizing
Spaced Repetition Scheduling", KDD 2022; https://github.com/open-spaced-repetition/py-fsrs) models each
item's stability and difficulty and schedules the next review for 90 % predicted recall. We use the
``fsrs`` package with its published default parameters and fuzzing off, so a schedule is reproducible.

A missed item is rated Again (back within minutes, then relearned); a right answer is rated by the
confidence the learner gave — guessing → Hard, think so → Good, sure → Easy — so low-confidence items come
back sooner than sure ones. Cards are self-rated with the same four grades.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler

from .models import Card, Confidence, Learner, Prediction, ReviewState, StepRead

SCHEDULER = Scheduler(enable_fuzzing=False)
QUEUE_LENGTH = 10
NEW_PER_DAY = 5
RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
_BY_CONFIDENCE = {Confidence.GUESSING: Rating.Hard, Confidence.THINK_SO: Rating.Good, Confidence.SURE: Rating.Easy}


def rating_for(correct: bool, confidence: str) -> Rating:
    """The FSRS grade of a mini-prediction: wrong is Again; right is graded by how sure the learner was."""
    return Rating.Again if not correct else _BY_CONFIDENCE[Confidence(confidence)]


def schedule(state: dict | None, rating: Rating, now: datetime) -> tuple[dict, datetime]:
    """The item's next FSRS state and due time after a review with ``rating`` at ``now`` (``state`` None: new)."""
    card = FsrsCard.from_dict(state) if state else FsrsCard(card_id=1)
    card, _log = SCHEDULER.review_card(card, rating, review_datetime=now)
    return card.to_dict(), card.due


def record(learner: Learner, item: str, rating: Rating, now: datetime) -> ReviewState:
    """Reviews ``item`` ("card:<key>" or "prediction:<key>") for ``learner`` and saves its new schedule."""
    current = ReviewState.objects.filter(learner=learner, item=item).first()
    state, due = schedule(current.state if current else None, rating, now)
    if current is None:
        current = ReviewState(learner=learner, item=item)
    current.state, current.due = state, due
    current.reviews += 1
    current.lapses += rating == Rating.Again
    current.save()
    return current


@dataclass(frozen=True)
class QueueItem:
    """One thing to review now: a ``Card`` or a ``Prediction``, and whether it is new to the learner."""

    item: str
    card: Card | None
    prediction: Prediction | None
    new: bool


def queue(learner: Learner | None, language: str, now: datetime) -> list[QueueItem]:
    """Today's queue: items due now (most overdue first), then new items from what the learner has studied,
    at most ``NEW_PER_DAY`` new ones a day and ``QUEUE_LENGTH`` in all."""
    if learner is None:
        return []
    states = {s.item: s for s in ReviewState.objects.filter(learner=learner)}
    studied = set(StepRead.objects.filter(learner=learner).values_list("lesson_id", flat=True))
    cards = {f"card:{c.key}": c for c in Card.objects.filter(language=language, lesson_id__in=studied)}
    predictions = {
        f"prediction:{p.key}": p for p in Prediction.objects.filter(language=language, lesson_id__in=studied)
    }
    known = cards | predictions
    due = sorted((s for s in states.values() if s.due <= now and s.item in known), key=lambda s: s.due)
    started_today = sum(1 for s in states.values() if s.at >= now - timedelta(days=1))
    fresh = [item for item in known if item not in states][: max(0, NEW_PER_DAY - started_today)]
    chosen = [(s.item, False) for s in due] + [(item, True) for item in fresh]
    return [QueueItem(item, cards.get(item), predictions.get(item), new) for item, new in chosen[:QUEUE_LENGTH]]


def due_count(learner: Learner | None, now: datetime) -> int:
    return 0 if learner is None else ReviewState.objects.filter(learner=learner, due__lte=now).count()


def feedback(prediction: Prediction, correct: bool) -> str:
    """What the learner is told after a mini-prediction: right or not, the answer, and the deciding rule."""
    answer = "; ".join(option["text"] for option in prediction.options if option.get("correct"))
    verdict = _("Right.") if correct else _("Not quite: the answer is “%(answer)s”.") % {"answer": answer}
    return f"{verdict} {prediction.reveal}".strip()
