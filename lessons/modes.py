"""What each learning mode's page shows: the context builders behind the thin views in ``views.py``.

Each function takes the learner (possibly ``None``: nothing recorded yet) and returns plain context. What a
learner has not committed to yet is never put in the context: a step's body, reveal and right answer
appear only once its prediction is committed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from iamtutor.labs.tryits import StepLab, step_labs

from . import engine, questions, review
from .models import (
    Commitment,
    Confidence,
    Diagram,
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


# ---- worked example, then faded --------------------------------------------------------------------------------

FADED_ELEMENT = {"trust": "Principal", "session": "Action"}  # the part a learner fills in, by policy kind


@dataclass(frozen=True)
class Faded:
    """A policy example with one element blanked: the text before and after the blank, and what was removed."""

    example: PolicyExample
    element: str
    before: str
    after: str
    expected: object


def faded(example: PolicyExample) -> Faded:
    """Blanks the value of the first statement's ``Principal`` (trust) or ``Action`` (others)."""
    document = json.loads(example.document)
    statement = document["Statement"][0] if isinstance(document["Statement"], list) else document["Statement"]
    element = FADED_ELEMENT.get(example.kind, "Action")
    if element not in statement:
        element = next(key for key in ("Action", "Principal", "Resource", "Effect") if key in statement)
    expected = statement[element]
    statement[element] = "__BLANK__"
    text = json.dumps(document, indent=2)
    before, after = text.split('"__BLANK__"')
    return Faded(example, element, before, after, expected)


def check_faded(item: Faded, answer: str) -> tuple[bool, list[str]]:
    """Whether the learner's value for the blank makes the same policy, and the problems found on the way.

    With the engine, the filled-in policy is validated as IAM would (its messages are shown); the value is
    then compared with the original as parsed JSON, a single string counting the same as a one-item list.
    """
    try:
        value = json.loads(answer)
    except json.JSONDecodeError as exc:
        return False, [f"Not valid JSON: {exc.msg} (column {exc.colno})."]
    filled = item.before + json.dumps(value) + item.after
    problems = engine.policy_problems(filled, item.example.kind)
    messages = [problem["message"] for problem in problems]
    return not problems and _normal(value) == _normal(item.expected), messages


def _normal(value: object) -> object:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(sorted(_normal(item)[0] if isinstance(item, str) else json.dumps(item) for item in value))
    if isinstance(value, dict):
        return tuple(sorted((key, _normal(item)) for key, item in value.items()))
    return value


def worked_context(learner: Learner | None, lesson: Lesson) -> dict:
    example = PolicyExample.objects.filter(lesson=lesson).order_by("order").first()
    if example is None:
        raise Http404("This step has no example.")
    attempts = list(WorkedAttempt.objects.filter(learner=learner, example=example)) if learner else []
    return {
        "lesson": lesson,
        "example": example,
        "faded": faded(example),
        "steps": step_numbers(),
        "last": attempts[-1] if attempts else None,
        "solved": any(a.correct for a in attempts),
    }


# ---- review, visual, try it -------------------------------------------------------------------------------------


def review_context(learner: Learner | None) -> dict:
    items = review.queue(learner, language(), timezone.now())
    return {
        "items": items,
        "confidences": Confidence.choices,
        "studied": learner is not None and StepRead.objects.filter(learner=learner).exists(),
    }


def diagrams() -> list[Diagram]:
    return list(Diagram.objects.filter(language=language()))


def try_its(request) -> list[StepLab]:
    """The "Try it" mode: each build-up step's lab (``Lab.try_it``), with the learner's status, by step."""
    return list(step_labs(request).values())
