"""The class's answers to the lessons' predictions, myths and quiz questions, counted per answer and split by
confidence; and their CSV export under pseudonymous ids.

Who counts: the classroom's active students, leaving out staff who enrolled to try things (as every class
figure does); a teaching assistant counts only their sections' students. What counts: a learner's one
commitment to a prediction, and their latest answer to a myth or a quiz question. Right and wrong are read from
the lessons' content (a policy-reading question's right answer was computed by the engine when the lessons were
loaded), so correcting a question corrects the counts too. "Confidently wrong" is wrong and sure.

A student sees an item's distribution only once they answered it themselves, never with names, and only when
at least ``MIN_GROUP`` students answered, so that nobody can work out a classmate's answer. Every figure costs
a fixed number of queries whatever the size of the class: the counting is done by the database.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from decimal import InvalidOperation

from django.db.models import Count, Max, QuerySet
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lessons import questions
from lessons.models import Commitment, Confidence, Learner, Lesson, Myth, MythAnswer, Prediction, Question, QuizAttempt

from . import permissions, stats
from .models import Enrollment, Section, VoteAnswer
from .roster import safe_cell

PREDICTION, MYTH, QUESTION = "prediction", "myth", "question"
KINDS = {PREDICTION: gettext_lazy("Predictions"), MYTH: gettext_lazy("Myths"), QUESTION: gettext_lazy("Quiz")}
ONE_CHOICE = {"single", "truefalse", "policy_reading"}  # question types a class vote can ask
CONFIDENCES = list(Confidence)  # sure, think so, guessing: the columns of a split by confidence
SURE = Confidence.SURE
MIN_GROUP = 3  # students see a distribution only once this many students answered
MAX_ROWS = 10  # free answers (numbers, orders, lines) beyond this many are counted together as "other answers"
PSEUDONYM_SALT = "iamtutor.classrooms.answers.pseudonym"


# ---- items ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    key: str
    text: str
    correct: bool | None  # None: several answers counted together


@dataclass
class Item:
    """A prediction, a myth or a quiz question as plain data: its prompt and choices with the right ones marked."""

    kind: str
    key: str
    pk: int
    language: str
    prompt: str
    choices: tuple[Choice, ...]
    type: str = ""  # a question's type ("single", "numeric"…); empty for predictions and myths
    explanation: str = ""
    answer_url: str = ""  # where a learner answers it
    place: str = ""  # the lesson it belongs to, in words
    question: Question | None = None
    options: list = field(default_factory=list)  # a question's Option rows, for grading

    @property
    def ident(self) -> str:
        return f"{self.kind}:{self.key}"

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.key}"

    @property
    def votable(self) -> bool:
        return self.kind != QUESTION or self.type in ONE_CHOICE

    @property
    def multiple(self) -> bool:
        return self.type == "multiple"

    def choice(self, key: str) -> Choice | None:
        return next((choice for choice in self.choices if choice.key == key), None)

    @property
    def right(self) -> list[Choice]:
        return [choice for choice in self.choices if choice.correct]


def _prediction_item(prediction: Prediction, steps: dict[str, int]) -> Item:
    step = steps.get(prediction.key)
    return Item(
        PREDICTION,
        prediction.key,
        prediction.pk,
        prediction.language,
        prediction.prompt,
        tuple(Choice(o["key"], o["text"], bool(o.get("correct"))) for o in prediction.options),
        explanation=prediction.reveal,
        answer_url=f"{reverse('lessons:step', args=[step])}#prediction" if step else "",
        place=_("Step %(n)s") % {"n": step} if step else "",
    )


def _myth_item(myth: Myth) -> Item:
    return Item(
        MYTH,
        myth.key,
        myth.pk,
        myth.language,
        myth.claim,
        (
            Choice("true", _("True"), myth.claim_is_true),
            Choice("false", _("A myth"), not myth.claim_is_true),
        ),
        explanation=myth.reality,
        answer_url=f"{reverse('lessons:myths')}#myth-{myth.key}",
        place=myth.misconception,
    )


def _question_item(question: Question) -> Item:
    options = list(question.options.all())
    choices = (
        tuple(Choice(o.key, o.text, o.correct) for o in options) if question.type in questions.CHOICE_TYPES else ()
    )
    lesson = question.lesson
    return Item(
        QUESTION,
        question.key,
        question.pk,
        question.language,
        question.prompt,
        choices,
        type=question.type,
        explanation=question.explanation,
        answer_url=f"{reverse('lessons:quiz', args=[lesson.slug])}#q-{question.key}" if lesson else "",
        place=lesson.title if lesson else "",
        question=question,
        options=options,
    )


def _committed_steps(language: str | None) -> dict[str, int]:
    """Prediction key -> the step whose "commit to your answer" it is (only those are ever committed)."""
    lessons = Lesson.objects.filter(step__isnull=False).exclude(prediction_key="")
    if language is not None:
        lessons = lessons.filter(language=language)
    return dict(lessons.values_list("prediction_key", "step"))


def items(kind: str, language: str, *, lesson: Lesson | None = None, votable: bool = False) -> list[Item]:
    """The items of one kind, in the lessons' order: the predictions learners commit to (``votable``: every
    prediction), every myth, the quiz questions (of ``lesson``; ``votable``: only one-choice questions)."""
    if kind == PREDICTION:
        steps = _committed_steps(language)
        rows = Prediction.objects.filter(language=language)
        if not votable:
            rows = rows.filter(key__in=list(steps))
        return [_prediction_item(prediction, steps) for prediction in rows]
    if kind == MYTH:
        return [_myth_item(myth) for myth in Myth.objects.filter(language=language)]
    rows = _questions().filter(language=language, lesson__isnull=False)
    if lesson is not None:
        rows = rows.filter(lesson=lesson)
    if votable:
        rows = rows.filter(type__in=ONE_CHOICE)
    return [_question_item(question) for question in rows]


def _questions() -> QuerySet[Question]:
    return Question.objects.select_related("lesson").prefetch_related("options").order_by("lesson__order", "order")


def find(kind: str, key: str, language: str) -> Item | None:
    """The item ``kind``/``key`` in ``language``, or ``None``."""
    if kind == PREDICTION:
        prediction = Prediction.objects.filter(language=language, key=key).first()
        return _prediction_item(prediction, _committed_steps(language)) if prediction else None
    if kind == MYTH:
        myth = Myth.objects.filter(language=language, key=key).first()
        return _myth_item(myth) if myth else None
    if kind == QUESTION:
        question = _questions().filter(language=language, key=key, lesson__isnull=False).first()
        return _question_item(question) if question else None
    return None


def quiz_lessons(language: str) -> list[Lesson]:
    """The lessons that have quiz questions, in order."""
    with_questions = Question.objects.filter(language=language, lesson__isnull=False).values("lesson_id")
    return list(Lesson.objects.filter(pk__in=with_questions).only("slug", "title", "order"))


# ---- judging one answer ---------------------------------------------------------------------------------------------


def judge(item: Item, payload) -> tuple[list[Choice], bool]:
    """The rows an answer counts in and whether it is right. ``payload`` is a choice key (predictions, votes), a
    myth answer's ``believed`` or a quiz attempt's answer."""
    if item.kind == QUESTION and isinstance(payload, dict):
        return _judge_quiz(item, payload)
    if isinstance(payload, bool):
        payload = "true" if payload else "false"
    choice = item.choice(str(payload))
    if choice is None:
        return [Choice(str(payload), _("an answer no longer offered"), False)], False
    return [choice], bool(choice.correct)


def _judge_quiz(item: Item, answer: dict) -> tuple[list[Choice], bool]:
    try:
        graded = questions.grade(item.question, item.options, answer)
        if item.type in questions.CHOICE_TYPES:
            return [item.choice(key) or Choice(key, key, False) for key in answer["choice"]], graded.correct
        if item.type == "ordering":
            texts = {option.key: option.text for option in item.options}
            order = answer["order"]
            return [Choice(">".join(order), " → ".join(texts.get(k, k) for k in order), graded.correct)], graded.correct
        if item.type == "spot_line":
            line = answer["line"]
            text = _("Line %(n)s: %(text)s") % {"n": line, "text": item.question.data["lines"][line - 1].strip()}
            return [Choice(f"line-{line}", text, graded.correct)], graded.correct
        unit = item.question.data.get("unit", "")
        return [Choice(answer["number"], f"{answer['number']} {unit}".strip(), graded.correct)], graded.correct
    except (KeyError, IndexError, TypeError, ValueError, InvalidOperation):
        return [Choice("unreadable", _("an answer that no longer fits the question"), False)], False


# ---- distributions --------------------------------------------------------------------------------------------------


@dataclass
class Row:
    """One answer of a distribution: how many chose it, and how sure they were."""

    key: str
    text: str
    correct: bool | None
    count: int = 0
    confidence: dict[str, int] = field(default_factory=dict)
    percent: int = 0
    mine: bool = False

    @property
    def confidence_counts(self) -> list[int]:
        return [self.confidence.get(value, 0) for value in CONFIDENCES]

    @property
    def confidently_wrong(self) -> int:
        return self.confidence.get(SURE, 0) if self.correct is False else 0


@dataclass
class Distribution:
    """How a group answered one item: ``total`` answers (one per student), ``right`` of them right, and
    ``confidently_wrong`` wrong and sure."""

    item: Item
    with_confidence: bool
    rows: list[Row] = field(default_factory=list)
    total: int = 0
    right: int = 0
    confidently_wrong: int = 0

    @property
    def right_percent(self) -> int:
        return round(100 * self.right / self.total) if self.total else 0

    @property
    def enough(self) -> bool:
        return self.total >= MIN_GROUP


def tally(item: Item, groups: Iterable[tuple[object, str, int]], *, with_confidence: bool) -> Distribution:
    """The distribution of ``groups``: (answer, confidence or "", how many answered so)."""
    dist = Distribution(item, with_confidence)
    rows = {choice.key: Row(choice.key, choice.text, choice.correct) for choice in item.choices}
    fixed = len(rows)
    for payload, confidence, n in groups:
        chosen, correct = judge(item, payload)
        dist.total += n
        dist.right += n if correct else 0
        dist.confidently_wrong += n if (confidence == SURE and not correct) else 0
        for choice in chosen:
            row = rows.setdefault(choice.key, Row(choice.key, choice.text, choice.correct))
            row.count += n
            if confidence:
                row.confidence[confidence] = row.confidence.get(confidence, 0) + n
    listed = list(rows.values())
    dist.rows = listed[:fixed] + _free_rows(sorted(listed[fixed:], key=lambda row: -row.count))
    for row in dist.rows:
        row.percent = round(100 * row.count / dist.total) if dist.total else 0
    return dist


def _free_rows(rows: list[Row]) -> list[Row]:
    """Free answers (numbers, orders, lines, answers no longer offered): the most common and the right ones,
    then the rest as one row."""
    if len(rows) <= MAX_ROWS:
        return rows
    kept = rows[: MAX_ROWS - 1] + [row for row in rows[MAX_ROWS - 1 :] if row.correct]
    rest = [row for row in rows[MAX_ROWS - 1 :] if not row.correct]
    other = Row("other", _("%(n)s other answers") % {"n": len(rest)}, None, sum(row.count for row in rest))
    for row in rest:
        for value, n in row.confidence.items():
            other.confidence[value] = other.confidence.get(value, 0) + n
    return [*kept, other] if rest else kept


def class_students(actor: permissions.Actor, section: Section | None = None) -> QuerySet[Enrollment]:
    """The students whose answers count for ``actor``: active, not staff, a TA's sections only; ``section``
    narrows to one section."""
    rows = permissions.visible_enrollments(actor, stats.students(actor.classroom).filter(state=Enrollment.ACTIVE))
    return rows.filter(section=section) if section is not None else rows


def learners_of(students: QuerySet[Enrollment]) -> QuerySet[Learner]:
    return Learner.objects.filter(user_id__in=students.values("user_id"))


def distributions(found: list[Item], learners: QuerySet[Learner]) -> dict[str, Distribution]:
    """Every item's distribution among ``learners``: one query per kind of item, whatever the class size."""
    result: dict[str, Distribution] = {}
    for kind, groups in (
        (PREDICTION, _prediction_groups),
        (MYTH, _myth_groups),
        (QUESTION, _quiz_groups),
    ):
        mine = {item.pk: item for item in found if item.kind == kind}
        if not mine:
            continue
        grouped: dict[int, list] = {pk: [] for pk in mine}
        for pk, payload, confidence, n in groups(list(mine), learners):
            grouped[pk].append((payload, confidence, n))
        for pk, item in mine.items():
            result[item.ident] = tally(item, grouped[pk], with_confidence=kind == PREDICTION)
    return result


