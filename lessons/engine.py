"""The lessons' one seam to the role engine (``iamtutor.engine``): running a question's world, checking a
learner's policy, running a prediction's scenario for its reveal, and running the scenarios that compute
items' answers (``run_traced``, ``faulty_lines``; read by ``computed.py`` and ``questions.py``).

Nothing else in ``lessons`` imports the engine, and nothing here returns engine objects: only plain dicts
and strings, ready for templates and the database.
"""

from __future__ import annotations

from collections.abc import Mapping

from iamtutor import engine


def run_request(world: Mapping, setup: list, request: Mapping) -> dict:
    """The world-format result of ``request`` after ``setup`` steps in ``world``.

    A world the engine refuses to load gives ``{"ok": false, "error": …}`` like a failed step.
    """
    outcome = run_scenario({"world": world, "steps": [*setup, request]})
    if outcome["load_error"]:
        return {"ok": False, "error": outcome["load_error"]}
    return outcome["steps"][-1]["result"]


def run_scenario(data: Mapping) -> dict:
    """``{"name", "load_error", "steps": [{"title", "result", "passed"}]}`` for a scenario."""
    try:
        normalised = engine.normalise_scenario(dict(data))
    except engine.EngineError as err:
        return {"name": data.get("name", ""), "load_error": err.to_dict(), "steps": []}
    outcome = engine.run_scenario(normalised)
    steps = [{"title": step.title, "result": step.result, "passed": not step.failures} for step in outcome.steps]
    return {"name": outcome.name, "load_error": outcome.load_error, "steps": steps}


def run_traced(data: Mapping) -> dict:
    """Like ``run_scenario``, and each step also carries its raw ``step`` and the world's ``clock`` after it ran.

    ``{"load_error", "steps": [{"step", "title", "result", "failures", "clock"}], "clock"}``; the clock is a
    timezone-aware ``datetime``. A malformed scenario gives ``load_error`` like a world the engine refuses.
    """
    try:
        normalised = engine.normalise_scenario(dict(data))
        world = engine.World.from_dict(normalised["world"])
    except engine.EngineError as err:
        return {"load_error": err.to_dict(), "steps": [], "clock": None}
    steps, raw_steps = [], normalised.get("steps", [])
    for raw, outcome in zip(raw_steps, engine.run_steps(world, raw_steps), strict=True):
        steps.append(
            {
                "step": raw,
                "title": outcome.title,
                "result": outcome.result,
                "failures": list(outcome.failures),
                "clock": world.clock.now(),
            }
        )
    return {"load_error": None, "steps": steps, "clock": world.clock.now()}


def faulty_lines(document: str, kind: str) -> list[int]:
    """The lines IAM would refuse in ``document``; when it would save it, the lines of the engine's findings."""
    lines = [err.line for err in engine.iter_policy_problems(document, kind)]
    if not lines:
        lines = [finding.line for finding in engine.check_policy(document, kind)]
    return sorted({line for line in lines if line})


def result_allows(result: Mapping) -> bool:
    """Whether a step result means "yes, that works": a call that succeeded and, for a request, was allowed."""
    return bool(result.get("ok", True)) and result.get("decision", "allowed") == "allowed"


def describe(result: Mapping) -> str:
    """One sentence for a step result: the access-denied reason, the error message, or the decision."""
    error = result.get("error") or {}
    if error:
        return f"{error.get('code', 'Error')}: {error.get('message', '')}".strip()
    if "decision" in result:
        return result.get("reason") or str(result["decision"])
    return "OK"


def policy_problems(document: str, kind: str) -> list[dict]:
    """Every problem IAM would report for ``document`` as ``{code, message, line}``."""
    return [
        {"code": err.code, "message": err.message, "line": err.line}
        for err in engine.iter_policy_problems(document, kind)
    ]
