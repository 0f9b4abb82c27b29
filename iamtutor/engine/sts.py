"""AWS STS over a world: AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity, GetSessionToken, revocation.

Owns the checks of §5.2 in AWS's order (validation, trust authorization, sts:TagSession and
sts:SetSourceIdentity, durations, session policy and packed size), session tags and transitive tags,
source identity, MFA, role chaining, service and instance-profile sessions and iam:PassRole, and the
result shapes of world-format.md. The decisions themselves are ``evaluate.py``'s; events are ``audit.py``'s.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from . import audit, names
from .dates import format_iso
from .errors import EngineError, ParameterError, PolicyError, StsError
from .evaluate import Request, evaluate
from .explain import access_denied_message
from .world import World
from .world_model import (
    REVOKE_POLICY_NAME,
    Document,
    Identity,
    Role,
    Session,
    check_tags,
    check_text,
    claim_keys,
    make_document,
    merge_tags,
    split_iam_arn,
)

# ---- facts (§5, API-STS unless marked) ---------------------------------------------------------------------------

DEFAULT_DURATION: Final = 3600  # AssumeRole* default (§5.3, H)
CHAINING_LIMIT: Final = 3600  # role chaining caps sessions at 1 h (§5.3, D-TERMS, H)
SESSION_TOKEN_DURATION: Final = {"user": (900, 129_600, 43_200), "root": (900, 3600, 3600)}  # (min, max, default)
MAX_POLICY_ARNS: Final = 10  # §5.1 (H)
MAX_SESSION_POLICY_CHARS: Final = 2048  # inline + managed ARNs, plaintext (§5.1, H; ⚠ F19 for the code)
MAX_TRANSITIVE_KEYS: Final = 50  # §1.9 (H)
# Packed size: AWS packs session policies and tags into a binary format of undisclosed size (§1.9, API-STS, H).
# We model it as zlib-compressed policy text plus raw tag text against 1,024 bytes: an approximation (L)
# that keeps a 2,048-character policy under the limit and 50 long tags far over it.
PACKED_ALLOTTED_BYTES: Final = 1024
TAGS_CLAIM: Final = "https://aws.amazon.com/tags"  # §5.8 (M)
SOURCE_IDENTITY_CLAIM: Final = "https://aws.amazon.com/source_identity"  # §5.8 (M)

MSG_CHAINING: Final = (
    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
)
# The account root user cannot assume roles; AWS answers AccessDenied with this text (OBS: many public CLI
# logs, e.g. "An error occurred (AccessDenied) when calling the AssumeRole operation: Roles may not be
# assumed by root accounts." — H).
MSG_ROOT_CANNOT_ASSUME: Final = "Roles may not be assumed by root accounts."
MSG_MAX_DURATION: Final = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
MSG_PACKED_POLICY: Final = "Packed policy consumes {n}% of allotted space, please use smaller policy."  # §5.2 (M)
MSG_PACKED_TAGS: Final = "Packed size of session tags consumes {n}% of allotted space."  # OBS (M)
MSG_WEB_DENIED: Final = "Not authorized to perform sts:AssumeRoleWithWebIdentity"  # §5.8 (H)
MSG_AUDIENCE: Final = "Incorrect token audience"  # §5.8 (M)
MSG_NO_PROVIDER: Final = "No OpenIDConnect provider found in your account for https://{url}"  # OBS (M)
MSG_BAD_MFA: Final = "MultiFactorAuthentication failed with invalid MFA one time pass code."  # OBS (M)
MSG_SESSION_CREDENTIALS: Final = "Cannot call GetSessionToken with session credentials"  # OBS (M)
# ⚠ F17: the code and text for re-sending an inherited transitive tag key are undocumented (ours).
MSG_TRANSITIVE_AGAIN: Final = (
    "The tag key {key} was passed as a transitive tag by the calling session and "
    "cannot be set again in this role chain."
)
MSG_NOT_SUBSET: Final = "TransitiveTagKeys must be keys of the session tags passed in Tags."  # ours (M)
MSG_LAMBDA_TRUST: Final = "The role defined for the function cannot be assumed by Lambda."  # §5.11 (M)
_TOKEN: Final = "WebIdentityToken"  # noqa: S105 the parameter that carries the token, not a token
_POLICY_CHARS: Final = re.compile(r"[\u0009\u000A\u000D\u0020-\u00FF]+")  # §5.1 (H)


# ---- AssumeRole ---------------------------------------------------------------------------------------------------


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
    call = _Call(world, "AssumeRole", _assume_role_parameters(request), request.context)
    return call.run(lambda: _assume_role(call, caller_ref, request, session_id))


def _assume_role(call: _Call, caller_ref: object, request: AssumeRoleRequest, session_id: object) -> dict:
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
    pairs, transitive_keys, policy_arn_list = _validate_assume_role(request)
    _check_session_id(world, session_id)
    mfa_time = _mfa_time(world, ident, request.mfa)
    role_arn, session_name = request.role_arn, request.session_name
    role = world.find_role(role_arn)
    call.role = (role.arn if role else str(role_arn), split_iam_arn(role_arn)[1])  # type: ignore[index]
    caller_session = ident.session if ident.caller.type == "assumed_role" else None
    inherited = _inherited_transitive(caller_session)
    if inherited:  # CloudTrail shows inherited transitive tags (§6.3, D-CT, H)
        call.parameters["incomingTransitiveTags"] = dict(inherited)  # type: ignore[index]
    effective_source = _effective_source_identity(caller_session, request.source_identity)
    extra = _trust_keys(
        session_name, request.external_id, pairs, transitive_keys, effective_source, inherited, mfa_time, world
    )
    trust_request = world.build_request(
        ident, "sts:AssumeRole", role.arn if role else role_arn, request.context, extra=extra
    )
    _authorize(
        trust_request, role, tagging=bool(pairs or transitive_keys), source_identity=effective_source is not None
    )
    _check_sticky_source_identity(trust_request, caller_session, request.source_identity)
    _check_transitive_again(pairs, inherited)
    assert role is not None  # _authorize refuses a missing role
    seconds = _duration(role, request.duration_seconds, chained=caller_session is not None, service=service)
    docs, size = _session_policies(world, role, request.policy, policy_arn_list, pairs)
    session = _issue(
        world,
        session_id,
        role,
        str(session_name),
        seconds,
        docs=docs,
        policy_arns=policy_arn_list,
        tags=merge_tags(inherited, pairs),
        transitive=_merge_keys(_keys_of(inherited), transitive_keys),
        source_identity=effective_source,
        mfa_time=mfa_time,
        chained=caller_session is not None,
        service=service,
    )
    return _role_result(session, size)


def _assume_role_parameters(request: AssumeRoleRequest) -> dict[str, Any]:
    """CloudTrail's ``requestParameters`` for AssumeRole (§6.3): only what was passed."""
    policy, mfa = request.policy, request.mfa
    params: dict[str, Any] = {"roleArn": request.role_arn, "roleSessionName": request.session_name}
    optional = {
        "durationSeconds": request.duration_seconds,
        "externalId": request.external_id,
        "sourceIdentity": request.source_identity,
        "policy": policy if isinstance(policy, str) or policy is None else _compact(policy),
        "serialNumber": mfa.get("serial") if isinstance(mfa, Mapping) else None,
    }
    params.update({k: v for k, v in optional.items() if v is not None})
    policy_arns, tags, transitive = request.policy_arns, request.tags, request.transitive_tag_keys
    if policy_arns:
        params["policyArns"] = [{"arn": a} for a in _arn_list(policy_arns)] if _is_list(policy_arns) else policy_arns
    if tags:
        params["tags"] = [{"key": k, "value": v} for k, v in _safe_pairs(tags)]
    if transitive:
        params["transitiveTagKeys"] = list(transitive) if _is_list(transitive) else transitive
    return params


