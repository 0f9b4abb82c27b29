"""Spaced review with FSRS (default parameters, no fuzz): the schedule on known inputs, and the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from fsrs import Rating

from lessons import review
from lessons.models import Card, Commitment, Learner, Lesson, Prediction, Question, QuizAttempt, ReviewState, StepRead

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


# ---- what fills the queue ---------------------------------------------------------------------------------------


def _items(learner, now=T0):
    return {entry.item for entry in review.overview(learner, "en", now).items}


COMMIT_4 = ("/lessons/steps/4/predict/", {"choice": "expired", "confidence": "sure"})


@pytest.mark.parametrize(
    ("posts", "expected"),
    [
        ([COMMIT_4], "card:c4-minimum"),
        ([("/lessons/quiz/question/q4-default-minutes/", {"number": "60"})], "card:c4-minimum"),
        ([("/lessons/myths/myth-anyone-can-assume/", {"believed": "no"})], "card:c3-root"),
        ([COMMIT_4, ("/lessons/steps/4/read/", {})], "card:c4-default"),
        # The worked example is held back until the step's prediction is committed (test_gating.py).
        (
            [
                ("/lessons/steps/5/predict/", {"choice": "yes-both", "confidence": "sure"}),
                ("/lessons/worked/5/", {"stage": "0", "action": "study"}),
            ],
            "card:c5-both-sides",
        ),
        ([("/lessons/under-the-hood/read/", {})], "card:cx-eval-order"),
        ([("/lessons/expert-zone/read/", {})], "card:cx-cloudtrail-both"),
    ],
    ids=["prediction", "quiz", "myth", "step-read", "worked", "section-read", "section-cards"],
)
def test_the_queue_fills_from_what_was_studied_in_any_mode(loaded, alice_client, alice, posts, expected):
    for url, data in posts:
        assert alice_client.post(url, data).status_code in {200, 302}
    learner = Learner.objects.get(user=alice)
    now = datetime.now(UTC)
    assert review.offers(learner, "en", expected, now)
    overview = review.overview(learner, "en", now)
    assert overview.studied and overview.items
    page = alice_client.get("/lessons/review/").content.decode()
    assert "Your review at a glance" in page and "Start with a step" not in page


def test_a_section_read_brings_its_cards_into_todays_queue(loaded, alice_client, alice):
    alice_client.post("/lessons/expert-zone/read/")
    learner = Learner.objects.get(user=alice)
    items = _items(learner, datetime.now(UTC))
    assert items and all(item.startswith("card:c") for item in items)
    keys = set(Card.objects.filter(lesson__slug="expert-zone").values_list("key", flat=True))
    assert {item.removeprefix("card:") for item in items} <= keys | set(
        Prediction.objects.filter(lesson__slug="expert-zone").values_list("key", flat=True)
    )


def test_a_step_cannot_be_marked_read_as_a_part(loaded, client):
    response = client.post("/lessons/step-3-trust/read/")
    assert response.status_code == 302 and response["Location"] == "/lessons/steps/3/"
    assert not StepRead.objects.exists()


def test_a_steps_main_prediction_joins_only_once_committed(loaded, alice):
    learner = Learner.objects.create(user=alice)
    QuizAttempt.objects.create(
        learner=learner, question=Question.objects.get(key="q4-default-minutes"), answer=60, correct=True
    )
    overview = review.overview(learner, "en", T0)
    everything = {e.item for e in overview.items}
    assert "prediction:p4-forever-or-limited" not in everything  # its answer stays hidden until the step page
    assert not review.offers(learner, "en", "prediction:p4-forever-or-limited", T0)
    assert review.offers(learner, "en", "prediction:p4-default-duration", T0)  # not a step's main prediction
    Commitment.objects.create(
        learner=learner,
        prediction=Prediction.objects.get(key="p4-forever-or-limited"),
        choice="expired",
        confidence="think_so",
        correct=True,
    )
    assert review.offers(learner, "en", "prediction:p4-forever-or-limited", T0)


def test_review_refuses_to_reveal_what_the_learner_has_not_studied(loaded, client):
    answer = {"choice": "yes-account", "confidence": "sure"}
    refused = client.post("/lessons/review/prediction/p3-account-root/", answer)
    assert refused.status_code == 403 and "not in your review" in refused.content.decode()
    prediction = Prediction.objects.get(key="p3-account-root")
    assert prediction.reveal[:40] not in refused.content.decode()
    assert client.post("/lessons/review/card/c3-root/", {"action": "show"}).status_code == 403
    assert not ReviewState.objects.exists() and not Commitment.objects.exists()
    assert client.post("/lessons/review/nonsense/c3-root/", {"rating": "good"}).status_code == 404


# ---- the forecast and the next due time -------------------------------------------------------------------------


def _studied(user, step: int) -> Learner:
    learner, _created = Learner.objects.get_or_create(user=user)
    StepRead.objects.create(learner=learner, lesson=Lesson.objects.get(step=step))
    return learner


def test_an_item_due_in_a_minute_shows_its_time_not_tomorrow(loaded, alice_client, alice):
    learner = _studied(alice, 3)
    now = datetime.now(UTC) + timedelta(seconds=20)
    for entry in review.queue(learner, "en", now):  # today's new items, all missed: back in a minute
        review.record(learner, entry.item, Rating.Again, now)
    page = alice_client.get("/lessons/review/").content.decode()
    assert "Nothing is due right now. The next item is due in 1\xa0minute" in page
    assert "tomorrow" not in page.lower()
    due = ReviewState.objects.filter(learner=learner).order_by("due").first().due
    assert f'datetime="{due.isoformat()}"' in page


def test_the_forecast_counts_due_now_later_today_and_this_week(loaded, alice):
    learner = Learner.objects.create(user=alice)
    StepRead.objects.create(learner=learner, lesson=Lesson.objects.get(step=3))
    first = review.queue(learner, "en", T0)
    assert len(first) == review.NEW_PER_DAY
    review.record(learner, first[0].item, Rating.Again, T0)  # T0 + 1 min
    review.record(learner, first[1].item, Rating.Good, T0)  # T0 + 10 min
    review.record(learner, first[2].item, Rating.Easy, T0)  # T0 + 8 days
    ReviewState.objects.update(at=T0)
    at = T0 + timedelta(hours=1)
    overview = review.overview(learner, "en", at)
    assert (overview.due_now, overview.later_today, overview.this_week) == (2, 0, 0)
    assert overview.next_due == T0 + timedelta(days=8)
    overview = review.overview(learner, "en", T0 + timedelta(seconds=30))
    assert (overview.due_now, overview.later_today, overview.this_week) == (0, 2, 2)
    assert overview.next_due == T0 + timedelta(minutes=1)
    # five new items started today: the rest wait until the first of them is a day old
    assert overview.new_waiting > 0 and overview.new_from is None  # two of today's five are still unstarted
    for entry in review.queue(learner, "en", T0 + timedelta(seconds=30)):
        review.record(learner, entry.item, Rating.Good, T0 + timedelta(seconds=30))
    ReviewState.objects.update(at=T0)
    overview = review.overview(learner, "en", T0 + timedelta(hours=2))
    assert overview.new_from == T0 + timedelta(days=1) and overview.next_time == T0 + timedelta(days=1)


# ---- typed recall -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "answers", "expected"),
    [
        ("900 SECONDS.", ["900 seconds"], True),
        ("  900   seconds ", ["900 seconds"], True),
        ("3,600", ["3600"], True),
        ("the confused-deputy problem!", ["confused deputy problem"], True),
        ("Sts:AssumeRole", ["sts:AssumeRole"], True),
        ("600", ["900 seconds", "15 minutes"], False),
        ("9000 seconds", ["900 seconds"], False),
        ("", ["900"], None),
        ("x" * 1000, ["900"], None),
        ("anything", [], None),
    ],
)
def test_typed_answers_are_checked_ignoring_case_spacing_and_punctuation(typed, answers, expected):
    assert review.check_typed(Card(front="f", back="b", answers=answers), typed) is expected


def test_the_card_answer_stays_on_the_server_until_the_learner_asks(loaded, alice_client, alice):
    _studied(alice, 4)
    client = alice_client
    back = Card.objects.get(key="c4-minimum").back
    page = client.get("/lessons/review/").content.decode()
    assert "Shortest session you can request?" in page and back not in page


def test_a_typed_right_answer_is_confirmed_and_the_learner_has_the_last_word(loaded, alice_client, alice):
    _studied(alice, 4)
    client = alice_client
    right = client.post("/lessons/review/card/c4-minimum/", {"action": "check", "typed": "900 Seconds"})
    page = right.content.decode()
    assert right.status_code == 200 and "Your answer “900 Seconds” matches." in page
    assert Card.objects.get(key="c4-minimum").back in page and "Were you right?" in page
    client.post("/lessons/review/card/c4-minimum/", {"rating": "again"})  # "I was wrong" after all
    assert ReviewState.objects.get(item="card:c4-minimum").lapses == 1


def test_a_typed_wrong_answer_is_flagged_and_can_be_overruled(loaded, alice_client, alice):
    _studied(alice, 4)
    client = alice_client
    wrong = client.post("/lessons/review/card/c4-minimum/", {"action": "check", "typed": "600 seconds"})
    page = wrong.content.decode()
    assert "does not match the short answer" in page and "you have the last word" in page
    client.post("/lessons/review/card/c4-minimum/", {"rating": "good"})  # "I was right": the learner decides
    state = ReviewState.objects.get(item="card:c4-minimum")
    assert state.lapses == 0 and state.reviews == 1


def test_hostile_typed_answers_are_escaped_and_bounded(loaded, alice_client, alice):
    _studied(alice, 4)
    client = alice_client
    script = client.post("/lessons/review/card/c4-minimum/", {"action": "check", "typed": "<script>alert(1)</script>"})
    assert script.status_code == 200 and "<script>alert(1)" not in script.content.decode()
    huge = client.post("/lessons/review/card/c4-minimum/", {"action": "check", "typed": "9" * 100_000})
    assert huge.status_code == 200 and "too long to check" in huge.content.decode()
    assert "9" * 301 not in huge.content.decode()
    nothing = client.post("/lessons/review/card/c4-minimum/", {"action": "guess"})
    assert nothing.status_code == 400


# ---- confidence: sure and wrong ---------------------------------------------------------------------------------


def test_sure_and_wrong_comes_back_sooner_than_guessing_and_wrong(loaded, alice, bob):
    sure, guess = Learner.objects.create(user=alice), Learner.objects.create(user=bob)
    item = "card:c3-root"
    for learner, confident in ((sure, True), (guess, False)):
        review.record(learner, item, Rating.Easy, T0)  # known for 8 days …
        review.record(learner, item, Rating.Again, T0 + timedelta(days=8), sure=confident)  # … then missed
    after_miss = {learner: ReviewState.objects.get(learner=learner).due for learner in (sure, guess)}
    assert after_miss[sure] < after_miss[guess]  # 5 minutes instead of the 10-minute relearning step
    for learner in (sure, guess):
        review.record(learner, item, Rating.Good, after_miss[guess])
    after_right = {learner: ReviewState.objects.get(learner=learner).due for learner in (sure, guess)}
    assert after_right[sure] - after_miss[guess] < after_right[guess] - after_miss[guess]
    assert ReviewState.objects.get(learner=sure).sure_misses == 1


def test_the_watch_ends_after_two_right_answers(loaded, alice, bob):
    sure, calm = Learner.objects.create(user=alice), Learner.objects.create(user=bob)
    item, at = "card:c3-root", T0
    review.record(sure, item, Rating.Again, at, sure=True)
    review.record(calm, item, Rating.Again, at)
    dues = {}
    for learner in (sure, calm):
        when = at + timedelta(minutes=10)
        for _n in range(review.WATCH_RIGHT):
            state = review.record(learner, item, Rating.Good, when)
            when = state.due
        dues[learner] = state
    assert not review.is_watched(dues[sure]) and dues[sure].rightly_since == review.WATCH_RIGHT
    _state, plain = review.schedule(dues[sure].state, Rating.Good, dues[sure].due)
    assert review.record(sure, item, Rating.Good, dues[sure].due).due == plain  # no longer halved


def test_watched_items_come_first_in_the_queue(loaded, alice):
    learner = Learner.objects.create(user=alice)
    StepRead.objects.create(learner=learner, lesson=Lesson.objects.get(step=3))
    first, second = review.queue(learner, "en", T0)[:2]
    review.record(learner, first.item, Rating.Again, T0)
    review.record(learner, second.item, Rating.Again, T0 + timedelta(seconds=20), sure=True)
    later = review.queue(learner, "en", T0 + timedelta(minutes=5))
    assert [later[0].item, later[1].item] == [second.item, first.item]
    assert later[0].watched and not later[1].watched


def test_a_sure_wrong_commitment_is_due_within_a_minute_and_said_kindly(loaded, client):
    response = client.post("/lessons/steps/4/predict/", {"choice": "forever", "confidence": "sure"}, follow=True)
    page = response.content.decode()
    assert "You were sure, and this one turned out differently" in page
    learner = Learner.objects.get()
    now = Commitment.objects.get().at
    assert review.due_count(learner, now + timedelta(seconds=31)) == 1  # half the 1-minute learning step
    due = review.overview(learner, "en", now + timedelta(seconds=31))
    assert due.items[0].item == "prediction:p4-forever-or-limited" and due.items[0].watched


@pytest.mark.parametrize(("choice", "confidence"), [("forever", "guessing"), ("expired", "sure")])
def test_no_sure_and_wrong_message_otherwise(loaded, client, choice, confidence):
    page = client.post("/lessons/steps/4/predict/", {"choice": choice, "confidence": confidence}, follow=True)
    assert "You were sure, and this one" not in page.content.decode()


def test_a_right_sure_commitment_waits_longer_than_a_guess(loaded, alice, bob):
    at = {}
    for user, confidence in ((alice, "sure"), (bob, "guessing")):
        learner = Learner.objects.create(user=user)
        Commitment.objects.create(
            learner=learner,
            prediction=Prediction.objects.get(key="p4-forever-or-limited"),
            choice="expired",
            confidence=confidence,
            correct=True,
        )
        at[confidence] = review.due_count(learner, datetime.now(UTC) + timedelta(days=1))
    assert at == {"sure": 0, "guessing": 1}


def test_a_sure_miss_in_review_is_told_kindly_and_counted(loaded, alice_client, alice):
    _studied(alice, 3)
    client = alice_client
    answer = {"choice": "yes-account", "confidence": "sure"}
    response = client.post("/lessons/review/prediction/p3-account-root/", answer, follow=True)
    page = response.content.decode()
    assert "Not quite" in page and "You were sure, and this one turned out differently" in page
    assert Commitment.objects.get().confidence == "sure"  # the first answer in review is its commitment
    assert ReviewState.objects.get().sure_misses == 1
    again = client.post("/lessons/review/prediction/p3-account-root/", {"choice": "yes-account", "confidence": "maybe"})
    assert again.status_code == 400 and ReviewState.objects.get().reviews == 1


def test_the_shipped_cards_type_answers_fit_their_backs(shipped_content):
    typed = [card for card in shipped_content.cards if card["answers"]]
    assert len(typed) >= 25
    for card in typed:
        assert all(len(answer) <= 60 for answer in card["answers"]), card["key"]
    sections = {card["lesson"] for card in shipped_content.cards if not str(card["lesson"]).startswith("step-")}
    assert len(sections) >= 6  # cards for the parts, not only the steps


def test_a_card_revealed_outside_todays_queue_is_shown_at_the_top(loaded, alice_client, alice):
    learner = _studied(alice, 4)
    StepRead.objects.create(learner=learner, lesson=Lesson.objects.get(slug="expert-zone"))
    back = escape(Card.objects.get(key="cx-cloudtrail-both").back)
    assert back not in alice_client.get("/lessons/review/").content.decode()
    page = alice_client.post("/lessons/review/card/cx-cloudtrail-both/", {"action": "show"}).content.decode()
    assert back in page and 'id="revealed-title"' in page


def test_an_item_due_in_seconds_says_less_than_a_minute(loaded, client):
    client.post("/lessons/steps/4/predict/", {"choice": "forever", "confidence": "sure"})  # due in 30 s
    page = client.get("/lessons/review/").content.decode()
    assert "less than a minute" in page and "0\xa0minutes" not in page


def test_a_section_page_offers_to_add_its_cards_and_a_step_part_does_not(loaded, client):
    section = client.get("/lessons/under-the-hood/").content.decode()
    assert 'action="/lessons/under-the-hood/read/"' in section
    assert "/read/" not in client.get("/lessons/step-3-trust/").content.decode().split("<article", 1)[1]
    response = client.post("/lessons/under-the-hood/read/", follow=True)
    assert "Marked as read" in response.content.decode()
    assert StepRead.objects.get().lesson.slug == "under-the-hood"
    assert client.post("/lessons/no-such-part/read/").status_code == 404


def test_the_review_page_does_the_same_work_however_much_was_studied(
    loaded, alice_client, alice, django_assert_max_num_queries
):
    learner = _studied(alice, 3)
    with CaptureQueriesContext(connection) as few:
        alice_client.get("/lessons/review/")
    baseline = len(few.captured_queries)  # read now: every request clears the query log
    for step in (1, 2, 4, 5, 6, 7):
        StepRead.objects.create(learner=learner, lesson=Lesson.objects.get(step=step))
    for _n in range(20):
        alice_client.post("/lessons/quiz/question/q4-default-minutes/", {"number": "1"})
    for entry in review.queue(learner, "en", datetime.now(UTC)):
        review.record(learner, entry.item, Rating.Again, datetime.now(UTC) - timedelta(hours=1))
    with django_assert_max_num_queries(baseline):
        alice_client.get("/lessons/review/")


def test_a_step_commitment_is_the_first_review_of_its_prediction(loaded, client):
    client.post("/lessons/steps/4/predict/", {"choice": "expired", "confidence": "guessing"})
    answer = {"choice": "expired", "confidence": "sure"}
    assert client.post("/lessons/review/prediction/p4-forever-or-limited/", answer).status_code == 302
    state = ReviewState.objects.get()
    assert (state.reviews, state.lapses, state.sure_misses) == (2, 0, 0)
    assert Commitment.objects.get().confidence == "guessing"  # the commitment itself never changes
