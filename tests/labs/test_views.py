"""The labs' pages with the test client: the list, a lab, starting it (signed in or not), checking the work, the
hint ladder, putting the learner's world back — and every URL for each actor (alice with her attempt, bob a
classmate, an anonymous visitor), so that nobody sees another learner's attempt or a hint they did not ask for."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from iamtutor.engine import AssumeRoleRequest, assume_role, revoke_sessions
from iamtutor.labs.models import Attempt, HintUse, Lab, Task
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import changing, create_sandbox

pytestmark = pytest.mark.django_db

TRUST_LAB = "fix-the-trust-policy"
HX = {"HX-Request": "true"}
ALICE_ARN = "arn:aws:iam::111111111111:user/alice"
READER = "arn:aws:iam::111111111111:role/ReportReader"


def url(name: str, *args) -> str:
    return reverse(f"labs:{name}", args=args)


def start(client: Client, key: str = TRUST_LAB, **extra) -> Attempt:
    response = client.post(url("start", key), {"confirm": "on", **extra})
    assert response.status_code == 302 and response.url == url("detail", key)
    return Attempt.objects.order_by("-pk").first()


def fix_trust(sandbox: Sandbox) -> None:
    """What the learner does on the role's trust page: name alice and bob."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [ALICE_ARN, "arn:aws:iam::111111111111:user/bob"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    with changing(sandbox) as loaded:
        loaded.world.update_assume_role_policy(READER, document)


# ---- the list and a lab -------------------------------------------------------------------------------------------


def test_the_list_groups_labs_by_step_and_filters_by_mode(client, labs):
    page = client.get(url("index")).content.decode()
    for heading in ("Step 1", "Step 7", "Expert zone"):
        assert f">{heading}</h2>" in page
    assert "Break-in: the role that trusts everyone" in page and "Fix a broken trust policy" in page
    detective = client.get(url("index"), {"mode": "detective"}).content.decode()
    assert "Detective: who read the salaries?" in detective and "Fix a broken trust policy" not in detective
    assert client.get(url("index"), {"mode": "nonsense"}).status_code == 200


def test_a_lab_page_shows_the_brief_and_tasks_but_no_hint_until_started(client, labs):
    page = client.get(url("detail", TRUST_LAB)).content.decode()
    assert "alice gets AccessDenied" in page and "carol, who may call sts:AssumeRole" in page
    assert "Start this lab" in page and "Check my work</button>" not in page
    for task in Task.objects.filter(lab__key=TRUST_LAB):
        for hint in task.hints:
            assert hint not in page


def test_unknown_and_retired_labs_are_404(client, labs):
    assert client.get(url("detail", "no-such-lab")).status_code == 404
    Lab.objects.filter(key=TRUST_LAB).update(retired=True)
    assert client.get(url("detail", TRUST_LAB)).status_code == 404
    assert TRUST_LAB not in client.get(url("index")).content.decode()


@pytest.mark.parametrize("name", ["index", "detail", "start"])
def test_pages_have_one_h1_and_headings_in_order(client, labs, name):
    page = client.get(url(name) if name == "index" else url(name, "detective-who-read-payroll")).content.decode()
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", page)]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in pairwise(levels)), levels


# ---- starting a lab -----------------------------------------------------------------------------------------------


def test_an_anonymous_learner_starts_a_lab_in_a_new_sandbox(client, labs):
    page = client.get(url("start", TRUST_LAB)).content.decode()
    assert "You have no sandbox yet" in page
    attempt = start(client)
    sandbox = attempt.sandbox
    assert sandbox.owner is None and attempt.user is None
    assert client.session["sandbox_id"] == str(sandbox.pk)
    roles = {r["RoleName"] for r in sandbox.accounts.get(account_id="111111111111").roles()}
    assert roles == {"ReportReader"}
    page = client.get(url("detail", TRUST_LAB)).content.decode()
    assert "Check my work</button>" in page and reverse("sandbox:assume", args=[sandbox.pk]) in page


def test_starting_needs_the_confirmation_and_offers_the_download_first(alice_client, alice, labs):
    sandbox = create_sandbox(alice)
    page = alice_client.get(url("start", TRUST_LAB)).content.decode()
    assert reverse("sandbox:export", args=[sandbox.pk]) in page and "Keep a copy" in page
    response = alice_client.post(url("start", TRUST_LAB), {})
    assert response.status_code == 200 and "Tick the box to confirm" in response.content.decode()
    assert not Attempt.objects.exists()
    assert "ReportsReader" in {r["RoleName"] for r in sandbox.accounts.get(account_id="111111111111").roles()}


