"""``/aws/`` straight to the endpoint, past the site's middleware it has no use for.

The endpoint answers machines: no session, user, language, CSRF token, messages, htmx or log-in throttling
(it signs, authenticates and throttles on its own), and its request-size limits answer AWS's XML errors
rather than the site's HTML 413 page. Running the site's dozen middleware for each call cost about a fifth of
a GetCallerIdentity's CPU. First in ``MIDDLEWARE``, this hands ``/aws`` and everything below it to the view
through the three middleware whose headers still matter for any response (``SecurityMiddleware``: HTTPS
redirect, HSTS, ``nosniff``, referrer and opener policies; the Content-Security-Policy; ``X-Frame-Options``),
after the ``ALLOWED_HOSTS`` check ``CommonMiddleware`` made (a host not allowed: an XML 400, never the site's
HTML error page, which needs the middleware skipped here), and passes every other request on unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.middleware.security import SecurityMiddleware

from . import views
from .errors import AwsError, query_error, request_id

security_logger = logging.getLogger("django.security.DisallowedHost")

PREFIX = "/aws/"


def _endpoint(request: HttpRequest) -> HttpResponse:
    try:
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it for every page
    except DisallowedHost as exc:
        security_logger.warning("%s", exc)
        error = AwsError("InvalidHost", "The Host header names a host this site does not serve.", 400)
        return query_error(error, "sts", request_id())
    response = views.endpoint(request, request.path_info[len(PREFIX) :])
    if not response.streaming and not response.has_header("Content-Length"):  # as CommonMiddleware does
        response["Content-Length"] = str(len(response.content))  # (HeadObject sets the object's own)
    return response


class AwsEndpointMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.endpoint = SecurityMiddleware(ContentSecurityPolicyMiddleware(XFrameOptionsMiddleware(_endpoint)))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(PREFIX) or path == PREFIX[:-1]:
            return self.endpoint(request)
        return self.get_response(request)
