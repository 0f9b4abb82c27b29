"""AssumeRoleWithWebIdentity (§5.8): the OIDC provider in the role's account, the token's audience, the
claims as ``<provider-url>:<claim>`` condition keys in the trust evaluation, session tags and source
identity from the token, then durations and session policies as for AssumeRole (without role chaining).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from .. import names
from ..errors import StsError
from ..world import World
from ..world_model import Identity, check_tags, claim_keys, split_iam_arn
from .call import Call
from .durations import session_duration
from .requests import AssumeRoleRequest, WebIdentityRequest
from .session_policies import parse_session_policies
from .sessions import issue_role_session, role_result
from .trust import authorize, trust_keys
from .validation import check_session_id, transitive_keys, validate_assume_role

TAGS_CLAIM: Final = "https://aws.amazon.com/tags"  # §5.8 (M)
SOURCE_IDENTITY_CLAIM: Final = "https://aws.amazon.com/source_identity"  # §5.8 (M)
MSG_WEB_DENIED: Final = "Not authorized to perform sts:AssumeRoleWithWebIdentity"  # §5.8 (H)
MSG_AUDIENCE: Final = "Incorrect token audience"  # §5.8 (M)
MSG_NO_PROVIDER: Final = "No OpenIDConnect provider found in your account for https://{url}"  # OBS (M)
_TOKEN: Final = "WebIdentityToken"  # noqa: S105 the parameter that carries the token, not a token


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
    call = Call(world, "AssumeRoleWithWebIdentity", parameters, request.context)
    return call.run(lambda: _assume_web(call, request, session_id))


def _assume_web(call: Call, request: WebIdentityRequest, session_id: object) -> dict:
    provider_arn, role_arn, session_name = request.provider_arn, request.role_arn, request.session_name
    duration, policy, context = request.duration_seconds, request.policy, request.context
    world = call.world
    _, _, arns = validate_assume_role(
        AssumeRoleRequest(role_arn, session_name, duration, policy=policy, policy_arns=request.policy_arns)
    )
    check_session_id(world, session_id)
    token = _check_claims(request.claims)
    role_account = split_iam_arn(role_arn)[1]  # type: ignore[index]
    parts = split_iam_arn(provider_arn)
    # The provider must be an IAM object of the role's own account (a classmate's, when the role is borrowed).
    provider = world.find_provider(provider_arn) if parts and parts[1] == role_account else None
    url = parts[3][1:] + parts[4] if parts else str(provider_arn)
    if provider is None or provider.type != "oidc":
        raise StsError(MSG_NO_PROVIDER.format(url=url), code="InvalidIdentityToken", http_status=400, parameter=_TOKEN)
    audience = _matching_audience(token.get("aud"), provider.audiences)
    ident = call.identify(f"web_identity:{provider.arn}")
    call.ident = Identity(replace(ident.caller, arn=f"{url}:{audience}:{token.get('sub', '')}"))
    pairs, transitive, source_identity = _token_session_attributes(token)
    role = world.find_role(role_arn)
    call.role = (role.arn if role else str(role_arn), role_account)
    extra = trust_keys(session_name, None, pairs, transitive, source_identity, [], None, world)
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
        authorize(trust_request, role, tagging=bool(pairs), source_identity=source_identity is not None)
    except StsError:
        raise StsError(MSG_WEB_DENIED, code="AccessDenied") from None
    assert role is not None
    seconds = session_duration(role, duration, chained=False, service=None)
    docs, size = parse_session_policies(world, role, policy, arns, pairs)
    kept = {k: v for k, v in token.items() if k in ("amr", "aud", "id", "sub")}
    session = issue_role_session(
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
    result = role_result(session, size)
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
        transitive = transitive_keys(raw.get("transitive_tag_keys") or [], pairs)
    source = token.get(SOURCE_IDENTITY_CLAIM)
    if source is not None:
        names.validate("source_identity", source)
    return pairs, transitive, source if isinstance(source, str) else None
