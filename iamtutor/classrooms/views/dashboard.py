"""The dashboard: the students × labs grid with who looks stuck (refreshed by htmx polling that costs one query
when nothing changed), one student's work on one lab, overriding a result, and the grades as CSV.
``dashboard.py`` and ``grading.py`` hold the logic; a TA sees only their sections' students."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from iamtutor.lib.http import HtmxHttpRequest

from .. import assignments, grading
from .. import dashboard as dashboards
from ..forms import OverrideForm
from ..models import Assignment, Classroom
from ..nav import page_context
from ..permissions import Actor, can, get_classroom, get_student, require


@require_GET
def dashboard(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The grid; polled by htmx with ``since`` (the fingerprint it was drawn with): 204 when nothing changed,
    else the grid fragment. ``?section=<id>`` narrows it to one section."""
    classroom, actor = get_classroom(request, pk, "view_dashboard")
    since = request.GET.get("since")
    if request.htmx and since and since == dashboards.fingerprint(classroom):
        return HttpResponse(status=204)
    grid = dashboards.grid(actor, _section(actor, request.GET.get("section")))
    context = page_context(
        request,
        classroom,
        actor,
        grid=grid,
        summary=dashboards.summary(grid.columns),
        poll_seconds=dashboards.POLL_SECONDS,
        stuck_minutes=dashboards.STUCK_MINUTES,
        stuck_assumes=dashboards.STUCK_FAILED_ASSUMES,
        can_export=can(actor, "export_grades"),
        can_export_named=can(actor, "export_named_grades"),
    )
    template = "classrooms/dashboard/dashboard.html" + ("#grid" if request.htmx and since else "")
    return render(request, template, context)


def _section(actor: Actor, chosen: str | None):
    if not chosen or not chosen.isdigit():
        return None
    sections = actor.classroom.sections.filter(pk=chosen)
    scope = actor.section_ids()
    return (sections if scope is None else sections.filter(pk__in=scope)).first()


def _assignment(actor: Actor, pk) -> Assignment:
    """An assignment the actor sees (a TA: the whole class's and their sections'); 404 otherwise."""
    return get_object_or_404(assignments.visible(actor), pk=pk)


@require_GET
def dashboard_student(request: HtmxHttpRequest, pk, assignment: int, student: int) -> HttpResponse:
    """One student's work on one lab: their starts, the counted check run, hints with times, overrides, flags."""
    classroom, actor = get_classroom(request, pk, "view_dashboard")
    enrollment = get_student(actor, student, "view_dashboard")
    item = _assignment(actor, assignment)
    context = _student_context(request, classroom, actor, item, enrollment)
    return render(request, "classrooms/dashboard/student.html", context)


@require_http_methods(["GET", "POST"])
def result_override(request: HtmxHttpRequest, pk, assignment: int, student: int) -> HttpResponse:
    """Override one student's score on one lab (or withdraw an override), with a reason for the staff log."""
    classroom, actor = get_classroom(request, pk, "override_result")
    enrollment = get_student(actor, student, "override_result")
    item = _assignment(actor, assignment)
    form = OverrideForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        score = form.score_value()
        grading.override(item, enrollment, request.user, score, form.cleaned_data["reason"])
        name = enrollment.user.get_username()
        done = (
            _("%(name)s's result on this lab is now %(score)s%%.") % {"name": name, "score": score}
            if score is not None
            else _("The override is withdrawn: %(name)s's checks count again.") % {"name": name}
        )
        messages.success(request, done)
        return redirect("classrooms:dashboard_student", classroom.pk, item.pk, enrollment.pk)
    context = _student_context(request, classroom, actor, item, enrollment) | {"form": form}
    return render(request, "classrooms/dashboard/override.html", context, status=400 if form.errors else 200)


def _student_context(request, classroom: Classroom, actor: Actor, item: Assignment, enrollment) -> dict:
    return page_context(
        request,
        classroom,
        actor,
        assignment=item,
        enrollment=enrollment,
        name=enrollment.user.get_username(),
        work=dashboards.student_work(item, enrollment),
        title=grading.column_title(item),
        phase_words=assignments.PHASE_WORDS[assignments.phase(item)],
        can_override=can(actor, "override_result", enrollment),
        can_view_student=can(actor, "view_student", enrollment),
        score_text=grading.score_text,
    )


@require_GET
def grades_csv(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The grades as CSV: by pseudonymous id, or (``?who=names``, instructors only) by user name."""
    classroom, actor = get_classroom(request, pk, "export_grades")
    named = request.GET.get("who") == "names"
    if named:
        require(actor, "export_named_grades")
    columns = list(assignments.visible(actor))
    text = grading.csv_text(actor, columns, named=named)
    name = f"grades-{slugify(classroom.name) or 'classroom'}-{timezone.now():%Y-%m-%d}.csv"
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


urlpatterns = [
    path("<uuid:pk>/dashboard/", dashboard, name="dashboard"),
    path("<uuid:pk>/dashboard/<int:assignment>/students/<int:student>/", dashboard_student, name="dashboard_student"),
    path(
        "<uuid:pk>/dashboard/<int:assignment>/students/<int:student>/override/",
        result_override,
        name="result_override",
    ),
    path("<uuid:pk>/grades.csv", grades_csv, name="grades_csv"),
]
