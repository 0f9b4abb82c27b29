"""What the sandbox pages show that changes only with a sandbox's revision, read once per revision.

Every change to a sandbox's accounts or STS sessions bumps ``Sandbox.revision`` in the same transaction
(``worlds.SandboxWorld.save``, ``worlds.replace_contents``), so facts read from those rows can be kept in the
render cache under (sandbox id, revision, facet): a change makes a new key, the old ones age out, and one
sandbox's key never names another's. The overview, the roles list and the credentials page then read no
account document and no session row while the sandbox stays as it is.

Facts are stored only once the transaction that read them has committed (``transaction.on_commit``), so a
change that is rolled back never leaves facts under a revision number a later change will use. A personal
sandbox's audit events are facts too (only its own changes record them); a classroom sandbox's are not: a
classmate's cross-account call records events there without changing its revision.
Values are plain data (no model instances), safe to share between processes and releases; callers must
not change what they get.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.cache import caches
from django.db import transaction

from .models import Sandbox, StsSession, account_counts
from .roles import stored_roles

FACT_SECONDS = 3600


def cached[T](sandbox: Sandbox, facet: str, compute: Callable[[], T]) -> T:
    """``compute()`` for ``sandbox`` at its revision, from the render cache when it was read before."""
    key = f"sandbox:{sandbox.pk}:{sandbox.revision}:{facet}"
    value = caches["renders"].get(key)
    if value is None:
        value = compute()
        transaction.on_commit(lambda: caches["renders"].set(key, value, FACT_SECONDS))
    return value


def accounts(sandbox: Sandbox) -> list[dict]:
    """Each account (in order): id, alias, whether it is the learner's, and how many of each entity it holds."""

    def read() -> list[dict]:
        return [
            {
                "account_id": row.account_id,
                "alias": row.alias,
                "is_learners": row.is_learners,
                "counts": account_counts(row.document),
            }
            for row in sandbox.accounts.all()
        ]

    return cached(sandbox, "accounts", read)


def roles(sandbox: Sandbox) -> list[tuple[dict, list[dict]]]:
    """Per account (in order), its id, alias and whether it is the learner's, and its roles sorted by name
    (``roles.stored_roles``)."""

    def read() -> list[tuple[dict, list[dict]]]:
        return [
            ({"account_id": row.account_id, "alias": row.alias, "is_learners": row.is_learners}, rows)
            for row, rows in stored_roles(list(sandbox.accounts.all()))
        ]

    return cached(sandbox, "roles", read)


def role_arns(sandbox: Sandbox) -> list[str]:
    """Every role's ARN, accounts in order."""
    return [row["arn"] for _account, rows in roles(sandbox) for row in rows]


def sessions(sandbox: Sandbox) -> list[dict]:
    """The STS sessions, newest first, each with what the credentials page and the overview show."""

    def read() -> list[dict]:
        rows = sandbox.sts_sessions.select_related("parent").defer("parent__data")
        return [_session_facts(session) for session in rows]

    return cached(sandbox, "sessions", read)


def session_counts(sandbox: Sandbox, now: datetime) -> dict[str, int]:
    """How many sessions are active and how many expired at ``now``."""
    every = sessions(sandbox)
    active = sum(1 for session in every if session["expires_at"] > now)
    return {"active": active, "expired": len(every) - active}


def recent_events(sandbox: Sandbox, count: int = 5) -> list[dict]:
    """The ``count`` latest audit events: time, call, caller and error code."""

    def read() -> list[dict]:
        fields = ("event_time", "event_name", "principal_arn", "error_code")
        return list(sandbox.events.values(*fields)[:count])

    if sandbox.kind == Sandbox.CLASSROOM:
        return read()
    return cached(sandbox, f"events-{count}", read)


def _session_facts(session: StsSession) -> dict:
    data = session.data
    parent = session.parent
    return {
        "access_key_id": session.access_key_id,
        "arn": session.arn,
        "role_arn": session.role_arn,
        "issued_at": session.issued_at,
        "expires_at": session.expires_at,
        "role_id": data.get("role_id") or "",
        "session_name": data.get("session_name", ""),
        "chained": bool(data.get("chained")),
        "parent": f"{parent.arn.split(':assumed-role/', 1)[-1]} · {parent.access_key_id}" if parent else "",
    }
