"""Step 1 of §5.2: model validation of AssumeRole* parameters, every failure gathered into one
``ValidationError`` as STS reports them (names, lengths, patterns, the session policy's size and character
set, ``PolicyArns``, session tags and ``TransitiveTagKeys``), then the role ARN and the session id.

Owns the limits checked here; the rules of each parameter's name, length and pattern are ``names.py``'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from .. import names
from ..errors import ParameterError
from ..world import World
from ..world_model import check_tags, split_iam_arn
from .mfa import mfa_problems
from .requests import AssumeRoleRequest
from .session_policies import compact

MAX_POLICY_ARNS: Final = 10  # §5.1 (H)
MAX_SESSION_POLICY_CHARS: Final = 2048  # inline + managed ARNs, plaintext (§5.1, H; ⚠ F19 for the code)
MAX_TRANSITIVE_KEYS: Final = 50  # §1.9 (H)
MSG_NOT_SUBSET: Final = "TransitiveTagKeys must be keys of the session tags passed in Tags."  # ours (M)
_POLICY_CHARS: Final = re.compile(r"[\u0009\u000A\u000D\u0020-\u00FF]+")  # §5.1 (H)


def validate_assume_role(request: AssumeRoleRequest) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Step 1 of §5.2: model validation, every failure in one ``ValidationError`` (H)."""
    role_arn = request.role_arn
    failures = names.problems("role_arn", _text_or_none(role_arn, "RoleArn"))
    failures += names.problems("role_session_name", _text_or_none(request.session_name, "RoleSessionName"))
    for rule, value in (
        ("duration_seconds", request.duration_seconds),
        ("external_id", request.external_id),
        ("source_identity", request.source_identity),
    ):
        if value is not None:
            failures += names.problems(rule, value)
    failures += _policy_problems(request.policy)
    failures += mfa_problems(request.mfa)
    arns = arn_list(request.policy_arns)
    if len(arns) > MAX_POLICY_ARNS:
        failures.append(
            names.constraint_failure("policyArns", names.MAX_LENGTH.format(n=MAX_POLICY_ARNS), f"[{len(arns)} ARNs]")
        )
    pairs = _session_tags(request.tags)
    keys = transitive_keys(request.transitive_tag_keys, pairs)
    if failures:
        raise names.validation_error(failures)
    if split_iam_arn(role_arn) is None or split_iam_arn(role_arn)[2] != "role":  # type: ignore[index]
        raise ParameterError(
            f"{role_arn} is invalid", parameter="RoleArn"
        )  # ⚠ F16 (M: emulators agree, not seen from AWS)
    return pairs, keys, arns


def _text_or_none(value: object, parameter: str) -> object:
    if value is None or isinstance(value, str):
        return value
    raise ParameterError("Expected a string parameter.", parameter=parameter)


def _policy_problems(policy: object) -> list[str]:
    if policy is None:
        return []
    if not isinstance(policy, str | Mapping):
        raise ParameterError("policy must be a JSON document (text or object).", parameter="Policy")
    text = policy if isinstance(policy, str) else compact(policy)
    failures = []
    if len(text) > MAX_SESSION_POLICY_CHARS:  # ⚠ F19: ValidationError in the model's wording
        failures.append(names.constraint_failure("policy", names.MAX_LENGTH.format(n=MAX_SESSION_POLICY_CHARS)))
    if text and not _POLICY_CHARS.fullmatch(text):
        failures.append(
            names.constraint_failure("policy", names.PATTERN.format(pattern=r"[\u0009\u000A\u000D\u0020-\u00FF]+"))
        )
    return failures


def _session_tags(tags: object) -> list[tuple[str, str]]:
    if not tags:
        return []
    return check_tags(tags, "tags")


def transitive_keys(keys: object, pairs: list[tuple[str, str]]) -> list[str]:
    """``TransitiveTagKeys``: a list of at most 50 keys, each a key of the session tags passed (§5.5)."""
    if not keys:
        return []
    if not is_list(keys) or not all(isinstance(k, str) for k in keys):  # type: ignore[union-attr]
        raise ParameterError("transitive_tag_keys must be a list of tag keys.", parameter="TransitiveTagKeys")
    keys = list(keys)  # type: ignore[call-overload]
    if len(keys) > MAX_TRANSITIVE_KEYS:
        raise names.validation_error(
            [
                names.constraint_failure(
                    "transitiveTagKeys", names.MAX_LENGTH.format(n=MAX_TRANSITIVE_KEYS), f"[{len(keys)} keys]"
                )
            ]
        )
    passed = {k.lower() for k, _ in pairs}
    if any(k.lower() not in passed for k in keys):
        raise ParameterError(MSG_NOT_SUBSET, code="InvalidParameterValue", parameter="TransitiveTagKeys")
    return keys


def check_session_id(world: World, session_id: object) -> None:
    """Refuses a session id that is not 1–128 characters or already names a session of the world."""
    if session_id is None:
        return
    if not isinstance(session_id, str) or not 1 <= len(session_id) <= 128:
        raise ParameterError("A session id is a string of 1 to 128 characters.")
    if session_id in world.sessions:
        raise ParameterError(f"The session id {session_id} is already in use.")


def arn_list(value: object) -> list[str]:
    """``policy_arns`` as a list of ARNs, from ``["arn", …]`` or ``[{"arn": …}]``."""
    if not value:
        return []
    if not is_list(value):
        raise ParameterError("policy_arns must be a list of policy ARNs.", parameter="PolicyArns")
    arns = [v.get("arn") if isinstance(v, Mapping) else v for v in value]  # type: ignore[union-attr]
    if not all(isinstance(a, str) and 20 <= len(a) <= 2048 for a in arns):
        raise names.validation_error([names.constraint_failure("policyArns.member.arn", names.MIN_LENGTH.format(n=20))])
    return arns  # type: ignore[return-value]


def is_list(value: object) -> bool:
    """True for a JSON array (a list or tuple)."""
    return isinstance(value, list | tuple)