def _validate_assume_role(request: AssumeRoleRequest) -> tuple[list[tuple[str, str]], list[str], list[str]]:
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
    failures += _mfa_problems(request.mfa)
    arns = _arn_list(request.policy_arns)
    if len(arns) > MAX_POLICY_ARNS:
        failures.append(
            names.constraint_failure("policyArns", names.MAX_LENGTH.format(n=MAX_POLICY_ARNS), f"[{len(arns)} ARNs]")
        )
    pairs = _session_tags(request.tags)
    keys = _transitive_keys(request.transitive_tag_keys, pairs)
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
    text = policy if isinstance(policy, str) else _compact(policy)
    failures = []
    if len(text) > MAX_SESSION_POLICY_CHARS:  # ⚠ F19: ValidationError in the model's wording
        failures.append(names.constraint_failure("policy", names.MAX_LENGTH.format(n=MAX_SESSION_POLICY_CHARS)))
    if text and not _POLICY_CHARS.fullmatch(text):
        failures.append(
            names.constraint_failure("policy", names.PATTERN.format(pattern=r"[\u0009\u000A\u000D\u0020-\u00FF]+"))
        )
    return failures


def _mfa_problems(mfa: object) -> list[str]:
    if mfa is None:
        return []
    if not isinstance(mfa, Mapping) or set(mfa) - {"serial", "token_code", "age_seconds"}:
        raise ParameterError(
            "mfa is an object with serial, and optionally token_code and age_seconds.", parameter="SerialNumber"
        )
    failures = names.problems("serial_number", mfa.get("serial"))
    if mfa.get("token_code") is not None:
        failures += names.problems("token_code", mfa["token_code"])
    age = mfa.get("age_seconds", 0)
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 10**8:
        raise ParameterError("mfa.age_seconds must be a whole number of seconds ≥ 0.", parameter="SerialNumber")
    return failures


