"""The one adapter between sandbox rows and the engine's ``World`` (STYLE convention 7).

``SandboxWorld.load`` builds the engine World from a sandbox's rows (two queries), once per revision: the
parsed rows and world are kept, pickled, in this process's ``worlds`` cache, and every load unpickles a
private copy (a request may change its world; the kept one never changes) with its clock set to the
sandbox's now. A classroom sandbox's world may borrow a classmate's account (``hooks.federation.peer_account``)
when a request names it: read, never written; what CloudTrail records in that account (the role's copy of a
cross-account AssumeRole, calls made with the role's sessions) is also saved into the classmate's sandbox.
``run_change`` is the one way to change it: it loads the world, applies one engine call, writes back what
changed (account documents, new or changed STS sessions, new audit events) in one transaction, and reports
the outcome as a ``Change`` — the engine's refusal (placed on the form field of the parameter it is about),
or a ``ConcurrentChange`` when the sandbox moved on since the page was loaded. Views never build engine
objects field by field.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import math
import pickle
import re
import secrets as random_secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from iamtutor.engine import EngineError, World, WorldError

from . import hooks
from .forms import add_engine_error
from .models import AccessKeySecret, AuditEvent, Sandbox, SandboxAccount, StsSession
from .quotas import check_world_file

SEED_FILE = Path(__file__).resolve().parent / "seed" / "starting-world.json"
logger = logging.getLogger(__name__)


CONCURRENT_CHANGE_MESSAGE = gettext_lazy(
    "This sandbox was changed in another tab or window while you worked, so nothing was saved. "
    "What you typed is still here: check it and try again."
)


class ReadOnlySandbox(Exception):
    """The sandbox may not change now (a closed classroom, a removed student); the message says why."""


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
    """The sandbox clock: real time plus the learner's fast-forward, or the moment a paused class stands at."""
    if sandbox.clock_frozen_at is not None:
        return sandbox.clock_frozen_at
    return timezone.now() + timedelta(seconds=sandbox.clock_offset)


def create_sandbox(owner=None) -> Sandbox:
    """A new sandbox holding the starting world's two accounts.

    A signed-in owner has one personal sandbox: when it exists already (a double click, two tabs), that one is
    returned instead of a second. The database's unique constraint decides races between concurrent requests.
    """
    if (
        owner is not None
        and (existing := Sandbox.objects.filter(owner=owner, kind=Sandbox.PERSONAL).first()) is not None
    ):
        return existing
    try:
        with transaction.atomic():
            sandbox = Sandbox.objects.create(owner=owner)
            replace_contents(sandbox, starting_world(), starting_compute())
    except IntegrityError:
        if owner is None:
            raise
        return Sandbox.objects.get(owner=owner, kind=Sandbox.PERSONAL)
    return sandbox


def replace_contents(
    sandbox: Sandbox, world: dict, compute: dict | None = None, secrets: dict[str, str] | None = None
) -> None:
    """Replaces every account, session and event of ``sandbox`` with ``world`` (reset, import, try-it).

    ``world`` is validated first (``validate_contents``; a ``WorldError`` leaves the sandbox untouched). The
    replacement is one transaction that holds the sandbox row's lock, so it either fully happens or not at all,
    and concurrent resets and imports run one after the other. The revision is bumped so that forms loaded
    before it notice. ``secrets`` gives access keys' secrets by key id (else taken from the documents, or new).
    """
    compute = compute or {}
    validate_contents(world, compute)
    documents, secrets = _documents_without_secrets(world, secrets or {})
    with transaction.atomic():
        list(Sandbox.objects.select_for_update().filter(pk=sandbox.pk).values_list("pk", flat=True))  # the lock
        sandbox.accounts.all().delete()
        sandbox.sts_sessions.all().delete()
        sandbox.events.all().delete()
        sandbox.key_secrets.all().delete()
        hooks.key_index.cleared(sandbox)
        SandboxAccount.objects.bulk_create(
            SandboxAccount(
                sandbox=sandbox,
                account_id=account_id,
                alias=alias,
                is_learners=position == 0,
                document=document,
                compute=compute.get(account_id, {}),
                position=position,
            )
            for position, (account_id, alias, document) in enumerate(documents)
        )
        AccessKeySecret.objects.bulk_create(
            AccessKeySecret(sandbox=sandbox, access_key_id=key_id, secret=secret) for key_id, secret in secrets.items()
        )
        hooks.key_index.keys_added(sandbox, secrets)
        Sandbox.objects.filter(pk=sandbox.pk).update(
            revision=F("revision") + 1, clock_offset=0, last_used=timezone.now()
        )
    sandbox.refresh_from_db(fields=["revision", "clock_offset", "last_used"])


