"""Names, paths, tags and STS parameters (iamtutor/engine/names.py).

Facts: iam-reference.md §1.9 quota table and §5.1 AssumeRole parameters [API-IAM, API-STS] (H). The
"N validation error(s) detected: Value 'x' at 'member' failed to satisfy constraint: …" wording is AWS's
model-validation format (API-STS, H); the three wordings marked unverified in names.py are not tested as facts.
"""

from __future__ import annotations

import pytest

from iamtutor.engine.errors import EngineError, ParameterError
from iamtutor.engine.names import (
    RULES,
    constraint_failure,
    problems,
    tag_problems,
    validate,
    validate_all,
    validation_message,
)

SESSION_PATTERN = r"[\w+=,.@-]*"


def test_a_bad_session_name_gets_aws_generic_wording():
    # §1.9 / §5.1 API-STS (H): RoleSessionName is 2–64 characters of [\w+=,.@-]*
    with pytest.raises(ParameterError) as caught:
        validate("role_session_name", "my session")
    error = caught.value
    assert error.code == "ValidationError"
    assert error.http_status == 400
    assert error.message == (
        "1 validation error detected: Value 'my session' at 'roleSessionName' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {SESSION_PATTERN}"
    )


def test_several_failures_are_counted_and_joined_with_semicolons():
    # §5.1 API-STS (H): one request reports every failing member
    with pytest.raises(ParameterError) as caught:
        validate_all([("role_session_name", "x"), ("external_id", "has space"), ("source_identity", None)])
    assert caught.value.message == (
        "2 validation errors detected: "
        "Value 'x' at 'roleSessionName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 2; "
        "Value 'has space' at 'externalId' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\w+=,.@:\/-]*"
    )


def test_the_collecting_variant_returns_every_problem_of_one_value():
    value = "é" * 65
    prefix = f"Value '{value}' at 'roleSessionName' failed to satisfy constraint: "
    assert problems("role_session_name", value) == [
        prefix + "Member must have length less than or equal to 64",
        prefix + f"Member must satisfy regular expression pattern: {SESSION_PATTERN}",
    ]


def test_a_missing_required_value_must_not_be_null():
    assert problems("role_name", None) == [
        "Value null at 'roleName' failed to satisfy constraint: Member must not be null"
    ]
    assert problems("role_name", None, required=False) == []


@pytest.mark.parametrize(
    ("rule", "good", "bad"),
    [
        # §1.9 API-IAM (H): role and user names 1–64 of [\w+=,.@-]+; \w is ASCII as in Java's regex
        ("role_name", ["a", "Deploy-Role_1+=,.@", "r" * 64], ["", "r" * 65, "has space", "rôle", "a/b"]),
        ("user_name", ["alice", "u" * 64], ["", "u" * 65, "a*b"]),
        # §1.9 API-IAM (H): group, policy, instance-profile names 1–128
        ("group_name", ["Admins", "g" * 128], ["", "g" * 129, "a b"]),
        ("policy_name", ["ReadOnly", "p" * 128], ["p" * 129, "a:b"]),
        ("instance_profile_name", ["web", "i" * 128], ["i" * 129, "a?"]),
        # §1.9 API-IAM (H): paths begin and end with '/', printable ASCII, 1–512
        (
            "path",
            ["/", "/engineering/", "/a/b/", "/" + "x" * 510 + "/"],
            ["", "a/", "/a", "/a b/", "/é/", "/" + "x" * 511 + "/"],
        ),
        ("policy_path", ["/", "/team-a/"], ["/a b/", "a/", "/a//"]),
        # §1.9 API-IAM (H): role description at most 1,000 characters
        ("role_description", ["", "d" * 1000], ["d" * 1001]),
        # §1.9 / §5.1 API-STS (H)
        ("role_session_name", ["ab", "s" * 64, "alice@example.com"], ["a", "s" * 65, "a b", "a/b"]),
        ("external_id", ["ab", "x" * 1224, "a:b/c=d"], ["a", "x" * 1225, "a b"]),
        ("source_identity", ["ab", "alice"], ["a", "s" * 65, "aws:me", "AWS:me", "a b"]),
        ("serial_number", ["arn:aws:iam::111111111111:mfa/alice", "GAHT12345678"], ["short", "a b c d e f"]),
        ("token_code", ["123456"], ["12345", "1234567", "12345a"]),
        # §1.9 API-IAM (H): 12-digit account ids; aliases 3–63 lowercase DNS-like, no "--", not 12 digits
        ("account_id", ["111111111111"], ["11111111111", "1111111111111", "abcdefghijkl"]),
        ("account_alias", ["my-company", "abc"], ["ab", "My-Company", "a--b", "-ab", "ab-", "123456789012"]),
        # §1.9 API-IAM (H): MaxSessionDuration 3,600–43,200; §5.1 DurationSeconds 900–43,200
        ("max_session_duration", [3600, 43200, "7200"], [3599, 43201, "abc", True, 1.5]),
        ("duration_seconds", [900, 43200], [899, 43201]),
    ],
)
def test_rules_accept_and_reject_per_the_api_model(rule, good, bad):
    for value in good:
        assert problems(rule, value) == [], (rule, value)
    for value in bad:
        assert problems(rule, value), (rule, value)


