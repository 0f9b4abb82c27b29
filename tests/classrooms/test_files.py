"""Classroom files: a whole classroom exported as one world-format file and imported again, checked first
(every problem with its path), refused on collisions and missing users, and all in one transaction."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from iamtutor.classrooms import log
from iamtutor.classrooms.federation import organization_data
from iamtutor.classrooms.filecheck import MAX_PROBLEMS, check_classroom_file
from iamtutor.classrooms.files import (
    ClassroomFileError,
    dumps,
    export_classroom,
    import_classroom,
    read_classroom_file,
)
from iamtutor.classrooms.management.commands.purge_classrooms import delete_classroom
from iamtutor.classrooms.models import Classroom, Enrollment, Guardrail, Section, StaffAction, StaffMember
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import SandboxWorld, export_data
from tests.factories import UserFactory, enrol_student

pytestmark = pytest.mark.django_db

DENY_LEAVE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}],
}
DENY_S3_WRITES = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}],
}


@pytest.fixture
def full_classroom(classroom, carol, alice_enrolled, bob_enrolled, mallory):
    """carol's classroom with every part a file carries: staff of each role, a removed student, guardrails,
    a role in alice's account that trusts bob's account, a paused class clock and a staff log."""
    monday = classroom.sections.get(name="Monday")
    ta = StaffMember.objects.create(classroom=classroom, user=UserFactory(username="tina"), role=StaffMember.TA)
    ta.sections.add(monday)
    StaffMember.objects.create(classroom=classroom, user=UserFactory(username="dave"), role=StaffMember.CO_INSTRUCTOR)
    gone = enrol_student(classroom, mallory, monday)
    Enrollment.objects.filter(pk=gone.pk).update(state=Enrollment.REMOVED, removed_at=timezone.now())
    Sandbox.objects.filter(pk=gone.sandbox_id).update(read_only_reason="You left this classroom.")
    Guardrail.objects.create(classroom=classroom, name="DenyLeave", document=DENY_LEAVE, targets=[classroom.root_id])
    Guardrail.objects.create(
        classroom=classroom,
        kind=Guardrail.RCP,
        name="OnlyMonday",
        description="Monday's own",
        preset="custom",
        document=DENY_S3_WRITES,
        targets=[monday.ou_id, alice_enrolled.account_id],
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{bob_enrolled.account_id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    loaded = SandboxWorld.load(alice_enrolled.sandbox)
    loaded.world.create_role(alice_enrolled.account_id, "ForBob", trust)
    loaded.save()
    Classroom.objects.filter(pk=classroom.pk).update(clock_offset=3600, clock_frozen_at=timezone.now(), seat_limit=40)
    log.record(classroom, carol, "student_reset", enrollment=alice_enrolled, reason="a fresh start", undo=1)
    classroom.refresh_from_db()
    return classroom


def _worlds(classroom) -> dict[str, dict]:
    """Each student's sandbox as its export shows it, by account id (the clock, which moves, left out)."""
    worlds = {}
    for enrollment in classroom.enrollments.select_related("sandbox"):
        data = export_data(enrollment.sandbox)
        del data["world"]["clock"]
        worlds[enrollment.account_id] = data
    return worlds


def _without_time(data: dict) -> dict:
    data = json.loads(json.dumps(data))
    del data["exported"]
    data["classroom"]["log"] = [e for e in data["classroom"]["log"] if e["action"] != "classroom_imported"]
    return data


def test_export_then_import_into_an_empty_site_gives_every_student_the_same_world(full_classroom):
    raw = dumps(export_classroom(full_classroom))
    before, organization = _worlds(full_classroom), organization_data(full_classroom)
    delete_classroom(full_classroom)
    assert not Classroom.objects.exists() and not Sandbox.objects.filter(kind=Sandbox.CLASSROOM).exists()

    restored = import_classroom(read_classroom_file(raw))

    assert _worlds(restored) == before
    assert organization_data(restored) == organization
    assert _without_time(export_classroom(restored)) == _without_time(json.loads(raw))
    assert restored.enrollments.get(account_id=restored.enrollments.get(user__username="mallory").account_id).state == (
        Enrollment.REMOVED
    )
    assert Sandbox.objects.get(enrollment__user__username="mallory").read_only_reason == "You left this classroom."
    assert StaffAction.objects.filter(classroom=restored, action="classroom_imported").count() == 1


