"""Setups and solutions: checking a lab's steps, rewinding the clock for a setup, and running the steps
(scenario operations plus ``CHANGE_STEPS``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from typing import Any, Final

from .. import sts
from ..errors import ParameterError, WorldError
from ..scenario import StepOutcome, _Runner, check_step, error_result, match_expected
from ..world import World
from .parsing import CheckError

# Changes a lab step may make that scenario files cannot express: (keys, required keys), as scenario.STEP_KEYS.
CHANGE_STEPS: Final[dict[str, tuple[frozenset[str], tuple[str, ...]]]] = {
    "update_role": (frozenset({"role_arn", "max_session_duration", "description"}), ("role_arn",)),
    "launch_instance": (frozenset({"caller", "instance_profile", "instance_id"}), ("caller", "instance_profile")),
    "lambda_execution": (frozenset({"caller", "function", "role_arn"}), ("caller", "function", "role_arn")),
}
_STEP_COMMON: Final = frozenset({"op", "id", "title", "comment", "expect"})


def check_steps(steps: object, where: str, *, setup: bool = False) -> list[Mapping[str, Any]]:
    """A setup's or solution's steps, each checked (scenario operations plus ``CHANGE_STEPS``); raises
    ``CheckError`` at ``where[i]…``. A setup may not set the clock: it moves only forward, by ``advance_clock``."""
    if not isinstance(steps, list):
        raise CheckError("Expected a list of steps, each with an op.", json_path=where)
    for index, step in enumerate(steps):
        at = f"{where}[{index}]"
        op = step.get("op") if isinstance(step, Mapping) else None
        if op in CHANGE_STEPS:
            allowed, required = CHANGE_STEPS[op]
            unknown = sorted(str(k) for k in step if k not in allowed and k not in _STEP_COMMON)
            if unknown:
                raise CheckError(f"A {op} step has no key {unknown[0]!r}.", json_path=f"{at}.{unknown[0]}")
            missing = [k for k in required if step.get(k) is None]
            if missing:
                raise CheckError(f"A {op} step needs {missing[0]!r}.", json_path=f"{at}.{missing[0]}")
        else:
            try:
                check_step(step, index)
            except WorldError as err:
                path = (err.json_path or "").replace(f"$.steps[{index}]", at, 1)
                message = err.message
                if "Unknown step operation" in message:
                    message = message.rstrip(".") + ", " + ", ".join(CHANGE_STEPS) + "."
                raise CheckError(message, json_path=path or at) from None
        if setup and op == "set_clock":
            raise CheckError("A setup moves the clock only with advance_clock.", json_path=f"{at}.op")
    return list(steps)


def rewind_for(world: World, steps: Iterable[Mapping[str, Any]]) -> None:
    """Sets the world's clock back by the ``advance_clock`` seconds of ``steps``, so that running them ends at
    the present: a prepared audit trail then lies in the past, and a revocation made now comes after it."""
    total = sum(s.get("seconds", 0) for s in steps if s.get("op") == "advance_clock")
    if isinstance(total, int) and total > 0:
        world.clock.set(world.clock.now() - timedelta(seconds=total))


def apply_steps(world: World, steps: Iterable[Mapping[str, Any]]) -> Iterator[StepOutcome]:
    """Runs checked steps on ``world`` in order, as ``scenario.run_steps`` does, with ``CHANGE_STEPS`` too.

    A step without ``expect`` must succeed (its outcome lists the failure otherwise); with ``expect`` its
    result must match it. Later steps may name an earlier step's ``id`` as their caller.
    """
    runner = _LabRunner(world)
    for index, step in enumerate(steps):
        result = runner.run(step)
        if "expect" in step:
            failures = match_expected(step["expect"], result)
        elif not result.get("ok", True):
            error = result.get("error") or {}
            failures = [f"the call failed: {error.get('code')}: {error.get('message')}"]
        else:
            failures = []
        yield StepOutcome(index, str(step.get("title") or step.get("op")), result, failures)


class _LabRunner(_Runner):
    """The scenario runner plus the changes of ``CHANGE_STEPS``."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self.operations.update(
            update_role=self._update_role,
            launch_instance=self._launch_instance,
            lambda_execution=self._lambda_execution,
        )

    def run(self, step: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return super().run(step)
        except (TypeError, ValueError, KeyError) as err:  # a malformed argument the engine call did not expect
            return error_result(ParameterError(f"The step's arguments are malformed ({type(err).__name__})."))

    def _update_role(self, step: Mapping[str, Any]) -> dict[str, Any]:
        options = {k: step[k] for k in ("max_session_duration", "description") if k in step}
        self.world.update_role(step["role_arn"], **options)
        return {"ok": True}

    def _launch_instance(self, step: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            **sts.launch_instance(
                self.world,
                self.caller(step["caller"]),
                step["instance_profile"],
                instance_id=step.get("instance_id"),
                session_id=step.get("id"),
            ),
        }

    def _lambda_execution(self, step: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            **sts.lambda_execution_session(
                self.world, self.caller(step["caller"]), step["function"], step["role_arn"], session_id=step.get("id")
            ),
        }
