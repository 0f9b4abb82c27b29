"""Who may see which sandbox: the owner only (signed in, or the anonymous browser session that made it).

Every sandbox view starts with ``get_sandbox(request, pk)``: a stranger gets 404, never a hint that the
sandbox exists. Classroom staff may look at a student's sandbox ("view as"): the federation hook says so, and
such a visit may only read — any other method is refused here, whatever the view does.
"""

from __future__ import annotations

import functools
import uuid

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest

from . import hooks
from .models import Sandbox, SandboxAccount

STORED_KINDS = {"role": SandboxAccount.role, "user": SandboxAccount.user, "policy": SandboxAccount.managed_policy}

SESSION_KEY = "sandbox_id"


def get_sandbox(request: HttpRequest, pk) -> Sandbox:
    """The sandbox ``pk`` if the request's user (or anonymous session) owns it; else ``Http404``."""
    sandbox = _sandbox_row(pk)
    if sandbox is None:
        raise Http404("No such sandbox.")
    sandbox.viewer = None  # who is looking, when not the owner ("staff")
    if owns(request, sandbox):
        return sandbox
    viewer = hooks.federation.viewer(request, sandbox) if sandbox.kind == Sandbox.CLASSROOM else None
    if viewer is None:
        raise Http404("No such sandbox.")
    if request.method not in ("GET", "HEAD"):
        raise PermissionDenied("Viewing a student's sandbox never changes it: only its owner can.")
    sandbox.viewer = viewer
    return sandbox


@functools.cache
def _sandbox_by_pk_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in Sandbox._meta.concrete_fields)
    return f"SELECT {columns} FROM {quote(Sandbox._meta.db_table)} WHERE {quote('id')} = %s"  # noqa: S608 (names from the model, the value a parameter)


def _sandbox_row(pk) -> Sandbox | None:
    """``Sandbox.objects.get(pk=pk)`` without compiling the query again on every page (a third of the calls
    ``get_sandbox`` made); the raw query still converts each column as the ORM does."""
    try:
        key = pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))
    except ValueError:
        return None
    value = Sandbox._meta.pk.get_db_prep_value(key, connection)  # a UUID on PostgreSQL, hex text on SQLite
    return next(iter(Sandbox.objects.raw(_sandbox_by_pk_sql(), [value])), None)


def owns(request: HttpRequest, sandbox: Sandbox) -> bool:
    if sandbox.owner_id is not None:
        return request.user.is_authenticated and request.user.pk == sandbox.owner_id
    return request.session.get(SESSION_KEY) == str(sandbox.pk)


def current_sandbox(request: HttpRequest) -> Sandbox | None:
    """The sandbox of this user or anonymous session, if one was created."""
    if request.user.is_authenticated:
        return Sandbox.objects.filter(owner=request.user, kind=Sandbox.PERSONAL).first()
    sandbox_id = request.session.get(SESSION_KEY)
    if not sandbox_id:
        return None
    return Sandbox.objects.filter(pk=sandbox_id, owner__isnull=True).first()


def remember(request: HttpRequest, sandbox: Sandbox) -> None:
    """Ties a new anonymous sandbox to this browser session."""
    if sandbox.owner_id is None:
        request.session[SESSION_KEY] = str(sandbox.pk)


def get_stored(sandbox: Sandbox, account_id: str, kind: str, name: str) -> tuple[SandboxAccount, dict]:
    """(account row, stored entry) of the role, user or customer managed policy (``kind``) ``name`` of one of
    the sandbox's accounts (IAM names ignore case); ``Http404`` if there is none."""
    account = sandbox.accounts.filter(account_id=account_id).first()
    entry = STORED_KINDS[kind](account, name) if account else None
    if entry is None:
        raise Http404(f"No such {kind}.")
    return account, entry
