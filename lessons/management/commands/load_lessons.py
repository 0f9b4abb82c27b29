"""``manage.py load_lessons``: load every lesson file into the database; safe to run again and again."""

from django.core.management.base import BaseCommand, CommandError

from lessons.content import CONTENT_DIR, ContentError
from lessons.loader import read_content
from lessons.rendered import forget_content_version
from lessons.store import store


class Command(BaseCommand):
    help = "Load the lesson files under lessons/content/ into the database (idempotent)."

    def handle(self, *args, **options):
        try:
            content = read_content(CONTENT_DIR)
        except ContentError as exc:
            raise CommandError(f"{exc.path}, line {exc.line}: {exc.message}. No lesson was changed.") from None
        counts = store(content)
        forget_content_version()
        if options["verbosity"]:
            for label, count in counts.items():
                self.stdout.write(
                    f"{label}: {count['added']} added, {count['updated']} updated, "
                    f"{count['unchanged']} unchanged, {count['removed']} removed."
                )
