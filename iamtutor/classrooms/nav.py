"""The classroom's side navigation, and the "Classrooms" link of the site's main navigation.

``page_context`` gives every classroom page what ``templates/classrooms/_layout.html`` needs: the classroom,
the actor, and one link per area the actor may open (``permissions.can`` decides; nothing is checked here).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from iamtutor.accounts.roles import is_instructor

from . import permissions
from .models import Enrollment, StaffMember

# (URL name, label, the action that opens it, URL names that count as "this area" for aria-current).
AREAS = (
    ("detail", _("Overview"), "view", ("detail",)),
    ("roster", _("Roster"), "view_roster", ("roster", "student")),
    ("votes", _("Class votes"), "view", ("vote",)),
    ("answers", _("Class answers"), "view", ("answers",)),
    ("assignments", _("Labs"), "view", ("assignment",)),
    ("dashboard", _("Dashboard"), "view_dashboard", ("dashboard", "result_")),
    ("joining", _("Joining"), "manage_joining", ("joining",)),
    ("sections", _("Sections"), "manage_sections", ("sections", "section_")),
    ("guardrails", _("Guardrails"), "view_guardrails", ("guardrail",)),
    ("clock", _("Class clock"), "view_clock", ("clock",)),
    ("log", _("Staff log"), "view_staff_log", ("log",)),
    ("staff", _("Staff"), "manage_staff", ("staff",)),
    ("settings", _("Settings"), "change_state", ("settings", "state")),
    ("my_log", _("What staff did"), "use_account", ("my_log",)),
)

ROLE_LABELS = {
    StaffMember.OWNER: _("owner"),
    StaffMember.CO_INSTRUCTOR: _("co-instructor"),
    StaffMember.TA: _("teaching assistant"),
    "student": _("student"),
}


def classroom_links(request, actor: permissions.Actor) -> list[dict]:
    """The areas of the classroom ``actor`` may open, each ``{"url", "label", "current"}``."""
    match = getattr(request, "resolver_match", None)
    here = match.url_name if match is not None else ""
    exact = {"my_log"}  # URL names that another area's prefix would also match ("log")
    return [
        {
            "url": reverse(f"classrooms:{name}", args=[actor.classroom.pk]),
            "label": label,
            "current": here == name if name in exact else (here not in exact and here.startswith(prefixes)),
        }
        for name, label, action, prefixes in AREAS
        if permissions.can(actor, action)
    ]


def page_context(request, classroom, actor: permissions.Actor, **extra) -> dict:
    """The context of a classroom page: ``classroom``, ``actor``, ``classroom_links`` and ``extra``."""
    return {
        "classroom": classroom,
        "actor": actor,
        "classroom_links": classroom_links(request, actor),
        "you_are": roles_text(actor.staff, actor.enrollment),
        **extra,
    }


def roles_text(staff: StaffMember | None, enrollment: Enrollment | None) -> str:
    """Someone's place in a classroom in words: "owner", "teaching assistant, also enrolled as a student"…"""
    student = enrollment is not None and enrollment.state == Enrollment.ACTIVE
    if staff is not None:
        label = str(ROLE_LABELS[staff.role])
        return _("%(role)s, also enrolled as a student") % {"role": label} if student else label
    if student:
        return str(ROLE_LABELS["student"])
    return str(_("removed student (your account is kept read-only)")) if enrollment is not None else ""


# ---- the main navigation's "Classrooms" link ---------------------------------------------------------------------

NAV_TTL = 10 * 60


def _nav_key(user_id) -> str:
    return f"classrooms:main-nav:{user_id}"


def shows_classrooms(user) -> bool:
    """True for signed-in instructors and classroom members (staff or students). Worked out when they log in
    and cached, so that pages pay no query for it; forgotten when they join or leave a classroom's staff or
    students or gain or lose a permission (the signals below)."""
    if not user.is_authenticated:
        return False
    shown = cache.get(_nav_key(user.pk))
    if shown is None:
        shown = (
            StaffMember.objects.filter(user=user).exists()
            or Enrollment.objects.filter(user=user).exists()
            or is_instructor(user)
        )
        cache.set(_nav_key(user.pk), shown, NAV_TTL)
    return shown


def main_nav(request) -> dict:
    """Context processor: ``show_classrooms`` (lazy: pages that do not show the main navigation never ask)."""
    return {"show_classrooms": SimpleLazyObject(lambda: shows_classrooms(request.user))}


# Connected when the app starts (ClassroomsConfig.ready imports this module).
@receiver(user_logged_in, dispatch_uid="classrooms-nav-login")
def _learn(sender, request, user, **kwargs) -> None:
    cache.delete(_nav_key(user.pk))
    shows_classrooms(user)


@receiver([post_save, post_delete], sender=StaffMember, dispatch_uid="classrooms-nav-staff")
@receiver([post_save, post_delete], sender=Enrollment, dispatch_uid="classrooms-nav-enrollment")
def _forget(sender, instance, **kwargs) -> None:
    cache.delete(_nav_key(instance.user_id))


@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="classrooms-nav-permissions")
def _forget_permissions(sender, instance, reverse, pk_set, **kwargs) -> None:
    """The instructor permission granted or revoked (from the user's side or the permission's)."""
    user_ids = (pk_set or ()) if reverse else [instance.pk]
    cache.delete_many([_nav_key(user_id) for user_id in user_ids])
