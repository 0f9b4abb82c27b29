"""``manage.py awsapi_reindex``: rebuilds the endpoint's key index from every sandbox's stored keys and
sessions — after ``AWSAPI_SEAL_KEY`` (or ``SECRET_KEY``, from which it is derived by default) changed, since
secrets sealed under the old key no longer open. Each sandbox in its own transaction."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from iamtutor.sandbox.models import Sandbox

from ...keys import reindex


class Command(BaseCommand):
    help = "Rebuild the AWS endpoint's access-key index (after changing AWSAPI_SEAL_KEY or SECRET_KEY)."

    def handle(self, *args, **options) -> None:
        sandboxes = rows = 0
        for sandbox in Sandbox.objects.order_by("pk").iterator():
            with transaction.atomic():
                rows += reindex(sandbox)
            sandboxes += 1
        self.stdout.write(f"Indexed {rows} access keys and sessions of {sandboxes} sandboxes.")
