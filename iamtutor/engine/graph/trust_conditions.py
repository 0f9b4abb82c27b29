"""A trust statement's conditions as the diagram shows them, and the request keys that would satisfy them.

Owns the short condition labels drawn on assume edges (``MFA``, ``ExternalId = 12345``…) and ``supply``:
the keys a caller controls at call time that make the conditions true. Whether they then do is decided by
``evaluate``, in ``trust.py``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from ..policy import Condition, Statement
from .principals import Principal
from .text import short

_MFA_KEYS: Final = frozenset({"aws:multifactorauthpresent", "aws:multifactorauthage"})
# Request keys a caller may set when calling STS (§3.2); principal keys are the credentials' and never faked.
_REQUEST_KEYS: Final = frozenset(
    {
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:vpcsourceip",
        "aws:requestedregion",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceorgid",
    }
)
_OPERATOR_WORDS: Final[dict[str, str]] = {
    "StringEquals": "=",
    "StringNotEquals": "≠",
    "StringEqualsIgnoreCase": "=",
    "StringNotEqualsIgnoreCase": "≠",
    "StringLike": "like",
    "StringNotLike": "not like",
    "NumericEquals": "=",
    "NumericNotEquals": "≠",
    "NumericLessThan": "<",
    "NumericLessThanEquals": "≤",
    "NumericGreaterThan": ">",
    "NumericGreaterThanEquals": "≥",
    "DateEquals": "=",
    "DateNotEquals": "≠",
    "DateLessThan": "before",
    "DateLessThanEquals": "until",
    "DateGreaterThan": "after",
    "DateGreaterThanEquals": "from",
    "Bool": "=",
    "BinaryEquals": "=",
    "IpAddress": "in",
    "NotIpAddress": "not in",
    "ArnEquals": "=",
    "ArnLike": "like",
    "ArnNotEquals": "≠",
    "ArnNotLike": "not like",
    "Null": "null =",
}
_KEY_WORDS: Final[dict[str, str]] = {
    "sts:externalid": "ExternalId",
    "aws:sourceip": "source IP",
    "aws:multifactorauthage": "MFA age (s)",
    "aws:principalarn": "principal ARN",
    "aws:principalorgid": "organization",
    "aws:sourcearn": "source ARN",
    "aws:sourceaccount": "source account",
    "sts:rolesessionname": "session name",
    "aws:sourcevpc": "source VPC",
    "aws:sourcevpce": "VPC endpoint",
    "sts:sourceidentity": "source identity",
    "aws:principalaccount": "account",
}
_TAG_WORDS: Final = (
    ("aws:principaltag/", "principal tag "),
    ("aws:resourcetag/", "role tag "),
    ("aws:requesttag/", "session tag "),
)


@dataclass(frozen=True)
class Supply:
    """Request keys that would satisfy a trust statement's conditions, and the conditions nobody can supply."""

    context: dict[str, object]
    extra: dict[str, object]
    pairs: tuple[tuple[str, str], ...]
    unmet: tuple[str, ...]


# ---- labels -------------------------------------------------------------------------------------------------


def condition_label(condition: Condition, principal: Principal) -> str:
    """A short label such as ``MFA``, ``ExternalId = 12345`` or ``OIDC sub like repo:org/app:*``."""
    key, base = condition.key.lower(), condition.base
    values = [short(v) for v in condition.values[:3]] + (["…"] if len(condition.values) > 3 else [])
    if key == "aws:multifactorauthpresent" and base == "Bool" and len(values) == 1:
        return "MFA" if values[0].lower() == "true" else "no MFA"
    words = f"{_subject(condition) or condition.key} {_OPERATOR_WORDS.get(base, base)} {' or '.join(values)}"
    return words + (" (if present)" if condition.if_exists else "")


def _subject(condition: Condition) -> str | None:
    """The words for a condition's key: a known key, a tag, an OIDC claim or a SAML attribute; else None."""
    key = condition.key.lower()
    subject = _KEY_WORDS.get(key)
    if subject is None:
        subject = next(
            (word + condition.key[len(prefix) :] for prefix, word in _TAG_WORDS if key.startswith(prefix)), None
        )
    if subject is None and ":" in key and "." in key.split(":", 1)[0]:
        subject = "OIDC " + condition.key.split(":", 1)[1]
    if subject is None and key.startswith("saml:"):
        subject = "SAML " + condition.key[5:]
    return subject


# ---- the keys that satisfy them -----------------------------------------------------------------------------


def supply(principal: Principal, statements: list[Statement]) -> Supply:
    """The request keys a caller could send that satisfy the conditions of ``statements`` (§3.2, §3.3, §5.6–5.8).

    Only keys the caller controls at call time are supplied: ExternalId, MFA (with a device), the session
    name, request keys such as the source IP, a token's claims. Keys that describe the principal (tags,
    ARN, organization) are never faked: their conditions are ``unmet``.
    """
    context: dict[str, object] = {}
    extra: dict[str, object] = {}
    pairs: dict[str, str] = {}
    unmet: list[str] = []
    for condition in (c for s in statements for c in s.conditions):
        value = _satisfying_value(condition)
        if value is None:
            continue
        target = _supply_target(condition.key.lower(), value, principal)
        if target is None:
            unmet.append(condition_label(condition, principal))
        elif target == "mfa":
            extra.update({"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "0"})
            pairs["aws:MultiFactorAuthPresent"] = "true"
        else:
            (context if target == "context" else extra)[condition.key] = value
            pairs[condition.key] = value
    return Supply(context, extra, tuple(sorted(pairs.items())), tuple(dict.fromkeys(unmet)))


def _supply_target(key: str, value: str, principal: Principal) -> str | None:
    """Where a satisfying value goes (``extra`` keys STS sets, ``context`` request keys, ``mfa``), or None."""
    kind = principal.node.kind
    if key in _MFA_KEYS:
        return "mfa" if principal.mfa and value.lower() != "false" else None
    if key == "sts:externalid" and principal.action == "sts:AssumeRole":
        return "extra"
    if key == "sts:rolesessionname" and re.fullmatch(r"[\w+=,.@-]{2,64}", value) and kind != "saml_provider":
        return "extra"
    if key in _REQUEST_KEYS:
        return "context"
    url = principal.claims_url
    if url is not None and key.startswith(url.lower() + ":"):
        claim = key[len(url) + 1 :]
        return "extra" if claim != "aud" or value in principal.audiences else None
    if kind == "saml_provider" and key.startswith("saml:"):
        return "extra"
    return None


def _satisfying_value(condition: Condition) -> str | None:
    """A value that makes ``condition`` true, or None when leaving the key out already does (negated
    operators, IfExists, ``Null: true``) or no honest value exists (dates, policy variables)."""
    base, values = condition.base, condition.values
    if not values or condition.if_exists or base.startswith("Date") or "Not" in base:
        return None
    first = values[0]
    if "${" in first:
        return None
    if base == "Null":
        return "true" if first.lower() == "false" else None
    if base.startswith("Numeric"):
        return _numeric_value(base, first)
    if base == "IpAddress":
        return _network_address(first)
    if base in ("StringLike", "ArnLike", "ArnEquals"):
        return first.replace("*", "").replace("?", "x")
    return first


def _network_address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_network(text, strict=False).network_address)
    except ValueError:
        return None


def _numeric_value(base: str, text: str) -> str | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    shift = {"NumericLessThan": -1, "NumericGreaterThan": 1}.get(base, 0)
    return str(number + shift)
