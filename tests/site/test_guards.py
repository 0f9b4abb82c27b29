"""Site-wide guards: migrations, headings, security headers, vendored front-end files."""

from __future__ import annotations

import re
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PAGES_WITHOUT_ARGUMENTS = [
    "home",
    "lessons:index",
    "login",
    "signup",
    "password_reset",
    "password_reset_done",
    "password_reset_complete",
]


@pytest.mark.django_db
def test_no_pending_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES_WITHOUT_ARGUMENTS)
def test_every_page_has_exactly_one_h1_landmarks_and_a_skip_link(client, name):
    page = client.get(reverse(name)).content.decode()
    assert len(re.findall(r"<h1[\s>]", page)) == 1
    assert '<main id="main"' in page and "<header" in page and "<footer" in page and "<nav" in page
    assert 'class="skip-link" href="#main"' in page
    assert '<html lang="en">' in page


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES_WITHOUT_ARGUMENTS)
def test_headings_never_skip_a_level(client, name):
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", client.get(reverse(name)).content.decode())]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in pairwise(levels)), levels


@pytest.mark.django_db
def test_strict_content_security_policy_without_inline_script(client):
    response = client.get(reverse("home"))
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode()), "inline script found"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_htmx_is_told_not_to_inject_inline_styles_or_evaluate_code(client):
    page = client.get(reverse("home")).content.decode()
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page


def test_the_vendored_htmx_version_is_the_one_named_everywhere():
    vendored = sorted(p.name for p in (ROOT / "static" / "vendor").glob("htmx-*.min.js"))
    assert vendored == ["htmx-2.0.10.min.js"]
    assert 'version:"2.0.10"' in (ROOT / "static/vendor" / vendored[0]).read_text()
    assert "vendor/htmx-2.0.10.min.js" in (ROOT / "templates/base.html").read_text()
    assert "htmx 2.0.10" in (ROOT / "README.md").read_text()


def test_no_template_or_page_loads_anything_from_another_site():
    for path in [*ROOT.glob("templates/**/*.html")]:
        text = path.read_text()
        assert not re.search(r"""(src|href)=["']https?://""", text), path


def test_code_is_lint_clean_and_ruff_formatted():
    """`make lint` holds on every commit: ruff's checks pass and `ruff format` would change nothing."""
    ruff = Path(sys.executable).with_name("ruff")
    for args in (["check", "--quiet", "."], ["format", "--check", "--quiet", "."]):
        result = subprocess.run([str(ruff), *args], cwd=ROOT, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"ruff {args[0]}:\n{result.stdout}{result.stderr}"
