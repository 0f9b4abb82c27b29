"""Loading lesson files: idempotent, sanitised, and clear about malformed files."""

from __future__ import annotations

import json
import re
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


# ---- answers the engine computes ----------------------------------------------------------------------------------

BOB = "arn:aws:iam::111111111111:user/bob"
SCENARIO = {
    "name": "bob has no policies; the role trusts him by name",
    "world": {
        "clock": "2026-01-01T09:00:00Z",
        "accounts": {
            "111111111111": {
                "UserDetailList": [{"UserName": "bob", "UserPolicyList": []}],
                "RoleDetailList": [
                    {
                        "RoleName": "Reader",
                        "AssumeRolePolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "sts:AssumeRole"}],
                        },
                    }
                ],
            }
        },
    },
    "steps": [
        {
            "op": "request",
            "title": "bob reads",
            "caller": BOB,
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::r/k",
        },
        {
            "op": "assume_role",
            "id": "s1",
            "caller": BOB,
            "role_arn": "arn:aws:iam::111111111111:role/Reader",
            "session_name": "bob",
            "duration_seconds": 900,
            "expect": {"ok": True},
        },
    ],
}
SINGLE = """\
- id: q2
  step: 3
  type: single
  prompt: What does bob get?
  options:
    - {id: allowed, text: Allowed}
    - {id: denied, text: Denied, correct: true}
  computed: {scenario: s.json, step: bob reads, answers: {implicitDeny: denied, allowed: allowed}}
"""
NUMERIC = """\
- id: q3
  step: 3
  type: numeric
  prompt: Minutes in bob's session?
  tolerance: 0
  unit: minutes
  computed: {scenario: s.json, step: s1, take: session_length}
"""
PREDICTION = """\
- id: p4
  step: 3
  prompt: Can bob read?
  options: [{id: "yes", text: "Yes"}, {id: "no", text: "No"}]
  answer: "no"
  reveal: Nothing allows it.
  scenario: s.json
  computed: {step: bob reads, answers: {implicitDeny: "no", allowed: "yes"}}
"""
MYTH = "- {id: m2, misconception: M, statement: S., reality: R., step: 3, scenario: s.json, claim_is_true: false,\n"
MYTH += "   computed: {step: s1, answers: {ok: true, AccessDenied: false}}}\n"
SPOT = """\
- id: q4
  step: 3
  type: spot_line
  prompt: Which line?
  kind: identity
  faulty_line: 2
  policy: |
    {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
      {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}
    ]}
"""


def _write_computed(root: Path, **files: str) -> None:
    _write_all(root)
    (root / "scenarios").mkdir(exist_ok=True)
    (root / "scenarios" / "s.json").write_text(json.dumps(SCENARIO))
    for name, text in files.items():
        (root / "en" / name).write_text(text)


def test_answers_are_computed_by_the_engine_when_the_file_states_none(content_dir):
    from lessons.models import Myth, Question

    myth = MYTH.replace("claim_is_true: false,\n  ", "\n  ").replace("ok: true", "ok: true")
    single = SINGLE.replace(", correct: true", "")
    _write_computed(
        content_dir,
        **{"questions.yaml": QUESTIONS + single + NUMERIC, "predictions.yaml": PREDICTIONS + PREDICTION},
        **{"myths.yaml": MYTHS + myth},
    )
    call_command("load_lessons")
    assert Question.objects.get(key="q3").data["answer"] == 15  # 900 seconds, in minutes
    assert [o.key for o in Question.objects.get(key="q2").options.all() if o.correct] == ["denied"]
    assert Myth.objects.get(key="m2").claim_is_true is True  # bob assumed the role: "ok" maps to true


