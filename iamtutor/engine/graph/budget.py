"""How much work one access graph may take: evaluations, candidate pairs, edges, and a time cap behind them.

Owns ``Budget`` (the limits), ``Meter`` (the counts while a graph is built, raising ``OverBudget`` past a
limit) and ``Work`` (what a finished or stopped build did). The counts are the measure: the same world gives
the same counts on any machine, so tests assert on them; the time cap is only a backstop for a slow machine.
What a stopped build answers with is ``access.py``'s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Final

from ..evaluate import Decision, Request, evaluate
from ..policy import Policy
from .clock import reads_clock

_CLOCK_EVERY: Final = 64  # counted steps between two looks at the clock


@dataclass(frozen=True, slots=True)
class Budget:
    """Limits on the work of one access graph (the defaults: about a quarter of a second of one core each).

    ``evaluations``: calls of ``evaluate`` (trust decisions, reach probes); ``pairs``: candidate pairs looked
    at before any evaluation (a principal a trust policy could name, a resource a role's statements could
    grant on); ``edges``: arrows made; ``seconds``: a wall-clock cap, checked every few steps, for a machine
    too slow or too loaded for the counts alone to bound the time (None, the default: no cap, so the same
    world always gives the same answer; a server sets one).
    """

    evaluations: int = 10_000
    pairs: int = 100_000
    edges: int = 20_000
    seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Work:
    """What one build did: its counts, and ``stopped`` — the limit that ended it early (``evaluations``,
    ``pairs``, ``edges`` or ``time``), None when it finished. ``clock`` is True when a policy it evaluated
    reads the time (``aws:CurrentTime``…), so its answers may change as the clock moves."""

    evaluations: int = 0
    pairs: int = 0
    edges: int = 0
    stopped: str | None = None
    clock: bool = False

    @property
    def complete(self) -> bool:
        """True when the build finished within its budget."""
        return self.stopped is None


class OverBudget(Exception):
    """Raised inside a build when a limit is passed; ``access_graph`` turns it into an incomplete graph."""

    def __init__(self, limit: str) -> None:
        super().__init__(limit)
        self.limit = limit


class Meter:
    """The counts of one build against a ``Budget`` (None: no limit, for benchmarks and the CLI)."""

    __slots__ = ("budget", "deadline", "edges", "evaluations", "pairs", "seen", "steps")

    def __init__(self, budget: Budget | None) -> None:
        self.budget = budget
        self.deadline = time.monotonic() + budget.seconds if budget is not None and budget.seconds is not None else None
        self.evaluations = self.pairs = self.edges = self.steps = 0
        self.seen: dict[int, Policy] = {}  # every policy an evaluated request held, by id

    def decide(self, request: Request) -> Decision:
        """``evaluate(request)``, counted (``OverBudget`` before it would pass the limit); remembers the
        request's policies, to tell whether the answers depend on the clock."""
        self.evaluated()
        r = request
        for policy in (*r.identity_policies, r.boundary, *r.session_policies, r.resource_policy):
            if policy is not None:
                self.seen[id(policy)] = policy
        for level in (*r.scps, *r.rcps):
            for policy in level:
                self.seen[id(policy)] = policy
        return evaluate(request)

    def evaluated(self, count: int = 1) -> None:
        """Counts ``count`` evaluations about to be made; raises ``OverBudget`` instead when they would pass
        the limit (so the counts never exceed the budget)."""
        if self.budget is not None and self.evaluations + count > self.budget.evaluations:
            raise OverBudget("evaluations")
        self.evaluations += count
        self._tick(count)

    def paired(self, count: int = 1) -> None:
        """Counts ``count`` candidate pairs about to be looked at; raises ``OverBudget`` instead past the limit."""
        if self.budget is not None and self.pairs + count > self.budget.pairs:
            raise OverBudget("pairs")
        self.pairs += count
        self._tick(count)

    def edged(self, count: int = 1) -> None:
        """Counts ``count`` edges about to be made; raises ``OverBudget`` instead past the limit."""
        if self.budget is not None and self.edges + count > self.budget.edges:
            raise OverBudget("edges")
        self.edges += count

    def work(self, stopped: str | None = None) -> Work:
        """The counts so far, as a ``Work``."""
        clock = any(reads_clock(p) for p in self.seen.values())
        return Work(self.evaluations, self.pairs, self.edges, stopped, clock)

    def _tick(self, count: int) -> None:
        self.steps += count
        if self.deadline is not None and self.steps >= _CLOCK_EVERY:
            self.steps = 0
            if time.monotonic() > self.deadline:
                raise OverBudget("time")
