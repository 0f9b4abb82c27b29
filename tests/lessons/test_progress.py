"""Progress: anonymous progress lives in the session and moves to the account at sign-up and at log-in."""

from __future__ import annotations

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