def _prediction_groups(pks: list[int], learners) -> Iterator[tuple]:
    rows = Commitment.objects.filter(prediction_id__in=pks, learner__in=learners)
    for row in rows.values("prediction_id", "choice", "confidence").annotate(n=Count("pk")).order_by():
        yield row["prediction_id"], row["choice"], row["confidence"], row["n"]


def _latest(model, item_field: str, pks: list[int], learners) -> QuerySet:
    """Each learner's latest answer to each item (myths and questions keep every attempt)."""
    last = (
        model.objects.filter(**{f"{item_field}__in": pks, "learner__in": learners})
        .values("learner_id", item_field)
        .annotate(last=Max("pk"))
        .values("last")
        .order_by()
    )
    return model.objects.filter(pk__in=last)


def _myth_groups(pks: list[int], learners) -> Iterator[tuple]:
    rows = _latest(MythAnswer, "myth_id", pks, learners)
    for row in rows.values("myth_id", "believed").annotate(n=Count("pk")).order_by():
        yield row["myth_id"], row["believed"], "", row["n"]


def _quiz_groups(pks: list[int], learners) -> Iterator[tuple]:
    rows = _latest(QuizAttempt, "question_id", pks, learners)
    for row in rows.values("question_id", "answer").annotate(n=Count("pk")).order_by():
        yield row["question_id"], row["answer"], "", row["n"]


