"""GetCallerIdentity (§5.9): who the credentials belong to. It needs no permission and is never denied
(§4.1 fact 11, D-TEMP, H); only unknown or expired credentials fail.
"""

from __future__ import annotations

from ..errors import StsError
from ..world import World
from .call import Call


def get_caller_identity(world: World, caller_ref: object) -> dict:
    """GetCallerIdentity: needs no permission and is never denied (§4.1 fact 11, D-TEMP, H).

    Returns ``{"ok", "Account", "Arn", "UserId"}`` per the table of §5.9 (GetSessionToken credentials
    report the user, ⚠ F25). Raises ``StsError`` ExpiredToken / InvalidClientTokenId (§5.9).
    """
    call = Call(world, "GetCallerIdentity", None, None)
    return call.run(lambda: _caller_identity(call, caller_ref))


def _caller_identity(call: Call, caller_ref: object) -> dict:
    ident = call.identify(caller_ref)
    caller = ident.caller
    if caller.type in ("service", "anonymous", "web_identity"):
        raise StsError("The security token included in the request is invalid.", code="InvalidClientTokenId")
    user_id = caller.account if caller.type == "root" else caller.unique_id
    return {"ok": True, "Account": caller.account, "Arn": caller.arn, "UserId": user_id}
