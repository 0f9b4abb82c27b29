"""Home page, health check and error pages."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from iamtutor.lib.limits import UploadTooLarge, too_large
from iamtutor.sandbox.diagrams import lesson_drawing
from lessons import diagrams

log = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The front page, with the lesson content's mental model drawn (and as a table) once lessons are loaded."""
    diagram = diagrams.stored(diagrams.MENTAL_MODEL)
    return render(request, "pages/home.html", {"drawing": lesson_drawing(diagram) if diagram else None})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database (and Redis, if configured) answer; 503 naming what failed otherwise."""
    checks = {"database": _database_ok()}
    if settings.REDIS_URL:
        checks["redis"] = _cache_ok()
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: "ok" if passed else "failed" for name, passed in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any driver error means "not healthy"
        log.warning("healthz: database check failed", exc_info=True)
        return False


def _cache_ok() -> bool:
    try:
        cache.set("healthz", "ok", timeout=10)
        return cache.get("healthz") == "ok"
    except Exception:
        log.warning("healthz: cache check failed", exc_info=True)
        return False


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """The friendly 400 page. Unlike Django's own handler it is not wrapped in ``requires_csrf_token``, whose
    CSRF check reads ``request.POST`` again: for a body Django refused to parse (a form sent in a charset
    other than UTF-8) that raises the same error a second time, inside the handler, and the visitor got a 500.
    Nothing here touches the request's body. An upload stopped for its size gets the 413 page instead."""
    if isinstance(exception, UploadTooLarge):
        return too_large(request)
    return render(request, "400.html", status=400)


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
