"""Lab checks: predicates over a world and its audit trail, each one decided by the engine.

A lab task is done when its checks pass. A check is a one-key mapping in a lab file, such as
``{"can_assume": {"caller": "arn:aws:iam::111111111111:user/alice", "role": "arn:…:role/Deploy"}}``.
``parse_check`` reads it once into a frozen ``Check`` (a bad definition raises ``CheckError`` naming its JSON
path) and ``run_checks`` decides a list of them on a ``World``: one ``CheckOutcome`` each, passed or not, with
a sentence in plain words naming what the engine saw ("alice cannot assume Deploy: the trust policy of Deploy
does not allow alice (AccessDenied)"). Nothing here compares policy text. Every answer comes from an STS call,
a request decided by ``evaluate`` or the audit trail, at the world's own clock.

Checks make calls (AssumeRole for ``can_assume``…). ``run_checks`` takes away the sessions and events those
calls add before it returns, so the world is left as it was. Requests are decided without recording events.

The rest of the lab runner's engine work lives here too: ``apply_steps`` runs a lab's setup or one of its
solutions (scenario steps plus the changes scenarios cannot express, ``CHANGE_STEPS``), ``rewind_for`` puts
the clock back so that a setup ends at the world's present, and ``Trail`` reads an audit trail: which STS
call issued a session's keys, and so the chain of roles behind any event.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Final

from . import sts
from .audit import EventLog
from .errors import EngineError, ParameterError, StsError, WorldError
from .evaluate import Decision, evaluate
from .policy import parse_policy
from .principals import Caller
from .scenario import StepOutcome, _Runner, check_step, error_result, match_expected
from .world import World
from .world_model import Identity, Session, split_iam_arn

OUTSIDER_ACCOUNT: Final = "999999999999"  # the stranger every "is it public?" probe calls from
CHECK_SESSION: Final = "lab-check"  # the session name of the sessions checks open
DECIDERS: Final = ("scp", "rcp", "boundary", "session", "identity", "resource", "trust", "explicit-deny")
ANSWER_KINDS: Final = ("principal", "chain", "role", "session")
SERVICES: Final = {"ec2": "ec2.amazonaws.com", "lambda": "lambda.amazonaws.com"}
_ALLOW_ALL: Final = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
_ACCOUNT = re.compile(r"\d{12}")
_ROOT = re.compile(r"arn:[a-z-]+:iam::(\d{12}):root")
_ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9*?]+")


class CheckError(WorldError):
    """A check definition (or a lab step) that is not well formed; ``json_path`` names the place."""

    default_code = "InvalidCheck"


@dataclass(frozen=True)
class Check:
    """One parsed check: its ``name`` (a key of ``CHECKS``), its validated arguments and where it was defined."""

    name: str
    args: Mapping[str, Any]
    where: str = "check"

    def principals(self) -> Iterator[tuple[str, str]]:
        """``(json path, ARN)`` of each user and role the check names, which the lab's world must hold."""
        for key in ("caller", "principal"):
            value = self.args.get(key)
            if isinstance(value, str) and value.startswith("arn:"):
                yield f"{self.where}.{key}", value
        for key in ("role", "session_of"):
            if isinstance(self.args.get(key), str):
                yield f"{self.where}.{key}", self.args[key]
        for index, hop in enumerate(self.args.get("via") or ()):
            yield f"{self.where}.via[{index}]", hop["role"]


@dataclass(frozen=True)
class CheckOutcome:
    """What one check came to: ``passed``, and ``explanation``, one or two sentences in plain words."""

    check: str
    passed: bool
    explanation: str


# ---- parsing ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()  # exactly one of these keys must be given


_ASSUME_OPTIONS: Final = ("external_id", "mfa", "source_identity", "context", "duration", "session_name", "policy")
_FILTER_KEYS: Final = ("action", "event_name", "resource", "principal", "role", "from", "error", "account")
CHECKS: Final[dict[str, _Spec]] = {
    "can_assume": _Spec(("caller", "role"), (*_ASSUME_OPTIONS, "via", "claims")),
    "cannot_assume": _Spec(("caller", "role"), (*_ASSUME_OPTIONS, "via", "claims", "denied_by")),
    "request_allowed": _Spec(
        ("action", "resource"), ("caller", "session_of", "via", "claims", "context"), ("caller", "session_of")
    ),
    "request_denied": _Spec(
        ("action", "resource"),
        ("caller", "session_of", "via", "claims", "context", "decided_by"),
        ("caller", "session_of"),
    ),
    "session_max_duration": _Spec(("role", "seconds", "caller"), ("via", "claims", "external_id", "mfa", "exact")),
    "requires_external_id": _Spec(("role", "from_account", "external_id")),
    "trust_not_public": _Spec(("role",)),
    "least_privilege": _Spec(("role", "needed", "forbidden"), ("context",)),
    "event_exists": _Spec((), (*_FILTER_KEYS, "min_count")),
    "session_revoked": _Spec(("session",), ("action", "resource")),
    "answer": _Spec(("kind", "event")),
    "reached": _Spec(("principal", "action", "resource"), ("replay",)),
    "can_pass_role": _Spec(("caller", "role", "service"), ("function",)),
    "cannot_pass_role": _Spec(("caller", "role", "service"), ("function",)),
}