def test_the_file_is_world_format_and_holds_no_secret(full_classroom, alice_enrolled):
    loaded = SandboxWorld.load(alice_enrolled.sandbox)
    key = loaded.world.create_access_key(f"arn:aws:iam::{alice_enrolled.account_id}:user/alice")
    loaded.save()
    data = export_classroom(full_classroom)
    from iamtutor.engine import World

    world = World.from_dict(data["world"])
    assert world.organization.is_member(alice_enrolled.account_id)
    assert key.id in dumps(data).decode() and key.secret not in dumps(data).decode()
    assert data["classroom"]["students"][0]["other_accounts"].keys() == {"222222222222"}


def test_a_second_import_is_refused_naming_every_id_already_used(full_classroom, alice_enrolled):
    data = read_classroom_file(dumps(export_classroom(full_classroom)))
    with pytest.raises(ClassroomFileError) as refused:
        import_classroom(data)
    paths = {problem.path for problem in refused.value.problems}
    assert {"world.organization.id", "world.organization.management_account", "classroom.sections[0].ou_id"} <= paths
    assert "classroom.students[0].account_id" in paths
    assert f"Account {alice_enrolled.account_id} is already used on this site." in str(refused.value)
    assert Classroom.objects.count() == 1


def test_renumbering_gives_new_ids_everywhere_and_keeps_the_cross_account_trust(full_classroom, alice_enrolled):
    original = export_classroom(full_classroom)
    copy = import_classroom(read_classroom_file(dumps(original)), renumber=True)
    assert copy.org_id != full_classroom.org_id and copy.root_id != full_classroom.root_id
    alice = copy.enrollments.get(user__username="alice")
    bob = copy.enrollments.get(user__username="bob")
    assert alice.account_id != alice_enrolled.account_id
    text = dumps(export_classroom(copy)).decode()
    old_ids = [
        full_classroom.org_id,
        full_classroom.management_account_id,
        *[s["account_id"] for s in original["classroom"]["students"]],
    ]
    assert not [old for old in old_ids if old in text]
    role = alice.sandbox.accounts.get(account_id=alice.account_id).role("ForBob")
    assert f"arn:aws:iam::{bob.account_id}:root" in json.dumps(role["AssumeRolePolicyDocument"])
    rcp = copy.guardrails.get(name="OnlyMonday")
    assert rcp.targets == [copy.sections.get(name="Monday").ou_id, alice.account_id]
    assert alice.sandbox.name.endswith(alice.account_id)


def test_students_and_staff_missing_from_the_site_are_listed_or_created_when_asked(full_classroom):
    raw = dumps(export_classroom(full_classroom))
    delete_classroom(full_classroom)
    get_user_model().objects.filter(username__in=["alice", "tina"]).delete()
    data = read_classroom_file(raw)
    with pytest.raises(ClassroomFileError) as refused:
        import_classroom(data)
    assert {str(p) for p in refused.value.problems} == {
        "classroom.staff[1].username: There is no user tina on this site.",
        "classroom.students[0].username: There is no user alice on this site.",
    }
    restored = import_classroom(data, create_missing_users=True)
    alice = get_user_model().objects.get(username="alice")
    assert not alice.has_usable_password()
    assert restored.enrollments.filter(user=alice).exists()


def test_an_owner_given_at_import_replaces_the_files_owner(full_classroom, carol):
    raw = dumps(export_classroom(full_classroom))
    delete_classroom(full_classroom)
    olga = UserFactory(username="olga")
    restored = import_classroom(read_classroom_file(raw), owner=olga)
    assert restored.created_by == olga
    assert list(restored.staff.filter(role=StaffMember.OWNER).values_list("user__username", flat=True)) == ["olga"]
    assert not restored.staff.filter(user=carol).exists()


