"""Dates and instants as IAM reads them: Date-operator values, epoch seconds and world-file clocks.

Owns the date grammar of condition values (§1.7: W3C ISO-8601 profile or epoch seconds 0…2^63−1) and the
UTC formatting the engine prints. Comparing dates under an operator is ``conditions.py``'s job; rejecting an
unparsable date in a policy is ``policy.py``'s.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# Epoch seconds IAM accepts in a Date condition: 0 … 2^63−1; 2^63 fails legacy parsing (§1.7, MOTO-PV, H).
EPOCH_MAX = 2**63 - 1
# Longest accepted input; anything longer cannot be a date and is refused before any regex runs.
_MAX_DATE_LENGTH = 64

# W3C NOTE-datetime profile of ISO-8601 (§1.7, D-OPS; M for the exact grammar): YYYY, YYYY-MM, YYYY-MM-DD,
# then optionally Thh:mm[:ss[.fraction]] with an optional zone Z | ±hh[:mm]; `t` and `z` in any case.
_ISO_DATE = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:[Tt](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}(?::\d{2})?)?)?)?)?",
    re.ASCII,
)
_EPOCH = re.compile(r"\d{1,19}", re.ASCII)

_EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)
_MICROS_PER_SECOND = 1_000_000


def parse_aws_date(value: str) -> datetime | None:
    """Parse a Date-operator value the way IAM stores it.

    Returns a timezone-aware UTC ``datetime``, or ``None`` when ``value`` is not a string, is not in the
    accepted grammar, or names an impossible date (month 13, 25:00, epoch ≥ 2^63). An all-digit value is
    read as epoch seconds (as iam-simulate does, M), so ``"2026"`` means 2026 s after 1970, not the year.
    Epoch values past year 9999 (still valid for IAM) are clamped to ``datetime.max`` in UTC; use
    ``parse_aws_instant`` when exact ordering of such values matters. Never raises.
    """
    micros = parse_aws_instant(value)
    if micros is None:
        return None
    return _micros_to_datetime(micros)


def parse_aws_instant(value: str) -> int | None:
    """Parse a Date-operator value into microseconds since 1970-01-01T00:00:00Z.

    Same grammar as ``parse_aws_date`` but without the year-9999 ceiling, so every epoch value IAM accepts
    keeps its exact order. Fractions finer than a microsecond are truncated. Returns ``None`` when the
    value is not a valid date; never raises.
    """
    if not isinstance(value, str) or not value or len(value) > _MAX_DATE_LENGTH:
        return None
    if _EPOCH.fullmatch(value):
        seconds = int(value)
        return seconds * _MICROS_PER_SECOND if seconds <= EPOCH_MAX else None
    match = _ISO_DATE.fullmatch(value)
    if match is None:
        return None
    moment = _iso_to_datetime(match)
    if moment is None:
        return None
    return datetime_to_micros(moment)


def datetime_to_micros(moment: datetime) -> int:
    """Microseconds since the epoch for an aware ``datetime`` (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH_START
    return (delta.days * 86_400 + delta.seconds) * _MICROS_PER_SECOND + delta.microseconds


def format_iso(moment: datetime) -> str:
    """Format an instant as AWS prints it: ``2026-01-01T09:00:00Z`` (UTC, whole seconds).

    Naive datetimes are taken as UTC; sub-second parts are dropped.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(text: str) -> datetime | None:
    """Parse a world-file clock value such as ``2026-01-01T09:00:00Z`` into an aware UTC ``datetime``.

    Accepts the ISO-8601 forms of ``parse_aws_date`` that carry at least a full date (a missing zone
    means UTC); does not accept epoch numbers. Returns ``None`` on anything else so the caller can raise
    its own error with a JSON path. Never raises.
    """
    if not isinstance(text, str) or len(text) > _MAX_DATE_LENGTH:
        return None
    match = _ISO_DATE.fullmatch(text)
    if match is None or match["day"] is None:
        return None
    return _iso_to_datetime(match)


def _iso_to_datetime(match: re.Match[str]) -> datetime | None:
    """Build the UTC datetime for a matched ISO value, or ``None`` for an impossible date or zone."""
    offset = _zone_offset(match["zone"])
    if offset is None:
        return None
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    try:
        local = datetime(
            int(match["year"]),
            int(match["month"] or 1),
            int(match["day"] or 1),
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            int(fraction or 0),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    return _shift(local, -offset)


def _zone_offset(zone: str | None) -> timedelta | None:
    """The UTC offset a zone designator states (``Z``, ``+02``, ``-05:30``); ``None`` if invalid."""
    if zone is None or zone in ("Z", "z"):
        return timedelta(0)
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        return None
    sign = -1 if zone[0] == "-" else 1
    return sign * timedelta(hours=hours, minutes=minutes)


def _shift(moment: datetime, delta: timedelta) -> datetime | None:
    """``moment + delta``, or ``None`` when the result leaves the range ``datetime`` can hold."""
    try:
        return moment + delta
    except OverflowError:
        return None


def _micros_to_datetime(micros: int) -> datetime:
    """The UTC datetime for epoch microseconds, clamped to ``datetime.max`` beyond year 9999."""
    if micros >= datetime_to_micros(_LATEST):
        return _LATEST
    return _EPOCH_START + timedelta(microseconds=micros)