def own_answers(learner: Learner | None, found: list[Item]) -> dict[str, object]:
    """The items ``learner`` answered, each with their (latest) answer: a few queries whatever they did."""
    if learner is None:
        return {}
    one = Learner.objects.filter(pk=learner.pk)
    answers: dict[str, object] = {}
    for kind, groups in ((PREDICTION, _prediction_groups), (MYTH, _myth_groups), (QUESTION, _quiz_groups)):
        mine = {item.pk: item for item in found if item.kind == kind}
        if mine:
            for pk, payload, _confidence, _n in groups(list(mine), one):
                answers[mine[pk].ident] = payload
    return answers


# ---- the answers page -----------------------------------------------------------------------------------------------

SHOWN, ANSWER_FIRST, TOO_FEW = "shown", "answer_first", "too_few"


@dataclass
class Shown:
    """One item on the answers page: its distribution, or why it is not shown to this student."""

    item: Item
    state: str
    distribution: Distribution | None = None


def for_staff(found: list[Item], students: QuerySet[Enrollment]) -> list[Shown]:
    """Every item with its distribution among ``students``."""
    counted = distributions(found, learners_of(students))
    return [Shown(item, SHOWN, counted[item.ident]) for item in found]


def for_student(found: list[Item], learner: Learner | None, students: QuerySet[Enrollment]) -> list[Shown]:
    """Every item; the distribution only of those the student answered (nothing is counted for the others),
    their own answer marked, and only once ``MIN_GROUP`` students answered."""
    mine = own_answers(learner, found)
    answered = [item for item in found if item.ident in mine]
    counted = distributions(answered, learners_of(students))
    shown = []
    for item in found:
        if item.ident not in mine:
            shown.append(Shown(item, ANSWER_FIRST))
            continue
        dist = counted[item.ident]
        if not dist.enough:
            shown.append(Shown(item, TOO_FEW))
            continue
        keys = {choice.key for choice in judge(item, mine[item.ident])[0]}
        for row in dist.rows:
            row.mine = row.key in keys
        shown.append(Shown(item, SHOWN, dist))
    return shown


