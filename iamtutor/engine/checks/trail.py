"""The audit trail: ``Trail`` indexes CloudTrail-shaped events, ``Chain`` is who is behind one (the roles
assumed from its starting principal), ``replay`` makes a chain's calls again, ``answer_matches`` reads a
learner's answer."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .. import sts
from ..errors import EngineError
from ..world import World
from .calls import _decide
from .parsing import CHECK_SESSION, SERVICES
from .words import display_name


@dataclass(frozen=True)
class Hop:
    """One step of a chain: the role assumed, the session it gave, and how (``assume``, ``web``, ``ec2``,
    ``lambda``), with the STS request parameters the trail recorded (for replaying it)."""

    role: str
    session_arn: str
    kind: str
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chain:
    """Who is behind an event: the ``root`` principal (a user ARN, ``service:…``, ``web_identity:…``, or a
    session whose origin the trail does not hold) and the roles assumed from it, in order."""

    root: str
    hops: tuple[Hop, ...] = ()

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(hop.role for hop in self.hops)


class Trail:
    """An audit trail (CloudTrail-shaped events, oldest first) indexed for the trail checks.

    ``prepared`` says how many of the first events the lab's setup wrote: ``answers`` reads only those, since a
    detective lab's questions are about the trail the lab prepared, not about what the learner did afterwards.
    """

    def __init__(self, events: Iterable[Mapping[str, Any]], *, prepared: int | None = None) -> None:
        events = [e for e in events if isinstance(e, Mapping)]
        self.events = [e for e in events if _is_primary(e)]
        self.prepared = [e for e in events[:prepared] if _is_primary(e)] if prepared is not None else self.events
        self._issued: dict[str, Mapping[str, Any]] = {}
        self._launched: dict[tuple[str, str], Mapping[str, Any]] = {}
        for event in self.events:
            if event.get("errorCode"):
                continue
            response = event.get("responseElements") or {}
            key = (response.get("credentials") or {}).get("accessKeyId") if isinstance(response, Mapping) else None
            if isinstance(key, str):
                self._issued.setdefault(key, event)
            launch = _launch_target(event)
            if launch is not None:
                self._launched.setdefault(launch, event)

    def matching(self, where: Mapping[str, Any], *, prepared: bool = False) -> list[Mapping[str, Any]]:
        """The events that meet the filter ``where`` (keys as in ``event_exists``); with ``prepared``, only
        among the events the lab's setup wrote."""
        return [e for e in (self.prepared if prepared else self.events) if self._meets(e, where)]

    def _meets(self, event: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
        identity = event.get("userIdentity") or {}
        if "action" in where and _event_action(event) != where["action"].lower():
            return False
        if "event_name" in where and str(event.get("eventName", "")).lower() != where["event_name"].lower():
            return False
        if "resource" in where and where["resource"] not in _resources(event):
            return False
        if "principal" in where and identity.get("arn") != where["principal"]:
            return False
        if "role" in where and _issuer(identity) != where["role"]:
            return False
        if "account" in where and event.get("recipientAccountId") != where["account"]:
            return False
        error = where.get("error", "any")
        if (error == "none" and event.get("errorCode")) or (
            error not in ("none", "any") and event.get("errorCode") != error
        ):
            return False
        return "from" not in where or self.chain(event).root == where["from"]

    def chain(self, event: Mapping[str, Any], depth: int = 0) -> Chain:
        """The principal and the roles behind ``event``, followed through the STS calls that issued each key
        (and, for EC2 and Lambda sessions, through the RunInstances or CreateFunction that started them)."""
        identity = event.get("userIdentity") or {}
        kind = identity.get("type")
        if kind == "AssumedRole":
            key, arn = identity.get("accessKeyId"), str(identity.get("arn", ""))
            role = _issuer(identity) or arn
            issuer = self._issued.get(key) if isinstance(key, str) else None
            if issuer is None or depth > 20:
                return Chain(arn, ())
            base = self.chain(issuer, depth + 1)
            return Chain(base.root, (*base.hops, _hop(issuer, role, arn)))
        if kind == "AWSService":
            launch = self._launch_of(event)
            return (
                self.chain(launch, depth + 1)
                if launch is not None and depth <= 20
                else Chain(f"service:{identity.get('invokedBy', '')}")
            )
        if kind == "WebIdentityUser":
            return Chain(f"web_identity:{identity.get('identityProvider', '')}")
        return Chain(str(identity.get("arn") or identity.get("principalId") or "unknown"))

    def _launch_of(self, event: Mapping[str, Any]) -> Mapping[str, Any] | None:
        service = str((event.get("userIdentity") or {}).get("invokedBy", ""))
        name = str((event.get("requestParameters") or {}).get("roleSessionName", ""))
        return self._launched.get((service, name))

    def answers(self, kind: str, where: Mapping[str, Any]) -> list[str]:
        """The distinct answers of ``kind`` the trail gives for the events meeting ``where`` (oldest first)."""
        found = []
        for event in self.matching(where, prepared=True):
            chain = self.chain(event)
            value = {
                "principal": chain.root,
                "chain": " → ".join(chain.roles),
                "role": chain.roles[-1] if chain.roles else "",
                "session": chain.hops[-1].session_arn if chain.hops else "",
            }[kind]
            if value:
                found.append(value)
        return list(dict.fromkeys(found))


def _is_primary(event: Mapping[str, Any]) -> bool:
    """False for the second copy of a cross-account AssumeRole, filed in the role's account (§6.3)."""
    identity = event.get("userIdentity") or {}
    return not (identity.get("type") == "AWSAccount" and event.get("sharedEventID"))


def _event_action(event: Mapping[str, Any]) -> str:
    source = str(event.get("eventSource", "")).split(".", 1)[0]
    return f"{source}:{event.get('eventName', '')}".lower()


def _resources(event: Mapping[str, Any]) -> set[str]:
    found = {str(r.get("ARN")) for r in event.get("resources") or () if isinstance(r, Mapping)}
    role = (
        (event.get("requestParameters") or {}).get("roleArn")
        if isinstance(event.get("requestParameters"), Mapping)
        else None
    )
    return found | ({role} if isinstance(role, str) else set())


def _issuer(identity: Mapping[str, Any]) -> str | None:
    issuer = ((identity.get("sessionContext") or {}).get("sessionIssuer") or {}).get("arn")
    return issuer if isinstance(issuer, str) else None


def _launch_target(event: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(service, session name)`` for a RunInstances or CreateFunction request: the name EC2 or Lambda
    then gives the session it opens (the instance id; the function name)."""
    action = _event_action(event)
    resource = next(iter(_resources(event)), "")
    if action == "ec2:runinstances" and "instance/" in resource:
        return SERVICES["ec2"], resource.rsplit("/", 1)[1]
    if action == "lambda:createfunction" and ":function:" in resource:
        return SERVICES["lambda"], resource.rsplit(":", 1)[1]
    return None


def _hop(issuer: Mapping[str, Any], role: str, session_arn: str) -> Hop:
    identity = issuer.get("userIdentity") or {}
    kind = {"AssumeRoleWithWebIdentity": "web"}.get(str(issuer.get("eventName")), "assume")
    if identity.get("type") == "AWSService":
        kind = "ec2" if identity.get("invokedBy") == SERVICES["ec2"] else "lambda"
    parameters = issuer.get("requestParameters") or {}
    return Hop(role, session_arn, kind, MappingProxyType(dict(parameters) if isinstance(parameters, Mapping) else {}))


def answer_matches(kind: str, expected: str, given: str) -> bool:
    """Whether the learner's ``given`` answer names ``expected``: an ARN or just its name, case aside; a chain
    as its roles in order, separated by commas, arrows or spaces (the starting principal may lead)."""
    given = given.strip()
    if kind == "chain":
        wanted = expected.split(" → ")
        tokens = [t for t in re.split(r"\s*(?:,|->|→|>|\s)\s*", given) if t]
        if len(tokens) == len(wanted) + 1:
            tokens = tokens[1:]
        return len(tokens) == len(wanted) and all(_names(w, t) for w, t in zip(wanted, tokens, strict=True))
    if kind == "session":
        tail = expected.split(":assumed-role/", 1)[-1]
        return given.lower() in (expected.lower(), tail.lower())
    return _names(expected, given)


def _names(expected: str, given: str) -> bool:
    given = given.strip().lower()
    return given in (expected.lower(), display_name(expected).lower(), expected.rsplit("/", 1)[-1].lower())


def replay(world: World, principal: str, chain: Chain, action: str, resource: str) -> tuple[bool, str]:
    """Makes the calls of ``chain`` again on ``world`` as ``principal`` (with the parameters the trail recorded),
    then the request; returns (whether it was allowed, what stopped it)."""
    ref = principal
    for index, hop in enumerate(chain.hops, start=1):
        params = hop.parameters
        try:
            if hop.kind == "ec2":
                role = world.role(hop.role)
                if not role.instance_profiles:
                    return False, f"step {index} fails: {display_name(hop.role)} is in no instance profile"
                instance = hop.session_arn.rsplit("/", 1)[-1]
                result = sts.launch_instance(world, ref, role.instance_profiles[0].arn, instance_id=instance)
            elif hop.kind == "lambda":
                function = hop.session_arn.rsplit("/", 1)[-1]
                result = sts.lambda_execution_session(world, ref, function, hop.role)
            elif hop.kind == "assume":
                mfa = {"serial": params["serialNumber"]} if params.get("serialNumber") else None
                request = sts.AssumeRoleRequest(
                    hop.role,
                    str(params.get("roleSessionName") or CHECK_SESSION),
                    duration_seconds=params.get("durationSeconds"),
                    external_id=params.get("externalId"),
                    source_identity=params.get("sourceIdentity"),
                    mfa=mfa,
                )
                result = sts.assume_role(world, ref, request)
            else:
                return False, f"step {index} ({display_name(hop.role)} from a web identity token) cannot be replayed"
        except EngineError as err:
            return (
                False,
                f"step {index}, reaching {display_name(hop.role)}, fails: {err.message.rstrip('.')} ({err.code})",
            )
        ref = result["session_id"]
    try:
        decision = _decide(world, world.identify(ref), action, resource)
    except EngineError as err:
        return False, f"the last request fails: {err.message.rstrip('.')} ({err.code})"
    return decision.allowed, "" if decision.allowed else f"the last request is denied ({decision.outcome})"
