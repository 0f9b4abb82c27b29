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
    import re

    page = response.content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)  # a fresh token per response


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
    fragments = [key for key in renders._cache if "lessons:deep-dive:" in key]
    assert len(fragments) == 1
    assert renders._expire_info[fragments[0]] is not None
    assert len(renders._cache[fragments[0]]) > 100_000  # the whole 134 KB article, under the 256 KiB cap


def test_the_cached_deep_dive_is_the_same_for_everyone_and_each_learner_gets_their_own_gates(loaded, client):
    """The cache holds parts, never one learner's page: after alice commits to step 3, an anonymous visitor
    served from the same cache entry still gets step 3's prediction in place of its part."""
    from django.test import Client

    client.post("/lessons/steps/3/predict/", {"choice": "trust-check", "confidence": "sure"})
    mine = client.get("/lessons/deep-dive/").content.decode()
    theirs = Client().get("/lessons/deep-dive/").content.decode()
    assert 'id="policy-step3-trust-alice"' in mine and 'id="gate-step-3-trust"' not in mine
    assert 'id="policy-step3-trust-alice"' not in theirs and 'id="gate-step-3-trust"' in theirs


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
    assert "Continue where you left off" in alice_client.get("/lessons/").content.decode()
    assert "Continue where you left off" not in bob_client.get("/lessons/").content.decode()


def test_no_lessons_is_its_own_version(db, client):
    assert "No lessons are loaded yet" in client.get("/lessons/").content.decode()
    first = rendered.content_version("en")
    Lesson.objects.create(slug="x", order=1, title="X", summary="x", body_html="<p>x</p>")
    caches["renders"].clear()
    assert rendered.content_version("en") != first


def test_the_deep_dive_article_is_drawn_once_per_set_of_held_parts_and_each_view_gets_its_own_token(
    loaded, client, monkeypatch
):
    """The whole article is kept per content version and set of parts held back (issue 13: the gates are not
    drawn again for every view); its commit forms carry each view's own CSRF token, never a kept one."""
    import re

    from django.test import Client

    drawn = []
    original = rendered.render_to_string
    monkeypatch.setattr(
        rendered, "render_to_string", lambda name, *a, **k: drawn.append(name) or original(name, *a, **k)
    )
    tokens = set()
    for visitor in (client, Client(), Client()):
        page = visitor.get("/lessons/deep-dive/").content.decode()
        found = re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', page)
        assert found and rendered.CSRF_STAND_IN not in page
        tokens |= set(found)
    assert drawn.count("lessons/deep_dive.html#article") == 1  # three newcomers, one drawing
    assert len(tokens) == 3  # each view its own (masked) token
    client.post("/lessons/steps/3/predict/", {"choice": "trust-check", "confidence": "sure"})
    mine = client.get("/lessons/deep-dive/").content.decode()
    assert drawn.count("lessons/deep_dive.html#article") == 2  # another set held back, another drawing
    assert 'id="gate-step-3-trust"' not in mine and 'id="gate-step-4-temporary-credentials"' in mine
