"""Request-size limits enforced before a body is read.

``DATA_UPLOAD_MAX_MEMORY_SIZE`` covers form fields only; files are streamed to memory or disk whatever their
size. Two guards close that gap:

- ``RequestSizeLimitMiddleware`` answers 413 from the ``Content-Length`` header alone when it exceeds
  ``MAX_REQUEST_BYTES``, before anything reads the body. (Under WSGI Django reads at most
  ``Content-Length`` bytes, and none when the header is missing, so this bounds every body.)
- ``UploadLimitHandler``, first in ``FILE_UPLOAD_HANDLERS``, counts each file as it streams in and stops
  the upload the moment one passes ``MAX_UPLOAD_BYTES``, rather than after it was stored.

Both end on the friendly 413 page (``templates/413.html``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class UploadTooLarge(RequestDataTooBig):
    """A request body or an uploaded file over the site's limits; the 400 handler answers it with 413."""


def too_large(request: HttpRequest) -> HttpResponse:
    """The 413 page, naming the limits. It never reads the request's body."""
    context = {"max_upload": settings.MAX_UPLOAD_BYTES, "max_request": settings.MAX_REQUEST_BYTES}
    return render(request, "413.html", context, status=413)


class RequestSizeLimitMiddleware:
    """Answers 413 to a request that declares a body longer than ``MAX_REQUEST_BYTES``, unread."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _declared_length(request) > settings.MAX_REQUEST_BYTES:
            return too_large(request)
        return self.get_response(request)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body when the header is not a number


class UploadLimitHandler(FileUploadHandler):
    """Stops a multipart upload as soon as one file passes ``MAX_UPLOAD_BYTES``; passes data on otherwise."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            raise UploadTooLarge(f"An uploaded file passed MAX_UPLOAD_BYTES ({settings.MAX_UPLOAD_BYTES}).")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file
