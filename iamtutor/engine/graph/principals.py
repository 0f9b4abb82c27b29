"""The callers the access graph tries against every role: who they are, and how STS would hear from them.

Owns ``Principal`` (a node with the identity STS would see), the identity of a fresh role session, the
caller standing for an outside account and the STS keys of a plain call. Which roles they reach is
``trust.py``'s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from ..evaluate import Request
from ..principals import Caller
from ..world import World
from ..world_model import Identity, Role, Session, claim_keys
from .model import Node

SESSION_NAME: Final = "diagram"  # the RoleSessionName of every trust request the graph evaluates
# The STS action each kind of identity provider calls; its nodes share the kind name.
FEDERATED_ACTIONS: Final = {"oidc_provider": "sts:AssumeRoleWithWebIdentity", "saml_provider": "sts:AssumeRoleWithSAML"}
ROOT_ARN: Final = re.compile(r"arn:[a-z-]+:iam::(\d{12}):root")
ACCOUNT_ID: Final = re.compile(r"\d{12}")


@dataclass(eq=False)
class Principal:
    """A caller the graph tries against every role that trusts it, and how STS would hear from it."""

    node: Node
    ident: Identity
    action: str = "sts:AssumeRole"
    mfa: bool = False  # can present MFA (a user with a device, a role session)
    claims_url: str | None = None  # an OIDC provider's URL: its claims are condition keys
    audiences: tuple[str, ...] = ()
    external: bool = False  # outside the world: only the trust side is known
    requests: dict = field(default_factory=dict)
    builder: Callable[..., Request] | None = None

    def request(self, world: World, action: str, resource: str, extra: dict | None = None) -> Request:
        """``world.build_request`` for this caller, its context keys and policies worked out once."""
        if self.builder is None:
            self.builder = world.request_builder(self.ident)
        return self.builder(action, resource, extra=extra)


def role_identity(world: World, role: Role) -> Identity:
    """The identity of a fresh session of ``role`` (no session policy, no MFA), never registered in the world."""
    now = world.clock.now()
    session = Session(
        id=f"{SESSION_NAME}:{role.arn}",
        kind="assumed_role",
        access_key_id="ASIA" + "DIAGRAM".ljust(16, "X"),
        secret_access_key="",
        session_token="",
        account=role.account,
        arn=f"arn:{world.partition}:sts::{role.account}:assumed-role/{role.name}/{SESSION_NAME}",
        issued_at=now,
        expires_at=now + timedelta(hours=1),
        role_arn=role.arn,
        role_id=role.id,
        session_name=SESSION_NAME,
    )
    return world._session_identity(session)  # the same Caller a real session of the role would get


def outside_caller(arn: str, account: str) -> Caller:
    """An outside account stands for all its principals; its root caller lets only the trust side decide."""
    return Caller("root", arn, account, unique_id=account)


def outside_account(entry: str) -> str | None:
    """The account id a trust policy's AWS principal entry names as a whole (an id or a root ARN), or None."""
    found = ROOT_ARN.fullmatch(entry)
    if found:
        return found.group(1)
    return entry if ACCOUNT_ID.fullmatch(entry) else None


def baseline_keys(principal: Principal) -> dict[str, object]:
    """The STS keys of a plain call: a session name and, for OIDC, a token with an accepted audience (§3.3)."""
    keys: dict[str, object] = {}
    if principal.node.kind != "saml_provider":
        keys["sts:RoleSessionName"] = SESSION_NAME
    if principal.node.kind in FEDERATED_ACTIONS:
        keys["aws:FederatedProvider"] = principal.node.arn
    if principal.claims_url is not None and principal.audiences:
        keys.update(claim_keys(principal.claims_url, {"aud": principal.audiences[0]}))
    return keys
