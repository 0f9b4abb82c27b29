"""Running a lab on a world: prepare its starting world, decide its tasks, try its solutions.

No database here: the loader (``loader.py``) validates lab files with these functions, the sandbox side
(``attempts.py``) runs the same ones on a learner's sandbox world, and the tests apply every solution through
them. The engine decides everything (``iamtutor.engine.run_checks``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from iamtutor.engine import Check, CheckOutcome, EngineError, Trail, World, apply_steps, rewind_for, run_checks


@dataclass(frozen=True)
class TaskSpec:
    """A task as the runner needs it: its key and its parsed checks."""

    key: str
    checks: tuple[Check, ...]

    @property
    def takes_answer(self) -> bool:
        """True for a detective question: the learner types an answer that an ``answer`` check judges."""
        return any(check.name == "answer" for check in self.checks)


@dataclass(frozen=True)
class TaskResult:
    """One task decided: passed when every check passed; each check's outcome in order."""

    key: str
    passed: bool
    outcomes: tuple[CheckOutcome, ...]

    @property
    def explanations(self) -> list[str]:
        """What to show: the failing checks' explanations when the task fails, else every check's."""
        failing = [o.explanation for o in self.outcomes if not o.passed]
        return failing or [o.explanation for o in self.outcomes]

    def as_data(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "checks": [{"check": o.check, "passed": o.passed, "explanation": o.explanation} for o in self.outcomes],
        }


class SetupFailed(Exception):
    """A step of a lab's setup failed; ``index`` is the step, ``reason`` what the engine said."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"setup step {index + 1}: {reason}")
        self.index, self.reason = index, reason


def prepare(world: World, setup: Sequence[Mapping[str, Any]]) -> World:
    """Runs the lab's ``setup`` on ``world`` (a world holding the lab's starting contents) so that it ends at the
    world's present: the clock is put back by the setup's ``advance_clock`` seconds first. Raises
    ``SetupFailed`` at the first step that does not do what it says."""
    rewind_for(world, setup)
    for outcome in apply_steps(world, setup):
        if outcome.failures:
            raise SetupFailed(outcome.index, "; ".join(outcome.failures))
    return world


def starting_world(world_data: Mapping[str, Any], setup: Sequence[Mapping[str, Any]]) -> World:
    """The lab's world as a learner finds it: its contents, then its setup (a fresh copy each call)."""
    return prepare(World.from_dict(world_data), setup)


def decide(
    tasks: Iterable[TaskSpec],
    world: World,
    *,
    trail: Trail | None = None,
    answers: Mapping[str, str] | None = None,
    start: Callable[[], World] | None = None,
) -> list[TaskResult]:
    """Every task's checks on ``world``: ``trail`` is the audit trail (default: the world's events),
    ``answers`` the learner's answers by task key, ``start`` a fresh copy of the lab's starting world."""
    tasks = list(tasks)
    if trail is None and any(check.name in ("event_exists", "answer", "reached") for t in tasks for check in t.checks):
        trail = Trail(world.events)
    answers = answers or {}
    results = []
    for task in tasks:
        outcomes = run_checks(task.checks, world, trail=trail, answer=answers.get(task.key), start=start)
        results.append(TaskResult(task.key, all(o.passed for o in outcomes), tuple(outcomes)))
    return results


@dataclass
class SolutionRun:
    """A solution tried on a fresh starting world: the step that failed, or the tasks' results."""

    step_failure: tuple[int, str] | None = None
    results: list[TaskResult] = field(default_factory=list)

    @property
    def failing(self) -> set[str]:
        return {result.key for result in self.results if not result.passed}


def try_solution(
    world_data: Mapping[str, Any],
    setup: Sequence[Mapping[str, Any]],
    tasks: Sequence[TaskSpec],
    steps: Sequence[Mapping[str, Any]],
    answers: Mapping[str, str] | None = None,
) -> SolutionRun:
    """Applies a solution's ``steps`` to a fresh starting world, then decides every task (with ``answers``)."""
    world = starting_world(world_data, setup)
    for outcome in apply_steps(world, steps):
        if outcome.failures:
            return SolutionRun(step_failure=(outcome.index, "; ".join(outcome.failures)))
    start = starter(world_data, setup)
    return SolutionRun(results=decide(tasks, world, answers=answers, start=start))


def starter(world_data: Mapping[str, Any], setup: Sequence[Mapping[str, Any]]) -> Callable[[], World]:
    """A function making fresh copies of the lab's starting world (``reached`` replays a way in on one)."""

    def start() -> World:
        try:
            return starting_world(world_data, setup)
        except (EngineError, SetupFailed):  # validated at load time; a world that stopped loading replays nothing
            return World()

    return start
