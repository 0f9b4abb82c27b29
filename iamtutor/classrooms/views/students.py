"""One student as staff see them: their account, clock and the staff actions about them, and the per-student
controls — "view as" (read-only), reset with a snapshot first, undo, and extra time."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from iamtutor.lib.http import HtmxHttpRequest
from iamtutor.sandbox.worlds import sandbox_now

from .. import clock as class_clock
from .. import students
from ..forms import ExtensionForm, ResetForm, UndoForm
from ..membership import class_time
from ..models import Classroom, Enrollment
from ..nav import page_context
from ..permissions import Actor, get_classroom, get_student, why_not
from .log import entry_rows

RECENT_ACTIONS = 10


@require_http_methods(["GET"])
def student(request: HtmxHttpRequest, pk, student: int) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "view_student")
    enrollment = get_student(actor, student, "view_student")
    return render(request, "classrooms/students/student.html", _context(request, classroom, actor, enrollment))


@require_POST
def student_view(request: HtmxHttpRequest, pk, student: int) -> HttpResponse:
    """Logs the visit, then opens the student's sandbox, where staff can only look (``sandbox.access``)."""
    _classroom, actor = get_classroom(request, pk, "view_student")
    enrollment = get_student(actor, student, "view_student")
    students.record_view(enrollment, request.user)
    return redirect(enrollment.sandbox)


@require_http_methods(["GET", "POST"])
def student_reset(request: HtmxHttpRequest, pk, student: int) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "reset_student")
    enrollment = get_student(actor, student, "reset_student")
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        students.reset(enrollment, request.user, form.cleaned_data["reason"])
        name = enrollment.user.get_username()
        messages.success(
            request, _("%(name)s's account is back to its starting state. Undo is on this page.") % {"name": name}
        )
        return redirect("classrooms:student", classroom.pk, enrollment.pk)
    context = _context(request, classroom, actor, enrollment) | {"form": form}
    return render(request, "classrooms/students/reset.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def student_undo(request: HtmxHttpRequest, pk, student: int) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "reset_student")
    enrollment = get_student(actor, student, "reset_student")
    form = UndoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            restored = students.undo(enrollment, request.user, form.cleaned_data["reason"])
        except students.StudentActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            when = f"{restored.created:%Y-%m-%d %H:%M:%S}"
            messages.success(request, _("The account is back as it was at %(when)s UTC.") % {"when": when})
            return redirect("classrooms:student", classroom.pk, enrollment.pk)
    context = _context(request, classroom, actor, enrollment) | {"form": form}
    return render(request, "classrooms/students/undo.html", context, status=400 if form.errors else 200)


@require_POST
def student_extend(request: HtmxHttpRequest, pk, student: int) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "extend_student_clock")
    enrollment = get_student(actor, student, "extend_student_clock")
    form = ExtensionForm(request.POST)
    if form.is_valid():
        minutes = form.cleaned_data["minutes"]
        try:
            changed = students.extend(enrollment, request.user, minutes, form.cleaned_data["reason"])
        except students.StudentActionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            name = enrollment.user.get_username()
            done = (
                _("%(name)s now has %(minutes)s minutes of extra time.")
                if changed
                else _("%(name)s has %(minutes)s minutes of extra time already.")
            )
            messages.success(request, done % {"name": name, "minutes": minutes})
            return redirect("classrooms:student", classroom.pk, enrollment.pk)
    context = _context(request, classroom, actor, enrollment, extension_form=form)
    return render(request, "classrooms/students/student.html", context, status=400)


def _context(
    request: HtmxHttpRequest, classroom: Classroom, actor: Actor, enrollment: Enrollment, extension_form=None
) -> dict:
    sandbox = enrollment.sandbox
    minutes = enrollment.clock_extension // 60
    return page_context(request, classroom, actor) | {
        "enrollment": enrollment,
        "name": enrollment.user.get_full_name() or enrollment.user.get_username(),
        "student_time": sandbox_now(sandbox),
        "class_time": class_time(classroom),
        "class_clock": classroom.clock_mode == Classroom.CLASS_CLOCK,
        "extension": class_clock.duration_words(enrollment.clock_extension) if minutes else "",
        "snapshot": students.latest_snapshot(enrollment),
        "snapshot_count": enrollment.snapshots.count(),
        "rows": entry_rows(enrollment.staff_actions.order_by("-created", "-pk")[:RECENT_ACTIONS]),
        "cannot_reset": why_not(actor, "reset_student", enrollment),
        "cannot_extend": why_not(actor, "extend_student_clock", enrollment),
        "extension_form": extension_form or ExtensionForm(initial={"minutes": minutes}),
    }


urlpatterns = [
    path("<uuid:pk>/students/<int:student>/", student, name="student"),
    path("<uuid:pk>/students/<int:student>/view/", student_view, name="student_view"),
    path("<uuid:pk>/students/<int:student>/reset/", student_reset, name="student_reset"),
    path("<uuid:pk>/students/<int:student>/undo/", student_undo, name="student_undo"),
    path("<uuid:pk>/students/<int:student>/extend/", student_extend, name="student_extend"),
]
