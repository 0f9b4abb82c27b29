"""The lesson pages' parts that are the same for every learner, rendered once per content version.

The lesson index and the deep dive (all the lessons in one 134 KB article) show only what ``load_lessons``
stored, so their main part is kept as HTML in the disposable ``renders`` cache (``{% cache %}`` in their
templates), keyed by ``content_version``: the language, the lessons' count and latest change, and a digest
of the lesson templates. A page served from it runs no query.

``content_version`` is itself remembered for ``VERSION_SECONDS``: after ``load_lessons`` changes a lesson,
the pages show it within that time (at once in the process that ran the command, and everywhere when the
render cache is a shared Redis).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, Max

from .models import Lesson

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
