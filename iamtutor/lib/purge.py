"""One shape for the operator commands that delete anonymous data nobody used for a while."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet
from django.utils import timezone


class IdlePurgeCommand(BaseCommand):
    """``--days N`` (default 30) and ``--dry-run``. Subclasses name the ``model``, its ``owner_field`` (empty
    for anonymous rows), its ``used_field`` (when it was last used) and the ``noun`` for the report."""

    model: type
    owner_field: str
    used_field: str
    noun: str

    def idle(self, before) -> QuerySet:
        """Anonymous rows last used before ``before``."""
        return self.model.objects.filter(**{f"{self.owner_field}__isnull": True, f"{self.used_field}__lt": before})

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="Idle days before deletion (default 30).")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be deleted.")

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 1:
            raise CommandError("--days must be at least 1.")
        idle = self.idle(timezone.now() - timedelta(days=days))
        count = idle.count()
        if not dry_run:
            idle.delete()
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(f"{count} {self.noun} idle for more than {days} days {verb}.")
