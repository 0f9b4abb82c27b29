"""One endpoint call against a sandbox: load its world, let the engine decide and act, save — in one
transaction that holds the sandbox row's lock, so concurrent calls with one sandbox's keys run one after the
other instead of failing as a lost update. Refusals are saved too: CloudTrail records them.

Denials carry an encoded authorization message (as EC2's do) that ``sts:DecodeAuthorizationMessage``
turns back into the decision: the statements that matched, the context, and the path the evaluation took.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.db import transaction

from iamtutor.engine import Decision, EngineError, World, explain, repeat_event
from iamtutor.sandbox.models import AuditEvent, Sandbox
from iamtutor.sandbox.worlds import ConcurrentChange, SandboxWorld, _event_row, sandbox_now

from .errors import MSG_INVALID_TOKEN, AwsError

_SALT = "iamtutor.awsapi.authorization-message"
ATTEMPTS = 3


@dataclass
class Caller:
    """Who signed the request: the sandbox, the engine's reference for the credentials, and the session id
    when they are temporary."""

    sandbox: Sandbox
    ref: str
    session_id: str | None
    service: str
    expires_at: datetime | None = None  # a session's expiry on the sandbox clock (the key index's copy)


def apply[T](caller: Caller, body: Callable[[World], T], *, own_session_only: bool = False) -> T:
    """Runs ``body`` on the caller's sandbox world and saves what it did, whatever ``body`` raised (an
    ``EngineError`` or ``AwsError`` is re-raised after the save, so the refusal is in the audit trail).

    Most calls change nothing but the audit trail (GetCallerIdentity, a decided request, a refusal): the world
    is this revision's kept copy, and only the new events are written — the revision stays, so the next call
    finds the world parsed. A call that changes the world (a new session, an IAM change) is saved whole with
    the revision check of ``SandboxWorld.save``; if another call saved the sandbox meanwhile, the call is made
    again on the newer world (inside the transaction, so nothing of the first try remains).

    ``own_session_only``: the call needs no STS session but the caller's own (STS's calls: the engine looks
    sessions up by the caller's key only), so the world is loaded with that one session instead of every
    session the sandbox ever issued.
    """
    sandbox = caller.sandbox
    if sandbox.read_only_reason:
        raise AwsError("AccessDenied", f"This sandbox cannot change now: {sandbox.read_only_reason}", 403)
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                if attempt:  # a busy sandbox: wait for the other call, then work on what it saved
                    sandbox = Sandbox.objects.select_for_update().get(pk=sandbox.pk)
                    caller.sandbox = sandbox
                loaded = (
                    SandboxWorld.load(sandbox, only_session=caller.session_id)
                    if own_session_only
                    else SandboxWorld.load(sandbox)
                )
                loaded.caller_session = caller.session_id
                revision = loaded.world.revision
                failure: Exception | None = None
                value = None
                try:
                    value = body(loaded.world)
                except (EngineError, AwsError) as err:
                    failure = err
                if loaded.world.revision == revision:
                    loaded._save_events(loaded.world.events)
                else:
                    loaded.save()
            if failure is not None:
                raise failure
            return value  # type: ignore[return-value]
        except ConcurrentChange:
            continue
        except Sandbox.DoesNotExist:
            raise AwsError("InvalidClientTokenId", MSG_INVALID_TOKEN, 403) from None
    raise AwsError("ServiceUnavailable", "The sandbox is busy with other calls; try again.", 503, sender=False)


def _identity_key(caller: Caller) -> str:
    return f"awsapi-identity:{caller.sandbox.pk}:{caller.ref}"


def kept_identity(caller: Caller) -> dict | None:
    """GetCallerIdentity without the world, when this process answered it before at the sandbox's current
    revision: the answer (ARN, account, user id) depends only on the revision — every change to users, keys,
    roles or sessions bumps it — and on the clock, which only matters for a session's expiry, checked here
    on the key index's copy of it (an expired session goes the engine's way, to ExpiredToken). The audit
    event is the engine's event of the kept call with a new id and time, appended as one row.
    ``None`` when the engine must answer."""
    sandbox = caller.sandbox
    if sandbox.read_only_reason:
        return None
    kept = caches["worlds"].get(_identity_key(caller))
    if kept is None or kept[0] != sandbox.revision:
        return None
    now = sandbox_now(sandbox)
    if caller.session_id and (caller.expires_at is None or now >= caller.expires_at):
        return None
    result, event = kept[1], repeat_event(kept[2], now, secrets.token_bytes(16), secrets.token_bytes(16))
    AuditEvent.objects.bulk_create([_event_row(sandbox.pk, event)])
    return result


def keep_identity(caller: Caller, revision: int, result: dict, event: dict) -> None:
    """Keeps an engine-made GetCallerIdentity answer and its audit event for ``kept_identity``."""
    caches["worlds"].set(_identity_key(caller), (revision, result, event), settings.WORLD_CACHE_SECONDS)


def denial(decision: Decision, sandbox: Sandbox, *, world: World | None = None) -> AwsError:
    """AccessDenied with AWS's message and an encoded authorization failure message appended."""
    shown = world.redact(decision) if world is not None else decision
    return AwsError(
        "AccessDenied", f"{shown.reason} Encoded authorization failure message: {encode(shown, sandbox)}", 403
    )


def encode(decision: Decision, sandbox: Sandbox) -> str:
    """The decision as DecodeAuthorizationMessage will return it, signed so that it cannot be forged and
    bound to the sandbox it came from."""
    return signing.dumps({"s": str(sandbox.pk), "m": decoded_message(decision)}, salt=_SALT, compress=True)


def decode(message: str, sandbox: Sandbox) -> str:
    """The JSON text DecodeAuthorizationMessage answers; raises ``AwsError`` InvalidAuthorizationMessageException."""
    try:
        data = signing.loads(message, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        data = None
    if not isinstance(data, dict) or data.get("s") != str(sandbox.pk):
        raise AwsError(
            "InvalidAuthorizationMessageException",
            "The authorization message is not one this endpoint issued for your sandbox.",
            400,
        )
    return json.dumps(data["m"], separators=(",", ":"))


def decoded_message(decision: Decision) -> dict:
    """The shape AWS documents for a decoded message (allowed, explicitDeny, matchedStatements, failures,
    context), plus this endpoint's own ``evaluationPath`` and plain-language ``explanation``."""
    request = decision.request
    matched = [
        {
            "statementId": m.sid or "",
            "effect": m.effect.upper(),
            "policyType": m.source,
            "policy": m.policy or "",
            "jsonPath": m.json_path,
        }
        for m in decision.matched
    ]
    context: dict = {}
    sentences: list[str] = []
    if request is not None:
        context = {
            "principal": {"arn": request.caller.arn},
            "action": request.action,
            "resource": request.resource,
            "conditions": {
                "items": [
                    {"key": key, "values": {"items": [{"value": str(v)} for v in _values(value)]}}
                    for key, value in sorted((request.context or {}).items())
                ]
            },
        }
        try:
            sentences = explain(decision, request)
        except EngineError:
            sentences = []
    return {
        "allowed": decision.allowed,
        "explicitDeny": decision.outcome == "explicitDeny",
        "matchedStatements": {"items": matched},
        "failures": {"items": []},
        "context": context,
        "evaluationPath": list(decision.path),
        "deniedBy": decision.denied_by,
        "explanation": sentences,
    }


def _values(value: object) -> list:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