def _session_tags(tags: object) -> list[tuple[str, str]]:
    if not tags:
        return []
    return check_tags(tags, "tags")


def _transitive_keys(keys: object, pairs: list[tuple[str, str]]) -> list[str]:
    if not keys:
        return []
    if not _is_list(keys) or not all(isinstance(k, str) for k in keys):  # type: ignore[union-attr]
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


def _check_session_id(world: World, session_id: object) -> None:
    if session_id is None:
        return
    if not isinstance(session_id, str) or not 1 <= len(session_id) <= 128:
        raise ParameterError("A session id is a string of 1 to 128 characters.")
    if session_id in world.sessions:
        raise ParameterError(f"The session id {session_id} is already in use.")


def _mfa_time(world: World, ident: Identity, mfa: object) -> datetime | None:
    """The MFA authentication instant for the new session: this call's MFA, or the calling session's (§5.7)."""
    if isinstance(mfa, Mapping):
        devices = ident.user.mfa_devices if ident.user is not None else []
        if ident.caller.type == "user" and mfa["serial"] not in devices:
            raise StsError(MSG_BAD_MFA, code="AccessDenied", parameter="SerialNumber")
        return world.clock.now() - timedelta(seconds=mfa.get("age_seconds", 0))
    return ident.session.mfa_auth_time if ident.session is not None else None


def _inherited_transitive(session: Session | None) -> list[tuple[str, str]]:
    """Transitive tags a calling role session passes on to the next hop (§5.5, D-TAGS, H)."""
    if session is None:
        return []
    keys = {k.lower() for k in session.transitive_tag_keys}
    return [(k, v) for k, v in session.tags if k.lower() in keys]


def _effective_source_identity(session: Session | None, requested: object) -> str | None:
    """A source identity once set stays for the whole chain (§5.2 step 5, D-CT, H)."""
    if session is not None and session.source_identity is not None:
        return session.source_identity
    return requested if isinstance(requested, str) else None


def _trust_keys(
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


def _authorize(request: Request, role: Role | None, *, tagging: bool, source_identity: bool) -> None:
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
                access_denied_message(decision, attempt) if not decision.allowed else _bare_denial(attempt),
                code="AccessDenied",
                decision=decision,
                request=attempt,
            )


def _bare_denial(request: Request) -> str:
    return f"User: {request.caller.arn} is not authorized to perform: {request.action} on resource: {request.resource}"


def _check_sticky_source_identity(request: Request, session: Session | None, requested: object) -> None:
    """A different SourceIdentity than the calling session's is refused (§5.2 step 5, D-CT, H)."""
    if (
        session is not None
        and session.source_identity is not None
        and requested is not None
        and requested != session.source_identity
    ):
        raise StsError(_bare_denial(replace(request, action="sts:SetSourceIdentity")), code="AccessDenied")


def _check_transitive_again(pairs: list[tuple[str, str]], inherited: list[tuple[str, str]]) -> None:
    """A session tag may not repeat an inherited transitive key (§5.5, D-TAGS, H; ⚠ F17 for the error)."""
    inherited_keys = {k.lower(): k for k, _ in inherited}
    for key, _ in pairs:
        if key.lower() in inherited_keys:
            raise ParameterError(
                MSG_TRANSITIVE_AGAIN.format(key=inherited_keys[key.lower()]),
                parameter="Tags",
                rule="transitive_tag_again",
            )


def _duration(role: Role, requested: object, *, chained: bool, service: str | None) -> int:
    """Step 4 of §5.2 (after authorization, ⚠ F20): MaxSessionDuration, then the role-chaining cap."""
    seconds = DEFAULT_DURATION if requested is None else int(requested)  # type: ignore[call-overload]
    if service is not None:
        return seconds  # MaxSessionDuration does not limit service sessions (§5.3, D-QUOTA, H)
    if chained and seconds > CHAINING_LIMIT:
        raise ParameterError(MSG_CHAINING, parameter="DurationSeconds", rule="role_chaining_cap")
    if seconds > role.max_session_duration:
        raise ParameterError(MSG_MAX_DURATION, parameter="DurationSeconds", rule="max_session_duration")
    return seconds


