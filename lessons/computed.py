"""Answers the engine computes: an item's ``computed`` block runs a scenario and reads one value from a step.

A question, prediction or myth whose answer is an IAM/STS fact says how to compute it instead of trusting the
author's key (the schema is in ``lessons/content/README.md``, "How an item's answer is computed")::

    computed:
      scenario: s04-session-expiry.json   # a file in scenarios/ (or `world:` and `steps:` inline)
      step: late-read                     # the step's `id` or `title`; default the last; a list joins values
      take: outcome                       # what to read: outcome, session_length, arn… (TAKES)
      answers: {ExpiredToken: expired}    # the engine's value -> the right option (or true/false for a myth)

The loader runs the scenario once per load (every ``expect`` in it must hold), reads the value, and turns it
into the right option, number or truth. Where the file still states an answer, the two must agree: a
disagreement is a ``ContentError`` at the item's line, and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import engine
from .content import ContentError
from .yamlfile import Located, line_of

TAKES = ("outcome", "session_length", "time_left", "account", "arn", "key_prefix", "recorded_in")
SECONDS_PER = {"second": 1, "seconds": 1, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600}
MAX_STEPS = 12  # a list of steps joins their values; longer lists are refused, not run
_BLOCK_KEYS = {"scenario", "world", "steps", "step", "take", "answers", "options", "correct_when"}


@dataclass
class Runs:
    """The scenario runs of one load, by file name, so that a file many items use runs once."""

    scenarios: dict
    done: dict = field(default_factory=dict)

    def run(self, path: Path, item: Located, block: dict, default: str) -> tuple[str, dict]:
        """``(label, traced run)`` for the block's scenario; a scenario that misses its own ``expect`` stops."""
        if "world" in block:
            if not isinstance(block["world"], dict) or not isinstance(block.get("steps"), list):
                raise ContentError(path, line_of(item), "an inline computed scenario needs a 'world' and 'steps'")
            label, data = "the inline scenario", {"name": "inline", "world": block["world"], "steps": block["steps"]}
            return label, _checked(path, item, label, engine.run_traced(data))
        name = block.get("scenario") or default
        if not isinstance(name, str):
            raise ContentError(path, line_of(item), "'scenario' is the name of a file in scenarios/")
        if not name:
            raise ContentError(path, line_of(item), "'computed' needs a 'scenario' (a file in scenarios/) or a 'world'")
        if name not in self.scenarios:
            raise ContentError(path, line_of(item), f"the scenario {name!r} is not in lessons/content/scenarios/")
        if name not in self.done:
            self.done[name] = engine.run_traced(self.scenarios[name])
        return name, _checked(path, item, name, self.done[name])


def _checked(path: Path, item: Located, label: str, run: dict) -> dict:
    if run["load_error"]:
        error = run["load_error"]
        raise ContentError(path, line_of(item), f"{label} does not load: {error.get('code')}: {error.get('message')}")
    for step in run["steps"]:
        if step["failures"]:
            message = f"{label}, step '{step['title']}', no longer does what it expects: {step['failures'][0]}"
            raise ContentError(path, line_of(item), message)
    return run


def block_of(path: Path, item: Located) -> dict | None:
    """The item's ``computed`` mapping, checked for shape, or None."""
    block = item.get("computed")
    if block is None:
        return None
    if not isinstance(block, dict):
        raise ContentError(path, line_of(item), "'computed' must be a mapping: scenario, step, take, answers")
    unknown = sorted(set(block) - _BLOCK_KEYS)
    if unknown:
        raise ContentError(path, line_of(block, line_of(item)), f"'computed' has no field {_short(unknown[0])}")
    take = block.get("take", "outcome")
    if take not in TAKES:
        raise ContentError(
            path, line_of(block, line_of(item)), f"'take' is one of {', '.join(TAKES)}, not {_short(take)}"
        )
    return block


def value(path: Path, item: Located, block: dict, runs: Runs, *, default_scenario: str = "", step=None, take=None):
    """``(value, where)``: what the engine answers for ``block`` and a few words saying where it came from.

    ``step`` and ``take`` override the block's (a multiple-select question asks one step per option).
    """
    label, run = runs.run(path, item, block, default_scenario)
    refs = block.get("step") if step is None else step
    take = take or block.get("take", "outcome")
    if take not in TAKES:
        raise ContentError(path, line_of(item), f"'take' is one of {', '.join(TAKES)}, not {_short(take)}")
    if isinstance(refs, list):
        if not refs or len(refs) > MAX_STEPS:
            message = f"'step' is a step id or title, or a list of 1 to {MAX_STEPS} of them"
            raise ContentError(path, line_of(item), message)
        values = [_take(path, item, take, _find(path, item, run, ref, label), run) for ref in refs]
        return ", ".join(str(v) for v in values), _short(f"{label}, steps {', '.join(map(str, refs))}", quote=False)
    found = _find(path, item, run, refs, label)
    return _take(path, item, take, found, run), _short(f"{label}, step '{found['title']}'", quote=False)


