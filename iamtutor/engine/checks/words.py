"""Names and reasons in plain words: how a check's sentence names a principal, a policy and a denial."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import EngineError, StsError
from ..evaluate import Decision
from ..world_model import split_iam_arn
from .parsing import _ROOT


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


def _capital(text: str) -> str:
    """Starts a sentence: "a session of …" becomes "A session of …"; names keep their case (alice stays alice)."""
    return text[:1].upper() + text[1:] if text.startswith(("a ", "an ", "the ")) else text


def _describe_filter(args: Mapping[str, Any]) -> str:
    """The events a filter looks for, as a noun phrase: "an allowed s3:GetObject request on arn:… made with
    alice's session of Deploy"."""
    what = args.get("action") or args.get("event_name") or "an event"
    error = args.get("error", "any")
    parts = [f"an allowed {what} request" if error == "none" and what != "an event" else what]
    if args.get("resource"):
        parts.append(f"on {args['resource']}")
    if args.get("principal"):
        parts.append(f"by {display_name(args['principal'])}")
    starter, role = args.get("from"), args.get("role")
    if starter and role:
        parts.append(f"made with {display_name(starter)}'s session of {display_name(role)}")
    elif role:
        parts.append(f"made with a session of {display_name(role)}")
    elif starter:
        parts.append(f"made with a session {display_name(starter)} opened")
    if error == "none" and what == "an event":
        parts.append("that was allowed")
    elif error not in ("none", "any"):
        parts.append(f"that failed with {error}")
    return " ".join(parts)
