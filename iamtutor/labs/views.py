"""The labs' pages: the list, a lab with its tasks, starting it, checking the work, the hint ladder, putting
the learner's own world back. Each POST from htmx gets its fragment (a partial of the lab page); a plain POST
is redirected back to the page, which shows the same thing. A learner's attempt is always found through
their own sandbox (``current_sandbox``), never by an id in the URL."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamtutor.lib.http import HtmxHttpRequest
from iamtutor.sandbox.access import current_sandbox, remember
from iamtutor.sandbox.worlds import ReadOnlySandbox, create_sandbox

from . import attempts
from .catalogue import groups, lab_context
from .forms import AnswersForm, HintForm, StartForm
from .models import Lab, Task


def _lab(key: str) -> Lab:
    return get_object_or_404(Lab, key=key, retired=False)


@require_GET
def index(request: HtmxHttpRequest) -> HttpResponse:
    mode = request.GET.get("mode", "")
    mode = mode if mode in dict(Lab.MODES) else ""
    labs = list(Lab.objects.filter(retired=False).only("key", "title", "steps", "first_step", "mode", "order"))
    statuses = attempts.statuses(current_sandbox(request))
    for lab in labs:
        lab.status = statuses.get(lab.pk, "")
    return render(request, "labs/index.html", {"groups": groups(labs, mode), "mode": mode, "modes": Lab.MODES})


@require_GET
def detail(request: HtmxHttpRequest, key: str) -> HttpResponse:
    lab = _lab(key)
    return render(request, "labs/detail.html", lab_context(lab, current_sandbox(request)))


@require_http_methods(["GET", "POST"])
def start(request: HtmxHttpRequest, key: str) -> HttpResponse:
    """A confirmation page; the confirmed POST loads the lab's world into the learner's sandbox (made now if
    they have none, signed in or not)."""
    lab = _lab(key)
    sandbox = current_sandbox(request)
    form = StartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if sandbox is None:
            sandbox = create_sandbox(request.user if request.user.is_authenticated else None)
            remember(request, sandbox)
        try:
            attempts.start(lab, sandbox, keep_copy=form.cleaned_data["keep_copy"])
        except ReadOnlySandbox as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The lab's world is in your sandbox. Work through the tasks below."))
        return redirect(lab)
    return render(request, "labs/start.html", {"lab": lab, "sandbox": sandbox, "form": form})


@require_POST
def check(request: HtmxHttpRequest, key: str) -> HttpResponse:
    """Runs every task's checks on the learner's sandbox as it is now (saving detective answers first)."""
    lab = _lab(key)
    sandbox = current_sandbox(request)
    attempt = attempts.current_attempt(sandbox, lab)
    if attempt is None or not attempts.is_current(attempt):
        messages.error(request, _("Start the lab first: its checks run on the lab's world in your sandbox."))
        return redirect(lab)
    tasks = list(lab.tasks.all())
    form = AnswersForm(tasks, request.POST)
    attempts.check(attempt, form.answers() if form.is_valid() else None)
    if not request.htmx:
        return redirect(f"{lab.get_absolute_url()}#results")
    return render(request, "labs/detail.html#results", lab_context(lab, sandbox, attempt=attempt, checked=True))


@require_POST
def hint(request: HtmxHttpRequest, key: str, task_key: str) -> HttpResponse:
    """Reveals the next rung of a task's hint ladder; the server refuses to skip a rung."""
    lab = _lab(key)
    task = get_object_or_404(Task, lab=lab, key=task_key)
    sandbox = current_sandbox(request)
    attempt = attempts.current_attempt(sandbox, lab)
    form = HintForm(request.POST)
    status, error = 200, ""
    if attempt is None:
        status, error = 409, _("Start the lab first: hints belong to an attempt.")
    elif not form.is_valid():
        status, error = 400, _("Choose which hint to show.")
    else:
        try:
            attempts.reveal_hint(attempt, task, form.cleaned_data["rung"])
        except attempts.HintOutOfOrder as refused:
            status = 409
            error = _("Hints come one at a time: reveal hint %(n)s first.") % {"n": refused.next_rung}
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(f"{lab.get_absolute_url()}#task-{task.key}")
    context = lab_context(lab, sandbox, attempt=attempt)
    context["row"] = next(row for row in context["rows"] if row.task.pk == task.pk)
    context["hint_error"] = error
    return render(request, "labs/detail.html#hints", context, status=status)


@require_POST
def restore(request: HtmxHttpRequest, key: str) -> HttpResponse:
    """Puts back the world the learner's sandbox held before they started the lab."""
    lab = _lab(key)
    attempt = attempts.current_attempt(current_sandbox(request), lab)
    if attempt is None or not attempt.saved_world:
        messages.error(request, _("There is no saved world to put back for this lab."))
    else:
        try:
            attempts.restore(attempt)
        except ReadOnlySandbox as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Your sandbox holds the world it had before you started the lab."))
    return redirect(lab)
