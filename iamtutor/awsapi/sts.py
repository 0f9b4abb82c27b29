"""STS over the Query protocol: AssumeRole, GetCallerIdentity, GetSessionToken, DecodeAuthorizationMessage
(and AssumeRoleWithWebIdentity, in ``webidentity.py``). Each reads its parameters as STS names them, lets the
engine decide (``iamtutor.engine.sts``) through ``calls.apply``, and returns the result as STS's XML shapes it
(https://docs.aws.amazon.com/STS/latest/APIReference/API_Operations.html).
"""

from __future__ import annotations

from iamtutor.engine import (
    AssumeRoleRequest,
    EngineError,
    StsError,
    assume_role,
    get_caller_identity,
    get_session_token,
)

from .calls import Caller, apply, decode, denial, encode, keep_identity, kept_identity
from .errors import AwsError
from .protocol import Params


def engine_error(err: EngineError, caller: Caller, world=None) -> AwsError:
    """An engine refusal as the wire error: AccessDenied with a decision gets its encoded message."""
    if isinstance(err, StsError) and err.code == "AccessDenied" and getattr(err, "decision", None) is not None:
        shown = world.redact(err.decision) if world is not None else err.decision
        encoded = encode(shown, caller.sandbox)
        return AwsError("AccessDenied", f"{err.message} Encoded authorization failure message: {encoded}", 403)
    return AwsError(err.code, err.message, err.http_status)


def run_in_sandbox(caller: Caller, body, errors=None, *, own_session_only: bool = False):
    """Runs ``body(world)`` in the caller's sandbox (one transaction); an engine error becomes AWS's error, as
    ``errors(err, caller, world)`` words it (STS's and IAM's ``engine_error`` unless a service words its own).
    ``own_session_only``: the world holds no STS session but the caller's (``calls.apply``)."""
    holder: dict = {}

    def wrapped(world):
        holder["world"] = world
        return body(world)

    try:
        return apply(caller, wrapped, own_session_only=own_session_only)
    except EngineError as err:
        raise (errors or engine_error)(err, caller, holder.get("world")) from None


def _credentials(result: dict) -> dict:
    c = result["credentials"]
    return {
        "AccessKeyId": c["AccessKeyId"],
        "SecretAccessKey": c["SecretAccessKey"],
        "SessionToken": c["SessionToken"],
        "Expiration": c["Expiration"],
    }


def get_caller_identity_action(params: Params, caller: Caller) -> dict:
    """Answered from this process's kept answer at the sandbox's revision when there is one
    (``calls.kept_identity``); else by the engine, whose answer and audit event are then kept — unless the
    identity's account is a classmate's borrowed one (its event is also the classmate's to record)."""
    result = kept_identity(caller)
    if result is None:
        seen: dict = {}

        def body(world):
            answer = get_caller_identity(world, caller.ref)
            if not world.is_borrowed(answer["Account"]):
                seen["event"] = world.events[len(world.events) - 1]
            return answer

        revision = caller.sandbox.revision
        result = run_in_sandbox(caller, body, own_session_only=True)
        if "event" in seen and caller.sandbox.revision == revision:
            keep_identity(caller, revision, result, seen["event"])
    return {"UserId": result["UserId"], "Account": result["Account"], "Arn": result["Arn"]}


def assume_role_request(params: Params) -> AssumeRoleRequest:
    """The engine's parameter object from STS's parameters (the engine validates every value)."""
    tags = params.members("Tags", ("Key", "Value"))
    serial, token = params.get("SerialNumber"), params.get("TokenCode")
    mfa = None
    if serial is not None or token is not None:
        mfa = {"serial": serial, **({"token_code": token} if token is not None else {})}
    return AssumeRoleRequest(
        params.required("RoleArn"),
        params.required("RoleSessionName"),
        duration_seconds=params.integer("DurationSeconds"),
        external_id=params.get("ExternalId"),
        policy=params.get("Policy"),
        policy_arns=tuple(entry.get("arn", "") for entry in params.members("PolicyArns", ("arn",))),
        tags=tuple({"Key": t.get("Key", ""), "Value": t.get("Value", "")} for t in tags),
        transitive_tag_keys=tuple(params.members("TransitiveTagKeys")),
        source_identity=params.get("SourceIdentity"),
        mfa=mfa,
    )


def assume_role_action(params: Params, caller: Caller) -> dict:
    request = assume_role_request(params)
    result = run_in_sandbox(caller, lambda world: assume_role(world, caller.ref, request), own_session_only=True)
    shaped = {
        "Credentials": _credentials(result),
        "AssumedRoleUser": {
            "AssumedRoleId": result["assumed_role_user"]["AssumedRoleId"],
            "Arn": result["assumed_role_user"]["Arn"],
        },
        "PackedPolicySize": result.get("packed_policy_size"),
    }
    if result.get("source_identity") is not None:
        shaped["SourceIdentity"] = result["source_identity"]
    return shaped


def get_session_token_action(params: Params, caller: Caller) -> dict:
    serial, token = params.get("SerialNumber"), params.get("TokenCode")
    mfa = {"serial": serial, **({"token_code": token} if token is not None else {})} if serial or token else None
    duration = params.integer("DurationSeconds")
    result = run_in_sandbox(
        caller,
        lambda world: get_session_token(world, caller.ref, duration_seconds=duration, mfa=mfa),
        own_session_only=True,
    )
    return {"Credentials": _credentials(result)}


def decode_authorization_message_action(params: Params, caller: Caller) -> dict:
    message = params.required("EncodedMessage")

    def body(world):
        decision = world.request(caller.ref, "sts:DecodeAuthorizationMessage", "*")
        if not decision.allowed:
            raise denial(decision, caller.sandbox, world=world)
        return decode(message, caller.sandbox)

    return {"DecodedMessage": run_in_sandbox(caller, body, own_session_only=True)}


ACTIONS = {
    "GetCallerIdentity": get_caller_identity_action,
    "AssumeRole": assume_role_action,
    "GetSessionToken": get_session_token_action,
    "DecodeAuthorizationMessage": decode_authorization_message_action,
}