def test_numeric_range_messages():
    assert problems("max_session_duration", 100) == [
        "Value '100' at 'maxSessionDuration' failed to satisfy constraint: "
        "Member must have value greater than or equal to 3600"
    ]
    assert problems("max_session_duration", 50000)[0].endswith("Member must have value less than or equal to 43200")


class TestTags:
    # §1.9 / §5.1 API-IAM, API-STS (H): ≤ 50 tags; key 1–128, value 0–256, letters/separators/numbers of
    # any script plus _.:/=+-@
    def test_unicode_letters_numbers_and_separators_are_allowed(self):
        assert tag_problems({"Abteilung": "Größe 42", "部署": "工程", "emoji-free_key:a/b=c+d@e": ""}) == []

    def test_symbols_outside_the_class_are_rejected_with_the_member_number(self):
        found = tag_problems([("ok", "fine"), ("bad*key", "value!")])
        assert found == [
            "Value 'bad*key' at 'tags.2.member.key' failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+",
            "Value 'value!' at 'tags.2.member.value' failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*",
        ]

    def test_lengths_and_count(self):
        assert tag_problems({"k" * 129: "v"})
        assert tag_problems({"": "v"})
        assert tag_problems({"k": "v" * 257})
        assert tag_problems({"k": "v" * 256}) == []
        assert tag_problems({f"k{i}": "v" for i in range(50)}) == []
        assert len(tag_problems({f"k{i}": "v" for i in range(51)})) == 1

    def test_non_bmp_symbols_are_not_letters(self):
        assert tag_problems({"😀": "v"})
        assert tag_problems({"𝔘nicode": "v"}) == []  # U+1D518 is a letter (Lu)


def test_validation_message_counts():
    assert validation_message(["A"]) == "1 validation error detected: A"
    assert validation_message(["A", "B"]) == "2 validation errors detected: A; B"
    assert constraint_failure("policy", "Member must have length less than or equal to 2048") == (
        "Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048"
    )


def test_unknown_rule_raises_an_engine_error():
    with pytest.raises(EngineError):
        problems("no_such_rule", "x")


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize(
    "value",
    [object(), 10**5000, "\x00" * 5, "😀" * 3000, ["list"], {"a": 1}, -1, 2**70],
    ids=["object", "huge-int", "nul", "emoji", "list", "dict", "negative", "big-int"],
)
def test_hostile_values_give_problems_not_exceptions(rule, value):
    try:
        result = problems(rule, value)
    except EngineError:
        return
    assert isinstance(result, list)
