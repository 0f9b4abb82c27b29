"""Scenario files: a world plus steps, run against the engine, each step's result checked against ``expect``.

Owns the step operations of world-format.md, the table from step ids to the credentials they issued, the
JSON shape of each step's result, and the subset matching of ``expect`` and ``expect_load_error``. Loading
the world is ``world.py``'s, the STS calls the ``sts`` package's, printing and exit codes ``cli.py``'s.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .errors import EngineError, ParameterError, WorldError

# Keys every step may carry besides its operation's own (world-format.md; `title` labels the step in reports
# because `name` is taken by put_policy/delete_policy for the policy name; `comment` is free text).
_COMMON_KEYS: Final = frozenset({"op", "id", "title", "comment", "expect"})
_ASSUME_KEYS: Final = frozenset(
    {
        "caller",
        "role_arn",
        "session_name",
        "duration_seconds",
        "external_id",
        "policy",
        "policy_arns",
        "tags",
        "transitive_tag_keys",
        "source_identity",
        "mfa",
        "context",
    }
)
# The operation's own keys, and which of them are required.
STEP_KEYS: Final[dict[str, tuple[frozenset[str], tuple[str, ...]]]] = {
    "assume_role": (_ASSUME_KEYS, ("caller", "role_arn", "session_name")),
    "assume_role_with_web_identity": (
        frozenset(
            {"caller", "role_arn", "session_name", "claims", "duration_seconds", "policy", "policy_arns", "context"}
        ),
        ("caller", "role_arn", "session_name", "claims"),
    ),
    "request": (frozenset({"caller", "action", "resource", "context"}), ("caller", "action", "resource")),
    "get_caller_identity": (frozenset({"caller"}), ("caller",)),
    "get_session_token": (frozenset({"caller", "duration_seconds", "mfa"}), ("caller",)),
    "advance_clock": (frozenset({"seconds"}), ("seconds",)),
    "set_clock": (frozenset({"at"}), ("at",)),
    "revoke_sessions": (frozenset({"role_arn"}), ("role_arn",)),
    "put_policy": (frozenset({"kind", "target", "name", "document", "policy_arn", "targets"}), ("kind",)),
    "delete_policy": (frozenset({"kind", "target", "name", "policy_arn"}), ("kind",)),
    "audit_events": (frozenset({"last", "account", "event_name"}), ()),
}
_SCENARIO_KEYS: Final = frozenset({"name", "source", "description", "world", "steps", "expect_load_error"})
_WEB_IDENTITY_PREFIX: Final = "web_identity:"
# Optional step keys handed to the STS functions under the same name when present and not null.
_STS_OPTIONS: Final = (
    "duration_seconds",
    "external_id",
    "policy",
    "policy_arns",
    "tags",
    "transitive_tag_keys",
    "source_identity",
    "mfa",
    "context",
)


@dataclass
class StepOutcome:
    """One step's result (world-format.md "Results") and the ways it missed its ``expect``."""

    index: int
    title: str
    result: dict[str, Any]
    failures: list[str] = field(default_factory=list)


@dataclass
class ScenarioOutcome:
    """A whole run: the step outcomes, or the load error and how it compared with ``expect_load_error``."""

    name: str
    steps: list[StepOutcome] = field(default_factory=list)
    load_error: dict[str, Any] | None = None
    failures: list[str] = field(default_factory=list)  # scenario-level: load error expected or not

    @property
    def passed(self) -> bool:
        """True when the world loaded as expected and every step met its ``expect``."""
        return not self.failures and all(not step.failures for step in self.steps)


# ---- reading scenario files ---------------------------------------------------------------------------------------


def parse_scenario_text(text: str) -> dict[str, Any]:
    """Parses a scenario or world file's JSON text; a bare world (``accounts`` at the top) gets no steps.

    Duplicate keys are refused as IAM refuses them in policies. Raises ``WorldError`` for text that is not
    a JSON object or breaks the scenario shape (unknown keys, steps that are not objects).
    """
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise WorldError(f"The scenario file is not valid JSON: {_short(exc)}", json_path="$") from None
    return normalise_scenario(data)


