"""``manage.py purge_classrooms``: classrooms archived past the retention period are written to a classroom
file and deleted with their students' classroom sandboxes, never anyone's personal sandbox or account."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from iamtutor.classrooms import log
from iamtutor.classrooms.files import import_classroom, read_classroom_file
from iamtutor.classrooms.models import Classroom, Enrollment, Snapshot, StaffAction
from iamtutor.sandbox.models import Sandbox, SandboxAccount
from iamtutor.sandbox.worlds import create_sandbox, export_data
from tests.factories import ClassroomFactory, enrol_student

pytestmark = pytest.mark.django_db


def _archive(classroom, days_ago: int) -> None:
    Classroom.objects.filter(pk=classroom.pk).update(
        state=Classroom.ARCHIVED, archived_at=timezone.now() - timezone.timedelta(days=days_ago)
    )


@pytest.fixture
def archive_dir(settings, tmp_path):
    settings.CLASSROOM_ARCHIVE_DIR = tmp_path / "archive"
    return settings.CLASSROOM_ARCHIVE_DIR


@pytest.fixture
def old_classroom(classroom, carol, alice, alice_enrolled, bob_enrolled):
    """carol's classroom, archived 200 days ago, with a reset snapshot and a staff log naming alice."""
    Snapshot.objects.create(enrollment=alice_enrolled, data=export_data(alice_enrolled.sandbox))
    log.record(classroom, carol, "student_reset", enrollment=alice_enrolled, reason="start again")
    _archive(classroom, days_ago=200)
    return classroom


def test_a_classroom_archived_past_retention_is_written_to_a_file_then_deleted(
    old_classroom, alice, archive_dir, capsys
):
    personal = create_sandbox(alice)
    classroom_sandboxes = list(old_classroom.enrollments.values_list("sandbox_id", flat=True))

    call_command("purge_classrooms")

    (path,) = archive_dir.iterdir()
    assert path.name.endswith(f"-iam-roles-autumn-{old_classroom.org_id}.json")
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["classroom"]["name"] == "IAM roles, autumn"
    assert not Classroom.objects.filter(pk=old_classroom.pk).exists()
    assert not Enrollment.objects.exists() and not Snapshot.objects.exists() and not StaffAction.objects.exists()
    assert not Sandbox.objects.filter(pk__in=classroom_sandboxes).exists()
    assert not SandboxAccount.objects.filter(sandbox_id__in=classroom_sandboxes).exists()
    assert Sandbox.objects.filter(pk=personal.pk).exists()  # the personal sandbox stays
    assert get_user_model().objects.filter(username__in=["alice", "bob", "carol"]).count() == 3
    assert "1 classroom(s) archived more than 180 days ago archived and deleted." in capsys.readouterr().out


def test_the_archive_file_imports_the_classroom_back(old_classroom, alice_enrolled, archive_dir):
    world = export_data(alice_enrolled.sandbox)["world"]["accounts"]
    call_command("purge_classrooms")
    (path,) = archive_dir.iterdir()
    restored = import_classroom(read_classroom_file(path.read_bytes()))
    alice = restored.enrollments.get(user__username="alice")
    assert export_data(alice.sandbox)["world"]["accounts"] == world


def test_classrooms_not_yet_due_are_kept(classroom, alice_enrolled, carol, archive_dir):
    _archive(classroom, days_ago=100)
    closed = ClassroomFactory(owner=carol, state=Classroom.CLOSED)
    Classroom.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - timezone.timedelta(days=900))
    undated = ClassroomFactory(owner=carol, state=Classroom.ARCHIVED)  # archived with no date: never purged
    call_command("purge_classrooms")
    assert Classroom.objects.filter(pk__in=[classroom.pk, closed.pk, undated.pk]).count() == 3
    assert not archive_dir.exists()
    call_command("purge_classrooms", "--older-than", "90")
    assert not Classroom.objects.filter(pk=classroom.pk).exists()


def test_the_retention_period_comes_from_the_setting(old_classroom, archive_dir, settings):
    settings.CLASSROOM_RETENTION_DAYS = 365
    call_command("purge_classrooms")
    assert Classroom.objects.filter(pk=old_classroom.pk).exists()


def test_a_dry_run_lists_what_would_go_and_changes_nothing(old_classroom, archive_dir, capsys):
    call_command("purge_classrooms", "--dry-run")
    out = capsys.readouterr().out
    assert f"would archive and delete: IAM roles, autumn ({old_classroom.org_id}), archived " in out
    assert ", 2 student(s)" in out
    assert "1 classroom(s) archived more than 180 days ago would be archived and deleted." in out
    assert Classroom.objects.filter(pk=old_classroom.pk).exists() and not archive_dir.exists()


def test_a_classroom_whose_file_cannot_be_written_is_kept(old_classroom, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.CLASSROOM_ARCHIVE_DIR = blocker / "archive"
    with pytest.raises(CommandError, match="1 classroom\\(s\\) could not be written"):
        call_command("purge_classrooms")
    assert Classroom.objects.filter(pk=old_classroom.pk).exists()
    assert Enrollment.objects.filter(classroom=old_classroom).count() == 2


def test_a_failed_deletion_keeps_the_classroom_and_the_file_on_disk(old_classroom, archive_dir, monkeypatch):
    def broken(classroom):
        raise RuntimeError("database went away")

    monkeypatch.setattr("iamtutor.classrooms.management.commands.purge_classrooms.delete_classroom", broken)
    with pytest.raises(RuntimeError):
        call_command("purge_classrooms")
    assert Classroom.objects.filter(pk=old_classroom.pk).exists()
    assert len(list(archive_dir.iterdir())) == 1


def test_older_than_must_be_positive():
    with pytest.raises(CommandError, match="at least 1 day"):
        call_command("purge_classrooms", "--older-than", "0")


def test_only_the_due_classroom_of_several_goes(old_classroom, carol, archive_dir, bob):
    other = ClassroomFactory(owner=carol)
    kept = enrol_student(other, bob)
    call_command("purge_classrooms")
    assert Classroom.objects.get() == other
    assert Sandbox.objects.filter(pk=kept.sandbox_id).exists()
