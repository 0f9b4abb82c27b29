"""The lesson pages' parts that are the same for every learner, rendered once per content version.

The lesson index and the deep dive (all the lessons in one 134 KB article) show only what ``load_lessons``
stored, so their main part is kept as HTML in the disposable ``renders`` cache, keyed by ``content_version``:
the language, the lessons' count and latest change, and a digest of the lesson templates. A page served from
it runs no query. The index uses ``{% cache %}``; the deep dive is kept as one entry holding its parts
(``deep_dive_parts``), because each learner sees some of them: a part that answers a prediction the learner
has not committed to is replaced, on the server and per request, by that prediction's question and commit form.
The cached parts are never sent as they are to a learner who has not committed.

``content_version`` is itself remembered for ``VERSION_SECONDS``: after ``load_lessons`` changes a lesson,
the pages show it within that time (at once in the process that ran the command, and everywhere when the
render cache is a shared Redis).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, Max
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .models import Lesson, Prediction

VERSION_SECONDS = 30
FRAGMENT_SECONDS = 3600  # how long a rendered fragment is kept (the render cache may cut it shorter)
TEMPLATES = Path(settings.BASE_DIR) / "templates" / "lessons"


def content_version(language: str) -> str:
    """A short text that changes whenever the lessons of ``language`` (or their templates) change."""
    key = _version_key(language)
    version = caches["renders"].get(key)
    if version is None:
        stats = Lesson.objects.filter(language=language).aggregate(count=Count("pk"), updated=Max("updated"))
        stamp = stats["updated"].timestamp() if stats["updated"] else 0
        version = f"{language}.{stats['count']}.{stamp:.6f}.{templates_digest()}"
        caches["renders"].set(key, version, VERSION_SECONDS)
    return version


def deep_dive_parts(language: str, version: str) -> list[dict]:
    """The deep dive's parts, each ``{slug, title, toc, html, gate}``, from the render cache (drawn on a miss).

    ``toc`` and ``html`` are the part's table-of-contents entries and its section, rendered by the partials of
    ``deep_dive.html``; ``gate`` is ``None`` or what ``gate`` returns for the part's prediction (its question
    only), so a learner who has not committed gets the form without a query.
    """
    key = f"lessons:deep-dive:{version}"
    parts = caches["renders"].get(key)
    if parts is None:
        lessons = list(Lesson.objects.filter(language=language).exclude(kind="cheatsheet"))
        keys = [lesson.prediction_key for lesson in lessons if lesson.prediction_key]
        predictions = {p.key: p for p in Prediction.objects.filter(language=language, key__in=keys)}
        parts = [
            {
                "slug": lesson.slug,
                "title": lesson.title,
                "toc": render_to_string("lessons/deep_dive.html#toc", {"lesson": lesson}),
                "html": render_to_string("lessons/deep_dive.html#part", {"lesson": lesson}),
                "gate": gate(lesson, predictions[lesson.prediction_key])
                if lesson.prediction_key in predictions and lesson.step
                else None,
            }
            for lesson in lessons
        ]
        caches["renders"].set(key, parts, FRAGMENT_SECONDS)
    return parts


def deep_dive_gates(language: str, version: str) -> list[str]:
    """The prediction keys of the deep dive's parts that can be held back, in order: all a page needs to know
    which drawing of the article it shows, without reading the parts themselves (100 KB) from the cache."""
    key = f"lessons:deep-dive-gates:{version}"
    gates = caches["renders"].get(key)
    if gates is None:
        gates = [part["gate"]["key"] for part in deep_dive_parts(language, version) if part["gate"]]
        caches["renders"].set(key, gates, FRAGMENT_SECONDS)
    return gates


def gate(lesson: Lesson, prediction: Prediction) -> dict:
    """What a page shows in place of a part whose prediction is not committed yet: the question, never the
    answer (no ``correct``, no explanation, no reveal)."""
    return {
        "slug": lesson.slug,
        "step": lesson.step,
        "title": lesson.title,
        "key": prediction.key,
        "prompt": prediction.prompt,
        "options": [{"key": option["key"], "text": option["text"]} for option in prediction.options],
    }


CSRF_STAND_IN = "csrf-stand-in-0b5d7c1e9a4f"  # letters, digits and dashes: format_html leaves it as it is


def article(template: str, variant: tuple[str, ...], context: Callable[[], dict], csrf_token: str) -> str:
    """``template`` drawn with ``context()`` (called only then) once per ``variant`` (the content version and
    whatever else decides what it shows) and kept in the render cache; the page's ``csrf_token`` is put into
    each form in it at every view, so a kept drawing never carries one learner's token to another."""
    key = "lessons:article:" + hashlib.sha256("\0".join((template, *variant)).encode()).hexdigest()[:40]
    cache = caches["renders"]
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, context() | {"csrf_token": CSRF_STAND_IN})
        cache.set(key, html, FRAGMENT_SECONDS)
    return mark_safe(html.replace(CSRF_STAND_IN, csrf_token))  # noqa: S308 (our own template's output)


def forget_content_version() -> None:
    """Makes the next page ask the database again (``load_lessons`` calls it after a change)."""
    caches["renders"].delete_many([_version_key(code) for code, _name in settings.LANGUAGES])


@cache
def templates_digest() -> str:
    """The lesson templates' digest, read once per process: a release that changes them changes the keys."""
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES.rglob("*.html")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _version_key(language: str) -> str:
    return f"lessons:content-version:{language}"
