"""Lessons' "try it" worlds in the sandbox: load one with its task, then check the work with the engine."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from iamtutor.engine import normalise_scenario, run_scenario
from iamtutor.lib.http import HtmxHttpRequest
from lessons.models import TryIt

from ..access import current_sandbox, get_sandbox, remember
from ..worlds import create_sandbox, replace_contents, world_data

TASK_KEY = "sandbox_tryit_step"


@require_POST
def load(request: HtmxHttpRequest, step: int) -> HttpResponse:
    """Replaces the learner's sandbox (made now if needed) with step ``step``'s starting world."""
    tryit = _tryit(step)
    sandbox = current_sandbox(request) or create_sandbox(request.user if request.user.is_authenticated else None)
    remember(request, sandbox)
    if sandbox.read_only_reason:
        messages.error(request, sandbox.read_only_reason)
        return redirect(sandbox)
    replace_contents(sandbox, tryit.world)
    request.session[TASK_KEY] = step
    messages.success(
        request, _("Step %(step)s's world is loaded. Your task: %(task)s") % {"step": step, "task": tryit.task}
    )
    return redirect("sandbox:task", sandbox.pk)


@require_http_methods(["GET", "POST"])
def task(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The current try-it task; POST runs its checks against the sandbox as it is now."""
    sandbox = get_sandbox(request, pk)
    step = request.session.get(TASK_KEY)
    tryit = TryIt.objects.filter(step=step).first() if step else None
    context = {"sandbox": sandbox, "tryit": tryit}
    if request.method == "POST" and tryit is not None:
        context["results"] = check(sandbox, tryit)
        context["done"] = all(result["passed"] for result in context["results"])
    return render(request, "sandbox/task.html#result" if request.htmx else "sandbox/task.html", context)


def check(sandbox, tryit: TryIt) -> list[dict]:
    """Runs the task's check steps on a copy of the sandbox's world: the sandbox itself is not changed."""
    scenario = normalise_scenario({"world": _without_events(world_data(sandbox)), "steps": tryit.checks})
    outcome = run_scenario(scenario)
    if outcome.load_error:
        return [{"title": _("Loading your world"), "passed": False, "detail": outcome.load_error.get("message", "")}]
    return [
        {"title": step.title, "passed": not step.failures, "detail": "; ".join(step.failures)} for step in outcome.steps
    ]


def _tryit(step: int) -> TryIt:
    tryit = TryIt.objects.filter(step=step).first()
    if tryit is None:
        raise Http404("No try-it world for that step.")
    return tryit


def _without_events(world: dict) -> dict:
    return {key: value for key, value in world.items() if key != "events"}


urlpatterns = [
    path("try-it/<int:step>/", load, name="tryit_load"),
    path("<uuid:pk>/task/", task, name="task"),
]