def _session_policies(
    world: World, role: Role, policy: object, arns: list[str], pairs: list[tuple[str, str]]
) -> tuple[list[Document], int]:
    """Step 5 of §5.2: parse the session policy and managed ARNs, then the packed-size check."""
    docs = []
    if policy is not None:
        docs.append(make_document(policy, "session", "session policy", "policy", check_size=False, parameter="Policy"))
    for arn in arns:
        managed = world.managed_policy(arn, role.account)
        parts = split_iam_arn(arn)
        if managed is None or parts is None or parts[1] not in ("aws", role.account):
            raise PolicyError(
                f"Policy {arn} does not exist or is not attachable.", json_path="policyArns", parameter="PolicyArns"
            )
        docs.append(
            make_document(
                managed.document().source(), "session", arn, "policyArns", check_size=False, parameter="PolicyArns"
            )
        )
    size = packed_policy_size(docs[0].source() if policy is not None else None, arns, pairs)
    return docs, size


def packed_policy_size(policy: object, arns: list[str], tags: list[tuple[str, str]]) -> int:
    """``PackedPolicySize``: the percent of the packed space a session policy, ARNs and tags use.

    Raises ``StsError`` ``PackedPolicyTooLarge`` over 100 % (§1.9, API-STS, H for the code; our packing
    model is an approximation, see ``PACKED_ALLOTTED_BYTES``). Transitive keys do not count (§5.5, H).
    """
    if policy is None and not arns and not tags:
        return 0
    text = (_compact(policy) if policy is not None else "") + "".join(arns)
    policy_bytes = len(zlib.compress(text.encode(), 9)) if text else 0
    tag_bytes = sum(len(k.encode()) + len(v.encode()) + 2 for k, v in tags)
    percent = math.ceil(100 * (policy_bytes + tag_bytes) / PACKED_ALLOTTED_BYTES)
    if percent > 100:
        too_many_tags = tag_bytes > PACKED_ALLOTTED_BYTES
        message = MSG_PACKED_TAGS if too_many_tags else MSG_PACKED_POLICY
        raise StsError(
            message.format(n=percent),
            code="PackedPolicyTooLarge",
            http_status=400,
            parameter="Tags" if too_many_tags else "Policy",
        )
    return percent


def _issue(
    world: World,
    session_id: object,
    role: Role,
    name: str,
    seconds: int,
    *,
    docs: list[Document],
    policy_arns: list[str],
    tags: list[tuple[str, str]],
    transitive: list[str],
    source_identity: str | None,
    mfa_time: datetime | None,
    chained: bool,
    service: str | None = None,
    provider: str | None = None,
    claims: dict | None = None,
) -> Session:
    """Creates and registers the role session (ASIA key, AROA…:name id, path-less session ARN, §5.1)."""
    now = world.clock.now()
    key = world.ids.access_key_id(temporary=True)
    session = Session(
        id=session_id if isinstance(session_id, str) else key,
        kind="assumed_role",
        access_key_id=key,
        secret_access_key=world.ids.secret_access_key(),
        session_token=world.ids.session_token(),
        account=role.account,
        arn=f"arn:{world.partition}:sts::{role.account}:assumed-role/{role.name}/{name}",
        issued_at=now,
        expires_at=now + timedelta(seconds=seconds),
        role_arn=role.arn,
        role_id=role.id,
        session_name=name,
        policies=docs,
        policy_arns=list(policy_arns),
        tags=tags,
        transitive_tag_keys=transitive,
        source_identity=source_identity,
        mfa_auth_time=mfa_time,
        chained=chained,
        federated_provider=provider,
        claims=claims or {},
        service=service,
    )
    world.add_session(session)
    return session


def _credentials(session: Session) -> dict[str, str]:
    return {
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": session.secret_access_key,
        "SessionToken": session.session_token,
        "Expiration": format_iso(session.expires_at),
    }


def _role_result(session: Session, packed: int) -> dict:
    result: dict[str, Any] = {
        "ok": True,
        "credentials": _credentials(session),
        "assumed_role_user": {"Arn": session.arn, "AssumedRoleId": f"{session.role_id}:{session.session_name}"},
        "packed_policy_size": packed,
        "session_id": session.id,
    }
    if session.source_identity is not None:
        result["source_identity"] = session.source_identity
    return result


# ---- AssumeRoleWithWebIdentity --------------------------------------------------------------------------------------


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


