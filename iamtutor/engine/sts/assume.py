"""AssumeRole (§5.2): the checks in AWS's order — parameters, MFA, trust authorization with
``sts:TagSession`` and ``sts:SetSourceIdentity``, sticky source identity and transitive tags, durations,
session policies and packed size — then the new session, and the call's CloudTrail ``requestParameters``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from ..errors import StsError
from ..world import World
from ..world_model import merge_tags, split_iam_arn
from .call import Call
from .durations import session_duration
from .mfa import mfa_instant
from .requests import AssumeRoleRequest
from .session_policies import compact, parse_session_policies
from .sessions import issue_role_session, role_result
from .tags import (
    check_sticky_source_identity,
    check_transitive_again,
    effective_source_identity,
    inherited_transitive,
    keys_of,
    merge_keys,
)
from .trust import authorize, trust_keys
from .validation import arn_list, check_session_id, is_list, validate_assume_role

# The account root user cannot assume roles; AWS answers AccessDenied with this text (OBS: many public CLI
# logs, e.g. "An error occurred (AccessDenied) when calling the AssumeRole operation: Roles may not be
# assumed by root accounts." — H).
MSG_ROOT_CANNOT_ASSUME: Final = "Roles may not be assumed by root accounts."


def assume_role(world: World, caller_ref: str, request: AssumeRoleRequest, *, session_id: str | None = None) -> dict:
    """AssumeRole by ``caller_ref`` (a user, root, session or ``service:NAME`` reference, see ``World.caller``).

    Runs the checks of §5.2 in order: parameter validation (``ValidationError``), MFA, trust-policy
    authorization of ``sts:AssumeRole`` (plus ``sts:TagSession`` / ``sts:SetSourceIdentity`` when used),
    sticky source identity and transitive tags, durations (MaxSessionDuration, 1 h role chaining), the
    session policy and packed size. ``session_id`` names the new session in the world (default: its access
    key id). Returns the world-format.md result (``ok``, ``credentials``, ``assumed_role_user``,
    ``packed_policy_size``, ``session_id``). Raises ``StsError`` (AccessDenied, ExpiredToken,
    PackedPolicyTooLarge…), ``ParameterError`` or ``PolicyError``, each naming its ``parameter``; every
    call is audited.
    """
    call = Call(world, "AssumeRole", _assume_role_parameters(request), request.context)
    return call.run(lambda: _assume_role(call, caller_ref, request, session_id))


def _assume_role(call: Call, caller_ref: object, request: AssumeRoleRequest, session_id: object) -> dict:
    world = call.world
    ident = call.identify(caller_ref)
    if ident.caller.type in ("web_identity", "anonymous"):
        raise StsError("AssumeRole needs AWS credentials; use assume_role_with_web_identity.", code="AccessDenied")
    if ident.caller.type == "root":
        raise StsError(MSG_ROOT_CANNOT_ASSUME, code="AccessDenied")
    service = ident.caller.service if ident.caller.type == "service" else None
    if request.session_name is None and service == "ec2.amazonaws.com":
        # EC2 names instance sessions after the instance (§5.11, H)
        request = replace(request, session_name=world.ids.instance_id())
    pairs, transitive_keys, policy_arn_list = validate_assume_role(request)
    check_session_id(world, session_id)
    mfa_time = mfa_instant(world, ident, request.mfa)
    role_arn, session_name = request.role_arn, request.session_name
    role = world.find_role(role_arn)
    call.role = (role.arn if role else str(role_arn), split_iam_arn(role_arn)[1])  # type: ignore[index]
    caller_session = ident.session if ident.caller.type == "assumed_role" else None
    inherited = inherited_transitive(caller_session)
    if inherited:  # CloudTrail shows inherited transitive tags (§6.3, D-CT, H)
        call.parameters["incomingTransitiveTags"] = dict(inherited)  # type: ignore[index]
    effective_source = effective_source_identity(caller_session, request.source_identity)
    extra = trust_keys(
        session_name, request.external_id, pairs, transitive_keys, effective_source, inherited, mfa_time, world
    )
    trust_request = world.build_request(
        ident, "sts:AssumeRole", role.arn if role else role_arn, request.context, extra=extra
    )
    authorize(trust_request, role, tagging=bool(pairs or transitive_keys), source_identity=effective_source is not None)
    check_sticky_source_identity(trust_request, caller_session, request.source_identity)
    check_transitive_again(pairs, inherited)
    assert role is not None  # authorize refuses a missing role
    seconds = session_duration(role, request.duration_seconds, chained=caller_session is not None, service=service)
    docs, size = parse_session_policies(world, role, request.policy, policy_arn_list, pairs)
    session = issue_role_session(
        world,
        session_id,
        role,
        str(session_name),
        seconds,
        docs=docs,
        policy_arns=policy_arn_list,
        tags=merge_tags(inherited, pairs),
        transitive=merge_keys(keys_of(inherited), transitive_keys),
        source_identity=effective_source,
        mfa_time=mfa_time,
        chained=caller_session is not None,
        service=service,
    )
    return role_result(session, size)


def _assume_role_parameters(request: AssumeRoleRequest) -> dict[str, Any]:
    """CloudTrail's ``requestParameters`` for AssumeRole (§6.3): only what was passed."""
    policy, mfa = request.policy, request.mfa
    params: dict[str, Any] = {"roleArn": request.role_arn, "roleSessionName": request.session_name}
    optional = {
        "durationSeconds": request.duration_seconds,
        "externalId": request.external_id,
        "sourceIdentity": request.source_identity,
        "policy": policy if isinstance(policy, str) or policy is None else compact(policy),
        "serialNumber": mfa.get("serial") if isinstance(mfa, Mapping) else None,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    policy_arns, tags, transitive = request.policy_arns, request.tags, request.transitive_tag_keys
    if policy_arns:
        params["policyArns"] = [{"arn": a} for a in arn_list(policy_arns)] if is_list(policy_arns) else policy_arns
    if tags:
        params["tags"] = [{"key": k, "value": v} for k, v in _safe_pairs(tags)]
    if transitive:
        params["transitiveTagKeys"] = list(transitive) if is_list(transitive) else transitive
    return params


def _safe_pairs(tags: object) -> list[tuple[object, object]]:
    if isinstance(tags, Mapping):
        return list(tags.items())
    if is_list(tags):
        return [(t.get("Key"), t.get("Value")) for t in tags if isinstance(t, Mapping)]  # type: ignore[union-attr]
    return []
