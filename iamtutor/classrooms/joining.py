"""How students join a classroom: its join code and join link, the checks a key passes, and the join itself.

- A *join code* is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown grouped as
  ``ABCD-EFGH``; what a student types is read ignoring case, spaces and dashes. A *join link* carries a
  random token of 24 URL-safe characters (144 bits). Each classroom has at most one of each (``JoinKey``).
- Rotating a key gives it a new value: the old one stops working at once. Staff may also disable a key,
  give it an expiry, and cap the classroom's seats.
- ``join`` enrols a student inside a transaction that locks the classroom's row, so that two students
  taking the last seat at the same moment cannot both get it. Joining twice is harmless.
- Wrong codes are counted per account and per client address in the cache; past the limits, lookups pause
  (``too_many_failures``), so codes cannot be guessed by trying many.

Permissions are not decided here: views ask ``permissions`` before managing keys. Joining needs no role,
only a valid key.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from hashlib import sha256

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from . import log
from .membership import enrol
from .models import Classroom, Enrollment, JoinKey, StaffMember

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: nothing to misread on a projector
CODE_LENGTH = 8
TOKEN_BYTES = 18  # 24 URL-safe characters
MAX_TYPED = 64  # longer input is never looked up
FAILURE_WINDOW = 10 * 60  # seconds
USER_FAILURE_LIMIT = 20  # wrong codes per account per window
ADDRESS_FAILURE_LIMIT = 60  # per client address: a whole class behind one NAT address may mistype
REMOVED_READ_ONLY = "You were removed from this classroom; your account is kept read-only."

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—]+")
_KEY_VALUE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what a code or token can be; anything else is never looked up


# ---- key values -------------------------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def format_code(value: str) -> str:
    """``ABCDEFGH`` → ``ABCD-EFGH``."""
    half = len(value) // 2
    return f"{value[:half]}-{value[half:]}"


def normalise_code(typed: str) -> str | None:
    """The stored form of a typed code (upper case, no spaces or dashes), or ``None`` when it cannot be one."""
    if not typed or len(typed) > MAX_TYPED:
        return None
    value = _SEPARATORS.sub("", typed).upper()
    if len(value) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in value):
        return None
    return value


def _new_value(kind: str) -> str:
    while True:  # 31^8 codes, 2^144 tokens: a repeat is all but impossible, but the column is unique
        value = new_code() if kind == JoinKey.CODE else new_token()
        if not JoinKey.objects.filter(value=value).exists():
            return value


def join_keys(classroom: Classroom) -> dict[str, JoinKey]:
    """The classroom's join code and join link by kind, made on first use (both enabled, no expiry)."""
    keys = {key.kind: key for key in classroom.join_keys.all()}
    missing = [kind for kind in (JoinKey.CODE, JoinKey.LINK) if kind not in keys]
    if missing:
        with transaction.atomic():
            for kind in missing:
                keys[kind], _ = JoinKey.objects.get_or_create(
                    classroom=classroom, kind=kind, defaults={"value": _new_value(kind)}
                )
    return keys


def key_state(key: JoinKey) -> str:
    """``working``, ``off`` (disabled) or ``expired``: how staff see a key."""
    if not key.enabled:
        return "off"
    if key.expires_at is not None and key.expires_at <= timezone.now():
        return "expired"
    return "working"


# ---- staff changes ----------------------------------------------------------------------------------------------


def rotate(classroom: Classroom, actor_user, kind: str) -> JoinKey:
    """Gives the classroom's ``kind`` key a new value; the old value stops working at once."""
    with transaction.atomic():
        _lock(classroom)
        key = JoinKey.objects.select_for_update().get(classroom=classroom, kind=kind)
        key.value = _new_value(kind)
        key.save(update_fields=["value"])
        log.record(classroom, actor_user, "joining_changed", key=kind, change="rotated")
    return key


def update_key(classroom: Classroom, actor_user, kind: str, *, enabled: bool, expires_at) -> JoinKey:
    """Turns the ``kind`` key on or off and sets (or, with ``None``, clears) its expiry."""
    with transaction.atomic():
        _lock(classroom)
        key = JoinKey.objects.select_for_update().get(classroom=classroom, kind=kind)
        key.enabled, key.expires_at = enabled, expires_at
        key.save(update_fields=["enabled", "expires_at"])
        log.record(
            classroom,
            actor_user,
            "joining_changed",
            key=kind,
            enabled=enabled,
            expires_at=expires_at.isoformat() if expires_at else None,
        )
    return key


def set_seat_limit(classroom: Classroom, actor_user, seat_limit: int | None) -> None:
    """Caps the number of students (``None``: no cap). Lowering it below the students already in removes
    nobody; it only stops further joins."""
    with transaction.atomic():
        locked = _lock(classroom)
        locked.seat_limit = seat_limit
        locked.save(update_fields=["seat_limit"])
        log.record(classroom, actor_user, "joining_changed", seat_limit=seat_limit)
    classroom.seat_limit = seat_limit