def assume_role_with_web_identity(world: World, request: WebIdentityRequest, *, session_id: str | None = None) -> dict:
    """AssumeRoleWithWebIdentity with a token from the OIDC provider ``request.provider_arn``.

    Checks the provider exists in the role's account and the token's ``aud`` is one of its client ids
    (``InvalidIdentityToken: Incorrect token audience``), then the trust policy with the claims as
    ``<provider-url>:<claim>`` keys (``AccessDenied: Not authorized to perform
    sts:AssumeRoleWithWebIdentity``), durations and session policies (§5.8). Role chaining limits do not
    apply. Returns the world-format.md result plus ``SubjectFromWebIdentityToken``, ``Provider`` and
    ``Audience``. Raises ``StsError``, ``ParameterError`` or ``PolicyError``; the call is audited.
    """
    parameters: dict[str, Any] = {"roleArn": request.role_arn, "roleSessionName": request.session_name}
    if request.duration_seconds is not None:
        parameters["durationSeconds"] = request.duration_seconds
    call = _Call(world, "AssumeRoleWithWebIdentity", parameters, request.context)
    return call.run(lambda: _assume_web(call, request, session_id))


def _assume_web(call: _Call, request: WebIdentityRequest, session_id: object) -> dict:
    provider_arn, role_arn, session_name = request.provider_arn, request.role_arn, request.session_name
    duration, policy, context = request.duration_seconds, request.policy, request.context
    world = call.world
    _, _, arns = _validate_assume_role(
        AssumeRoleRequest(role_arn, session_name, duration, policy=policy, policy_arns=request.policy_arns)
    )
    _check_session_id(world, session_id)
    token = _check_claims(request.claims)
    role_account = split_iam_arn(role_arn)[1]  # type: ignore[index]
    provider = world.accounts[role_account].providers.get(provider_arn) if role_account in world.accounts else None  # type: ignore[arg-type]
    parts = split_iam_arn(provider_arn)
    url = parts[3][1:] + parts[4] if parts else str(provider_arn)
    if provider is None or provider.type != "oidc":
        raise StsError(MSG_NO_PROVIDER.format(url=url), code="InvalidIdentityToken", http_status=400, parameter=_TOKEN)
    audience = _matching_audience(token.get("aud"), provider.audiences)
    ident = call.identify(f"web_identity:{provider.arn}")
    call.ident = Identity(replace(ident.caller, arn=f"{url}:{audience}:{token.get('sub', '')}"))
    pairs, transitive, source_identity = _token_session_attributes(token)
    role = world.find_role(role_arn)
    call.role = (role.arn if role else str(role_arn), role_account)
    extra = _trust_keys(session_name, None, pairs, transitive, source_identity, [], None, world)
    extra.update(claim_keys(url, token))
    extra["aws:FederatedProvider"] = provider.arn
    trust_request = world.build_request(
        ident,
        "sts:AssumeRoleWithWebIdentity",
        role.arn if role else role_arn,
        context,
        extra=extra,
    )
    try:
        _authorize(trust_request, role, tagging=bool(pairs), source_identity=source_identity is not None)
    except StsError:
        raise StsError(MSG_WEB_DENIED, code="AccessDenied") from None
    assert role is not None
    seconds = _duration(role, duration, chained=False, service=None)
    docs, size = _session_policies(world, role, policy, arns, pairs)
    kept = {k: v for k, v in token.items() if k in ("amr", "aud", "id", "sub")}
    session = _issue(
        world,
        session_id,
        role,
        str(session_name),
        seconds,
        docs=docs,
        policy_arns=arns,
        tags=pairs,
        transitive=transitive,
        source_identity=source_identity,
        mfa_time=None,
        chained=False,
        provider=provider.arn,
        claims=kept,
    )
    result = _role_result(session, size)
    result.update(
        {
            "SubjectFromWebIdentityToken": token.get("sub"),
            "Provider": token.get("iss", f"https://{url}"),
            "Audience": audience,
        }
    )
    return result


def _check_claims(claims: object) -> dict[str, Any]:
    if not isinstance(claims, Mapping) or len(claims) > 100:
        raise StsError(
            "The web identity token is not a set of claims.",
            code="InvalidIdentityToken",
            http_status=400,
            parameter=_TOKEN,
        )
    token: dict[str, Any] = {}
    for key, value in claims.items():
        scalar = isinstance(value, str) and len(value) <= 20_000
        listed = isinstance(value, list) and len(value) <= 100 and all(isinstance(v, str) for v in value)
        if not isinstance(key, str) or not (scalar or listed or (key == TAGS_CLAIM and isinstance(value, Mapping))):
            raise StsError(
                "The web identity token has a malformed claim.",
                code="InvalidIdentityToken",
                http_status=400,
                parameter=_TOKEN,
            )
        token[key] = value
    return token


