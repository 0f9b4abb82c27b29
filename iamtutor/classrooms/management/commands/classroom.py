"""``manage.py classroom export CLASSROOM [-o FILE]`` and ``manage.py classroom import FILE [--owner USERNAME]
[--renumber] [--create-missing-users] [--check]``: a whole classroom as one classroom file (docs/classrooms.md)."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from iamtutor.classrooms.files import (
    ClassroomFileError,
    dumps,
    export_classroom,
    import_classroom,
    read_classroom_file,
    site_problems,
    write_file,
)
from iamtutor.classrooms.models import Classroom

SHOWN_PROBLEMS = 50
HINTS = {
    "is already used on this site": "--renumber gives the classroom new ids",
    "is already a classroom here": "--renumber gives the classroom new ids",
    "There is no user": "create the users first, or add --create-missing-users",
}


class Command(BaseCommand):
    help = "Export a classroom to a classroom file, or import one (validated first; one transaction)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="export|import")
        export = actions.add_parser("export", help="Write a classroom as a classroom file.")
        export.add_argument("classroom", help="The classroom's id (a UUID) or its organization id (o-…).")
        export.add_argument("-o", "--output", help="The file to write (default: standard output).")
        load = actions.add_parser("import", help="Create a classroom from a classroom file.")
        load.add_argument("file", help="The classroom file to read.")
        load.add_argument("--owner", metavar="USERNAME", help="Make this user the owner instead of the file's.")
        load.add_argument("--renumber", action="store_true", help="Give the classroom new ids, unused here.")
        load.add_argument(
            "--create-missing-users",
            action="store_true",
            help="Create the students and staff the file names that this site lacks (with no usable password).",
        )
        load.add_argument("--check", action="store_true", help="Only check the file against this site.")

    def handle(self, *args, action: str, **options):
        if action == "export":
            self.export(options["classroom"], options["output"])
        else:
            self.load(options["file"], options)

    def export(self, ref: str, output: str | None) -> None:
        classroom = _classroom(ref)
        raw = dumps(export_classroom(classroom))
        if output is None:
            self.stdout.write(raw.decode("utf-8"), ending="")
            return
        try:
            write_file(Path(output), raw)
        except OSError as exc:
            raise CommandError(f"Could not write {output}: {exc.strerror or exc}.") from None
        students = classroom.enrollments.count()
        self.stderr.write(f"Exported {classroom.name} ({classroom.org_id}, {students} students) to {output}.")

    def load(self, name: str, options: dict) -> None:
        owner = _user(options["owner"]) if options["owner"] else None
        flags = {
            "owner": owner,
            "renumber": options["renumber"],
            "create_missing_users": options["create_missing_users"],
        }
        try:
            data = read_classroom_file(_read(Path(name)))
            if options["check"]:
                problems = site_problems(data, **flags)
                if problems:
                    raise ClassroomFileError(problems)
                self.stdout.write(self.style.SUCCESS(f"{name} can be imported: nothing was changed (--check)."))
                return
            classroom = import_classroom(data, **flags)
        except ClassroomFileError as err:
            raise CommandError(_report(name, err)) from None
        students = classroom.enrollments.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {classroom.name} ({classroom.org_id}, {students} students, {classroom.state}), "
                f"owned by {classroom.created_by}: id {classroom.pk}."
            )
        )


def _classroom(ref: str) -> Classroom:
    try:
        lookup = {"pk": uuid.UUID(ref)}
    except ValueError:
        lookup = {"org_id": ref}
    classroom = Classroom.objects.filter(**lookup).first()
    if classroom is None:
        raise CommandError(f"No classroom has the id {ref}.")
    return classroom


def _user(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No such user: {username}. Nothing was imported.")
    return user


def _read(path: Path) -> bytes:
    """The file's bytes; a file over the size limit is refused before it is read."""
    limit = settings.CLASSROOM_FILE_MAX_BYTES
    try:
        size = path.stat().st_size
        if size > limit:
            raise CommandError(
                f"{path} is {size:,} bytes; a classroom file holds at most {limit:,} (CLASSROOM_FILE_MAX_BYTES)."
            )
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise CommandError(f"Could not read {path}: {exc.strerror or exc}.") from None


def _report(name: str, err: ClassroomFileError) -> str:
    problems = err.problems
    lines = [f"{name} was not imported ({len(problems)} problem{'s' if len(problems) != 1 else ''}):"]
    lines += [f"  {problem}" for problem in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(f"  … and {len(problems) - SHOWN_PROBLEMS} more.")
    hints = sorted({hint for text, hint in HINTS.items() if any(text in p.message for p in problems)})
    lines += [f"Hint: {hint}." for hint in hints]
    return "\n".join(lines)
