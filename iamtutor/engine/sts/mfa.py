"""MFA on STS calls (§5.7): the shape of the ``mfa`` parameter, the device check and the authentication
instant a new session carries (this call's MFA, or the calling session's).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from .. import names
from ..errors import ParameterError, StsError
from ..world import World
from ..world_model import Identity

MSG_BAD_MFA: Final = "MultiFactorAuthentication failed with invalid MFA one time pass code."  # OBS (M)


def mfa_problems(mfa: object) -> list[str]:
    """The validation failures of the ``mfa`` parameter; ``ParameterError`` for a malformed object."""
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


def mfa_instant(world: World, ident: Identity, mfa: object) -> datetime | None:
    """The MFA authentication instant for the new session: this call's MFA, or the calling session's (§5.7)."""
    if isinstance(mfa, Mapping):
        devices = ident.user.mfa_devices if ident.user is not None else []
        if ident.caller.type == "user" and mfa["serial"] not in devices:
            raise StsError(MSG_BAD_MFA, code="AccessDenied", parameter="SerialNumber")
        return world.clock.now() - timedelta(seconds=mfa.get("age_seconds", 0))
    return ident.session.mfa_auth_time if ident.session is not None else None