def _matching_audience(aud: object, client_ids: list[str]) -> str:
    """The token audience that is one of the provider's client ids (§5.8, OBS, M for the text)."""
    candidates = aud if isinstance(aud, list) else [aud]
    match = next((a for a in candidates if isinstance(a, str) and a in client_ids), None)
    if match is None:
        raise StsError(
            MSG_AUDIENCE, code="InvalidIdentityToken", http_status=400, parameter=_TOKEN, rule="token_audience"
        )
    return match


def _token_session_attributes(token: Mapping[str, Any]) -> tuple[list[tuple[str, str]], list[str], str | None]:
    """Session tags and source identity an IdP puts in the token (§5.8, M)."""
    raw = token.get(TAGS_CLAIM)
    pairs: list[tuple[str, str]] = []
    transitive: list[str] = []
    if isinstance(raw, Mapping):
        principal_tags = raw.get("principal_tags") or {}
        if not isinstance(principal_tags, Mapping):
            raise StsError(
                "The token's session tags are malformed.",
                code="InvalidIdentityToken",
                http_status=400,
                parameter=_TOKEN,
            )
        flat = {k: (v[0] if isinstance(v, list) and v else v) for k, v in principal_tags.items()}
        pairs = check_tags(flat, "tags")
        transitive = _transitive_keys(raw.get("transitive_tag_keys") or [], pairs)
    source = token.get(SOURCE_IDENTITY_CLAIM)
    if source is not None:
        names.validate("source_identity", source)
    return pairs, transitive, source if isinstance(source, str) else None


# ---- services, instance profiles, PassRole --------------------------------------------------------------------


def launch_instance(
    world: World,
    caller_ref: object,
    instance_profile: object,
    *,
    instance_id: object = None,
    context: object = None,
    session_id: object = None,
) -> dict:
    """RunInstances with an instance profile: ``ec2:RunInstances`` and ``iam:PassRole`` for the caller,
    then EC2 assumes the role in a session named after the instance (§5.11, D-PASS, D-EC2, H).

    Returns the AssumeRole result plus ``instance_id``. Raises ``StsError`` ``UnauthorizedOperation`` when
    the caller may not launch or pass the role (EC2 encodes the detail; we show it), ``AccessDenied`` when
    the role does not trust EC2, and ``IamError`` NoSuchEntity for an unknown profile.
    """
    role, _ = world.instance_profile(instance_profile)
    instance = instance_id if isinstance(instance_id, str) else world.ids.instance_id()
    if not re.fullmatch(r"i-[0-9a-f]{8,17}", instance):
        raise ParameterError(f"{instance} is not an instance id such as i-0123456789abcdef0.", parameter="InstanceId")
    instance_arn = f"arn:{world.partition}:ec2:us-east-1:{role.account}:instance/{instance}"
    _pass_role(
        world,
        caller_ref,
        role,
        "ec2.amazonaws.com",
        ("ec2:RunInstances", instance_arn),
        context,
        "UnauthorizedOperation",
        "You are not authorized to perform this operation. ",
    )
    result = assume_role(
        world,
        "service:ec2.amazonaws.com",
        AssumeRoleRequest(role.arn, instance, context=context),  # type: ignore[arg-type]
        session_id=session_id,  # type: ignore[arg-type]
    )
    result["instance_id"] = instance
    return result


def lambda_execution_session(
    world: World,
    caller_ref: object,
    function_name: object,
    role_arn: object,
    *,
    context: object = None,
    session_id: object = None,
) -> dict:
    """CreateFunction with an execution role, then Lambda's own session of that role (§5.11, D-PASS, H).

    The caller needs ``lambda:CreateFunction`` and ``iam:PassRole``; a role whose trust policy does not
    trust ``lambda.amazonaws.com`` is refused with ``InvalidParameterValueException`` (M). The session is
    named after the function. Returns the AssumeRole result.
    """
    role = world.role(role_arn)
    name = check_text("role_session_name", function_name, "functionName")
    function_arn = f"arn:{world.partition}:lambda:us-east-1:{role.account}:function:{name}"
    _pass_role(
        world,
        caller_ref,
        role,
        "lambda.amazonaws.com",
        ("lambda:CreateFunction", function_arn),
        context,
        "AccessDeniedException",
        "",
    )
    service_context = {"aws:SourceAccount": role.account, "aws:SourceArn": function_arn}
    try:
        return assume_role(
            world,
            "service:lambda.amazonaws.com",
            AssumeRoleRequest(role.arn, name, context=service_context),
            session_id=session_id,  # type: ignore[arg-type]
        )
    except StsError as err:
        raise StsError(MSG_LAMBDA_TRUST, code="InvalidParameterValueException", http_status=400) from err


