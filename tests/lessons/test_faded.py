"""Worked example, then faded in stages: stage 0 shows the example whole; stage N blanks its first N elements
(trust: Principal, then Condition, then Action). A stage's solution is withheld by the server until the stage
is answered, and a POST for any stage but the learner's current one is refused."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lessons import modes, progress
from lessons.models import Learner, Lesson, PolicyExample, WorkedAttempt

URL = "/lessons/worked/3/"  # step 3's richest example: step3-trust-mfa
ALICE = "arn:aws:iam::111111111111:user/alice"
PRINCIPAL = json.dumps({"AWS": ALICE})
CONDITION = json.dumps({"Bool": {"aws:MultiFactorAuthPresent": "true"}})
ACTION = '"sts:AssumeRole"'


@pytest.fixture
def client(client, request):
    """A learner who has committed to the worked steps' predictions: the worked example shows how they turn out,
    so it is held back until then (tests/lessons/test_gating.py)."""
    if "loaded" in request.fixturenames:
        commit_steps(client, 3, 5)
    return client


def commit_steps(client, *steps: int) -> None:
    from lessons.models import Prediction

    for step in steps:
        lesson = Lesson.objects.get(step=step)
        prediction = Prediction.objects.get(language=lesson.language, key=lesson.prediction_key)
        client.post(f"/lessons/steps/{step}/predict/", {"choice": prediction.options[0]["key"], "confidence": "sure"})


def _policy_code(page: str) -> str:
    """The policy shown for the stage (the first code block of the page)."""
    return page.split('<pre class="policy-code"', 1)[1].split("</pre>", 1)[0]


def _post(client, stage, action="check", **blanks):
    data = {"stage": str(stage), "action": action} | {f"blank-{name}": value for name, value in blanks.items()}
    return client.post(URL, data)


def _study(client):
    assert _post(client, 0, "study").status_code == 302


def test_trust_policies_fade_principal_then_condition_then_action(loaded):
    item = modes.step_fading(Lesson.objects.get(step=3))
    assert item.example.key == "step3-trust-mfa"
    assert item.elements == ("Principal", "Condition", "Action")


def test_identity_policies_fade_action_then_resource():
    example = PolicyExample(
        key="x",
        kind="identity",
        document=json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}),
    )
    assert modes.fading(example).elements == ("Action", "Resource")


def test_stage_0_shows_the_whole_example_and_the_stages_to_come(loaded, client):
    page = client.get(URL).content.decode()
    assert ALICE in _policy_code(page) and "aws:MultiFactorAuthPresent" in _policy_code(page)
    assert "Blank the Principal" in page and "Blank the Condition" in page and "Blank the Action" in page
    assert 'name="blank-' not in page  # nothing to fill in before the learner has studied it


def test_stage_1_withholds_the_principal_and_no_longer_shows_the_whole_policy(loaded, client):
    _study(client)
    page = client.get(URL).content.decode()
    assert "Stage 1 of 3" in page
    assert ALICE not in page  # the bug: the whole policy used to sit right above the blank
    assert "aws:MultiFactorAuthPresent" in _policy_code(page) and "sts:AssumeRole" in _policy_code(page)
    assert 'name="blank-Principal"' in page and 'name="blank-Condition"' not in page
    assert "Show me this stage" not in page  # no giving up before a first try


def test_stage_2_withholds_both_principal_and_condition_until_answered(loaded, client):
    _study(client)
    assert _post(client, 1, Principal=PRINCIPAL).status_code == 200
    page = client.get(URL).content.decode()
    assert "Stage 2 of 3" in page
    assert ALICE not in page and "aws:MultiFactorAuthPresent" not in page
    assert "sts:AssumeRole" in _policy_code(page)
    assert 'name="blank-Principal"' in page and 'name="blank-Condition"' in page


def test_a_right_stage_shows_its_solution_and_leads_to_the_next(loaded, client):
    _study(client)
    response = _post(client, 1, Principal=json.dumps({"AWS": [ALICE]}))  # a one-item list is the same policy
    page = response.content.decode()
    assert "Right: that makes the same policy" in page and ALICE in page
    assert "Go on to stage 2" in page


@pytest.mark.parametrize(
    ("blank", "message"),
    [
        ('{"AWS": "arn:aws:iam::111111111111:user/bob"}', "Not as in the example: Principal."),
        ('"*"', "Not as in the example: Principal."),
        ('{"AWS": "arn:aws:iam::111111111111:root"}', "Not as in the example: Principal."),
        ('{"AWS": ', "Principal: not valid JSON"),
        ("", "Principal: this blank is empty."),
        ("[" * 5000, "Principal: too long"),
        ("[" * 500, "Principal: nested too deeply"),
        ('{"AWS": "<script>alert(1)</script>"}', "Not the same policy yet."),
    ],
)
def test_wrong_and_hostile_answers_are_refused_with_a_clear_message(loaded, client, blank, message):
    _study(client)
    response = _post(client, 1, Principal=blank)
    page = response.content.decode()
    assert response.status_code in {200, 400} and message in page
    assert "<script>alert" not in page and ALICE not in page  # escaped, and the answer is still withheld
    assert modes.fading_stage(Learner.objects.get(), modes.step_fading(Lesson.objects.get(step=3)).example, 3)[0] == 1


def test_an_invalid_policy_shows_iams_own_message(loaded, client):
    _study(client)
    page = _post(client, 1, Principal='{"AWS": "arn:aws:iam::111111111111:user/*"}').content.decode()
    assert "Not the same policy yet." in page and "<li>" in page  # the engine's validation message, listed


def test_stage_2_names_the_element_that_is_still_wrong(loaded, client):
    _study(client)
    _post(client, 1, Principal=PRINCIPAL)
    page = _post(client, 2, Principal='{"AWS": "arn:aws:iam::111111111111:user/bob"}', Condition=CONDITION)
    assert "Not as in the example: Principal." in page.content.decode()
    assert ALICE not in page.content.decode()


def test_a_post_that_skips_a_stage_is_refused_and_records_nothing(loaded, client):
    skip_study = _post(client, 1, Principal=PRINCIPAL)
    assert skip_study.status_code == 409 and "stages cannot be skipped" in skip_study.content.decode()
    assert ALICE not in _policy_code(skip_study.content.decode()) or "Stage 0" in skip_study.content.decode()
    assert not WorkedAttempt.objects.exists()
    _study(client)
    ahead = _post(client, 2, Principal=PRINCIPAL, Condition=CONDITION)
    assert ahead.status_code == 409 and ALICE not in ahead.content.decode()
    back = _post(client, 0, "study")
    assert back.status_code == 409  # stage 0 cannot be replayed to see the whole policy again
    assert WorkedAttempt.objects.count() == 1


def test_show_me_needs_a_try_first_then_reveals_only_that_stage(loaded, client):
    _study(client)
    early = _post(client, 1, "reveal")
    assert early.status_code == 409 and ALICE not in early.content.decode()
    assert "Give this stage one try first" in early.content.decode()
    _post(client, 1, Principal='"*"')
    assert "Show me this stage" in client.get(URL).content.decode()
    shown = _post(client, 1, "reveal").content.decode()
    assert ALICE in shown and "Go on to stage 2" in shown
    nxt = client.get(URL).content.decode()
    assert "Stage 2 of 3" in nxt and ALICE not in nxt  # the next stage asks for it again


def test_mastery_counts_only_the_last_stage(loaded, alice_client, alice):
    lesson = Lesson.objects.get(step=3)
    label = "fill in its faded example"

    def left():
        summary = progress.summary(Learner.objects.get(user=alice), "en")
        return next(m for m in summary.steps if m.lesson == lesson).left

    alice_client.post(URL, {"stage": "0", "action": "study"})
    alice_client.post(URL, {"stage": "1", "action": "check", "blank-Principal": PRINCIPAL})
    assert label in left()
    alice_client.post(URL, {"stage": "2", "blank-Principal": PRINCIPAL, "blank-Condition": CONDITION})
    last = {"stage": "3", "blank-Principal": PRINCIPAL, "blank-Condition": CONDITION}
    last["blank-Action"] = f"[{ACTION}]"
    assert "That was the last stage" in alice_client.post(URL, last).content.decode()
    assert label not in left()
    done = alice_client.get(URL).content.decode()
    assert "Every stage done" in done and ALICE in done
    assert alice_client.post(URL, last).status_code == 409


def test_htmx_gets_the_stage_fragment(loaded, client):
    _study(client)
    response = client.post(URL, {"stage": "1", "blank-Principal": "nope"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page and "not valid JSON" in page


def test_another_learners_progress_is_not_mine(loaded, alice_client, bob_client):
    commit_steps(alice_client, 3)
    commit_steps(bob_client, 3)
    alice_client.post(URL, {"stage": "0", "action": "study"})
    assert "Stage 0" in bob_client.get(URL).content.decode()
    assert bob_client.post(URL, {"stage": "1", "blank-Principal": PRINCIPAL}).status_code == 409


@pytest.mark.parametrize(
    ("stage", "blanks"),
    [
        # Action names are case-insensitive, prefix and name alike:
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
        (3, {"Action": '"STS:assumerole"'}),
        # Condition-key names are case-insensitive:
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
        (2, {"Condition": '{"Bool": {"AWS:MultiFactorAuthPresent": "true"}}'}),
    ],
)
def test_names_iam_reads_ignoring_case_are_accepted_in_any_case(loaded, client, stage, blanks):
    _study(client)
    answers = {"Principal": PRINCIPAL, "Condition": CONDITION, "Action": ACTION}
    for number in range(1, stage):
        _post(client, number, **{k: v for k, v in answers.items() if k in ("Principal", "Condition")[:number]})
    page = _post(client, stage, **(answers | blanks)).content.decode()
    assert "Right: that makes the same policy" in page


def test_principal_arns_and_condition_values_keep_their_case(loaded, client):
    _study(client)
    page = _post(client, 1, Principal='{"AWS": "arn:aws:iam::111111111111:user/Alice"}').content.decode()
    assert "Not as in the example: Principal." in page
    _post(client, 1, "reveal")
    page = _post(client, 2, Principal=PRINCIPAL, Condition='{"bool": {"aws:MultiFactorAuthPresent": "true"}}')
    assert "Right:" not in page.content.decode()


def test_the_page_does_the_same_work_after_many_attempts(loaded, alice_client, django_assert_max_num_queries):
    alice_client.post(URL, {"stage": "0", "action": "study"})
    alice_client.post(URL, {"stage": "1", "blank-Principal": '"*"'})
    with CaptureQueriesContext(connection) as few:
        alice_client.get(URL)
    baseline = len(few.captured_queries)  # read now: every request clears the query log
    for _n in range(30):
        alice_client.post(URL, {"stage": "1", "blank-Principal": '"*"'})
    with django_assert_max_num_queries(baseline):
        alice_client.get(URL)


def test_a_skipping_htmx_post_is_refused_in_a_fragment_htmx_will_show(loaded, client):
    _study(client)
    response = client.post(URL, {"stage": "3", "blank-Action": ACTION}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page and "stages cannot be skipped" in page and "Stage 1 of 3" in page
    assert WorkedAttempt.objects.count() == 1
