"""What each learning mode's page shows: the context builders behind the thin views in ``views.py``.

Each function takes the learner (possibly ``None``: nothing recorded yet) and returns plain context. What a
learner has not committed to yet is never put in the context: a step's body, reveal and right answer
appear only once its prediction is committed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from iamtutor.labs.tryits import StepLab, step_labs

from . import engine, questions, review
from .models import (
    Commitment,
    Confidence,
    Learner,
    Lesson,
    Myth,
    MythAnswer,
    PolicyExample,
    Prediction,
    Question,
    QuizAttempt,
    StepRead,
    StepTestedOut,
    WorkedAttempt,
)


def language() -> str:
    return (get_language() or "en").split("-")[0]


def step_lesson(step: int) -> Lesson:
    lesson = Lesson.objects.filter(language=language(), step=step).first()
    if lesson is None:
        raise Http404("No such step.")
    return lesson


def step_numbers() -> list[int]:
    return list(Lesson.objects.filter(language=language(), step__isnull=False).values_list("step", flat=True))


# ---- step by step -----------------------------------------------------------------------------------------------


def step_context(learner: Learner | None, lesson: Lesson) -> dict:
    """The step page: the prediction form until committed, then the reveal (with the engine's run) and the step."""
    prediction = Prediction.objects.filter(language=lesson.language, key=lesson.prediction_key).first()
    commitment = _commitment(learner, prediction)
    steps = step_numbers()
    context = {
        "lesson": lesson,
        "prediction": prediction,
        "commitment": commitment,
        "steps": steps,
        "confidences": Confidence.choices,
        "revealed": prediction is None or commitment is not None,
        "read": learner is not None and StepRead.objects.filter(learner=learner, lesson=lesson).exists(),
        "next_step": next((n for n in steps if n > lesson.step), None),
        "previous_step": next((n for n in reversed(steps) if n < lesson.step), None),
    }
    if commitment is not None:
        context["chosen"] = next((o for o in prediction.options if o["key"] == commitment.choice), None)
        context["right"] = [o for o in prediction.options if o.get("correct")]
        context["run"] = engine.run_scenario(prediction.scenario) if prediction.scenario else None
    return context


def _commitment(learner: Learner | None, prediction: Prediction | None) -> Commitment | None:
    if learner is None or prediction is None:
        return None
    return Commitment.objects.filter(learner=learner, prediction=prediction).first()


# ---- myths ------------------------------------------------------------------------------------------------------


def myths_context(learner: Learner | None) -> dict:
    myths = list(Myth.objects.filter(language=language()))
    answers = _latest(MythAnswer.objects.filter(learner=learner) if learner else MythAnswer.objects.none(), "myth_id")
    rows = [{"myth": myth, "answer": answers.get(myth.pk)} for myth in myths]
    return {
        "rows": rows,
        "score": sum(1 for a in answers.values() if a.correct),
        "answered": len(answers),
        "total": len(myths),
    }


def myth_row(learner: Learner | None, myth: Myth) -> dict:
    context = myths_context(learner)
    context["row"] = next(row for row in context["rows"] if row["myth"].pk == myth.pk)
    return context


def _latest(queryset, field: str) -> dict:
    latest: dict = {}
    for record in queryset.order_by("at", "pk"):
        latest[getattr(record, field)] = record
    return latest


# ---- quiz -------------------------------------------------------------------------------------------------------


@dataclass
class QuizBlock:
    """One question as shown in one attempt: options in this attempt's order, and the last answer's grading."""

    question: Question
    options: list
    attempts: int
    last: questions.Graded | None
    error: str = ""


def quiz_block(learner: Learner | None, question: Question, *, error: str = "") -> QuizBlock:
    options = list(question.options.all())
    attempts = list(QuizAttempt.objects.filter(learner=learner, question=question)) if learner else []
    last = questions.grade(question, options, attempts[-1].answer) if attempts else None
    seed = f"{learner.pk if learner else 'anonymous'}:{question.key}:{len(attempts)}"
    return QuizBlock(question, questions.shuffled(question, options, seed), len(attempts), last, error)


def quiz_context(learner: Learner | None, lesson: Lesson, errors: dict | None = None) -> dict:
    bank = list(Question.objects.filter(language=lesson.language, lesson=lesson).prefetch_related("options"))
    attempts: dict[int, list] = {}
    for attempt in QuizAttempt.objects.filter(learner=learner, question__in=bank) if learner else ():
        attempts.setdefault(attempt.question_id, []).append(attempt)
    blocks = []
    for question in bank:
        options, mine = list(question.options.all()), attempts.get(question.pk, [])
        last = questions.grade(question, options, mine[-1].answer) if mine else None
        seed = f"{learner.pk if learner else 'anonymous'}:{question.key}:{len(mine)}"
        shown = questions.shuffled(question, options, seed)
        blocks.append(QuizBlock(question, shown, len(mine), last, (errors or {}).get(question.pk, "")))
    right = sum(1 for block in blocks if block.last and block.last.correct)
    return {"lesson": lesson, "blocks": blocks, "right": right, "total": len(blocks)}


def quiz_lessons() -> list[tuple[Lesson, int]]:
    counts: dict[int, int] = {}
    for lesson_id in Question.objects.filter(language=language()).values_list("lesson_id", flat=True):
        counts[lesson_id] = counts.get(lesson_id, 0) + 1
    return [(lesson, counts[lesson.pk]) for lesson in Lesson.objects.filter(language=language()) if lesson.pk in counts]


# ---- test out ---------------------------------------------------------------------------------------------------


def grade_test_out(learner_questions: list[Question], data) -> tuple[bool, list]:
    """Grades every question of a step at once; passes only when every answer is right."""
    results = []
    for question in learner_questions:
        options = list(question.options.all())
        answer, error = questions.read_answer(question, options, _prefixed(data, f"{question.key}-"))
        results.append((question, questions.grade(question, options, answer) if answer else None, error))
    return all(graded and graded.correct for _q, graded, _e in results), results


class _Prefixed(dict):
    def getlist(self, name):
        return self.get(name, [])


def _prefixed(data, prefix: str) -> _Prefixed:
    return _Prefixed({key[len(prefix) :]: data.getlist(key) for key in data if key.startswith(prefix)})


def has_tested_out(learner: Learner | None, lesson: Lesson) -> bool:
    return learner is not None and StepTestedOut.objects.filter(learner=learner, lesson=lesson).exists()


# ---- worked example, then faded in stages --------------------------------------------------------------------

# The order in which a policy's elements are blanked, one more per stage: who first, then under what
# condition, then what. Only elements present in the example's first statement take part.
FADE_ORDER = {
    "trust": ("Principal", "Condition", "Action"),
    "resource": ("Principal", "Condition", "Action", "Resource"),
}
FADE_ORDER_OTHERS = ("Action", "Resource", "Condition")
MAX_BLANK = 2000  # characters one blank may hold
MAX_DEPTH = 20  # nesting a blank's JSON may have (a real Condition needs 3)
_BLANK = re.compile(r'"__BLANK_([A-Za-z]+)__"')


@dataclass(frozen=True)
class Fading:
    """A policy example faded in stages: stage 0 shows it whole, stage N blanks its first N ``elements``."""

    example: PolicyExample
    elements: tuple[str, ...]
    expected: dict

    @property
    def stages(self) -> int:
        return len(self.elements)

    def blanks(self, stage: int) -> tuple[str, ...]:
        return self.elements[: max(0, stage)]

    def parts(self, stage: int) -> list[tuple[str, str]]:
        """The policy text of ``stage`` as ("text", …) and ("blank", element) pieces: the blanked values are
        not in it, so a page built from it cannot give them away."""
        text = self._text({element: f"__BLANK_{element}__" for element in self.blanks(stage)})
        pieces, last = [], 0
        for match in _BLANK.finditer(text):
            pieces += [("text", text[last : match.start()]), ("blank", match[1])]
            last = match.end()
        return [*pieces, ("text", text[last:])]

    def filled(self, values: dict) -> str:
        """The policy text with ``values`` (element → parsed JSON) in place of the originals."""
        return self._text(values)

    @property
    def whole(self) -> str:
        return self._text({})

    def _text(self, values: dict) -> str:
        document = json.loads(self.example.document)
        statement = _first_statement(document)
        for element, value in values.items():
            statement[element] = value
        return json.dumps(document, indent=2)


def _first_statement(document: dict) -> dict:
    statements = document["Statement"]
    return statements[0] if isinstance(statements, list) else statements


def fading(example: PolicyExample) -> Fading:
    statement = _first_statement(json.loads(example.document))
    order = FADE_ORDER.get(example.kind, FADE_ORDER_OTHERS)
    elements = tuple(element for element in order if element in statement)
    return Fading(example, elements, {element: statement[element] for element in elements})


def step_fading(lesson: Lesson) -> Fading:
    """The step's example with the most elements to fade (the first such in the page on a tie)."""
    examples = [fading(example) for example in PolicyExample.objects.filter(lesson=lesson).order_by("order")]
    if not examples:
        raise Http404("This step has no example.")
    return max(examples, key=lambda item: item.stages)


@dataclass
class StageCheck:
    """The verdict on one stage: right or not, what was typed, and what is wrong, element by element."""

    correct: bool
    answers: dict[str, str]
    problems: list[str]
    wrong: list[str]
    unreadable: bool = False


def check_stage(item: Fading, stage: int, answers: dict[str, str]) -> StageCheck:
    """Whether the learner's values for the stage's blanks make the example's policy again.

    Each blank must be JSON (a string in double quotes, a list or an object); with every blank read, the
    filled-in policy is validated as IAM would (its messages are shown), then each value is compared with
    the example's as parsed JSON: a single string counts the same as a one-item list, the order of a list
    does not matter, and action and condition-key names are compared ignoring case, as IAM does.
    """
    problems, values, wrong = [], {}, []
    for element in item.blanks(stage):
        value, problem = _read_blank(answers.get(element, ""))
        if problem:
            problems.append(_("%(element)s: %(problem)s") % {"element": element, "problem": problem})
        else:
            values[element] = value
    if problems:
        return StageCheck(False, answers, problems, [], unreadable=True)
    problems = [problem["message"] for problem in engine.policy_problems(item.filled(values), item.example.kind)]
    wrong = [
        element
        for element in item.blanks(stage)
        if _same_as_iam(element, values[element]) != _same_as_iam(element, item.expected[element])
    ]
    return StageCheck(not problems and not wrong, answers, problems, wrong)


def _read_blank(text: str) -> tuple[object, str]:
    if not text.strip():
        return None, _("this blank is empty.")
    if len(text) > MAX_BLANK:
        return None, _("too long: a blank holds at most %(n)s characters.") % {"n": f"{MAX_BLANK:,}"}
    if _depth(text) > MAX_DEPTH:
        return None, _("nested too deeply (at most %(n)s levels).") % {"n": MAX_DEPTH}
    try:
        return json.loads(text), ""
    except json.JSONDecodeError as exc:
        return None, _("not valid JSON: %(msg)s (line %(line)s, column %(col)s).") % {
            "msg": exc.msg,
            "line": exc.lineno,
            "col": exc.colno,
        }


def _depth(text: str) -> int:
    """The deepest nesting of brackets and braces in ``text`` (strings not excluded: an upper bound)."""
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _normal(value: object) -> object:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(sorted(_normal(item)[0] if isinstance(item, str) else json.dumps(item) for item in value))
    if isinstance(value, dict):
        return tuple(sorted((key, _normal(item)) for key, item in value.items()))
    return value


def _same_as_iam(element: str, value: object) -> object:
    """``value`` as IAM compares it: action names ignore case (IAM UG, "IAM JSON policy elements: Action"),
    and so do condition-key names (IAM UG, "IAM JSON policy elements: Condition"); the rest is exact."""
    if element in {"Action", "NotAction"}:
        value = value.casefold() if isinstance(value, str) else value
        if isinstance(value, list):
            value = [item.casefold() if isinstance(item, str) else item for item in value]
    elif element == "Condition" and isinstance(value, dict):
        value = {
            operator: {key.casefold(): item for key, item in keys.items()} if isinstance(keys, dict) else keys
            for operator, keys in value.items()
        }
    return _normal(value)


def fading_stage(learner: Learner | None, example: PolicyExample, stages: int) -> tuple[int, bool]:
    """The learner's current stage (``stages + 1`` once finished) and whether they have tried it yet.

    A stage is done once answered right or its answer was shown; stages are done in order (the views refuse
    a POST for any other stage), so the current one is the first not done.
    """
    if learner is None:
        return 0, False
    mine = WorkedAttempt.objects.filter(learner=learner, example=example)
    done = set(mine.filter(Q(correct=True) | Q(revealed=True)).values_list("stage", flat=True).distinct())
    current = next(stage for stage in range(stages + 2) if stage not in done)
    return current, mine.filter(stage=current).exists()


def record_stage(learner: Learner, item: Fading, stage: int, *, answer: str = "", correct=False, revealed=False):
    return WorkedAttempt.objects.create(
        learner=learner,
        example=item.example,
        stage=stage,
        answer=answer[:MAX_BLANK],
        correct=correct,
        revealed=revealed,
        final=stage == item.stages,
    )


def worked_context(learner: Learner | None, lesson: Lesson) -> dict:
    item = step_fading(lesson)
    stage, tried = fading_stage(learner, item.example, item.stages)
    finished = stage > item.stages
    return {
        "lesson": lesson,
        "fading": item,
        "stage": stage,
        "tried": tried,
        "finished": finished,
        "parts": item.parts(stage) if 0 < stage <= item.stages else [],
        "blanks": item.blanks(stage),
        "fields": [(element, "") for element in item.blanks(stage)],
        "order": _(", then ").join(f"the {element}" for element in item.elements),
        "whole": item.whole if stage == 0 or finished else "",
        "steps": step_numbers(),
    }


# ---- review, visual, try it -------------------------------------------------------------------------------------


def review_context(learner: Learner | None, **extra) -> dict:
    """The review page: today's queue, the forecast, and (``extra``) a revealed card or a refusal."""
    now = timezone.now()
    overview = review.overview(learner, language(), now)
    context = {"review": overview, "wait": overview.wait(now), "confidences": Confidence.choices} | extra
    if extra.get("reveal"):
        context["reveal_listed"] = any(entry.item == extra["reveal"]["item"] for entry in overview.items)
    if extra.get("invalid"):  # an answer to an item not on today's list is told about at the top of the page
        context["invalid_listed"] = any(entry.item == extra["invalid"] for entry in overview.items)
    return context


def try_its(request) -> list[StepLab]:
    """The "Try it" mode: each build-up step's lab (``Lab.try_it``), with the learner's status, by step."""
    return list(step_labs(request).values())
