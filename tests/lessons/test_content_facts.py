"""Facts the lesson text states, checked against AWS (as the engine models it) and against each other.

Each test here would have caught one of the wrong statements issue 14 lists: the RoleSessionName character set,
`{"AWS": "*"}` called invalid, "named directly is enough" without its exceptions, the overview's badge that named
the person in the audit log, `aws:SourceArn` as the guard of a Lambda execution role, closing an account as a
root-only task. The rest check the thin parts the issue asks for: the guard scenarios (explicit deny, SCP,
permissions boundary, session policy) give the decision the text claims, ECS task roles have a section and a
scenario, the section quizzes have at least three questions, and the corrected pages cite their AWS sources.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
import yaml

CONTENT = Path(__file__).resolve().parents[2] / "lessons" / "content"
EN = CONTENT / "en"
SCENARIOS = CONTENT / "scenarios"
TRYIT = CONTENT / "tryit"

FENCE = re.compile(r"^```.*?^```[ \t]*$", re.S | re.M)
POLICY_BLOCK = re.compile(r"^```policy(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.S | re.M)
SCENARIO_MENTION = re.compile(r"`([a-z0-9-]+\.json)`")


def _body(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text.split("\n---\n", 1)[1] if text.startswith("---\n") else text


PAGES = {p.name: _body(p) for p in sorted(EN.glob("*.md"))}
PROSE = {name: FENCE.sub("", body) for name, body in PAGES.items()}
ANNOTATIONS = yaml.safe_load((EN / "annotations.yaml").read_text(encoding="utf-8"))
QUESTIONS = yaml.safe_load((EN / "questions.yaml").read_text(encoding="utf-8"))


def _chunks(text: str) -> list[str]:
    """Paragraphs, list items and table rows: the units a claim and its qualification must share."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = block.splitlines()
        if lines and all(line.lstrip().startswith("|") for line in lines):
            out.extend(lines)
            continue
        item: list[str] = []
        for line in lines:
            if re.match(r"\s*(?:[-*]|\d+\.)\s", line) and item:
                out.append(" ".join(item))
                item = []
            item.append(line.strip())
        if item:
            out.append(" ".join(item))
    return [re.sub(r"\s+", " ", c) for c in out if c.strip()]


def _prose_chunks():
    for name, prose in PROSE.items():
        for chunk in _chunks(prose):
            yield name, chunk
    for example_id, notes in ANNOTATIONS.items():
        for path, text in notes.items():
            yield f"annotations.yaml {example_id} {path}", re.sub(r"\s+", " ", text)


def _engine():
    scenario = pytest.importorskip("iamtutor.engine.scenario")
    names = pytest.importorskip("iamtutor.engine.names")
    return scenario, names


def _run(path_or_data) -> list[dict]:
    """Runs a scenario through the engine; fails on any step whose expect the engine does not meet."""
    scenario, _names = _engine()
    data = path_or_data if isinstance(path_or_data, dict) else json.loads(path_or_data.read_text(encoding="utf-8"))
    outcome = scenario.run_scenario(scenario.normalise_scenario(data))
    problems = list(outcome.failures)
    for step in outcome.steps:
        problems.extend(f"step {step.index} ({step.title}): {f}" for f in step.failures)
    assert not problems, "\n".join(problems)
    return [step.result for step in outcome.steps]


def _scenario(name: str) -> dict:
    return json.loads((SCENARIOS / name).read_text(encoding="utf-8"))


def _mentioned_scenarios() -> set[str]:
    return {m for body in PAGES.values() for m in SCENARIO_MENTION.findall(body)}


# ---- RoleSessionName: the character set the text states is the one STS enforces ---------------------------------


SESSION_SET = re.compile(r"`(?P<chars>[+=,.@_-]{4,})`")


def _stated_session_name_sets() -> list[tuple[str, set[str]]]:
    found = []
    for where, chunk in _prose_chunks():
        if "session name" not in chunk.lower():
            continue
        for match in SESSION_SET.finditer(chunk):
            chars = set(match.group("chars"))
            if "`_`" in chunk or "underscore" in chunk.lower():
                chars.add("_")
            found.append((where, chars))
    return found


