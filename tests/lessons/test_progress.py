"""Progress: anonymous progress lives in the session and moves to the account at sign-up and at log-in."""

from __future__ import annotations

import pytest

from lessons.models import Commitment, Learner, MythAnswer, StepRead
from tests.conftest import PASSWORD

PREDICT = {"choice": "trust-check", "confidence": "sure"}


def _study_anonymously(client):
    client.post("/lessons/steps/3/predict/", PREDICT)
    client.post("/lessons/steps/3/read/")
    client.post("/lessons/myths/myth-anyone-can-assume/", {"believed": "yes"})


def test_anonymous_progress_is_kept_for_the_session_only(loaded, client):
    _study_anonymously(client)
    learner = Learner.objects.get(user=None)
    assert client.session["lessons_learner"] == learner.pk
    assert Commitment.objects.filter(learner=learner, correct=True).count() == 1


def test_progress_moves_to_the_account_at_log_in(loaded, client, alice):
    _study_anonymously(client)
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    learner = Learner.objects.get(user=alice)
    assert Commitment.objects.filter(learner=learner).count() == 1
    assert StepRead.objects.filter(learner=learner).count() == 1
    assert MythAnswer.objects.filter(learner=learner).count() == 1
    assert not Learner.objects.filter(user=None).exists() and "lessons_learner" not in client.session
    assert learner.resume_path == "/lessons/myths/"


def test_progress_moves_to_the_account_at_sign_up(loaded, client, django_user_model):
    _study_anonymously(client)
    client.post(
        "/accounts/signup/",
        {
            "username": "dana",
            "email": "dana@example.com",
            "password1": "a long and careful passphrase",
            "password2": "a long and careful passphrase",
        },
    )
    dana = django_user_model.objects.get(username="dana")
    assert Commitment.objects.filter(learner__user=dana).count() == 1


def test_what_the_account_already_committed_wins_over_the_session(loaded, client, alice):
    client.force_login(alice)
    client.post("/lessons/steps/3/predict/", {"choice": "any-user", "confidence": "guessing"})
    client.post("/accounts/logout/")
    _study_anonymously(client)
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    (commitment,) = Commitment.objects.filter(learner__user=alice)
    assert commitment.choice == "any-user" and commitment.confidence == "guessing"


def test_a_learner_resumes_where_they_left_off(loaded, alice_client):
    alice_client.post("/lessons/steps/3/predict/", PREDICT)
    page = alice_client.get("/lessons/").content.decode()
    assert 'href="/lessons/steps/3/"' in page and "Continue where you left off" in page


def test_the_progress_page_shows_mastery_and_what_is_left(loaded, alice_client):
    alice_client.post("/lessons/steps/3/predict/", PREDICT)
    page = alice_client.get("/lessons/progress/").content.decode()
    assert "Step 3: How roles are assumed and trusted" in page
    assert "read the step" in page and "commit to its prediction" not in page.split("Step 3:")[1].split("</tr>")[0]


def _right_answers(questions) -> dict:
    data = {}
    for question in questions:
        prefix = f"{question.key}-"
        if question.type == "ordering":
            data |= {f"{prefix}position-{o.key}": str(i + 1) for i, o in enumerate(question.options.all())}
        elif question.type == "spot_line":
            data[f"{prefix}line"] = str(question.data["faulty_line"])
        elif question.type == "numeric":
            data[f"{prefix}number"] = str(question.data["answer"])
        else:
            data[f"{prefix}choice"] = [o.key for o in question.options.all() if o.correct]
    return data


def _drawn(page: str) -> list[str]:
    import re

    return re.findall(r'name="drawn" value="([^"]+)"', page)


def test_testing_out_of_a_step_masters_it(loaded, alice_client):
    from lessons.models import Question

    keys = _drawn(alice_client.get("/lessons/steps/1/test-out/").content.decode())
    drawn = Question.objects.filter(key__in=keys).prefetch_related("options")
    response = alice_client.post("/lessons/steps/1/test-out/", _right_answers(drawn) | {"drawn": keys})
    assert "counts as mastered" in response.content.decode()
    page = alice_client.get("/lessons/progress/").content.decode()
    assert "100 % (tested out)" in page


