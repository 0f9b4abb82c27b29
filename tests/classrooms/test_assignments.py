"""Assigning labs and working them in a classroom account: every URL × every actor; the dates (before it
opens nothing starts, a pass after the due date is late, after it closes nothing more is recorded); a lab in a
student's own account — renumbered, inside the classroom's organization so its guardrails apply, a snapshot
first, one transaction; forks of a lab's world checked by the engine with the line of each problem; and no
student ever reaching another's work or a worked answer before its rung."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from iamtutor.classrooms import assignments, grading, log, permissions
from iamtutor.classrooms.models import Assignment, AssignmentAttempt, Guardrail, Snapshot, StaffAction
from iamtutor.labs.models import Attempt, HintUse, Lab
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import SandboxWorld, sandbox_now
from tests.classrooms.cast import cast_fixture, client_for  # noqa: F401 (the "cast" fixture)
from tests.classrooms.lab_cast import (  # noqa: F401 (the fixtures)
    assignment_fixture,
    fix_lab_fixture,
    lab_files_fixture,
    solve,
    start,
    walk,
)

pytestmark = pytest.mark.django_db


def _url(name, classroom, *args):
    return reverse(f"classrooms:{name}", args=[classroom.pk, *args])


# ---- who may do what -------------------------------------------------------------------------------------------

PAGES = [
    ("assignments", (), "get", "view"),
    ("assignment_new", (), "get", "manage_assignments"),
    ("assignment_new", (), "post", "manage_assignments"),
    ("assignment_edit", ("a",), "get", "manage_assignments"),
    ("assignment_edit", ("a",), "post", "manage_assignments"),
    ("assignment_world", ("a",), "get", "manage_assignments"),
    ("assignment_world", ("a",), "post", "manage_assignments"),
    ("assignment_delete", ("a",), "get", "manage_assignments"),
    ("assignment_delete", ("a",), "post", "manage_assignments"),
    ("assignment", ("a",), "get", "use_account"),
    ("assignment_start", ("a",), "get", "use_account"),
    ("assignment_start", ("a",), "post", "use_account"),
    ("assignment_check", ("a",), "post", "use_account"),
    ("assignment_hint", ("a",), "post", "use_account"),
]


@pytest.mark.parametrize(("name", "args", "method", "action"), PAGES, ids=[f"{p[0]}-{p[2]}" for p in PAGES])
def test_each_page_answers_each_actor_as_the_permissions_say(cast, classroom, assignment, name, args, method, action):
    address = _url(name, classroom, *(assignment.pk for _ in args))
    assert walk(cast, classroom, method, address, action) == []


def test_the_staff_pages_refuse_teaching_assistants_with_the_reason(cast, classroom, assignment):
    response = client_for(cast["ta_of_section"]).get(_url("assignment_new", classroom))
    assert response.status_code == 403
    assert "Only the owner and co-instructors can assign labs" in response.content.decode()


def test_a_section_s_lab_is_not_found_by_the_other_section(cast, classroom, carol, fix_lab, alice_enrolled):
    monday = classroom.sections.get(name="Monday")
    only_monday = assignments.assign(
        classroom, carol, lab=fix_lab, section=monday, opens_at=None, due_at=None, closes_at=None
    )
    assert client_for(cast["student"]).get(_url("assignment", classroom, only_monday.pk)).status_code == 200
    for method in ("get", "post"):
        response = getattr(client_for(cast["other_student"]), method)(
            _url("assignment_start", classroom, only_monday.pk)
        )
        assert response.status_code == 404
    listing = client_for(cast["other_student"]).get(_url("assignments", classroom)).content.decode()
    assert "No lab is assigned to you yet." in listing


def test_a_closed_classroom_refuses_assigning(cast, classroom, assignment):
    classroom.state = classroom.CLOSED
    classroom.save()
    response = client_for(cast["owner"]).post(_url("assignment_new", classroom), {})
    assert response.status_code == 403 and "nothing in it changes" in response.content.decode()


# ---- assigning -------------------------------------------------------------------------------------------------


def test_an_instructor_assigns_a_lab_to_a_section_with_its_dates_and_it_is_logged(client, classroom, carol, fix_lab):
    client.force_login(carol)
    monday = classroom.sections.get(name="Monday")
    data = {
        "lab": fix_lab.pk,
        "section": monday.pk,
        "opens_at": "2030-03-01T09:00",
        "due_at": "2030-03-08T09:00",
        "closes_at": "2030-03-15T09:00",
    }
    response = client.post(_url("assignment_new", classroom), data)
    assert response.status_code == 302
    item = Assignment.objects.get(classroom=classroom)
    assert (item.lab, item.section, item.opens_at.day, item.due_at.day, item.closes_at.day) == (
        fix_lab,
        monday,
        1,
        8,
        15,
    )
    entry = StaffAction.objects.get(action="lab_assigned")
    assert entry.detail["lab"] == fix_lab.title and entry.detail["section"] == "Monday"
    page = client.get(_url("assignments", classroom)).content.decode()
    assert fix_lab.title in page and "not open yet" in page and "for the Monday section" in page


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"opens_at": "2030-03-08T09:00", "due_at": "2030-03-01T09:00"}, "The due date must come after the opening."),
        ({"due_at": "2030-03-08T09:00", "closes_at": "2030-03-01T09:00"}, "The closing cannot come before the due"),
        ({"opens_at": "soon"}, "Give a date and time such as 2026-03-01 09:00"),
    ],
)
def test_dates_out_of_order_are_refused_with_the_reason(client, classroom, carol, fix_lab, dates, message):
    client.force_login(carol)
    response = client.post(_url("assignment_new", classroom), {"lab": fix_lab.pk, **dates})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Assignment.objects.exists()


def test_a_retired_or_unknown_lab_cannot_be_assigned(client, classroom, carol, fix_lab):
    client.force_login(carol)
    fix_lab.retired = True
    fix_lab.save()
    for lab in (fix_lab.pk, 99999, "x"):
        response = client.post(_url("assignment_new", classroom), {"lab": lab})
        assert response.status_code == 400 and "Choose one of the labs in the list." in response.content.decode()


def test_changing_dates_is_logged_and_a_stale_form_is_refused(client, classroom, carol, assignment):
    client.force_login(carol)
    version = assignments.version_of(assignment)
    data = {"version": version, "section": "", "due_at": "2031-01-01T10:00", "closes_at": "2031-02-01T10:00"}
    assert client.post(_url("assignment_edit", classroom, assignment.pk), data).status_code == 302
    assignment.refresh_from_db()
    assert assignment.due_at.year == 2031 and assignment.opens_at is None
    assert StaffAction.objects.get(action="assignment_changed").detail["changed"] == "opens_at, due_at, closes_at"
    response = client.post(_url("assignment_edit", classroom, assignment.pk), {**data, "due_at": "2031-01-02T10:00"})
    assert response.status_code == 409 and "Someone changed this assignment" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.due_at.day == 1


def test_unassigning_needs_confirming_and_keeps_the_students_accounts(
    client, classroom, carol, assignment, alice_enrolled
):
    work = start(assignment, alice_enrolled)
    client.force_login(carol)
    address = _url("assignment_delete", classroom, assignment.pk)
    assert "1 student started it" in client.get(address).content.decode()
    assert client.post(address, {}).status_code == 400
    assert client.post(address, {"confirm": "on", "reason": "wrong week"}).status_code == 302
    assert not Assignment.objects.exists() and not AssignmentAttempt.objects.exists()
    assert Attempt.objects.filter(pk=work.attempt_id).exists()  # the lab attempt stays in the account's history
    entry = StaffAction.objects.get(action="lab_unassigned")
    assert entry.reason == "wrong week" and entry.detail["students_started"] == 1


def test_assigning_warns_when_the_classroom_s_guardrails_break_the_lab(client, classroom, carol, fix_lab):
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]}
    Guardrail.objects.create(classroom=classroom, name="NoAssume", document=deny, targets=[classroom.root_id])
    client.force_login(carol)
    response = client.post(_url("assignment_new", classroom), {"lab": fix_lab.pk}, follow=True)
    page = response.content.decode()
    assert "Assigned" in page
    assert "The lab&#x27;s correct solution “both users named” fails the task “alice-can-assume” here" in page


# ---- a lab in the student's account ------------------------------------------------------------------------------


def test_starting_puts_the_renumbered_lab_into_the_student_s_account_after_a_snapshot(
    client, classroom, alice_enrolled, assignment
):
    account = alice_enrolled.account_id
    client.force_login(alice_enrolled.user)
    address = _url("assignment_start", classroom, assignment.pk)
    assert "A snapshot of your account" in client.get(address).content.decode()
    assert client.post(address, {}).status_code == 400  # not confirmed: nothing happens
    assert not Snapshot.objects.exists()
    assert client.post(address, {"confirm": "on"}).status_code == 302
    snapshot = Snapshot.objects.get(enrollment=alice_enrolled)
    assert snapshot.taken_by == alice_enrolled.user and "Fix a broken trust policy" in snapshot.reason
    assert "ReportsReader" in {r["RoleName"] for r in snapshot.data["world"]["accounts"][account]["RoleDetailList"]}
    sandbox = Sandbox.objects.get(pk=alice_enrolled.sandbox_id)
    assert list(sandbox.accounts.values_list("account_id", flat=True)) == [account]
    world = SandboxWorld.load(sandbox).world
    assert world.find_role(f"arn:aws:iam::{account}:role/ReportReader") is not None
    assert world.find_role("arn:aws:iam::111111111111:role/ReportReader") is None
    work = AssignmentAttempt.objects.get()
    assert (work.enrollment, work.attempt.sandbox_id, work.tasks_total) == (alice_enrolled, sandbox.pk, 3)
    assert work.attempt.user == alice_enrolled.user


def test_the_lab_keeps_the_class_clock_and_the_organization(classroom, alice_enrolled, assignment):
    classroom.clock_offset = 3600
    classroom.save()
    work = start(assignment, alice_enrolled)
    sandbox = Sandbox.objects.get(pk=alice_enrolled.sandbox_id)
    assert sandbox.clock_offset == 3600
    assert abs((work.attempt.started - sandbox_now(sandbox)).total_seconds()) < 60
    world = SandboxWorld.load(sandbox).world
    assert world.organization is not None and world.organization.is_member(alice_enrolled.account_id)


def test_a_guardrail_applies_to_the_lab_in_the_student_s_account(
    client, classroom, alice_enrolled, assignment, lab_files
):
    # A denying SCP on the root stops even a correct solution (iam-reference: SCPs cap every member account).
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}]}
    Guardrail.objects.create(classroom=classroom, name="NoAssume", document=deny, targets=[classroom.root_id])
    work = start(assignment, alice_enrolled)
    solve(alice_enrolled, lab_files)
    work.enrollment, work.assignment = alice_enrolled, assignment
    results = {result.key: result for result in assignments.check(work)}
    assert not results["alice-can-assume"].passed
    assert "NoAssume" in " ".join(results["alice-can-assume"].explanations)
    Guardrail.objects.all().delete()
    assert all(result.passed for result in assignments.check(work))


def test_checking_records_the_run_and_the_tally_in_one_go(client, classroom, alice_enrolled, assignment, lab_files):
    start(assignment, alice_enrolled)
    client.force_login(alice_enrolled.user)
    address = _url("assignment_check", classroom, assignment.pk)
    response = client.post(address, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "2 of 3 tasks pass" in response.content.decode()
    work = AssignmentAttempt.objects.get()
    assert (work.checks_run, work.tasks_passed, work.tasks_total, work.passed_at) == (1, 2, 3, None)
    solve(alice_enrolled, lab_files, kind="wrong", index=2)  # trusting the whole account fails all three
    client.post(address)
    work.refresh_from_db()
    assert (work.checks_run, work.tasks_passed) == (2, 0)
    solve(alice_enrolled, lab_files)
    page = client.post(address, HTTP_HX_REQUEST="true").content.decode()
    assert "Every task passes" in page
    work.refresh_from_db()
    assert work.tasks_passed == 3 and work.passed_at is not None and work.attempt.passed_at == work.passed_at


def test_the_hint_ladder_keeps_its_order_and_the_worked_answer_is_renumbered(
    client, classroom, alice_enrolled, assignment
):
    start(assignment, alice_enrolled)
    client.force_login(alice_enrolled.user)
    address = _url("assignment_hint", classroom, assignment.pk)
    page = _url("assignment", classroom, assignment.pk)
    answer_words = "Set the trust policy to"
    assert answer_words not in client.get(page).content.decode()
    skipped = client.post(address, {"task": "alice-can-assume", "rung": 3}, HTTP_HX_REQUEST="true")
    assert skipped.status_code == 200 and "reveal hint 1 first" in skipped.content.decode()  # shown in place
    for rung in (1, 2):
        assert client.post(address, {"task": "alice-can-assume", "rung": rung}).status_code == 302
    assert answer_words not in client.get(page).content.decode()
    client.post(address, {"task": "alice-can-assume", "rung": 3})
    shown = client.get(page).content.decode()
    assert answer_words in shown
    assert f"arn:aws:iam::{alice_enrolled.account_id}:user/alice" in shown and "111111111111" not in shown
    assert AssignmentAttempt.objects.get().top_rung == 3
    assert list(HintUse.objects.order_by("rung").values_list("rung", flat=True)) == [1, 2, 3]
    bad = client.post(address, {"task": "no-such-task", "rung": 1}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 302  # refused, back to the page with the message; nothing recorded
    assert HintUse.objects.count() == 3


def test_starting_another_lab_moves_the_first_out_of_the_account(client, classroom, carol, alice_enrolled, assignment):
    second = assignments.assign(
        classroom, carol, lab=assignment.lab, section=None, opens_at=None, due_at=None, closes_at=None
    )
    first_work = start(assignment, alice_enrolled)
    start(second, alice_enrolled)
    first_work.assignment = assignment
    assert not assignments.in_account(first_work)
    client.force_login(alice_enrolled.user)
    page = client.get(_url("assignment", classroom, assignment.pk)).content.decode()
    assert "Your account no longer holds this lab&#x27;s world" in page
    response = client.post(_url("assignment_check", classroom, assignment.pk), HTTP_HX_REQUEST="true")
    assert "Start this lab again" in response.content.decode()
    assert AssignmentAttempt.objects.get(pk=first_work.pk).checks_run == 0


def test_a_setup_stopped_by_a_guardrail_changes_nothing(classroom, alice_enrolled, carol, fix_lab):
    detective = Lab.objects.get(key="detective-who-read-payroll")
    item = assignments.assign(classroom, carol, lab=detective, section=None, opens_at=None, due_at=None, closes_at=None)
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    Guardrail.objects.create(classroom=classroom, name="NothingAtAll", document=deny, targets=[classroom.root_id])
    before = list(Sandbox.objects.get(pk=alice_enrolled.sandbox_id).accounts.values_list("document", flat=True))
    with pytest.raises(assignments.AssignmentRefused, match="could not be set up in your account"):
        start(item, alice_enrolled)
    after = list(Sandbox.objects.get(pk=alice_enrolled.sandbox_id).accounts.values_list("document", flat=True))
    assert before == after and not Snapshot.objects.exists() and not AssignmentAttempt.objects.exists()


# ---- dates ---------------------------------------------------------------------------------------------------


def test_before_it_opens_a_lab_shows_its_title_only_and_cannot_start(client, classroom, alice_enrolled, assignment):
    assignment.opens_at = timezone.now() + timedelta(hours=2)
    assignment.save()
    client.force_login(alice_enrolled.user)
    page = client.get(_url("assignment", classroom, assignment.pk)).content.decode()
    assert "This lab opens at" in page and "alice gets AccessDenied" not in page and "Start this lab" not in page
    response = client.post(_url("assignment_start", classroom, assignment.pk), {"confirm": "on"})
    assert response.status_code == 409 and "This lab opens at" in response.content.decode()
    assert not AssignmentAttempt.objects.exists() and not Snapshot.objects.exists()


def test_a_pass_after_the_due_date_is_late(classroom, alice_enrolled, assignment, lab_files):
    work = start(assignment, alice_enrolled)
    assignment.due_at = timezone.now() - timedelta(minutes=5)
    assignment.save()
    solve(alice_enrolled, lab_files)
    work.enrollment, work.assignment = alice_enrolled, assignment
    assignments.check(work)
    row = grading.work_rows(AssignmentAttempt.objects.all())
    assert grading.result(assignment, True, row, None).status == grading.LATE
    assert assignments.phase(assignment) == assignments.OVERDUE


def test_after_it_closes_the_results_stay_and_nothing_new_is_recorded(
    client, classroom, alice_enrolled, assignment, lab_files
):
    start(assignment, alice_enrolled)
    client.force_login(alice_enrolled.user)
    client.post(_url("assignment_check", classroom, assignment.pk))
    assignment.closes_at = timezone.now() - timedelta(minutes=1)
    assignment.due_at = timezone.now() - timedelta(minutes=2)
    assignment.opens_at = timezone.now() - timedelta(hours=2)
    assignment.save()
    solve(alice_enrolled, lab_files)
    response = client.post(_url("assignment_check", classroom, assignment.pk), HTTP_HX_REQUEST="true")
    assert "This lab closed at" in response.content.decode()
    hint = client.post(_url("assignment_hint", classroom, assignment.pk), {"task": "alice-can-assume", "rung": 1})
    assert hint.status_code == 302 and not HintUse.objects.exists()
    work = AssignmentAttempt.objects.get()
    assert (work.checks_run, work.tasks_passed) == (1, 2)
    page = client.get(_url("assignment", classroom, assignment.pk)).content.decode()
    assert "2 of 3 tasks pass" in page and "This lab closed at" in page and "Check my work</button>" not in page
    assert client.post(_url("assignment_start", classroom, assignment.pk), {"confirm": "on"}).status_code == 409


def test_the_student_s_list_and_the_front_page_show_where_each_lab_stands(
    client, classroom, alice_enrolled, assignment, lab_files
):
    client.force_login(alice_enrolled.user)
    front = client.get(_url("detail", classroom)).content.decode()
    assert "Your labs" in front and "Fix a broken trust policy" in front and "You: not started" in front
    start(assignment, alice_enrolled)
    solve(alice_enrolled, lab_files)
    client.post(_url("assignment_check", classroom, assignment.pk))
    listing = client.get(_url("assignments", classroom)).content.decode()
    assert "Lab: open" in listing and "You: passed" in listing


# ---- isolation ------------------------------------------------------------------------------------------------


def test_a_student_never_sees_a_classmate_s_work(
    client, classroom, alice_enrolled, bob_enrolled, assignment, lab_files
):
    start(assignment, alice_enrolled)
    solve(alice_enrolled, lab_files)
    client.force_login(alice_enrolled.user)
    client.post(_url("assignment_check", classroom, assignment.pk))
    client.post(_url("assignment_hint", classroom, assignment.pk), {"task": "bob-still-can", "rung": 1})
    client.force_login(bob_enrolled.user)
    page = client.get(_url("assignment", classroom, assignment.pk)).content.decode()
    assert "Start this lab" in page and "Passed" not in page and "Adding alice must not push bob out" not in page
    assert client.post(_url("assignment_check", classroom, assignment.pk)).status_code == 302
    assert AssignmentAttempt.objects.get().checks_run == 1  # bob's "check" found no start of his, changed nothing
    for name in ("dashboard", "grades_csv"):
        assert client.get(_url(name, classroom)).status_code == 403


# ---- forks -----------------------------------------------------------------------------------------------------


def _fork_text(assignment, change=None) -> str:
    import json

    world = json.loads(assignments.world_text(assignment))
    if change:
        change(world)
    return json.dumps(world, indent=2)


def _post_world(client, classroom, assignment, text, action="save"):
    data = {"world": text, "version": assignments.version_of(assignment), "action": action}
    return client.post(_url("assignment_world", classroom, assignment.pk), data)


def test_a_fork_is_checked_and_saved_then_students_start_from_it(client, classroom, carol, assignment, alice_enrolled):
    def add_dave(world):
        world["accounts"]["111111111111"]["UserDetailList"].append(
            {"UserName": "dave", "Path": "/", "Arn": "arn:aws:iam::111111111111:user/dave", "UserPolicyList": []}
        )

    client.force_login(carol)
    response = _post_world(client, classroom, assignment, _fork_text(assignment, add_dave))
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert [u["UserName"] for u in assignment.world["accounts"]["111111111111"]["UserDetailList"]][-1] == "dave"
    assert StaffAction.objects.filter(action="assignment_changed", detail__changed="edited its starting world").exists()
    start(assignment, alice_enrolled)
    world = SandboxWorld.load(Sandbox.objects.get(pk=alice_enrolled.sandbox_id)).world
    assert world.find_user(f"arn:aws:iam::{alice_enrolled.account_id}:user/dave") is not None
    listing = client.get(_url("assignments", classroom)).content.decode()
    assert "edited world" in listing
    back = _post_world(client, classroom, assignment, "", action="reset")
    assert back.status_code == 302
    assignment.refresh_from_db()
    assert assignment.world is None


def _drop_role(world):
    world["accounts"]["111111111111"]["RoleDetailList"] = []


def _bad_policy(world):
    world["accounts"]["111111111111"]["RoleDetailList"][0]["AssumeRolePolicyDocument"]["Statement"][0]["Bogus"] = 1


def _partner_first(world):
    world["accounts"] = {"222222222222": {"UserDetailList": [], "RoleDetailList": []}, **world["accounts"]}


def _already_solved(world):
    statement = world["accounts"]["111111111111"]["RoleDetailList"][0]["AssumeRolePolicyDocument"]["Statement"][0]
    statement["Principal"]["AWS"] = ["arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:user/bob"]


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [
        (None, "not JSON text", 3),
        (_bad_policy, "MalformedPolicyDocument: Syntax errors in policy.", True),
        (_drop_role, "checks arn:aws:iam::111111111111:role/ReportReader, which this world does not have", False),
        (_partner_first, "The first account must be the learner&#x27;s, 111111111111", True),
        (_already_solved, "Every task already passes on this world", False),
    ],
)
def test_a_fork_with_a_problem_is_refused_with_its_line(client, classroom, carol, assignment, change, message, line):
    client.force_login(carol)
    text = _fork_text(assignment, change) if change else '{\n  "accounts": {\n    oops\n}'
    response = _post_world(client, classroom, assignment, text)
    page = response.content.decode()
    assert response.status_code == 400 and message in page, page[page.find("notice-error") :][:600]
    if line is True:
        assert "Line " in page
    elif line:
        assert f"Line {line}:" in page
    assignment.refresh_from_db()
    assert assignment.world is None


def test_a_fork_may_not_take_a_classmate_s_account_id(client, classroom, carol, assignment, bob_enrolled):
    def borrow(world):
        world["accounts"][bob_enrolled.account_id] = {"UserDetailList": [], "RoleDetailList": []}

    client.force_login(carol)
    response = _post_world(client, classroom, assignment, _fork_text(assignment, borrow))
    assert response.status_code == 400
    assert f"Account {bob_enrolled.account_id} belongs to a classroom on this site" in response.content.decode()


def test_a_fork_that_breaks_a_correct_solution_is_saved_with_a_warning(client, classroom, carol, assignment):
    def deny_bob(world):
        bob = world["accounts"]["111111111111"]["UserDetailList"][1]
        statement = {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}
        bob["UserPolicyList"] = [
            {"PolicyName": "NoRoles", "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
        ]

    client.force_login(carol)
    response = _post_world(client, classroom, assignment, _fork_text(assignment, deny_bob))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "correct solution “both users named” fails the task “bob-still-can” here" in page
    assignment.refresh_from_db()
    assert assignment.world is not None


def test_hostile_world_text_is_refused_with_words_not_a_traceback(client, classroom, carol, assignment):
    client.force_login(carol)
    for text in ("[]", "null", '{"accounts": {}}', "\x00", '{"a": ' * 100 + "1" + "}" * 100, "9" * 30, "x" * 200_001):
        response = _post_world(client, classroom, assignment, text)
        assert response.status_code == 400, text[:20]
        assert 'class="notice notice-error"' in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.world is None


def test_a_stale_world_form_is_refused(client, classroom, carol, assignment):
    client.force_login(carol)
    text = _fork_text(assignment)
    data = {"world": text, "version": "2000-01-01T00:00:00+00:00", "action": "save"}
    response = client.post(_url("assignment_world", classroom, assignment.pk), data)
    assert response.status_code == 409 and "Someone changed this assignment" in response.content.decode()


# ---- renumbering ---------------------------------------------------------------------------------------------


def test_renumbering_changes_whole_account_ids_only():
    data = {"111111111111": {"Arn": "arn:aws:iam::111111111111:user/alice", "key": "AKIA1111111111111111"}}
    data["note"] = "1111111111112 and 111111111111 and x111111111111"
    assert assignments.renumbered(data, "123412341234") == {
        "123412341234": {"Arn": "arn:aws:iam::123412341234:user/alice", "key": "AKIA1111111111111111"},
        "note": "1111111111112 and 123412341234 and x111111111111",
    }


def test_the_permission_table_knows_the_new_actions():
    assert permissions.ACTIONS["manage_assignments"] == permissions.INSTRUCTORS
    assert permissions.ACTIONS["view_dashboard"] == permissions.ALL_STAFF
    assert {"lab_assigned", "assignment_changed", "lab_unassigned", "result_overridden"} <= log.ACTIONS.keys()
