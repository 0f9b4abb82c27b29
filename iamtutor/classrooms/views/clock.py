"""The class clock page: every student's time at a glance, and (for instructors) fast-forward, pause,
resume, jump and back to real time for the whole class at once."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from iamtutor.lib.http import HtmxHttpRequest

from .. import clock as class_clock
from ..forms import CLOCK_FORMS, ForwardForm, JumpForm
from ..membership import class_time
from ..models import Classroom, Enrollment
from ..nav import page_context
from ..permissions import Actor, get_classroom, visible_enrollments, why_not

EXTENDED_SHOWN = 100


@require_http_methods(["GET", "POST"])
def clock(request: HtmxHttpRequest, pk) -> HttpResponse:
    classroom, actor = get_classroom(request, pk, "view_clock" if request.method == "GET" else "manage_clock")
    forms = {"forward_form": ForwardForm(), "jump_form": JumpForm()}
    if request.method == "GET":
        return render(request, "classrooms/clock/clock.html", _context(request, classroom, actor, forms))
    form_class = CLOCK_FORMS.get(request.POST.get("action", ""))
    if form_class is None:
        messages.error(request, _("Choose a clock change: fast-forward, pause, resume, jump, or back to real time."))
        return render(request, "classrooms/clock/clock.html", _context(request, classroom, actor, forms), status=400)
    form = form_class(request.POST)
    forms[f"{form_class.kind}_form"] = form
    if form.is_valid():
        try:
            moment = class_clock.change_clock(classroom, request.user, form.change())
        except class_clock.ClockRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _("The class clock now reads %(time)s UTC, for every student.")
                % {"time": f"{moment:%Y-%m-%d %H:%M:%S}"},
            )
            return redirect("classrooms:clock", classroom.pk)
    context = _context(request, classroom, actor, forms) | {"refused": form}
    return render(request, "classrooms/clock/clock.html", context, status=400)


def _context(request: HtmxHttpRequest, classroom: Classroom, actor: Actor, forms: dict) -> dict:
    now = class_time(classroom)
    extended = visible_enrollments(actor, classroom.enrollments.filter(state=Enrollment.ACTIVE, clock_extension__gt=0))
    return page_context(request, classroom, actor) | {
        "class_time": now,
        "ahead": class_clock.ahead_of_real_time(now, timezone.now()),
        "paused": classroom.clock_frozen_at is not None,
        "self_paced": classroom.clock_mode == Classroom.SELF_PACED,
        "cannot_manage": why_not(actor, "manage_clock"),
        "presets": ForwardForm.PRESETS,
        "extended": [
            (enrollment, class_clock.duration_words(enrollment.clock_extension))
            for enrollment in extended.select_related("user").order_by("user__username")[:EXTENDED_SHOWN]
        ],
        "extended_count": extended.count(),
        "ta_scope": actor.section_ids() is not None,
        **forms,
    }


urlpatterns = [
    path("<uuid:pk>/clock/", clock, name="clock"),
]
