"""Steps 2–3 of §5.2: the request STS evaluates against the role's trust policy. Owns the ``sts:*`` keys of
§3.3 with MFA keys and transitive-tag overrides (``trust_keys``), and the order of the decisions:
``sts:AssumeRole*``, then ``sts:TagSession`` and ``sts:SetSourceIdentity`` when used (``authorize``).
The decisions themselves are ``evaluate.py``'s, their wording ``explain.py``'s.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from ..errors import StsError
from ..evaluate import Request, evaluate
from ..explain import access_denied_message
from ..world import World
from ..world_model import Role


def trust_keys(
    session_name: object,
    external_id: object,
    pairs: list[tuple[str, str]],
    transitive: list[str],
    source_identity: str | None,
    inherited: list[tuple[str, str]],
    mfa_time: datetime | None,
    world: World,
) -> dict[str, object]:
    """The STS keys of §3.3 for the trust evaluation, plus MFA keys and transitive-tag overrides."""
    keys: dict[str, object] = {"sts:RoleSessionName": session_name}
    if external_id is not None:
        keys["sts:ExternalId"] = external_id
    if source_identity is not None:
        keys["sts:SourceIdentity"] = source_identity
    if transitive:
        keys["sts:TransitiveTagKeys"] = list(transitive)
    if pairs:
        keys.update({f"aws:RequestTag/{k}": v for k, v in pairs})
        keys["aws:TagKeys"] = [k for k, _ in pairs]
    # A calling session's transitive tags replace the role's tags of the same key (§5.5, D-TAGS, H).
    keys.update({f"aws:ResourceTag/{k}": v for k, v in inherited})
    if mfa_time is not None:
        age = int((world.clock.now() - mfa_time).total_seconds())
        keys.update({"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": str(max(age, 0))})
    return keys


def authorize(request: Request, role: Role | None, *, tagging: bool, source_identity: bool) -> None:
    """Step 2–3 of §5.2: sts:AssumeRole*, then sts:TagSession / sts:SetSourceIdentity when used."""
    actions = [request.action]
    if tagging:
        actions.append("sts:TagSession")
    if source_identity:
        actions.append("sts:SetSourceIdentity")
    for action in actions:
        attempt = request if action == request.action else replace(request, action=action)
        decision = evaluate(attempt)
        if role is None or not decision.allowed:
            raise StsError(
                access_denied_message(decision, attempt) if not decision.allowed else bare_denial(attempt),
                code="AccessDenied",
                decision=decision,
                request=attempt,
            )


def bare_denial(request: Request) -> str:
    """AWS's access-denied text for ``request`` without a reason clause."""
    return f"User: {request.caller.arn} is not authorized to perform: {request.action} on resource: {request.resource}"