def test_the_stated_session_name_characters_are_the_ones_sts_accepts():
    """iam-reference §5.1 (API-STS, H): RoleSessionName is 2-64 characters of [\\w+=,.@-]*, and \\w includes _.
    Source: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html"""
    _scenario_module, names = _engine()
    accepted = set()
    for char in string.punctuation + " ":
        if not names.problems("role_session_name", "ab" + char):
            accepted.add(char)
    assert accepted == set("+=,.@-_"), f"the engine's session-name rule changed: {sorted(accepted)}"
    statements = _stated_session_name_sets()
    assert {where.split()[0] for where, _ in statements} >= {"08-under-the-hood.md", "15-cheat-sheet.md"}
    for where, chars in statements:
        assert chars == accepted, (
            f"{where}: the text lists {sorted(chars)} as the session-name punctuation, STS accepts {sorted(accepted)}"
        )


def test_a_session_name_with_an_underscore_is_accepted_and_one_with_a_space_is_not():
    world = _scenario("s02-role-session.json")["world"]
    role = next(r for a in world["accounts"].values() for r in a.get("RoleDetailList", []))
    caller = role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]
    steps = [
        {"op": "assume_role", "caller": caller, "role_arn": role["Arn"], "session_name": "alice_reading"},
        {"op": "assume_role", "caller": caller, "role_arn": role["Arn"], "session_name": "alice reading"},
    ]
    steps[0]["expect"] = {"ok": True}
    steps[1]["expect"] = {"ok": False, "error": {"code": "ValidationError"}}
    _run({"name": "session names", "world": world, "steps": steps})


# ---- {"AWS": "*"} is valid (and dangerous), never "invalid" --------------------------------------------------------


STAR = re.compile(r'\{?\s*"AWS"\s*:\s*"\*"\s*\}?|AWS: "\*"')
REJECTED = re.compile(
    r"\b(invalid|not valid|rejects?|rejected|refuses? to save|syntax error|MalformedPolicyDocument)\b"
)


def _star_texts():
    yield from _prose_chunks()
    for name in ("questions.yaml", "myths.yaml", "predictions.yaml", "cards.yaml"):
        for chunk in _chunks((EN / name).read_text(encoding="utf-8")):
            yield name, chunk
    for path in sorted((CONTENT / "labs").glob("*.yaml")):
        for chunk in _chunks(path.read_text(encoding="utf-8")):
            yield path.name, chunk


def _calls_star_invalid(sentence: str) -> bool:
    if not (STAR.search(sentence) and REJECTED.search(sentence)):
        return False
    return not re.search(r"\b(accepts?|valid|does not reject|not rejected)\b", sentence)


def test_the_star_detector_tells_a_wrong_claim_from_a_right_one():
    assert _calls_star_invalid('IAM rejects a trust policy with "Principal": {"AWS": "*"}.')
    assert _calls_star_invalid('{"AWS": "*"} is invalid in a trust policy.')
    assert not _calls_star_invalid('IAM accepts {"AWS": "*"}, which makes it dangerous.')
    assert not _calls_star_invalid('`{"AWS": "*"}` is valid, not rejected.')
    assert not _calls_star_invalid("IAM rejects partial wildcards such as user/*.")


def test_no_text_calls_a_star_principal_invalid():
    """D-PRIN (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html):
    {"AWS": "*"} is a valid principal meaning every account; IAM saves such a trust policy."""
    seen = 0
    for where, chunk in _star_texts():
        for sentence in re.split(r"(?<=[.;])\s", chunk):
            seen += bool(STAR.search(sentence))
            assert not _calls_star_invalid(sentence), (
                f"{where}: says a {{'AWS': '*'}} principal is rejected: {sentence!r}"
            )
    assert seen >= 5, "too few mentions of the star principal found: is the detector looking at the text?"


def test_the_cheat_sheet_lists_the_star_principal_apart_from_what_iam_rejects():
    section = PAGES["15-cheat-sheet.md"].split("## Never in a trust policy", 1)[1].split("\n## ", 1)[0]
    rejected, _, accepted = section.partition("IAM accepts")
    assert "IAM rejects" in rejected and not STAR.search(rejected), "the star principal is listed with the rejected"
    assert STAR.search(accepted)


def test_iam_saves_a_star_trust_and_then_lets_another_account_in():
    data = _scenario("trust-star-accepted-but-open.json")
    put = next(s for s in data["steps"] if s["op"] == "put_policy")
    assert put["document"]["Statement"][0]["Principal"] == {"AWS": "*"} and put["expect"] == {"ok": True}
    results = _run(data)
    outsider = [
        r
        for s, r in zip(data["steps"], results, strict=True)
        if s["op"] == "assume_role" and ":999999999999:" in s["caller"] and r.get("ok")
    ]
    assert outsider, "mallory (another account) must get in once the trust is {'AWS': '*'}"
    assert "trust-star-accepted-but-open.json" in SCENARIO_MENTION.findall(PAGES["03-trust.md"])


