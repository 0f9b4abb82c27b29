"""The roster: students by section with their account and last activity, its CSV export, moving a student to
another section and removing one (with a reason, after a confirmation). ``roster.py`` holds the logic; a TA
sees only their sections' students and the page says so."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamtutor.lib.http import HtmxHttpRequest

from .. import roster as rosters
from ..forms import StudentMoveForm, StudentRemoveForm
from ..models import Classroom, Enrollment
from ..nav import page_context
from ..permissions import can, get_classroom, get_student


@require_GET
def roster(request: HtmxHttpRequest, pk) -> HttpResponse:
    """Every student the actor may see, under one heading per section (``?section=<id>``: one section)."""
    classroom, actor = get_classroom(request, pk, "view_roster")
    sections = rosters.visible_sections(actor)
    chosen = next((s for s in sections if str(s.pk) == request.GET.get("section")), None)
    rows = list(rosters.students(actor, chosen))
    can_manage = can(actor, "manage_roster")
    _prepare(classroom, rows, sections if can_manage else None, student_pages=can(actor, "view_student"))
    context = {
        **page_context(request, classroom, actor),
        "groups": rosters.grouped([chosen] if chosen else sections, rows),
        "sections": sections,
        "chosen": chosen,
        "scoped": actor.section_ids() is not None,
        "total": len(rows),
        "can_manage": can_manage,
        "can_export": can(actor, "export_roster"),
    }
    return render(request, "classrooms/roster/roster.html", context)


def _prepare(classroom: Classroom, rows: list[Enrollment], sections: list | None, *, student_pages: bool) -> None:
    """Gives each row its dates as text, the link to the student's page (for staff who may open it: view as,
    reset, undo, extra time) and, for staff who may change the roster, its links and section choices, so that
    the template only prints them: 300 rows render within the page's budget."""
    page_url = _student_url(classroom, "student") if student_pages else None
    if sections is not None:
        move_url, remove_url = _student_url(classroom, "student_move"), _student_url(classroom, "student_remove")
        options = {
            None: _options(sections, None),
            **{section.pk: _options(sections, section.pk) for section in sections},
        }
    for row in rows:
        row.joined_text = row.joined.strftime("%Y-%m-%d")
        row.last_used_text = row.sandbox.last_used.strftime("%Y-%m-%d %H:%M")
        row.removed_text = row.removed_at.strftime("%Y-%m-%d") if row.removed_at else ""
        row.page_url = page_url(row.pk) if page_url else ""
        if sections is not None:
            row.move_url, row.remove_url = move_url(row.pk), remove_url(row.pk)
            row.section_options = options.get(row.section_id, options[None])


def _student_url(classroom: Classroom, name: str):
    """``pk -> URL`` of the classroom's student page ``name``: one ``reverse`` for all the rows."""
    marker = 987654321
    head, tail = reverse(f"classrooms:{name}", args=[classroom.pk, marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _options(sections: list, selected: int | None) -> str:
    """The section choices of a move form, ``selected`` preselected (``None``: "No section")."""
    choices = [("", _("No section"), selected is None)]
    choices += [(section.pk, section.name, section.pk == selected) for section in sections]
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if on else "", name) for value, name, on in choices),
    )


@require_GET
def roster_csv(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The roster as a CSV file; email addresses only for instructors."""
    classroom, actor = get_classroom(request, pk, "export_roster")
    text = rosters.csv_text(list(rosters.students(actor)), with_email=can(actor, "view_student_emails"))
    name = f"roster-{slugify(classroom.name) or 'classroom'}-{timezone.now():%Y-%m-%d}.csv"
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@require_POST
def student_move(request: HtmxHttpRequest, pk, student: int) -> HttpResponse:
    """Moves a student to another section (or to none)."""
    classroom, actor = get_classroom(request, pk, "manage_roster")
    enrollment = get_student(actor, student, "manage_roster")
    form = StudentMoveForm(request.POST, classroom=classroom)
    if not form.is_valid():
        context = {**page_context(request, classroom, actor), "student": enrollment, "form": form}
        return render(request, "classrooms/roster/move.html", context, status=400)
    section = form.cleaned_data["section"]
    result = rosters.move(classroom, request.user, enrollment, section)
    name, where = enrollment.user.username, section.name if section else _("no section")
    if result == rosters.MOVED:
        messages.success(request, _("Moved %(name)s to %(where)s.") % {"name": name, "where": where})
    elif result == rosters.UNCHANGED:
        messages.info(request, _("%(name)s is in %(where)s already.") % {"name": name, "where": where})
    else:
        messages.error(
            request, _("%(name)s was removed from the classroom, so they stay where they were.") % {"name": name}
        )
    return _back_to_roster(classroom, enrollment)


@require_http_methods(["GET", "POST"])
def student_remove(request: HtmxHttpRequest, pk, student: int) -> HttpResponse:
    """GET asks to confirm, with a reason; POST removes the student (their account is kept, read-only)."""
    classroom, actor = get_classroom(request, pk, "manage_roster")
    enrollment = get_student(actor, student, "manage_roster")
    form = StudentRemoveForm(request.POST or None)
    if request.method == "POST" and enrollment.state == Enrollment.REMOVED:
        messages.info(request, _("%(name)s was removed already.") % {"name": enrollment.user.username})
        return _back_to_roster(classroom, enrollment)
    if request.method == "POST" and form.is_valid():
        rosters.remove(classroom, request.user, enrollment, form.cleaned_data["reason"])
        messages.success(
            request,
            _("Removed %(name)s. Their account is kept read-only, and they can still look at it.")
            % {"name": enrollment.user.username},
        )
        return _back_to_roster(classroom, enrollment)
    context = {**page_context(request, classroom, actor), "student": enrollment, "form": form}
    return render(request, "classrooms/roster/remove.html", context, status=400 if form.errors else 200)


def _back_to_roster(classroom: Classroom, enrollment: Enrollment) -> HttpResponse:
    return redirect(f"{reverse('classrooms:roster', args=[classroom.pk])}#student-{enrollment.pk}")


urlpatterns = [
    path("<uuid:pk>/roster/", roster, name="roster"),
    path("<uuid:pk>/roster/roster.csv", roster_csv, name="roster_csv"),
    path("<uuid:pk>/students/<int:student>/move/", student_move, name="student_move"),
    path("<uuid:pk>/students/<int:student>/remove/", student_remove, name="student_remove"),
]
