"""The learning modes' pages: each works anonymously, shows alice her own progress and never bob's, keeps a
prediction's answer out of the page until it is committed, and stays within a bounded number of queries."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from lessons.models import Commitment, MythAnswer, Prediction, QuizAttempt, ReviewState

PAGES = [
    "/lessons/",
    "/lessons/deep-dive/",
    "/lessons/steps/3/",
    "/lessons/steps/1/",
    "/lessons/steps/3/test-out/",
    "/lessons/worked/3/",
    "/lessons/myths/",
    "/lessons/quiz/",
    "/lessons/quiz/step-3-trust/",
    "/lessons/quiz/under-the-hood/",
    "/lessons/review/",
    "/lessons/visual/",
    "/lessons/try-it/",
    "/lessons/cheat-sheet/",
    "/lessons/progress/",
    "/lessons/overview/",
]
PREDICT = {"choice": "trust-check", "confidence": "sure"}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_works_anonymously_with_one_h1(loaded, client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1


@pytest.mark.parametrize("path", PAGES)
def test_every_page_works_for_a_signed_in_learner(loaded, alice_client, path):
    assert alice_client.get(path).status_code == 200


def test_step_by_step_starts_at_the_first_unread_step(loaded, client):
    assert client.get("/lessons/steps/").url == "/lessons/steps/1/"
    client.post("/lessons/steps/1/read/")
    assert client.get("/lessons/steps/").url == "/lessons/steps/2/"


def test_the_answer_is_not_in_the_page_before_the_prediction_is_committed(loaded, client):
    prediction = Prediction.objects.get(key="p3-any-user-any-role")
    page = client.get("/lessons/steps/3/").content.decode()
    assert prediction.prompt in page
    assert prediction.reveal[:60] not in page
    assert "trust policy is a resource-based policy" not in page  # the step's concept
    assert "What really happens" not in page and "correct" not in page
    assert 'id="policy-step3-trust-alice"' not in page  # the step body comes with the reveal


def test_committing_stores_the_prediction_and_reveals_the_answer(loaded, alice_client, alice):
    response = alice_client.post("/lessons/steps/3/predict/", PREDICT)
    assert response.status_code == 302 and response.url.endswith("/lessons/steps/3/#prediction")
    commitment = Commitment.objects.get(learner__user=alice)
    assert (commitment.choice, commitment.confidence, commitment.correct) == ("trust-check", "sure", True)
    page = alice_client.get("/lessons/steps/3/").content.decode()
    assert "Your prediction was right." in page and "STS checks the role" in page
    assert 'id="policy-step3-trust-alice"' in page


def test_htmx_gets_the_reveal_fragment(loaded, client):
    response = client.post(
        "/lessons/steps/3/predict/", {"choice": "any-user", "confidence": "guessing"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Not quite." in body and "Only principals that the role" in body


def test_the_engine_runs_the_predictions_scenario_in_the_reveal(loaded, client):
    body = client.post("/lessons/steps/3/predict/", PREDICT, headers={"HX-Request": "true"}).content.decode()
    assert "The engine runs the case" in body and "AccessDenied" in body


def test_a_commitment_cannot_be_changed_after_the_reveal(loaded, alice_client, alice):
    alice_client.post("/lessons/steps/3/predict/", {"choice": "any-user", "confidence": "guessing"})
    alice_client.post("/lessons/steps/3/predict/", PREDICT)
    assert Commitment.objects.get(learner__user=alice).choice == "any-user"


def test_an_incomplete_prediction_is_refused_and_nothing_is_stored(loaded, client):
    response = client.post("/lessons/steps/3/predict/", {"choice": "trust-check"})
    assert response.status_code == 400 and not Commitment.objects.exists()


def test_predicting_is_post_only(loaded, client):
    assert client.get("/lessons/steps/3/predict/").status_code == 405


def test_bob_never_sees_alices_progress(loaded, alice_client, bob_client):
    alice_client.post("/lessons/steps/3/predict/", PREDICT)
    alice_client.post("/lessons/myths/myth-anyone-can-assume/", {"believed": "yes"})
    assert "Your prediction was right." not in bob_client.get("/lessons/steps/3/").content.decode()
    assert "You believed it." not in bob_client.get("/lessons/myths/").content.decode()
    page = bob_client.get("/lessons/progress/").content.decode()
    assert "No predictions yet." in page and "0 of 25 myths right (0 answers" in page


def test_a_myth_answer_is_stored_scored_and_explained(loaded, client):
    response = client.post("/lessons/myths/myth-anyone-can-assume/", {"believed": "no"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Right." in body and "An identity policy alone never opens a role" in body
    assert 'hx-swap-oob="true"' in body and "Your score: 1 right of 1 answered" in body
    assert MythAnswer.objects.get().correct


@pytest.mark.parametrize(("believed", "right"), [("yes", True), ("no", False)])
def test_a_true_claim_is_right_to_believe_and_the_reveal_says_it_is_true(loaded, client, believed, right):
    # IAM saves {"AWS": "*"} as a trust principal, and then any account gets in (the engine decides: myths.yaml)
    url = "/lessons/myths/true-star-trust-is-valid/"
    body = client.post(url, {"believed": believed}, headers={"HX-Request": "true"}).content.decode()
    assert ("Right." in body) is right and ("Not quite." in body) is not right
    assert "It is true." in body and "It is a myth." not in body
    assert MythAnswer.objects.get().correct is right


def test_a_myth_answer_without_htmx_returns_to_the_myth(loaded, client):
    response = client.post("/lessons/myths/myth-anyone-can-assume/", {"believed": "yes"})
    assert response.url == "/lessons/myths/#myth-myth-anyone-can-assume"
    assert "Not quite." in client.get(response.url).content.decode()


def test_quiz_attempts_are_all_kept_and_retries_allowed(loaded, client):
    url = "/lessons/quiz/question/q4-default-minutes/"
    client.post(url, {"number": "15"})
    response = client.post(url, {"number": "60"}, headers={"HX-Request": "true"})
    assert "Right." in response.content.decode() and "2 attempts so far." in response.content.decode()
    assert list(QuizAttempt.objects.values_list("correct", flat=True)) == [False, True]


def test_a_policy_reading_answer_comes_from_the_engine_and_explains_every_option_chosen(loaded, client):
    url = "/lessons/quiz/question/q1-read-alice-put/"
    response = client.post(url, {"choice": "yes"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "Not right yet." in body and "actions are matched one by one" in body


def test_an_unanswered_quiz_question_is_refused_with_a_message(loaded, client):
    response = client.post("/lessons/quiz/question/q4-default-minutes/", {"number": ""})
    assert response.status_code == 400 and "Type a number" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_ordering_questions_work_without_javascript_through_position_selects(loaded, client):
    page = client.get("/lessons/quiz/under-the-hood/").content.decode()
    assert 'name="position-deny"' in page and "<legend>Give each item its position" in page
    order = ["deny", "rcp", "scp", "resource", "identity", "boundary", "session"]
    positions = {f"position-{key}": str(i + 1) for i, key in enumerate(order)}
    client.post("/lessons/quiz/question/qs-evaluation-order/", positions)
    assert QuizAttempt.objects.get().correct


def test_review_records_a_card_and_a_mini_prediction(loaded, client):
    client.post("/lessons/steps/3/predict/", PREDICT)
    client.post("/lessons/steps/3/read/")
    assert "Show the answer" in client.get("/lessons/review/").content.decode()
    client.post("/lessons/review/card/c3-root/", {"rating": "good"})
    answer = {"choice": "yes-account", "confidence": "sure"}
    response = client.post("/lessons/review/prediction/p3-account-root/", answer, follow=True)
    assert "Not quite" in response.content.decode()
    states = sorted(ReviewState.objects.values_list("item", "lapses"))
    assert states == [("card:c3-root", 0), ("prediction:p3-account-root", 1)]


def test_deep_dive_annotates_policy_elements_for_keyboard_and_hover(loaded, client):
    client.post("/lessons/steps/3/predict/", PREDICT)  # step 3's part opens once its prediction is made
    page = client.get("/lessons/deep-dive/").content.decode()
    assert 'tabindex="0" aria-describedby="ann-step3-trust-alice-' in page
    assert 'role="tooltip"' in page and "Every element explained" in page
    assert '<nav class="toc"' in page and 'href="#step-3-trust--the-idea"' in page


def test_try_it_lists_each_steps_lab(loaded, client):
    call_command("load_labs", verbosity=0)
    page = client.get("/lessons/try-it/").content.decode()
    assert 'href="/labs/fix-the-trust-policy/"' in page and "Step 3:" in page
    assert "/sandbox/try-it/" not in page  # starting happens on the lab's own page, which asks first


def test_the_cheat_sheet_has_a_print_stylesheet(loaded, client):
    from pathlib import Path

    assert client.get("/lessons/cheat-sheet/").status_code == 200
    css = Path("static/css/site.css").read_text()
    assert "/* Lessons */" in css and ".cheat-sheet pre" in css.split("/* Lessons */")[1]


@pytest.mark.parametrize(
    "path",
    [
        "/lessons/steps/3/",
        "/lessons/myths/",
        "/lessons/quiz/step-3-trust/",
        "/lessons/progress/",
        "/lessons/review/",
        "/lessons/deep-dive/",
    ],
)
def test_busy_pages_use_a_bounded_number_of_queries(loaded, alice_client, django_assert_max_num_queries, path):
    alice_client.post("/lessons/steps/3/predict/", PREDICT)
    alice_client.post("/lessons/steps/3/read/")
    for number in ("1", "60"):
        alice_client.post("/lessons/quiz/question/q4-default-minutes/", {"number": number})
    alice_client.post("/lessons/myths/myth-anyone-can-assume/", {"believed": "no"})
    # The progress page also reads the step labs' attempts (one query for the seven Try it labs) and the review
    # forecast (one).
    with django_assert_max_num_queries(17 if path == "/lessons/progress/" else 15):
        alice_client.get(path)
