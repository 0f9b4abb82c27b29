# ruff: noqa: E501  (lab-file text and its one-line edits read best unwrapped)
"""Loading lab files: every problem stops the load with the file and the line, nothing half-loaded stays, and
loading twice changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from iamtutor.labs.loader import read_labs
from iamtutor.labs.models import Lab, Task
from lessons.content import ContentError

# A small valid lab; tests replace one line of it to break it in one place.
GOOD = """\
id: tiny
title: A tiny lab
steps: [3]
mode: guided
brief: Let alice assume Deploy.
world:
  clock: "2026-01-01T09:00:00Z"
  accounts:
    "111111111111":
      UserDetailList:
        - {UserName: alice, UserPolicyList: []}
        - {UserName: bob, UserPolicyList: []}
      RoleDetailList:
        - RoleName: Deploy
          AssumeRolePolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::111111111111:user/bob"}, Action: "sts:AssumeRole"}]
tasks:
  - id: alice-in
    text: alice can assume Deploy.
    check:
      - can_assume: {caller: "arn:aws:iam::111111111111:user/alice", role: "arn:aws:iam::111111111111:role/Deploy"}
    hints:
      nudge: Read the trust policy.
      pointer: Name alice in it.
      answer: Principal AWS arn:aws:iam::111111111111:user/alice.
solutions:
  correct:
    - title: alice named
      steps:
        - op: put_policy
          kind: trust
          target: "arn:aws:iam::111111111111:role/Deploy"
          document: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::111111111111:user/alice"}, Action: "sts:AssumeRole"}]}
  wrong:
    - title: nothing done
      fails: [alice-in]
      steps: []
    - title: an identity policy instead
      fails: [alice-in]
      steps:
        - op: put_policy
          kind: inline
          target: "arn:aws:iam::111111111111:user/alice"
          name: Assume
          document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "sts:AssumeRole", Resource: "*"}]}