# ---- CSV ------------------------------------------------------------------------------------------------------------

CSV_HEADER = [
    "student",
    "section",
    "activity",
    "vote",
    "item_kind",
    "item_id",
    "round",
    "attempt",
    "answer",
    "correct",
    "confidence",
    "time",
]


def pseudonym(classroom_id, user_id) -> str:
    """A student's id in this classroom's exports: stable, the same in every export of the classroom, different
    in another classroom, and not reversible without the site's secret key (an HMAC keyed from SECRET_KEY)."""
    digest = salted_hmac(PSEUDONYM_SALT, f"{classroom_id}:{user_id}", algorithm="sha256").hexdigest()
    return f"s-{digest[:16]}"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(actor: permissions.Actor) -> Iterator[str]:
    """The class's answers as CSV lines, one answer a row, students under pseudonymous ids; streamed, so that
    memory stays flat whatever the class did. Cells a spreadsheet could take for a formula are defused."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for row in csv_rows(actor):
        yield writer.writerow([safe_cell(str(cell)) for cell in row])


def csv_rows(actor: permissions.Actor) -> Iterator[list]:
    """Every answer of the students ``actor`` sees: commitments, myth answers and quiz attempts (every attempt,
    numbered), then the class votes' first and second answers. A fixed number of queries."""
    classroom = actor.classroom
    students = class_students(actor)
    who = {
        user_id: (pseudonym(classroom.pk, user_id), section or "")
        for user_id, section in students.values_list("user_id", "section__name")
    }
    learner_users = dict(learners_of(students).values_list("pk", "user_id"))
    catalogue = _catalogue()
    judged: dict[tuple, tuple[str, bool]] = {}
    yield from _lesson_rows(who, learner_users, catalogue, judged)
    yield from _vote_rows(classroom, students, who, catalogue, judged)