def _pass_role(
    world: World,
    caller_ref: object,
    role: Role,
    service: str,
    launch: tuple[str, str],
    context: object,
    code: str,
    prefix: str,
) -> None:
    """The caller's own action plus ``iam:PassRole`` on the role (no CloudTrail event of its own, §5.11)."""
    action, resource = launch
    decision = world.request(caller_ref, action, resource, context)
    if not decision.allowed:
        raise StsError(prefix + decision.reason, code=code)
    ident = world.identify(caller_ref)
    extra = {"iam:PassedToService": service, "iam:AssociatedResourceArn": resource}
    request = world.build_request(ident, "iam:PassRole", role.arn, context, extra=extra)
    passed = evaluate(request)
    if not passed.allowed:
        raise StsError(prefix + access_denied_message(passed, request), code=code)


# ---- GetCallerIdentity, GetSessionToken, revocation --------------------------------------------------------------


def get_caller_identity(world: World, caller_ref: object) -> dict:
    """GetCallerIdentity: needs no permission and is never denied (§4.1 fact 11, D-TEMP, H).

    Returns ``{"ok", "Account", "Arn", "UserId"}`` per the table of §5.9 (GetSessionToken credentials
    report the user, ⚠ F25). Raises ``StsError`` ExpiredToken / InvalidClientTokenId (§5.9).
    """
    call = _Call(world, "GetCallerIdentity", None, None)
    return call.run(lambda: _caller_identity(call, caller_ref))


def _caller_identity(call: _Call, caller_ref: object) -> dict:
    ident = call.identify(caller_ref)
    caller = ident.caller
    if caller.type in ("service", "anonymous", "web_identity"):
        raise StsError("The security token included in the request is invalid.", code="InvalidClientTokenId")
    user_id = caller.account if caller.type == "root" else caller.unique_id
    return {"ok": True, "Account": caller.account, "Arn": caller.arn, "UserId": user_id}


def get_session_token(
    world: World, caller_ref: object, *, duration_seconds: object = None, mfa: object = None, session_id: object = None
) -> dict:
    """GetSessionToken for an IAM user or root with long-term keys (§5.9, API-STS, H).

    Durations: users 900–129,600 s (default 43,200); root at most 3,600, longer requests silently capped
    (§5.3). Session credentials cannot call it (``AccessDenied``). Returns ``{"ok", "credentials",
    "session_id"}``. Raises ``StsError`` or ``ParameterError``; the call is audited.
    """
    parameters = {"durationSeconds": duration_seconds} if duration_seconds is not None else None
    call = _Call(world, "GetSessionToken", parameters, None)
    return call.run(lambda: _session_token(call, caller_ref, duration_seconds, mfa, session_id))


def _session_token(call: _Call, caller_ref: object, duration: object, mfa: object, session_id: object) -> dict:
    world = call.world
    ident = call.identify(caller_ref)
    if ident.session is not None:
        raise StsError(MSG_SESSION_CREDENTIALS, code="AccessDenied")
    if ident.caller.type not in ("user", "root"):
        raise StsError("The security token included in the request is invalid.", code="InvalidClientTokenId")
    low, high, default = SESSION_TOKEN_DURATION[ident.caller.type]
    failures = _mfa_problems(mfa)
    if duration is not None:
        failures += _range_problems(duration, 900, 129_600)
    if failures:
        raise names.validation_error(failures)
    _check_session_id(world, session_id)
    seconds = min(int(duration) if duration is not None else default, high)  # type: ignore[call-overload]
    seconds = max(seconds, low)
    now = world.clock.now()
    key = world.ids.access_key_id(temporary=True)
    session = Session(
        id=session_id if isinstance(session_id, str) else key,
        kind="session_token",
        access_key_id=key,
        secret_access_key=world.ids.secret_access_key(),
        session_token=world.ids.session_token(),
        account=ident.caller.account or "",
        arn=ident.caller.arn,
        issued_at=now,
        expires_at=now + timedelta(seconds=seconds),
        user_arn=ident.caller.arn,
        mfa_auth_time=_mfa_time(world, ident, mfa),
    )
    world.add_session(session)
    return {"ok": True, "credentials": _credentials(session), "session_id": session.id}


