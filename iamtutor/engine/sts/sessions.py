"""Issuing a role session (§5.1): the ``ASIA…`` key, the ``AROA…:name`` id and the path-less session ARN,
registered in the world, and the credentials and result shapes of world-format.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..dates import format_iso
from ..world import World
from ..world_model import Document, Role, Session


def issue_role_session(
    world: World,
    session_id: object,
    role: Role,
    name: str,
    seconds: int,
    *,
    docs: list[Document],
    policy_arns: list[str],
    tags: list[tuple[str, str]],
    transitive: list[str],
    source_identity: str | None,
    mfa_time: datetime | None,
    chained: bool,
    service: str | None = None,
    provider: str | None = None,
    claims: dict | None = None,
) -> Session:
    """Creates and registers the role session (ASIA key, AROA…:name id, path-less session ARN, §5.1)."""
    now = world.clock.now()
    key = world.ids.access_key_id(temporary=True)
    session = Session(
        id=session_id if isinstance(session_id, str) else key,
        kind="assumed_role",
        access_key_id=key,
        secret_access_key=world.ids.secret_access_key(),
        session_token=world.ids.session_token(),
        account=role.account,
        arn=f"arn:{world.partition}:sts::{role.account}:assumed-role/{role.name}/{name}",
        issued_at=now,
        expires_at=now + timedelta(seconds=seconds),
        role_arn=role.arn,
        role_id=role.id,
        session_name=name,
        policies=docs,
        policy_arns=list(policy_arns),
        tags=tags,
        transitive_tag_keys=transitive,
        source_identity=source_identity,
        mfa_auth_time=mfa_time,
        chained=chained,
        federated_provider=provider,
        claims=claims or {},
        service=service,
    )
    world.add_session(session)
    return session


def credentials(session: Session) -> dict[str, str]:
    """The ``credentials`` of a result: access key id, secret, session token and expiration."""
    return {
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": session.secret_access_key,
        "SessionToken": session.session_token,
        "Expiration": format_iso(session.expires_at),
    }


def role_result(session: Session, packed: int) -> dict:
    """The world-format.md result of an AssumeRole* call that issued ``session``."""
    result: dict[str, Any] = {
        "ok": True,
        "credentials": credentials(session),
        "assumed_role_user": {"Arn": session.arn, "AssumedRoleId": f"{session.role_id}:{session.session_name}"},
        "packed_policy_size": packed,
        "session_id": session.id,
    }
    if session.source_identity is not None:
        result["source_identity"] = session.source_identity
    return result