def seats_taken(classroom: Classroom) -> int:
    """Active students who count against the seat limit: staff who enrolled to try things do not."""
    staff = StaffMember.objects.filter(classroom=classroom, user=OuterRef("user"))
    return Enrollment.objects.filter(classroom=classroom, state=Enrollment.ACTIVE).exclude(Exists(staff)).count()


# ---- looking keys up and joining --------------------------------------------------------------------------------

# Why someone may not join (each has a page of its own: views/joining.py PROBLEMS).
UNKNOWN = "unknown"  # no such key, or one rotated since
DISABLED = "disabled"
EXPIRED = "expired"
DRAFT, CLOSED, ARCHIVED = Classroom.DRAFT, Classroom.CLOSED, Classroom.ARCHIVED  # the classroom is not open
FULL = "full"
REMOVED = "removed"  # the staff removed this student


@dataclass(frozen=True)
class Outcome:
    """What a key offers ``user``: the classroom and, when they may not join, why not (``problem``).
    ``enrollment`` is their enrollment when they are already a student or have just joined (``joined``)."""

    key: JoinKey | None
    problem: str | None = None
    enrollment: Enrollment | None = None
    joined: bool = False  # whether this request made the enrollment

    @property
    def classroom(self) -> Classroom | None:
        return self.key.classroom if self.key else None


def find_key(kind: str, value: str | None) -> JoinKey | None:
    """The ``kind`` key whose value is ``value`` (already normalised), with its classroom."""
    if not value or not _KEY_VALUE.fullmatch(value):
        return None
    return JoinKey.objects.filter(kind=kind, value=value).select_related("classroom").first()


def check(key: JoinKey | None, user) -> Outcome:
    """Whether ``user`` (signed in or not) may join through ``key`` now. A student already in the class
    always may (joining twice is harmless), even through a key since disabled or expired."""
    if key is None:
        return Outcome(None, UNKNOWN)
    classroom = key.classroom
    enrollment = None
    if getattr(user, "is_authenticated", False):
        enrollment = Enrollment.objects.filter(classroom=classroom, user=user).select_related("sandbox").first()
    if enrollment is not None and enrollment.state == Enrollment.ACTIVE:
        return Outcome(key, None, enrollment)
    if enrollment is not None:
        return Outcome(key, REMOVED, enrollment)
    if not key.enabled:
        return Outcome(key, DISABLED)
    if key.expires_at is not None and key.expires_at <= timezone.now():
        return Outcome(key, EXPIRED)
    if classroom.state != Classroom.OPEN:
        return Outcome(key, classroom.state)  # draft, closed or archived
    limit = classroom.seat_limit
    if limit is not None and seats_taken(classroom) >= limit and not _is_staff(classroom, user):
        return Outcome(key, FULL)
    return Outcome(key, None)


def join(key: JoinKey, user) -> Outcome:
    """Enrols ``user`` through ``key`` if ``check`` allows it, deciding again with the classroom's row
    locked: under concurrent joins the seat limit holds and a key rotated or disabled meanwhile is refused.
    Returns the outcome with the enrollment (new, or the one they had)."""
    with transaction.atomic():
        classroom = _lock(key.classroom)
        current = JoinKey.objects.filter(pk=key.pk, value=key.value).first()
        if current is None:
            return Outcome(None, UNKNOWN)
        current.classroom = classroom
        outcome = check(current, user)
        if outcome.problem is not None or outcome.enrollment is not None:
            return outcome
        enrollment = enrol(classroom, user)
        Classroom.objects.filter(pk=classroom.pk).update(revision=F("revision") + 1)  # a new member account
        return Outcome(current, None, enrollment, joined=True)


def _lock(classroom: Classroom) -> Classroom:
    return Classroom.objects.select_for_update().get(pk=classroom.pk)


def _is_staff(classroom: Classroom, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return StaffMember.objects.filter(classroom=classroom, user=user).exists()


# ---- guessing -------------------------------------------------------------------------------------------------


def too_many_failures(user, address: str | None) -> bool:
    """Whether this account or client address typed too many wrong codes lately."""
    return any(cache.get(key, 0) >= limit for key, limit in _failure_keys(user, address))


def count_failure(user, address: str | None) -> None:
    """Counts one wrong code against the account and the address, for ``FAILURE_WINDOW`` seconds from the
    first failure."""
    for key, _limit in _failure_keys(user, address):
        if not cache.add(key, 1, timeout=FAILURE_WINDOW):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=FAILURE_WINDOW)


def _failure_keys(user, address: str | None) -> list[tuple[str, int]]:
    keys = []
    if getattr(user, "is_authenticated", False):
        keys.append((f"join-failures-user-{user.pk}", USER_FAILURE_LIMIT))
    if address:
        keys.append(("join-failures-address-" + sha256(address.encode()).hexdigest(), ADDRESS_FAILURE_LIMIT))
    return keys