MULTIPLE = """\
- id: q5
  step: 3
  type: multiple
  prompt: What does the engine say?
  options:
    - {id: denied, text: bob is denied, correct: true}
    - {id: session, text: bob gets a session, correct: true}
    - {id: asia, text: its key starts with AKIA}
  computed:
    scenario: s.json
    options: {denied: bob reads, session: s1, asia: {step: s1, take: key_prefix, correct_when: AKIA}}
    correct_when: implicitDeny
"""
DRIFTS = [
    (
        "questions.yaml",
        QUESTIONS + SINGLE.replace("Allowed}", "Allowed, correct: true}").replace(", correct: true}\n  c", "}\n  c"),
        8,
        "the engine answers 'implicitDeny' (s.json, step 'bob reads'), which makes ['denied'] right, "
        "but the file says ['allowed']",
    ),
    (
        "questions.yaml",
        QUESTIONS + NUMERIC.replace("tolerance: 0", "answer: 30\n  tolerance: 0"),
        8,
        "makes 15 right, but the file says 30",
    ),
    (
        "questions.yaml",
        QUESTIONS + SINGLE.replace("implicitDeny: denied, ", ""),
        8,
        "which 'answers' does not map to an option",
    ),
    (
        "questions.yaml",
        QUESTIONS + SINGLE.replace("step: bob reads", "step: bob writes"),
        8,
        "no step with the id or title 'bob writes'",
    ),
    (
        "questions.yaml",
        QUESTIONS + SINGLE.replace("answers:", "take: colour, answers:"),
        15,
        "'take' is one of outcome",
    ),  # the block's line
    ("questions.yaml", QUESTIONS + SINGLE.replace("s.json", "nope.json"), 8, "the scenario 'nope.json' is not in"),
    ("questions.yaml", QUESTIONS + SINGLE.replace("s.json", "[s.json]"), 8, "'scenario' is the name of a file"),
    (
        "questions.yaml",
        QUESTIONS + SINGLE.replace("computed: {", "computed: {reasons: x, "),
        15,
        "'computed' has no field 'reasons'",
    ),
    (
        "questions.yaml",
        QUESTIONS
        + SINGLE.replace(
            "computed: {scenario: s.json, step: bob reads, answers: {implicitDeny: denied, allowed: allowed}}",
            "computed: [s.json]",
        ),
        8,
        "'computed' must be a mapping",
    ),
    (
        "questions.yaml",
        QUESTIONS + SPOT,
        8,
        "the engine answers 3 (the engine's check of the identity policy), which makes 3 right, but the file says 2",
    ),
    (
        "questions.yaml",
        QUESTIONS + MULTIPLE,
        8,
        "(denied: implicitDeny; session: ok; asia: ASIA)), which makes ['denied'] right, but the file says "
        "['denied', 'session']",
    ),
    (
        "questions.yaml",
        QUESTIONS + MULTIPLE.replace("asia: {step: s1,", "asia: {step: s1, colour: red,"),
        8,
        "the option 'asia' needs a 'step' and a 'correct_when' (here or in 'computed'), nothing else",
    ),
    ("questions.yaml", QUESTIONS + SPOT.replace("kind: identity", "kind: bogus"), 8, "'kind' is one of identity"),
    (
        "questions.yaml",
        QUESTIONS
        + SPOT.replace('"Principal": "*", "Action": "s3:GetObject"', '"Action": "s3:PutObject"').replace(
            '"Resource": "*"', '"Resource": "arn:aws:s3:::r/*"'
        ),
        8,
        "the engine must flag exactly one line of the policy, not none",
    ),
    (
        "predictions.yaml",
        PREDICTIONS + PREDICTION.replace('answer: "no"', 'answer: "yes"'),
        9,
        "which makes 'no' right, but the file says 'yes'",
    ),
    (
        "predictions.yaml",
        PREDICTIONS
        + PREDICTION.replace('  computed: {step: bob reads, answers: {implicitDeny: "no", allowed: "yes"}}\n', ""),
        9,
        "say how 's.json' decides the answer in 'computed'",
    ),
    (
        "myths.yaml",
        MYTHS + MYTH,
        2,
        "the engine answers 'ok' (s.json, step 'assume_role s1'), which makes True right, but the file says False",
    ),
]


@pytest.mark.parametrize(("name", "text", "line", "message"), DRIFTS, ids=[f"{d[0]}-{i}" for i, d in enumerate(DRIFTS)])
def test_an_answer_that_drifts_from_the_engine_stops_the_loader_at_its_file_and_line(
    content_dir, name, text, line, message
):
    from lessons.models import Card

    _write_computed(content_dir)
    call_command("load_lessons")
    before = list(Card.objects.values_list("key", "back"))
    (content_dir / "en" / name).write_text(text)
    with pytest.raises(CommandError) as error:
        call_command("load_lessons")
    assert f"{name}, line {line}:" in str(error.value) and message in str(error.value), str(error.value)
    assert "No lesson was changed." in str(error.value)
    assert list(Card.objects.values_list("key", "back")) == before  # nothing half-loaded


