"""Sign-up and the locked-out page; log in/out and password changes are Django's own views."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .emails import send_signup_note
from .forms import SignUpForm
from .throttle import ADDRESS_PAUSE


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Sign-up; like log-in, it goes on to ``next`` (a page of this site only), e.g. to finish joining a class."""
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        send_signup_note(request, user, form.cleaned_data["email"], form.email_owner)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! We have sent a short note to the email address you gave."))
        return redirect(next_url or "home")
    return render(request, "registration/signup.html", {"form": form, "next": next_url or ""})


def _next_url(request: HttpRequest) -> str | None:
    """``next`` from the form or the query string if it stays on this site, else ``None``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if candidate and safe else None


def locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """What django-axes shows after too many failed log-ins: a clear message with status 429, never a 500."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if getattr(request, "login_pause", None) == ADDRESS_PAUSE:
        context = {"minutes": minutes, "limit": settings.LOGIN_ADDRESS_FAILURE_LIMIT, "whole_address": True}
    else:
        context = {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT, "whole_address": False}
    return render(request, "registration/locked_out.html", context, status=429)
