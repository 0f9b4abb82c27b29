"""``manage.py instructor grant|revoke|list [USERNAME…]``: manage who may run classrooms."""

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from iamtutor.accounts.roles import grant_instructor, instructors, revoke_instructor


class Command(BaseCommand):
    help = "Grant or revoke the instructor permission, or list the instructors."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["grant", "revoke", "list"])
        parser.add_argument("usernames", nargs="*", metavar="USERNAME")

    def handle(self, *args, action: str, usernames: list[str], **options):
        if action == "list":
            for user in instructors():
                self.stdout.write(user.username)
            return
        if not usernames:
            raise CommandError(f"Name at least one user to {action}, e.g. manage.py instructor {action} alice")
        users = {user.username: user for user in User.objects.filter(username__in=usernames)}
        missing = [name for name in usernames if name not in users]
        if missing:
            raise CommandError(f"No such user: {', '.join(missing)}. Nothing was changed.")
        change = grant_instructor if action == "grant" else revoke_instructor
        for name in usernames:
            change(users[name])
            verb = "can now run classrooms" if action == "grant" else "can no longer run classrooms"
            self.stdout.write(self.style.SUCCESS(f"{name} {verb}."))
