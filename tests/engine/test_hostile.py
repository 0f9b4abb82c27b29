"""Hostile input: text a database cannot store is refused at validation, and nothing escapes as a traceback.

Issue 10: a role description holding NUL or a lone surrogate reached PostgreSQL and failed there; ``"[" * 10000``
and a 5,000-digit integer escaped the import handler. Every case here must end in an ``EngineError`` naming
the place (or load, where IAM accepts it). The character rules are IAM's API model patterns:

- Role descriptions (CreateRole, UpdateRole, UpdateRoleDescription: "Pattern:
  ``[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*``", max 1000;
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateRoleDescription.html).
- Policy documents (``policyDocumentType`` pattern ``[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+``;
  https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html).
- Names ``[\\w+=,.@-]+``, paths ``(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)``, tags
  ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*`` (same reference, CreateRole/TagRole).

None of these patterns admits NUL (U+0000) or a surrogate (U+D800-U+DFFF), so the loader refuses both in
*every* string of a world file, and the policy parser refuses them once JSON escapes are decoded.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamtutor.engine import (
    AssumeRoleRequest,
    EngineError,
    ParameterError,
    PolicyError,
    World,
    WorldError,
    assume_role,
)
from iamtutor.engine import fuzz as fuzzing
from iamtutor.engine.cli import main
from iamtutor.engine.policy import iter_policy_problems, parse_policy
from iamtutor.engine.scenario import parse_scenario_text
from tests.engine.world_builders import A, account, allow, doc, make_world, role, trust, user

ROLE_PATH = f"accounts.{A}.RoleDetailList[0]"
TRUST = trust({"Service": "ec2.amazonaws.com"})
VALID_POLICY = json.dumps(doc(allow("s3:GetObject")))


def world_with_role(**fields: object) -> dict:
    return {"accounts": {A: account(roles=[role("app", copy.deepcopy(TRUST), **fields)])}}


def load(data: object) -> World:
    return World.from_dict(data)


def assert_storable(err: EngineError) -> None:
    """The message can be stored in PostgreSQL and sent as UTF-8: no NUL, no lone surrogate."""
    text = str(err)
    assert "\x00" not in text
    text.encode("utf-8")  # raises on a surrogate


# ---- 1. characters IAM does not accept -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("description", "character", "position"),
    [
        pytest.param("a\x00b", "U+0000", 2, id="nul"),
        pytest.param("a\ud800b", "U+D800", 2, id="lone-high-surrogate"),
        pytest.param("ab\udfff", "U+DFFF", 3, id="lone-low-surrogate"),
        pytest.param("smile \U0001f600", "U+1F600", 7, id="emoji-outside-latin-1"),
        pytest.param("bell\x07", "U+0007", 5, id="control-character"),
        pytest.param("x\x7f", "U+007F", 2, id="delete"),
        pytest.param("nbsp\xa0", "U+00A0", 5, id="no-break-space-is-not-in-the-range"),
    ],
)
def test_world_role_description_outside_iams_pattern_is_refused_naming_field_and_character(
    description: str, character: str, position: int
) -> None:
    # CreateRole/UpdateRole Description: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]* (API-IAM, H).
    with pytest.raises(WorldError) as caught:
        load(world_with_role(Description=description))
    assert caught.value.json_path == f"{ROLE_PATH}.Description"
    assert caught.value.message == (
        f"Description contains a character IAM does not accept ({character}) at position {position}."
    )
    assert_storable(caught.value)


def test_world_role_description_within_iams_pattern_loads() -> None:
    # Tab, LF, CR, printable ASCII and U+00A1-U+00FF are all in the pattern (API-IAM, H).
    text = "Café\tréseau\r\nÿ ¡ ~"
    world = load(world_with_role(Description=text))
    assert world.accounts[A].roles["app"].description == text


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b"], ids=["nul", "surrogate"])
def test_create_and_update_role_refuse_descriptions_iam_refuses_with_a_storable_message(bad: str) -> None:
    world = make_world({A: account()})
    with pytest.raises(ParameterError) as caught:
        world.create_role(A, "app", TRUST, description=bad)
    message = caught.value.message
    assert "'description'" in message and "at position 2 is not accepted" in message
    assert_storable(caught.value)
    world.create_role(A, "app", TRUST, description="fine")
    with pytest.raises(ParameterError) as caught:
        world.update_role(f"arn:aws:iam::{A}:role/app", description=bad)
    assert_storable(caught.value)
    assert world.accounts[A].roles["app"].description == "fine"


def test_create_policy_refuses_a_description_with_nul() -> None:
    # CreatePolicy Description: at most 1000 characters, no pattern (API-IAM, H); NUL is still refused (ours).
    world = make_world({A: account()})
    with pytest.raises(ParameterError) as caught:
        world.create_policy(A, "p", doc(allow("s3:GetObject")), description="a\x00b")
    assert "Member must not contain the character U+0000 (at position 2)" in caught.value.message
    assert_storable(caught.value)
    assert world.create_policy(A, "p", doc(allow("s3:GetObject")), description="ok").description == "ok"


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b", "\udfff"], ids=["nul", "high-surrogate", "low-surrogate"])
def test_no_engine_error_carries_text_that_cannot_be_stored(text: str) -> None:
    # Messages and paths often echo the input; the error itself escapes what a database or UTF-8 cannot hold.
    err = PolicyError(f"Resource {text} must be in ARN format", json_path=f"$.{text}")
    assert_storable(err)
    assert "\\u" in err.message and "\\u" in err.json_path


@pytest.mark.parametrize(
    ("fields", "where", "field"),
    [
        pytest.param({"RoleName": "a\x00b"}, "RoleName", "RoleName", id="role-name-nul"),
        pytest.param({"Path": "/a\ud800/"}, "Path", "Path", id="path-surrogate"),
        pytest.param({"Tags": [{"Key": "team", "Value": "a\x00"}]}, "Tags[0].Value", "Value", id="tag-value-nul"),
        pytest.param({"Tags": [{"Key": "t\ud800", "Value": "a"}]}, "Tags[0].Key", "Key", id="tag-key-surrogate"),
    ],
)
def test_world_names_paths_and_tags_with_nul_or_surrogate_are_refused(fields: dict, where: str, field: str) -> None:
    data = world_with_role()
    data["accounts"][A]["RoleDetailList"][0].update(fields)
    with pytest.raises(WorldError) as caught:
        load(data)
    assert caught.value.json_path == f"{ROLE_PATH}.{where}"
    assert caught.value.message.startswith(f"{field} contains a character IAM does not accept (U+")
    assert_storable(caught.value)


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        pytest.param(lambda w: w.update(clock="2026\x00"), "clock", id="clock"),
        pytest.param(lambda w: w.update(events=[{"note": "a\x00"}]), "events[0].note", id="event-text"),
        pytest.param(
            lambda w: w["accounts"][A]["RoleDetailList"][0]["AssumeRolePolicyDocument"]["Statement"][0].update(
                Sid="a\ud800"
            ),
            f"{ROLE_PATH}.AssumeRolePolicyDocument.Statement[0].Sid",
            id="policy-document-value",
        ),
        pytest.param(
            lambda w: w["accounts"][A].update(resources=[{"arn": "arn:aws:s3:::b", "tags": {"k": "\x00"}}]),
            f"accounts.{A}.resources[0].tags.k",
            id="resource-tag",
        ),
        pytest.param(
            lambda w: w.update(sessions=[{"type": "assumed_role", "session_name": "s\x00"}]),
            "sessions[0].session_name",
            id="session-name",
        ),
    ],
)
def test_nul_or_surrogate_anywhere_in_a_world_file_is_refused_at_its_path(mutate, path: str) -> None:
    data = world_with_role()
    mutate(data)
    with pytest.raises(WorldError) as caught:
        load(data)
    assert caught.value.json_path == path
    assert "a character IAM does not accept" in caught.value.message
    assert_storable(caught.value)


def test_a_nul_in_a_key_is_refused_at_the_object_holding_it() -> None:
    data = world_with_role()
    data["accounts"][A]["RoleDetailList"][0]["Rol\x00eName"] = "x"
    with pytest.raises(WorldError) as caught:
        load(data)
    assert caught.value.json_path == ROLE_PATH
    assert caught.value.message == "A key contains a character IAM does not accept (U+0000) at position 4."


def test_session_name_in_a_world_file_follows_the_role_session_name_rule() -> None:
    # RoleSessionName: 2-64 characters of [\w+=,.@-]* (API-STS, H).
    data = world_with_role()
    data["sessions"] = [
        {
            "id": "s1",
            "type": "assumed_role",
            "access_key_id": "ASIAEXAMPLE",
            "secret_access_key": "secret",
            "session_token": "token",
            "account": A,
            "arn": f"arn:aws:sts::{A}:assumed-role/app/bad name",
            "issued_at": "2026-01-01T09:00:00Z",
            "expires_at": "2026-01-01T10:00:00Z",
            "session_name": "bad name",
        }
    ]
    with pytest.raises(WorldError) as caught:
        load(data)
    assert caught.value.json_path == "sessions[0].session_name"
    assert "roleSessionName" in caught.value.message


@pytest.mark.parametrize(
    ("text", "path", "character"),
    [
        pytest.param(VALID_POLICY.replace("s3:GetObject", "s3:Get\\u0000Object"), "$.Statement[0].Action", "U+0000"),
        pytest.param(VALID_POLICY.replace('"*"', '"arn:aws:s3:::\\ud800"'), "$.Statement[0].Resource", "U+D800"),
        pytest.param(VALID_POLICY.replace('"Effect"', '"Eff\\u0000ect"'), "$.Statement[0]", "U+0000"),
    ],
    ids=["escaped-nul-in-action", "escaped-surrogate-in-resource", "escaped-nul-in-a-key"],
)
def test_policy_escapes_that_decode_to_nul_or_a_surrogate_are_refused(text: str, path: str, character: str) -> None:
    # The raw text passes policyDocumentType's pattern, but the decoded value holds what the pattern excludes.
    for kind in ("identity", "resource", "scp", "session"):
        with pytest.raises(PolicyError) as caught:
            parse_policy(text, kind)
        assert caught.value.json_path == path
        assert f"contains a character IAM does not accept ({character})" in caught.value.message
        assert_storable(caught.value)
        problems = list(iter_policy_problems(text, kind))
        assert [p.json_path for p in problems] == [path]


def test_policy_mapping_with_a_nul_is_refused() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(doc(allow("s3:GetObject", Sid="a\x00")), "identity")
    assert caught.value.json_path == "$.Statement[0].Sid"


# ---- 2. hostile documents: refused with an engine error, never a traceback ---------------------------------------

DEEP_ARRAY = "[" * 10000
DEEP_OBJECT = '{"a":' * 10000
HUGE_INT = "9" * 5000
HOSTILE_POLICY_TEXTS = {
    "ten-thousand-brackets": DEEP_ARRAY,
    "ten-thousand-objects": DEEP_OBJECT,
    "deep-but-closed": "[" * 3000 + "]" * 3000,
    "5000-digit-integer": VALID_POLICY.replace('"*"', HUGE_INT),
    "huge-exponent": VALID_POLICY.replace('"*"', "1e999999"),
    "nan": VALID_POLICY.replace('"*"', "NaN"),
    "escaped-nul": VALID_POLICY.replace("s3:GetObject", "\\u0000"),
    "raw-nul": VALID_POLICY.replace("s3:GetObject", "\x00"),
    "escaped-surrogate": VALID_POLICY.replace("s3:GetObject", "\\ud800"),
    "raw-surrogate": VALID_POLICY.replace("s3:GetObject", "\ud800"),
    "percent-encoded-nul": "%7B%00",
    "percent-encoded-invalid-utf8": "%7B%22Version%22%3A%22%FF%22%7D",
    "empty": "",
    "bom": "\ufeff" + VALID_POLICY,
}
HOSTILE_POLICY_BYTES = {
    "invalid-utf8": VALID_POLICY.encode().replace(b"s3:GetObject", b"\xff\xfe"),
    "encoded-surrogate": VALID_POLICY.encode().replace(b"s3:GetObject", b"\xed\xa0\x80"),
    "truncated-multibyte": VALID_POLICY.encode()[:-3] + b"\xc3",
}
KINDS = ("identity", "trust", "resource", "boundary", "scp", "rcp", "session")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "document",
    [*HOSTILE_POLICY_TEXTS.values(), *HOSTILE_POLICY_BYTES.values()],
    ids=[*HOSTILE_POLICY_TEXTS, *HOSTILE_POLICY_BYTES],
)
def test_hostile_policy_is_refused_with_a_policy_error(document: str | bytes, kind: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(document, kind)
    assert caught.value.json_path is not None
    assert_storable(caught.value)
    problems = list(iter_policy_problems(document, kind))
    assert problems and all(isinstance(p, PolicyError) for p in problems)


def test_a_5000_digit_condition_number_is_kept_as_its_digits() -> None:
    # Condition values are compared as text or as decimals (conditions.py), so no integer conversion limit
    # applies; the document is within IAM's size limits and loads.
    text = json.dumps(doc(allow("s3:GetObject", Condition={"NumericEquals": {"s3:max-keys": "1"}})))
    policy = parse_policy(text.replace('"1"', HUGE_INT), "identity")
    assert policy.statements[0].conditions[0].values == (HUGE_INT,)


HOSTILE_MAPPINGS = {
    "deep-list": {"Version": "2012-10-17", "Statement": json.loads("[" * 900 + "]" * 900)},
    "huge-int-value": doc(allow("s3:GetObject", Condition={"NumericEquals": {"s3:max-keys": 10**5000}})),
    "nan-value": doc(allow("s3:GetObject", Condition={"NumericEquals": {"s3:max-keys": float("nan")}})),
    "infinity-value": doc(allow("s3:GetObject", Condition={"NumericEquals": {"s3:max-keys": float("inf")}})),
    "non-string-key": {"Version": "2012-10-17", "Statement": [{1: "Allow"}]},
    "set-value": {"Version": "2012-10-17", "Statement": [{"Effect": {"Allow"}}]},
    "nul-sid": doc(allow("s3:GetObject", Sid="\x00")),
    "surrogate-action": doc(allow("s3:\udc00")),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("document", HOSTILE_MAPPINGS.values(), ids=HOSTILE_MAPPINGS.keys())
def test_hostile_policy_mapping_is_refused_with_a_policy_error(document: dict, kind: str) -> None:
    with pytest.raises(PolicyError):
        parse_policy(document, kind)
    assert all(isinstance(p, PolicyError) for p in iter_policy_problems(document, kind))


def _nested(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


def _cyclic_world() -> dict:
    data = world_with_role()
    data["accounts"][A]["RoleDetailList"][0]["Tags"] = [data]
    return data


HOSTILE_WORLDS = {
    "cyclic": _cyclic_world(),
    "not-an-object": [],
    "accounts-a-string": {"accounts": "x"},
    "deep-events": {"accounts": {}, "events": [_nested(5000)]},
    "deep-role-field": world_with_role(Tags=_nested(3000)),
    "deep-trust-policy": world_with_role(
        AssumeRolePolicyDocument={"Version": "2012-10-17", "Statement": _nested(2000)}
    ),
    "5000-digit-max-session-duration": world_with_role(MaxSessionDuration=10**5000),
    "5000-digit-role-name": world_with_role(RoleName=10**5000),
    "5000-digit-tag-value": world_with_role(Tags=[{"Key": "k", "Value": 10**5000}]),
    "5000-digit-quota": {"accounts": {A: account(quotas={"RolesPerAccount": 10**5000})}},
    "nan-max-session-duration": world_with_role(MaxSessionDuration=float("nan")),
    "infinite-event-number": {"accounts": {}, "events": [{"at": float("inf")}]},
    "float-max-session-duration": world_with_role(MaxSessionDuration=1e308),
    "non-json-value": world_with_role(Description=object()),
    "non-string-key": {"accounts": {A: {1: 2}}},
    "nul-description": world_with_role(Description="a\x00b"),
    "surrogate-description": world_with_role(Description="a\ud800b"),
    "nul-account-id": {"accounts": {"11111111111\x00": {}}},
    "deep-session-claims": {"accounts": {}, "sessions": [{"type": "assumed_role", "claims": {"a": _nested(200)}}]},
}


@pytest.mark.parametrize("data", HOSTILE_WORLDS.values(), ids=HOSTILE_WORLDS.keys())
def test_hostile_world_is_refused_with_an_engine_error(data: object) -> None:
    with pytest.raises(EngineError) as caught:
        World.from_dict(data)
    assert caught.value.json_path
    assert_storable(caught.value)


@pytest.mark.parametrize("data", HOSTILE_WORLDS.values(), ids=HOSTILE_WORLDS.keys())
def test_hostile_world_loaded_lazily_loads_or_is_refused(data: object) -> None:
    # ``lazy`` trusts a world validated once (a saved sandbox) and skips the checks, but still never crashes.
    with contextlib.suppress(EngineError):
        World.from_dict(data, lazy=True)


HOSTILE_SCENARIO_TEXTS = {
    "ten-thousand-brackets": DEEP_ARRAY,
    "ten-thousand-objects": DEEP_OBJECT,
    "5000-digit-integer": f'{{"accounts": {{"{A}": {{"quotas": {{"RolesPerAccount": {HUGE_INT}}}}}}}}}',
    "nan": '{"accounts": {}, "events": [NaN]}',
    "escaped-nul-description": json.dumps(world_with_role(Description="a\x00b")),
    "escaped-surrogate-name": json.dumps(world_with_role()).replace('"app"', '"\\ud800"'),
    "duplicate-keys": '{"accounts": {}, "accounts": {}}',
}


@pytest.mark.parametrize("text", HOSTILE_SCENARIO_TEXTS.values(), ids=HOSTILE_SCENARIO_TEXTS.keys())
def test_hostile_world_text_is_refused_through_the_scenario_reader(text: str) -> None:
    with pytest.raises(EngineError) as caught:
        World.from_dict(parse_scenario_text(text)["world"])
    assert caught.value.json_path
    assert_storable(caught.value)


CLI_FILES = {
    **{f"policy-{k}": v for k, v in HOSTILE_POLICY_TEXTS.items() if k != "bom"},
    **{f"policy-{k}": v for k, v in HOSTILE_POLICY_BYTES.items()},
    **{f"world-{k}": v for k, v in HOSTILE_SCENARIO_TEXTS.items()},
}


@pytest.mark.parametrize("command", ["validate", "simulate"])
@pytest.mark.parametrize("content", CLI_FILES.values(), ids=CLI_FILES.keys())
def test_cli_refuses_hostile_files_with_exit_1_and_a_located_message(
    tmp_path: Path, content: str | bytes, command: str
) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    out, err = io.StringIO(), io.StringIO()
    args = [command, str(path)] + (["--type", "identity"] if command == "validate" else [])
    assert main(args, stdout=out, stderr=err) == 1
    printed = out.getvalue() + err.getvalue()
    assert printed and "Traceback" not in printed
    printed.encode("utf-8")


BIG = 10**5000  # str() of it raises ValueError (Python's 4,300-digit conversion limit)
ALICE_ARN = f"arn:aws:iam::{A}:user/alice"
APP_ARN = f"arn:aws:iam::{A}:role/app"
HOSTILE_CALLS = {
    "create-role-huge-int-name": lambda w: w.create_role(A, BIG, TRUST),
    "create-role-huge-int-path": lambda w: w.create_role(A, "x", TRUST, path=BIG),
    "create-role-huge-int-description": lambda w: w.create_role(A, "x", TRUST, description=BIG),
    "create-role-huge-int-account": lambda w: w.create_role(BIG, "x", TRUST),
    "create-role-nul-account": lambda w: w.create_role("1\x00", "x", TRUST),
    "create-role-huge-max-session-duration": lambda w: w.create_role(A, "x", TRUST, max_session_duration=BIG),
    "create-role-huge-int-tag": lambda w: w.create_role(A, "x", TRUST, tags={"a": BIG}),
    "clock-set-huge-int": lambda w: w.clock.set(BIG),
    "clock-advance-huge-int": lambda w: w.clock.advance(BIG),
    "request-huge-int-context-value": lambda w: w.request(
        ALICE_ARN, "s3:GetObject", "arn:aws:s3:::b", context={"a": BIG}
    ),
    "request-huge-int-action": lambda w: w.request(ALICE_ARN, BIG, "arn:aws:s3:::b"),
    "assume-role-huge-duration": lambda w: assume_role(
        w, ALICE_ARN, AssumeRoleRequest(APP_ARN, "s1", duration_seconds=BIG)
    ),
    "assume-role-huge-int-arn": lambda w: assume_role(w, ALICE_ARN, AssumeRoleRequest(BIG, "s1")),
    "assume-role-nul-arn": lambda w: assume_role(
        w, ALICE_ARN, AssumeRoleRequest(f"arn:aws:iam::{A}:role/a\x00pp", "s1")
    ),
    "assume-role-deep-session-policy": lambda w: assume_role(
        w, ALICE_ARN, AssumeRoleRequest(APP_ARN, "s1", policy="[" * 10000)
    ),
    "assume-role-huge-external-id": lambda w: assume_role(
        w, ALICE_ARN, AssumeRoleRequest(APP_ARN, "s1", external_id=BIG)
    ),
}


@pytest.mark.parametrize("call", HOSTILE_CALLS.values(), ids=HOSTILE_CALLS.keys())
def test_hostile_call_arguments_are_refused_with_an_engine_error(call) -> None:
    # Before: str() of a 5,000-digit integer raised ValueError inside check_text, World.account, Clock.set
    # and the request context.
    world = make_world(
        {A: account(users=[user("alice", doc(allow("sts:AssumeRole")))], roles=[role("app", trust({"AWS": A}))])}
    )
    with pytest.raises(EngineError) as caught:
        call(world)
    assert_storable(caught.value)


# ---- 3. the fuzz target -------------------------------------------------------------------------------------


def test_fuzz_smoke_run_tries_every_target_and_nothing_crashes() -> None:
    report = fuzzing.fuzz(300, seed=3)
    assert report.tried == 300 == report.loaded + report.refused + report.crashed
    assert report.crashed == 0, fuzzing.format_report(report)
    assert report.loaded > 0 and report.refused > 0
    assert {"World.from_dict+to_dict", "parse_scenario_text+load_world"} <= set(report.by_target)
    assert any(t.startswith("parse_policy[") for t in report.by_target)


def test_fuzz_runs_repeat_for_a_seed() -> None:
    first, second = fuzzing.fuzz(60, seed=11), fuzzing.fuzz(60, seed=11)
    assert (first.loaded, first.refused, first.by_target) == (second.loaded, second.refused, second.by_target)


def test_fuzz_reports_a_crash_with_its_reproducer(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(document, kind="identity", **_):
        raise KeyError("boom")

    monkeypatch.setattr("iamtutor.engine.policy.parse_policy", broken)
    report = fuzzing.FuzzReport(seed=0)
    assert fuzzing.run_one(report, "policy", '{"Version": 1}') == "crashed"
    text = fuzzing.format_report(report)
    assert "1 crashed" in text and "KeyError: 'boom'" in text and "reproducer: '{\"Version\": 1}'" in text


def test_fuzz_command_prints_json_and_exits_0_without_crashes() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["fuzz", "--count", "40", "--seed", "5", "--json"], stdout=out, stderr=err) == 0
    report = json.loads(out.getvalue())
    assert report["tried"] == 40 and report["crashed"] == 0 and report["crashes"] == []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)
_POLICY_KEYS = st.sampled_from(
    ["Version", "Statement", "Effect", "Action", "Resource", "Principal", "Condition", "Sid"]
)
_POLICY_LIKE = st.recursive(
    st.sampled_from(["2012-10-17", "Allow", "Deny", "*", "s3:GetObject", "arn:aws:s3:::b/*", "\x00", "\ud800"])
    | st.integers()
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_POLICY_KEYS, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_JSON | _POLICY_LIKE, as_text=st.booleans(), kind=st.sampled_from(KINDS))
def test_generated_policy_documents_load_or_are_refused(document: object, as_text: bool, kind: str) -> None:
    if as_text:
        document = json.dumps(document)
    report = fuzzing.FuzzReport(seed=0)
    assert fuzzing.run_one(report, "policy", document, kind) != "crashed", fuzzing.format_report(report)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts=st.dictionaries(st.sampled_from([A, "x"]), _JSON, max_size=2), extra=_JSON)
def test_generated_worlds_load_or_are_refused(accounts: object, extra: object) -> None:
    report = fuzzing.FuzzReport(seed=0)
    for data in ({"accounts": accounts}, {"accounts": accounts, "events": [extra]}, extra):
        assert fuzzing.run_one(report, "world", data) != "crashed", fuzzing.format_report(report)