# ---- "named directly is enough" always comes with its exceptions ---------------------------------------------------


ENOUGH = re.compile(r"\benough\b|\bnothing (more|else)\b|\bno identity policy needed\b|\bneither needs\b")
NAMED = re.compile(r"\b(nam(ed|es|ing)|directly)\b", re.I)
NOT_ENOUGH = re.compile(r"\b(not enough|never enough|no longer enough)\b")
EXCEPTIONS = re.compile(r"\b(deny|SCP|service control|boundar\w*|session policy|says? no)\b", re.I)


def test_every_named_directly_is_enough_claim_carries_its_exceptions():
    """D-EVAL, D-UPDTRUST: a trust policy naming the caller needs no identity allow, but an explicit deny, an SCP,
    the caller's boundary (iam-reference F14) and a calling session's session policy still refuse."""
    claims = 0
    for where, chunk in _prose_chunks():
        claim = " ".join(s for s in re.split(r"(?<=[.:])\s", chunk) if not NOT_ENOUGH.search(s))
        if not (ENOUGH.search(claim) and NAMED.search(claim)):
            continue
        if not re.search(r"same account|one account|in your own account|trust policy", chunk):
            continue
        claims += 1
        assert EXCEPTIONS.search(chunk), f"{where}: 'named directly is enough' without its exceptions: {chunk!r}"
    assert claims >= 5, "the claim is made on several pages; the test found too few to be looking in the right place"


GUARDS = {
    # scenario: (what the 03 table and 08 table say, the words the engine's refusal must use)
    "guard-explicit-deny.json": ("explicit", "explicit deny"),
    "guard-scp.json": ("SCP", "service control policy"),
    "guard-permissions-boundary.json": ("boundary", "permissions boundary"),
    "guard-session-policy-chaining.json": ("session policy", "session policy"),
}


def _role_of(steps: list[dict], caller: str) -> str:
    """The principal ARN a trust policy would name for ``caller``: a user ARN, or the role of an earlier session."""
    for step in steps:
        if step.get("id") == caller and step["op"] == "assume_role":
            return step["role_arn"]
    return caller


def _trust_names(world: dict, role_arn: str, principal: str) -> bool:
    for account in world["accounts"].values():
        for role in account.get("RoleDetailList", []):
            if role["Arn"] == role_arn:
                for s in role["AssumeRolePolicyDocument"]["Statement"]:
                    named = s.get("Principal", {}).get("AWS", [])
                    if s["Effect"] == "Allow" and principal in ([named] if isinstance(named, str) else named):
                        return True
    return False


@pytest.mark.parametrize("name", sorted(GUARDS))
def test_each_guard_refuses_a_caller_the_trust_policy_names(name):
    """The exceptions table of step 3: the engine refuses the AssumeRole, names the guard in its message, and the
    trust policy names that very caller (directly, or by its role for a session)."""
    data = _scenario(name)
    results = _run(data)
    refused = []
    for step, result in zip(data["steps"], results, strict=True):
        if step["op"] == "assume_role" and not result.get("ok"):
            principal = _role_of(data["steps"], step["caller"])
            if _trust_names(data["world"], step["role_arn"], principal):
                refused.append(result["error"]["message"])
    assert refused, f"{name}: no AssumeRole by a named caller is refused"
    assert any(GUARDS[name][1] in message for message in refused), refused
    table = PAGES["03-trust.md"].split("## When naming the caller is not enough", 1)[1]
    assert f"`{name}`" in table, f"step 3's exceptions table does not point at {name}"


def test_the_evaluation_table_claims_what_each_guard_scenario_shows():
    """08-under-the-hood: each row names a scenario and quotes the decision or message; the engine must agree."""
    text = PAGES["08-under-the-hood.md"]
    rows = [line for line in text.splitlines() if line.startswith("|") and "`guard-" in line]
    assert {SCENARIO_MENTION.search(r).group(1) for r in rows} == set(GUARDS)
    for row in rows:
        name = SCENARIO_MENTION.search(row).group(1)
        claims = re.findall(r'"([^"]+)"', row.split("|")[3]) + re.findall(r"`(explicitDeny|implicitDeny)`", row)
        assert claims, row
        results = _run(SCENARIOS / name)
        said = " ".join(
            f"{r.get('decision', '')} {r.get('reason', '')} {(r.get('error') or {}).get('message', '')}"
            for r in results
        )
        for claim in claims:
            assert claim in said, f"{name}: the table claims {claim!r}, the engine said: {said[:600]}"


