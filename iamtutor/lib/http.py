"""Request typing shared by every app's views."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware: views read ``request.htmx`` (STYLE 8)."""

    htmx: HtmxDetails
