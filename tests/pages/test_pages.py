"""The home page, the health check and the error pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from iamtutor import engine
from lessons.models import Diagram

pytestmark = pytest.mark.django_db


def test_home_says_what_the_site_teaches_and_starts_the_lesson(client):
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Learn AWS IAM roles by doing them" in page
    assert f'href="{reverse("lessons:index")}"' in page
    assert "Trust policies" in page


def test_home_shows_the_lessons_mental_model_as_a_drawing_and_as_a_table(loaded, client):
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert "<svg" in page
    assert 'role="img"' in page and 'aria-labelledby="mental-model-caption"' in page
    assert "<table>" in page and "STS issues temporary credentials" in page
    # The drawing is the lesson content's diagram, drawn by the engine: one row per edge of diagrams.yaml.
    drawing = response.context["drawing"]
    diagram = Diagram.objects.get(language="en", key="mental-model")
    assert [(r["from"], r["what"], r["to"]) for r in drawing.rows] == [
        (a, label, b) for a, b, label in engine.diagram_edges(diagram.nodes, diagram.edges)
    ]
    assert drawing.svg and 'id="mental&#45;model&#45;n0"' in drawing.svg


def test_home_says_why_the_drawing_is_missing_when_no_renderer_exists(loaded, client, settings):
    settings.GRAPHVIZ_RENDERER = "none"
    page = client.get(reverse("home")).content.decode()
    assert "<svg" not in page
    assert "Diagrams are switched off on this server" in page
    assert "<table>" in page


def test_home_works_before_the_lessons_are_loaded(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["drawing"] is None and "The picture to keep in mind" not in response.content.decode()


def test_healthz_is_ok_when_the_database_answers(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    expected = {"database": "ok", **({"redis": "ok"} if settings.REDIS_URL else {})}
    assert response.json() == {"status": "ok", "checks": expected}


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"] == "failed"


def test_healthz_checks_redis_when_configured_and_reports_it_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "failed"}


def test_unknown_pages_get_a_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_request_that_is_too_large_gets_a_clear_page_not_a_crash(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post(reverse("signup"), {"username": "x" * 5000})
    assert response.status_code == 400
    assert "could not be read" in response.content.decode()


def test_a_stale_form_gets_a_clear_csrf_page(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(reverse("signup"), {"username": "x"})
    assert response.status_code == 403
    assert "Please send the form again" in response.content.decode()


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "bogus-8"])
@pytest.mark.parametrize("url_name", ["login", "signup", "home"])
def test_a_form_in_an_unsupported_charset_gets_the_friendly_400_not_a_500(db, charset, url_name):
    # A real browser session: the CSRF cookie and header are right, so the CSRF check reads request.POST,
    # which Django refuses for non-UTF-8 forms; a charset Python does not know is treated as UTF-8.
    from django.test import Client

    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    response = client.generic(
        "POST",
        reverse(url_name),
        b"username=dana&password=x",
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
        HTTP_X_CSRFTOKEN=token,
    )
    if charset == "bogus-8":
        assert response.status_code in {200, 405}
    else:
        assert response.status_code == 400
        assert "could not be read" in response.content.decode()
