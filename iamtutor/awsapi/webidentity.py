"""AssumeRoleWithWebIdentity (unsigned, as on AWS) with the sandbox's simulated OIDC tokens.

A token is a JWT (``header.payload.signature``, base64url) that this site issues (``issue_token``, and the
sandbox's "Web identity tokens" page): HS256 under a key derived from the site's key and the sandbox id, its
payload the claims of an OIDC provider (``iss``, ``sub``, ``aud``, and the provider's own such as GitHub's
``repository``), ``jti``, ``iat``/``nbf``/``exp`` on the *sandbox clock*, plus ``iamtutor:sandbox``, which
names the sandbox the call goes to — the call carries no access key. ``read_token`` checks the signature and
the validity window on that sandbox's clock; the engine then does what STS does: the provider in the role's
account, the audience, the trust policy with the claims as condition keys
(``token.actions.githubusercontent.com:sub``…).
https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import datetime

from django.conf import settings

from iamtutor.engine import EngineError, WebIdentityRequest, assume_role_with_web_identity
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import sandbox_now

from .calls import Caller, apply
from .errors import AwsError
from .protocol import Params

SANDBOX_CLAIM = "iamtutor:sandbox"
# WebIdentityToken: "Length Constraints: Minimum length of 4. Maximum length of 20000." (the API reference above)
MAX_TOKEN = 20_000
TIME_CLAIMS = ("iat", "nbf", "exp")
RESERVED_CLAIMS = frozenset({"iss", "sub", "aud", "jti", *TIME_CLAIMS, SANDBOX_CLAIM})
# GitHub's example token lives 5 minutes (iat 1632493567, exp 1632493867): the page's default and shortest.
# https://docs.github.com/en/actions/reference/security/oidc
DEFAULT_LIFETIME = 300
MIN_LIFETIME, MAX_LIFETIME = 300, 3600
# STS's ExpiredTokenException, HTTP 400, in AWS's words (STS API reference, AssumeRoleWithWebIdentity, Errors).
MSG_EXPIRED = (
    "The web identity token that was passed is expired or is not valid. Get a new identity token from the "
    "identity provider and then retry the request."
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(sandbox_id: str) -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"iamtutor.awsapi.oidc:{sandbox_id}".encode(), hashlib.sha256
    ).digest()


def sign(sandbox_id: str, payload: dict) -> str:
    """The signed JWT of ``payload`` exactly as given (``issue_token`` adds the times and the sandbox)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(_key(sandbox_id), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


def issue_token(
    sandbox: Sandbox, claims: dict, *, lifetime: int = DEFAULT_LIFETIME, now: datetime | None = None
) -> str:
    """A token for ``sandbox`` carrying ``claims`` (``iss`` the provider URL, ``sub``, ``aud``…), issued now on
    the sandbox clock (or at ``now``) and valid for ``lifetime`` seconds (at most an hour)."""
    if not 0 < lifetime <= MAX_LIFETIME:
        raise ValueError(f"A token lives 1 to {MAX_LIFETIME} seconds, not {lifetime}.")
    issued = int((now or sandbox_now(sandbox)).timestamp())
    payload = {k: v for k, v in claims.items() if k not in (*TIME_CLAIMS, SANDBOX_CLAIM)}
    payload.setdefault("jti", str(uuid.uuid4()))
    payload.update(iat=issued, nbf=issued, exp=issued + lifetime)
    payload[SANDBOX_CLAIM] = str(sandbox.pk)
    return sign(str(sandbox.pk), payload)


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidIdentityToken", message, 400)


def _time(claims: dict, name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not -1e11 < value < 1e11:
        raise _invalid(f"The web identity token's {name} claim is not a time in seconds since 1970.")
    return float(value)


def decode(token: str) -> tuple[dict, dict]:
    """The header and payload of a token, unchecked (for showing them); raises ``AwsError``."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN:
        raise AwsError(
            "ValidationError",
            "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_TOKEN}",
            400,
        )
    if token.count(".") != 2:
        raise _invalid("The web identity token is not a JWT (header.payload.signature).")
    header, payload, _signature = token.split(".")
    try:
        parts = json.loads(_unb64(header)), json.loads(_unb64(payload))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _invalid("The web identity token could not be decoded.") from None
    if not all(isinstance(part, dict) for part in parts):
        raise _invalid("The web identity token's header and payload are not JSON objects.")
    return parts


def read_token(token: str, *, now: datetime | None = None) -> tuple[Sandbox, dict]:
    """The sandbox and claims (without the times and the sandbox claim) of a token this site issued, judged
    on that sandbox's clock (or at ``now``). Raises ``AwsError``: InvalidIdentityToken for a token that is
    not ours, altered or without ``exp``; ExpiredTokenException outside its validity window."""
    header, claims = decode(token)
    if header.get("alg") != "HS256":
        raise _invalid("The web identity token is not signed with this site's algorithm (HS256).")
    if not isinstance(claims.get(SANDBOX_CLAIM), str):
        raise _invalid("The web identity token was not issued by this site for a sandbox.")
    sandbox_id = claims.pop(SANDBOX_CLAIM)
    head, payload, signature = token.split(".")
    try:
        given = _unb64(signature)
    except ValueError:
        raise _invalid("The web identity token could not be decoded.") from None
    expected = hmac.new(_key(sandbox_id), f"{head}.{payload}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise _invalid("The web identity token's signature does not verify.")
    try:
        sandbox = Sandbox.objects.filter(pk=uuid.UUID(sandbox_id)).first()
    except ValueError:
        sandbox = None
    if sandbox is None:
        raise _invalid("The web identity token names no sandbox that exists.")
    times = {name: _time(claims, name) for name in TIME_CLAIMS}
    if times["exp"] is None:
        raise _invalid("The web identity token has no expiry (exp claim).")
    moment = (now or sandbox_now(sandbox)).timestamp()
    if moment >= times["exp"]:
        raise AwsError("ExpiredTokenException", MSG_EXPIRED, 400)
    if any(times[name] is not None and moment < times[name] for name in ("nbf", "iat")):
        raise AwsError("ExpiredTokenException", MSG_EXPIRED, 400)  # not valid yet: STS's same error
    return sandbox, {k: v for k, v in claims.items() if k not in TIME_CLAIMS}


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
