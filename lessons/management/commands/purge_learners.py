"""``manage.py purge_learners [--days 30] [--dry-run]``: delete anonymous learners' progress nobody used lately."""

from iamtutor.lib.purge import IdlePurgeCommand
from lessons.models import Learner


class Command(IdlePurgeCommand):
    help = "Delete the progress of anonymous learners idle for DAYS days (default 30). Accounts' progress is kept."
    noun = "anonymous learner(s)"
    model = Learner
    owner_field = "user"
    used_field = "last_active"
