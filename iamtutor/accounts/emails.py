"""The note sent to the address given at sign-up: a welcome, or, when the address already belongs to an
account, a message to its owner. Either way the person signing up sees the same page."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

log = logging.getLogger(__name__)


def send_signup_note(request: HttpRequest, new_user: User, address: str, owner: User | None) -> None:
    """Sends the welcome (``owner`` is None) or the already-registered note to ``address``.

    A mail server that is down must not undo a sign-up, so a failure is logged, not raised.
    """
    context = {
        "new_user": new_user,
        "owner": owner,
        "reset_url": request.build_absolute_uri(reverse("password_reset")),
        "login_url": request.build_absolute_uri(reverse("login")),
    }
    name = "signup_address_taken" if owner is not None else "signup_welcome"
    subject = render_to_string(f"registration/{name}_subject.txt", context).strip()
    body = render_to_string(f"registration/{name}_email.txt", context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except OSError:
        log.warning("sign-up: the note to the new account's address could not be sent", exc_info=True)
