"""The old "Try it" URLs of the sandbox, kept for bookmarks: each step's try-it world is a lab now.

``/sandbox/try-it/<step>/`` (once a POST that replaced the sandbox at once) leads to the step's lab page, where
the lab's own start page asks before it replaces the sandbox. ``/sandbox/<id>/task/`` leads to the lab the
sandbox holds now, or to the lessons' "Try it" page. A POST is answered with 303, a GET with 302.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from iamtutor.labs.loader import BUILD_UP_STEPS
from iamtutor.labs.models import Lab
from iamtutor.lib.http import HtmxHttpRequest

from ..access import get_sandbox


@require_http_methods(["GET", "POST"])
def load(request: HtmxHttpRequest, step: int) -> HttpResponse:
    """Step ``step``'s try-it world is its lab: go to the lab's page (nothing in the sandbox changes here)."""
    if step not in BUILD_UP_STEPS:
        raise Http404("The lesson has steps 1 to 7.")
    lab = Lab.objects.filter(try_it=step, retired=False).only("key").first()
    if lab is None:
        message = _("Step %(step)s has no lab loaded yet. Here are the labs of the other steps.") % {"step": step}
        messages.info(request, message)
        return _moved(request, "lessons:try_it")
    messages.info(
        request,
        _(
            "Step %(step)s's try-it world is a lab now. Start it below: the lab asks before it replaces what is in "
            "your sandbox, and it checks your work task by task."
        )
        % {"step": step},
    )
    return _moved(request, lab.get_absolute_url())


@require_http_methods(["GET", "POST"])
def task(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The sandbox's task is the lab it holds now: go to that lab's page, or to the lessons' "Try it" page."""
    sandbox = get_sandbox(request, pk)
    personal = sandbox.lab_attempts.filter(lab__retired=False, assignment_link__isnull=True)
    latest = personal.select_related("lab").first()
    if latest is not None:
        messages.info(request, _("Your sandbox's task is this lab's: its page lists the tasks and checks your work."))
        return _moved(request, latest.lab.get_absolute_url())
    messages.info(request, _("Tasks are labs now. Pick a step's lab to load its world into your sandbox."))
    return _moved(request, "lessons:try_it")


def _moved(request: HtmxHttpRequest, to: str) -> HttpResponse:
    response = redirect(to)
    if request.method == "POST":
        response.status_code = 303  # See Other: the page is fetched with GET
    return response


urlpatterns = [
    path("try-it/<int:step>/", load, name="tryit_load"),
    path("<uuid:pk>/task/", task, name="task"),
]
