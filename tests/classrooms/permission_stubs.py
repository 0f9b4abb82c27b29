"""Stand-in classroom views for testing the permission walker (``test_permission_matrix``): the site's URL map
with the real classroom routes, each view doing exactly what ``REQUIRES`` says, plus broken views the
walker must catch (``OVERRIDES`` swaps one in)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path
from django.views.decorators.http import require_http_methods

from iamtutor import urls as site_urls
from iamtutor.accounts.roles import is_instructor
from iamtutor.classrooms import urls as classroom_urls
from iamtutor.classrooms.models import Assignment, Enrollment, Guardrail, JoinKey, Section, StaffMember, Vote
from iamtutor.classrooms.permissions import get_classroom, get_student
from iamtutor.sandbox.models import Sandbox

# The real classroom URL map's routes and names, each served by the stand-in below.
ROUTES = {p.name: str(p.pattern) for p in classroom_urls.urlpatterns}
OVERRIDES: dict = {}


def _action(name: str, method: str) -> str:
    from tests.classrooms.test_permission_matrix import REQUIRES

    required = REQUIRES[name]
    return required if isinstance(required, str) else required[method]


@require_http_methods(["GET", "POST"])
def stand_in(request, name: str, pk=None, student=None, guardrail=None, token=None, section=None, member=None, **more):
    if name in OVERRIDES:
        return OVERRIDES[name](request, name=name, pk=pk, student=student)
    if pk is None:
        if not request.user.is_authenticated and name not in ("join", "join_link"):
            return redirect_to_login(request.get_full_path())
        if name == "create" and not is_instructor(request.user):
            raise PermissionDenied("Only instructors can create classrooms.")
        if token is not None:
            key = get_object_or_404(JoinKey, value=token)
            if Enrollment.objects.filter(
                classroom=key.classroom, user=request.user.pk, state=Enrollment.REMOVED
            ).exists():
                raise PermissionDenied("You were removed from this classroom.")
        return HttpResponse("ok")
    action = _action(name, request.method)
    classroom, actor = get_classroom(request, pk, action)
    if student is not None:
        get_student(actor, student, action)
    if guardrail is not None:
        get_object_or_404(Guardrail, classroom=classroom, pk=guardrail)
    if section is not None:
        get_object_or_404(Section, classroom=classroom, pk=section)
    if member is not None:
        get_object_or_404(StaffMember, classroom=classroom, pk=member)
    if "vote" in more:
        get_object_or_404(Vote, classroom=classroom, pk=more["vote"])
    if "assignment" in more:
        get_object_or_404(Assignment, classroom=classroom, pk=more["assignment"])
    return HttpResponse("ok")


# ---- broken views ----------------------------------------------------------------------------------------------


def reset_without_asking(request, *, name, pk, student):
    """Checks only that the visitor belongs to the classroom, then changes the student's account."""
    _, actor = get_classroom(request, pk, "view")
    enrollment = get_object_or_404(Enrollment, classroom=actor.classroom, pk=student)
    if request.method == "POST":
        Sandbox.objects.filter(pk=enrollment.sandbox_id).update(read_only_reason="reset by anyone")
    return HttpResponse("reset")


def refuse_everyone(request, *, name, pk, student):
    raise PermissionDenied("No.")


def touch_classmates(request, *, name, pk, student):
    classroom, actor = get_classroom(request, pk, "use_account")
    if request.method == "POST":
        Sandbox.objects.filter(enrollment__classroom=classroom).exclude(pk=actor.enrollment.sandbox_id).update(
            clock_offset=999
        )
    return HttpResponse("ok")


def refuse_without_reason(request, *, name, pk, student):
    _, actor = get_classroom(request, pk, "view")
    if actor.role not in ("owner", "co_instructor"):
        raise PermissionDenied("")
    return HttpResponse("ok")


classroom_patterns = [path(route, stand_in, {"name": name}, name=name) for name, route in ROUTES.items()]
urlpatterns = [
    *(p for p in site_urls.urlpatterns if getattr(p, "app_name", None) != "classrooms"),
    path("classrooms/", include((classroom_patterns, "classrooms"))),
]
