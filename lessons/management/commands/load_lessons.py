"""``manage.py load_lessons``: load every lesson file into the database; safe to run again and again."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lessons.content import CONTENT_DIR, ContentError, iter_lesson_files, read_lesson
from lessons.models import Lesson


class Command(BaseCommand):
    help = "Load the lesson files under lessons/content/ into the database (idempotent)."

    def handle(self, *args, **options):
        try:
            sources = [read_lesson(path, language) for path, language in iter_lesson_files(CONTENT_DIR)]
        except ContentError as exc:
            raise CommandError(f"{exc.path}, line {exc.line}: {exc.message}. No lesson was changed.") from None
        seen = {}
        for source in sources:
            key = (source.language, source.slug)
            if key in seen:
                raise CommandError(
                    f"{source.path} and {seen[key]} both use the slug {source.slug!r}. No lesson was changed."
                )
            seen[key] = source.path
        created = updated = 0
        with transaction.atomic():
            existing = {(lesson.language, lesson.slug): lesson for lesson in Lesson.objects.all()}
            for source in sources:
                lesson = existing.pop((source.language, source.slug), None)
                if lesson is not None and lesson.source_hash == source.sha256:
                    continue
                fields = {
                    "order": source.order, "title": source.title, "summary": source.summary,
                    "body_html": source.body_html, "source_path": source.path, "source_hash": source.sha256,
                }
                Lesson.objects.update_or_create(language=source.language, slug=source.slug, defaults=fields)
                created += lesson is None
                updated += lesson is not None
            removed = len(existing)
            Lesson.objects.filter(pk__in=[lesson.pk for lesson in existing.values()]).delete()
        unchanged = len(sources) - created - updated
        if options["verbosity"]:
            self.stdout.write(f"Lessons: {created} added, {updated} updated, {unchanged} unchanged, {removed} removed.")
