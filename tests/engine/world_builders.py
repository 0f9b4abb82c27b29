"""Small world builders shared by the world, STS and audit tests (JSON literals, no factories)."""

from __future__ import annotations

from typing import Any

from iamtutor.engine.ids import IdSource
from iamtutor.engine.world import World

A = "111111111111"
B = "222222222222"
C = "333333333333"
ALICE = f"arn:aws:iam::{A}:user/alice"
BOB = f"arn:aws:iam::{A}:user/bob"
DEPLOY = f"arn:aws:iam::{A}:role/Deploy"
CLOCK = "2026-01-01T09:00:00Z"


def doc(*statements: dict, version: str = "2012-10-17") -> dict:
    """A policy document with the given statements."""
    return {"Version": version, "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def trust(principal: Any, action: Any = "sts:AssumeRole", **extra: Any) -> dict:
    """A trust policy with one Allow statement for ``principal`` (an ``{"AWS": …}``-style map)."""
    return doc({"Effect": "Allow", "Principal": principal, "Action": action, **extra})


def user(name: str, *policies: dict, **extra: Any) -> dict:
    inline = [{"PolicyName": f"p{i}", "PolicyDocument": p} for i, p in enumerate(policies)]
    return {"UserName": name, "UserPolicyList": inline, **extra}


def role(name: str, trust_policy: dict, *policies: dict, **extra: Any) -> dict:
    inline = [{"PolicyName": f"p{i}", "PolicyDocument": p} for i, p in enumerate(policies)]
    return {"RoleName": name, "AssumeRolePolicyDocument": trust_policy, "RolePolicyList": inline, **extra}


def account(users: list | None = None, roles: list | None = None, **extra: Any) -> dict:
    return {"UserDetailList": users or [], "RoleDetailList": roles or [], **extra}


def make_world(accounts: dict, *, seed: int = 7, **top: Any) -> World:
    """A world at 2026-01-01T09:00:00Z with repeatable ids."""
    return World.from_dict({"clock": CLOCK, "accounts": accounts, **top}, ids=IdSource(seed))
