"""``manage.py purge_classrooms [--older-than DAYS] [--dry-run]``: the end of a classroom's life.

Each classroom archived more than DAYS ago (default ``CLASSROOM_RETENTION_DAYS``, 180) is written as a
classroom file into ``CLASSROOM_ARCHIVE_DIR`` and then deleted, with its students' classroom sandboxes (never
their personal sandboxes, never their user accounts), in one transaction per classroom: a classroom whose
file cannot be written is kept.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from iamtutor.classrooms.files import dumps, export_classroom, write_file
from iamtutor.classrooms.models import Classroom, Enrollment
from iamtutor.sandbox.models import Sandbox


class Command(BaseCommand):
    help = (
        "Export every classroom archived more than DAYS days ago (default CLASSROOM_RETENTION_DAYS) to "
        "CLASSROOM_ARCHIVE_DIR, then delete it with its students' classroom sandboxes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, metavar="DAYS", help="Days archived before deletion.")
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be exported and deleted.")

    def handle(self, *args, older_than: int | None, dry_run: bool, **options):
        days = settings.CLASSROOM_RETENTION_DAYS if older_than is None else older_than
        if days < 1:
            raise CommandError("--older-than must be at least 1 day.")
        cutoff = timezone.now() - timedelta(days=days)
        directory = Path(settings.CLASSROOM_ARCHIVE_DIR)
        due = list(expired(cutoff).values_list("pk", flat=True))
        failed = 0
        for pk in due:
            if dry_run:
                self.stdout.write(f"would archive and delete: {_describe(Classroom.objects.get(pk=pk))}")
                continue
            try:
                done = purge(pk, cutoff, directory)
            except OSError as exc:
                failed += 1
                self.stderr.write(f"kept {pk}: its file could not be written ({exc.strerror or exc}).")
                continue
            if done is not None:
                self.stdout.write(f"archived to {done} and deleted.")
        verb = "would be archived and deleted" if dry_run else "archived and deleted"
        count = len(due) - failed
        self.stdout.write(f"{count} classroom(s) archived more than {days} days ago {verb}.")
        if failed:
            raise CommandError(f"{failed} classroom(s) could not be written to {directory} and were kept.")


def expired(cutoff):
    """Classrooms archived before ``cutoff``."""
    return Classroom.objects.filter(state=Classroom.ARCHIVED, archived_at__lt=cutoff).order_by("archived_at")


def purge(pk, cutoff, directory: Path) -> Path | None:
    """Writes classroom ``pk``'s file into ``directory`` and deletes the classroom, in one transaction that
    locks its row; ``None`` when it is no longer due (restored meanwhile). Raises ``OSError`` when the file
    cannot be written, and then deletes nothing."""
    with transaction.atomic():
        classroom = expired(cutoff).select_for_update().filter(pk=pk).first()
        if classroom is None:
            return None
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = directory / archive_name(classroom)
        write_file(path, dumps(export_classroom(classroom)))
        delete_classroom(classroom)
    return path


def archive_name(classroom: Classroom) -> str:
    """``2026-06-30-iam-roles-autumn-o-abcdefghij.json``: the archive date, the name and the organization id."""
    return f"{classroom.archived_at:%Y-%m-%d}-{slugify(classroom.name)[:40] or 'classroom'}-{classroom.org_id}.json"


def delete_classroom(classroom: Classroom) -> None:
    """Deletes ``classroom`` and its students' classroom sandboxes; call inside a transaction. An enrollment
    protects its sandbox, so the enrollments go first; personal sandboxes and user accounts are untouched."""
    sandboxes = list(classroom.enrollments.values_list("sandbox_id", flat=True))
    Enrollment.objects.filter(classroom=classroom).delete()
    Sandbox.objects.filter(pk__in=sandboxes, kind=Sandbox.CLASSROOM).delete()
    classroom.delete()


def _describe(classroom: Classroom) -> str:
    students = classroom.enrollments.count()
    return f"{classroom.name} ({classroom.org_id}), archived {classroom.archived_at:%Y-%m-%d}, {students} student(s)"
