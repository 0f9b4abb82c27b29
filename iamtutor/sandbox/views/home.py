"""The sandbox's front page, its creation, the clock, and export / import / reset."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iamtutor.engine import EngineError
from iamtutor.lib.http import HtmxHttpRequest

from .. import hooks, revision
from ..access import current_sandbox, get_sandbox, remember
from ..forms import ClockForm, ImportForm
from ..models import Sandbox, account_counts
from ..worlds import (
    create_sandbox,
    export_data,
    read_world_file,
    replace_contents,
    sandbox_now,
    starting_compute,
    starting_world,
)

IMPORT_TTL = 15 * 60


@require_GET
def start(request: HtmxHttpRequest) -> HttpResponse:
    """``/sandbox/``: your sandbox, or an invitation to make one (nothing is created on a mere visit)."""
    sandbox = current_sandbox(request)
    if sandbox is not None:
        return redirect(sandbox)
    return render(request, "sandbox/start.html")


@require_POST
def create(request: HtmxHttpRequest) -> HttpResponse:
    sandbox = current_sandbox(request)
    if sandbox is None:
        sandbox = create_sandbox(owner=request.user if request.user.is_authenticated else None)
        remember(request, sandbox)
    return redirect(sandbox)


@require_GET
def overview(request: HtmxHttpRequest, pk) -> HttpResponse:
    """Accounts, sessions and the latest events come from the facts of this revision (``revision.py``): one
    query (the sandbox) while nothing changes (two in a classroom, whose events are read each time)."""
    sandbox = get_sandbox(request, pk)
    now = sandbox_now(sandbox)
    context = {
        "sandbox": sandbox,
        "accounts": revision.accounts(sandbox),
        "now": now,
        "sessions": revision.session_counts(sandbox, now),
        "recent_events": revision.recent_events(sandbox),
        "clock_minutes": ClockForm.MINUTES,
    }
    return render(request, "sandbox/overview.html", context)


@require_POST
def clock(request: HtmxHttpRequest, pk) -> HttpResponse:
    """Fast-forward the sandbox clock by 5, 15 or 60 minutes, or go back to real time; refused when the sandbox is
    read-only or its clock is not the learner's (a classroom's class clock)."""
    sandbox = get_sandbox(request, pk)
    form = ClockForm(request.POST)
    if refusal := sandbox.read_only_reason or sandbox.clock_owner:
        if not request.htmx:  # the clock fragment itself says why
            messages.error(request, refusal)
    elif form.is_valid():
        forward = form.cleaned_data["action"] == "forward"
        offset = F("clock_offset") + form.cleaned_data["minutes"] * 60 if forward else 0
        Sandbox.objects.filter(pk=sandbox.pk).update(clock_offset=offset, last_used=timezone.now())
        sandbox.refresh_from_db(fields=["clock_offset", "last_used"])
    else:
        messages.error(request, " ".join(form.non_field_errors()) or _("Choose a valid clock change."))
    context = {"sandbox": sandbox, "now": sandbox_now(sandbox), "clock_minutes": ClockForm.MINUTES}
    if request.htmx:
        return render(request, "sandbox/partials/clock.html", context)
    return redirect(_same_site(request, request.POST.get("next")) or sandbox.get_absolute_url())


def _same_site(request: HtmxHttpRequest, url: str | None) -> str | None:
    """``url`` if it stays on this site (a path, or this host), else ``None``: never an open redirect."""
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()):
        return url
    return None


@require_GET
def export(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The sandbox as a world file (world-format.md), Lambda functions and EC2 instances included; no secrets."""
    sandbox = get_sandbox(request, pk)
    response = JsonResponse(export_data(sandbox), json_dumps_params={"indent": 2, "sort_keys": True})
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="iamtutor-sandbox-{stamp}.json"'
    return response