def parse_checks(data: object, where: str = "check") -> tuple[Check, ...]:
    """A task's ``check`` list as ``Check``s; raises ``CheckError`` naming the path of the first bad one."""
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list) or not data:
        raise CheckError("A task's check is a list of one or more checks.", json_path=where)
    return tuple(parse_check(item, f"{where}[{index}]") for index, item in enumerate(data))


def parse_check(data: object, where: str = "check") -> Check:
    """One check, ``{name: {arguments}}``, validated; raises ``CheckError`` at ``where`` (or below it)."""
    if not isinstance(data, Mapping) or len(data) != 1:
        raise CheckError("A check is one name with its arguments, such as {can_assume: {…}}.", json_path=where)
    ((name, args),) = data.items()
    spec = CHECKS.get(name) if isinstance(name, str) else None
    if spec is None:
        known = ", ".join(CHECKS)
        raise CheckError(f"Unknown check {str(name)[:60]!r}; the checks are {known}.", json_path=where)
    where = f"{where}.{name}"
    args = {} if args is None else args
    if not isinstance(args, Mapping):
        raise CheckError(f"The arguments of {name} are a mapping of names to values.", json_path=where)
    for key in args:
        if key not in spec.required and key not in spec.optional:
            allowed = ", ".join((*spec.required, *spec.optional)) or "none"
            raise CheckError(f"{name} takes no argument {str(key)[:60]!r} (it takes {allowed}).", json_path=where)
    for key in spec.required:
        if args.get(key) is None:
            raise CheckError(f"{name} needs {key!r}.", json_path=f"{where}.{key}")
    if spec.one_of and sum(args.get(k) is not None for k in spec.one_of) != 1:
        raise CheckError(f"{name} needs exactly one of {' or '.join(spec.one_of)}.", json_path=where)
    parsed = {key: _ARGUMENTS[key](value, f"{where}.{key}") for key, value in args.items() if value is not None}
    _check_combinations(name, parsed, where)
    return Check(name, MappingProxyType(parsed), where)


def _check_combinations(name: str, args: dict[str, Any], where: str) -> None:
    web = str(args.get("caller", "")).startswith("web_identity:")
    if web and "claims" not in args:
        raise CheckError("A web identity caller needs the token's claims.", json_path=f"{where}.claims")
    if "claims" in args and not web:
        raise CheckError("claims are for a web_identity:PROVIDER_ARN caller only.", json_path=f"{where}.claims")
    if name.startswith("request_") and web and not args.get("via"):
        raise CheckError("A web identity makes requests only through a role: add via.", json_path=f"{where}.via")
    if name == "event_exists" and not args:
        raise CheckError("event_exists needs at least one filter, such as action.", json_path=where)
    if name.endswith("pass_role") and args["caller"].startswith(("service:", "web_identity:")):
        raise CheckError("Only an IAM user or a role session passes a role.", json_path=f"{where}.caller")


def _text(value: object, where: str, *, limit: int = 2048) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        raise CheckError("Expected text.", json_path=where)
    text = str(value).strip()
    if len(text) > limit:
        raise CheckError(f"Expected text of at most {limit} characters.", json_path=where)
    return text


def _caller(value: object, where: str) -> str:
    text = _text(value, where)
    if text.startswith(("service:", "web_identity:")) or text == "anonymous" or _ROOT.fullmatch(text):
        return text
    parts = split_iam_arn(text)
    if parts is None or parts[2] != "user":
        raise CheckError(
            f"{text[:80]} is not a caller: use a user or root ARN, service:NAME or web_identity:PROVIDER_ARN.",
            json_path=where,
        )
    return text


def _role(value: object, where: str) -> str:
    text = _text(value, where)
    parts = split_iam_arn(text)
    if parts is None or parts[2] != "role":
        raise CheckError(f"{text[:80]} is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME).", json_path=where)
    return text


def _account(value: object, where: str) -> str:
    text = str(value).zfill(12) if isinstance(value, int) and not isinstance(value, bool) else _text(value, where)
    if not _ACCOUNT.fullmatch(text):
        raise CheckError(f"{text[:40]} is not a 12-digit account id.", json_path=where)
    return text


def _action(value: object, where: str) -> str:
    text = _text(value, where, limit=200)
    if not _ACTION.fullmatch(text):
        raise CheckError(f"{text[:80]} is not an action such as s3:GetObject.", json_path=where)
    return text