def test_a_kept_copy_puts_the_learners_world_back(alice_client, alice, labs):
    sandbox = create_sandbox(alice)
    attempt = start(alice_client, keep_copy="on")
    assert attempt.user == alice and attempt.sandbox == sandbox and attempt.saved_world
    assert "Put my own world back" in alice_client.get(url("detail", TRUST_LAB)).content.decode()
    response = alice_client.post(url("restore", TRUST_LAB))
    assert response.status_code == 302
    roles = {r["RoleName"] for r in sandbox.accounts.get(account_id="111111111111").roles()}
    assert "ReportsReader" in roles and "ReportReader" not in roles
    attempt.refresh_from_db()
    assert attempt.saved_world is None
    assert "There is no saved world" in _follow_messages(alice_client, url("restore", TRUST_LAB))


def _follow_messages(client: Client, post_url: str) -> str:
    return client.post(post_url, follow=True).content.decode()


def test_a_setup_prepares_sessions_and_the_audit_trail(alice_client, labs):
    attempt = start(alice_client, "detective-who-read-payroll")
    sandbox = attempt.sandbox
    assert sandbox.sts_sessions.filter(arn__endswith="assumed-role/DataExport/nightly-sync").exists()
    assert sandbox.events.filter(event_name="GetObject", error_code="").count() == 4
    assert all(event.event_time <= attempt.started for event in sandbox.events.all())


def test_a_read_only_sandbox_is_not_replaced(alice_client, alice, labs):
    sandbox = create_sandbox(alice)
    Sandbox.objects.filter(pk=sandbox.pk).update(read_only_reason="This classroom is closed.")
    page = alice_client.post(url("start", TRUST_LAB), {"confirm": "on"}, follow=True).content.decode()
    assert "This classroom is closed." in page and not Attempt.objects.exists()


# ---- checking the work --------------------------------------------------------------------------------------------


