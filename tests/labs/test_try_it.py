"""Each build-up step's "Try it" is a lab (one format, not two): the ``try_it`` field and its loader checks, the
seven step labs against issue 14's bugs (the world's clock, wrong answers that must fail, plain words), and the
learner's side: the "Try it" page, the step and part pages' links, the progress page, and the old URLs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from iamtutor.engine import apply_steps
from iamtutor.labs import attempts
from iamtutor.labs.loader import LABS_DIR, read_labs
from iamtutor.labs.models import Attempt, Lab
from iamtutor.labs.runner import starting_world, try_solution
from iamtutor.labs.store import store
from iamtutor.labs.tryits import learner_statuses, step_labs
from iamtutor.sandbox.access import SESSION_KEY
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import changing, create_sandbox
from lessons.content import ContentError
from tests.labs.test_loader import GOOD, line_of, write

STEP_LABS = {
    1: "give-alice-read-access",
    2: "make-the-role-useful",
    3: "fix-the-trust-policy",
    4: "a-longer-session",
    5: "let-the-partner-in",
    6: "fix-the-execution-role",
    7: "chain-deploy-to-analyst",
}
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


# ---- the format: ``try_it`` in a lab file --------------------------------------------------------------------------


def test_the_seven_build_up_steps_each_have_exactly_one_try_it_lab(lab_sources):
    found = {lab.try_it: lab.key for lab in lab_sources.values() if lab.try_it is not None}
    assert found == STEP_LABS
    assert all(lab.try_it in lab.steps for lab in lab_sources.values() if lab.try_it)


def test_the_old_try_it_files_are_gone():
    content = LABS_DIR.parent
    assert not (content / "tryit").exists()
    assert not (TEMPLATES / "sandbox" / "task.html").exists()


def test_a_good_try_it_loads(tmp_path):
    write(tmp_path, GOOD.replace("steps: [3]\n", "steps: [3]\ntry_it: 3\n"))
    (lab,) = read_labs(tmp_path)
    assert lab.try_it == 3


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("try_it: 4", "try_it: 4 must be one of the lab's steps (3)"),
        ("try_it: 0", "try_it is a build-up step number from 1 to 7, not 0"),
        ("try_it: 8", "try_it is a build-up step number from 1 to 7, not 8"),
        ('try_it: "3"', "try_it is a build-up step number from 1 to 7, not '3'"),
        ("try_it: true", "try_it is a build-up step number from 1 to 7, not True"),
        ("try_it: [3]", "try_it is a build-up step number from 1 to 7, not [3]"),
        ("try_it: <script>alert(1)</script>", "not '<script>alert(1)</script>'"),
    ],
)
def test_a_bad_try_it_stops_the_load_with_file_and_line(tmp_path, line, words):
    text = GOOD.replace("steps: [3]\n", f"steps: [3]\n{line}\n")
    path = write(tmp_path, text)
    with pytest.raises(ContentError) as raised:
        read_labs(tmp_path)
    assert raised.value.path == path and raised.value.line == line_of(text, "try_it:")
    assert words in raised.value.message


def test_two_labs_cannot_be_the_try_it_of_one_step(tmp_path):
    write(tmp_path, GOOD.replace("steps: [3]\n", "steps: [3]\ntry_it: 3\n"))
    text = GOOD.replace("id: tiny", "id: twin").replace("steps: [3]\n", "steps: [2, 3]\ntry_it: 3\n")
    path = write(tmp_path, text, "twin.yaml")
    with pytest.raises(ContentError) as raised:
        read_labs(tmp_path)
    assert raised.value.path == path and raised.value.line == line_of(text, "try_it:")
    assert "step 3 already has its Try it lab (tiny.yaml)" in raised.value.message


@pytest.mark.django_db
def test_a_step_s_try_it_can_move_to_another_lab_in_one_load(tmp_path):
    write(tmp_path, GOOD.replace("steps: [3]\n", "steps: [3]\ntry_it: 3\n"))
    write(tmp_path, GOOD.replace("id: tiny", "id: twin"), "twin.yaml")
    call_command("load_labs", folder=str(tmp_path), verbosity=0)
    assert Lab.objects.get(try_it=3).key == "tiny"
    write(tmp_path, GOOD)
    write(
        tmp_path, GOOD.replace("id: tiny", "id: twin").replace("steps: [3]\n", "steps: [3]\ntry_it: 3\n"), "twin.yaml"
    )
    call_command("load_labs", folder=str(tmp_path), verbosity=0)
    assert Lab.objects.get(try_it=3).key == "twin" and Lab.objects.get(key="tiny").try_it is None
    (tmp_path / "twin.yaml").unlink()
    call_command("load_labs", folder=str(tmp_path), verbosity=0)
    assert not Lab.objects.filter(try_it__isnull=False).exists()  # a retired lab is nobody's "Try it"


# ---- the seven step labs against issue 14 ----------------------------------------------------------------------


@pytest.mark.parametrize("key", STEP_LABS.values())
def test_every_task_of_a_step_lab_is_failed_by_two_wrong_solutions(lab_sources, key):
    lab = lab_sources[key]
    for task in lab.tasks:
        failing = [s["title"] for s in lab.solutions if s["kind"] == "wrong" and task.key in s["fails"]]
        assert len(failing) >= 2, (task.key, failing)


def _trust(role: str, statement: dict) -> list[dict]:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", **statement}]}
    return [{"op": "put_policy", "kind": "trust", "target": role, "document": document}]


def _failing(lab, steps) -> dict[str, list[str]]:
    run = try_solution(lab.world, lab.setup, [task.spec for task in lab.tasks], steps)
    assert run.step_failure is None
    return {result.key: result.explanations for result in run.results if not result.passed}


READER = "arn:aws:iam::111111111111:role/ReportReader"
ALICE_AND_BOB = ["arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:user/bob"]


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": "*"},  # "*" lets in every principal of every account that may call sts:AssumeRole
        "*",
        {"AWS": "arn:aws:iam::111111111111:root"},  # the account: every principal whose own policy allows it
        {"AWS": "111111111111"},
        {"AWS": [*ALICE_AND_BOB, "*"]},
        {"AWS": [*ALICE_AND_BOB, "arn:aws:iam::111111111111:root"]},
    ],
)
def test_step_3_fails_a_trust_policy_that_trusts_everyone_or_the_account_without_a_condition(lab_sources, principal):
    """A trust policy naming the account root trusts the account, which then delegates through identity
    policies (carol's allows sts:AssumeRole on every role); "*" trusts everyone. Either must fail the task that
    keeps carol and outsiders out.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts"""
    failing = _failing(lab_sources["fix-the-trust-policy"], _trust(READER, {"Principal": principal}))
    assert "nobody-else" in failing
    assert any("carol can still assume ReportReader" in line for line in failing["nobody-else"])


THUMBNAILER = "arn:aws:iam::111111111111:role/Thumbnailer"
LAMBDA = {"Service": "lambda.amazonaws.com"}


@pytest.mark.parametrize(
    ("statement", "fails"),
    [
        # no guard: Lambda acting for any account gets in (the cross-service confused deputy)
        ({"Principal": LAMBDA}, {"only-for-this-account"}),
        (
            {"Principal": LAMBDA, "Condition": {"StringNotEquals": {"aws:SourceAccount": "222222222222"}}},
            {"only-for-this-account"},
        ),
        # aws:SourceArn guards who may invoke the function (its resource policy), not who assumes its role
        (
            {
                "Principal": LAMBDA,
                "Condition": {
                    "ArnLike": {"aws:SourceArn": "arn:aws:lambda:us-east-1:111111111111:function:thumbnailer"}
                },
            },
            {"lambda-runs"},
        ),
        # the guard
        ({"Principal": LAMBDA, "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}}, set()),
    ],
)
def test_step_6_needs_its_aws_source_account_guard(lab_sources, statement, fails):
    """The confused-deputy guard of a service role is a condition on the account the service acts for.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html#cross-service-confused-deputy-prevention
    https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html"""
    assert set(_failing(lab_sources["fix-the-execution-role"], _trust(THUMBNAILER, statement))) == fails


def test_the_step_labs_name_no_fixed_date_in_their_checks(lab_sources):
    for key in STEP_LABS.values():
        for task in lab_sources[key].tasks:
            text = repr(task.checks)
            assert "2026-" not in text and "Expiration" not in text, (key, task.key)


@pytest.mark.parametrize("key", STEP_LABS.values())
def test_failures_speak_plain_words(lab_sources, key):
    lab = lab_sources[key]
    for solution in (s for s in lab.solutions if s["kind"] == "wrong"):
        for lines in _failing(lab, solution["steps"]).values():
            for line in lines:
                assert line[:1].isalpha() and line.endswith(".") and ".)." not in line and ".." not in line, line
                assert "$." not in line and "expected true" not in line and "{" not in line, line


# ---- the world's clock: a correct answer passes whatever the sandbox clock says ---------------------------------


def _solve_in_sandbox(sandbox: Sandbox, steps: list[dict]) -> None:
    with changing(sandbox) as loaded:
        outcomes = list(apply_steps(loaded.world, steps))  # a generator: run the steps before the save
    assert not [o.failures for o in outcomes if o.failures]
    sandbox.refresh_from_db()  # its new revision: the next load reads the saved world, as the next request would


@pytest.mark.django_db
@pytest.mark.parametrize("key", STEP_LABS.values())
@pytest.mark.parametrize(
    "clock",
    [
        {"clock_offset": 3 * 86400 + 1234},
        {"clock_offset": 400 * 86400},
        {"clock_frozen_at": dt.datetime(2031, 7, 4, 23, 59, tzinfo=dt.UTC)},
    ],
    ids=["three-days-on", "a-year-on", "a-class-clock-in-2031"],
)
def test_a_step_lab_solved_after_the_clock_moved_passes(labs, lab_sources, alice, key, clock):
    sandbox = create_sandbox(alice)
    lab = Lab.objects.get(key=key)
    attempt = attempts.start(lab, sandbox, keep_copy=False)
    Sandbox.objects.filter(pk=sandbox.pk).update(**clock)
    sandbox.refresh_from_db()
    correct, wrong = (next(s for s in lab_sources[key].solutions if s["kind"] == kind) for kind in ("correct", "wrong"))
    results = attempts.check(attempt)
    assert not all(result.passed for result in results)
    _solve_in_sandbox(sandbox, wrong["steps"])
    assert {r.key for r in attempts.check(attempt) if not r.passed} == set(wrong["fails"])
    attempts.start(lab, sandbox, keep_copy=False)
    Sandbox.objects.filter(pk=sandbox.pk).update(**clock)
    sandbox.refresh_from_db()
    attempt = attempts.current_attempt(sandbox, lab)
    _solve_in_sandbox(sandbox, correct["steps"])
    results = attempts.check(attempt)
    assert all(result.passed for result in results), [r.explanations for r in results if not r.passed]
    assert attempt.passed_at is not None


def test_the_step_4_lab_checks_a_duration_not_a_date(lab_sources):
    lab = lab_sources["a-longer-session"]
    moved = {**lab.world, "clock": "2029-11-30T22:15:00Z"}
    correct = next(s for s in lab.solutions if s["kind"] == "correct")
    run = try_solution(moved, lab.setup, [task.spec for task in lab.tasks], correct["steps"])
    assert run.step_failure is None and not run.failing
    assert starting_world(moved, lab.setup).clock.now().year == 2029


# ---- the learner's side ----------------------------------------------------------------------------------------


@pytest.fixture
def lessons_and_labs(labs):
    call_command("load_lessons", verbosity=0)


def _pass(lab_key: str, sandbox: Sandbox) -> Attempt:
    attempt = attempts.start(Lab.objects.get(key=lab_key), sandbox, keep_copy=False)
    Attempt.objects.filter(pk=attempt.pk).update(passed_at=timezone.now())
    return attempt


def _anonymous_with_sandbox(client: Client) -> Sandbox:
    sandbox = create_sandbox(None)
    session = client.session
    session[SESSION_KEY] = str(sandbox.pk)
    session.save()
    return sandbox


@pytest.mark.django_db
def test_the_try_it_page_lists_the_seven_step_labs_with_the_learners_status(lessons_and_labs, alice, alice_client):
    sandbox = create_sandbox(alice)
    _pass("fix-the-trust-policy", sandbox)
    attempts.start(Lab.objects.get(key="a-longer-session"), sandbox, keep_copy=False)
    page = alice_client.get(reverse("lessons:try_it")).content.decode()
    for step, key in STEP_LABS.items():
        lab = Lab.objects.get(key=key)
        assert f'href="{lab.get_absolute_url()}"' in page and f"Step {step}:" in page
    assert page.count("Done</span>") == 1 and page.count("In progress</span>") == 1
    assert page.count("Not started</span>") == 5
    assert "/sandbox/try-it/" not in page and 'method="post"' not in page.split("</nav>", 2)[-1]


@pytest.mark.django_db
def test_the_try_it_page_for_a_newcomer_and_before_labs_are_loaded(client, db):
    page = client.get(reverse("lessons:try_it"))
    assert page.status_code == 200 and "No labs are loaded yet." in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("step", list(STEP_LABS))
def test_each_step_page_and_its_part_page_link_to_the_steps_lab(lessons_and_labs, client, step):
    from lessons.models import Lesson

    lab = Lab.objects.get(try_it=step)
    lesson = Lesson.objects.get(language="en", step=step)
    for url in (reverse("lessons:step", args=[step]), reverse("lessons:detail", args=[lesson.slug])):
        page = client.get(url).content.decode()
        assert "Try it in your sandbox:" in page, url
        assert f'<a href="{lab.get_absolute_url()}">{lab.title}</a>' in page, url
        assert "Not started</span>" in page


@pytest.mark.django_db
def test_a_part_page_that_is_not_a_step_has_no_lab_link(lessons_and_labs, client):
    page = client.get(reverse("lessons:detail", args=["under-the-hood"])).content.decode()
    assert "Try it in your sandbox:" not in page


@pytest.mark.django_db
def test_the_step_page_shows_a_passed_lab_as_done(lessons_and_labs, alice, alice_client):
    _pass("chain-deploy-to-analyst", create_sandbox(alice))
    page = alice_client.get(reverse("lessons:step", args=[7])).content.decode()
    assert "Done</span>" in page and "You passed this lab" in page
    assert "Done</span>" not in alice_client.get(reverse("lessons:step", args=[6])).content.decode()


@pytest.mark.django_db
def test_progress_shows_a_passed_try_it_as_done_for_a_signed_in_learner(lessons_and_labs, alice, alice_client):
    _pass("let-the-partner-in", create_sandbox(alice))
    page = alice_client.get(reverse("lessons:progress")).content.decode()
    section = page.split('id="try-it-progress-title"', 1)[1].split("</section>", 1)[0]
    assert "Step 5:" in section and "Let the partner in</a> —\n      <strong>done</strong>" in section
    assert section.count("<strong>done</strong>") == 1 and "1 of 7 step labs passed." in section


@pytest.mark.django_db
def test_progress_shows_a_passed_try_it_for_an_anonymous_learner_and_keeps_it_at_sign_up(
    lessons_and_labs, client, alice
):
    sandbox = _anonymous_with_sandbox(client)
    _pass("give-alice-read-access", sandbox)
    assert "1 of 7 step labs passed." in client.get(reverse("lessons:progress")).content.decode()
    # The sandbox becomes the account's when its owner signs up: the pass goes with it.
    Sandbox.objects.filter(pk=sandbox.pk).update(owner=alice)
    signed_in = Client()
    signed_in.force_login(alice)
    assert "1 of 7 step labs passed." in signed_in.get(reverse("lessons:progress")).content.decode()


@pytest.mark.django_db
def test_another_learners_pass_never_shows(lessons_and_labs, alice, bob, alice_client, bob_client, client):
    _pass("fix-the-trust-policy", create_sandbox(alice))
    _pass("make-the-role-useful", _anonymous_with_sandbox(Client()))
    for other in (bob_client, client):
        page = other.get(reverse("lessons:progress")).content.decode()
        assert "0 of 7 step labs passed." in page and "<strong>done</strong>" not in page
    assert "1 of 7 step labs passed." in alice_client.get(reverse("lessons:progress")).content.decode()


@pytest.mark.django_db
def test_a_started_but_not_passed_lab_is_not_done(lessons_and_labs, alice, alice_client):
    attempts.start(Lab.objects.get(key="fix-the-trust-policy"), create_sandbox(alice), keep_copy=False)
    page = alice_client.get(reverse("lessons:progress")).content.decode()
    assert "0 of 7 step labs passed." in page and "in progress" in page


@pytest.mark.django_db
def test_the_statuses_cost_one_query_however_many_attempts(lessons_and_labs, alice, rf):
    sandbox = create_sandbox(alice)
    for key in STEP_LABS.values():
        for _ in range(3):
            attempts.start(Lab.objects.get(key=key), sandbox, keep_copy=False)
    _pass("a-longer-session", sandbox)
    request = rf.get("/")
    request.user = alice
    request.session = {}
    with CaptureQueriesContext(connection) as queries:
        found = step_labs(request)
        step_labs(request)  # remembered on the request
    assert len(queries) == 1
    assert [entry.status for entry in found.values()] == ["started"] * 3 + ["passed"] + ["started"] * 3


@pytest.mark.django_db
def test_a_forged_session_sandbox_id_is_ignored(labs, rf):
    request = rf.get("/")
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    for value in ("not-a-uuid", "<script>", "1" * 5000, 12):
        request.session = {SESSION_KEY: value}
        assert learner_statuses(request, list(Lab.objects.values_list("pk", flat=True))) == {}


# ---- the old URLs keep working for bookmarks -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_old_load_url_leads_to_the_steps_lab_without_changing_the_sandbox(labs, alice, alice_client):
    sandbox = create_sandbox(alice)
    before = sorted(sandbox.accounts.values_list("account_id", flat=True))
    response = alice_client.post("/sandbox/try-it/3/")
    assert response.status_code == 303 and response.url == "/labs/fix-the-trust-policy/"
    get = alice_client.get("/sandbox/try-it/3/", follow=True)
    assert get.redirect_chain == [("/labs/fix-the-trust-policy/", 302)]
    assert "Step 3&#x27;s try-it world is a lab now." in get.content.decode()
    assert sorted(sandbox.accounts.values_list("account_id", flat=True)) == before
    assert not Attempt.objects.exists()


@pytest.mark.django_db
def test_the_old_load_url_for_no_such_step_is_404_and_a_missing_lab_goes_to_the_list(labs, client):
    assert client.post("/sandbox/try-it/99/").status_code == 404
    assert client.post("/sandbox/try-it/0/").status_code == 404
    Lab.objects.filter(try_it=2).update(try_it=None)
    response = client.post("/sandbox/try-it/2/")
    assert response.status_code == 303 and response.url == reverse("lessons:try_it")


@pytest.mark.django_db
def test_the_old_task_url_leads_to_the_lab_in_the_sandbox(labs, alice, alice_client, bob_client):
    sandbox = create_sandbox(alice)
    url = f"/sandbox/{sandbox.pk}/task/"
    assert alice_client.get(url).url == reverse("lessons:try_it")
    attempts.start(Lab.objects.get(key="a-longer-session"), sandbox, keep_copy=False)
    assert alice_client.get(url).url == "/labs/a-longer-session/"
    assert alice_client.post(url).status_code == 303
    assert bob_client.get(url).status_code == 404  # a stranger learns nothing about the sandbox


def test_no_template_links_to_the_old_try_it_pages():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "tryit_load" not in text and "sandbox:task" not in text, path


@pytest.mark.django_db
def test_the_sandbox_nav_has_no_task_entry_any_more(labs, alice, alice_client):
    sandbox = create_sandbox(alice)
    page = alice_client.get(reverse("sandbox:roles", args=[sandbox.pk])).content.decode()
    assert f"/sandbox/{sandbox.pk}/task/" not in page and "Your task" not in page


@pytest.mark.django_db
def test_store_keeps_try_it(labs, lab_sources):
    assert dict(Lab.objects.filter(try_it__isnull=False).values_list("try_it", "key")) == STEP_LABS
    counts = store(list(lab_sources.values()))
    assert counts["updated"] == 0 and counts["unchanged"] == len(lab_sources)
