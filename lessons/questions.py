"""Quiz questions: reading them from ``questions.yaml``, shuffling their options per attempt, reading an answer
from a form, and grading it. Pure functions over plain data and ``Question``/``Option`` rows.

Types: ``single``, ``multiple``, ``truefalse`` and ``policy_reading`` pick options; ``ordering`` puts items in
order (one position select per item, so it works by keyboard without JavaScript); ``spot_line`` picks the
faulty line of a policy; ``numeric`` takes a number within a tolerance. The right answer of a
``policy_reading`` question is computed by the engine from its embedded world (``engine.py``), the faulty line
of a ``spot_line`` question is the line the engine flags, and a ``single``, ``truefalse``, ``multiple`` or
``numeric`` question with a ``computed`` block takes its answer from a scenario's outcome (``computed.py``).
A row the engine answered carries ``computed_by`` (where the answer came from), which the loader counts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

from . import computed, engine
from .content import ContentError
from .yamlfile import Located, line_of, read_options, text

CHOICE_TYPES = {"single", "multiple", "truefalse", "policy_reading"}
FIXED_ORDER_TYPES = {"truefalse", "policy_reading"}  # True/False and Yes/No stay in their natural order
TYPES = CHOICE_TYPES | {"ordering", "spot_line", "numeric"}
COMPUTABLE_TYPES = {"single", "multiple", "truefalse", "numeric"}  # may carry a `computed` block
SPOT_LINE_KINDS = ("identity", "trust", "resource", "boundary", "scp", "rcp", "session")  # the engine's policy types


# ---- loading ----------------------------------------------------------------------------------------------------


def normalise_question(path: Path, item: Located, where) -> dict:
    """One ``questions.yaml`` item as model fields plus ``option_rows``; raises ``ContentError`` on a problem."""
    kind = text(path, item, "type")
    if kind not in TYPES:
        raise ContentError(path, line_of(item), f"the type {kind!r} is not one of {', '.join(sorted(TYPES))}")
    row = {
        "type": kind,
        "prompt": text(path, item, "prompt"),
        "explanation": text(path, item, "explanation", required=False),
        "data": {},
        "option_rows": [],
    }
    block = computed.block_of(path, item)
    if block is not None and kind not in COMPUTABLE_TYPES:
        raise ContentError(path, line_of(item), f"a {kind} question cannot have a 'computed' answer")
    if kind in CHOICE_TYPES:
        row["option_rows"] = read_options(path, item, answer=item.get("answer") if kind != "policy_reading" else None)
    if kind == "policy_reading":
        row["data"] = _policy_reading(path, item, row["option_rows"])
        row["computed_by"] = "its world and request"
    elif block is not None and kind in CHOICE_TYPES:
        row["computed_by"] = _computed_options(path, item, block, where, row["option_rows"])
    elif kind in CHOICE_TYPES and not any(option["correct"] for option in row["option_rows"]):
        raise ContentError(path, line_of(item), "no option is marked 'correct: true'")
    if kind == "multiple" and all(option["correct"] for option in row["option_rows"]):
        raise ContentError(path, line_of(item), "a multiple-select question needs at least one wrong option")
    if kind == "ordering":
        row["option_rows"] = _ordering_items(path, item)
    if kind == "spot_line":
        row["data"] = _spot_line(path, item)
        row["computed_by"] = "the engine's policy check"
    if kind == "numeric":
        row["data"], where_from = _numeric(path, item, block, where)
        if where_from:
            row["computed_by"] = where_from
    return row


def _computed_options(path: Path, item: Located, block: dict, where, options: list[dict]) -> str:
    """Marks the options the engine makes right; returns where the answer came from.

    ``single``/``truefalse``: ``answers`` maps the engine's value to the one right option. ``multiple``:
    ``options`` maps each option to a step, and an option is right when its step's value is ``correct_when``.
    An option the file still marks ``correct`` (or names in ``answer``) must be one the engine makes right.
    """
    keys = {option["key"] for option in options}
    stated = {option["key"] for option in options if option["correct"]}
    if item["type"] == "multiple":
        right, wheres = _per_option(path, item, block, where, keys)
        found, where_from = sorted(right), "; ".join(wheres)
    else:
        found, where_from = computed.value(path, item, block, where.runs)
        right = {computed.option(path, item, block, found, where_from, keys)}
    if stated and stated != right:
        raise computed.disagree(path, item, found, where_from, sorted(right), sorted(stated))
    for option in options:
        option["correct"] = option["key"] in right
    if item["type"] == "multiple" and right == keys:
        raise ContentError(path, line_of(item), "the engine makes every option right: add a wrong one")
    return where_from


def _per_option(path: Path, item: Located, block: dict, where, keys: set[str]) -> tuple[set[str], list[str]]:
    """Each option's own step: ``option: step`` (the block's ``take`` and ``correct_when``) or ``option: {step,
    take, correct_when}``; the option is right when its step's value is its ``correct_when``."""
    steps = block.get("options")
    if not isinstance(steps, dict) or set(map(str, steps)) != keys:
        raise ContentError(
            path,
            line_of(item),
            "a computed multiple-select question maps every option to a step in 'options' "
            "and says which value makes an option right in 'correct_when'",
        )
    right, wheres, label = set(), [], ""
    for key, spec in steps.items():
        spec = spec if isinstance(spec, dict) else {"step": spec}
        unknown = sorted(set(spec) - {"step", "take", "correct_when"})
        wanted = spec.get("correct_when", block.get("correct_when"))
        if unknown or spec.get("step") is None or wanted is None:
            message = f"the option {key!r} needs a 'step' and a 'correct_when' (here or in 'computed'), nothing else"
            raise ContentError(path, line_of(item), message)
        found, where_from = computed.value(path, item, block, where.runs, step=spec["step"], take=spec.get("take"))
        wheres.append(f"{key}: {found}")
        label = where_from.split(",")[0]
        if str(found) == str(wanted):
            right.add(str(key))
    return right, [f"{label} ({'; '.join(wheres)})"]