def test_the_scp_scenario_puts_the_account_in_an_organization_with_the_management_account_elsewhere():
    """SCPs never restrict the management account (D-SCP); the guarded account must be a member."""
    org = _scenario("guard-scp.json")["world"]["organization"]
    assert org["management_account"] not in _scenario("guard-scp.json")["world"]["accounts"]
    assert all("111111111111" in scp["targets"] for scp in org["scps"])


# ---- the audit log does not name the person from another account --------------------------------------------------


def test_no_page_says_the_badge_names_the_visitor_in_your_audit_log():
    """CloudTrail userIdentity (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html):
    in the role owner's copy of a cross-account AssumeRole the caller is type AWSAccount, the partner's account."""
    for where, chunk in _prose_chunks():
        assert not re.search(r"names? (them|the person|her|him|the visitor)\b[^.]*\baudit log", chunk), (
            f"{where}: claims your audit log names the visiting person: {chunk!r}"
        )
    overview = PROSE["00-overview.md"]
    assert "partner's account" in overview and "session name" in overview
    assert "`AWSAccount`" in PROSE["09-expert-zone.md"]


# ---- Lambda: aws:SourceAccount guards the execution role; aws:SourceArn belongs to the invoke permission ------------


def _trust_statements():
    """Every trust statement the lesson shows or runs: page examples, scenario worlds, try-it worlds."""
    for match in POLICY_BLOCK.finditer("\n".join(PAGES.values())):
        if match.group("info").split()[0] == "trust":
            for s in json.loads(match.group("body"))["Statement"]:
                yield f"example {match.group('info').strip()}", s, None
    for path in [*sorted(SCENARIOS.glob("*.json")), *sorted(TRYIT.glob("*.json"))]:
        data = json.loads(path.read_text(encoding="utf-8"))
        for account in data["world"]["accounts"].values():
            for role in account.get("RoleDetailList", []):
                for s in role["AssumeRolePolicyDocument"]["Statement"]:
                    yield f"{path.name} {role['RoleName']}", s, (data, role["Arn"])


def test_no_lambda_execution_role_is_taught_to_rely_on_aws_source_arn():
    """Lambda documents aws:SourceArn for policies where the function is the resource
    (https://docs.aws.amazon.com/lambda/latest/dg/permissions-source-function-arn.html); an execution role's trust is
    guarded with aws:SourceAccount. A trust on aws:SourceArn may appear only to show Lambda being refused."""
    for where, statement, owner in _trust_statements():
        services = statement.get("Principal", {}).get("Service", [])
        if "lambda.amazonaws.com" not in ([services] if isinstance(services, str) else services):
            continue
        if "aws:sourcearn" not in json.dumps(statement.get("Condition", {})).lower():
            continue
        assert owner is not None, f"{where}: a lesson example guards an execution role with aws:SourceArn"
        data, role_arn = owner
        assumes = [s for s in data.get("steps", data.get("check", [])) if s.get("role_arn") == role_arn]
        assert assumes and all(s["expect"].get("ok") is False for s in assumes), (
            f"{where}: an execution role guarded by aws:SourceArn is shown working"
        )


def test_the_execution_role_and_the_invoke_permission_are_separate_examples():
    examples = {
        m.group("info").split()[1][3:]: (m.group("info").split()[0], json.loads(m.group("body")))
        for m in POLICY_BLOCK.finditer(PAGES["06-services.md"])
    }
    kind, trust = examples["step6-trust-lambda-guarded"]
    assert kind == "trust" and trust["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "111111111111"}
    }
    kind, invoke = examples["step6-lambda-invoke-permission"]
    statement = invoke["Statement"][0]
    assert kind == "resource" and statement["Action"] == "lambda:InvokeFunction"
    assert "aws:SourceArn" in statement["Condition"]["ArnLike"]
    production = PROSE["11-production-patterns.md"]
    assert "--source-arn" in production and "aws:SourceAccount" in production
    for page in ("06-services.md", "11-production-patterns.md"):
        for chunk in _chunks(PROSE[page]):
            if "aws:SourceArn" in chunk and re.search(r"\b(guard|add|use)\b[^.]*trust", chunk, re.I):
                assert re.search(r"\bnot\b|invoke|resource-based", chunk), f"{page}: {chunk!r}"


def test_the_source_account_scenario_refuses_other_accounts_and_a_missing_source_arn():
    results = _run(SCENARIOS / "s06-lambda-source-account.json")
    assert [r.get("ok") for r in results] == [True, True, False, False]
    assert "s06-lambda-source-account.json" in _mentioned_scenarios()