# ---- mastery on unseen questions ---------------------------------------------------------------------------------


def _wrong_answer(question) -> dict:
    options = list(question.options.all())
    prefix = f"{question.key}-"
    if question.type == "ordering":
        return {f"{prefix}position-{o.key}": str(len(options) - i) for i, o in enumerate(options)}
    if question.type == "spot_line":
        return {f"{prefix}line": "1" if question.data["faulty_line"] != 1 else "2"}
    if question.type == "numeric":
        return {f"{prefix}number": str(question.data["answer"] + 1000)}
    return {f"{prefix}choice": [next(o.key for o in options if not o.correct)]}


def _mastery_row(client, step: int) -> str:
    page = client.get("/lessons/progress/").content.decode()
    return page.split(f'href="/lessons/steps/{step}/"', 1)[1].split("</tr>")[0]


def test_retrying_a_seen_question_does_not_raise_mastery(loaded, alice_client):
    url = "/lessons/quiz/question/q4-default-minutes/"
    alice_client.post(url, {"number": "15"})
    before = _mastery_row(alice_client, 4)
    alice_client.post(url, {"number": "60"})  # right now, but it was seen (and missed) before
    assert _mastery_row(alice_client, 4) == before
    assert "answer 3 new questions right the first time" in before


def test_a_first_time_right_answer_on_a_new_question_counts(loaded, alice_client):
    alice_client.post("/lessons/quiz/question/q4-default-minutes/", {"number": "60"})
    assert "answer 2 new questions right the first time" in _mastery_row(alice_client, 4)


def test_test_out_draws_only_questions_never_answered_and_the_draw_holds_on_reload(loaded, alice_client):
    from lessons.models import Question, QuizAttempt

    alice_client.post("/lessons/quiz/question/q4-default-minutes/", {"number": "60"})
    first = _drawn(alice_client.get("/lessons/steps/4/test-out/").content.decode())
    assert len(first) == 3 and "q4-default-minutes" not in first
    assert _drawn(alice_client.get("/lessons/steps/4/test-out/").content.decode()) == first
    drawn = list(Question.objects.filter(key__in=first).prefetch_related("options"))
    data = _right_answers(drawn[:2]) | _wrong_answer(drawn[2]) | {"drawn": first}
    page = alice_client.post("/lessons/steps/4/test-out/", data).content.decode()
    assert "not marked as mastered yet" in page
    assert QuizAttempt.objects.filter(question__key__in=first).count() == 3  # each drawn question is now seen
    second = _drawn(page)
    assert second and not set(second) & set(first) and "q4-default-minutes" not in second


def test_a_test_out_of_questions_already_seen_is_refused_and_records_nothing(loaded, alice_client):
    from lessons.models import Question, QuizAttempt

    alice_client.post("/lessons/quiz/question/q4-default-minutes/", {"number": "60"})
    fresh = _drawn(alice_client.get("/lessons/steps/4/test-out/").content.decode())
    keys = ["q4-default-minutes", *fresh[:2]]  # a seen question slipped into the set
    questions = Question.objects.filter(key__in=keys).prefetch_related("options")
    response = alice_client.post("/lessons/steps/4/test-out/", _right_answers(questions) | {"drawn": keys})
    assert response.status_code == 400 and "only new ones count" in response.content.decode()
    assert QuizAttempt.objects.count() == 1