def _documents_without_secrets(world: dict, given: dict[str, str]) -> tuple[list[tuple[str, str, dict]], dict]:
    """(account id, alias, document) of each account, every ``SecretAccessKey`` moved out into the returned
    secrets by key id; a key with no secret anywhere gets a new one, as CreateAccessKey would."""
    documents, secrets = [], {}
    for account_id, raw in world["accounts"].items():
        document = copy.deepcopy(raw)
        alias = document.pop("alias", "") or ""
        for user in document.get("UserDetailList") or []:
            for key in user.get("AccessKeys") or []:
                secret = key.pop("SecretAccessKey", None)
                secrets[key["AccessKeyId"]] = given.get(key["AccessKeyId"]) or secret or _new_secret()
        documents.append((account_id, alias, document))
    return documents, secrets


def _new_secret() -> str:
    """40 characters of base64, the shape of AWS's secret access keys."""
    return base64.b64encode(random_secrets.token_bytes(30)).decode("ascii")


def save_key_secrets(sandbox: Sandbox, before: list[SandboxAccount], world: World) -> None:
    """Keeps the secret table in step with ``world``'s access keys: stores the secret of each key created since
    the rows ``before`` were loaded, deletes those of keys gone since. Run inside the saving transaction."""
    known = {key["AccessKeyId"] for account in before for key in _access_keys(account.document)}
    keys = {key.id: key.secret for a in world.accounts.values() for u in a.users.values() for key in u.access_keys}
    new = [AccessKeySecret(sandbox=sandbox, access_key_id=i, secret=s) for i, s in keys.items() if i not in known]
    if new:
        AccessKeySecret.objects.bulk_create(new)
        hooks.key_index.keys_added(sandbox, {row.access_key_id: row.secret for row in new})
    if gone := known - keys.keys():
        sandbox.key_secrets.filter(access_key_id__in=gone).delete()
        hooks.key_index.keys_removed(sandbox, gone)


def _access_keys(document: dict) -> Iterator[dict]:
    for user in document.get("UserDetailList") or []:
        yield from user.get("AccessKeys") or []


# ---- world files: reading, validating, exporting ------------------------------------------------------------

MAX_NESTING = 64  # a world file needs about a dozen levels; policy documents a few more
MAX_INT_DIGITS = 18
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def read_world_file(raw: bytes, account_id: str | None = None) -> dict:
    """Parses and validates an uploaded world file: a sandbox export (``{"world": …, "compute": …}``), bare
    world-format data, or ``aws iam get-account-authorization-details`` output (as account ``account_id``).

    Returns ``{"world": …, "compute": …, "secrets": …}`` ready for ``replace_contents``: no sessions, no
    events, no clock, access keys' secrets apart. Raises ``WorldError`` (or another ``EngineError``) naming
    what is wrong and where; nothing of the file escapes as anything else.
    """
    data = parse_json(raw)
    check_text(data)
    check_world_file(data)
    if isinstance(data, dict) and "RoleDetailList" in data and "accounts" not in data:
        world = World.from_authorization_details(data, account_id=account_id or "111111111111")
        compute: object = {}
    else:
        compute = {}
        if isinstance(data, dict) and "world" in data:
            _known_keys(data, {"world", "compute"}, "")
            compute = data.get("compute", {})
            data = data["world"]
        world = World.from_dict(data)
    stored = _strip_runtime(world.to_dict())
    if not stored["accounts"]:
        raise WorldError("A world file must hold at least one account.", json_path="accounts")
    check_compute(compute, stored["accounts"].keys())
    secrets = {k.id: k.secret for a in world.accounts.values() for u in a.users.values() for k in u.access_keys}
    return {"world": stored, "compute": compute, "secrets": secrets}


def validate_contents(world: dict, compute: dict) -> World:
    """Checks world-format data and its compute section before they are stored; raises ``WorldError``."""
    check_text(world, "world")
    check_text(compute, "compute")
    check_world_file(world)
    validated = World.from_dict(world)
    if not validated.accounts:
        raise WorldError("A sandbox needs at least one account.", json_path="accounts")
    check_compute(compute, validated.accounts.keys())
    return validated