def test_check_my_work_reports_each_task_in_plain_words(alice_client, labs):
    attempt = start(alice_client)
    response = alice_client.post(url("check", TRUST_LAB), headers=HX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "2 of 3 tasks pass." in page
    assert "alice cannot assume ReportReader: the trust policy of ReportReader does not allow alice" in page
    assert 'hx-swap-oob="true"' in page  # each task's status on the page is updated too
    fix_trust(attempt.sandbox)
    page = alice_client.post(url("check", TRUST_LAB), headers=HX).content.decode()
    assert "Every task passes." in page
    attempt.refresh_from_db()
    assert attempt.passed and attempt.checks_run == 2 and attempt.last_result["alice-can-assume"]["passed"]


def test_without_htmx_the_check_redirects_to_the_page_which_shows_the_results(alice_client, labs):
    start(alice_client)
    response = alice_client.post(url("check", TRUST_LAB))
    assert response.status_code == 302 and response.url.endswith("#results")
    page = alice_client.get(response.url).content.decode()
    assert "2 of 3 tasks pass." in page and "Not yet" in page and 'hx-swap-oob="true"' not in page


def test_checking_reads_the_sandbox_and_changes_nothing(alice_client, labs):
    attempt = start(alice_client)
    before = (attempt.sandbox.events.count(), attempt.sandbox.sts_sessions.count())
    revision = Sandbox.objects.get(pk=attempt.sandbox.pk).revision
    alice_client.post(url("check", TRUST_LAB), headers=HX)
    sandbox = Sandbox.objects.get(pk=attempt.sandbox.pk)
    assert (sandbox.events.count(), sandbox.sts_sessions.count()) == before and sandbox.revision == revision


def test_check_before_starting_says_to_start(alice_client, labs):
    page = alice_client.post(url("check", TRUST_LAB), follow=True).content.decode()
    assert "Start the lab first" in page


def test_a_lab_whose_world_was_replaced_by_another_lab_asks_to_start_again(alice_client, labs):
    start(alice_client)
    start(alice_client, "a-longer-session")
    page = alice_client.get(url("detail", TRUST_LAB)).content.decode()
    assert "Your sandbox now holds another lab" in page and "Check my work</button>" not in page
    assert "Start the lab first" in alice_client.post(url("check", TRUST_LAB), follow=True).content.decode()
    assert "Check my work</button>" in alice_client.get(url("detail", "a-longer-session")).content.decode()


def test_detective_answers_are_saved_and_judged_against_the_trail(alice_client, labs):
    key = "detective-who-read-payroll"
    attempt = start(alice_client, key)
    answers = {"answer-who": "alice", "answer-which-roles": "PartnerAudit, DataExport", "answer-which-session": ""}
    alice_client.post(url("check", key), answers, headers=HX)
    attempt.refresh_from_db()
    assert attempt.answers["who"] == "alice"
    results = attempt.last_result
    assert not results["who"]["passed"] and results["which-roles"]["passed"] and not results["which-session"]["passed"]
    assert "carol" not in str(results["who"])  # a wrong answer is never corrected
    # What the learner does afterwards (here: alice reads the salaries herself) does not change the answers.
    with changing(attempt.sandbox) as loaded:
        request = AssumeRoleRequest("arn:aws:iam::111111111111:role/DataExport", "me")
        result = assume_role(loaded.world, ALICE_ARN, request)
        loaded.world.request(result["session_id"], "s3:GetObject", "arn:aws:s3:::payroll/salaries.csv")
    alice_client.post(url("check", key), {"answer-who": "carol"}, headers=HX)
    attempt.refresh_from_db()
    assert attempt.last_result["who"]["passed"] and attempt.answers["which-roles"] == "PartnerAudit, DataExport"


def test_a_revoked_session_passes_in_the_sandbox(alice_client, labs):
    key = "revoke-a-leaked-session"
    attempt = start(alice_client, key)
    with changing(attempt.sandbox) as loaded:
        revoke_sessions(loaded.world, "arn:aws:iam::111111111111:role/ReportWriter")
    alice_client.post(url("check", key), headers=HX)
    attempt.refresh_from_db()
    assert attempt.passed, attempt.last_result


# ---- the hint ladder ----------------------------------------------------------------------------------------------


def test_hints_come_one_rung_at_a_time_and_the_answer_only_at_the_top(alice_client, labs):
    attempt = start(alice_client)
    task = Task.objects.get(lab__key=TRUST_LAB, key="alice-can-assume")
    nudge, pointer, answer = (escape(hint) for hint in task.hints)
    hint_url = url("hint", TRUST_LAB, task.key)
    skipped = alice_client.post(hint_url, {"rung": "3"}, headers=HX)
    assert skipped.status_code == 409 and "reveal hint 1 first" in skipped.content.decode()
    assert answer not in skipped.content.decode() and not HintUse.objects.exists()
    first = alice_client.post(hint_url, {"rung": "1"}, headers=HX).content.decode()
    assert nudge in first and pointer not in first and "Show hint 2 of 3: the pointer" in first
    page = alice_client.get(url("detail", TRUST_LAB)).content.decode()
    assert nudge in page and pointer not in page and answer not in page
    assert alice_client.post(hint_url, {"rung": "3"}, headers=HX).status_code == 409
    alice_client.post(hint_url, {"rung": "2"}, headers=HX)
    alice_client.post(hint_url, {"rung": "2"}, headers=HX)  # a double click records nothing twice
    assert answer not in alice_client.get(url("detail", TRUST_LAB)).content.decode()
    last = alice_client.post(hint_url, {"rung": "3"}, headers=HX).content.decode()
    assert answer in last and "That was the last hint." in last
    assert list(HintUse.objects.filter(attempt=attempt).values_list("rung", flat=True)) == [1, 2, 3]
    assert all(use.at is not None for use in HintUse.objects.all())


def test_hints_without_htmx_redirect_to_the_task_and_bad_requests_are_refused(alice_client, labs):
    start(alice_client)
    hint_url = url("hint", TRUST_LAB, "bob-still-can")
    response = alice_client.post(hint_url, {"rung": "1"})
    assert response.status_code == 302 and response.url.endswith("#task-bob-still-can")
    assert alice_client.post(hint_url, {"rung": "7"}, headers=HX).status_code == 400
    assert alice_client.post(url("hint", TRUST_LAB, "no-such-task"), {"rung": "1"}).status_code == 404
    page = alice_client.post(hint_url, {"rung": "3"}, follow=True).content.decode()
    assert "Hints come one at a time" in page


def test_a_hint_before_starting_is_refused(client, labs):
    assert client.post(url("hint", TRUST_LAB, "bob-still-can"), {"rung": "1"}, headers=HX).status_code == 409
    assert not HintUse.objects.exists()


# ---- nobody sees another learner's attempt ------------------------------------------------------------------------


def test_another_learner_sees_neither_the_attempt_nor_its_hints(alice_client, bob_client, labs):
    attempt = start(alice_client)
    task = Task.objects.get(lab__key=TRUST_LAB, key="alice-can-assume")
    alice_client.post(url("hint", TRUST_LAB, task.key), {"rung": "1"})
    alice_client.post(url("check", TRUST_LAB))
    for client in (bob_client, Client()):
        page = client.get(url("detail", TRUST_LAB)).content.decode()
        assert escape(task.hints[0]) not in page and "Start this lab" in page and "tasks pass" not in page
        index = client.get(url("index")).content.decode()
        assert "in progress" not in index
        assert client.post(url("hint", TRUST_LAB, task.key), {"rung": "2"}, headers=HX).status_code == 409
        assert client.post(url("check", TRUST_LAB), headers=HX).status_code == 302
        client.post(url("restore", TRUST_LAB))
    attempt.refresh_from_db()
    assert attempt.checks_run == 1 and attempt.hint_uses.count() == 1 and attempt.saved_world is None
    assert "in progress" in alice_client.get(url("index")).content.decode()


def test_bobs_own_attempt_is_his_and_separate(alice_client, bob_client, labs):
    alice_attempt = start(alice_client)
    bob_attempt = start(bob_client)
    assert bob_attempt.sandbox != alice_attempt.sandbox
    bob_client.post(url("hint", TRUST_LAB, "alice-can-assume"), {"rung": "1"})
    assert alice_attempt.hint_uses.count() == 0 and bob_attempt.hint_uses.count() == 1


# ---- methods ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "allowed"),
    [
        ("index", (), {"GET"}),
        ("detail", (TRUST_LAB,), {"GET"}),
        ("start", (TRUST_LAB,), {"GET", "POST"}),
        ("check", (TRUST_LAB,), {"POST"}),
        ("hint", (TRUST_LAB, "bob-still-can"), {"POST"}),
        ("restore", (TRUST_LAB,), {"POST"}),
    ],
)
def test_each_url_declares_its_methods(client, labs, name, args, allowed):
    for method in ("get", "post", "put", "delete"):
        status = getattr(client, method)(url(name, *args)).status_code
        assert (status != 405) is (method.upper() in allowed), (method, status)


