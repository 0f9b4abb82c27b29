"""Spaced review with FSRS (default parameters, no fuzz): the schedule on known inputs, and the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating

from lessons import review
from lessons.models import Learner, Lesson, ReviewState, StepRead

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rating", "due"),
    [
        # FSRS-6 defaults: a new item in learning steps of 1 and 10 minutes; Easy graduates at once with the
        # initial stability w[3] = 8.2956 days, rounded to 8 days.
        (Rating.Again, T0 + timedelta(minutes=1)),
        (Rating.Hard, T0 + timedelta(minutes=5, seconds=30)),
        (Rating.Good, T0 + timedelta(minutes=10)),
        (Rating.Easy, T0 + timedelta(days=8)),
    ],
)
def test_a_new_item_is_scheduled_by_its_first_grade(rating, due):
    _state, next_due = review.schedule(None, rating, T0)
    assert next_due == due


def test_good_answers_space_the_reviews_out():
    state, due = review.schedule(None, Rating.Good, T0)
    state, due = review.schedule(state, Rating.Good, due)
    assert due == datetime(2026, 1, 3, 9, 10, tzinfo=UTC)
    state, due = review.schedule(state, Rating.Good, due)
    assert due == datetime(2026, 1, 14, 9, 10, tzinfo=UTC)


def test_a_missed_item_comes_back_sooner_than_a_remembered_one():
    state, due = review.schedule(None, Rating.Easy, T0)
    _s, after_miss = review.schedule(state, Rating.Again, due)
    _s, after_good = review.schedule(state, Rating.Good, due)
    assert after_miss - due == timedelta(minutes=10)  # relearning step
    assert after_good - due > timedelta(days=8)


@pytest.mark.parametrize(
    ("correct", "confidence", "rating"),
    [
        (False, "sure", Rating.Again),
        (True, "guessing", Rating.Hard),
        (True, "think_so", Rating.Good),
        (True, "sure", Rating.Easy),
    ],
)
def test_a_mini_prediction_is_graded_by_correctness_and_confidence(correct, confidence, rating):
    assert review.rating_for(correct, confidence) == rating


def test_low_confidence_right_answers_come_back_sooner_than_sure_ones():
    _s, guessed = review.schedule(None, review.rating_for(True, "guessing"), T0)
    _s, sure = review.schedule(None, review.rating_for(True, "sure"), T0)
    assert guessed < sure


def test_the_queue_holds_what_the_learner_studied_and_what_is_due(loaded, alice):
    learner = Learner.objects.create(user=alice)
    assert review.queue(learner, "en", T0) == []
    StepRead.objects.create(learner=learner, lesson=Lesson.objects.get(step=3))
    first = review.queue(learner, "en", T0)
    assert 0 < len(first) <= review.NEW_PER_DAY and all(item.new for item in first)
    review.record(learner, first[0].item, Rating.Again, T0)
    later = review.queue(learner, "en", T0 + timedelta(minutes=2))
    assert later[0].item == first[0].item and not later[0].new
    assert ReviewState.objects.get(learner=learner, item=first[0].item).lapses == 1