def parse_json(raw: bytes) -> object:
    """JSON text as data; bad bytes, NaN, infinite or overlong numbers and deep nesting are ``WorldError``s."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WorldError(f"The file is not UTF-8 text: byte {exc.start + 1} cannot be decoded.") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int, parse_float=_parse_float)
    except json.JSONDecodeError as exc:
        raise WorldError(f"The file is not JSON text: {exc.msg}.", line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise _too_deep("") from None


def _refuse_constant(name: str) -> float:
    raise WorldError(f"The file is not JSON text: {name} is not a JSON number.")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise WorldError(f"The file holds a number of {len(text.lstrip('-'))} digits; the limit is {MAX_INT_DIGITS}.")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or len(text) > 64:
        raise WorldError(f"The file holds a number a world file cannot hold: {text[:40]}.")
    return value


def _too_deep(path: str) -> WorldError:
    return WorldError(
        f"The file nests arrays and objects too deeply (the limit is {MAX_NESTING} levels).", json_path=path or None
    )


def check_text(data: object, root: str = "") -> None:
    """Refuses text no database can store (NUL, lone surrogates) and nesting deeper than ``MAX_NESTING``,
    naming the place; walks ``data`` without recursion."""
    stack: list[tuple[object, str, int]] = [(data, root, 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_NESTING:
            raise _too_deep(path)
        if isinstance(value, str):
            _check_string(value, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                _check_string(key, child, "name")
                stack.append((item, child, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))


def _check_string(text: str, path: str, what: str = "text") -> None:
    bad = _UNSTORABLE.search(text)
    if bad is None:
        return
    code = ord(bad.group())
    reason = "a NUL character" if code == 0 else f"a lone surrogate (U+{code:04X}), which is not a character"
    path = _printable(path)
    raise WorldError(f"The {what} at {path or 'the top'} holds {reason}; it cannot be stored.", json_path=path or None)


def _printable(path: str) -> str:
    return _UNSTORABLE.sub("\ufffd", path)


_FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_INSTANCE_ID = re.compile(r"i-(?:[0-9a-f]{8}|[0-9a-f]{17})")
_ARN = {
    "function": re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}"),
    "instance": re.compile(r"arn:aws[a-z-]*:ec2:[a-z0-9-]+:\d{12}:instance/i-[0-9a-f]{8,17}"),
    "role": re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\x21-\x7e]{1,512}"),
    "instance-profile": re.compile(r"arn:aws[a-z-]*:iam::\d{12}:instance-profile/[\x21-\x7e]{1,512}"),
}
_COMPUTE_FIELDS = {
    "functions": {"name": _FUNCTION_NAME, "arn": _ARN["function"], "role_arn": _ARN["role"]},
    "instances": {"id": _INSTANCE_ID, "arn": _ARN["instance"], "instance_profile": _ARN["instance-profile"]},
}
_OPTIONAL = {"instances": {"name"}, "functions": set()}


def check_compute(compute: object, account_ids) -> None:
    """Checks the compute section: ``{account id: {"functions": [...], "instances": [...]}}`` where a function
    is ``{name, arn, role_arn}`` and an instance ``{id, arn, instance_profile, name?}``; raises ``WorldError``
    with the path (``compute.111111111111.instances[0].id``)."""
    if not isinstance(compute, dict):
        raise WorldError("The compute section is an object of accounts.", json_path="compute")
    for account_id, section in compute.items():
        path = f"compute.{_printable(account_id)}"
        if account_id not in account_ids:
            raise WorldError(f"Account {_printable(account_id)} is not an account of the world.", json_path=path)
        if not isinstance(section, dict):
            raise WorldError("An account's compute is an object with functions and instances.", json_path=path)
        _known_keys(section, set(_COMPUTE_FIELDS), path)
        for kind, fields in _COMPUTE_FIELDS.items():
            entries = section.get(kind, [])
            if not isinstance(entries, list):
                raise WorldError(f"{kind} is a list.", json_path=f"{path}.{kind}")
            for i, entry in enumerate(entries):
                _check_compute_entry(entry, fields, _OPTIONAL[kind], f"{path}.{kind}[{i}]")


def _check_compute_entry(entry: object, fields: dict, optional: set, path: str) -> None:
    if not isinstance(entry, dict):
        raise WorldError("Expected an object.", json_path=path)
    _known_keys(entry, set(fields) | optional, path)
    for name, pattern in fields.items():
        value = entry.get(name)
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise WorldError(f"{name} is missing or malformed.", json_path=f"{path}.{name}")
    for name in optional:
        if name in entry and not (isinstance(entry[name], str) and 0 < len(entry[name]) <= 255):
            raise WorldError(f"{name} is text of 1 to 255 characters.", json_path=f"{path}.{name}")


def _known_keys(obj: dict, allowed: set, path: str) -> None:
    unknown = sorted(str(key) for key in obj if key not in allowed)
    if unknown:
        where = f"{path}.{_printable(unknown[0])}" if path else _printable(unknown[0])
        raise WorldError(f"Unknown field {_printable(unknown[0])}.", json_path=where)


def _strip_runtime(world: dict) -> dict:
    """An imported world starts with no sessions and no events; the clock is the sandbox's own."""
    return {
        "partition": world.get("partition", "aws"),
        "accounts": world["accounts"],
        **({"organization": world["organization"]} if world.get("organization") else {}),
    }


