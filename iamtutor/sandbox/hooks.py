"""What a sandbox of kind ``classroom`` needs from outside the sandbox app, asked through one interface.

The sandbox app knows nothing of classrooms. A classroom sandbox holds one student's member account; its
organization (OUs, SCPs, RCPs), its classmates' accounts, who besides the student may look at it, who sets
its clock and what a reset returns it to are the classrooms app's to say. That app registers a
``Federation`` when it starts (``ClassroomsConfig.ready``); a personal sandbox never consults it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .models import Sandbox, SandboxAccount


class Federation(Protocol):
    def organization(self, sandbox: Sandbox) -> dict | None:
        """The world-format ``organization`` section the sandbox's account belongs to, or ``None``."""

    def peer_account(self, sandbox: Sandbox, account_id: str) -> SandboxAccount | None:
        """Another sandbox's account that ``sandbox``'s requests may reach (a classmate's), or ``None``.
        The returned row is read, never written, by ``sandbox``'s requests."""

    def viewer(self, request: HttpRequest, sandbox: Sandbox) -> str | None:
        """Why this request, though not the owner's, may look at ``sandbox`` read-only (``"staff"``), or
        ``None`` when it may not."""

    def clock_owner(self, sandbox: Sandbox) -> str | None:
        """Why the sandbox's owner may not move its clock (someone else sets it, as a class clock does), in
        words for the learner; ``None`` when the clock is theirs."""

    def starting_contents(self, sandbox: Sandbox) -> tuple[dict, dict] | None:
        """The (world, compute) a reset of ``sandbox`` goes back to, when not the site's starting world (a
        student's member account keeps its own account id); ``None`` for the starting world."""


class _Nobody:
    """The federation of a site without classrooms: nothing is shared."""

    def organization(self, sandbox):
        return None

    def peer_account(self, sandbox, account_id):
        return None

    def viewer(self, request, sandbox):
        return None

    def clock_owner(self, sandbox):
        return None

    def starting_contents(self, sandbox):
        return None


federation: Federation = _Nobody()


def register(implementation: Federation) -> None:
    global federation
    federation = implementation


class KeyIndex(Protocol):
    """Who keeps an index of the credentials a sandbox holds (the AWS-compatible endpoint finds a sandbox from
    an access key id). Each method runs inside the transaction that stores or removes the credentials."""

    def keys_added(self, sandbox: Sandbox, secrets: dict[str, str]) -> None:
        """Long-term access keys stored, secret by key id."""

    def keys_removed(self, sandbox: Sandbox, key_ids: set[str]) -> None:
        """Long-term access keys deleted."""

    def sessions_saved(self, sandbox: Sandbox, sessions: list[dict]) -> None:
        """STS sessions stored or changed, each as the engine's record (world-format ``sessions`` entry)."""

    def cleared(self, sandbox: Sandbox) -> None:
        """Every key and session of the sandbox removed (a reset, an import)."""


class _NoIndex:
    def keys_added(self, sandbox, secrets):
        return None

    def keys_removed(self, sandbox, key_ids):
        return None

    def sessions_saved(self, sandbox, sessions):
        return None

    def cleared(self, sandbox):
        return None


key_index: KeyIndex = _NoIndex()


def register_key_index(implementation: KeyIndex) -> None:
    global key_index
    key_index = implementation