@pytest.mark.parametrize(
    "drawn",
    [[], ["q1-new-user-default", "q1-new-user-default", "q1-user-keys-expire"], ["a", "b", "c"], ["q3-x"] * 5],
)
def test_a_tampered_test_out_is_refused_with_a_message(loaded, client, drawn):
    from lessons.models import QuizAttempt

    response = client.post("/lessons/steps/1/test-out/", {"drawn": drawn})
    assert response.status_code == 400 and "fresh" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_an_unanswered_test_out_question_records_nothing(loaded, client):
    from lessons.models import QuizAttempt

    keys = _drawn(client.get("/lessons/steps/1/test-out/").content.decode())
    response = client.post("/lessons/steps/1/test-out/", {"drawn": keys})
    assert response.status_code == 400 and "Answer every question before checking" in response.content.decode()
    assert not QuizAttempt.objects.exists() and _drawn(response.content.decode()) == keys


def test_a_step_is_mastered_by_predicting_reading_solving_and_new_questions(loaded, alice_client):
    from lessons.models import Question

    alice_client.post("/lessons/steps/3/predict/", PREDICT)
    alice_client.post("/lessons/steps/3/read/")
    alice_client.post("/lessons/worked/3/", {"answer": '{"AWS": "arn:aws:iam::111111111111:user/alice"}'})
    assert "answer 3 new questions" in _mastery_row(alice_client, 3)
    keys = _drawn(alice_client.get("/lessons/steps/3/test-out/").content.decode())
    questions = Question.objects.filter(key__in=keys).prefetch_related("options")
    alice_client.post("/lessons/steps/3/test-out/", _right_answers(questions) | {"drawn": keys})
    row = _mastery_row(alice_client, 3)
    assert "100 %" in row and "nothing: mastered" in row
    page = alice_client.get("/lessons/progress/").content.decode()
    mastered = page.split("<dt>Mastered</dt>")[1].split("</dd>")[0]
    assert "Step 3: How roles are assumed and trusted" in mastered


def test_the_progress_page_names_one_next_thing_to_do(loaded, client):
    page = client.get("/lessons/progress/").content.decode()
    next_part = page.split('id="next-title"')[1].split("</section>")[0]
    assert next_part.count("<a ") == 1 and 'href="/lessons/steps/1/"' in next_part  # a newcomer: read step 1
    client.post("/lessons/steps/1/read/")
    next_part = client.get("/lessons/progress/").content.decode().split('id="next-title"')[1].split("</section>")[0]
    assert 'class="button" href="/lessons/worked/1/"' in next_part or 'href="/lessons/steps/1/test-out/"' in next_part


def test_the_progress_page_sends_a_learner_with_items_due_to_review_first(loaded, client):
    from datetime import timedelta

    from django.utils import timezone

    from lessons.models import ReviewState

    client.post("/lessons/steps/3/predict/", PREDICT)
    client.post("/lessons/steps/3/read/")
    client.post("/lessons/review/card/c3-root/", {"rating": "again"})
    ReviewState.objects.update(due=timezone.now() - timedelta(minutes=1))
    page = client.get("/lessons/progress/").content.decode()
    next_part = page.split('id="next-title"')[1].split("</section>")[0]
    assert 'class="button" href="/lessons/review/"' in next_part and "1 item due now" in page


def test_the_progress_page_reads_as_much_after_many_retries_as_after_one(loaded, alice_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lessons.models import Learner, Question, QuizAttempt

    alice_client.post("/lessons/quiz/question/q4-default-minutes/", {"number": "15"})
    with CaptureQueriesContext(connection) as once:
        first = alice_client.get("/lessons/progress/").content.decode()
    learner, question = Learner.objects.get(), Question.objects.get(key="q4-default-minutes")
    QuizAttempt.objects.bulk_create(
        QuizAttempt(learner=learner, question=question, answer={"number": "60"}, correct=True) for _ in range(300)
    )
    with CaptureQueriesContext(connection) as many:
        page = alice_client.get("/lessons/progress/").content.decode()
    assert len(many) == len(once)
    assert "(301 attempts in all)" in page and "(1 attempts in all)" in first
    assert _mastery_row(alice_client, 4) == first.split('href="/lessons/steps/4/"', 1)[1].split("</tr>")[0]
