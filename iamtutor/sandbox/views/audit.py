"""The audit trail: the sandbox's CloudTrail-shaped events, newest first, 50 a page, with filters and each
event's JSON (a disclosure per row, and one event's JSON at its own URL)."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from iamtutor.lib.http import HtmxHttpRequest

from ..access import get_sandbox
from ..forms import AuditFilterForm
from ..models import AuditEvent

PAGE_SIZE = 50


@require_GET
def audit(request: HtmxHttpRequest, pk) -> HttpResponse:
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
def audit_event(request: HtmxHttpRequest, pk, event_id: str) -> JsonResponse:
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
