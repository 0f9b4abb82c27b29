"""The lesson content files: schema, counts, cross-references, and agreement with the role engine.

Schema rules are documented in lessons/content/README.md. The first part needs nothing but the files; the
engine part (policy examples parse, spot-the-line faults are flagged on their line, scenarios, predictions,
myths and policy-reading answers match the engine) is skipped while the engine modules are missing. Each step's
"Try it" is a lab: tests/labs checks the lab files.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

CONTENT = Path(__file__).resolve().parents[2] / "lessons" / "content"
EN = CONTENT / "en"
SCENARIOS = CONTENT / "scenarios"

POLICY_KINDS = {"identity", "trust", "resource", "boundary", "scp", "session"}
PAGE_KINDS = {"overview", "step", "section", "cheatsheet"}
STEP_SLUGS = {
    1: "step-1-users",
    2: "step-2-role",
    3: "step-3-trust",
    4: "step-4-temporary-credentials",
    5: "step-5-cross-account",
    6: "step-6-services",
    7: "step-7-chaining-session-policies",
}
SECTION_SLUGS = [
    "under-the-hood",
    "expert-zone",
    "when-not-to-use",
    "production-patterns",
    "connections",
    "pitfalls",
    "takeaways",
    "cheat-sheet",
]
ALL_SLUGS = {"overview", *STEP_SLUGS.values(), *SECTION_SLUGS}
QUESTION_TYPES = {"single", "multiple", "truefalse", "ordering", "spot_line", "numeric", "policy_reading"}
POLICY_BLOCK = re.compile(r"^```policy(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.S | re.M)
FENCE = re.compile(r"^```.*?^```[ \t]*$", re.S | re.M)
SCENARIO_MENTION = re.compile(r"`([a-z0-9-]+\.json)`")
CAST_ACCOUNTS = {"111111111111", "222222222222", "999999999999"}


# ---- loading -------------------------------------------------------------------------------------------------------


def _front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "---", f"{path.name}: must start with front matter"
    end = lines.index("---", 1)
    meta = yaml.safe_load("\n".join(lines[1:end]))
    return meta, "\n".join(lines[end + 1 :])


PAGES = {p.name: _front_matter(p) for p in sorted(EN.glob("*.md"))}


def _yaml(name: str):
    return yaml.safe_load((EN / name).read_text(encoding="utf-8"))


def _examples() -> list[dict]:
    found = []
    for name, (_meta, body) in PAGES.items():
        for match in POLICY_BLOCK.finditer(body):
            words = match.group("info").split()
            kind = words[0] if words else None
            ids = [w[3:] for w in words[1:] if w.startswith("id=")]
            found.append(
                {
                    "page": name,
                    "info": match.group("info"),
                    "kind": kind,
                    "id": ids[0] if ids else None,
                    "text": match.group("body"),
                }
            )
    return found


EXAMPLES = _examples()
EXAMPLES_BY_ID = {e["id"]: e for e in EXAMPLES}
PREDICTIONS = _yaml("predictions.yaml")
MYTHS = _yaml("myths.yaml")
QUESTIONS = _yaml("questions.yaml")
CARDS = _yaml("cards.yaml")
ANNOTATIONS = _yaml("annotations.yaml")
DIAGRAMS = _yaml("diagrams.yaml")
SCENARIO_FILES = sorted(SCENARIOS.glob("*.json"))


def _step_ok(value: object) -> bool:
    return (isinstance(value, int) and 1 <= value <= 7) or value in SECTION_SLUGS


def _unique(items: list[dict], what: str) -> None:
    counts = Counter(item["id"] for item in items)
    assert not [i for i, n in counts.items() if n > 1], (
        f"duplicate {what} ids: {[i for i, n in counts.items() if n > 1]}"
    )


# ---- lesson pages --------------------------------------------------------------------------------------------------


def test_every_page_has_the_required_front_matter():
    for name, (meta, body) in PAGES.items():
        assert re.fullmatch(r"\d\d-[a-z0-9-]+\.md", name), name
        for field, kind in {"title": str, "slug": str, "order": int, "summary": str}.items():
            assert isinstance(meta.get(field), kind), f"{name}: {field} must be a {kind.__name__}"
        assert meta.get("kind", "section") in PAGE_KINDS, name
        assert int(name[:2]) == meta["order"], f"{name}: file number and order differ"
        assert body.strip(), f"{name}: no text"


def test_pages_cover_the_whole_lesson_once():
    slugs = [meta["slug"] for meta, _ in PAGES.values()]
    assert sorted(slugs) == sorted(ALL_SLUGS)
    orders = [meta["order"] for meta, _ in PAGES.values()]
    assert len(set(orders)) == len(orders)


def test_step_pages_carry_concept_result_insight_and_a_policy_example():
    steps = {meta["step"]: (name, meta) for name, (meta, _) in PAGES.items() if meta.get("kind") == "step"}
    assert sorted(steps) == list(range(1, 8))
    for number, (name, meta) in steps.items():
        assert meta["slug"] == STEP_SLUGS[number], name
        for field in ("concept", "result", "insight"):
            assert isinstance(meta.get(field), str) and meta[field].strip(), f"{name}: {field}"
        assert any(e["page"] == name for e in EXAMPLES), f"{name}: no policy example"
        if number >= 3:
            assert meta.get("prediction") in {p["id"] for p in PREDICTIONS if p["step"] == number}, name


def test_headings_start_at_h2_and_pages_have_no_raw_html():
    for name, (_meta, body) in PAGES.items():
        prose = FENCE.sub("", body)
        assert not re.search(r"^# ", prose, re.M), f"{name}: a level-1 heading (the page supplies the h1)"
        prose = re.sub(r"`[^`\n]*`", "", prose)
        assert not re.search(r"<[A-Za-z/!]", prose), f"{name}: raw HTML is escaped, write Markdown"


def test_every_policy_block_is_a_complete_policy_of_its_kind():
    assert len(EXAMPLES) >= 7
    for e in EXAMPLES:
        where = f"{e['page']} ```policy{e['info']}"
        assert e["kind"] in POLICY_KINDS, f"{where}: unknown kind"
        assert e["id"] and re.fullmatch(r"[a-z0-9][a-z0-9-]*", e["id"]), f"{where}: needs id=<example-id>"
        doc = json.loads(e["text"])
        assert doc.get("Version") == "2012-10-17", where
        statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
        for s in statements:
            assert s["Effect"] in ("Allow", "Deny"), where
            if e["kind"] in ("trust", "resource"):
                assert "Principal" in s, f"{where}: needs a Principal"
            else:
                assert "Principal" not in s and "NotPrincipal" not in s, f"{where}: must not name a principal"
            if e["kind"] == "trust":
                assert "Resource" not in s and "NotResource" not in s, f"{where}: a trust policy has no Resource"
    _unique(EXAMPLES, "policy example")


def test_scenarios_named_in_the_text_exist():
    names = {p.name for p in SCENARIO_FILES}
    for page, (_meta, body) in PAGES.items():
        for mention in SCENARIO_MENTION.findall(body):
            assert mention in names, f"{page} mentions {mention}, which is not in scenarios/"


# ---- annotations ---------------------------------------------------------------------------------------------------

_SEGMENT = re.compile(r'\.?(?:\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|([^.\[\]]+))')


def _resolve(doc: object, path: str) -> object:
    """Follows an annotation path (README.md: keys joined by '.', [n] for lists, ["key.with.dots"])."""
    pos, node = 0, doc
    while pos < len(path):
        match = _SEGMENT.match(path, pos)
        if not match or match.end() == pos:
            raise KeyError(f"cannot read {path!r} at {pos}")
        quoted, index, key = match.groups()
        node = node[int(index)] if index is not None else node[quoted if quoted is not None else key]
        pos = match.end()
    return node


def test_annotation_paths_exist_in_their_example():
    assert isinstance(ANNOTATIONS, dict) and ANNOTATIONS
    for example_id, notes in ANNOTATIONS.items():
        assert example_id in EXAMPLES_BY_ID, f"annotations for unknown example {example_id}"
        doc = json.loads(EXAMPLES_BY_ID[example_id]["text"])
        for path, text in notes.items():
            assert isinstance(text, str) and text.strip(), f"{example_id}: {path}"
            try:
                _resolve(doc, path)
            except (KeyError, IndexError, TypeError) as exc:
                pytest.fail(f"{example_id}: path {path!r} does not exist ({exc})")


def test_every_step_example_is_annotated():
    step_pages = {name for name, (meta, _) in PAGES.items() if meta.get("kind") == "step"}
    for name in step_pages:
        assert any(e["id"] in ANNOTATIONS for e in EXAMPLES if e["page"] == name), name


# ---- predictions, myths, cards, diagrams ---------------------------------------------------------------------------


def test_predictions_schema_and_coverage():
    _unique(PREDICTIONS, "prediction")
    for p in PREDICTIONS:
        for field in ("id", "prompt", "answer", "reveal", "scenario"):
            assert isinstance(p.get(field), str) and p[field].strip(), f"{p.get('id')}: {field}"
        assert p["step"] in range(3, 8), p["id"]
        option_ids = [o["id"] for o in p["options"]]
        assert len(option_ids) >= 2 and len(set(option_ids)) == len(option_ids), p["id"]
        assert all(isinstance(o["text"], str) and o["text"] for o in p["options"]), p["id"]
        assert p["answer"] in option_ids, p["id"]
        assert (SCENARIOS / p["scenario"]).is_file(), f"{p['id']}: {p['scenario']}"
        assert isinstance(p.get("computed"), dict) and p["computed"]["answers"], f"{p['id']}: say how it is computed"
    assert {p["step"] for p in PREDICTIONS} == {3, 4, 5, 6, 7}


def test_myths_schema_and_count():
    assert len(MYTHS) >= 10
    _unique(MYTHS, "myth")
    for m in MYTHS:
        for field in ("id", "misconception", "statement", "reality", "why_it_matters"):
            assert isinstance(m.get(field), str) and m[field].strip(), f"{m.get('id')}: {field}"
        assert _step_ok(m["step"]), m["id"]
        if "scenario" in m:
            assert (SCENARIOS / m["scenario"]).is_file(), f"{m['id']}: {m['scenario']}"
        assert isinstance(m.get("claim_is_true"), bool), f"{m['id']}: say whether the claim is true (claim_is_true)"
    names = {m["misconception"] for m in MYTHS}
    assert "Trusting the account root means only the root user" in names


def test_at_least_a_third_of_the_myths_are_true_and_each_true_one_cites_aws_and_is_computed():
    true = [m for m in MYTHS if m["claim_is_true"]]
    assert 3 * len(true) >= len(MYTHS), f"only {len(true)} of {len(MYTHS)} claims are true"
    for m in true:
        assert str(m.get("source", "")).startswith("https://docs.aws.amazon.com/"), f"{m['id']}: cite the AWS docs"
        assert m.get("scenario") and isinstance(m.get("computed"), dict), f"{m['id']}: the engine decides it"


def test_cards_schema_and_count():
    assert len(CARDS) >= 30
    _unique(CARDS, "card")
    for c in CARDS:
        assert _step_ok(c["step"]), c["id"]
        assert isinstance(c["front"], str) and c["front"].strip(), c["id"]
        assert isinstance(c["back"], str) and c["back"].strip(), c["id"]
    assert {c["step"] for c in CARDS} >= set(range(1, 8))


def test_diagrams_are_consistent_and_have_text_alternatives():
    assert {"mental-model", "sts-flow"} <= set(DIAGRAMS)
    for name, d in DIAGRAMS.items():
        if "draw" in d:  # computed by the engine from its scenario (tests/lessons/test_diagrams.py draws each)
            assert d["step"] in range(1, 8) and (SCENARIOS / d["scenario"]).is_file(), name
            assert len(d["caption"]) > 60, name
            continue
        ids = [n["id"] for n in d["nodes"]]
        assert len(set(ids)) == len(ids), name
        assert all(n["label"] for n in d["nodes"]), name
        assert d["edges"], name
        for e in d["edges"]:
            assert e["from"] in ids and e["to"] in ids and e["label"], f"{name}: {e}"
        assert len(d["text_alternative"]) > 100, name


# ---- questions -----------------------------------------------------------------------------------------------------


def test_question_bank_counts_and_coverage():
    assert len(QUESTIONS) >= 40
    _unique(QUESTIONS, "question")
    assert {q["type"] for q in QUESTIONS} == QUESTION_TYPES
    assert {q["step"] for q in QUESTIONS if isinstance(q["step"], int)} == set(range(1, 8))
    for q in QUESTIONS:
        assert q["type"] in QUESTION_TYPES, q["id"]
        assert _step_ok(q["step"]), q["id"]
        assert isinstance(q["prompt"], str) and q["prompt"].strip(), q["id"]


def _check_options(q: dict) -> None:
    options = q["options"]
    ids = [o["id"] for o in options]
    assert len(ids) >= 2 and len(set(ids)) == len(ids), q["id"]
    for o in options:
        assert isinstance(o["text"], str) and o["text"].strip(), q["id"]
        assert isinstance(o["correct"], bool), q["id"]
        assert isinstance(o["explanation"], str) and len(o["explanation"]) > 20, f"{q['id']}/{o['id']}"
    correct = sum(o["correct"] for o in options)
    if q["type"] == "multiple":
        assert correct >= 1, q["id"]
    else:
        assert correct == 1, q["id"]
    if q["type"] == "truefalse":
        assert sorted(ids) == ["false", "true"], q["id"]


def test_each_question_type_has_its_fields():
    for q in QUESTIONS:
        t = q["type"]
        if t in ("single", "multiple", "truefalse"):
            _check_options(q)
        elif t == "ordering":
            ids = [i["id"] for i in q["items"]]
            assert len(ids) >= 3 and len(set(ids)) == len(ids), q["id"]
            assert all(i["text"] for i in q["items"]) and q["explanation"], q["id"]
        elif t == "spot_line":
            assert q["kind"] in POLICY_KINDS, q["id"]
            json.loads(q["policy"])
            assert 1 <= q["faulty_line"] <= len(q["policy"].splitlines()), q["id"]
            assert q["explanation"], q["id"]
        elif t == "numeric":
            assert isinstance(q["answer"], int | float) and isinstance(q["tolerance"], int | float), q["id"]
            assert q["tolerance"] >= 0 and q["unit"] and q["explanation"], q["id"]
        elif t == "policy_reading":
            assert "accounts" in q["world"], q["id"]
            assert q["request"]["op"] in ("assume_role", "request"), q["id"]
            assert "expect" not in q["request"], f"{q['id']}: the engine computes the answer"
            assert isinstance(q["expected"], dict) and q["expected"], q["id"]
            assert [o["id"] for o in q["options"]] == ["yes", "no"], q["id"]
            assert all(o["explanation"] for o in q["options"]) and "answer" not in q, q["id"]
            assert all("correct" not in o for o in q["options"]), f"{q['id']}: do not store the answer"
            for step in q.get("setup", []):
                assert step["op"] and "id" in step, q["id"]


# Choice and number questions whose answer is a concept, or a fact no scenario operation can show (instance
# profiles, changing a live session), stay keyed by hand. Every other such question must be `computed`.
HAND_KEYED = {
    "q2-role-vs-user": "what a role is: no request decides it",
    "q4-three-parts": "the parts of a credential: a definition",
    "q5-who-chooses-external-id": "a practice, not an outcome",
    "q5-external-id-secret": "whether a value is secret: a practice",
    "q6-passrole": "PassRole is checked when a service is launched; scenarios have no launch operation",
    "q6-passrole-star": "why a policy is dangerous: a judgment",
    "q6-profile-roles": "instance profiles are not changed by any scenario operation",
    "q6-source-guard": "which keys to use: a practice",
    "q6-profile-count": "instance profiles are not changed by any scenario operation",
    "q7-change-session-policy": "no scenario operation changes a live session's policy",
    "q7-chaining-what": "a definition",
    "qs-cloudtrail-secret": "the content of a record, not a decision",
    "qs-pitfall-expired-prod": "a diagnosis",
    "qs-pitfall-admin": "a fix to choose",
    "qs-when-not-static-key": "a design choice",
    "qs-connections-oauth": "a comparison with OAuth",
    "qs-myth-busting": "five claims from five scenarios; each is a myth card computed on its own",
    "qw-wntu-more-permissions": "a design choice",
    "qw-wntu-close-member": "closing accounts is an Organizations call no scenario operation makes",
    "qw-wntu-one-role-everything": "a design judgment",
    "qw-patterns-invoke-vs-trust": "where a condition belongs: a design choice",
    "qw-patterns-ecs-roles": "how to split permissions: a design choice",
    "qw-connections-session-policy": "an analogy",
    "qw-connections-badge-breaks": "an analogy",
    "qw-connections-delegation": "a comparison with programming",
}
HAND_KEYED_MYTHS = {"myth-roles-have-keys", "myth-external-id-is-secret", "myth-recreated-user-still-trusted"}


def test_every_choice_or_number_question_about_an_iam_fact_is_computed_by_the_engine():
    loose = [
        q["id"]
        for q in QUESTIONS
        if q["type"] in ("single", "multiple", "truefalse", "numeric")
        and "computed" not in q
        and q["id"] not in HAND_KEYED
    ]
    assert not loose, f"add 'computed' (README.md) or, for a concept question, list it in HAND_KEYED: {loose}"
    assert not [m["id"] for m in MYTHS if "computed" not in m and m["id"] not in HAND_KEYED_MYTHS]


def test_at_least_45_items_have_answers_the_engine_computed(shipped_content):
    counted = Counter(row["file"] for row in shipped_content.computed)
    assert sum(counted.values()) >= 45, counted
    assert counted["predictions.yaml"] == len(PREDICTIONS)  # every prediction is checked against its scenario
    assert counted["myths.yaml"] == len(MYTHS) - len(HAND_KEYED_MYTHS)
    computed_questions = {row["key"] for row in shipped_content.computed if row["file"] == "questions.yaml"}
    assert {q["id"] for q in QUESTIONS if "computed" in q or q["type"] in ("policy_reading", "spot_line")} <= (
        computed_questions
    )


def test_the_loader_marks_the_options_the_engine_computed(shipped_content):
    by_key = {row["key"]: row for row in shipped_content.questions}
    assert [o["key"] for o in by_key["q1-new-user-default"]["option_rows"] if o["correct"]] == ["implicit"]
    assert [o["key"] for o in by_key["q7-effective"]["option_rows"] if o["correct"]] == ["intersection"]
    valid = {o["key"] for o in by_key["q3-valid-principals"]["option_rows"] if o["correct"]}
    assert valid == {"user", "role", "service", "account-id"}  # a group and user/* are refused by IAM
    facts = {o["key"] for o in by_key["q2-session-facts"]["option_rows"] if o["correct"]}
    assert facts == {"arn", "asia", "expires"}  # alice's policies do not join the role's; the ARN drops the path
    assert by_key["q4-minutes-left"]["data"]["answer"] == 30 and by_key["q4-max-hours"]["data"]["answer"] == 12
    # the account of carol's session, the accounts a cross-account AssumeRole is recorded in, a user key 13 h on
    for key, right in (
        ("q5-session-account", "111"),
        ("qs-cross-account-log", "both"),
        ("q1-user-keys-expire", "false"),
    ):
        assert [o["key"] for o in by_key[key]["option_rows"] if o["correct"]] == [right], key
    where = {row["key"]: row["where"] for row in shipped_content.computed}
    assert (
        where["qs-cross-account-log"] == "expert-cross-account-trail.json, step 'where the AssumeRole call is recorded'"
    )
    myths = {row["key"]: row["claim_is_true"] for row in shipped_content.myths}
    assert myths["true-star-trust-is-valid"] is True and myths["myth-anyone-can-assume"] is False


def test_the_evaluation_order_question_is_there():
    orders = [q for q in QUESTIONS if q["type"] == "ordering"]
    assert any(q["items"][0]["id"] == "deny" for q in orders)


# ---- scenario files -----------------------------------------------------------------------------------------------


def test_scenario_files_have_world_and_checked_steps():
    assert len(SCENARIO_FILES) >= 10
    for path in SCENARIO_FILES:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data.get("name"), str) and data["name"], path.name
        assert "accounts" in data["world"] and set(data["world"]["accounts"]) <= CAST_ACCOUNTS, path.name
        assert data["steps"], path.name
        assert any("expect" in s for s in data["steps"]), path.name
        for s in data["steps"]:
            assert isinstance(s.get("op"), str), path.name


# ---- engine checks -------------------------------------------------------------------------------------------------


def _engine():
    """The engine modules the checks need, or a skip naming what is missing."""
    policy = pytest.importorskip("iamtutor.engine.policy", reason="iamtutor.engine.policy is not written yet")
    pytest.importorskip("iamtutor.engine.world", reason="iamtutor.engine.world is not written yet")
    scenario = pytest.importorskip("iamtutor.engine.scenario", reason="iamtutor.engine.scenario is not written yet")
    findings = pytest.importorskip("iamtutor.engine.findings", reason="iamtutor.engine.findings is not written yet")
    for module, name in (
        (policy, "parse_policy"),
        (policy, "iter_policy_problems"),
        (findings, "check_policy"),
        (scenario, "normalise_scenario"),
        (scenario, "run_scenario"),
    ):
        if not hasattr(module, name):
            pytest.skip(f"{module.__name__}.{name} is not written yet")
    return policy, scenario, findings


def _run(scenario_module, data: dict):
    outcome = scenario_module.run_scenario(scenario_module.normalise_scenario(data))
    problems = list(outcome.failures)
    for step in outcome.steps:
        problems.extend(
            f"step {step.index} ({step.title}): {f} -> {json.dumps(step.result)[:400]}" for f in step.failures
        )
    return outcome, problems


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] or e["page"] for e in EXAMPLES])
def test_engine_accepts_every_policy_example(example):
    policy, _scenario, _findings = _engine()
    policy.parse_policy(example["text"], example["kind"])


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q["type"] == "spot_line"], ids=lambda q: q["id"])
def test_engine_flags_the_faulty_line(question):
    policy, _scenario, findings = _engine()
    lines = [p.line for p in policy.iter_policy_problems(question["policy"], question["kind"])]
    if not lines:
        lines = [f.line for f in findings.check_policy(question["policy"], question["kind"])]
    assert question["faulty_line"] in lines, f"the engine flags lines {lines}, not {question['faulty_line']}"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_engine_agrees_with_every_scenario(path):
    _policy, scenario, _findings = _engine()
    _outcome, problems = _run(scenario, json.loads(path.read_text(encoding="utf-8")))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q["type"] == "policy_reading"], ids=lambda q: q["id"])
def test_engine_computes_the_expected_policy_reading_answer(question):
    _policy, scenario, _findings = _engine()
    steps = [*copy.deepcopy(question.get("setup", [])), {**question["request"], "expect": question["expected"]}]
    _outcome, problems = _run(scenario, {"name": question["id"], "world": question["world"], "steps": steps})
    assert not problems, "\n".join(problems)