def export_data(sandbox: Sandbox) -> dict:
    """The sandbox as a world file (world-format.md) with its compute section. It holds no secret: access keys'
    secrets live apart, and live sessions (whose credentials are secrets) are left out, as an import starts
    without sessions anyway."""
    accounts = list(sandbox.accounts.all())
    world = world_data(sandbox, accounts, sessions=[])
    del world["sessions"]
    return {"world": world, "compute": {a.account_id: a.compute for a in accounts if a.compute}}


def world_data(sandbox: Sandbox, accounts=None, sessions=None, *, organization: bool = True) -> dict:
    """The sandbox as world-format data (without audit events), built from its rows; a classroom sandbox's
    organization is included unless ``organization`` is false."""
    accounts = list(sandbox.accounts.all()) if accounts is None else accounts
    sessions = list(sandbox.sts_sessions.all()) if sessions is None else sessions
    data: dict = {"clock": _iso(sandbox_now(sandbox)), "partition": "aws", "accounts": {}}
    for account in accounts:
        document = {"alias": account.alias} if account.alias else {}
        document.update(account.document)
        data["accounts"][account.account_id] = document
    org = hooks.federation.organization(sandbox) if organization and sandbox.kind == Sandbox.CLASSROOM else None
    if org:
        data["organization"] = org
    data["sessions"] = [session.data for session in sessions]
    return data


class ALL_SESSIONS:  # a marker: SandboxWorld.load's default, every session
    pass


@dataclass
class SandboxWorld:
    """A loaded sandbox: its rows, the engine world built from them, and what to write back."""

    sandbox: Sandbox
    accounts: list[SandboxAccount]
    sessions: list[StsSession]
    world: World
    caller_session: str | None = None  # the session making the change: parent of the sessions it creates
    parents: dict[str, str] = field(default_factory=dict)  # or, per new session id, the session that assumed it
    peers: dict[str, SandboxAccount] = field(default_factory=dict)  # classmates' accounts borrowed, by id

    @classmethod
    def load(cls, sandbox: Sandbox, *, only_session: str | type[ALL_SESSIONS] | None = ALL_SESSIONS) -> SandboxWorld:
        """The sandbox's world with its clock at the sandbox time: a private copy of this revision's parsed
        world (``_parsed``). Documents were validated when stored, so the engine parses them lazily, on first
        use. A classroom sandbox's world gets its organization as it is now (the instructor's guardrails
        change without a new revision of the student's sandbox) and borrows a classmate's account when a
        look-up names it (one query per account, only then).

        ``only_session``: for a caller that needs no STS session but its own (the AWS endpoint's STS calls),
        the world holds just that session (``None``: none) — not every session ever issued, which a script
        calling AssumeRole in a loop makes into hundreds. Saving such a world writes its new and changed
        sessions and leaves the others as they are."""
        accounts, sessions, world = _parsed(sandbox, only_session)
        world.clock.set(sandbox_now(sandbox))
        loaded = cls(sandbox, accounts, sessions, world)
        if sandbox.kind == Sandbox.CLASSROOM:
            if organization := hooks.federation.organization(sandbox):
                world.organization = _organization(organization)
            world.set_peers(loaded._peer_account, lazy=True)
        return loaded

    def _peer_account(self, account_id: str) -> dict | None:
        """A classmate's account as world-format data, for the engine's peer loader (read-only)."""
        row = hooks.federation.peer_account(self.sandbox, account_id)
        if row is None:
            return None
        self.peers[account_id] = row
        return {"alias": row.alias, **row.document} if row.alias else row.document

    def save(self) -> None:
        """Writes back what changed; raises ``ConcurrentChange`` when the sandbox moved on meanwhile."""
        data = self.world.to_dict()
        with transaction.atomic():
            bumped = Sandbox.objects.filter(pk=self.sandbox.pk, revision=self.sandbox.revision).update(
                revision=F("revision") + 1, last_used=timezone.now()
            )
            if not bumped:
                raise ConcurrentChange
            save_key_secrets(self.sandbox, self.accounts, self.world)
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
        saved = []
        for data in sessions:
            row = stored.get(data["id"])
            if row is None:
                parent = stored.get(self.parents.get(data["id"]) or self.caller_session or "")
                StsSession.objects.create(sandbox=self.sandbox, parent=parent, **_session_fields(data))
                saved.append(data)
            elif row.data != data:
                for name, value in _session_fields(data).items():
                    setattr(row, name, value)
                row.save()
                saved.append(data)
        if saved:
            hooks.key_index.sessions_saved(self.sandbox, saved)

    def _save_events(self, events: list[dict]) -> None:
        """The new events into this sandbox; those CloudTrail records in a borrowed classmate's account
        (``recipientAccountId``) into the classmate's sandbox as well — never the other way round."""
        rows = [_event_row(self.sandbox.pk, event) for event in events]
        if self.peers:
            borrowed = {i: row.sandbox_id for i, row in self.peers.items() if self.world.is_borrowed(i)}
            rows += [
                _event_row(borrowed[event["recipientAccountId"]], event)
                for event in events
                if event.get("recipientAccountId") in borrowed
            ]
        AuditEvent.objects.bulk_create(rows)


