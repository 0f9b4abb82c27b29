"""``manage.py purge_learners [--days 30] [--dry-run]``: delete anonymous learners' progress nobody used lately."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from lessons.models import Learner


class Command(BaseCommand):
    help = "Delete the progress of anonymous learners idle for DAYS days (default 30). Accounts' progress is kept."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="Idle days before deletion (default 30).")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        idle = Learner.objects.filter(user__isnull=True, last_active__lt=timezone.now() - timedelta(days=days))
        count = idle.count()
        if not dry_run:
            idle.delete()
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(f"{count} anonymous learner(s) idle for more than {days} days {verb}.")
