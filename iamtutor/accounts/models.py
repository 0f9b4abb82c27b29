"""Accounts: Django's own user model, plus the permission that makes someone an instructor."""

from django.contrib.auth.models import User


class Member(User):
    """A proxy over Django's user that carries the site's own permissions.

    ``accounts.instructor`` lets a user create and run classrooms. Admins grant it in the admin (user list
    → "Make instructor") or with ``manage.py instructor grant NAME``.
    """

    class Meta:
        proxy = True
        verbose_name = "member"
        default_permissions = ()
        permissions = [("instructor", "Can create and run classrooms")]
