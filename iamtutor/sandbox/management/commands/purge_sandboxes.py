"""``manage.py purge_sandboxes [--days 30] [--dry-run]``: delete anonymous sandboxes nobody used lately."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from iamtutor.sandbox.models import Sandbox


class Command(BaseCommand):
    help = "Delete anonymous sandboxes idle for DAYS days (default 30). Signed-in learners' sandboxes are kept."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="Idle days before deletion (default 30).")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        idle = Sandbox.objects.filter(owner__isnull=True, last_used__lt=timezone.now() - timedelta(days=days))
        count = idle.count()
        if not dry_run:
            idle.delete()
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(f"{count} anonymous sandbox(es) idle for more than {days} days {verb}.")