def _ordering_items(path: Path, item: Located) -> list[dict]:
    items = item.get("items") or item.get("options")
    if not isinstance(items, list) or len(items) < 2:
        raise ContentError(path, line_of(item), "an ordering question lists at least two 'items' in the right order")
    return [
        {
            "key": text(path, entry, "id"),
            "text": text(path, entry, "text"),
            "correct": True,
            "explanation": text(path, entry, "explanation", required=False),
        }
        for entry in items
    ]


def _spot_line(path: Path, item: Located) -> dict:
    policy = item.get("policy")
    line = item.get("faulty_line", item.get("answer"))
    if not isinstance(policy, str) or not policy.strip():
        raise ContentError(path, line_of(item), "a spot_line question needs the policy text in 'policy'")
    lines = policy.rstrip("\n").split("\n")
    if line is not None and (not isinstance(line, int) or isinstance(line, bool) or not 1 <= line <= len(lines)):
        raise ContentError(path, line_of(item), f"'faulty_line' must be a line number from 1 to {len(lines)}")
    kind = item.get("kind", "identity")
    if kind not in SPOT_LINE_KINDS:
        raise ContentError(
            path, line_of(item), f"'kind' is one of {', '.join(SPOT_LINE_KINDS)}, not {str(kind)[:40]!r}"
        )
    flagged = engine.faulty_lines(policy, kind)
    if len(flagged) != 1:
        found = ", ".join(map(str, flagged)) or "none"
        raise ContentError(path, line_of(item), f"the engine must flag exactly one line of the policy, not {found}")
    if line is not None and line != flagged[0]:
        where_from = f"the engine's check of the {kind} policy"
        raise computed.disagree(path, item, flagged[0], where_from, flagged[0], line)
    return {"lines": lines, "faulty_line": flagged[0], "kind": kind}


def _numeric(path: Path, item: Located, block: dict | None, where) -> tuple[dict, str]:
    """The number, tolerance and unit; with ``computed``, the number is the engine's length of time in ``unit``."""
    answer, tolerance, unit, where_from = item.get("answer"), item.get("tolerance", 0), str(item.get("unit", "")), ""
    if block is not None:
        seconds, where_from = computed.value(path, item, block, where.runs)
        found = computed.in_unit(path, item, seconds, unit)
        if answer is not None and answer != found:
            raise computed.disagree(path, item, seconds, where_from, found, answer)
        answer = found
    for name, value in (("answer", answer), ("tolerance", tolerance)):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ContentError(path, line_of(item), f"the field {name!r} of a numeric question must be a number")
    return {"answer": answer, "tolerance": tolerance, "unit": unit}, where_from


