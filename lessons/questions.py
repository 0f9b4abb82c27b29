"""Quiz questions: reading them from ``questions.yaml``, shuffling their options per attempt, reading an answer
from a form, and grading it. Pure functions over plain data and ``Question``/``Option`` rows.

Types: ``single``, ``multiple``, ``truefalse`` and ``policy_reading`` pick options; ``ordering`` puts items in
order (one position select per item, so it works by keyboard without JavaScript); ``spot_line`` picks the
faulty line of a policy; ``numeric`` takes a number within a tolerance. The right answer of a
``policy_reading`` question is computed by the engine from its embedded world (``engine.py``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

from . import engine
from .content import ContentError
from .yamlfile import Located, line_of, read_options, text

CHOICE_TYPES = {"single", "multiple", "truefalse", "policy_reading"}
FIXED_ORDER_TYPES = {"truefalse", "policy_reading"}  # True/False and Yes/No stay in their natural order
TYPES = CHOICE_TYPES | {"ordering", "spot_line", "numeric"}


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
    if kind in CHOICE_TYPES:
        row["option_rows"] = read_options(path, item, answer=item.get("answer") if kind != "policy_reading" else None)
    if kind == "policy_reading":
        row["data"] = _policy_reading(path, item, row["option_rows"])
    elif kind in CHOICE_TYPES and not any(option["correct"] for option in row["option_rows"]):
        raise ContentError(path, line_of(item), "no option is marked 'correct: true'")
    if kind == "multiple" and all(option["correct"] for option in row["option_rows"]):
        raise ContentError(path, line_of(item), "a multiple-select question needs at least one wrong option")
    if kind == "ordering":
        row["option_rows"] = _ordering_items(path, item)
    if kind == "spot_line":
        row["data"] = _spot_line(path, item)
    if kind == "numeric":
        row["data"] = _numeric(path, item)
    return row


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
    if not isinstance(line, int) or isinstance(line, bool) or not 1 <= line <= len(lines):
        raise ContentError(path, line_of(item), f"'faulty_line' must be a line number from 1 to {len(lines)}")
    return {"lines": lines, "faulty_line": line, "kind": item.get("kind", "identity")}


def _numeric(path: Path, item: Located) -> dict:
    answer, tolerance = item.get("answer"), item.get("tolerance", 0)
    for name, value in (("answer", answer), ("tolerance", tolerance)):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ContentError(path, line_of(item), f"the field {name!r} of a numeric question must be a number")
    return {"answer": answer, "tolerance": tolerance, "unit": str(item.get("unit", ""))}


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