def _range_problems(value: object, low: int, high: int) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int):
        return [names.constraint_failure("durationSeconds", names.NOT_A_NUMBER, str(value)[:100])]
    if value < low:
        return [names.constraint_failure("durationSeconds", names.MIN_VALUE.format(n=low), value)]
    if value > high:
        return [names.constraint_failure("durationSeconds", names.MAX_VALUE.format(n=high), value)]
    return []


def revoke_sessions(world: World, role_arn: object) -> None:
    """The console's "Revoke active sessions": writes the role inline policy ``AWSRevokeOlderSessions``
    denying everything to sessions issued before now (§5.9, D-REVOKE, H). Revoking again moves the instant.

    Raises ``IamError`` NoSuchEntity for an unknown role (or LimitExceeded if the inline quota is full).
    """
    role = world.role(role_arn)
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": format_iso(world.clock.now())}},
            }
        ],
    }
    world.put_inline_policy(role.arn, REVOKE_POLICY_NAME, document)


# ---- shared plumbing ----------------------------------------------------------------------------------------------


class _Call:
    """One STS call: resolves the caller, runs the call and records its CloudTrail event either way."""

    def __init__(self, world: World, event_name: str, parameters: Mapping[str, Any] | None, context: object) -> None:
        self.world = world
        self.event_name = event_name
        self.parameters = dict(parameters) if parameters is not None else None
        self.context = context
        self.ident: Identity | None = None
        self.role: tuple[str, str] | None = None

    def identify(self, ref: object) -> Identity:
        self.ident = self.world.identify(ref)
        return self.ident

    def run(self, body: Callable[[], dict]) -> dict:
        try:
            result = body()
        except EngineError as err:
            audit.record_sts(
                self.world,
                self.event_name,
                self.ident,
                self.parameters,
                error=err,
                role=self.role,
                context=self.context,
            )
            raise
        audit.record_sts(
            self.world,
            self.event_name,
            self.ident,
            self.parameters,
            response=_response(result),
            role=self.role,
            context=self.context,
        )
        return result


def _response(result: Mapping[str, Any]) -> dict[str, Any] | None:
    """CloudTrail ``responseElements``: credentials without the secret key (§6.3, H)."""
    credentials = result.get("credentials")
    if credentials is None:
        return None
    expiration = datetime.fromisoformat(credentials["Expiration"].replace("Z", "+00:00"))
    response: dict[str, Any] = {
        "credentials": {
            "accessKeyId": credentials["AccessKeyId"],
            "sessionToken": credentials["SessionToken"],
            "expiration": audit.cloudtrail_time(expiration),
        }
    }
    user = result.get("assumed_role_user")
    if user is not None:
        response["assumedRoleUser"] = {"assumedRoleId": user["AssumedRoleId"], "arn": user["Arn"]}
        if result.get("packed_policy_size"):
            response["packedPolicySize"] = result["packed_policy_size"]
    if result.get("source_identity") is not None:
        response["sourceIdentity"] = result["source_identity"]
    return response


def _compact(document: object) -> str:
    """A policy document as compact JSON text (whitespace outside strings removed)."""
    if isinstance(document, str):
        try:
            return json.dumps(json.loads(document), separators=(",", ":"))
        except (ValueError, RecursionError):
            return document
    try:
        return json.dumps(document, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        raise PolicyError("Syntax errors in policy.", json_path="policy", parameter="Policy") from None


def _is_list(value: object) -> bool:
    return isinstance(value, list | tuple)


def _arn_list(value: object) -> list[str]:
    """``policy_arns`` as a list of ARNs, from ``["arn", …]`` or ``[{"arn": …}]``."""
    if not value:
        return []
    if not _is_list(value):
        raise ParameterError("policy_arns must be a list of policy ARNs.", parameter="PolicyArns")
    arns = [v.get("arn") if isinstance(v, Mapping) else v for v in value]  # type: ignore[union-attr]
    if not all(isinstance(a, str) and 20 <= len(a) <= 2048 for a in arns):
        raise names.validation_error([names.constraint_failure("policyArns.member.arn", names.MIN_LENGTH.format(n=20))])
    return arns  # type: ignore[return-value]


def _safe_pairs(tags: object) -> list[tuple[object, object]]:
    if isinstance(tags, Mapping):
        return list(tags.items())
    if _is_list(tags):
        return [(t.get("Key"), t.get("Value")) for t in tags if isinstance(t, Mapping)]  # type: ignore[union-attr]
    return []


def _keys_of(pairs: list[tuple[str, str]]) -> list[str]:
    return [k for k, _ in pairs]


def _merge_keys(inherited: list[str], new: list[str]) -> list[str]:
    seen = {k.lower() for k in inherited}
    return inherited + [k for k in new if k.lower() not in seen]