def test_a_scenario_that_no_longer_does_what_it_expects_stops_the_loader(content_dir):
    _write_computed(content_dir, **{"questions.yaml": QUESTIONS + SINGLE})
    broken = json.loads(json.dumps(SCENARIO))
    broken["steps"][1]["expect"] = {"ok": False}
    (content_dir / "scenarios" / "s.json").write_text(json.dumps(broken))
    with pytest.raises(CommandError, match=r"questions.yaml, line 8: s.json, step 'assume_role s1', no longer does"):
        call_command("load_lessons")


def test_hostile_computed_blocks_are_refused_with_a_message_not_a_traceback(content_dir):
    steps = "[" + ", ".join(["s1"] * 5000) + "]"
    hostile = SINGLE.replace("step: bob reads", f"step: {steps}").replace("Denied", "<script>alert(1)</script>")
    _write_computed(content_dir, **{"questions.yaml": QUESTIONS + hostile})
    with pytest.raises(
        CommandError, match=r"questions\.yaml, line 8: 'step' is a step id or title, or a list of 1 to 12"
    ):
        call_command("load_lessons")
    long_title = "x" * 100_000
    _write_computed(content_dir, **{"questions.yaml": QUESTIONS + SINGLE.replace("bob reads", long_title)})
    with pytest.raises(CommandError) as error:
        call_command("load_lessons")
    assert "has no step with the id or title 'xxx" in str(error.value) and len(str(error.value)) < 1000


def _readme_examples() -> list[str]:
    readme = (content.CONTENT_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How an item's answer is computed", 1)[1].split("\n## ", 1)[0]
    return [block for block in re.findall(r"```yaml\n(.*?)```", section, re.S) if block.startswith("- id:")]


@pytest.mark.parametrize("example", _readme_examples(), ids=lambda block: block.split()[2])
def test_every_example_in_the_readme_loads_and_is_computed_by_the_engine(tmp_path, example):
    from lessons import loader
    from lessons.computed import Runs
    from lessons.questions import normalise_question

    scenarios = loader._read_scenarios(content.CONTENT_DIR / "scenarios")
    where = loader._Where({n: f"step-{n}" for n in range(1, 8)}, {"under-the-hood"}, scenarios, Runs(scenarios))
    build = normalise_question if "type:" in example else loader._myth if "statement:" in example else None
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    rows = loader._read_items(path, "en", where, build or loader._prediction)
    computed = [row["key"] for row in where.computed]
    assert len(rows) == 1 and computed == ([] if "type: ordering" in example else [rows[0]["key"]])


def test_the_readme_shows_an_example_of_each_kind_of_computed_item():
    examples = _readme_examples()
    kinds = {
        re.search(r"type: (\w+)", e)[1] if "type:" in e else "myth" if "statement:" in e else "prediction"
        for e in examples
    }
    assert kinds == {"single", "truefalse", "multiple", "numeric", "policy_reading", "spot_line", "ordering"} | {
        "prediction",
        "myth",
    }


def test_a_computed_block_may_carry_its_own_world_and_steps(content_dir):
    from lessons.models import Question

    world, steps = json.dumps(SCENARIO["world"]), json.dumps(SCENARIO["steps"])
    inline = SINGLE.replace("scenario: s.json, ", f"world: {world}, steps: {steps}, ")
    _write_computed(content_dir, **{"questions.yaml": QUESTIONS + inline})
    call_command("load_lessons")
    assert [o.key for o in Question.objects.get(key="q2").options.all() if o.correct] == ["denied"]
    broken = inline.replace('"expect": {"ok": true}', '"expect": {"ok": false}')
    (content_dir / "en" / "questions.yaml").write_text(QUESTIONS + broken)
    with pytest.raises(CommandError, match="line 8: the inline scenario, step 'assume_role s1', no longer does"):
        call_command("load_lessons")