def _policy_reading(path: Path, item: Located, options: list[dict]) -> dict:
    world, request = item.get("world"), item.get("request")
    if not isinstance(world, dict) or not isinstance(request, dict):
        raise ContentError(path, line_of(item), "a policy_reading question needs a 'world' and a 'request'")
    if {option["key"] for option in options} != {"yes", "no"}:
        raise ContentError(path, line_of(item), "a policy_reading question has exactly the options 'yes' and 'no'")
    setup = item.get("setup") or []
    expected = item.get("expected") or {}
    outcome = engine.run_request(world, setup, request)
    answer, detail = ("yes" if engine.result_allows(outcome) else "no"), engine.describe(outcome)
    if expected and engine.result_allows(expected) != engine.result_allows(outcome):
        raise ContentError(
            path,
            line_of(item),
            f"the engine answers {answer!r} ({detail}) but 'expected' says "
            "otherwise: fix the question or report an engine bug",
        )
    for option in options:
        option["correct"] = option["key"] == answer
    return {"world": world, "setup": setup, "request": request, "engine_detail": detail}


# ---- attempting -------------------------------------------------------------------------------------------------


def shuffled(question, options: list, seed: str) -> list:
    """The options in this attempt's order: shuffled with ``seed`` (learner + question + attempt number).

    True/false and yes/no keep their natural order; an ordering question never starts already solved.
    """
    if question.type in FIXED_ORDER_TYPES or question.type in {"spot_line", "numeric"}:
        return list(options)
    result = list(options)
    random.Random(seed).shuffle(result)
    if question.type == "ordering" and [o.key for o in result] == [o.key for o in options]:
        result = result[1:] + result[:1]
    return result


@dataclass
class Graded:
    """The verdict on one answer and the explanations to show beside it."""

    correct: bool
    answer: dict
    feedback: list[tuple[str, str, bool]] = field(default_factory=list)  # (what, explanation, right?)
    error: str = ""


def read_answer(question, options: list, data) -> tuple[dict | None, str]:
    """The answer in a submitted form (a QueryDict or dict of lists).

    Returns ``(answer, "")``, or ``(None, message)`` saying what is missing.
    """
    getlist = data.getlist if hasattr(data, "getlist") else lambda name: data.get(name, [])
    keys = {option.key for option in options}
    if question.type in CHOICE_TYPES:
        chosen = [value for value in getlist("choice") if value in keys]
        if not chosen or (question.type != "multiple" and len(chosen) != 1):
            return None, _("Choose an answer first.") if question.type != "multiple" else _("Choose at least one.")
        return {"choice": sorted(set(chosen))}, ""
    if question.type == "ordering":
        positions = {option.key: (getlist(f"position-{option.key}") or [""])[0] for option in options}
        wanted = {str(n) for n in range(1, len(options) + 1)}
        if set(positions.values()) != wanted:
            return None, _("Give each item a different position from 1 to %(n)s.") % {"n": len(options)}
        return {"order": sorted(positions, key=lambda key: int(positions[key]))}, ""
    if question.type == "spot_line":
        value = (getlist("line") or [""])[0]
        if not value.isdigit() or not 1 <= int(value) <= len(question.data["lines"]):
            return None, _("Choose the line you think is faulty.")
        return {"line": int(value)}, ""
    value = (getlist("number") or [""])[0].strip().replace(",", "")
    try:
        return {"number": str(Decimal(value))}, ""
    except InvalidOperation:
        return None, _("Type a number, such as 60.")


def grade(question, options: list, answer: dict) -> Graded:
    """Grades ``answer`` (from ``read_answer``); per-option explanations for every option the learner touched."""
    if question.type in CHOICE_TYPES:
        chosen = set(answer["choice"])
        right = {option.key for option in options if option.correct}
        feedback = [(o.text, o.explanation, o.correct) for o in options if o.key in chosen or o.correct]
        return Graded(chosen == right, answer, feedback)
    if question.type == "ordering":
        right = [option.key for option in options]
        texts = {option.key: option for option in options}
        feedback = [(texts[key].text, texts[key].explanation, key == right[i]) for i, key in enumerate(answer["order"])]
        return Graded(answer["order"] == right, answer, feedback)
    if question.type == "spot_line":
        faulty = question.data["faulty_line"]
        line_text = question.data["lines"][answer["line"] - 1].strip()
        chosen = _("Line %(n)s: %(text)s") % {"n": answer["line"], "text": line_text}
        return Graded(answer["line"] == faulty, answer, [(chosen, "", answer["line"] == faulty)])
    target, tolerance = Decimal(str(question.data["answer"])), Decimal(str(question.data["tolerance"]))
    return Graded(abs(Decimal(answer["number"]) - target) <= tolerance, answer)
