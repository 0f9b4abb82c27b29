"""GetSessionToken (§5.9): temporary credentials for an IAM user or the root user with long-term keys,
with optional MFA; never for session credentials. Durations are ``durations.py``'s.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from .. import names
from ..errors import StsError
from ..world import World
from ..world_model import Session
from .call import Call
from .durations import SESSION_TOKEN_DURATION, duration_problems
from .mfa import mfa_instant, mfa_problems
from .sessions import credentials
from .validation import check_session_id

MSG_SESSION_CREDENTIALS: Final = "Cannot call GetSessionToken with session credentials"  # OBS (M)


def get_session_token(
    world: World, caller_ref: object, *, duration_seconds: object = None, mfa: object = None, session_id: object = None
) -> dict:
    """GetSessionToken for an IAM user or root with long-term keys (§5.9, API-STS, H).

    Durations: users 900–129,600 s (default 43,200); root at most 3,600, longer requests silently capped
    (§5.3). Session credentials cannot call it (``AccessDenied``). Returns ``{"ok", "credentials",
    "session_id"}``. Raises ``StsError`` or ``ParameterError``; the call is audited.
    """
    parameters = {"durationSeconds": duration_seconds} if duration_seconds is not None else None
    call = Call(world, "GetSessionToken", parameters, None)
    return call.run(lambda: _session_token(call, caller_ref, duration_seconds, mfa, session_id))


def _session_token(call: Call, caller_ref: object, duration: object, mfa: object, session_id: object) -> dict:
    world = call.world
    ident = call.identify(caller_ref)
    if ident.session is not None:
        raise StsError(MSG_SESSION_CREDENTIALS, code="AccessDenied")
    if ident.caller.type not in ("user", "root"):
        raise StsError("The security token included in the request is invalid.", code="InvalidClientTokenId")
    low, high, default = SESSION_TOKEN_DURATION[ident.caller.type]
    failures = mfa_problems(mfa)
    if duration is not None:
        failures += duration_problems(duration, 900, 129_600)
    if failures:
        raise names.validation_error(failures)
    check_session_id(world, session_id)
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
        mfa_auth_time=mfa_instant(world, ident, mfa),
    )
    world.add_session(session)
    return {"ok": True, "credentials": credentials(session), "session_id": session.id}
