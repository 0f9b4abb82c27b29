"""Storing what ``loader.read_content`` read: each model is brought in line with the files by stable key,
updating only rows whose fields changed, so loading twice changes nothing the second time."""

from __future__ import annotations

from collections import Counter

from django.db import transaction

from .loader import Content
from .models import Card, Diagram, Lesson, Myth, Option, PolicyExample, Prediction, Question

LESSON_FIELDS = ("order", "title", "summary", "kind", "step", "concept", "result", "insight", "body_html")


def store(content: Content) -> dict[str, Counter]:
    """Saves ``content`` in one transaction; returns per kind the counts of added/updated/unchanged/removed."""
    with transaction.atomic():
        counts = {"Lessons": _sync(Lesson, ("language", "slug"), [_lesson_row(lesson) for lesson in content.lessons])}
        lessons = {(lesson.language, lesson.slug): lesson.pk for lesson in Lesson.objects.all()}
        for label, model, rows in (
            ("Policy examples", PolicyExample, content.examples),
            ("Predictions", Prediction, content.predictions),
            ("Myths", Myth, content.myths),
            ("Cards", Card, content.cards),
            ("Diagrams", Diagram, content.diagrams),
        ):
            counts[label] = _sync(model, ("language", "key"), [_with_lesson(row, lessons) for row in rows])
        counts["Questions"] = _store_questions(content.questions, lessons)
    return counts


def _lesson_row(lesson) -> dict:
    row = {name: getattr(lesson, name) for name in LESSON_FIELDS}
    row.update(
        language=lesson.language,
        slug=lesson.slug,
        source_path=lesson.path,
        source_hash=lesson.sha256,
        prediction_key=lesson.prediction,
        toc=[list(entry) for entry in lesson.toc],
    )
    return row


def _with_lesson(row: dict, lessons: dict) -> dict:
    """The row's model fields, its lesson slug turned into ``lesson_id``."""
    fields = {key: value for key, value in row.items() if key not in {"lesson", "option_rows"}}
    fields["lesson_id"] = lessons.get((row["language"], row.get("lesson")))
    return fields


def _store_questions(rows: list[dict], lessons: dict) -> Counter:
    counts = _sync(Question, ("language", "key"), [_with_lesson(row, lessons) for row in rows])
    questions = {(q.language, q.key): q.pk for q in Question.objects.all()}
    option_rows = [
        {"question_id": questions[(row["language"], row["key"])], "order": order, **option}
        for row in rows
        for order, option in enumerate(row["option_rows"])
    ]
    _sync(Option, ("question_id", "key"), option_rows)
    return counts


def _sync(model, key_fields: tuple[str, ...], rows: list[dict]) -> Counter:
    """Makes the table hold exactly ``rows`` (matched on ``key_fields``), touching only what differs."""
    counts: Counter = Counter(added=0, updated=0, unchanged=0, removed=0)
    existing = {tuple(getattr(obj, name) for name in key_fields): obj for obj in model.objects.all()}
    for row in rows:
        obj = existing.pop(tuple(row[name] for name in key_fields), None)
        if obj is None:
            model.objects.create(**row)
            counts["added"] += 1
        elif any(getattr(obj, name) != value for name, value in row.items()):
            for name, value in row.items():
                setattr(obj, name, value)
            obj.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    model.objects.filter(pk__in=[obj.pk for obj in existing.values()]).delete()
    counts["removed"] = len(existing)
    return counts
