"""The audit trail: the sandbox's CloudTrail-shaped events, newest first, 50 a page, with filters and each
event's JSON (a disclosure per row, and one event's JSON at its own URL)."""

from __future__ import annotations

import json

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ..access import get_sandbox
from ..models import AuditEvent

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    """GET filters; every field is optional and an empty form shows everything."""

    event_name = forms.CharField(
        label=_("Event name"),
        required=False,
        max_length=128,
        help_text=_("Exact name, e.g. AssumeRole or GetObject."),
        widget=forms.TextInput(attrs={"list": "audit-event-names", "autocomplete": "off", "class": "code-input"}),
    )
    identity = forms.CharField(
        label=_("Identity"),
        required=False,
        max_length=2048,
        help_text=_("Part of the caller's ARN, e.g. user/alice or ReportsReader."),
        widget=forms.TextInput(
            attrs={"list": "audit-identities", "autocomplete": "off", "spellcheck": "false", "class": "code-input"}
        ),
    )
    errors_only = forms.BooleanField(label=_("Errors only"), required=False)

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """``events`` narrowed by the valid filters (an invalid form filters nothing)."""
        if not self.is_valid():
            return events
        data = self.cleaned_data
        if data["event_name"].strip():
            events = events.filter(event_name__iexact=data["event_name"].strip())
        if data["identity"].strip():
            events = events.filter(principal_arn__icontains=data["identity"].strip())
        if data["errors_only"]:
            events = events.exclude(error_code="")
        return events


@require_GET
def audit(request: HttpRequest, pk) -> HttpResponse:
    """The events page; with htmx only the table, swapped in place under the filter form."""
    sandbox = get_sandbox(request, pk)
    form = AuditFilterForm(request.GET)
    page = Paginator(form.filter(sandbox.events.all()), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_row(event) for event in page]
    context = {"sandbox": sandbox, "form": form, "page": page, "rows": rows}
    if request.htmx:
        return render(request, "sandbox/audit.html#events", context)
    distinct = sandbox.events.order_by()
    context["event_names"] = distinct.values_list("event_name", flat=True).distinct().order_by("event_name")[:200]
    context["identities"] = distinct.values_list("principal_arn", flat=True).distinct().order_by("principal_arn")[:200]
    return render(request, "sandbox/audit.html", context)


def _row(event: AuditEvent) -> dict:
    return {
        "event": event,
        "json": json.dumps(event.data, indent=2, ensure_ascii=False),
        "url": reverse("sandbox:audit_event", args=[event.sandbox_id, event.event_id]),
        "summary": gettext("JSON of %(name)s") % {"name": event.event_name},
    }


@require_GET
def audit_event(request: HttpRequest, pk, event_id: str) -> JsonResponse:
    """One event as CloudTrail would show it (JSON), named by its random CloudTrail ``eventID`` (a database id
    would tell how busy the site is)."""
    sandbox = get_sandbox(request, pk)
    event = sandbox.events.filter(event_id=event_id).first()
    if event is None:
        raise Http404("No such event.")
    return JsonResponse(event.data, json_dumps_params={"indent": 2})


urlpatterns = [
    path("<uuid:pk>/audit/", audit, name="audit"),
    path("<uuid:pk>/audit/<str:event_id>/", audit_event, name="audit_event"),
]
