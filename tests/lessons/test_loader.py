"""Loading lesson files: idempotent, sanitised, and clear about malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lessons import content
from lessons.models import Lesson

pytestmark = pytest.mark.django_db
GOOD = "---\ntitle: Trust\nslug: trust\norder: 3\nsummary: Who may assume a role.\n---\n\n## Trust\n\nText.\n"


@pytest.fixture
def content_dir(tmp_path, monkeypatch):
    root = tmp_path / "content"
    (root / "en").mkdir(parents=True)
    monkeypatch.setattr("lessons.management.commands.load_lessons.CONTENT_DIR", root)
    return root


def _write(root: Path, name: str, text: str) -> Path:
    path = root / "en" / name
    path.write_text(text)
    return path


def test_loading_twice_changes_nothing_the_second_time(content_dir, capsys):
    _write(content_dir, "03-trust.md", GOOD)
    call_command("load_lessons")
    first = Lesson.objects.get(slug="trust")
    call_command("load_lessons")
    assert "0 added, 0 updated, 1 unchanged, 0 removed" in capsys.readouterr().out
    assert Lesson.objects.get(slug="trust").updated == first.updated


def test_an_edited_file_updates_and_a_removed_file_is_removed(content_dir, capsys):
    path = _write(content_dir, "03-trust.md", GOOD)
    _write(content_dir, "04-creds.md", GOOD.replace("slug: trust", "slug: creds").replace("order: 3", "order: 4"))
    call_command("load_lessons")
    path.write_text(GOOD.replace("Text.", "New text."))
    (content_dir / "en" / "04-creds.md").unlink()
    call_command("load_lessons")
    assert "0 added, 1 updated, 0 unchanged, 1 removed" in capsys.readouterr().out
    assert "New text." in Lesson.objects.get(slug="trust").body_html


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("# no front matter\n", 1, "must start with front matter"),
        ("---\ntitle: x\n", 1, "never closed"),
        ("---\ntitle: [unclosed\n---\nbody\n", 2, "not valid YAML"),
        ("---\ntitle: T\nslug: s\norder: one\nsummary: S\n---\nbody\n", 2, "'order' must be a int"),
        ("---\ntitle: T\norder: 1\nsummary: S\n---\nbody\n", 2, "missing the field 'slug'"),
    ],
)
def test_a_malformed_file_is_rejected_naming_file_and_line_and_nothing_changes(content_dir, text, line, message):
    _write(content_dir, "01-good.md", GOOD)
    _write(content_dir, "02-bad.md", text)
    with pytest.raises(CommandError) as error:
        call_command("load_lessons")
    assert "02-bad.md" in str(error.value) and f"line {line}" in str(error.value) and message in str(error.value)
    assert not Lesson.objects.exists()


def test_html_in_lesson_markdown_is_not_passed_through(content_dir):
    _write(content_dir, "01.md", GOOD + '\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n')
    call_command("load_lessons")
    html = Lesson.objects.get(slug="trust").body_html
    assert "<script" not in html and "&lt;script&gt;" in html  # shown as text, never run
    assert 'href="javascript' not in html


def test_two_files_with_one_slug_are_refused(content_dir):
    _write(content_dir, "01.md", GOOD)
    _write(content_dir, "02.md", GOOD)
    with pytest.raises(CommandError, match="both use the slug 'trust'"):
        call_command("load_lessons")


def test_the_shipped_lessons_load_and_render(client):
    call_command("load_lessons")
    lesson = Lesson.objects.get(slug="overview")
    response = client.get(lesson.get_absolute_url())
    assert response.status_code == 200 and "Trust policy" in response.content.decode()
    assert content.CONTENT_DIR.is_dir()


def test_lesson_index_lists_lessons_in_order(client):
    call_command("load_lessons")
    page = client.get("/lessons/").content.decode()
    assert "IAM roles: the big picture" in page