def test_an_archived_classroom_imported_again_starts_its_retention_at_the_import(full_classroom):
    Classroom.objects.filter(pk=full_classroom.pk).update(
        state=Classroom.ARCHIVED, archived_at=timezone.now() - timezone.timedelta(days=400)
    )
    raw = dumps(export_classroom(Classroom.objects.get(pk=full_classroom.pk)))
    delete_classroom(full_classroom)
    restored = import_classroom(read_classroom_file(raw))
    assert restored.state == Classroom.ARCHIVED
    assert timezone.now() - restored.archived_at < timezone.timedelta(minutes=1)


def test_a_failure_during_the_import_leaves_nothing_behind(full_classroom, monkeypatch):
    raw = dumps(export_classroom(full_classroom))
    delete_classroom(full_classroom)
    users = get_user_model().objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Guardrail.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        import_classroom(read_classroom_file(raw), create_missing_users=True)
    assert not Classroom.objects.exists() and not Section.objects.exists() and not Enrollment.objects.exists()
    assert not Sandbox.objects.filter(kind=Sandbox.CLASSROOM).exists()
    assert get_user_model().objects.count() == users


# ---- hostile and broken files ---------------------------------------------------------------------------------


def _problems(raw: bytes) -> list[str]:
    with pytest.raises(ClassroomFileError) as refused:
        read_classroom_file(raw)
    return [str(problem) for problem in refused.value.problems]


@pytest.fixture
def sound(full_classroom) -> dict:
    return json.loads(dumps(export_classroom(full_classroom)))


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(settings):
    settings.CLASSROOM_FILE_MAX_BYTES = 1000
    assert _problems(b"[" * 5000) == ["The file is 5,000 bytes; the limit is 1,000 bytes."]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nests arrays and objects too deeply"),
        (b'{"format": ', "The file is not JSON text"),
        (b"\xff\xfe", "not UTF-8 text"),
        (b'{"world": {"accounts": {}}}', 'This is not a classroom file: it does not start with "format"'),
        (b'{"format": "iamtutor-classroom", "version": 99}', "This site reads version 1 of the classroom file, not 99"),
        (b'{"format": "iamtutor-classroom", "version": 1, "x": "\\u0000"}', "holds a NUL character"),
    ],
)
def test_files_that_are_not_sound_json_get_one_clear_message(raw, expected):
    (problem,) = _problems(raw)
    assert expected in problem


def test_bad_ids_are_named_with_their_path(sound):
    students = sound["classroom"]["students"]
    students[0]["account_id"] = "12345"
    students[1]["section"] = "ou-nope"
    sound["classroom"]["sections"][1]["ou_id"] = sound["classroom"]["sections"][0]["ou_id"]
    problems = _problems(dumps(sound))
    assert "classroom.students[0].account_id: Expected an id such as 123456789012, not '12345'." in problems
    assert "classroom.students[1].section: Expected an id such as ou-ab12-cd34ef56 or null, not 'ou-nope'." in problems
    assert any(p.startswith("classroom.sections[1].ou_id: OU ") and p.endswith("is listed twice.") for p in problems)


def test_an_account_id_given_to_two_students_is_refused(sound):
    students = sound["classroom"]["students"]
    students[1]["account_id"] = students[0]["account_id"]
    problems = _problems(dumps(sound))
    assert f"classroom.students[1].account_id: Account {students[0]['account_id']} belongs to two students." in problems


def test_a_bad_policy_in_a_students_account_names_the_place_in_the_file(sound):
    account_id, document = next(iter(sound["world"]["accounts"].items()))
    document["RoleDetailList"][0]["AssumeRolePolicyDocument"] = {"Version": "2012-10-17", "Statement": "nope"}
    partner = sound["classroom"]["students"][1]["other_accounts"]["222222222222"]
    partner["UserDetailList"][0]["UserName"] = ""
    problems = _problems(dumps(sound))
    assert any(
        p.startswith(f"world.accounts.{account_id}.RoleDetailList[0].AssumeRolePolicyDocument") for p in problems
    )
    assert any(p.startswith("classroom.students[1].other_accounts.222222222222.UserDetailList[0]") for p in problems)


