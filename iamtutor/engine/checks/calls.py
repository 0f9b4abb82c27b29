"""The calls checks make: AssumeRole along a ``via`` chain, a probe session of a role, one decided request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .. import sts
from ..errors import EngineError
from ..evaluate import Decision, evaluate
from ..principals import Caller
from ..world import World
from ..world_model import Identity, Session, split_iam_arn
from .parsing import CHECK_SESSION
from .words import _error_reason, display_name


@dataclass(frozen=True)
class _Reached:
    """Where a caller spec led: the caller reference to use next, and how to name it."""

    ref: str
    name: str


class _Unreachable(Exception):
    """A ``via`` chain broke before the checked step; ``reason`` says where and why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _assume(world: World, ref: str, role: str, options: Mapping[str, Any], claims: Mapping | None) -> dict:
    """One AssumeRole (or AssumeRoleWithWebIdentity for a web identity) with a check's options."""
    name = options.get("session_name", CHECK_SESSION)
    policy, context = _dict(options.get("policy")), _dict(options.get("context"))
    if ref.startswith("web_identity:"):
        request = sts.WebIdentityRequest(
            ref.removeprefix("web_identity:"),
            role,
            name,
            dict(claims or {}),
            duration_seconds=options.get("duration"),
            policy=policy,
            context=context,
        )
        return sts.assume_role_with_web_identity(world, request)
    request = sts.AssumeRoleRequest(
        role,
        name,
        duration_seconds=options.get("duration"),
        external_id=options.get("external_id"),
        policy=policy,
        source_identity=options.get("source_identity"),
        mfa=_mfa(world, ref) if options.get("mfa") else None,
        context=context,
    )
    return sts.assume_role(world, ref, request)


def _dict(value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A check's frozen mapping as the plain dict the engine's calls take."""
    return None if value is None else dict(value)


def _mfa(world: World, ref: str) -> dict[str, Any]:
    """An MFA code from the caller's first device (or a device it does not have, which STS refuses)."""
    user = world.find_user(ref)
    if user is not None and user.mfa_devices:
        return {"serial": user.mfa_devices[0], "age_seconds": 0}
    parts = split_iam_arn(ref)
    account = parts[1] if parts else "000000000000"
    return {"serial": f"arn:aws:iam::{account}:mfa/{parts[4] if parts else 'device'}", "age_seconds": 0}


def _follow(world: World, args: Mapping[str, Any], hops: Sequence[Mapping[str, Any]]) -> _Reached:
    """Starts at ``caller`` and assumes each role of ``hops`` in turn; raises ``_Unreachable`` on a refusal."""
    start = display_name(args["caller"])
    ref, name = args["caller"], start
    for index, hop in enumerate(hops):
        role = hop["role"]
        try:
            result = _assume(world, ref, role, hop, args.get("claims") if index == 0 else None)
        except EngineError as err:
            action = "sts:AssumeRoleWithWebIdentity" if ref.startswith("web_identity:") else "sts:AssumeRole"
            why = _error_reason(err, name, display_name(role), action)
            raise _Unreachable(f"{name} cannot assume {display_name(role)}: {why} ({err.code})") from None
        through = [display_name(h["role"]) for h in hops[:index]]
        ref = result["session_id"]
        name = f"{start}'s session of {display_name(role)}" + (f" (through {', '.join(through)})" if through else "")
    return _Reached(ref, name)


def _role_session(world: World, role_arn: str) -> Identity:
    """A fresh session of ``role_arn`` issued now, with no session policy, as an ``Identity`` (not stored)."""
    role = world.role(role_arn)
    now = world.clock.now()
    arn = f"arn:{world.partition}:sts::{role.account}:assumed-role/{role.name}/{CHECK_SESSION}"
    session = Session(
        id=CHECK_SESSION,
        kind="assumed_role",
        access_key_id="ASIALABCHECK",
        secret_access_key="",
        session_token="",
        account=role.account,
        arn=arn,
        issued_at=now,
        expires_at=now + timedelta(hours=1),
        role_arn=role.arn,
        role_id=role.id,
        session_name=CHECK_SESSION,
    )
    caller = Caller(
        "assumed_role",
        arn,
        role.account,
        role_arn=role.arn,
        unique_id=f"{role.id}:{CHECK_SESSION}",
        session_name=CHECK_SESSION,
        has_boundary=bool(role.boundary),
    )
    return Identity(caller, role=role, session=session, access_key_id=session.access_key_id)


def _decide(world: World, ident: Identity, action: str, resource: str, context: object = None) -> Decision:
    """The decision for one request, without recording an event."""
    return evaluate(world.build_request(ident, action, resource, context))


def _requester(world: World, args: Mapping[str, Any]) -> tuple[Identity, str]:
    """The identity a request check asks as, and its name; raises ``_Unreachable`` if ``via`` breaks."""
    if "session_of" in args:
        return _role_session(world, args["session_of"]), f"a session of {display_name(args['session_of'])}"
    reached = _follow(world, args, args.get("via") or ())
    return world.identify(reached.ref), reached.name
