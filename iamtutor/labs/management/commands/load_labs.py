"""``manage.py load_labs``: load every lab file into the database; safe to run again and again."""

from django.core.management.base import BaseCommand, CommandError

from iamtutor.labs.loader import LABS_DIR, read_labs
from iamtutor.labs.store import store
from lessons.content import ContentError


class Command(BaseCommand):
    help = "Check the lab files under lessons/content/labs/ with the engine and load them (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--folder", default=str(LABS_DIR), help="Where the lab files are (default: %(default)s).")

    def handle(self, *args, folder: str, **options):
        from pathlib import Path

        try:
            labs = read_labs(Path(folder))
        except ContentError as exc:
            raise CommandError(f"{exc.path}, line {exc.line}: {exc.message}. No lab was changed.") from None
        counts = store(labs)
        if options["verbosity"]:
            self.stdout.write(
                f"Labs: {counts['added']} added, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['retired']} retired."
            )