def test_the_organization_must_match_the_classroom(sound):
    org = sound["world"]["organization"]
    org["accounts"].append("999999999999")
    org["scps"][0]["targets"] = ["ou-zzzz-zzzzzzzz"]
    org["ous"][0]["name"] = "Sunday"
    sound["classroom"]["guardrails"][0]["name"] = "Ghost"
    problems = _problems(dumps(sound))
    assert "classroom.guardrails[0]: No RCP called 'Ghost' in world.organization.rcps." in problems
    assert "world.organization.accounts: Must list exactly the active students' account ids." in problems
    assert (
        "world.organization.scps[0].targets[0]: 'ou-zzzz-zzzzzzzz' is not the root, a section or a student of this "
        "classroom." in problems
    )
    assert "world.organization.ous: The OUs must be the classroom's sections: the same ids and names." in problems


def test_unknown_and_missing_fields_are_named(sound):
    sound["classroom"]["students"][0]["password"] = "x"
    del sound["classroom"]["staff"][0]["role"]
    sound["classroom"]["clock"]["offset"] = 10**12
    problems = _problems(dumps(sound))
    assert "classroom.students[0].password: Unknown field 'password'." in problems
    assert "classroom.staff[0].role: This field is missing." in problems
    assert any(p.startswith("classroom.clock.offset: Expected a whole number from") for p in problems)


def test_a_file_with_no_owner_or_two_is_refused(sound):
    sound["classroom"]["staff"][1]["role"] = "owner"
    assert "classroom.staff: A classroom has exactly one owner; this file names 2." in _problems(dumps(sound))


def test_too_many_students_is_refused_without_reading_them(sound, monkeypatch):
    monkeypatch.setattr("iamtutor.classrooms.filecheck.MAX_STUDENTS", 2)
    problems = _problems(dumps(sound))
    assert "classroom.students: A classroom file holds at most 2 of these, not 3." in problems


def test_a_hopeless_file_stops_after_a_bounded_number_of_problems(sound):
    sound["classroom"]["students"] = [{"username": "", "junk": i} for i in range(MAX_PROBLEMS)]
    problems = check_classroom_file(sound)
    assert len(problems) == MAX_PROBLEMS + 1
    assert str(problems[-1]) == f"Stopped reading after {MAX_PROBLEMS} problems."


def test_a_bad_user_name_is_refused(sound):
    sound["classroom"]["students"][0]["username"] = "alice smith<script>"
    assert "classroom.students[0].username: A user name holds only letters, digits and @ . + - _." in _problems(
        dumps(sound)
    )


# ---- the command ------------------------------------------------------------------------------------------------


def test_the_command_exports_to_a_file_and_imports_it_elsewhere(full_classroom, tmp_path, capsys):
    path = tmp_path / "class.json"
    call_command("classroom", "export", str(full_classroom.pk), "-o", str(path))
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(CommandError) as refused:
        call_command("classroom", "import", str(path))
    assert "was not imported" in str(refused.value) and "Hint: --renumber gives the classroom new ids." in str(
        refused.value
    )
    call_command("classroom", "import", str(path), "--renumber", "--check")
    assert Classroom.objects.count() == 1
    call_command("classroom", "import", str(path), "--renumber")
    assert Classroom.objects.count() == 2
    assert re.search(r"Imported IAM roles, autumn \(o-[a-z0-9]{10}, 3 students, open\)", capsys.readouterr().out)


def test_the_command_writes_to_standard_output_and_finds_a_classroom_by_organization_id(full_classroom, capsys):
    call_command("classroom", "export", full_classroom.org_id)
    assert json.loads(capsys.readouterr().out)["classroom"]["name"] == "IAM roles, autumn"
    with pytest.raises(CommandError, match="No classroom has the id o-nothere"):
        call_command("classroom", "export", "o-nothere")


def test_the_command_refuses_a_missing_file_and_an_unknown_owner(tmp_path):
    with pytest.raises(CommandError, match="Could not read"):
        call_command("classroom", "import", str(tmp_path / "absent.json"))
    path = tmp_path / "f.json"
    path.write_text("{}")
    with pytest.raises(CommandError, match="No such user: nobody"):
        call_command("classroom", "import", str(path), "--owner", "nobody")
