"""Words for a decision: AWS's access-denied message (§4.3) and plain-language teaching sentences.

Owns every sentence shown beside a decision: the exact ``AccessDenied`` text AWS would print, the short
reason for an allow, and the step-by-step explanation for learners. The decision itself is
``evaluate.py``'s; this module only reads a ``Decision`` and its ``Request``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .errors import EngineError, ParameterError

if TYPE_CHECKING:
    from .evaluate import Decision, MatchedStatement, Request
    from .policy import Statement
    from .principals import Caller

# ⚠ F22 (§9, D-AD vs OBS, M): a cross-account AssumeRole denial prints the bare message (no "because …"
# part) unless caller and role share an organization; False always prints the enriched form.
F22_BARE_CROSS_ACCOUNT_ASSUME_ROLE: bool = True

# §4.3, D-AD (H): the context clause of an implicit deny, by policy type. SCP misses read as explicit deny
# "even if the denial is implicit" (D-AD note); the RCP wording is unverified (⚠ F23, M).
IMPLICIT_CLAUSES: Final[dict[str, str]] = {
    "identity": "because no identity-based policy allows the {action} action",
    "resource": "because no resource-based policy allows the {action} action",
    "trust": "because no role trust policy allows the {action} action",
    "boundary": "because no permissions boundary allows the {action} action",
    "session": "because no session policy allows the {action} action",
    "scp": "with an explicit deny in a service control policy",
    "rcp": "with an explicit deny in a resource control policy",
}
# §4.3, D-AD (H): the context clause of an explicit deny. D-AD prints "sessions policy" once; we keep
# "session policy" as §4.3 recommends. RCP wording ⚠ F23 (M).
EXPLICIT_CLAUSES: Final[dict[str, str]] = {
    "identity": "with an explicit deny in an identity-based policy",
    "resource": "with an explicit deny in a resource-based policy",
    "trust": "with an explicit deny in the role trust policy",
    "boundary": "with an explicit deny in a permissions boundary",
    "session": "with an explicit deny in a session policy",
    "scp": "with an explicit deny in a service control policy",
    "rcp": "with an explicit deny in a resource control policy",
}
# Short reasons for an allow (ours, not AWS's: AWS prints nothing when it allows).
ALLOW_REASONS: Final[dict[str, str]] = {
    "no_authorization": "Allowed: sts:GetCallerIdentity needs no permission.",
    "direct": "Allowed: the resource-based policy names the caller directly.",
    "role": "Allowed: the resource-based policy names the caller's role.",
    "account": "Allowed: the resource-based policy trusts the caller's account and an identity-based policy "
    "allows the action.",
    "identity": "Allowed: an identity-based policy allows the action.",
}
_POLICY_WORDS: Final[dict[str, str]] = {
    "identity": "identity-based policy",
    "resource": "resource-based policy",
    "trust": "trust policy",
    "boundary": "permissions boundary",
    "session": "session policy",
    "scp": "service control policy",
    "rcp": "resource control policy",
}
_ASSUME_ROLE_PREFIX: Final = "sts:assumerole"
_NO_IDENTITY_SIDE: Final = frozenset({"service", "anonymous", "web_identity"})  # §4.2 notes (M)


def denial_message(outcome: str, denied_by: str | None, request: Request) -> str:
    """AWS's access-denied text for a deny of ``request`` by policy type ``denied_by`` (§4.3, D-AD).

    ``outcome`` is ``explicitDeny`` or ``implicitDeny``. Returns the bare form (no clause) for
    cross-account role assumption when ⚠ F22 is on, or when ``denied_by`` is unknown.
    """
    text = f"User: {_caller_arn(request.caller)} is not authorized to perform: {request.action}"
    if request.resource != "*":  # D-AD examples omit "on resource:" for actions without a resource
        text += f" on resource: {request.resource}"
    if F22_BARE_CROSS_ACCOUNT_ASSUME_ROLE and _bare_form(request):
        return text
    clauses = EXPLICIT_CLAUSES if outcome == "explicitDeny" else IMPLICIT_CLAUSES
    clause = clauses.get(denied_by or "")
    return f"{text} {clause.format(action=request.action)}" if clause else text


def allow_reason(grant: str | None, request: Request) -> str:
    """A one-line reason for an allowed decision reached by ``grant`` (a ``Decision.grant`` value)."""
    if grant == "direct" and request.resource_policy is not None and request.resource_policy.kind == "trust":
        return "Allowed: the role trust policy names the caller directly."
    return ALLOW_REASONS.get(grant or "", "Allowed.")


def access_denied_message(decision: Decision, request: Request) -> str:
    """The ``AccessDenied`` message AWS prints for ``decision`` (§4.3), or "" when it is allowed."""
    if decision.allowed:
        return ""
    return denial_message(decision.outcome, decision.denied_by, request)


def explain(decision: Decision, request: Request) -> list[str]:
    """Plain-language sentences walking a learner through ``decision`` (the first states the key fact).

    Returns at least one sentence; raises only ``ParameterError`` if ``decision``/``request`` are malformed.
    """
    try:
        return _explain(decision, request)
    except EngineError:
        raise
    except Exception as err:  # malformed input must not leak a Python error (contract ground rule)
        raise ParameterError("The decision could not be explained: it or its request is malformed.") from err


# ---- helpers for the message ---------------------------------------------------------------------


def _caller_arn(caller: Caller) -> str:
    return caller.arn or "anonymous"


def _cross_account(request: Request) -> bool:
    """Caller and resource in different accounts (callers without an account never count as cross-account)."""
    account = request.caller.account
    return account is not None and request.resource_account is not None and request.resource_account != account


def _bare_form(request: Request) -> bool:
    """Cross-account role assumption outside one organization (§4.3, ⚠ F22)."""
    if not request.action.lower().startswith(_ASSUME_ROLE_PREFIX) or not _cross_account(request):
        return False
    principal_org = request.context.get("aws:principalorgid")
    return not principal_org or principal_org != request.context.get("aws:resourceorgid")


# ---- the teaching explanation --------------------------------------------------------------------


def _explain(decision: Decision, request: Request) -> list[str]:
    if decision.grant == "no_authorization":
        lines = [
            f"{request.action} needs no permission: AWS answers it for every valid caller, and not even an "
            "explicit Deny can block it."
        ]
    elif decision.outcome == "explicitDeny":
        lines = _explain_explicit(decision, request)
    elif decision.denied_by in ("scp", "rcp") and decision.level is not None:
        lines = _explain_guardrail(decision, request)
    else:
        lines = _explain_grants(decision, request)
    if decision.missing_context:
        lines.append(
            f"These condition keys were not in the request: {', '.join(decision.missing_context)}. A "
            "condition on an absent key is false for positive operators and true for negated ones and "
            "for …IfExists."
        )
    return lines


def _explain_explicit(decision: Decision, request: Request) -> list[str]:
    first = decision.matched[0]
    lines = [
        f"{_statement_label(first, capital=True)} in {_policy_label(first)} is a Deny that matches "
        f"{request.action}{_on_resource(request)}, and an explicit deny overrides every Allow."
    ]
    statement = _resource_statement(first, request)
    if statement is not None and statement.not_principal is not None and _has_boundary(request):
        lines.append(
            f"Its NotPrincipal list does not protect {_who(request.caller)}: a NotPrincipal Deny always "
            "applies to a principal that has a permissions boundary."
        )
    if first.source == "scp":
        lines.append("Service control policies bind every principal of a member account, even its root user.")
    if len(decision.matched) > 1:
        more = len(decision.matched) - 1
        lines.append(f"{more} more Deny statement{'s' if more > 1 else ''} also match{'' if more > 1 else 'es'}.")
    return lines


def _explain_guardrail(decision: Decision, request: Request) -> list[str]:
    scp = decision.denied_by == "scp"
    levels = len(request.scps if scp else request.rcps)
    level = decision.level or 0
    where = (
        "the organization root"
        if level == 0
        else "the account"
        if level == levels - 1
        else f"organizational unit level {level}"
    )
    kind = "service control policy" if scp else "resource control policy"
    return [
        f"No {kind} attached at {where} allows {request.action}. An action must be allowed at every level "
        "from the organization root down to the account, so it is denied.",
        f"AWS words this as an explicit deny in a {kind}, even though no Deny statement matched.",
    ]


def _explain_grants(decision: Decision, request: Request) -> list[str]:
    caller = request.caller
    sources = {m.source for m in decision.matched if m.effect == "Allow"}
    lines = []
    if caller.type in _NO_IDENTITY_SIDE:
        lines.append(
            f"{_subject(caller)} has no identity-based policies: only the resource-based policy can allow this request."
        )
    elif _cross_account(request):
        lines.append(
            f"{_subject(caller)} is in account {caller.account} but the resource belongs to account "
            f"{request.resource_account}, so both accounts must allow: the resource's policy must name "
            f"the caller or its account, and {_identity_owner(caller)} must allow {request.action} too."
        )
    resource_lines = _resource_lines(decision, request, sources)
    lines.extend(resource_lines)
    direct_same_account = "direct" in _grant_kinds(decision) and not _cross_account(request)
    if (
        decision.grant in (None, "identity", "account")
        and not direct_same_account
        and (caller.type not in _NO_IDENTITY_SIDE)
    ):
        said_none = any(line.endswith("none does.") for line in resource_lines)
        lines.extend(_principal_lines(decision, request, sources, said_none=said_none))
    lines.append(
        "So the request is allowed."
        if decision.allowed
        else f"Nothing else grants {request.action}, so the request is implicitly denied."
    )
    return lines


def _resource_lines(decision: Decision, request: Request, sources: set[str]) -> list[str]:
    caller, action = request.caller, request.action
    label = "The trust policy" if _is_trust(request) else "The resource-based policy"
    grants = [m for m in decision.matched if m.source in ("resource", "trust") and m.effect == "Allow"]
    kinds = _grant_kinds(decision)
    if "direct" in kinds:
        return _direct_lines(decision, request, label, grants)
    if "role" in kinds:
        return [
            f"{label} names the role {caller.role_arn or caller.user_arn}, so the grant still has to pass "
            "the session's permissions boundary and session policy."
        ]
    if "account" in kinds:
        owner = _identity_owner(caller)
        line = f"{label} names the account {caller.account}, so {owner} must also allow {action}"
        return [line + (" — none does." if "identity" not in sources and caller.type != "root" else ".")]
    if request.resource_policy is None and not request.resource_is_trust:
        if not _cross_account(request):
            return []
        return [
            f"The resource has no resource-based policy, so account {request.resource_account} does not "
            "allow the request."
        ]
    return [
        f"{label} does not allow {_who(caller)} to perform {action}."
        + (
            " A role's trust policy must itself name the caller or its account; an identity-based Allow "
            "alone is not enough."
            if request.resource_is_trust and caller.type not in _NO_IDENTITY_SIDE
            else ""
        )
    ]


def _direct_lines(decision: Decision, request: Request, label: str, grants: list[MatchedStatement]) -> list[str]:
    caller = request.caller
    wildcard = any(_names_everyone(m, request) for m in grants if m.principal_match == "direct")
    named = 'allows every principal ("*")' if wildcard else f"names {_who(caller)} directly"
    if _cross_account(request) or caller.type in _NO_IDENTITY_SIDE:
        return [f"{label} {named}."]
    line = f"{label} {named}, so in the same account no identity-based policy is needed"
    if _is_trust(request) and request.boundary is not None:
        lines = [
            line + ".",
            "But the caller has a permissions boundary, and for role assumption AWS's guide says "
            f"it must still allow {request.action} (flag F14).",
        ]
        if not decision.allowed and decision.denied_by == "boundary":
            lines.append(f"The permissions boundary does not allow {request.action}.")
        return lines
    lines = [line + " and the permissions boundary does not limit the grant."]
    if not decision.allowed and decision.denied_by == "session":
        lines.append(
            f"The session policy does not allow {request.action}, and with flag F15 off the engine lets it cap "
            "a grant that names the session."
        )
    elif request.session_policies and caller.type == "assumed_role" and not wildcard:
        lines.append(
            "AWS documents that a grant naming the session ARN is not limited by the session policy; "
            "some simulators (iam-simulate) apply the session policy anyway (flag F15)."
        )
    return lines


def _principal_lines(decision: Decision, request: Request, sources: set[str], *, said_none: bool) -> list[str]:
    caller, action = request.caller, request.action
    lines = []
    if caller.type == "root":
        lines.append(
            f"The root user of account {caller.account} may do anything in its own account unless a policy denies it."
        )
    elif "identity" in sources:
        # A statement without a policy name is one of another account's policies (``World.redact``).
        names = sorted({m.policy for m in decision.matched if m.source == "identity" and m.policy})
        lines.append(f"An identity-based policy allows {action}" + (f" ({', '.join(names)})." if names else "."))
    elif not said_none:
        lines.append(f"No identity-based policy of {_who(caller)} allows {action}.")
    if request.boundary is not None:
        lines.append(
            "The permissions boundary allows it too."
            if "boundary" in sources
            else f"The permissions boundary does not allow {action}: a boundary caps what identity-based "
            "policies and role-ARN grants can give."
        )
    if request.session_policies:
        lines.append(
            "The session policy allows it too."
            if "session" in sources
            else f"The session policy does not allow {action}: session policies can only narrow what the role grants."
        )
    return lines


# ---- naming things -------------------------------------------------------------------------------


def _who(caller: Caller) -> str:
    tail = (caller.arn or "").rsplit("/", 1)[-1]
    match caller.type:
        case "user":
            return tail
        case "assumed_role":
            return "the session " + (caller.arn or "").split("/", 1)[-1]
        case "federated_user":
            return f"the federated user {tail}"
        case "root":
            return f"the root user of account {caller.account}"
        case "service":
            return f"the service {caller.service or caller.arn}"
        case "web_identity":
            return f"the web identity from {caller.provider or caller.arn}"
        case _:
            return "an anonymous caller"


def _identity_owner(caller: Caller) -> str:
    if caller.type == "user":
        return f"{_who(caller)}'s own identity policies"
    if caller.type == "assumed_role" and caller.role_arn:
        return f"the role {caller.role_arn.rsplit('/', 1)[-1]}'s identity policies"
    return f"the identity policies of {_who(caller)}"


def _subject(caller: Caller) -> str:
    """The caller as the subject of a sentence (user names keep their case)."""
    return f"The user {_who(caller)}" if caller.type == "user" else _capital(_who(caller))


def _grant_kinds(decision: Decision) -> set[str | None]:
    return {m.principal_match for m in decision.matched if m.source in ("resource", "trust") and m.effect == "Allow"}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _on_resource(request: Request) -> str:
    return "" if request.resource == "*" else f" on {request.resource}"


def _statement_label(m: MatchedStatement, *, capital: bool = False) -> str:
    label = f'statement "{m.sid}"' if m.sid else f"the statement at {m.json_path}" if m.json_path else "a statement"
    return _capital(label) if capital else label


def _policy_label(m: MatchedStatement) -> str:
    word = _POLICY_WORDS.get(m.source, "policy")
    return f'the {word} "{m.policy}"' if m.policy else f"the {word}"


def _is_trust(request: Request) -> bool:
    policy = request.resource_policy
    return policy.kind == "trust" if policy is not None else request.resource_is_trust


def _has_boundary(request: Request) -> bool:
    return request.boundary is not None or request.caller.has_boundary


def _resource_statement(m: MatchedStatement, request: Request) -> Statement | None:
    policy = request.resource_policy
    if m.source not in ("resource", "trust") or policy is None or not 0 <= m.index < len(policy.statements):
        return None
    return policy.statements[m.index]


def _names_everyone(m: MatchedStatement, request: Request) -> bool:
    statement = _resource_statement(m, request)
    return statement is not None and statement.principal is not None and statement.principal.wildcard