@require_http_methods(["GET", "POST"])
def import_world(request: HtmxHttpRequest, pk) -> HttpResponse:
    """Upload a world file → preview what it holds → confirm to replace the sandbox's contents."""
    sandbox = get_sandbox(request, pk)
    if refusal := _import_refusal(sandbox):
        status = 200 if request.method == "GET" else 403
        return render(request, "sandbox/import.html", {"sandbox": sandbox, "refusal": refusal}, status=status)
    if request.method == "POST" and "token" in request.POST:
        return _confirm_import(request, sandbox)
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"sandbox": sandbox, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            staged = read_world_file(form.cleaned_data["file"].read(), form.cleaned_data["account_id"])
        except EngineError as err:
            context["error"] = err
        else:
            token = secrets.token_urlsafe(16)
            cache.set(_import_key(sandbox, token), staged, IMPORT_TTL)
            context.update(preview=_preview(staged["world"]), token=token)
    return render(request, "sandbox/import.html", context)


def _confirm_import(request: HtmxHttpRequest, sandbox: Sandbox) -> HttpResponse:
    key = _import_key(sandbox, request.POST["token"])
    staged = cache.get(key)
    # Deleting the upload claims it: of two confirmations of one upload (a double click), one imports.
    if staged is None or not cache.delete(key):
        messages.error(
            request,
            _("That upload has expired or was imported already (uploads are kept for 15 minutes). Upload it again."),
        )
        return redirect("sandbox:import", sandbox.pk)
    try:
        replace_contents(sandbox, staged["world"], staged["compute"], staged.get("secrets"))
    except EngineError as err:
        return render(request, "sandbox/import.html", {"sandbox": sandbox, "form": ImportForm(), "error": err})
    messages.success(request, _("The world file was imported. Your sandbox now holds exactly what it describes."))
    return redirect(sandbox)


@require_POST
def reset(request: HtmxHttpRequest, pk) -> HttpResponse:
    sandbox = get_sandbox(request, pk)
    if sandbox.read_only_reason:
        messages.error(request, sandbox.read_only_reason)
        return redirect(sandbox)
    if request.POST.get("confirm") != "reset":
        messages.error(request, _("Tick the box to confirm: a reset removes everything you changed."))
        return redirect(sandbox)
    own = hooks.federation.starting_contents(sandbox) if sandbox.kind == Sandbox.CLASSROOM else None
    world, compute = own or (starting_world(), starting_compute())
    with transaction.atomic():
        # A clock that is not the learner's (a class clock) is not theirs to reset either: it stays.
        kept = Sandbox.objects.select_for_update().values("clock_offset", "clock_frozen_at").get(pk=sandbox.pk)
        replace_contents(sandbox, world, compute)
        if sandbox.clock_owner:
            Sandbox.objects.filter(pk=sandbox.pk).update(**kept)
    messages.success(request, _("Your sandbox is back to its starting world."))
    return redirect(sandbox)


def _import_refusal(sandbox: Sandbox) -> str | None:
    """Why nothing may be imported into ``sandbox`` now, or ``None``."""
    if sandbox.read_only_reason:
        return sandbox.read_only_reason
    if sandbox.kind == Sandbox.CLASSROOM:
        return _(
            "This is your account in a classroom: it keeps its account id and its place in the class, so a "
            "world file cannot replace it. Import world files into your personal sandbox instead."
        )
    return None


def _import_key(sandbox: Sandbox, token: str) -> str:
    return f"sandbox-import:{sandbox.pk}:{token}"


def _preview(world: dict) -> list[dict]:
    return [
        {
            "account_id": account_id,
            "alias": document.get("alias", ""),
            **account_counts(document),
        }
        for account_id, document in world["accounts"].items()
    ]


def time_left(expires_at, now) -> timedelta:
    return max(expires_at - now, timedelta(0))


urlpatterns = [
    path("", start, name="start"),
    path("new/", create, name="create"),
    path("<uuid:pk>/", overview, name="overview"),
    path("<uuid:pk>/clock/", clock, name="clock"),
    path("<uuid:pk>/export/", export, name="export"),
    path("<uuid:pk>/import/", import_world, name="import"),
    path("<uuid:pk>/reset/", reset, name="reset"),
]