# ---- closing accounts is not root-only inside an organization ------------------------------------------------------


def test_closing_an_account_is_not_called_root_only_without_the_management_account():
    """https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_close.html: from the management
    account you can close member accounts (Organizations CloseAccount)."""
    mentions = 0
    for where, chunk in _prose_chunks():
        if re.search(r"\bclos(e|es|ing)\b[^.|]*\baccount", chunk, re.I) and "root" in chunk:
            mentions += 1
            assert "management account" in chunk and "CloseAccount" in chunk, f"{where}: {chunk!r}"
    assert mentions >= 1


# ---- ECS task roles ----------------------------------------------------------------------------------------------


def test_ecs_task_roles_have_a_section_and_a_scenario_the_engine_runs():
    """https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html and
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html"""
    page = PAGES["06-services.md"]
    section = page.split("## ECS: the task role and the task execution role", 1)[1].split("\n## ", 1)[0]
    for needed in (
        "ecs-tasks.amazonaws.com",
        "task execution role",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "iam:PassRole",
    ):
        assert needed in section, needed
    assert "`s06-ecs-task-role.json`" in section
    data = _scenario("s06-ecs-task-role.json")
    roles = {r["RoleName"]: r for r in data["world"]["accounts"]["111111111111"]["RoleDetailList"]}
    for role in roles.values():
        assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    results = _run(data)
    by_title = {s["title"]: r for s, r in zip(data["steps"], results, strict=True)}
    assert by_title["the application reads the reports with the task role"]["decision"] == "allowed"
    assert by_title["the execution role cannot read the reports: it is not the application's role"]["decision"] == (
        "implicitDeny"
    )
    assert by_title["EC2 is not ecs-tasks.amazonaws.com and is refused"]["ok"] is False


# ---- thin parts: questions and sources ---------------------------------------------------------------------------


@pytest.mark.parametrize("section", ["when-not-to-use", "production-patterns", "connections", "takeaways"])
def test_each_thin_section_has_at_least_three_questions(section):
    assert len([q for q in QUESTIONS if q["step"] == section]) >= 3


def test_new_questions_with_an_iam_answer_are_computed_by_the_engine():
    """The block this change adds (ids qw-…): an allowed/denied answer is never keyed by hand."""
    ours = [q for q in QUESTIONS if q["id"].startswith("qw-")]
    assert len(ours) >= 12
    for q in ours:
        if q["type"] != "policy_reading":
            text = " ".join([q["prompt"], *(o["text"] for o in q["options"])]).lower()
            assert not re.search(r"\b(allowed|denied|accessdenied|does it succeed|can (she|he) assume)\b", text), q[
                "id"
            ]


SOURCES = {
    # page: documentation pages its corrections rest on
    "00-overview.md": ["cloudtrail-event-reference-user-identity.html"],
    "03-trust.md": ["reference_policies_elements_principal.html", "id_roles_update-role-trust-policy.html"],
    "06-services.md": ["permissions-source-function-arn.html", "task-iam-roles.html", "task_execution_IAM_role.html"],
    "08-under-the-hood.md": ["API_AssumeRole.html"],
    "10-when-not-to-use.md": ["orgs_manage_accounts_close.html", "root-user-tasks.html"],
    "11-production-patterns.md": ["access-control-resource-based.html"],
    "15-cheat-sheet.md": ["API_AssumeRole.html", "reference_policies_elements_principal.html"],
}


@pytest.mark.parametrize("page", sorted(SOURCES))
def test_corrected_pages_cite_their_aws_sources(page):
    body = PAGES[page]
    assert "\n## Sources\n" in body, f"{page}: no Sources section"
    sources = body.split("\n## Sources\n", 1)[1].split("\n## ", 1)[0]
    links = re.findall(r"\]\((https://[^)\s]+)\)", sources)
    assert links and all(re.match(r"https://(docs\.aws\.amazon\.com|repost\.aws|docs\.github\.com)/", u) for u in links)
    for needed in SOURCES[page]:
        assert any(u.endswith(needed) for u in links), f"{page}: cites no {needed}"


def test_every_new_scenario_is_referenced_by_the_text():
    mentioned = _mentioned_scenarios()
    for name in (
        "guard-explicit-deny.json",
        "guard-scp.json",
        "guard-permissions-boundary.json",
        "guard-session-policy-chaining.json",
        "trust-star-accepted-but-open.json",
        "s06-lambda-source-account.json",
        "s06-ecs-task-role.json",
    ):
        assert name in mentioned, name