def _parsed(
    sandbox: Sandbox, only_session: str | type[ALL_SESSIONS] | None = ALL_SESSIONS
) -> tuple[list[SandboxAccount], list[StsSession], World]:
    """The sandbox's account and session rows and its world (no organization, any clock), parsed once per
    revision: from this process's ``worlds`` cache when this revision was parsed before, else read and
    parsed now and kept — pickled as it is now, before the caller can change it, and only once the
    transaction that read it has committed (a change rolled back never leaves a world under a revision
    number that a later change will use). One entry per sandbox: a new revision replaces the old (and one
    per session for the worlds holding only that session, ``SandboxWorld.load``)."""
    key = f"sandbox-world:{sandbox.pk}"
    if only_session is not ALL_SESSIONS:
        key += f":session:{only_session or '-'}"
    kept = caches["worlds"].get(key)
    if kept is not None and kept[0] == sandbox.revision:
        accounts, sessions, world = pickle.loads(kept[1])  # noqa: S301 (pickled by this process, below)
    else:
        accounts = list(SandboxAccount.objects.filter(sandbox=sandbox))
        if only_session is ALL_SESSIONS:
            sessions = list(StsSession.objects.filter(sandbox=sandbox))
        elif only_session:
            sessions = list(StsSession.objects.filter(sandbox=sandbox, session_id=only_session))
        else:
            sessions = []
        world = World.from_dict(world_data(sandbox, accounts, sessions, organization=False), lazy=True)
        _keep(key, sandbox, (accounts, sessions, world))
    for row in (*accounts, *sessions):
        row.sandbox = sandbox
    return accounts, sessions, world


def _organization(data: dict):
    """A classroom's organization section as the engine's ``Organization`` (its policies parsed on use)."""
    return World.from_dict({"accounts": {}, "organization": data}, lazy=True).organization


def _keep(key: str, sandbox: Sandbox, parsed: tuple) -> None:
    revision = sandbox.revision
    try:
        blob = pickle.dumps(parsed, pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
        logger.warning("A sandbox world could not be pickled, so it is not kept: %s", exc)
        return

    def store() -> None:
        if sandbox.revision == revision:  # not when this very request saved a change: that world is gone
            caches["worlds"].set(key, (revision, blob), settings.WORLD_CACHE_SECONDS)

    transaction.on_commit(store)


@dataclass
class Change[T]:
    """What ``run_change`` came to: the change's ``value``, the engine's refusal ``error``, or a ``conflict``."""

    value: T | None = None
    error: EngineError | None = None
    conflict: ConcurrentChange | None = None
    read_only: str | None = None  # why the sandbox may not change now

    @property
    def ok(self) -> bool:
        return self.error is None and self.conflict is None and self.read_only is None


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
    if sandbox.read_only_reason:
        if form is not None:
            form.add_error(None, sandbox.read_only_reason)
        return Change(read_only=sandbox.read_only_reason)
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
    if sandbox.read_only_reason:
        raise ReadOnlySandbox(sandbox.read_only_reason)
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


def _event_row(sandbox_id, event: dict) -> AuditEvent:
    identity = event.get("userIdentity") or {}
    return AuditEvent(
        sandbox_id=sandbox_id,
        event_id=str(event.get("eventID", "")),
        event_time=parse_datetime(str(event.get("eventTime"))) or timezone.now(),
        event_name=str(event.get("eventName", "")),
        event_source=str(event.get("eventSource", "")),
        principal_arn=str(identity.get("arn") or identity.get("invokedBy") or ""),
        error_code=str(event.get("errorCode") or ""),
        data=event,
    )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
