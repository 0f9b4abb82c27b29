"""AssumeRoleWithWebIdentity (unsigned, as on AWS) with the sandbox's simulated OIDC tokens.

A token is a JWT (``header.payload.signature``, base64url) that this site issues (``issue_token``): HS256
under a key derived from the site's key and the sandbox id, its payload the claims of an OIDC provider
(``iss``, ``sub``, ``aud``, and the provider's own such as GitHub's ``repository``) plus
``iamtutor:sandbox``, which names the sandbox the call goes to — the call carries no access key. The engine
then does what STS does: the provider in the role's account, the audience, the trust policy with the claims
as condition keys (``token.actions.githubusercontent.com:sub``…).
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from django.conf import settings

from iamtutor.engine import EngineError, WebIdentityRequest, assume_role_with_web_identity
from iamtutor.sandbox.models import Sandbox

from .calls import Caller, apply
from .errors import AwsError
from .protocol import Params

SANDBOX_CLAIM = "iamtutor:sandbox"
MAX_TOKEN = 20_000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(sandbox_id: str) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"iamtutor.awsapi.oidc:{sandbox_id}".encode(), hashlib.sha256
    ).digest()


def issue_token(sandbox: Sandbox, claims: dict) -> str:
    """A token for ``sandbox`` carrying ``claims`` (``iss`` the provider URL, ``sub``, ``aud``…)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps({**claims, SANDBOX_CLAIM: str(sandbox.pk)}, separators=(",", ":")).encode())
    signature = hmac.new(_key(str(sandbox.pk)), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidIdentityToken", message, 400)


def read_token(token: str) -> tuple[Sandbox, dict]:
    """The sandbox and claims of a token this site issued; raises ``AwsError`` InvalidIdentityToken."""
    if len(token) > MAX_TOKEN or token.count(".") != 2:
        raise _invalid("The web identity token is not a JWT (header.payload.signature).")
    header, payload, signature = token.split(".")
    try:
        claims = json.loads(_unb64(payload))
        given = _unb64(signature)
    except (ValueError, UnicodeDecodeError):
        raise _invalid("The web identity token could not be decoded.") from None
    if not isinstance(claims, dict) or not isinstance(claims.get(SANDBOX_CLAIM), str):
        raise _invalid("The web identity token was not issued by this site for a sandbox.")
    sandbox_id = claims.pop(SANDBOX_CLAIM)
    expected = hmac.new(_key(sandbox_id), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise _invalid("The web identity token's signature does not verify.")
    sandbox = Sandbox.objects.filter(pk=sandbox_id).first() if len(sandbox_id) == 36 else None
    if sandbox is None:
        raise _invalid("The web identity token names no sandbox that exists.")
    return sandbox, claims


def assume_role_with_web_identity_action(params: Params) -> dict:
    sandbox, claims = read_token(params.required("WebIdentityToken"))
    role_arn = params.required("RoleArn")
    issuer = str(claims.get("iss", "")).removeprefix("https://")
    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
    provider = f"arn:aws:iam::{account}:oidc-provider/{issuer}"
    request = WebIdentityRequest(
        provider,
        role_arn,
        params.required("RoleSessionName"),
        claims,
        duration_seconds=params.integer("DurationSeconds"),
        policy=params.get("Policy"),
        policy_arns=tuple(e.get("arn", "") for e in params.members("PolicyArns", ("arn",))),
    )
    caller = Caller(sandbox, "", None, "sts")
    try:
        result = apply(caller, lambda world: assume_role_with_web_identity(world, request))
    except EngineError as err:
        raise AwsError(err.code, err.message, err.http_status) from None
    c = result["credentials"]
    shaped = {
        "Credentials": {k: c[k] for k in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")},
        "SubjectFromWebIdentityToken": str(claims.get("sub", "")),
        "AssumedRoleUser": {
            "AssumedRoleId": result["assumed_role_user"]["AssumedRoleId"],
            "Arn": result["assumed_role_user"]["Arn"],
        },
        "PackedPolicySize": result.get("packed_policy_size"),
        "Provider": issuer,
        "Audience": str(claims.get("aud", "")),
    }
    return shaped
