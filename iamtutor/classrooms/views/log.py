"""The staff audit log: every staff action with actor, time, student and reason, newest first, 50 a page,
filtered by action and student (a TA sees their sections' students and classroom-wide entries); and, for a
student, what staff did to their own account."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from iamtutor.lib.http import HtmxHttpRequest

from .. import log
from ..clock import duration_words
from ..forms import StaffLogFilterForm
from ..models import StaffAction
from ..nav import page_context
from ..permissions import get_classroom, visible_enrollments

PAGE_SIZE = 50
# How a student's own log words what staff did to them (the staff log's wording names "a student").
ABOUT_YOU = {
    "student_viewed": "looked at your account (read-only)",
    "student_reset": "reset your account",
    "reset_undone": "undid the reset of your account",
    "clock_extended": "gave you extra time",
    "student_moved": "moved you to another section",
    "student_removed": "removed you from the classroom",
    "result_overridden": "overrode your result on a lab",
}
CHANGES = {
    "forward": "fast-forwarded by {minutes} min",
    "pause": "paused",
    "resume": "resumed",
    "jump": "jumped",
    "real_time": "went back to real time",
}


@require_GET
def staff_log(request: HtmxHttpRequest, pk) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "view_staff_log")
    entries = StaffAction.objects.filter(classroom=classroom)
    scope = actor.section_ids()
    if scope is not None:
        entries = entries.filter(Q(enrollment__isnull=True) | Q(enrollment__section_id__in=scope))
    visible = visible_enrollments(actor, classroom.enrollments.all()).select_related("user").order_by("user__username")
    form = StaffLogFilterForm(request.GET or None, students=[(e.pk, e.user.get_username()) for e in visible])
    page = _page(form.filter(entries), request)
    context = page_context(request, classroom, actor, form=form, page=page)
    context |= {"rows": entry_rows(page), "ta_scope": scope is not None}
    return render(request, "classrooms/log/log.html", context)


@require_GET
def my_log(request: HtmxHttpRequest, pk) -> HttpResponse:
    """What staff did to the student's own account: resets, undo, extra time, views of it."""
    classroom, actor = get_classroom(request, pk, "use_account")
    page = _page(StaffAction.objects.filter(classroom=classroom, enrollment=actor.enrollment), request)
    rows = entry_rows(page, wording=ABOUT_YOU)
    context = page_context(request, classroom, actor, page=page, rows=rows)
    return render(request, "classrooms/log/my_log.html", context)


def _page(entries: QuerySet[StaffAction], request: HtmxHttpRequest):
    entries = entries.select_related("enrollment__user").order_by("-created", "-pk")
    return Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))


def entry_rows(entries, wording: dict[str, str] | None = None) -> list[dict]:
    """Each entry with what it did, in words (``wording`` first, then the staff log's)."""
    words = {**log.ACTIONS, **(wording or {})}
    return [
        {"entry": entry, "what": words.get(entry.action, entry.action), "detail": detail(entry)} for entry in entries
    ]


def detail(entry: StaffAction) -> str:
    """The specifics of an entry, in words: "fast-forwarded by 15 min", "extra time 10 min (was 0 min)"."""
    data = entry.detail or {}
    if entry.action == "clock_changed":
        change = CHANGES.get(data.get("change"), "changed").format(minutes=data.get("minutes"))
        return f"{change}; class time {data.get('class_time', '?')}"
    if entry.action == "clock_extended":
        minutes, before = data.get("minutes", 0), data.get("previous_minutes", 0)
        return f"extra time {duration_words(minutes * 60)} (was {duration_words(before * 60)})"
    if entry.action == "student_reset":
        return "a snapshot was taken first, so the reset can be undone"
    if entry.action == "reset_undone" and data.get("restored_taken"):
        return f"back to the account as it was at {data['restored_taken']}"
    return "; ".join(
        f"{key.replace('_', ' ')}: {value}" for key, value in data.items() if not isinstance(value, dict | list)
    )


urlpatterns = [
    path("<uuid:pk>/log/", staff_log, name="log"),
    path("<uuid:pk>/my-log/", my_log, name="my_log"),
]
