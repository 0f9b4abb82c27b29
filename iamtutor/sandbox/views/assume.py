"""Assume a role as a chosen identity: a user, a session (chaining), a service, or a GitHub Actions token.

One page: the identity chooser, the role, every STS parameter, and the result panel (credentials, or AWS's
error with the failed check in plain words). With htmx the panel swaps in place; without it, the same page
comes back. The engine decides; ``identities.py`` builds the call and ``explain.py`` words a failure.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from iamtutor.lib.http import HtmxHttpRequest

from ..access import get_sandbox
from ..forms import AssumeForm
from ..identities import Identities, build_call, identities_of, run_call
from ..worlds import sandbox_now


@require_http_methods(["GET", "POST"])
def assume(request: HtmxHttpRequest, pk) -> HttpResponse:
    """The assume page; a valid POST makes the STS call and shows its result (the form keeps what was typed)."""
    sandbox = get_sandbox(request, pk)
    identities = identities_of(sandbox, sandbox_now(sandbox))
    form = AssumeForm(identities, sandbox, request.POST or None, initial={"identity": _first(identities)})
    outcome = None
    if request.method == "POST" and form.is_valid():
        outcome = run_call(sandbox, build_call(identities, form.cleaned_data), identities)
        if outcome.result is not None:
            identities = identities_of(sandbox, sandbox_now(sandbox))  # the new session can be chained from
    context = {
        "sandbox": sandbox,
        "form": form,
        "identities": identities,
        "outcome": outcome,
        "selected": form["identity"].value(),
        "credentials_url": reverse("sandbox:credentials", args=[sandbox.pk]),
    }
    template = "sandbox/assume.html#panel" if request.htmx else "sandbox/assume.html"
    return render(request, template, context)


def _first(identities: Identities) -> str:
    return identities.users[0].value if identities.users else ""


urlpatterns = [
    path("<uuid:pk>/assume/", assume, name="assume"),
]
