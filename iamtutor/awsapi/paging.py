"""IAM's pagination for every list call of the endpoint, as IAM documents it
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html): ``MaxItems`` 1-1000, 100 when absent;
``IsTruncated``, and ``Marker`` when it is true. The marker is opaque: a note, signed for the caller's sandbox,
of the call it came from and of where the next page starts (the next item's key, or its position when the key
is too long for a marker), so a page after a change neither repeats nor skips what is still there.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence

from django.core import signing

from .calls import Caller
from .errors import AwsError
from .protocol import Params

DEFAULT_MAX_ITEMS, MAX_ITEMS = 100, 1000
MAX_MARKER = 320  # botocore's markerType: 1-320 characters of [\u0020-\u00FF]
_MARKER_SALT = "iamtutor.awsapi.iam-marker"


def _constraint(value: str, name: str, rule: str) -> AwsError:
    return AwsError(
        "ValidationError",
        f"1 validation error detected: Value '{value[:40]}' at '{name}' failed to satisfy constraint: "
        f"Member must {rule}",
        400,
    )


class Paging:
    """The request's ``MaxItems`` and ``Marker``, checked before the call runs; ``page`` cuts a listing."""

    def __init__(self, params: Params, caller: Caller, action: str) -> None:
        self.action, self.salt = action, f"{_MARKER_SALT}:{caller.sandbox.pk}"
        limit = params.integer("MaxItems")
        if limit is not None and limit < 1:
            raise _constraint(str(limit), "maxItems", "have value greater than or equal to 1")
        if limit is not None and limit > MAX_ITEMS:
            raise _constraint(str(limit), "maxItems", f"have value less than or equal to {MAX_ITEMS}")
        self.limit = limit or DEFAULT_MAX_ITEMS
        marker = params.get("Marker")
        self.start = None if marker is None else self._read(marker)

    def _read(self, marker: str) -> dict:
        if not marker or len(marker) > MAX_MARKER or any(not 0x20 <= ord(ch) <= 0xFF for ch in marker):
            raise _constraint(marker, "marker", f"have length from 1 to {MAX_MARKER} of characters U+0020-U+00FF")
        try:
            data = signing.loads(marker, salt=self.salt)
        except (signing.BadSignature, ValueError, TypeError):
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("k", data.get("i")), str | int):
            raise self._invalid()
        if data.get("a") != self.action:
            raise AwsError(
                "ValidationError",
                f"Invalid Marker: this Marker was returned by {data.get('a')}; "
                f"send it to that call, not {self.action}.",
                400,
            )
        return data

    def _invalid(self) -> AwsError:
        return AwsError(
            "ValidationError",
            f"Invalid Marker: pass back, unchanged, the Marker of your previous {self.action} response.",
            400,
        )

    def page[T](self, items: Sequence[T], key: Callable[[T], str | int] | None = None) -> tuple[list[T], dict]:
        """(the items of this page, ``{"IsTruncated": …, "Marker": …}``) of ``items``, which are in ``key``'s
        increasing order (``key`` None: the listing is cut by position, as simulation results are)."""
        first = 0
        if self.start is not None and "k" in self.start and key is not None:
            try:
                first = bisect_left([key(item) for item in items], self.start["k"])
            except TypeError:  # a key of another kind than this listing's: not a marker of this call
                raise self._invalid() from None
        elif self.start is not None:
            first = self.start.get("i") if isinstance(self.start.get("i"), int) else 0
        shown = list(items[first : first + self.limit])
        rest = first + len(shown)
        if rest >= len(items):
            return shown, {"IsTruncated": False}
        if key is not None:
            marker = signing.dumps({"a": self.action, "k": key(items[rest])}, salt=self.salt, compress=True)
            if len(marker) <= MAX_MARKER:
                return shown, {"IsTruncated": True, "Marker": marker}
        return shown, {"IsTruncated": True, "Marker": signing.dumps({"a": self.action, "i": rest}, salt=self.salt)}


def listing(paging: Paging, name: str, items, key, shape) -> dict:
    """``{name: [shape(item)…], "IsTruncated": …, "Marker": …}``: one page of ``items`` in ``key``'s order."""
    ordered = sorted(items, key=key) if key is not None else list(items)
    shown, more = paging.page(ordered, key)
    return {name: [shape(item) for item in shown], **more}
