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
    _write(content_dir, "01.md", GOOD + "\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n")
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


# ---- the YAML and JSON files ------------------------------------------------------------------------------------

STEP = GOOD.replace("order: 3\n", "order: 3\nkind: step\nstep: 3\nprediction: p3\n")
PREDICTIONS = """\
- id: p3
  step: 3
  prompt: Can bob assume the role?
  options:
    - {id: "yes", text: "Yes"}
    - {id: "no", text: "No"}
  answer: "no"
  reveal: Only the trust policy decides.
"""
MYTHS = "- {id: m1, misconception: Roles have keys, statement: Roles have keys., reality: They do not., step: 3}\n"
QUESTIONS = """\
- id: q1
  step: 3
  type: numeric
  prompt: Minutes in the default session?
  answer: 60
  tolerance: 0
  unit: minutes
"""


def _write_all(root: Path) -> None:
    _write(root, "03-trust.md", STEP)
    for name, text in {
        "predictions.yaml": PREDICTIONS,
        "myths.yaml": MYTHS,
        "questions.yaml": QUESTIONS,
        "cards.yaml": "- {id: c1, step: 3, front: F, back: B}\n",
    }.items():
        (root / "en" / name).write_text(text)


def test_every_kind_of_content_loads_and_a_second_load_changes_nothing(content_dir, capsys):
    from lessons.models import Card, Myth, Prediction, Question

    _write_all(content_dir)
    call_command("load_lessons")
    capsys.readouterr()
    call_command("load_lessons")
    out = capsys.readouterr().out
    assert out.count("0 added, 0 updated") == 7 and " updated, 1 unchanged" in out  # 7 kinds, each unchanged
    prediction = Prediction.objects.get(key="p3")
    assert prediction.correct_keys() == {"no"} and prediction.lesson.slug == "trust"
    assert Myth.objects.get(key="m1").claim_is_true is False
    assert Question.objects.get(key="q1").data == {"answer": 60, "tolerance": 0, "unit": "minutes"}
    assert Card.objects.get(key="c1").back == "B"


def test_ids_from_the_files_are_kept_so_progress_survives_a_reload(content_dir):
    from lessons.models import Prediction

    _write_all(content_dir)
    call_command("load_lessons")
    first = Prediction.objects.get(key="p3").pk
    (content_dir / "en" / "predictions.yaml").write_text(PREDICTIONS.replace("Only the", "Only the role's"))
    call_command("load_lessons")
    assert Prediction.objects.get(key="p3").pk == first


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("myths.yaml", "- {id: m1, misconception: x\n", 2, "not valid YAML"),
        ("questions.yaml", QUESTIONS + "- id: q2\n  step: 3\n  type: essay\n  prompt: Why?\n", 8, "'essay' is not"),
        ("questions.yaml", QUESTIONS + "- id: q1\n  step: 3\n  type: numeric\n  prompt: Again\n", 8, "used on line 1"),
        ("predictions.yaml", PREDICTIONS.replace('answer: "no"', "answer: maybe"), 1, "names no option: maybe"),
        ("cards.yaml", "- {id: c1, step: 3, front: F}\n", 1, "missing the field 'back'"),
        ("cards.yaml", "- {id: c1, step: 9, front: F, back: B}\n", 1, "there is no step 9"),
        ("annotations.yaml", "nope:\n  Version: x\n", 2, "no lesson has a policy example with the id 'nope'"),
    ],
)
def test_a_malformed_content_file_is_rejected_naming_file_and_line_and_nothing_changes(
    content_dir, name, text, line, message
):
    from lessons.models import Card

    _write_all(content_dir)
    call_command("load_lessons")
    before = list(Card.objects.values_list("key", "back"))
    (content_dir / "en" / name).write_text(text)
    with pytest.raises(CommandError) as error:
        call_command("load_lessons")
    assert f"{name}, line {line}:" in str(error.value) and message in str(error.value)
    assert list(Card.objects.values_list("key", "back")) == before


def test_a_policy_block_with_broken_json_names_the_line_of_the_fault(content_dir):
    _write(content_dir, "01.md", GOOD + '\n```policy trust id=t1\n{\n  "Version": "2012-10-17",\n  oops\n}\n```\n')
    with pytest.raises(CommandError, match=r"01.md, line 15: the policy 't1' is not valid JSON"):
        call_command("load_lessons")


def test_the_shipped_content_loads_every_kind(loaded):
    from lessons.models import Card, Myth, PolicyExample, Prediction, Question

    assert Question.objects.count() >= 40 and set(Question.objects.values_list("type", flat=True)) == {
        "single",
        "multiple",
        "truefalse",
        "ordering",
        "spot_line",
        "numeric",
        "policy_reading",
    }
    assert Myth.objects.count() >= 10 and Card.objects.count() >= 30 and Prediction.objects.count() >= 5
    assert PolicyExample.objects.filter(key="step3-trust-alice", kind="trust").exists()