"""


def write(folder: Path, text: str, name: str = "tiny.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str) -> int:
    """The line on which ``fragment`` (which may span lines) starts in ``text``."""
    return text[: text.index(fragment)].count("\n") + 1


def problem(folder: Path) -> ContentError:
    with pytest.raises(ContentError) as raised:
        read_labs(folder)
    return raised.value


def test_a_good_lab_loads(tmp_path):
    write(tmp_path, GOOD)
    (lab,) = read_labs(tmp_path)
    assert lab.key == "tiny" and [task.key for task in lab.tasks] == ["alice-in"]
    assert lab.first_step == 3 and len(lab.solutions) == 3


@pytest.mark.parametrize(
    ("old", "new", "at", "words"),
    [
        # a world the engine refuses: the line of the faulty policy
        ('Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::111111111111:user/bob"}, Action: "sts:AssumeRole"}]',
         'Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::111111111111:user/bob"}, Action: "sts:AssumeRole", Resource: "*"}]',
         "Statement: [{Effect: Allow, Principal", "MalformedPolicyDocument"),
        # an unknown check: the line of the check
        ("      - can_assume: {caller", "      - can_asume: {caller", "can_asume", "Unknown check 'can_asume'"),
        # a check naming a user the world does not hold
        ('can_assume: {caller: "arn:aws:iam::111111111111:user/alice"', 'can_assume: {caller: "arn:aws:iam::111111111111:user/alicia"',
         "can_assume", "no arn:aws:iam::111111111111:user/alicia"),
        # a correct solution that fails its own check: the line of the solution
        ('Principal: {AWS: "arn:aws:iam::111111111111:user/alice"}, Action: "sts:AssumeRole"}]}',
         'Principal: {AWS: "arn:aws:iam::111111111111:user/bob"}, Action: "sts:AssumeRole"}]}',
         "- title: alice named", "the correct solution 'alice named' fails the task 'alice-in'"),
        # a wrong solution that does not fail what it says
        ("      fails: [alice-in]\n      steps: []", "      fails: []\n      steps: []", "- title: nothing done", "lists the tasks it fails"),
        # a solution step the engine refuses
        ('          kind: inline', '          kind: inlined', "- op: put_policy\n          kind: inlined", "this step fails"),
        # YAML reading an unquoted account id as a number
        ('    "111111111111":', "    111111111111:", "111111111111:", "must be quoted text"),
        # fields
        ("mode: guided", "mode: relaxed", "mode: relaxed", "'mode' must be one of"),
        ("steps: [3]", "steps: [9]", "steps: [9]", "steps lists lesson steps"),
        ("      answer: Principal AWS arn:aws:iam::111111111111:user/alice.", "", "    hints:", "a nudge, a pointer and an answer"),
        ("id: tiny", "id: tinier", "id: tinier", "must match the file name"),
        ("brief: Let alice assume Deploy.", "brief: Let alice assume Deploy.\ncolour: red", "colour: red", "unknown field 'colour'"),
        ("mode: guided", "mode: detective", "mode: detective", "a detective lab needs a question"),
    ],
)  # fmt: skip
def test_a_problem_stops_the_load_with_file_and_line(tmp_path, old, new, at, words):
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    path = write(tmp_path, text.replace("id: tinier", "id: tinier") if "tinier" not in new else text)
    found = problem(tmp_path)
    assert found.path == path
    assert words in found.message
    assert found.line == line_of(text, at)


def test_a_lab_already_solved_at_the_start_is_refused(tmp_path):
    text = GOOD.replace(
        '{AWS: "arn:aws:iam::111111111111:user/bob"}', '{AWS: "arn:aws:iam::111111111111:user/alice"}', 1
    )
    write(tmp_path, text)
    found = problem(tmp_path)
    assert "every task already passes on the starting world" in found.message
    assert found.line == line_of(text, "tasks:")


def test_yaml_syntax_errors_name_their_line(tmp_path):
    text = GOOD.replace("title: A tiny lab", "title: A tiny lab: broken")
    write(tmp_path, text)
    assert problem(tmp_path).line == 2


def test_two_labs_cannot_share_an_id(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("id: tiny", "id: copy"), "copy.yaml")
    assert read_labs(tmp_path)  # different ids: fine
    (tmp_path / "copy.yaml").unlink()


@pytest.mark.django_db
def test_load_labs_stops_on_any_problem_and_keeps_nothing_half_loaded(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("id: tiny", "id: zz-broken").replace("can_assume:", "can_asume:"), "zz-broken.yaml")
    with pytest.raises(CommandError) as raised:
        call_command("load_labs", folder=str(tmp_path), verbosity=0)
    message = str(raised.value)
    assert "zz-broken.yaml, line " in message and "No lab was changed." in message
    assert not Lab.objects.exists() and not Task.objects.exists()


@pytest.mark.django_db
def test_load_labs_is_idempotent_and_retires_labs_whose_file_is_gone(tmp_path, capsys):
    write(tmp_path, GOOD)
    call_command("load_labs", folder=str(tmp_path))
    call_command("load_labs", folder=str(tmp_path))
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Labs: 1 added, 0 updated, 0 unchanged, 0 retired.",
        "Labs: 0 added, 0 updated, 1 unchanged, 0 retired.",
    ]
    write(tmp_path, GOOD.replace("text: alice can assume Deploy.", "text: alice may assume Deploy."))
    call_command("load_labs", folder=str(tmp_path), verbosity=0)
    assert Task.objects.get().text == "alice may assume Deploy."
    (tmp_path / "tiny.yaml").unlink()
    call_command("load_labs", folder=str(tmp_path), verbosity=0)
    assert Lab.objects.get().retired


@pytest.mark.django_db
def test_the_shipped_labs_load(lab_sources):
    call_command("load_labs", verbosity=0)
    assert Lab.objects.filter(retired=False).count() == len(lab_sources)
