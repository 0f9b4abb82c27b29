"""The one adapter between sandbox rows and the engine's ``World`` (STYLE convention 7).

``SandboxWorld.load`` builds the engine World from a sandbox's rows (three queries). ``run_change`` is the one
way to change it: it loads the world, applies one engine call, writes back what changed (account documents, new
or changed STS sessions, new audit events) in one transaction, and reports the outcome as a ``Change`` —
the engine's refusal (placed on the form field of the parameter it is about), or a ``ConcurrentChange``
when the sandbox moved on since the page was loaded. Views never build engine objects field by field.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Protocol

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from iamtutor.engine import EngineError, World

from .forms import add_engine_error
from .models import AuditEvent, Sandbox, SandboxAccount, StsSession

SEED_FILE = Path(__file__).resolve().parent / "seed" / "starting-world.json"


CONCURRENT_CHANGE_MESSAGE = gettext_lazy(
    "This sandbox was changed in another tab or window while you worked, so nothing was saved. "
    "What you typed is still here: check it and try again."
)


class ConcurrentChange(Exception):
    """Someone else changed the sandbox, or the very thing being edited, between the learner's read and this
    write; nothing was saved. ``stored`` is the edited text as it is stored now, when there is one to compare."""

    message = CONCURRENT_CHANGE_MESSAGE

    def __init__(self, stored: str | None = None) -> None:
        super().__init__(stored)
        self.stored = stored


@cache
def _seed() -> dict:
    return json.loads(SEED_FILE.read_text(encoding="utf-8"))


def starting_world() -> dict:
    """A fresh copy of the world every sandbox starts from (world format)."""
    return copy.deepcopy(_seed()["world"])


def starting_compute() -> dict:
    """The Lambda functions and EC2 instances of the starting world, by account id."""
    return copy.deepcopy(_seed()["compute"])


def sandbox_now(sandbox: Sandbox) -> datetime:
    """The sandbox clock: real time plus the learner's fast-forward."""
    return timezone.now() + timedelta(seconds=sandbox.clock_offset)


@transaction.atomic
def create_sandbox(owner=None) -> Sandbox:
    """A new sandbox holding the starting world's two accounts."""
    sandbox = Sandbox.objects.create(owner=owner)
    replace_contents(sandbox, starting_world(), starting_compute())
    return sandbox


def replace_contents(sandbox: Sandbox, world: dict, compute: dict | None = None) -> None:
    """Replaces every account, session and event of ``sandbox`` with ``world`` (reset and import)."""
    sandbox.accounts.all().delete()
    sandbox.sts_sessions.all().delete()
    sandbox.events.all().delete()
    compute = compute or {}
    for position, (account_id, document) in enumerate(world["accounts"].items()):
        document = dict(document)
        alias = document.pop("alias", "") or ""
        SandboxAccount.objects.create(
            sandbox=sandbox,
            account_id=account_id,
            alias=alias,
            is_learners=position == 0,
            document=document,
            compute=compute.get(account_id, {}),
            position=position,
        )
    Sandbox.objects.filter(pk=sandbox.pk).update(revision=F("revision") + 1, clock_offset=0)
    sandbox.refresh_from_db(fields=["revision", "clock_offset"])


def world_data(sandbox: Sandbox, accounts=None, sessions=None) -> dict:
    """The sandbox as world-format data (without audit events), built from its rows."""
    accounts = list(sandbox.accounts.all()) if accounts is None else accounts
    sessions = list(sandbox.sts_sessions.all()) if sessions is None else sessions
    data: dict = {"clock": _iso(sandbox_now(sandbox)), "partition": "aws", "accounts": {}}
    for account in accounts:
        document = {"alias": account.alias} if account.alias else {}
        document.update(account.document)
        data["accounts"][account.account_id] = document
    organization = _organization_data(accounts)
    if organization:
        data["organization"] = organization
    data["sessions"] = [session.data for session in sessions]
    return data


@dataclass
class SandboxWorld:
    """A loaded sandbox: its rows, the engine world built from them, and what to write back."""

    sandbox: Sandbox
    accounts: list[SandboxAccount]
    sessions: list[StsSession]
    world: World
    caller_session: str | None = None  # the session making the change: parent of the sessions it creates
    parents: dict[str, str] = field(default_factory=dict)  # or, per new session id, the session that assumed it

    @classmethod
    def load(cls, sandbox: Sandbox) -> SandboxWorld:
        """The sandbox's world with its clock at the sandbox time. Documents were validated when stored, so
        the engine parses them lazily, on first use."""
        accounts = list(sandbox.accounts.select_related("organization").all())
        sessions = list(sandbox.sts_sessions.all())
        world = World.from_dict(world_data(sandbox, accounts, sessions), lazy=True)
        return cls(sandbox, accounts, sessions, world)

    def save(self) -> None:
        """Writes back what changed; raises ``ConcurrentChange`` when the sandbox moved on meanwhile."""
        data = self.world.to_dict()
        with transaction.atomic():
            bumped = Sandbox.objects.filter(pk=self.sandbox.pk, revision=self.sandbox.revision).update(
                revision=F("revision") + 1, last_used=timezone.now()
            )
            if not bumped:
                raise ConcurrentChange
            self._save_accounts(data["accounts"])
            self._save_sessions(data.get("sessions", []))
            self._save_events(self.world.events)
        self.sandbox.revision += 1

    def _save_accounts(self, accounts: dict) -> None:
        stored = {account.account_id: account for account in self.accounts}
        for account_id, document in accounts.items():
            document = dict(document)
            alias = document.pop("alias", "") or ""
            row = stored.get(account_id)
            if row is None:
                SandboxAccount.objects.create(
                    sandbox=self.sandbox,
                    account_id=account_id,
                    alias=alias,
                    document=document,
                    position=len(stored),
                )
            elif row.document != document or row.alias != alias:
                row.document, row.alias = document, alias
                row.save(update_fields=["document", "alias"])

    def _save_sessions(self, sessions: list[dict]) -> None:
        stored = {session.session_id: session for session in self.sessions}
        for data in sessions:
            row = stored.get(data["id"])
            if row is None:
                parent = stored.get(self.parents.get(data["id"]) or self.caller_session or "")
                StsSession.objects.create(sandbox=self.sandbox, parent=parent, **_session_fields(data))
            elif row.data != data:
                for name, value in _session_fields(data).items():
                    setattr(row, name, value)
                row.save()

    def _save_events(self, events: list[dict]) -> None:
        AuditEvent.objects.bulk_create([_event_row(self.sandbox, event) for event in events])