def normalise_scenario(data: object) -> dict[str, Any]:
    """Checks a decoded scenario (or bare world) and returns ``{"name", "world", "steps", …}``.

    Raises ``WorldError`` naming the JSON path of the first problem.
    """
    if not isinstance(data, Mapping):
        raise WorldError("A scenario file holds a JSON object.", json_path="$")
    if "world" not in data and "accounts" in data:
        return {"name": "", "world": dict(data), "steps": []}
    unknown = sorted(str(k) for k in data if k not in _SCENARIO_KEYS)
    if unknown:
        raise WorldError(f"Unknown scenario key {unknown[0]!r}.", json_path=f"$.{unknown[0]}")
    if not isinstance(data.get("world"), Mapping):
        raise WorldError("A scenario needs a 'world' object.", json_path="$.world")
    if "expect_load_error" in data and not isinstance(data["expect_load_error"], Mapping):
        raise WorldError("'expect_load_error' must be an object.", json_path="$.expect_load_error")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise WorldError("'name' must be a string.", json_path="$.name")
    steps = data.get("steps", [])
    if not isinstance(steps, list):
        raise WorldError("'steps' must be a list.", json_path="$.steps")
    for index, step in enumerate(steps):
        check_step(step, index)
    return {**data, "name": name, "steps": steps}


def check_step(step: object, index: int) -> None:
    """Raises ``WorldError`` (path ``$.steps[i]…``) unless ``step`` is a well-formed step object."""
    where = f"$.steps[{index}]"
    if not isinstance(step, Mapping):
        raise WorldError("A step is a JSON object.", json_path=where)
    op = step.get("op")
    if not isinstance(op, str) or op not in STEP_KEYS:
        raise WorldError(
            f"Unknown step operation {str(op)[:60]!r}; expected one of {', '.join(STEP_KEYS)}.", json_path=f"{where}.op"
        )
    allowed, required = STEP_KEYS[op]
    for key in step:
        if key not in allowed and key not in _COMMON_KEYS:
            raise WorldError(f"A {op} step has no key {str(key)[:60]!r}.", json_path=f"{where}.{key}")
    for key in required:
        if step.get(key) is None:
            raise WorldError(f"A {op} step needs {key!r}.", json_path=f"{where}.{key}")
    for key in ("id", "title"):
        if key in step and not isinstance(step[key], str):
            raise WorldError(f"'{key}' must be a string.", json_path=f"{where}.{key}")
    if "expect" in step and not isinstance(step["expect"], Mapping):
        raise WorldError("'expect' must be an object.", json_path=f"{where}.expect")


def step_title(step: Mapping, index: int) -> str:
    """The step's label for reports and test ids: its ``title``, else ``op`` plus its ``id``, else ``op``."""
    if isinstance(step.get("title"), str) and step["title"]:
        return step["title"]
    op = str(step.get("op", "step"))
    return f"{op} {step['id']}" if isinstance(step.get("id"), str) else op


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key[:60]!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _short(exc: BaseException) -> str:
    return "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]


# ---- running ------------------------------------------------------------------------------------------------------


def load_world(world_data: object, *, seed: int | None = None) -> Any:
    """Builds the ``World`` of a scenario; raises the loader's ``EngineError`` (with JSON path) on a bad world.

    With ``seed`` the world's ids, keys and tokens come from a seeded generator, so runs repeat exactly.
    """
    from .ids import IdSource
    from .world import World

    return World.from_dict(world_data, ids=IdSource(seed) if seed is not None else None)


