"""Identifiers a classroom's organization needs, shaped as AWS shapes them and unique on this site."""

from __future__ import annotations

import re
import secrets
import string

from .models import Classroom, Enrollment, Section

_LOWER = string.ascii_lowercase + string.digits
RESERVED_ACCOUNTS = frozenset({"111111111111", "222222222222", "123456789012"})  # the starting world's and docs'


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_account_id() -> str:
    """A 12-digit account id no classroom uses yet (and none of the starting world's)."""
    while True:
        candidate = secrets.choice("123456789") + _random(string.digits, 11)
        if candidate in RESERVED_ACCOUNTS:
            continue
        if not (
            Enrollment.objects.filter(account_id=candidate).exists()
            or Classroom.objects.filter(management_account_id=candidate).exists()
        ):
            return candidate


def new_org_ids() -> tuple[str, str]:
    """(organization id ``o-`` + 10, root id ``r-`` + 4), the organization id unused on this site."""
    while True:
        org_id = "o-" + _random(_LOWER, 10)
        if not Classroom.objects.filter(org_id=org_id).exists():
            return org_id, "r-" + _random(_LOWER, 4)


def new_ou_id(root_id: str) -> str:
    """An OU id under ``root_id``: ``ou-<root suffix>-<8 characters>``, unused on this site."""
    while True:
        ou_id = f"ou-{root_id[2:]}-{_random(_LOWER, 8)}"
        if not Section.objects.filter(ou_id=ou_id).exists():
            return ou_id


def renumber(value: object, mapping: dict[str, str]) -> object:
    """``value`` (JSON-ready data) with each account id in ``mapping`` replaced by its new id wherever it stands
    on its own — an ARN, a principal, an object key — but never inside a longer run of digits or letters (a key
    id, a timestamp). Returns a new object; ``value`` is not changed."""
    if not mapping:
        return value
    pattern = re.compile(
        r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, sorted(mapping, key=len, reverse=True))) + r")(?![A-Za-z0-9])"
    )
    return _renumber(value, pattern, mapping)


def _renumber(value: object, pattern: re.Pattern, mapping: dict[str, str]) -> object:
    if isinstance(value, str):
        return pattern.sub(lambda match: mapping[match.group()], value)
    if isinstance(value, list):
        return [_renumber(item, pattern, mapping) for item in value]
    if isinstance(value, dict):
        return {_renumber(key, pattern, mapping): _renumber(item, pattern, mapping) for key, item in value.items()}
    return value