@dataclass
class Change[T]:
    """What ``run_change`` came to: the change's ``value``, the engine's refusal ``error``, or a ``conflict``."""

    value: T | None = None
    error: EngineError | None = None
    conflict: ConcurrentChange | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.conflict is None


class ErrorTarget(Protocol):
    """Where a refusal is reported: a Django form."""

    def add_error(self, field: str | None, error: object) -> None: ...


def run_change[T](
    sandbox: Sandbox,
    change: Callable[[World], T],
    *,
    form: ErrorTarget | None = None,
    audit_refusals: bool = False,
    caller_session: str | None = None,
) -> Change[T]:
    """Applies ``change`` to the sandbox's world and saves the result, all in one transaction.

    A change that edits something stored checks, inside ``change``, that it is still the version the
    learner's form was loaded with, and raises ``ConcurrentChange`` otherwise (see ``roles.put_trust``);
    the save itself raises it when another request saved the sandbox meanwhile. A ``ConcurrentChange``
    saves nothing; nor does an ``EngineError`` from the change, unless ``audit_refusals`` (STS calls and
    requests, whose refusals CloudTrail records). With ``form``, a refusal becomes an error on the field of
    the parameter it is about (``forms.add_engine_error``), and a conflict the one "changed in another tab"
    message — unless it carries the ``stored`` text, which the caller shows beside the learner's.
    ``caller_session`` is the STS session making the change, recorded as the parent of sessions it creates.
    """
    outcome: Change[T] = Change()
    try:
        with transaction.atomic():
            loaded = SandboxWorld.load(sandbox)
            loaded.caller_session = caller_session
            try:
                outcome.value = change(loaded.world)
            except EngineError as err:
                if not audit_refusals:
                    raise
                outcome.error = err
            loaded.save()
    except EngineError as err:
        outcome.error = err
    except ConcurrentChange as conflict:
        outcome = Change(conflict=conflict)
    if form is not None and outcome.error is not None:
        add_engine_error(form, outcome.error)
    elif form is not None and outcome.conflict is not None and outcome.conflict.stored is None:
        form.add_error(None, str(CONCURRENT_CHANGE_MESSAGE))
    return outcome


@contextmanager
def changing(sandbox: Sandbox) -> Iterator[SandboxWorld]:
    """The block form of ``run_change`` without its reporting: loads the sandbox, lets the caller change its
    world, and saves the result unless an error escapes (``ConcurrentChange`` included)."""
    with transaction.atomic():
        loaded = SandboxWorld.load(sandbox)
        yield loaded
        loaded.save()


def _session_fields(data: dict) -> dict:
    return {
        "session_id": data["id"],
        "access_key_id": data["access_key_id"],
        "arn": data["arn"],
        "role_arn": data.get("role_arn") or "",
        "issued_at": parse_datetime(data["issued_at"]),
        "expires_at": parse_datetime(data["expires_at"]),
        "data": data,
    }


def _event_row(sandbox: Sandbox, event: dict) -> AuditEvent:
    identity = event.get("userIdentity") or {}
    return AuditEvent(
        sandbox=sandbox,
        event_id=str(event.get("eventID", "")),
        event_time=parse_datetime(str(event.get("eventTime"))) or timezone.now(),
        event_name=str(event.get("eventName", "")),
        event_source=str(event.get("eventSource", "")),
        principal_arn=str(identity.get("arn") or identity.get("invokedBy") or ""),
        error_code=str(event.get("errorCode") or ""),
        data=event,
    )


def _organization_data(accounts: list[SandboxAccount]) -> dict | None:
    organizations = {account.organization for account in accounts if account.organization_id}
    if not organizations:
        return None
    organization = organizations.pop()
    return {
        "id": organization.org_id,
        "management_account": organization.management_account_id,
        "accounts": [account.account_id for account in accounts if account.organization_id == organization.pk],
        "scps": [
            {"name": scp.name, "targets": scp.targets, "document": scp.document} for scp in organization.scps.all()
        ],
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