def run_scenario(scenario: Mapping[str, Any], *, seed: int | None = None) -> ScenarioOutcome:
    """Loads the scenario's world and runs its steps, comparing results with ``expect``.

    ``scenario`` is what ``normalise_scenario`` returns; ``seed`` as for ``load_world``. A world that fails
    to load ends the run: the outcome carries the error, and a failure unless ``expect_load_error`` matches
    it. Engine errors inside steps become ``{"ok": false, …}``; a malformed scenario raises ``WorldError``.
    """
    scenario = normalise_scenario(scenario)  # idempotent; steps that skipped it fail as WorldError, not KeyError
    outcome = ScenarioOutcome(name=scenario.get("name", ""))
    expected_error = scenario.get("expect_load_error")
    try:
        world = load_world(scenario["world"], seed=seed)
    except EngineError as err:
        outcome.load_error = error_result(err)["error"]
        if expected_error is None:
            outcome.failures.append(f"the world failed to load: {err}")
        else:
            outcome.failures.extend(f"load error {m}" for m in match_expected(expected_error, outcome.load_error))
        return outcome
    if expected_error is not None:
        outcome.failures.append("the world loaded, but a load error was expected")
        return outcome
    outcome.steps = list(run_steps(world, scenario.get("steps", [])))
    return outcome


def run_steps(world: Any, steps: list[Mapping[str, Any]]) -> Iterator[StepOutcome]:
    """Runs ``steps`` in order against ``world``, yielding each ``StepOutcome`` as it completes."""
    runner = _Runner(world)
    for index, step in enumerate(steps):
        result = runner.run(step)
        expected = step.get("expect")
        failures = match_expected(expected, result) if expected is not None else []
        yield StepOutcome(index, step_title(step, index), result, failures)


def error_result(err: EngineError) -> dict[str, Any]:
    """``{"ok": false, "error": {code, message, path?, line?, column?}}`` for a failed call."""
    return {"ok": False, "error": err.to_dict()}


