"""Stable references to the policies and statements a decision matched, and resolving them to documents.

The evaluator names what it matched and nothing more (Cedar's authorizer returns policy ids; the caller
words them): a ``StatementRef`` is the statement's index and Sid in a policy named by a ``PolicyRef``. A
``PolicyRef`` names a policy the way IAM does, so it stays valid while the world changes around it:

===========  ===========================  ==============================  =================
kind         owner                        name                            version
===========  ===========================  ==============================  =================
inline       user, group or role ARN      the inline policy's name        —
managed      —                            the managed policy's ARN        the version id
trust        the role's ARN               —                               —
resource     the resource's ARN           —                               —
scp / rcp    —                            the SCP's name (or its ARN)     —
session      the session's id             the session policy's name       —
===========  ===========================  ==============================  =================

A permissions boundary is a managed policy (``kind="managed"``); the ``MatchedStatement.source`` says it
was read as a boundary. ``resolve_statement(world, ref)`` turns a reference back into the document as the
world stores it; ``policy_document`` does the same for a whole policy. Neither reads a policy of an account
the world borrowed from a peer (``ref_account`` says whose a policy is): that policy is its owner's alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from .world import World
    from .world_model import Document

__all__ = [
    "POLICY_REF_KINDS",
    "PolicyRef",
    "ResolvedStatement",
    "StatementRef",
    "policy_document",
    "ref_account",
    "resolve_statement",
]

POLICY_REF_KINDS: Final = ("inline", "managed", "trust", "resource", "scp", "rcp", "session")
_ACCOUNT_ID: Final = re.compile(r"\d{12}", re.ASCII)


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """The stable id of one policy in a world (see the table in the module docstring)."""

    kind: str
    owner: str = ""
    name: str = ""
    version: str | None = None


@dataclass(frozen=True, slots=True)
class StatementRef:
    """One statement of a policy: its 0-based ``index`` in the ``Statement`` list and its ``sid``."""

    policy: PolicyRef
    index: int
    sid: str | None = None


@dataclass(frozen=True, slots=True)
class ResolvedStatement:
    """A ``StatementRef`` read back from the world.

    ``name`` is the policy's display name (what the world calls the document), ``document`` the whole
    policy as JSON, ``statement`` the matched statement's JSON and ``json_path`` where it sits in the
    document (``$.Statement[1]``, or ``$.Statement`` when the document has a single statement object).
    """

    ref: StatementRef
    name: str
    document: dict
    statement: dict
    json_path: str


def resolve_statement(world: World, ref: StatementRef) -> ResolvedStatement | None:
    """The statement ``ref`` names, with its policy document; None when the world no longer holds it
    (the policy was deleted or changed so that the statement is gone)."""
    found = policy_document(world, ref.policy)
    if found is None:
        return None
    source = found.source()
    document = json.loads(source) if isinstance(source, str) else source
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict) and ref.index == 0:
        return ResolvedStatement(ref, found.name, document, statements, "$.Statement")
    if not isinstance(statements, list) or not 0 <= ref.index < len(statements):
        return None
    statement = statements[ref.index]
    if not isinstance(statement, dict) or statement.get("Sid") != ref.sid:
        return None
    return ResolvedStatement(ref, found.name, document, statement, f"$.Statement[{ref.index}]")


def policy_document(world: World, ref: PolicyRef) -> Document | None:
    """The stored ``Document`` that ``ref`` names in ``world``, or None when there is none (or it belongs to
    an account the world borrowed)."""
    finder = _FINDERS.get(ref.kind)
    if finder is None or world.is_borrowed(ref_account(ref)):
        return None
    return finder(world, ref)


def ref_account(ref: PolicyRef) -> str | None:
    """The account whose policy ``ref`` names: the owning user's, group's or role's (inline, trust), the
    managed policy's (None for AWS managed ones), the resource's when its ARN names one; None for SCPs,
    RCPs and session policies, which belong to no account's IAM."""
    if ref.kind in ("inline", "trust", "resource"):
        arn = ref.owner
    elif ref.kind == "managed":
        arn = ref.name
    else:
        return None
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and _ACCOUNT_ID.fullmatch(parts[4]) else None


def _inline(world: World, ref: PolicyRef) -> Document | None:
    entity = world.find_user(ref.owner) or world.find_role(ref.owner) or world.find_group(ref.owner)
    return entity.inline.get(ref.name) if entity is not None else None


def _managed(world: World, ref: PolicyRef) -> Document | None:
    policy = world.managed_policy(ref.name)
    if policy is None:
        from .world_model import catalogue_policy  # AWS's default SCP and RCP live in the catalogue

        policy = catalogue_policy(ref.name)
    if policy is None:
        return None
    version = ref.version or policy.default_version_id
    return next((v.document for v in policy.versions if v.version_id == version), None)


def _trust(world: World, ref: PolicyRef) -> Document | None:
    role = world.find_role(ref.owner)
    return role.trust if role is not None else None


def _resource(world: World, ref: PolicyRef) -> Document | None:
    for account in world.accounts.values():
        resource = account.resources.get(ref.owner)
        if resource is not None:
            return resource.policy
    return None


def _control(world: World, ref: PolicyRef) -> Document | None:
    if ref.name.startswith("arn:"):
        return _managed(world, ref)
    org = world.organization
    if org is None:
        return None
    pool = org.rcps if ref.kind == "rcp" else org.scps
    return next((p.document for p in pool if p.name == ref.name), None)


def _session(world: World, ref: PolicyRef) -> Document | None:
    session = world.sessions.get(ref.owner)
    if session is None:
        return None
    return next((d for d in session.policies if d.name == ref.name), None)


_FINDERS: Final = {
    "inline": _inline,
    "managed": _managed,
    "trust": _trust,
    "resource": _resource,
    "scp": _control,
    "rcp": _control,
    "session": _session,
}