def _find(path: Path, item: Located, run: dict, ref: object, label: str) -> dict:
    if not run["steps"]:
        raise ContentError(path, line_of(item), f"{label} has no steps to compute from")
    if ref is None:
        return run["steps"][-1]
    for step in run["steps"]:
        if ref in (step["step"].get("id"), step["step"].get("title"), step["title"]):
            return step
    raise ContentError(path, line_of(item), f"{label} has no step with the id or title {_short(ref)}")


def _take(path: Path, item: Located, take: str, step: dict, run: dict):
    result, op = step["result"], step["step"]["op"]
    if take == "outcome":
        if not result.get("ok", True):
            return (result.get("error") or {}).get("code", "Error")
        return result.get("decision", "ok") if op == "request" else "ok"
    if take in ("session_length", "time_left"):
        expiration = (result.get("credentials") or {}).get("Expiration")
        if not expiration:
            raise ContentError(path, line_of(item), f"step '{step['title']}' issued no credentials ({_said(result)})")
        until = datetime.fromisoformat(expiration.replace("Z", "+00:00"))
        since = step["clock"] if take == "session_length" else run["clock"]
        return int((until - since).total_seconds())
    if take == "account":
        arn = (result.get("assumed_role_user") or {}).get("Arn") or result.get("Arn")
        account = result.get("Account") or (arn.split(":")[4] if arn else None)
        if not account:
            raise ContentError(path, line_of(item), f"step '{step['title']}' names no account ({_said(result)})")
        return account
    if take == "key_prefix":
        key = (result.get("credentials") or {}).get("AccessKeyId")
        if not key:
            raise ContentError(path, line_of(item), f"step '{step['title']}' issued no credentials ({_said(result)})")
        return key[:4]
    if take == "arn":
        arn = (result.get("assumed_role_user") or {}).get("Arn") or result.get("Arn")
        if not arn:
            raise ContentError(path, line_of(item), f"step '{step['title']}' names no ARN ({_said(result)})")
        return arn
    events = result.get("events")
    if not isinstance(events, list) or not events:
        raise ContentError(path, line_of(item), f"step '{step['title']}' is no audit_events step with events")
    return ", ".join(sorted({str(event.get("recipientAccountId")) for event in events}))


def _said(result: dict) -> str:
    return engine.describe(result)


def option(path: Path, item: Located, block: dict, found, where: str, keys: set[str]) -> str:
    """The option ``answers`` maps the engine's value to; a value it does not map stops the load."""
    answers = block.get("answers")
    if not isinstance(answers, dict) or not answers:
        raise ContentError(path, line_of(item), "'computed' needs 'answers': the engine's value -> the right option")
    mapped = {str(k): _key(v) for k, v in answers.items()}
    unknown = sorted(set(mapped.values()) - keys)
    if unknown:
        raise ContentError(path, line_of(item), f"'answers' names no option: {unknown[0]}")
    if str(found) not in mapped:
        raise ContentError(
            path,
            line_of(item),
            f"the engine answers {_short(found)} ({where}), which 'answers' does not map to an option "
            f"(it maps {_short(', '.join(sorted(mapped)))}): fix the item or report an engine bug",
        )
    return mapped[str(found)]


def _short(value: object, limit: int = 200, *, quote: bool = True) -> str:
    """``repr(value)`` (or ``str`` without ``quote``), cut to ``limit`` characters: a hostile file cannot flood
    the message."""
    text = repr(value) if quote else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _key(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def in_unit(path: Path, item: Located, seconds: object, unit: str) -> int | float:
    """A number of seconds in the question's unit (seconds, minutes or hours)."""
    if not isinstance(seconds, int):
        raise ContentError(path, line_of(item), f"the engine's value {seconds!r} is not a length of time")
    per = SECONDS_PER.get(unit.strip().lower())
    if per is None:
        raise ContentError(path, line_of(item), f"a computed number is in seconds, minutes or hours, not {unit!r}")
    return seconds // per if seconds % per == 0 else seconds / per


def disagree(path: Path, item: Located, found, where: str, computed: object, stated: object) -> ContentError:
    """The error for an answer the engine computes differently from what the file states."""
    return ContentError(
        path,
        line_of(item),
        f"the engine answers {_short(found)} ({where}), which makes {_short(computed)} right, but the file says "
        f"{_short(stated)}: fix the item or report an engine bug",
    )