class _Runner:
    """Runs steps against one world, remembering which credentials each step ``id`` issued."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self.credentials: dict[str, str] = {}  # step id -> AccessKeyId
        self.operations: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            "assume_role": self._assume_role,
            "assume_role_with_web_identity": self._assume_role_with_web_identity,
            "request": self._request,
            "get_caller_identity": self._get_caller_identity,
            "get_session_token": self._get_session_token,
            "advance_clock": self._advance_clock,
            "set_clock": self._set_clock,
            "revoke_sessions": self._revoke_sessions,
            "put_policy": self._put_policy,
            "delete_policy": self._delete_policy,
            "audit_events": self._audit_events,
        }

    def run(self, step: Mapping[str, Any]) -> dict[str, Any]:
        try:
            result = self.operations[step["op"]](step)
        except EngineError as err:
            return error_result(err)
        except RecursionError:
            return error_result(WorldError("The step's data is nested too deeply."))
        if isinstance(step.get("id"), str) and result.get("ok"):
            key = result.get("credentials", {}).get("AccessKeyId")
            if isinstance(key, str):
                self.credentials[step["id"]] = key
        return result

    def caller(self, ref: object) -> object:
        """An earlier step's id stands for the credentials it issued; anything else goes to the world as is."""
        return self.credentials.get(ref, ref) if isinstance(ref, str) else ref

    # ---- STS ----

    def _assume_role(self, step: Mapping[str, Any]) -> dict[str, Any]:
        from . import sts

        request = sts.AssumeRoleRequest(step["role_arn"], step["session_name"], **_options(step))
        return _ok(sts.assume_role(self.world, self.caller(step["caller"]), request))

    def _assume_role_with_web_identity(self, step: Mapping[str, Any]) -> dict[str, Any]:
        from . import sts

        caller = step["caller"]
        if not isinstance(caller, str) or not caller.startswith(_WEB_IDENTITY_PREFIX):
            raise WorldError(
                "The caller of assume_role_with_web_identity is 'web_identity:PROVIDER_ARN'.", json_path="caller"
            )
        request = sts.WebIdentityRequest(
            caller[len(_WEB_IDENTITY_PREFIX) :],
            step["role_arn"],
            step["session_name"],
            step["claims"],
            **_options(step),
        )
        return _ok(sts.assume_role_with_web_identity(self.world, request))

    def _get_caller_identity(self, step: Mapping[str, Any]) -> dict[str, Any]:
        from . import sts

        return _ok(sts.get_caller_identity(self.world, self.caller(step["caller"])))

    def _get_session_token(self, step: Mapping[str, Any]) -> dict[str, Any]:
        from . import sts

        return _ok(sts.get_session_token(self.world, self.caller(step["caller"]), **_options(step)))

    def _revoke_sessions(self, step: Mapping[str, Any]) -> dict[str, Any]:
        from . import sts

        sts.revoke_sessions(self.world, step["role_arn"])
        return {"ok": True}

    # ---- requests ----

    def _request(self, step: Mapping[str, Any]) -> dict[str, Any]:
        decision = self.world.request(
            self.caller(step["caller"]), step["action"], step["resource"], step.get("context")
        )
        return decision_result(decision)

    # ---- the clock ----

    def _advance_clock(self, step: Mapping[str, Any]) -> dict[str, Any]:
        self.world.clock.advance(step["seconds"])
        return self._clock_result()

    def _set_clock(self, step: Mapping[str, Any]) -> dict[str, Any]:
        self.world.clock.set(step["at"])
        return self._clock_result()

    def _clock_result(self) -> dict[str, Any]:
        from .dates import format_iso

        return {"ok": True, "clock": format_iso(self.world.clock.now())}

    # ---- changes ----

    def _put_policy(self, step: Mapping[str, Any]) -> dict[str, Any]:
        change = _PUT_POLICY.get(step["kind"]) if isinstance(step["kind"], str) else None
        if change is None:
            raise ParameterError(f"kind must be one of {', '.join(_PUT_POLICY)}.")
        change(self.world, step)
        return {"ok": True}

    def _delete_policy(self, step: Mapping[str, Any]) -> dict[str, Any]:
        if step["kind"] == "trust":
            raise ParameterError("A role always has a trust policy; replace it with put_policy instead.")
        change = _DELETE_POLICY.get(step["kind"]) if isinstance(step["kind"], str) else None
        if change is None:
            raise ParameterError(f"kind must be one of {', '.join(_DELETE_POLICY)}.")
        change(self.world, step)
        return {"ok": True}

    # ---- audit ----

    def _audit_events(self, step: Mapping[str, Any]) -> dict[str, Any]:
        events = [e for e in self.world.events if _event_matches(e, step)]
        last = step.get("last")
        if last is not None:
            if not isinstance(last, int) or isinstance(last, bool) or last < 0:
                raise WorldError("'last' is a count of events (0 or more).", json_path="last")
            events = events[-last:] if last else []
        return {"ok": True, "events": events}


def _ok(result: object) -> dict[str, Any]:
    """An STS result dict with ``ok: true`` in front (the sts package may or may not include it)."""
    if not isinstance(result, Mapping):
        return {"ok": True}
    return {"ok": True, **{k: v for k, v in result.items() if k != "ok"}}


def _options(step: Mapping[str, Any]) -> dict[str, Any]:
    return {key: step[key] for key in _STS_OPTIONS if step.get(key) is not None}


# ---- put_policy / delete_policy: each kind is one typed World method ---------------------------------------------

_STEP_PARAMETERS: Final = {"document": "PolicyDocument", "policy_arn": "PolicyArn"}


def _required(step: Mapping[str, Any], key: str) -> Any:
    value = step.get(key)
    if value is None:
        raise ParameterError(f"This operation needs {key}.", parameter=_STEP_PARAMETERS.get(key))
    return value


def _put_managed(world: Any, step: Mapping[str, Any]) -> None:
    """``managed``: CreatePolicyVersion for a customer managed policy the world has, else CreatePolicy."""
    from .world_model import split_iam_arn

    target, document = step.get("target"), _required(step, "document")
    parts = split_iam_arn(target)
    if parts is None or parts[2] != "policy":
        raise ParameterError(f"{target} is not a managed policy ARN.", parameter="PolicyArn")
    if parts[1] != "aws" and world.managed_policy(target) is not None:
        world.create_policy_version(target, document)
    else:
        world.create_policy(parts[1], parts[4], document, path=parts[3])


