"""Granting, revoking and checking the instructor permission: the one place that knows how it is stored."""

from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType

from .models import Member

INSTRUCTOR_PERMISSION = "accounts.instructor"


def _instructor_permission() -> Permission:
    content_type = ContentType.objects.get_for_model(Member, for_concrete_model=False)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="instructor", defaults={"name": "Can create and run classrooms"}
    )
    return permission


def is_instructor(user) -> bool:
    """True for signed-in users holding the instructor permission (superusers included)."""
    return bool(user.is_authenticated and user.has_perm(INSTRUCTOR_PERMISSION))


def grant_instructor(user: User) -> None:
    user.user_permissions.add(_instructor_permission())


def revoke_instructor(user: User) -> None:
    user.user_permissions.remove(_instructor_permission())


def instructors():
    """Users who hold the permission directly or through a group, by user name."""
    permission = _instructor_permission()
    return (
        (User.objects.filter(user_permissions=permission) | User.objects.filter(groups__permissions=permission))
        .distinct()
        .order_by("username")
    )