def _catalogue() -> dict[tuple[str, int], Item]:
    """Every item of every language by (kind, pk): content is small, learners' answers are not."""
    steps = _committed_steps(None)
    found = {(PREDICTION, p.pk): _prediction_item(p, steps) for p in Prediction.objects.all()}
    found |= {(MYTH, m.pk): _myth_item(m) for m in Myth.objects.all()}
    found |= {(QUESTION, q.pk): _question_item(q) for q in _questions()}
    return found


def _answer_cells(item: Item | None, payload, judged: dict) -> tuple[str, str]:
    """The answer as text and whether it is right ("yes"/"no"), judged once per distinct answer."""
    if item is None:
        return str(payload), ""
    memo = (item.kind, item.pk, json.dumps(payload, sort_keys=True))
    if memo not in judged:
        chosen, correct = judge(item, payload)
        judged[memo] = (";".join(choice.key for choice in chosen), correct)
    text, correct = judged[memo]
    return text, "yes" if correct else "no"


def _lesson_rows(who: dict, learner_users: dict, catalogue: dict, judged: dict) -> Iterator[list]:
    learners = list(learner_users)
    sources = (
        (PREDICTION, Commitment.objects.filter(learner_id__in=learners), "prediction_id", "choice", "confidence"),
        (MYTH, MythAnswer.objects.filter(learner_id__in=learners), "myth_id", "believed", None),
        (QUESTION, QuizAttempt.objects.filter(learner_id__in=learners), "question_id", "answer", None),
    )
    for kind, rows, item_field, answer_field, confidence_field in sources:
        fields = ["learner_id", item_field, answer_field, "at", *([confidence_field] if confidence_field else [])]
        attempt, previous = 0, None
        for values in rows.order_by("learner_id", item_field, "at", "pk").values_list(*fields).iterator(2000):
            learner_id, item_pk, payload, at = values[:4]
            attempt = attempt + 1 if previous == (learner_id, item_pk) else 1
            previous = (learner_id, item_pk)
            item = catalogue.get((kind, item_pk))
            student, section = who[learner_users[learner_id]]
            answer, correct = _answer_cells(item, payload, judged)
            key = item.key if item else str(item_pk)
            confidence = values[4] if confidence_field else ""
            yield [student, section, "lesson", "", kind, key, "", attempt, answer, correct, confidence, _iso(at)]


def _vote_rows(classroom, students, who: dict, catalogue: dict, judged: dict) -> Iterator[list]:
    items_by_key = {(item.kind, item.key, item.language): item for item in catalogue.values()}
    rows = (
        VoteAnswer.objects.filter(vote__classroom=classroom, enrollment__in=students)
        .order_by("vote__opened_at", "vote_id", "enrollment_id", "round")
        .values_list(
            "vote_id",
            "vote__kind",
            "vote__item_key",
            "vote__language",
            "enrollment__user_id",
            "round",
            "choice",
            "confidence",
            "at",
        )
    )
    for vote_id, kind, key, language, user_id, number, choice, confidence, at in rows.iterator(2000):
        student, section = who[user_id]
        answer, correct = _answer_cells(items_by_key.get((kind, key, language)), choice, judged)
        round_name = "first" if number == VoteAnswer.FIRST else "second"
        yield [student, section, "vote", vote_id, kind, key, round_name, "", answer, correct, confidence, _iso(at)]


def _iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""
