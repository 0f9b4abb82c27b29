"""A scenario run step by step with the world kept, for diagrams of what happened: who assumed what from
which session, when each session ends, and the ``Decision`` (with its flowchart path) of each request.

Owns nothing but the bookkeeping: the steps are ``scenario.run_steps``', every outcome the engine's. A
request's ``Decision`` is the evaluator's answer for the request ``World.build_request`` builds right after
the step, in the same world state. Drawing is the other modules' (and the site's) job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import EngineError
from ..evaluate import Decision, evaluate
from ..scenario import load_world, normalise_scenario, run_steps
from ..sts import CHAINING_LIMIT
from ..world import World

REPLAY_SEED = 1  # ids, keys and tokens repeat exactly, so the same scenario always draws the same diagram
CHAINING_SECONDS = CHAINING_LIMIT  # the longest session role chaining gives (§5.3), for diagrams to mark


@dataclass(frozen=True)
class ReplayedStep:
    """One step and what it did: its world-format ``result``, the world clock after it, the session an
    ``assume_role`` issued (``session``), the session a step's caller used (``caller_session``), for a
    decided request the evaluator's ``decision``, and how the result missed the step's ``expect``."""

    index: int
    step: Mapping[str, Any]
    result: dict[str, Any]
    clock: datetime
    session: str | None = None
    caller_session: str | None = None
    decision: Decision | None = None
    failures: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the call succeeded (and, for a request, was allowed)."""
        return bool(self.result.get("ok")) and self.result.get("decision", "allowed") == "allowed"


@dataclass
class Replay:
    """The world after the last step, each step replayed, and the session each session was assumed from."""

    world: World
    steps: list[ReplayedStep] = field(default_factory=list)
    parents: dict[str, str] = field(default_factory=dict)

    def step(self, title: str) -> ReplayedStep | None:
        """The step whose ``title`` or ``id`` is ``title``, or None."""
        return next((s for s in self.steps if title in (s.step.get("title"), s.step.get("id"))), None)


def replay(scenario: Mapping[str, Any]) -> Replay:
    """Runs ``scenario`` (world + steps, as ``run_scenario`` takes it) with seeded ids, keeping the world.

    Raises the engine's ``EngineError`` (``WorldError``/``PolicyError`` with a JSON path) when the scenario is
    malformed or its world does not load; a failing step is a result (``ok`` false), not an error.
    """
    data = normalise_scenario(scenario)
    world = load_world(data["world"], seed=REPLAY_SEED)
    done = Replay(world)
    issued: dict[str, str] = {}  # step id -> session id
    for outcome, step in zip(run_steps(world, data["steps"]), data["steps"], strict=True):
        caller = step.get("caller")
        caller_session = issued.get(caller) if isinstance(caller, str) else None
        session = _issued(world, outcome.result)
        if session is not None:
            if isinstance(step.get("id"), str):
                issued[step["id"]] = session
            if caller_session is not None:
                done.parents[session] = caller_session
        decision = _decision(world, step, outcome.result, caller_session)
        clock = world.clock.now()
        done.steps.append(
            ReplayedStep(
                outcome.index, step, outcome.result, clock, session, caller_session, decision, tuple(outcome.failures)
            )
        )
    return done


def _issued(world: World, result: Mapping[str, Any]) -> str | None:
    key = result.get("credentials", {}).get("AccessKeyId") if result.get("ok") else None
    session = world.identify(key).session if isinstance(key, str) else None
    return session.id if session is not None else None


def _decision(world: World, step: Mapping[str, Any], result: Mapping[str, Any], session: str | None) -> Decision | None:
    """The evaluator's decision of a decided ``request`` step, worked out again in the same world state."""
    if step.get("op") != "request" or "decision" not in result:
        return None
    try:
        ident = world.identify(session or step["caller"])
        return evaluate(world.build_request(ident, step["action"], step["resource"], step.get("context")))
    except EngineError:
        return None
