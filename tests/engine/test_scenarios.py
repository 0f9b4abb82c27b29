"""The scenario corpus (tests/scenarios/*.json) run through the CLI's ``--check``, and the runner itself.

Each scenario names the AWS facts it rests on in its ``source`` (iam-reference.md section, tag, S-number);
its expectations are what AWS does per that reference. Test ids are ``"<file>::<step title>"``. Every file
is run once in-process through ``cli.main([... "--check"])`` and each step reads its verdict from that
report; a few files also run in a real subprocess.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from iamtutor.engine import cli
from iamtutor.engine.errors import WorldError
from iamtutor.engine.scenario import (
    STEP_KEYS,
    match_expected,
    normalise_scenario,
    parse_scenario_text,
    step_title,
)

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "scenarios"
FILES = sorted(SCENARIOS.glob("*.json"))
_CLOCK_OPS = {"advance_clock", "set_clock"}

# Where the engine (still) disagrees with iam-reference.md or lacks a world-format feature: file -> (step
# indexes, or None for the whole file, and the reason). Strict xfail, so a fix shows up as XPASS: then delete
# the entry. Each one is reported to the module's owner.
KNOWN_ENGINE_GAPS: dict[str, tuple[frozenset[int] | None, str]] = {}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def _check(path: Path) -> tuple[int, tuple[str, ...]]:
    """Runs ``simulate PATH --check`` once in-process: (exit code, report lines)."""
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["simulate", str(path), "--check"], stdout=out, stderr=err)
    return code, tuple((out.getvalue() + err.getvalue()).splitlines())


def _marks(path: Path, index: int | None) -> list:
    steps, reason = KNOWN_ENGINE_GAPS.get(path.name, (frozenset(), ""))
    if steps is None or (index is not None and index in steps):
        return [pytest.mark.xfail(reason=reason, strict=True)]
    return []


def _cases() -> list:
    cases = []
    for path in FILES:
        data = _load(path)
        if "expect_load_error" in data:
            cases.append(pytest.param(path, None, id=f"{path.name}::load", marks=_marks(path, None)))
            continue
        for index, step in enumerate(data.get("steps", [])):
            cases.append(
                pytest.param(path, index, id=f"{path.name}::{step_title(step, index)}", marks=_marks(path, index))
            )
    return cases


def _problems(path: Path, index: int | None) -> list[str]:
    code, lines = _check(path)
    prefix = f"{path}: "
    scenario_level = [line for line in lines if line.startswith(prefix) and not line[len(prefix) :].startswith("step ")]
    if index is None:
        return [*scenario_level, *([] if code == 0 else [f"exit code {code}"])]
    mine = [line for line in lines if line.startswith(f"{prefix}step {index} (")]
    return scenario_level + mine


# ---- the corpus -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "index"), _cases())
def test_scenario_step_meets_its_expectation(path: Path, index: int | None) -> None:
    # Each step's `expect` states what AWS does per the iam-reference.md facts named in the file's `source`.
    assert _problems(path, index) == []


def test_corpus_is_large_enough() -> None:
    assert len(FILES) >= 90


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_scenario_file_is_well_formed(path: Path) -> None:
    data = normalise_scenario(_load(path))
    assert data["name"] and isinstance(data["name"], str)
    assert "§" in data["source"], "source names the iam-reference.md section"
    titles = [step_title(step, i) for i, step in enumerate(data["steps"])]
    assert len(titles) == len(set(titles)), "step titles are unique within a file"
    for step in data["steps"]:
        if step["op"] not in _CLOCK_OPS:
            assert step.get("expect"), f"step {step.get('title')!r} has an expect"


def test_corpus_uses_the_named_cast_and_accounts() -> None:
    allowed_accounts = {"111111111111", "222222222222", "333333333333"}
    for path in FILES:
        accounts = set(_load(path)["world"]["accounts"])
        assert accounts <= allowed_accounts, path.name


@pytest.mark.parametrize(
    "name", ["eval_explicit_deny_beats_allow.json", "sts_expiry.json", "valid_load_trust_with_resource.json"]
)
def test_scenario_passes_in_a_real_subprocess(name: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "iamtutor.engine", "simulate", str(SCENARIOS / name), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("ok: ")


def test_readme_coverage_table_matches_the_files() -> None:
    text = (SCENARIOS / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in text.splitlines() if line.startswith("| "))
    cited = set(re.findall(r"`([a-z]+_[a-z0-9_]+)`", table))
    names = {p.stem for p in FILES}
    assert cited - names == set(), "README cites files that do not exist"
    assert names - cited == set(), "every scenario file appears in the coverage table"


# ---- shapes the corpus relies on -------------------------------------------------------------------------------------


def test_assume_role_result_has_aws_shapes() -> None:
    # §5.1 D-IDS, API-STS (H): ASIA access keys, AROA…:session ids, ISO-8601 expiration.
    out = io.StringIO()
    assert cli.main(["simulate", str(SCENARIOS / "sts_trust_names_user.json")], stdout=out) == 0
    first = json.loads(out.getvalue())[0]
    assert first["credentials"]["AccessKeyId"].startswith("ASIA")
    assert first["assumed_role_user"]["AssumedRoleId"].startswith("AROA")
    assert first["assumed_role_user"]["AssumedRoleId"].endswith(":deploy-1")
    assert first["credentials"]["Expiration"] == "2026-01-01T10:00:00Z"


def test_cloudtrail_response_has_no_secret_key() -> None:
    # §6.3 D-CT (H): responseElements.credentials carries no secret access key.
    out = io.StringIO()
    assert cli.main(["simulate", str(SCENARIOS / "audit_assume_role_event.json")], stdout=out) == 0
    event = json.loads(out.getvalue())[1]["events"][0]
    assert "secretAccessKey" not in json.dumps(event["responseElements"])


# ---- the runner: expect matching -----------------------------------------------------------------------------------


class TestMatchExpected:
    # world-format.md `expect`: subset of the result, recursive for objects, lists element for element.

    def test_subset_of_an_object_matches(self) -> None:
        assert match_expected({"ok": True}, {"ok": True, "decision": "allowed"}) == []

    def test_nested_objects_match_recursively(self) -> None:
        actual = {"ok": False, "error": {"code": "AccessDenied", "message": "m"}}
        assert match_expected({"error": {"code": "AccessDenied"}}, actual) == []
        assert match_expected({"error": {"code": "ExpiredToken"}}, actual) == [
            '$.error.code: expected "ExpiredToken", got "AccessDenied"'
        ]

    def test_missing_key_is_reported(self) -> None:
        assert match_expected({"reason": "x"}, {"ok": True}) == ['$.reason: missing (expected "x")']

    def test_lists_match_element_for_element(self) -> None:
        actual = {"m": [{"sid": "A", "effect": "Deny"}]}
        assert match_expected({"m": [{"sid": "A"}]}, actual) == []
        assert match_expected({"m": []}, actual)[0].startswith("$.m: expected 0 item(s), got 1")
        assert match_expected({"m": [{"sid": "B"}]}, actual) == ['$.m[0].sid: expected "B", got "A"']

    def test_true_is_not_one(self) -> None:
        assert match_expected({"n": 1}, {"n": True}) != []
        assert match_expected({"n": True}, {"n": 1}) != []
        assert match_expected({"n": 1}, {"n": 1.0}) == []

    def test_none_matches_only_null(self) -> None:
        assert match_expected({"r": None}, {"r": None}) == []
        assert match_expected({"r": None}, {"r": {}}) != []

    def test_type_mismatches_are_reported(self) -> None:
        assert match_expected({"a": {"b": 1}}, {"a": [1]}) == ["$.a: expected an object, got [1]"]
        assert match_expected({"a": [1]}, {"a": "x"}) == ['$.a: expected a list, got "x"']


# ---- the runner: reading scenarios ---------------------------------------------------------------------------------


class TestReadingScenarios:
    def test_bare_world_has_no_steps(self) -> None:
        data = parse_scenario_text('{"accounts": {"111111111111": {}}}')
        assert data["steps"] == []
        assert data["world"] == {"accounts": {"111111111111": {}}}

    @pytest.mark.parametrize(
        ("text", "path"),
        [
            ("[]", "$"),
            ('{"world": {}, "extra": 1}', "$.extra"),
            ('{"steps": []}', "$.world"),
            ('{"world": {}, "steps": {}}', "$.steps"),
            ('{"world": {}, "steps": [1]}', "$.steps[0]"),
            ('{"world": {}, "steps": [{"op": "fly"}]}', "$.steps[0].op"),
            (
                '{"world": {}, "steps": [{"op": "request", "caller": "x", "action": "s3:GetObject"}]}',
                "$.steps[0].resource",
            ),
            ('{"world": {}, "steps": [{"op": "advance_clock", "seconds": 1, "secs": 2}]}', "$.steps[0].secs"),
            ('{"world": {}, "steps": [{"op": "advance_clock", "seconds": 1, "expect": []}]}', "$.steps[0].expect"),
            ('{"world": {}, "expect_load_error": "x"}', "$.expect_load_error"),
        ],
    )
    def test_malformed_scenarios_name_the_place(self, text: str, path: str) -> None:
        with pytest.raises(WorldError) as info:
            parse_scenario_text(text)
        assert info.value.json_path == path

    @pytest.mark.parametrize("text", ["", "{", '{"a": 1, "a": 2}', "NaN", "[" * 100_000, '{"world": Infinity}'])
    def test_text_that_is_not_a_clean_json_object_is_a_world_error(self, text: str) -> None:
        with pytest.raises(WorldError):
            parse_scenario_text(text)

    def test_every_operation_of_world_format_is_known(self) -> None:
        # world-format.md "Operations", plus get_session_token and audit_events (extensions, see README).
        assert {
            "assume_role",
            "assume_role_with_web_identity",
            "request",
            "get_caller_identity",
            "advance_clock",
            "set_clock",
            "revoke_sessions",
            "put_policy",
            "delete_policy",
        } <= set(STEP_KEYS)

    def test_step_titles_fall_back_to_op_and_id(self) -> None:
        assert step_title({"op": "request", "title": "t"}, 0) == "t"
        assert step_title({"op": "assume_role", "id": "s1"}, 3) == "assume_role s1"
        assert step_title({"op": "request"}, 3) == "request"
