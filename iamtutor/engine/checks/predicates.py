"""The checks themselves: one runner per name of ``CHECKS``, each returning (passed, a sentence in plain words)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from .. import sts
from ..errors import EngineError
from ..evaluate import Decision, evaluate
from ..policy import parse_policy
from ..principals import Caller
from ..world import World
from ..world_model import Identity
from .calls import _assume, _decide, _dict, _follow, _requester, _role_session, _Unreachable
from .parsing import CHECK_SESSION, OUTSIDER_ACCOUNT, SERVICES, Check
from .trail import Chain, answer_matches, replay
from .words import _capital, _denial, _describe_filter, _error_reason, _statement_label, display_name

if TYPE_CHECKING:
    from .running import _Context

_ALLOW_ALL: Final = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

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
    return True, f"{_capital(reached.name)} can assume {display_name(role)}{extra}{_on_behalf(args)}.", None


def _on_behalf(args: Mapping[str, Any]) -> str:
    """The words ", acting for account 999999999999" when the check's request names the account a service acts for."""
    context = args.get("context") or {}
    account = next((value for key, value in context.items() if str(key).lower() == "aws:sourceaccount"), None)
    return f", acting for account {account}" if account else ""


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
        return False, f"{_capital(name)} may still call {what} ({decision.reason.rstrip('.')})."
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
            label = _statement_label(grant) if grant else ""
            where = f" ({label})" if label and label != "the trust policy" else ""
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


def _roles_text(chain: Chain) -> str:
    return " → ".join(display_name(hop.role) for hop in chain.hops)
