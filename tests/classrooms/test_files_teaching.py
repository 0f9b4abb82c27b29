"""Classroom files carry the teaching too: assignments (lab, section, dates, forked world), each student's
starts of them as far as grades and the dashboard read them (tally, last check run, answers, hints, which lab is
in the account, a paired lab's partner), result overrides with their reasons, and class votes with first and
second answers. Export → import → export gives the same file (with --renumber, the same modulo ids); import
refuses a file whose teaching part is wrong, naming the place, and leaves nothing half-imported."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from iamtutor.classrooms import assignments, grading
from iamtutor.classrooms.files import (
    ClassroomFileError,
    dumps,
    export_classroom,
    import_classroom,
    read_classroom_file,
)
from iamtutor.classrooms.management.commands.purge_classrooms import delete_classroom
from iamtutor.classrooms.models import (
    Assignment,
    AssignmentAttempt,
    Classroom,
    Enrollment,
    ResultOverride,
    Section,
    Vote,
    VoteAnswer,
)
from iamtutor.labs.models import Attempt, HintUse, Lab
from iamtutor.sandbox.models import Sandbox
from tests.classrooms.lab_cast import (  # noqa: F401 (the fixtures)
    fix_lab_fixture,
    lab_files_fixture,
    solve,
    start,
)
from tests.classrooms.test_files import _without_time, full_classroom  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(name="taught")
def taught_fixture(full_classroom, carol, fix_lab, lab_files, alice_enrolled, bob_enrolled):  # noqa: F811
    """full_classroom plus: fix-the-trust-policy for the class (alice started twice, checked, solved, revealed
    two hints; bob started once; an override for bob, then a withdrawn one), a fork of the detective lab for
    Monday with dates, a closed vote with both rounds and a hidden reason, and a live one."""
    now = timezone.now().replace(microsecond=0)
    monday = full_classroom.sections.get(name="Monday")
    whole = assignments.assign(
        full_classroom, carol, lab=fix_lab, section=None, opens_at=now - timedelta(days=1), due_at=None, closes_at=None
    )
    detective = Lab.objects.get(key="detective-who-read-payroll")
    forked_world = copy.deepcopy(detective.world)
    forked_world["accounts"]["111111111111"]["alias"] = "forked"
    fork = assignments.assign(
        full_classroom,
        carol,
        lab=detective,
        section=monday,
        opens_at=now - timedelta(hours=2),
        due_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=2),
    )
    Assignment.objects.filter(pk=fork.pk).update(world=forked_world)
    start(whole, alice_enrolled)
    work = start(whole, alice_enrolled)
    work.assignment, work.enrollment = whole, alice_enrolled
    task = fix_lab.tasks.first()
    assignments.reveal_hint(work, task, 1)
    assignments.reveal_hint(work, task, 2)
    solve(alice_enrolled, lab_files)
    assignments.check(work)
    start(whole, bob_enrolled)
    grading.override(whole, bob_enrolled, carol, 80, "Worked it out on paper")
    grading.override(whole, bob_enrolled, carol, None, "Changed my mind")
    closed = Vote.objects.create(
        classroom=full_classroom,
        section=monday,
        section_name="Monday",
        kind="prediction",
        item_key="some-prediction",
        phase=Vote.CLOSED,
        opened_by=carol,
        revealed_at=now - timedelta(minutes=5),
        closed_at=now - timedelta(minutes=1),
    )
    VoteAnswer.objects.create(
        vote=closed, enrollment=alice_enrolled, round=1, choice="a", confidence="sure", rationale="<b>sure</b>"
    )
    VoteAnswer.objects.create(vote=closed, enrollment=alice_enrolled, round=2, choice="b", confidence="guessing")
    VoteAnswer.objects.create(
        vote=closed, enrollment=bob_enrolled, round=1, choice="b", confidence="think_so", rationale="x", hidden=True
    )
    Vote.objects.create(classroom=full_classroom, kind="myth", item_key="a-myth", phase=Vote.OPEN, opened_by=carol)
    full_classroom.refresh_from_db()
    return full_classroom


def _counts():
    return [
        m.objects.count() for m in (Assignment, AssignmentAttempt, Attempt, HintUse, ResultOverride, Vote, VoteAnswer)
    ]


def test_the_file_carries_assignments_starts_overrides_and_votes(taught, alice_enrolled, bob_enrolled):
    room = export_classroom(taught)["classroom"]
    whole, fork = room["assignments"]
    assert whole["lab"] == "fix-the-trust-policy" and whole["section"] is None and whole["world"] is None
    assert fork["section"] == taught.sections.get(name="Monday").ou_id
    assert fork["world"]["accounts"]["111111111111"]["alias"] == "forked"
    assert fork["due_at"] and fork["closes_at"] > fork["due_at"]
    first, second, bobs = whole["starts"]
    assert [s["student"] for s in (first, second, bobs)] == [alice_enrolled.account_id] * 2 + [bob_enrolled.account_id]
    assert (first["in_account"], second["in_account"], bobs["in_account"]) == (False, True, True)
    assert second["passed_at"] and second["tasks_passed"] == second["tasks_total"] and second["top_rung"] == 2
    assert [h["rung"] for h in second["hints"]] == [1, 2] and second["result"]
    assert [(o["score"], o["reason"], o["by"]) for o in whole["overrides"]] == [
        (80, "Worked it out on paper", "carol"),
        (None, "Changed my mind", "carol"),
    ]
    closed, live = room["votes"]
    assert closed["phase"] == "closed" and live["phase"] == "open" and live["section"] is None
    assert [(a["round"], a["choice"], a["hidden"]) for a in closed["answers"]] == [
        (1, "a", False),
        (2, "b", False),
        (1, "b", True),
    ]


def test_export_import_export_gives_the_same_file(taught):
    raw = dumps(export_classroom(taught))
    grades = _grades(taught)
    delete_classroom(taught)
    assert _counts()[:2] == [0, 0]
    restored = import_classroom(read_classroom_file(raw))
    assert _without_time(export_classroom(restored)) == _without_time(json.loads(raw))
    assert _grades(restored) == grades


def _grades(classroom) -> str:
    from iamtutor.classrooms.permissions import actor_for

    owner = classroom.staff.get(role="owner").user
    actor = actor_for(owner, classroom)
    listed = list(assignments.visible(actor))
    return grading.csv_text(actor, listed, named=True)


def test_the_dashboard_after_an_import_knows_which_lab_is_in_each_account(taught):
    raw = dumps(export_classroom(taught))
    delete_classroom(taught)
    restored = import_classroom(read_classroom_file(raw))
    alice = restored.enrollments.get(user__username="alice")
    starts = list(AssignmentAttempt.objects.filter(enrollment=alice).order_by("pk"))
    assert [assignments.in_account(s) for s in starts] == [False, True]
    assert starts[1].account_row.sandbox_id == alice.sandbox_id and starts[1].account_row.is_learners


def test_renumbering_round_trips_modulo_ids(taught):
    original = export_classroom(taught)
    copy_ = import_classroom(read_classroom_file(dumps(original)), renumber=True)
    again = export_classroom(copy_)
    mapping = {copy_.org_id: taught.org_id, copy_.root_id: taught.root_id}
    mapping[copy_.management_account_id] = taught.management_account_id
    for section in copy_.sections.all():
        mapping[section.ou_id] = taught.sections.get(name=section.name).ou_id
    for enrollment in copy_.enrollments.select_related("user"):
        mapping[enrollment.account_id] = taught.enrollments.get(user=enrollment.user).account_id
    text = dumps(again).decode()
    for new, old in mapping.items():
        assert new != old
        text = text.replace(new, old)
    assert _without_time(json.loads(text)) == _without_time(original)


# ---- refused files ----------------------------------------------------------------------------------------------


@pytest.fixture(name="file_data")
def file_data_fixture(taught):
    data = json.loads(dumps(export_classroom(taught)))
    delete_classroom(taught)
    return data


def _refusal(data) -> list[str]:
    before = _counts()
    classrooms = Classroom.objects.count()
    with pytest.raises(ClassroomFileError) as refused:
        import_classroom(read_classroom_file(dumps(data)))
    assert _counts() == before and Classroom.objects.count() == classrooms
    assert not Sandbox.objects.filter(kind=Sandbox.CLASSROOM).exists()
    return [str(problem) for problem in refused.value.problems]


def test_an_unknown_lab_is_named_with_its_place(file_data):
    file_data["classroom"]["assignments"][1]["lab"] = "no-such-lab"
    assert _refusal(file_data) == [
        "classroom.assignments[1].lab: There is no lab 'no-such-lab' on this site: load it (load_labs) first."
    ]


def test_a_section_not_in_the_file_is_named(file_data):
    file_data["classroom"]["assignments"][1]["section"] = "ou-zzzz-zzzzzzzz"
    file_data["classroom"]["votes"][0]["section"] = "ou-zzzz-yyyyyyyy"
    assert _refusal(file_data) == [
        "classroom.assignments[1].section: ou-zzzz-zzzzzzzz is not one of the classroom's sections.",
        "classroom.votes[0].section: ou-zzzz-yyyyyyyy is not one of the classroom's sections.",
    ]


@pytest.mark.parametrize(
    ("dates", "problem"),
    [
        (("2026-05-02T00:00:00Z", "2026-05-01T00:00:00Z", None), "due_at: The due date must come after the opening."),
        ((None, "2026-05-03T00:00:00Z", "2026-05-02T00:00:00Z"), "closes_at: The closing cannot come before the due"),
        (("2026-05-02T00:00:00Z", None, "2026-05-01T00:00:00Z"), "closes_at: The closing must come after the opening"),
    ],
)
def test_dates_out_of_order_are_named(file_data, dates, problem):
    entry = file_data["classroom"]["assignments"][0]
    entry["opens_at"], entry["due_at"], entry["closes_at"] = dates
    (found,) = _refusal(file_data)
    assert found.startswith("classroom.assignments[0]." + problem)


def test_bad_starts_overrides_and_votes_are_each_named(file_data, alice_enrolled):
    room = file_data["classroom"]
    whole = room["assignments"][0]
    whole["starts"][0]["in_account"] = True  # alice's second start is in her account already
    whole["starts"][2]["student"] = "999999999999"
    whole["starts"][1]["tasks_passed"] = 99
    whole["starts"][1]["hints"][0]["rung"] = 4
    whole["overrides"][0]["score"] = 101
    whole["overrides"][1]["reason"] = ""
    room["votes"][1]["phase"] = "revealed"
    room["votes"][0]["phase"] = "open"
    room["votes"][0]["answers"][1]["round"] = 1
    room["votes"][0]["answers"][2]["confidence"] = "<script>"
    problems = _refusal(file_data)
    paths = [p.split(": ", 1)[0] for p in problems]
    assert paths == [
        "classroom.assignments[0].starts[1].tasks_passed",
        "classroom.assignments[0].starts[1].in_account",
        "classroom.assignments[0].starts[1].hints[0].rung",
        "classroom.assignments[0].starts[2].student",
        "classroom.assignments[0].overrides[0].score",
        "classroom.assignments[0].overrides[1].reason",
        "classroom.votes[0].answers[1]",
        "classroom.votes[0].answers[2].confidence",
        "classroom.votes[1].phase",
    ]
    assert any("Only one lab's world can be in an account; classroom.assignments[0].starts[0]" in p for p in problems)
    assert any("Only one vote can be open or revealed at a time; classroom.votes[0] already is." in p for p in problems)
    assert any("answers round 1 twice" in p for p in problems)


def test_a_forked_world_is_checked_by_the_engine_and_against_its_lab(file_data):
    fork = file_data["classroom"]["assignments"][1]
    fork["world"]["accounts"]["111111111111"]["RoleDetailList"] = [{"RoleName": "<script>"}]
    (problem,) = _refusal(file_data)
    assert problem.startswith("classroom.assignments[1].world.accounts.111111111111.RoleDetailList[0]")
    fork["world"] = {"accounts": {"333333333333": {}}}
    (problem,) = _refusal(file_data)
    assert problem == "classroom.assignments[1].world.accounts: The first account must be the learner's, 111111111111."


def test_a_hint_on_a_task_the_lab_does_not_have_is_named(file_data):
    file_data["classroom"]["assignments"][0]["starts"][1]["hints"][0]["task"] = "not-a-task"
    (problem,) = _refusal(file_data)
    assert problem.startswith("classroom.assignments[0].starts[1].hints[0].task: The lab fix-the-trust-policy has no")


def test_a_failure_while_importing_votes_leaves_nothing_behind(file_data, monkeypatch):
    before = _counts()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(VoteAnswer.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        import_classroom(read_classroom_file(dumps(file_data)))
    assert _counts() == before and not Classroom.objects.exists() and not Section.objects.exists()
    assert not Enrollment.objects.exists() and not Sandbox.objects.filter(kind=Sandbox.CLASSROOM).exists()


def test_a_file_without_the_teaching_part_still_imports(file_data):
    del file_data["classroom"]["assignments"], file_data["classroom"]["votes"]
    restored = import_classroom(read_classroom_file(dumps(file_data)))
    assert not Assignment.objects.filter(classroom=restored).exists()


def test_hostile_answers_and_too_many_hints_are_refused_by_place(file_data, monkeypatch):
    from iamtutor.classrooms import filecheck

    start_ = file_data["classroom"]["assignments"][0]["starts"][1]
    start_["answers"] = {"<script>": "x", "who-read": "y" * 501}
    monkeypatch.setattr(filecheck, "MAX_HINTS", 1)
    problems = _refusal(file_data)
    assert problems == [
        "classroom.assignments[0].starts[1].answers.<script>: Expected a task's id and an answer of at most 500 "
        "characters.",
        "classroom.assignments[0].starts[1].answers.who-read: Expected a task's id and an answer of at most 500 "
        "characters.",
        "classroom.assignments[0].starts[1].hints: A classroom file holds at most 1 of these, not 2.",
    ]