def _seconds(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 900 <= value <= 43_200:
        raise CheckError("Expected a number of seconds from 900 to 43200.", json_path=where)
    return value


def _flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise CheckError("Expected true or false.", json_path=where)
    return value


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise CheckError("Expected a mapping of names to values.", json_path=where)
    return MappingProxyType(dict(value))


def _choice(options: Sequence[str]) -> Callable[[object, str], str]:
    def read(value: object, where: str) -> str:
        text = _text(value, where, limit=60)
        if text not in options:
            raise CheckError(f"Expected one of {', '.join(options)}, not {text!r}.", json_path=where)
        return text

    return read


def _via(value: object, where: str) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(value, list) or not value or len(value) > 10:
        raise CheckError("via is a list of 1 to 10 roles, each an ARN or {role: ARN, …options}.", json_path=where)
    hops = []
    for index, hop in enumerate(value):
        at = f"{where}[{index}]"
        if isinstance(hop, str):
            hop = {"role": hop}
        if not isinstance(hop, Mapping) or "role" not in hop:
            raise CheckError("Each hop of via is a role ARN or {role: ARN, …}.", json_path=at)
        unknown = sorted(str(k) for k in hop if k != "role" and k not in _ASSUME_OPTIONS)
        if unknown:
            raise CheckError(f"A hop of via takes no {unknown[0]!r}.", json_path=f"{at}.{unknown[0]}")
        hops.append(MappingProxyType({k: _ARGUMENTS[k](v, f"{at}.{k}") for k, v in hop.items() if v is not None}))
    return tuple(hops)


def _pairs(value: object, where: str) -> tuple[tuple[str, str], ...]:
    """``needed``/``forbidden``: a list of ``{action, resource}`` (or ``[action, resource]``)."""
    if not isinstance(value, list) or not value or len(value) > 50:
        raise CheckError("Expected a list of 1 to 50 {action, resource} pairs.", json_path=where)
    pairs = []
    for index, item in enumerate(value):
        at = f"{where}[{index}]"
        if isinstance(item, list) and len(item) == 2:
            item = {"action": item[0], "resource": item[1]}
        if not isinstance(item, Mapping) or set(item) != {"action", "resource"}:
            raise CheckError("Each entry is {action, resource}.", json_path=at)
        pairs.append((_action(item["action"], f"{at}.action"), _text(item["resource"], f"{at}.resource")))
    return tuple(pairs)


def _filter(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not value:
        raise CheckError(f"An event filter is a mapping of {', '.join(_FILTER_KEYS)}.", json_path=where)
    unknown = sorted(str(k) for k in value if k not in _FILTER_KEYS)
    if unknown:
        raise CheckError(f"An event filter has no key {unknown[0]!r}.", json_path=f"{where}.{unknown[0]}")
    return MappingProxyType({k: _ARGUMENTS[k](v, f"{where}.{k}") for k, v in value.items() if v is not None})


def _count(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise CheckError("Expected a count from 1 to 1000.", json_path=where)
    return value


def _service(value: object, where: str) -> str:
    text = _text(value, where, limit=60)
    service = SERVICES.get(text) or (text if text in SERVICES.values() else None)
    if service is None:
        raise CheckError("service is ec2 or lambda.", json_path=where)
    return service


def _session_ref(value: object, where: str) -> str:
    text = _text(value, where)
    if not (text.startswith("arn:") and ":assumed-role/" in text):
        raise CheckError("Expected a role session ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/NAME).", json_path=where)
    return text


def _principal(value: object, where: str) -> str:
    return _caller(value, where)


_ARGUMENTS: Final[dict[str, Callable[[object, str], Any]]] = {
    "caller": _caller,
    "principal": _principal,
    "role": _role,
    "session_of": _role,
    "via": _via,
    "claims": _mapping,
    "context": _mapping,
    "policy": _mapping,
    "external_id": lambda v, w: _text(v, w, limit=1224),
    "source_identity": lambda v, w: _text(v, w, limit=64),
    "session_name": lambda v, w: _text(v, w, limit=64),
    "mfa": _flag,
    "duration": _seconds,
    "seconds": _seconds,
    "exact": _flag,
    "replay": _flag,
    "denied_by": _choice(DECIDERS),
    "decided_by": _choice(DECIDERS),
    "action": _action,
    "resource": _text,
    "from_account": _account,
    "account": _account,
    "needed": _pairs,
    "forbidden": _pairs,
    "event_name": lambda v, w: _text(v, w, limit=128),
    "from": _principal,
    "error": lambda v, w: _text(v, w, limit=128),
    "min_count": _count,
    "session": _session_ref,
    "kind": _choice(ANSWER_KINDS),
    "event": _filter,
    "service": _service,
    "function": lambda v, w: _text(v, w, limit=64),
}


# ---- running ------------------------------------------------------------------------------------------------------


def run_checks(
    checks: Iterable[Check],
    world: World,
    *,
    trail: Trail | Iterable[Mapping[str, Any]] | None = None,
    answer: str | None = None,
    start: Callable[[], World] | None = None,
) -> list[CheckOutcome]:
    """Decides each check on ``world`` and returns their outcomes, in order.

    ``trail`` is the audit trail the trail checks read (default: the world's own events as they are now);
    ``answer`` the learner's answer to the task, for ``answer`` checks; ``start`` makes a fresh copy of the
    lab's starting world, on which ``reached`` replays the way in. The world is left as it was found: the
    sessions and events the checks' calls add are taken away again. Never raises for a check that cannot be
    decided: the outcome says why instead.
    """
    checks = list(checks)
    if not isinstance(trail, Trail) and any(c.name in _TRAIL_CHECKS for c in checks):
        trail = Trail(world.events if trail is None else trail)
    context = _Context(world, trail if isinstance(trail, Trail) else None, answer, start)
    with _scratch(world):
        return [_run(check, context) for check in checks]


@dataclass
class _Context:
    world: World
    trail: Trail | None
    answer: str | None
    start: Callable[[], World] | None


def _run(check: Check, context: _Context) -> CheckOutcome:
    try:
        passed, explanation = _RUNNERS[check.name](check.args, context)
    except EngineError as err:
        passed, explanation = False, f"The check could not run: {err.message} ({err.code})."
    return CheckOutcome(check.name, passed, explanation)


@contextmanager
def _scratch(world: World) -> Iterator[None]:
    """Lets checks call STS on ``world`` and then removes the sessions and events those calls added."""
    events, sessions, keys = world.events, dict(world.sessions), dict(world._session_keys)
    world.events = EventLog()
    try:
        yield
    finally:
        world.events = events
        world.sessions.clear()
        world.sessions.update(sessions)
        world._session_keys.clear()
        world._session_keys.update(keys)


# ---- names and reasons in plain words ----------------------------------------------------------------------------


def display_name(ref: str) -> str:
    """How a sentence names a principal: ``alice`` for a user, ``Deploy`` for a role, ``Deploy/session`` for a
    session, ``ec2.amazonaws.com`` for a service, the provider for a web identity."""
    if ref.startswith("service:"):
        return ref.removeprefix("service:")
    if ref.startswith("web_identity:"):
        provider = ref.removeprefix("web_identity:").split(":oidc-provider/", 1)[-1]
        return f"a token from {provider}"
    if ":assumed-role/" in ref:
        return ref.split(":assumed-role/", 1)[1]
    root = _ROOT.fullmatch(ref)
    if root:
        return f"the root user of {root.group(1)}"
    parts = split_iam_arn(ref)
    return ref if parts is None else parts[4]


def _denial(decision: Decision | None, who: str, action: str, resource_name: str) -> str:
    """Why ``decision`` denied ``who`` the ``action``, in plain words (no trailing period)."""
    if decision is None:
        return "the request was refused"
    owner = _policy_owner(decision, who)
    if decision.outcome == "explicitDeny":
        deny = next((m for m in decision.matched if m.effect == "Deny"), None)
        where = _statement_label(deny) if deny else "a policy"
        reason = f"an explicit Deny in {where} applies"
    else:
        reason = {
            "trust": f"the trust policy of {resource_name} does not allow {who}",
            "identity": f"no identity-based policy of {owner} allows {action}",
            "boundary": f"the permissions boundary of {owner} does not allow {action}",
            "session": f"the session policy does not allow {action}",
            "scp": f"a service control policy does not allow {action}",
            "rcp": f"a resource control policy does not allow {action}",
            "resource": f"the resource-based policy of {resource_name} does not allow it",
        }.get(decision.denied_by or "", f"nothing allows {action}")
    if decision.missing_context:
        reason += f"; a condition needs {', '.join(decision.missing_context)}, which the request did not carry"
    return reason


def _policy_owner(decision: Decision, who: str) -> str:
    """Whose identity policies a decision read: the role's for a role session, else the caller's."""
    caller = decision.request.caller if decision.request is not None else None
    if caller is not None and caller.type == "assumed_role" and caller.role_arn:
        return f"the role {display_name(caller.role_arn)}"
    return who


def _statement_label(matched: Any) -> str:
    """Names a matched statement: its policy, by kind and name, and its Sid when it has one."""
    name = matched.policy.rsplit("/", 1)[-1] if matched.policy else ""
    label = {
        "identity": f"the policy {name}" if name else "an identity-based policy",
        "trust": "the trust policy",
        "resource": "the resource-based policy",
        "scp": f"the service control policy {name}".rstrip(),
        "rcp": f"the resource control policy {name}".rstrip(),
        "boundary": f"the permissions boundary {name}".rstrip(),
        "session": "the session policy",
    }.get(matched.source, f"a {matched.source} policy")
    return f"{label} (statement {matched.sid})" if matched.sid else label


def _error_reason(err: EngineError, who: str, role_name: str, action: str) -> str:
    if isinstance(err, StsError) and err.decision is not None:
        return _denial(err.decision, who, action, role_name)
    if err.code == "AccessDenied" and action == "sts:AssumeRoleWithWebIdentity":
        return f"the trust policy of {role_name} does not accept this token's claims"
    return err.message.rstrip(".")


# ---- calls the checks make ---------------------------------------------------------------------------------------


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


# ---- the checks --------------------------------------------------------------------------------------------------

_Result = tuple[bool, str]


def _can_assume(args: Mapping[str, Any], context: _Context) -> _Result:
    ok, sentence, _err = _try_assume(args, context.world)
    return ok, sentence


def _cannot_assume(args: Mapping[str, Any], context: _Context) -> _Result:
    ok, sentence, err = _try_assume(args, context.world)
    if ok:
        return False, sentence.replace(" can assume ", " can still assume ", 1)
    wanted = args.get("denied_by")
    if wanted and not _denied_by(getattr(err, "decision", None), wanted):
        return False, f"{sentence} — but not for the reason this task is about (expected: {_DECIDER_WORDS[wanted]})."
    return True, sentence


def _try_assume(args: Mapping[str, Any], world: World) -> tuple[bool, str, EngineError | None]:
    role = args["role"]
    try:
        reached = _follow(world, args, args.get("via") or ())
    except _Unreachable as broken:
        return False, f"{broken.reason}.", None
    try:
        _assume(world, reached.ref, role, args, args.get("claims") if not args.get("via") else None)
    except EngineError as err:
        web = reached.ref.startswith("web_identity:")
        action = "sts:AssumeRoleWithWebIdentity" if web else "sts:AssumeRole"
        why = _error_reason(err, reached.name, display_name(role), action)
        return False, f"{_capital(reached.name)} cannot assume {display_name(role)}: {why} ({err.code}).", err
    extra = f" for {args['duration']} seconds" if args.get("duration") else ""
    return True, f"{_capital(reached.name)} can assume {display_name(role)}{extra}.", None


_DECIDER_WORDS: Final = {
    "scp": "a service control policy",
    "rcp": "a resource control policy",
    "boundary": "the permissions boundary",
    "session": "the session policy",
    "identity": "the identity-based policies",
    "resource": "the resource-based policy",
    "trust": "the trust policy",
    "explicit-deny": "an explicit Deny",
}


def _denied_by(decision: Decision | None, wanted: str) -> bool:
    if decision is None or decision.allowed:
        return False
    if wanted == "explicit-deny":
        return decision.outcome == "explicitDeny"
    return decision.denied_by == wanted


def _request(args: Mapping[str, Any], context: _Context) -> tuple[Decision | None, str]:
    world = context.world
    try:
        ident, name = _requester(world, args)
    except _Unreachable as broken:
        return None, broken.reason
    return _decide(world, ident, args["action"], args["resource"], _dict(args.get("context"))), name


def _request_allowed(args: Mapping[str, Any], context: _Context) -> _Result:
    decision, name = _request(args, context)
    if decision is None:
        return False, f"{name}, so the request cannot be made."
    what = f"{args['action']} on {args['resource']}"
    if decision.allowed:
        return True, f"{_capital(name)} may call {what}."
    reason = _denial(decision, name, args["action"], args["resource"])
    return False, f"{_capital(name)} is denied {what}: {reason} ({decision.outcome})."


def _request_denied(args: Mapping[str, Any], context: _Context) -> _Result:
    decision, name = _request(args, context)
    what = f"{args['action']} on {args['resource']}"
    if decision is None:
        return False, f"{name}, so nothing shows whether {what} would be denied."
    if decision.allowed:
        return False, f"{_capital(name)} may still call {what} ({decision.reason})."
    reason = _denial(decision, name, args["action"], args["resource"])
    wanted = args.get("decided_by")
    if wanted and not _denied_by(decision, wanted):
        return False, f"{_capital(name)} is denied {what}, but because {reason}, not by {_DECIDER_WORDS[wanted]}."
    return True, f"{_capital(name)} is denied {what}: {reason}."


def _session_max_duration(args: Mapping[str, Any], context: _Context) -> _Result:
    seconds, role = args["seconds"], display_name(args["role"])
    exact = args.get("exact", True)
    hops = args.get("via") or ()
    shorter = 900 if not exact else seconds
    ok, sentence, _ = _try_assume({**args, "duration": shorter, "via": hops}, context.world)
    if not ok:
        return False, sentence
    if seconds < 43_200:
        longer, sentence2, _ = _try_assume({**args, "duration": seconds + 1, "via": hops}, context.world)
        if longer:
            return False, f"A session of {role} can last longer than {seconds} seconds: {sentence2}"
    who = display_name(args["caller"]) + (
        " through " + " → ".join(display_name(h["role"]) for h in hops) if hops else ""
    )
    if exact:
        return True, f"The longest session of {role} that {who} can get lasts exactly {seconds} seconds."
    return True, f"A session of {role} for {who} lasts at most {seconds} seconds."


def _trust_probe(world: World, ident: Identity, role_arn: str, extra: Mapping[str, object]) -> Decision:
    """The trust-policy side of AssumeRole for ``ident``, as if its own account let it do anything: an
    outsider controls its own identity policies, so only the role's side can keep it out."""
    request = world.build_request(ident, "sts:AssumeRole", role_arn, extra={"sts:RoleSessionName": "probe", **extra})
    allow_all = _allow_all()
    return evaluate(replace(request, identity_policies=(allow_all,), boundary=None, session_policies=(), scps=()))


def _allow_all() -> Any:
    global _ALLOW_ALL_POLICY
    if _ALLOW_ALL_POLICY is None:
        _ALLOW_ALL_POLICY = parse_policy(_ALLOW_ALL, "identity", name="probe")
    return _ALLOW_ALL_POLICY


_ALLOW_ALL_POLICY = None


def _probe_user(world: World, account: str, name: str = "lab-probe") -> tuple[Identity, dict[str, object]]:
    """A user of ``account`` that need not exist in the world, with the principal keys AWS would send."""
    arn = f"arn:{world.partition}:iam::{account}:user/{name}"
    unique = "AIDAPROBE" + account
    caller = Caller("user", arn, account, unique_id=unique)
    keys = {"aws:PrincipalArn": arn, "aws:PrincipalAccount": account, "aws:PrincipalType": "User", "aws:userid": unique}
    return Identity(caller), keys


def _principals_of(world: World, account: str) -> Iterator[tuple[Identity, dict[str, object], str]]:
    """Every principal of ``account`` a trust policy may name: a stranger, its users and its roles' sessions."""
    ident, keys = _probe_user(world, account)
    yield ident, keys, f"a user of {account}"
    if account in world.accounts:
        for user in world.accounts[account].users.values():
            yield world.identify(user.arn), {}, user.name
        for role in world.accounts[account].roles.values():
            yield _role_session(world, role.arn), {}, f"a session of {role.name}"


def _external_ids(world: World, role_arn: str) -> list[str]:
    """The ``sts:ExternalId`` values the role's trust policy mentions: an external ID is no secret (§5.6)."""
    role = world.role(role_arn)
    policy = role.trust.policy() if role.trust else None
    found = []
    for statement in policy.statements if policy else ():
        for condition in statement.conditions:
            if condition.key.lower() == "sts:externalid":
                found += [v for v in condition.values if "*" not in v and "?" not in v]
    return list(dict.fromkeys(found))


def _requires_external_id(args: Mapping[str, Any], context: _Context) -> _Result:
    world, role_arn, account, value = context.world, args["role"], args["from_account"], args["external_id"]
    role = display_name(role_arn)
    allowed_with = []
    for ident, keys, name in _principals_of(world, account):
        for sent in (None, "not-" + value):
            extra = keys if sent is None else {**keys, "sts:ExternalId": sent}
            if _trust_probe(world, ident, role_arn, extra).allowed:
                how = "without an external ID" if sent is None else f"with the wrong external ID {sent}"
                return False, f"{_capital(name)} can assume {role} {how}: the trust policy does not require {value}."
        if _trust_probe(world, ident, role_arn, {**keys, "sts:ExternalId": value}).allowed:
            allowed_with.append(name)
    if not allowed_with:
        return False, f"No principal of account {account} can assume {role}, even with the external ID {value}."
    return True, (
        f"The trust policy of {role} lets account {account} in only with the external ID {value} "
        f"(allowed with it: {', '.join(allowed_with[:3])})."
    )


def _trust_not_public(args: Mapping[str, Any], context: _Context) -> _Result:
    world, role_arn = context.world, args["role"]
    role = display_name(role_arn)
    outsider, keys = _probe_user(world, OUTSIDER_ACCOUNT, "outsider")
    attempts: list[tuple[Identity, dict[str, object], str]] = [
        (outsider, keys, f"an outsider from account {OUTSIDER_ACCOUNT}"),
        (
            outsider,
            {**keys, "aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "0"},
            f"an outsider from account {OUTSIDER_ACCOUNT} signed in with MFA",
        ),
    ]
    attempts += [
        (outsider, {**keys, "sts:ExternalId": value}, f"an outsider who sends the external ID {value}")
        for value in _external_ids(world, role_arn)
    ]
    for ident, extra, name in attempts:
        decision = _trust_probe(world, ident, role_arn, extra)
        if decision.allowed:
            grant = next((m for m in decision.matched if m.effect == "Allow" and m.source == "trust"), None)
            where = f" ({_statement_label(grant)})" if grant else ""
            return False, f"Anyone can assume {role}: {name} is allowed by its trust policy{where}."
    anonymous = Identity(Caller("anonymous", "anonymous", None))
    if _trust_probe(world, anonymous, role_arn, {}).allowed:
        return False, f"Anyone can assume {role}: an anonymous caller is allowed by its trust policy."
    return True, f"No outsider can assume {role}: its trust policy lets in only the principals it names."


def _least_privilege(args: Mapping[str, Any], context: _Context) -> _Result:
    world, role = context.world, display_name(args["role"])
    ident = _role_session(world, args["role"])
    name = f"a session of {role}"
    missing, extra = [], []
    for action, resource in args["needed"]:
        decision = _decide(world, ident, action, resource, _dict(args.get("context")))
        if not decision.allowed:
            missing.append(f"{action} on {resource} ({_denial(decision, name, action, resource)})")
    for action, resource in args["forbidden"]:
        if _decide(world, ident, action, resource, _dict(args.get("context"))).allowed:
            extra.append(f"{action} on {resource}")
    if missing:
        return False, f"{_capital(name)} still cannot do what the task needs: {'; '.join(missing[:3])}."
    if extra:
        return False, f"{_capital(name)} may do more than the task needs: {', '.join(extra[:4])}."
    return True, f"{_capital(name)} may do what the task needs and none of the things it must not do."


def _session_revoked(args: Mapping[str, Any], context: _Context) -> _Result:
    world, arn = context.world, args["session"]
    action, resource = args.get("action", "s3:ListAllMyBuckets"), args.get("resource", "*")
    now = world.clock.now()
    sessions = [s for s in world.sessions.values() if s.arn == arn and s.issued_at <= now]
    if not sessions:
        return False, f"No session {display_name(arn)} was ever issued in this world."
    for session in sessions:
        if session.expires_at <= now:
            continue
        decision = _decide(world, world.identify(session.id), action, resource)
        if decision.outcome != "explicitDeny":
            until = session.expires_at.strftime("%H:%M UTC")
            return False, (
                f"The session {display_name(arn)} still works: no policy denies requests made with its keys, so "
                f"whoever holds them keeps the role's permissions until the session expires at {until}."
            )
    return True, f"The session {display_name(arn)} is refused now: every request made with its keys is denied."


def _event_exists(args: Mapping[str, Any], context: _Context) -> _Result:
    assert context.trail is not None
    found = context.trail.matching(args)
    wanted = args.get("min_count", 1)
    described = _describe_filter(args)
    if len(found) >= wanted:
        return True, f"The audit trail shows {described}."
    return False, f"The audit trail does not show {described} yet."


def _answer(args: Mapping[str, Any], context: _Context) -> _Result:
    assert context.trail is not None
    expected = context.trail.answers(args["kind"], args["event"])
    if len(expected) != 1:
        return False, f"The audit trail no longer points to one {args['kind']} for {_describe_filter(args['event'])}."
    given = (context.answer or "").strip()
    if not given:
        return False, "Not answered yet."
    if answer_matches(args["kind"], expected[0], given):
        return True, f"Right: the audit trail agrees with your {args['kind']}."
    return False, f"The audit trail does not agree with {given[:100]!r} as the {args['kind']}."


def _reached(args: Mapping[str, Any], context: _Context) -> _Result:
    assert context.trail is not None
    principal, action, resource = args["principal"], args["action"], args["resource"]
    who = display_name(principal)
    ways = [
        chain
        for event in context.trail.matching({"action": action, "resource": resource, "error": "none"})
        if (chain := context.trail.chain(event)).root == principal and chain.hops
    ]
    if not ways:
        return False, f"The audit trail shows no allowed {action} on {resource} by a session {who} started."
    if not args.get("replay", True) or context.start is None:
        return True, f"{_capital(who)} reached {resource} through {_roles_text(ways[0])}."
    failures = []
    for chain in ways[:5]:  # bounded: each replay loads a fresh starting world
        ok, why = replay(context.start(), principal, chain, action, resource)
        if ok:
            return True, f"{_capital(who)} reached {resource} through {_roles_text(chain)}, as the lab's world allows."
        failures.append(why)
    return False, (
        f"{_capital(who)} reached {resource}, but only after the world was changed: on the lab's starting world "
        f"{failures[-1]}."
    )


def _pass_role(args: Mapping[str, Any], world: World) -> tuple[bool, str]:
    caller, role_arn, service = args["caller"], args["role"], args["service"]
    who, role_name = display_name(caller), display_name(role_arn)
    try:
        if service == SERVICES["ec2"]:
            role = world.role(role_arn)
            if not role.instance_profiles:
                return False, f"{role_name} is in no instance profile, so no instance can be launched with it."
            sts.launch_instance(world, caller, role.instance_profiles[0].arn)
            return True, f"{_capital(who)} can launch an EC2 instance with {role_name}."
        sts.lambda_execution_session(world, caller, args.get("function", CHECK_SESSION), role_arn)
        return True, f"{_capital(who)} can create a Lambda function that runs as {role_name}."
    except EngineError as err:
        what = "launch an EC2 instance" if service == SERVICES["ec2"] else "create a Lambda function"
        return False, f"{_capital(who)} cannot {what} with {role_name}: {err.message.strip()} ({err.code})."


def _can_pass_role(args: Mapping[str, Any], context: _Context) -> _Result:
    return _pass_role(args, context.world)


def _cannot_pass_role(args: Mapping[str, Any], context: _Context) -> _Result:
    ok, sentence = _pass_role(args, context.world)
    return (False, sentence.replace(" can ", " can still ", 1)) if ok else (True, sentence)


_RUNNERS: Final[dict[str, Callable[[Mapping[str, Any], _Context], _Result]]] = {
    "can_assume": _can_assume,
    "cannot_assume": _cannot_assume,
    "request_allowed": _request_allowed,
    "request_denied": _request_denied,
    "session_max_duration": _session_max_duration,
    "requires_external_id": _requires_external_id,
    "trust_not_public": _trust_not_public,
    "least_privilege": _least_privilege,
    "event_exists": _event_exists,
    "session_revoked": _session_revoked,
    "answer": _answer,
    "reached": _reached,
    "can_pass_role": _can_pass_role,
    "cannot_pass_role": _cannot_pass_role,
}
_TRAIL_CHECKS: Final = frozenset({"event_exists", "answer", "reached"})


def uses_trail(checks: Iterable[Check]) -> bool:
    """True when any of ``checks`` reads the audit trail (so the caller must supply it)."""
    return any(check.name in _TRAIL_CHECKS for check in checks)


def _capital(text: str) -> str:
    """Starts a sentence: "a session of …" becomes "A session of …"; names keep their case (alice stays alice)."""
    return text[:1].upper() + text[1:] if text.startswith(("a ", "an ", "the ")) else text


def _roles_text(chain: Chain) -> str:
    return " → ".join(display_name(hop.role) for hop in chain.hops)


def _describe_filter(args: Mapping[str, Any]) -> str:
    what = args.get("action") or args.get("event_name") or "an event"
    parts = [what]
    if args.get("resource"):
        parts.append(f"on {args['resource']}")
    if args.get("from"):
        parts.append(f"by a session {display_name(args['from'])} started")
    if args.get("principal"):
        parts.append(f"by {display_name(args['principal'])}")
    if args.get("role"):
        parts.append(f"by a session of {display_name(args['role'])}")
    error = args.get("error", "any")
    if error == "none":
        parts.append("that was allowed")
    elif error != "any":
        parts.append(f"that failed with {error}")
    return " ".join(parts)


# ---- the audit trail ---------------------------------------------------------------------------------------------


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


# ---- setups and solutions: changes to a world --------------------------------------------------------------------

# Changes a lab step may make that scenario files cannot express: (keys, required keys), as scenario.STEP_KEYS.
CHANGE_STEPS: Final[dict[str, tuple[frozenset[str], tuple[str, ...]]]] = {
    "update_role": (frozenset({"role_arn", "max_session_duration", "description"}), ("role_arn",)),
    "launch_instance": (frozenset({"caller", "instance_profile", "instance_id"}), ("caller", "instance_profile")),
    "lambda_execution": (frozenset({"caller", "function", "role_arn"}), ("caller", "function", "role_arn")),
}
_STEP_COMMON: Final = frozenset({"op", "id", "title", "comment", "expect"})


def check_steps(steps: object, where: str, *, setup: bool = False) -> list[Mapping[str, Any]]:
    """A setup's or solution's steps, each checked (scenario operations plus ``CHANGE_STEPS``); raises
    ``CheckError`` at ``where[i]…``. A setup may not set the clock: it moves only forward, by ``advance_clock``."""
    if not isinstance(steps, list):
        raise CheckError("Expected a list of steps, each with an op.", json_path=where)
    for index, step in enumerate(steps):
        at = f"{where}[{index}]"
        op = step.get("op") if isinstance(step, Mapping) else None
        if op in CHANGE_STEPS:
            allowed, required = CHANGE_STEPS[op]
            unknown = sorted(str(k) for k in step if k not in allowed and k not in _STEP_COMMON)
            if unknown:
                raise CheckError(f"A {op} step has no key {unknown[0]!r}.", json_path=f"{at}.{unknown[0]}")
            missing = [k for k in required if step.get(k) is None]
            if missing:
                raise CheckError(f"A {op} step needs {missing[0]!r}.", json_path=f"{at}.{missing[0]}")
        else:
            try:
                check_step(step, index)
            except WorldError as err:
                path = (err.json_path or "").replace(f"$.steps[{index}]", at, 1)
                message = err.message
                if "Unknown step operation" in message:
                    message = message.rstrip(".") + ", " + ", ".join(CHANGE_STEPS) + "."
                raise CheckError(message, json_path=path or at) from None
        if setup and op == "set_clock":
            raise CheckError("A setup moves the clock only with advance_clock.", json_path=f"{at}.op")
    return list(steps)


def rewind_for(world: World, steps: Iterable[Mapping[str, Any]]) -> None:
    """Sets the world's clock back by the ``advance_clock`` seconds of ``steps``, so that running them ends at
    the present: a prepared audit trail then lies in the past, and a revocation made now comes after it."""
    total = sum(s.get("seconds", 0) for s in steps if s.get("op") == "advance_clock")
    if isinstance(total, int) and total > 0:
        world.clock.set(world.clock.now() - timedelta(seconds=total))


def apply_steps(world: World, steps: Iterable[Mapping[str, Any]]) -> Iterator[StepOutcome]:
    """Runs checked steps on ``world`` in order, as ``scenario.run_steps`` does, with ``CHANGE_STEPS`` too.

    A step without ``expect`` must succeed (its outcome lists the failure otherwise); with ``expect`` its
    result must match it. Later steps may name an earlier step's ``id`` as their caller.
    """
    runner = _LabRunner(world)
    for index, step in enumerate(steps):
        result = runner.run(step)
        if "expect" in step:
            failures = match_expected(step["expect"], result)
        elif not result.get("ok", True):
            error = result.get("error") or {}
            failures = [f"the call failed: {error.get('code')}: {error.get('message')}"]
        else:
            failures = []
        yield StepOutcome(index, str(step.get("title") or step.get("op")), result, failures)


class _LabRunner(_Runner):
    """The scenario runner plus the changes of ``CHANGE_STEPS``."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.operations.update(
            update_role=self._update_role,
            launch_instance=self._launch_instance,
            lambda_execution=self._lambda_execution,
        )

    def run(self, step: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return super().run(step)
        except (TypeError, ValueError, KeyError) as err:  # a malformed argument the engine call did not expect
            return error_result(ParameterError(f"The step's arguments are malformed ({type(err).__name__})."))

    def _update_role(self, step: Mapping[str, Any]) -> dict[str, Any]:
        options = {k: step[k] for k in ("max_session_duration", "description") if k in step}
        self.world.update_role(step["role_arn"], **options)
        return {"ok": True}

    def _launch_instance(self, step: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            **sts.launch_instance(
                self.world,
                self.caller(step["caller"]),
                step["instance_profile"],
                instance_id=step.get("instance_id"),
                session_id=step.get("id"),
            ),
        }

    def _lambda_execution(self, step: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            **sts.lambda_execution_session(
                self.world, self.caller(step["caller"]), step["function"], step["role_arn"], session_id=step.get("id")
            ),
        }


__all__ = [
    "ANSWER_KINDS",
    "CHANGE_STEPS",
    "CHECKS",
    "DECIDERS",
    "Chain",
    "Check",
    "CheckError",
    "CheckOutcome",
    "Hop",
    "Trail",
    "answer_matches",
    "apply_steps",
    "check_steps",
    "display_name",
    "parse_check",
    "parse_checks",
    "replay",
    "rewind_for",
    "run_checks",
    "uses_trail",
]
