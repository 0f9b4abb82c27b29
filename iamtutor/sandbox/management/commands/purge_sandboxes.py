"""``manage.py purge_sandboxes [--days 30] [--dry-run]``: delete anonymous sandboxes nobody used lately."""

from iamtutor.lib.purge import IdlePurgeCommand
from iamtutor.sandbox.models import Sandbox


class Command(IdlePurgeCommand):
    help = "Delete anonymous sandboxes idle for DAYS days (default 30). Signed-in learners' sandboxes are kept."
    noun = "anonymous sandbox(es)"
    model = Sandbox
    owner_field = "owner"
    used_field = "last_used"
