"""Rendered lesson content is cached per content version: a repeat visit runs no query, a changed lesson
shows once ``load_lessons`` has run, and what belongs to one learner never comes from the cache."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.management import call_command

from lessons import rendered
from lessons.models import Lesson

CACHED = ["/lessons/", "/lessons/deep-dive/"]


def _main(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


@pytest.mark.parametrize("path", CACHED)
def test_a_repeat_visit_runs_no_query(loaded, client, path, django_assert_num_queries):
    first = client.get(path)
    with django_assert_num_queries(0):
        second = client.get(path)
    assert first.status_code == second.status_code == 200
    assert _main(first) == _main(second)  # the rest differs: a fresh CSRF token per response


def test_the_deep_dive_is_kept_whole_with_a_lifetime(loaded, client):
    client.get("/lessons/deep-dive/")
    renders = caches["renders"]
    fragments = [key for key in renders._cache if "template.cache.lessons-deep-dive" in key]
    assert len(fragments) == 1
    assert renders._expire_info[fragments[0]] is not None
    assert len(renders._cache[fragments[0]]) > 100_000  # the whole 134 KB article, under the 256 KiB cap


@pytest.mark.parametrize("path", CACHED)
def test_a_changed_lesson_shows_after_load_lessons(loaded, client, path):
    client.get(path)
    lesson = Lesson.objects.get(slug="step-3-trust")
    lesson.title = "Trust, rewritten"
    lesson.save()
    rendered.forget_content_version()  # what load_lessons does after storing
    assert "Trust, rewritten" in client.get(path).content.decode()


def test_a_changed_lesson_shows_within_the_version_lifetime_without_a_reload(loaded, client, monkeypatch):
    client.get("/lessons/")
    lesson = Lesson.objects.get(slug="step-3-trust")
    lesson.title = "Trust, edited elsewhere"
    lesson.save()  # as load_lessons in another process
    assert "Trust, edited elsewhere" not in client.get("/lessons/").content.decode()  # still the same version
    caches["renders"].delete(rendered._version_key("en"))  # as when VERSION_SECONDS have passed
    assert "Trust, edited elsewhere" in client.get("/lessons/").content.decode()


def test_load_lessons_forgets_the_content_version(loaded, client):
    client.get("/lessons/")
    assert caches["renders"].get(rendered._version_key("en")) is not None
    call_command("load_lessons", verbosity=0)
    assert caches["renders"].get(rendered._version_key("en")) is None


def test_one_learners_resume_link_is_not_served_to_another(loaded, alice_client, bob_client):
    alice_client.post("/lessons/steps/1/read/")
    assert "Resume where you left off" in alice_client.get("/lessons/").content.decode()
    assert "Resume where you left off" not in bob_client.get("/lessons/").content.decode()


def test_no_lessons_is_its_own_version(db, client):
    assert "No lessons are loaded yet" in client.get("/lessons/").content.decode()
    first = rendered.content_version("en")
    Lesson.objects.create(slug="x", order=1, title="X", summary="x", body_html="<p>x</p>")
    caches["renders"].clear()
    assert rendered.content_version("en") != first