_Change = Callable[[Any, Mapping[str, Any]], object]
_PUT_POLICY: Final[dict[str, _Change]] = {
    "trust": lambda w, s: w.update_assume_role_policy(s.get("target"), _required(s, "document")),
    "inline": lambda w, s: w.put_inline_policy(s.get("target"), s.get("name"), _required(s, "document")),
    "managed": _put_managed,
    "attach": lambda w, s: w.attach_policy(s.get("target"), _required(s, "policy_arn")),
    "detach": lambda w, s: w.detach_policy(s.get("target"), _required(s, "policy_arn")),
    "boundary": lambda w, s: w.put_permissions_boundary(s.get("target"), _required(s, "policy_arn")),
    "resource": lambda w, s: w.put_resource_policy(s.get("target"), _required(s, "document")),
    "scp": lambda w, s: w.put_control_policy("scp", s.get("name"), s.get("targets"), _required(s, "document")),
    "rcp": lambda w, s: w.put_control_policy("rcp", s.get("name"), s.get("targets"), _required(s, "document")),
}
_DELETE_POLICY: Final[dict[str, _Change]] = {
    "inline": lambda w, s: w.delete_inline_policy(s.get("target"), s.get("name")),
    "managed": lambda w, s: w.delete_managed_policy(s.get("target")),
    "detach": lambda w, s: w.detach_policy(s.get("target"), _required(s, "policy_arn")),
    "boundary": lambda w, s: w.delete_permissions_boundary(s.get("target")),
    "resource": lambda w, s: w.delete_resource_policy(s.get("target")),
    "scp": lambda w, s: w.delete_control_policy("scp", s.get("name")),
    "rcp": lambda w, s: w.delete_control_policy("rcp", s.get("name")),
}


def _event_matches(event: Mapping[str, Any], step: Mapping[str, Any]) -> bool:
    account, name = step.get("account"), step.get("event_name")
    return (account is None or event.get("recipientAccountId") == account) and (
        name is None or event.get("eventName") == name
    )


def decision_result(decision: Any) -> dict[str, Any]:
    """The world-format.md result of a ``request`` step for a ``Decision``."""
    return {
        "ok": True,
        "decision": decision.outcome,
        "matched_statements": [
            {"source": m.source, "policy": m.policy, "sid": m.sid, "effect": m.effect} for m in decision.matched
        ],
        "missing_context_values": sorted(decision.missing_context),
        "reason": decision.reason,
    }


# ---- expect -----------------------------------------------------------------------------------------------------


def match_expected(expected: object, actual: object, path: str = "$") -> list[str]:
    """How ``actual`` misses ``expected``, as readable lines; ``[]`` when it matches.

    Objects match when every key of ``expected`` is in ``actual`` with a matching value (extra keys in
    ``actual`` are fine); lists match element for element and must have the same length; scalars must be
    equal and of the same JSON type (``true`` is not ``1``; ``1`` equals ``1.0``).
    """
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{path}: expected an object, got {_show(actual)}"]
        failures: list[str] = []
        for key, value in expected.items():
            if key not in actual:
                failures.append(f"{path}.{key}: missing (expected {_show(value)})")
            else:
                failures.extend(match_expected(value, actual[key], f"{path}.{key}"))
        return failures
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list, got {_show(actual)}"]
        if len(expected) != len(actual):
            return [f"{path}: expected {len(expected)} item(s), got {len(actual)}: {_show(actual)}"]
        return [
            line
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for line in match_expected(e, a, f"{path}[{i}]")
        ]
    return [] if _same_scalar(expected, actual) else [f"{path}: expected {_show(expected)}, got {_show(actual)}"]


def _same_scalar(expected: object, actual: object) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return expected == actual and not (isinstance(expected, float) and math.isnan(expected))
    return type(expected) is type(actual) and expected == actual


def _show(value: object) -> str:
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return text if len(text) <= 300 else text[:297] + "..."
