"""The parameters of the AssumeRole family, named as the STS API names them: ``AssumeRoleRequest`` and
``WebIdentityRequest``. Checking them is ``validation.py``'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AssumeRoleRequest:
    """The parameters of one AssumeRole call, named as the STS API names them (snake case).

    ``session_name`` may be None only for EC2, which names the session after the instance. ``policy`` is a
    session policy (JSON text or object), ``policy_arns`` managed policy ARNs (``["arn", …]`` or
    ``[{"arn": …}]``), ``tags`` session tags (``[{"Key", "Value"}]`` or ``{key: value}``), ``mfa``
    ``{"serial", "token_code"?, "age_seconds"?}``, ``context`` request condition keys (``aws:SourceIp``…).
    Values are checked by ``assume_role`` as STS checks them, so they may come straight from JSON.
    """

    role_arn: str
    session_name: str | None = None
    duration_seconds: int | None = None
    external_id: str | None = None
    policy: str | Mapping[str, Any] | None = None
    policy_arns: Sequence[str | Mapping[str, str]] = ()
    tags: Sequence[Mapping[str, str]] | Mapping[str, str] | None = ()
    transitive_tag_keys: Sequence[str] | None = ()
    source_identity: str | None = None
    mfa: Mapping[str, Any] | None = None
    context: Mapping[str, object] | None = None


@dataclass(frozen=True, slots=True)
class WebIdentityRequest:
    """The parameters of one AssumeRoleWithWebIdentity call: the OIDC provider that issued the token, the
    role, the session name and the token's ``claims`` (standing in for ``WebIdentityToken``), plus the
    optional duration, session policy, managed policy ARNs and request ``context``."""

    provider_arn: str
    role_arn: str
    session_name: str
    claims: Mapping[str, Any]
    duration_seconds: int | None = None
    policy: str | Mapping[str, Any] | None = None
    policy_arns: Sequence[str | Mapping[str, str]] = ()
    context: Mapping[str, object] | None = None
