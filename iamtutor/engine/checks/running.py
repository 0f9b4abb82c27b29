"""Running checks: ``run_checks`` decides a list of checks on a world and leaves the world as it found it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..audit import EventLog
from ..errors import EngineError
from ..world import World
from .parsing import Check, CheckOutcome
from .predicates import _RUNNERS, _TRAIL_CHECKS
from .trail import Trail


def run_checks(
    checks: Iterable[Check],
    world: World,
    *,
    trail: Trail | Iterable[Mapping[str, Any]] | None = None,
    answer: str | None = None,
    start: Callable[[], World] | None = None,
) -> list[CheckOutcome]:
    """Decides each check on ``world`` and returns their outcomes, in order.

    ``trail`` is the audit trail the trail checks read (default: the world's own events as they are now);
    ``answer`` the learner's answer to the task, for ``answer`` checks; ``start`` makes a fresh copy of the
    lab's starting world, on which ``reached`` replays the way in. The world is left as it was found: the
    sessions and events the checks' calls add are taken away again. Never raises for a check that cannot be
    decided: the outcome says why instead.
    """
    checks = list(checks)
    if not isinstance(trail, Trail) and any(c.name in _TRAIL_CHECKS for c in checks):
        trail = Trail(world.events if trail is None else trail)
    context = _Context(world, trail if isinstance(trail, Trail) else None, answer, start)
    with _scratch(world):
        return [_run(check, context) for check in checks]


@dataclass
class _Context:
    world: World
    trail: Trail | None
    answer: str | None
    start: Callable[[], World] | None


def _run(check: Check, context: _Context) -> CheckOutcome:
    try:
        passed, explanation = _RUNNERS[check.name](check.args, context)
    except EngineError as err:
        passed, explanation = False, f"The check could not run: {err.message} ({err.code})."
    return CheckOutcome(check.name, passed, explanation)


@contextmanager
def _scratch(world: World) -> Iterator[None]:
    """Lets checks call STS on ``world`` and then removes the sessions and events those calls added."""
    events, sessions, keys = world.events, dict(world.sessions), dict(world._session_keys)
    world.events = EventLog()
    try:
        yield
    finally:
        world.events = events
        world.sessions.clear()
        world.sessions.update(sessions)
        world._session_keys.clear()
        world._session_keys.update(keys)
