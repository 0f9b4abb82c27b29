"""Policy documents: parse and validate every policy type into frozen, typed data.

Owns the policy language's grammar (§1 of iam-reference.md): elements, which policy types require or
forbid each, Versions, IAM's error wording with JSON path and line/column, and size quotas. Matching and
condition semantics live in ``matching.py`` and ``conditions.py``; the decision in ``evaluate.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PolicyKind = Literal["identity", "trust", "resource", "boundary", "scp", "rcp", "session"]
POLICY_KINDS: tuple[str, ...] = ("identity", "trust", "resource", "boundary", "scp", "rcp", "session")

# The base condition operators of the IAM policy language (D-OPS, H). Qualifiers (ForAnyValue:,
# ForAllValues:) and the IfExists suffix are parsed separately.
BASE_OPERATORS: tuple[str, ...] = (
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike",
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
    "NumericGreaterThan", "NumericGreaterThanEquals",
    "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
    "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
    "Null",
)


@dataclass(frozen=True, slots=True)
class PrincipalSpec:
    """A parsed ``Principal`` or ``NotPrincipal`` element; each field is normalised to a tuple."""

    wildcard: bool = False
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Condition:
    """One (operator, key) pair of a ``Condition`` block with its values as strings."""

    operator: str
    base: str
    qualifier: str | None
    if_exists: bool
    key: str
    values: tuple[str, ...]
    json_path: str


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement; exactly one of ``actions``/``not_actions`` is set."""

    index: int
    sid: str | None
    effect: str
    principal: PrincipalSpec | None
    not_principal: PrincipalSpec | None
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    conditions: tuple[Condition, ...]
    json_path: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    """A validated policy document of one ``kind``.

    ``name`` labels the policy in explanations (a managed policy ARN, an inline policy name, "trust
    policy"); ``text`` keeps the source as given, for highlighting; ``cache`` is the evaluator's private
    index and takes no part in equality.
    """

    kind: str
    version: str | None
    id: str | None
    statements: tuple[Statement, ...]
    name: str | None = None
    text: str | None = None
    cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def variables_enabled(self) -> bool:
        """Policy variables are recognised only in Version 2012-10-17 documents (§1.2, D-VARS; F1)."""
        return self.version == "2012-10-17"