@pytest.mark.parametrize("actor", ["owner", "classmate", "anonymous"])
def test_every_url_for_each_actor(alice_client, bob_client, labs, actor):
    attempt = start(alice_client, keep_copy="on")
    client = {"owner": alice_client, "classmate": bob_client, "anonymous": Client()}[actor]
    owner = actor == "owner"
    assert client.get(url("index")).status_code == 200
    assert client.get(url("detail", TRUST_LAB)).status_code == 200
    assert client.get(url("start", TRUST_LAB)).status_code == 200
    hint = client.post(url("hint", TRUST_LAB, "bob-still-can"), {"rung": "1"}, headers=HX)
    assert hint.status_code == (200 if owner else 409)
    check = client.post(url("check", TRUST_LAB), headers=HX)
    assert check.status_code == (200 if owner else 302)
    client.post(url("restore", TRUST_LAB))
    attempt.refresh_from_db()
    assert (attempt.hint_uses.count(), attempt.checks_run, attempt.saved_world is None) == (
        (1, 1, True) if owner else (0, 0, False)
    )


def test_hostile_answers_are_refused_or_trimmed_without_an_error(alice_client, labs):
    key = "detective-who-read-payroll"
    attempt = start(alice_client, key)
    assert alice_client.post(url("check", key), {"answer-who": "car\x00ol"}, headers=HX).status_code == 200
    attempt.refresh_from_db()
    assert attempt.answers == {} and attempt.checks_run == 1  # the form refused it; the check still ran
    alice_client.post(url("check", key), {"answer-who": "x" * 10_000, "answer-nope": "y"}, headers=HX)
    attempt.refresh_from_db()
    assert attempt.answers == {} and attempt.checks_run == 2
    alice_client.post(url("check", key), {"answer-who": "<script>alert(1)</script>"}, headers=HX)
    page = alice_client.get(url("detail", key)).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
