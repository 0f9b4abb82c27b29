"""Condition operators, missing keys, set qualifiers and policy variables (iam-reference.md §2, §3, §8.3)."""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamtutor.engine.conditions import (
    MULTIVALUED_KEYS,
    NEGATED_OPERATORS,
    OPERATORS,
    conditions_match,
    make_context,
    substitute_variables,
)
from iamtutor.engine.errors import EngineError, ParameterError
from iamtutor.engine.policy import BASE_OPERATORS, Condition


def cond(operator: str, key: str, *values: str) -> Condition:
    """A Condition as policy.py builds it, from the operator as written."""
    qualifier, _, rest = operator.rpartition(":")
    if_exists = rest.endswith("IfExists")
    base = rest.removesuffix("IfExists") if if_exists else rest
    return Condition(operator, base, qualifier or None, if_exists, key, tuple(values), f"$.Condition.{operator}")


def holds(condition: Condition, context: dict, *, variables: bool = True) -> bool:
    return conditions_match((condition,), make_context(context), variables=variables)[0]


# ---------------------------------------------------------------------------------------------- context


class TestMakeContext:
    def test_keys_are_lower_cased_and_values_become_string_tuples(self):
        # §1.7 D-COND (H): key names, tag-key parts included, are case-insensitive
        context = make_context(
            {
                "aws:SourceIp": "203.0.113.7",
                "aws:PrincipalTag/Team": "blue",
                "aws:TagKeys": ["Env", "Owner"],
                "aws:SecureTransport": True,
                "aws:MultiFactorAuthAge": 30,
                "aws:EpochTime": 1.5,
                "aws:CurrentTime": datetime(2026, 1, 1, 9, tzinfo=UTC),
                "aws:Referer": None,
            }
        )
        assert context == {
            "aws:sourceip": ("203.0.113.7",),
            "aws:principaltag/team": ("blue",),
            "aws:tagkeys": ("Env", "Owner"),
            "aws:securetransport": ("true",),
            "aws:multifactorauthage": ("30",),
            "aws:epochtime": ("1.5",),
            "aws:currenttime": ("2026-01-01T09:00:00Z",),
        }

    @pytest.mark.parametrize("raw", [{"k": {"a": 1}}, {"k": [[1]]}, {"k": object()}, {1: "x"}, ["k"], None])
    def test_unsupported_shapes_raise_parameter_error(self, raw):
        with pytest.raises(ParameterError):
            make_context(raw)

    def test_keys_differing_only_in_case_are_rejected(self):
        with pytest.raises(ParameterError):
            make_context({"aws:SourceIp": "1.2.3.4", "AWS:SOURCEIP": "5.6.7.8"})


def test_multivalued_keys_are_lower_cased_and_include_the_documented_sets():
    # §2.3 set qualifiers, §3.2 (D-GKEYS, D-SVM, H)
    assert {"aws:tagkeys", "aws:calledvia", "aws:principalorgpaths", "aws:principalservicenameslist"} <= (
        MULTIVALUED_KEYS
    )
    assert all(key == key.lower() for key in MULTIVALUED_KEYS)


def test_operator_table_covers_every_base_operator():
    # STYLE 3: one function per operator, registered by name (D-OPS, H)
    assert set(OPERATORS) == set(BASE_OPERATORS)
    assert {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
        "ArnNotEquals",
        "ArnNotLike",
    } == NEGATED_OPERATORS


# ---------------------------------------------------------------------------------------------- operators

# (operator, request value, policy value, expected) for the registered per-pair functions (§2.3, D-OPS, H)
PAIRS = [
    ("StringEquals", "abc", "abc", True),
    ("StringEquals", "abc", "ABC", False),
    ("StringNotEquals", "abc", "abd", True),
    ("StringNotEquals", "abc", "abc", False),
    ("StringEqualsIgnoreCase", "Straße", "STRASSE", True),  # simple case folding (M)
    ("StringNotEqualsIgnoreCase", "HR", "hr", False),
    ("StringLike", "home/alice/x", "home/*/x", True),
    ("StringLike", "a:b/c", "a*c", True),
    ("StringLike", "log-20055", "log-200?", False),
    ("StringLike", "ABC", "abc", False),
    ("StringNotLike", "home/alice", "home/*", False),
    ("StringNotLike", "tmp/a", "home/*", True),
    ("NumericEquals", "10", "10.0", True),
    ("NumericEquals", "1e1", "10", False),  # not a documented form
    ("NumericNotEquals", "3", "4", True),
    ("NumericNotEquals", "x", "4", False),  # non-numbers never match
    ("NumericLessThan", "3", "4", True),
    ("NumericLessThan", "4", "4", False),
    ("NumericLessThanEquals", "4", "4", True),
    ("NumericGreaterThan", "-1.5", "-2", True),
    ("NumericGreaterThanEquals", ".5", "0.5", True),
    ("NumericGreaterThan", "abc", "1", False),
    ("DateEquals", "2026-01-01T09:00:00Z", "2026-01-01T10:00:00+01:00", True),  # instants, zones honoured
    ("DateEquals", "1767258000", "2026-01-01T09:00:00Z", True),  # epoch against ISO (D-GKEYS)
    ("DateNotEquals", "2026-01-01", "2026-01-02", True),
    ("DateNotEquals", "garbage", "2026-01-02", False),
    ("DateLessThan", "2026-06-01T00:00:00Z", "2026-06-30T23:59:59Z", True),  # S44
    ("DateLessThan", "2026-07-01T00:00:00Z", "2026-06-30T23:59:59Z", False),  # S44
    ("DateLessThanEquals", "2026-06-30", "2026-06-30T00:00:00Z", True),
    ("DateGreaterThan", "2026-06-30T00:00:01Z", "2026-06-30", True),
    ("DateGreaterThanEquals", "not a date", "2026-06-30", False),
    ("Bool", "true", "true", True),
    ("Bool", "True", "true", True),  # case-insensitive (M)
    ("Bool", "false", "true", False),
    ("Bool", "yes", "yes", False),
    ("BinaryEquals", "QmluYXJ5", "QmluYXJ5", True),
    ("BinaryEquals", "QmluYXJ5", "qmluyxj5", False),
    ("IpAddress", "203.0.113.7", "203.0.113.0/24", True),  # S42
    ("IpAddress", "198.51.100.1", "203.0.113.0/24", False),  # S42
    ("IpAddress", "2001:db8:1234:5678::1", "2001:DB8:1234:5678::/64", True),  # S42
    ("IpAddress", "203.0.113.7", "203.0.113.7", True),  # no prefix: one address
    ("IpAddress", "203.0.113.8", "203.0.113.7", False),
    ("IpAddress", "203.0.113.7", "2001:DB8::/32", False),
    ("IpAddress", "nonsense", "0.0.0.0/0", False),
    ("NotIpAddress", "198.51.100.1", "203.0.113.0/24", True),
    ("NotIpAddress", "bad", "203.0.113.0/24", False),
    ("ArnLike", "arn:aws:sns:us-east-1:111111111111:t", "arn:aws:sns:*:111111111111:*", True),
    ("ArnEquals", "arn:aws:sns:us-east-1:111111111111:t", "arn:aws:sns:*:111111111111:*", True),
    ("ArnNotLike", "arn:aws:sns:us-east-1:999999999999:t", "arn:aws:sns:*:111111111111:*", True),
    ("ArnNotEquals", "not-an-arn", "arn:aws:sns:*:111111111111:*", False),  # non-ARN never matches (M)
    ("Null", "anything", "false", True),
    ("Null", "anything", "true", False),
]


@pytest.mark.parametrize(("operator", "request_value", "policy_value", "expected"), PAIRS)
def test_operator_pair_functions(operator, request_value, policy_value, expected):
    assert OPERATORS[operator](request_value, policy_value) is expected


@pytest.mark.parametrize("operator", sorted(BASE_OPERATORS))
@pytest.mark.parametrize(("request_value", "policy_value"), [(None, "x"), ("x", None), (5, 5), ([], {})])
def test_operator_pair_functions_are_false_for_non_strings(operator, request_value, policy_value):
    assert OPERATORS[operator](request_value, policy_value) is False


def test_arn_like_is_per_component_but_string_like_is_not():
    # S28 (D-OPS, H)
    value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    assert not holds(cond("ArnLike", "aws:SourceArn", pattern), {"aws:SourceArn": value})
    assert holds(cond("StringLike", "aws:SourceArn", pattern), {"aws:SourceArn": value})


# ---------------------------------------------------------------------------------------------- combining


class TestCombination:
    # §2.1 D-MULTI (H): AND across operators and keys, OR across values, NOR for negated operators
    def test_values_of_one_key_are_ored(self):
        condition = cond("StringEquals", "aws:RequestedRegion", "us-east-1", "eu-west-1")
        assert holds(condition, {"aws:RequestedRegion": "eu-west-1"})
        assert not holds(condition, {"aws:RequestedRegion": "ap-south-1"})

    def test_negated_operator_with_several_values_is_nor(self):
        # S40 (D-MULTI, H)
        condition = cond("StringNotEquals", "aws:RequestedRegion", "us-east-1", "eu-west-1")
        assert not holds(condition, {"aws:RequestedRegion": "eu-west-1"})
        assert holds(condition, {"aws:RequestedRegion": "ap-south-1"})

    def test_keys_and_operators_are_anded(self):
        # S41 (D-MULTI, H)
        block = (
            cond("StringEqualsIgnoreCase", "aws:PrincipalTag/department", "finance", "hr", "legal"),
            cond("StringEqualsIgnoreCase", "aws:PrincipalTag/role", "audit", "security"),
            cond("StringEquals", "aws:PrincipalAccount", "123456789012"),
        )
        full = make_context(
            {
                "aws:PrincipalTag/department": "HR",
                "aws:PrincipalTag/role": "audit",
                "aws:PrincipalAccount": "123456789012",
            }
        )
        assert conditions_match(block, full, variables=True) == (True, ())
        partial = {key: value for key, value in full.items() if key != "aws:principaltag/role"}
        assert conditions_match(block, partial, variables=True) == (False, ("aws:PrincipalTag/role",))

    def test_empty_block_holds(self):
        # §2.1 D-MULTI (H): `{}` means no conditions
        assert conditions_match((), {}, variables=True) == (True, ())

    def test_key_names_ignore_case(self):
        # S46 (D-COND, H)
        assert holds(cond("IpAddress", "AWS:SOURCEIP", "203.0.113.0/24"), {"aws:SourceIp": "203.0.113.7"})
        assert holds(cond("StringEquals", "aws:principaltag/TEAM", "blue"), {"aws:PrincipalTag/Team": "blue"})

    def test_empty_value_list_makes_positive_false_and_negated_true(self):
        # F9 (recommended default)
        context = {"aws:username": "alice"}
        assert not holds(cond("StringEquals", "aws:username"), context)
        assert holds(cond("StringNotEquals", "aws:username"), context)
        assert not holds(cond("Null", "aws:username"), context)


# ---------------------------------------------------------------------------------------------- missing keys

POSITIVE = sorted(set(BASE_OPERATORS) - NEGATED_OPERATORS - {"Null"})


class TestMissingKeys:
    # §2.2 D-OPS "Important" box, D-MULTI (H): the missing-key table, family by family
    @pytest.mark.parametrize("operator", POSITIVE)
    def test_positive_operator_on_missing_key_is_false(self, operator):
        assert conditions_match((cond(operator, "aws:Missing", "x"),), {}, variables=True) == (
            False,
            ("aws:Missing",),
        )

    @pytest.mark.parametrize("operator", sorted(NEGATED_OPERATORS))
    def test_negated_operator_on_missing_key_is_true(self, operator):
        assert conditions_match((cond(operator, "aws:Missing", "x"),), {}, variables=True)[0] is True

    @pytest.mark.parametrize("operator", sorted(set(BASE_OPERATORS) - {"Null"}))
    def test_if_exists_on_missing_key_is_true(self, operator):
        assert holds(cond(operator + "IfExists", "aws:Missing", "x"), {})

    @pytest.mark.parametrize("operator", sorted(set(BASE_OPERATORS) - {"Null"}))
    def test_for_all_values_on_missing_key_is_true_and_for_any_value_false(self, operator):
        assert holds(cond("ForAllValues:" + operator, "aws:TagKeys", "x"), {})
        assert not holds(cond("ForAnyValue:" + operator, "aws:TagKeys", "x"), {})

    def test_if_exists_compares_like_the_base_operator_when_present(self):
        # S38 (D-OPS IfExists example, H)
        condition = cond("StringLikeIfExists", "ec2:InstanceType", "t2.*")
        assert holds(condition, {})
        assert holds(condition, {"ec2:InstanceType": "t2.micro"})
        assert not holds(condition, {"ec2:InstanceType": "m5.large"})
        assert not holds(cond("StringLike", "ec2:InstanceType", "t2.*"), {})

    def test_negated_operator_on_missing_tag_makes_a_deny_apply(self):
        # S39 (D-OPS "Important", D-VARS, H)
        assert holds(cond("StringNotEquals", "aws:PrincipalTag/team", "blue"), {"aws:username": "bob"})

    def test_not_ip_address_without_source_ip_is_true(self):
        # S43 (D-OPS, H): calls through a VPC endpoint carry no aws:SourceIp
        assert holds(cond("NotIpAddress", "aws:SourceIp", "203.0.113.0/24"), {})
        assert not holds(cond("IpAddress", "aws:SourceIp", "203.0.113.0/24"), {})

    def test_bool_vs_bool_if_exists_for_long_term_keys(self):
        # S45 (D-GKEYS, H): long-term keys carry no aws:MultiFactorAuthPresent
        assert not holds(cond("Bool", "aws:MultiFactorAuthPresent", "false"), {})
        assert holds(cond("BoolIfExists", "aws:MultiFactorAuthPresent", "false"), {})
        assert holds(cond("BoolIfExists", "aws:MultiFactorAuthPresent", "false"), {"aws:MultiFactorAuthPresent": False})
        assert not holds(
            cond("BoolIfExists", "aws:MultiFactorAuthPresent", "false"), {"aws:MultiFactorAuthPresent": True}
        )

    def test_absent_keys_are_reported_once_as_written(self):
        block = (
            cond("StringEquals", "aws:PrincipalTag/Team", "a"),
            cond("StringNotEquals", "aws:principaltag/team", "b"),
            cond("StringEquals", "aws:PrincipalTag/Team", "c"),
            cond("Null", "aws:TokenIssueTime", "true"),
        )
        assert conditions_match(block, {}, variables=True) == (
            False,
            ("aws:PrincipalTag/Team", "aws:principaltag/team", "aws:TokenIssueTime"),
        )

    def test_absent_keys_are_reported_even_after_a_false_condition(self):
        block = (cond("StringEquals", "aws:username", "bob"), cond("StringEquals", "aws:Missing", "x"))
        assert conditions_match(block, make_context({"aws:username": "alice"}), variables=True) == (
            False,
            ("aws:Missing",),
        )


class TestNull:
    # §2.3 Null, D-OPS (H); S37
    def test_null_true_holds_when_key_is_absent(self):
        condition = cond("Null", "aws:TokenIssueTime", "true")
        assert holds(condition, {})  # S37 IAM user with access keys
        assert not holds(condition, {"aws:TokenIssueTime": "2026-01-01T09:00:00Z"})  # S37 role session

    def test_null_false_holds_when_key_is_present(self):
        condition = cond("Null", "aws:TagKeys", "false")
        assert holds(condition, {"aws:TagKeys": ["Env"]})
        assert not holds(condition, {})

    def test_empty_set_counts_as_absent_and_empty_string_as_present(self):
        # F10 (recommended default)
        assert holds(cond("Null", "aws:TagKeys", "true"), {"aws:TagKeys": []})
        assert holds(cond("Null", "aws:Referer", "false"), {"aws:Referer": ""})

    def test_null_values_ignore_case_and_non_booleans_never_match(self):
        assert holds(cond("Null", "aws:Referer", "TRUE"), {})
        assert not holds(cond("Null", "aws:Referer", "maybe"), {})


class TestSetQualifiers:
    # §2.3 set qualifiers, D-MULTI (H); S35, S36
    def test_for_all_values_on_empty_set_is_true(self):
        # S35
        condition = cond("ForAllValues:StringEquals", "aws:TagKeys", "Env")
        assert holds(condition, {})
        assert holds(condition, {"aws:TagKeys": []})
        assert holds(condition, {"aws:TagKeys": ["Env"]})
        assert not holds(condition, {"aws:TagKeys": ["Env", "Owner"]})

    def test_for_any_value_on_empty_set_is_false(self):
        # S36
        condition = cond("ForAnyValue:StringEquals", "aws:TagKeys", "Env")
        assert not holds(condition, {})
        assert not holds(condition, {"aws:TagKeys": []})
        assert holds(condition, {"aws:TagKeys": ["Env", "Owner"]})
        assert not holds(condition, {"aws:TagKeys": ["Owner"]})

    def test_for_all_values_needs_each_request_value_to_match_some_policy_value(self):
        condition = cond("ForAllValues:StringLike", "aws:TagKeys", "env-*", "owner")
        assert holds(condition, {"aws:TagKeys": ["env-a", "owner"]})
        assert not holds(condition, {"aws:TagKeys": ["env-a", "cost"]})

    def test_negated_operators_apply_per_request_value(self):
        # F11 (recommended default): the negated test is the per-value test
        every_differs = cond("ForAllValues:StringNotEquals", "aws:TagKeys", "Admin", "Root")
        assert holds(every_differs, {"aws:TagKeys": ["Env", "Owner"]})
        assert not holds(every_differs, {"aws:TagKeys": ["Env", "Admin"]})
        some_differs = cond("ForAnyValue:StringNotEquals", "aws:TagKeys", "Admin", "Root")
        assert holds(some_differs, {"aws:TagKeys": ["Admin", "Env"]})
        assert not holds(some_differs, {"aws:TagKeys": ["Admin", "Root"]})
        assert not holds(some_differs, {})  # ForAnyValue on a missing key stays false

    def test_qualifier_with_if_exists(self):
        # §2.3 (D-MULTI, MOTO-PV valid list, H): IfExists combines with qualifiers
        assert holds(cond("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", "Env"), {})
        assert holds(cond("ForAllValues:StringEqualsIfExists", "aws:TagKeys", "Env"), {"aws:TagKeys": ["Env"]})

    def test_qualifier_on_single_valued_key_uses_its_one_value(self):
        assert holds(cond("ForAnyValue:StringEquals", "aws:username", "alice"), {"aws:username": "alice"})

    def test_multivalued_key_without_qualifier_never_matches(self):
        # F12 (iam-simulate, M)
        assert not holds(cond("StringEquals", "aws:TagKeys", "Env"), {"aws:TagKeys": ["Env"]})
        assert not holds(cond("StringNotEquals", "aws:TagKeys", "Env"), {"aws:TagKeys": ["Owner"]})
        assert not holds(cond("StringEquals", "custom:list", "a"), {"custom:list": ["a", "b"]})
        assert holds(cond("StringNotEquals", "aws:TagKeys", "Env"), {})  # absent: the missing-key table


# ---------------------------------------------------------------------------------------------- variables


class TestVariables:
    # §2.4 D-VARS (H)
    def test_string_like_with_a_variable(self):
        # S30
        condition = cond("StringLike", "s3:prefix", "", "home/", "home/${aws:username}/*")
        assert holds(condition, {"aws:username": "alice", "s3:prefix": "home/alice/docs"})
        assert not holds(condition, {"aws:username": "alice", "s3:prefix": "home/bob/"})
        assert holds(condition, {"aws:username": "alice", "s3:prefix": ""})

    def test_variables_are_literal_without_version_2012(self):
        # S31 (D-VER, D-VARS, H; F1)
        condition = cond("StringLike", "s3:prefix", "home/${aws:username}/*")
        context = {"aws:username": "alice", "s3:prefix": "home/alice/x"}
        assert not holds(condition, context, variables=False)
        assert holds(condition, {"s3:prefix": "home/${aws:username}/x"}, variables=False)

    def test_unresolved_variable_fails_positive_and_passes_negated_operators(self):
        # S32 / §2.2 (D-VARS, H): role sessions have no aws:username
        context = {"s3:prefix": "b/alice/x", "s3:ExistingObjectTag/Team": "red"}
        assert not holds(cond("StringLike", "s3:prefix", "b/${aws:username}/*"), context)
        assert holds(cond("StringNotEquals", "s3:ExistingObjectTag/Team", "${aws:PrincipalTag/Team}"), context)
        # one unresolved value does not hide a static value that decides
        assert holds(cond("StringEquals", "s3:ExistingObjectTag/Team", "${aws:PrincipalTag/Team}", "red"), context)
        assert not holds(
            cond("StringNotEquals", "s3:ExistingObjectTag/Team", "${aws:PrincipalTag/Team}", "red"), context
        )

    def test_default_value_is_used_when_the_key_is_absent(self):
        # S33 (D-VARS, H)
        condition = cond("StringEquals", "s3:prefix", "corp-${aws:PrincipalTag/team, 'company-wide'}")
        assert holds(condition, {"s3:prefix": "corp-company-wide"})
        assert holds(condition, {"s3:prefix": "corp-yellow", "aws:PrincipalTag/team": "yellow"})

    def test_fixed_variables_are_literal_characters(self):
        # S34 (D-VARS, H)
        condition = cond("StringLike", "s3:prefix", "a${*}b")
        assert holds(condition, {"s3:prefix": "a*b"})
        assert not holds(condition, {"s3:prefix": "axb"})
        assert holds(cond("StringLike", "s3:prefix", "a${?}${$}"), {"s3:prefix": "a?$"})
        assert not holds(cond("StringLike", "s3:prefix", "a${?}"), {"s3:prefix": "ab"})

    def test_substituted_values_are_literal_inside_like_patterns(self):
        condition = cond("StringLike", "s3:prefix", "${aws:PrincipalTag/p}/*")
        assert holds(condition, {"s3:prefix": "a?/x", "aws:PrincipalTag/p": "a?"})
        assert not holds(condition, {"s3:prefix": "ab/x", "aws:PrincipalTag/p": "a?"})

    def test_variable_key_names_ignore_case(self):
        assert holds(
            cond("StringEquals", "s3:prefix", "${AWS:UserName}"), {"aws:username": "alice", "s3:prefix": "alice"}
        )

    def test_variables_work_in_arn_and_bool_values_only(self):
        # §2.4 (D-VARS, H): not in Numeric, Date, IpAddress, Binary
        context = {
            "aws:PrincipalAccount": "111111111111",
            "aws:SourceArn": "arn:aws:sns:us-east-1:111111111111:t",
            "aws:SecureTransport": "true",
            "custom:flag": "true",
            "aws:EpochTime": "5",
            "custom:n": "5",
        }
        assert holds(cond("ArnLike", "aws:SourceArn", "arn:aws:sns:*:${aws:PrincipalAccount}:*"), context)
        assert holds(cond("Bool", "aws:SecureTransport", "${custom:flag}"), context)
        assert not holds(cond("NumericEquals", "aws:EpochTime", "${custom:n}"), context)

    def test_arn_not_like_with_variable(self):
        context = {"aws:PrincipalAccount": "111111111111", "aws:SourceArn": "arn:aws:sns:us-east-1:999999999999:t"}
        assert holds(cond("ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:${aws:PrincipalAccount}:*"), context)

    def test_multivalued_keys_cannot_be_variables(self):
        assert not holds(cond("StringEquals", "s3:prefix", "${aws:TagKeys}"), {"aws:TagKeys": ["a"], "s3:prefix": "a"})

    def test_trust_policy_forcing_session_name_to_user_name(self):
        # §2.4 worked example (D-STSKEYS, H): fails for callers without aws:username
        condition = cond("StringLike", "sts:RoleSessionName", "${aws:username}")
        assert holds(condition, {"aws:username": "alice", "sts:RoleSessionName": "alice"})
        assert not holds(condition, {"sts:RoleSessionName": "alice"})


class TestSubstituteVariables:
    # §2.4 D-VARS (H), F13
    CONTEXT = make_context({"aws:username": "alice", "aws:PrincipalTag/team": "yellow", "aws:TagKeys": ["a"]})
    CASES = [
        ("arn:aws:s3:::bucket/home/${aws:username}/*", "arn:aws:s3:::bucket/home/alice/*"),
        ("corp-${aws:PrincipalTag/team, 'company-wide'}", "corp-yellow"),
        ("corp-${aws:PrincipalTag/dept, 'company-wide'}", "corp-company-wide"),
        ("corp-${aws:PrincipalTag/dept,'x'}", "corp-x"),  # spaces around the comma are optional (F13)
        ("corp-${aws:PrincipalTag/dept , ''}", "corp-"),
        ('corp-${aws:PrincipalTag/dept, "x"}', 'corp-${aws:PrincipalTag/dept, "x"}'),  # double quotes: not one
        ("${ aws:username }", "${ aws:username }"),  # spaces inside: not a variable (F13)
        ("${*}${?}${$}", "*?$"),
        ("no variables", "no variables"),
        ("${aws:username}${aws:username}", "alicealice"),
        ("${}", "${}"),
        ("$${aws:username}}", "$alice}"),
    ]

    @pytest.mark.parametrize(("text", "expected"), CASES)
    def test_substitution(self, text, expected):
        assert substitute_variables(text, self.CONTEXT) == expected

    @pytest.mark.parametrize("text", ["${aws:PrincipalTag/dept}", "a-${aws:TagKeys}", "${aws:userid}/x"])
    def test_unresolved_variable_gives_none(self, text):
        assert substitute_variables(text, self.CONTEXT) is None

    def test_glob_form_escapes_substituted_text_and_fixed_variables(self):
        context = make_context({"k": "a*b"})
        assert substitute_variables("x*${k}${?}\\", context, for_glob=True) == "x*a\\*b\\?\\\\"

    def test_non_string_text_gives_none(self):
        assert substitute_variables(None, self.CONTEXT) is None


# ---------------------------------------------------------------------------------------------- misc


class TestDatesAndNumbers:
    def test_date_less_than_current_time(self):
        # S44 (D-OPS, D-GKEYS, H)
        condition = cond("DateLessThan", "aws:CurrentTime", "2026-06-30T23:59:59Z")
        assert holds(condition, {"aws:CurrentTime": "2026-06-01T00:00:00Z"})
        assert not holds(condition, {"aws:CurrentTime": "2026-07-01T00:00:00Z"})

    def test_token_issue_time_revocation_guard(self):
        # S75 (D-REVOKE, H): sessions issued before the cut-off are denied
        condition = cond("DateLessThan", "aws:TokenIssueTime", "2026-01-01T09:30:00Z")
        assert holds(condition, {"aws:TokenIssueTime": "2026-01-01T09:00:00Z"})
        assert not holds(condition, {"aws:TokenIssueTime": "2026-01-01T09:31:00Z"})

    def test_epoch_time_with_date_and_numeric_operators(self):
        # §3.2 D-GKEYS (H): aws:EpochTime works with Date and Numeric operators
        context = {"aws:EpochTime": "1767258000"}
        assert holds(cond("DateGreaterThanEquals", "aws:EpochTime", "2026-01-01T09:00:00Z"), context)
        assert holds(cond("NumericLessThan", "aws:EpochTime", "1767258001"), context)

    def test_numbers_that_do_not_parse_never_match(self):
        assert not holds(cond("NumericEquals", "s3:max-keys", "10"), {"s3:max-keys": "ten"})
        assert not holds(cond("NumericNotEquals", "s3:max-keys", "10"), {"s3:max-keys": "ten"})
        assert not holds(cond("NumericNotEquals", "s3:max-keys", "ten"), {"s3:max-keys": "10"})


class TestIpAddresses:
    def test_source_ip_table(self):
        # S42 (D-OPS, D-GKEYS, H)
        condition = cond("IpAddress", "aws:SourceIp", "203.0.113.0/24", "2001:DB8:1234:5678::/64")
        assert holds(condition, {"aws:SourceIp": "203.0.113.7"})
        assert not holds(condition, {"aws:SourceIp": "198.51.100.1"})
        assert not holds(condition, {})
        assert holds(condition, {"aws:SourceIp": "2001:db8:1234:5678::1"})

    def test_invalid_policy_cidr_never_matches(self):
        assert not holds(cond("IpAddress", "aws:SourceIp", "203.0.113.0/33"), {"aws:SourceIp": "203.0.113.7"})
        assert not holds(cond("NotIpAddress", "aws:SourceIp", "bad"), {"aws:SourceIp": "203.0.113.7"})


# ---------------------------------------------------------------------------------------------- robustness


class TestHostileInput:
    def test_unknown_operator_never_holds(self):
        assert not holds(cond("StringSortOf", "aws:username", "alice"), {"aws:username": "alice"})

    def test_malformed_condition_objects_never_raise(self):
        broken = Condition("StringEquals", "StringEquals", None, False, None, ("a",), "$")
        odd_values = Condition("StringEquals", "StringEquals", None, False, "k", (None, 3), "$")
        assert conditions_match((broken, odd_values), {"k": ("a",)}, variables=True)[0] is False

    @pytest.mark.parametrize("conditions", [None, 5, "StringEquals", (None,), (5, "x")])
    def test_malformed_condition_blocks_never_hold(self, conditions):
        assert conditions_match(conditions, {}, variables=True)[0] is False

    def test_malformed_context_values_never_raise(self):
        block = (cond("NumericLessThan", "k", "5"), cond("StringLike", "j", "a*"))
        assert conditions_match(block, {"k": (None,), "j": (5,)}, variables=True)[0] is False
        assert conditions_match(block, {"k": "3", "j": "abc"}, variables=True)[0] is True

    def test_long_and_unicode_values(self):
        huge = "é" * 2000
        assert holds(cond("StringLike", "k", "*".join("é" * 50)), {"k": huge})
        assert holds(cond("StringEqualsIgnoreCase", "k", huge.upper()), {"k": huge})
        assert not holds(cond("NumericEquals", "k", "1" * 2000), {"k": "1" * 1999})
        assert not holds(cond("DateEquals", "k", huge), {"k": huge})
        assert not holds(cond("IpAddress", "k", huge), {"k": huge})

    def test_conditions_are_compiled_once_per_block(self):
        block = (cond("StringEquals", "aws:username", "alice"),)
        context = make_context({"aws:username": "alice"})
        assert conditions_match(block, context, variables=True) == conditions_match(block, context, variables=True)
        assert conditions_match(block, context, variables=False) == (True, ())


_OPERATOR_NAMES = st.sampled_from(sorted(BASE_OPERATORS))
_QUALIFIERS = st.sampled_from(["", "ForAnyValue:", "ForAllValues:"])
_SCALARS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "true",
            "FALSE",
            "10",
            "-1.5",
            "2026-01-01T09:00:00Z",
            "1767258000",
            "203.0.113.7",
            "10.0.0.0/8",
            "arn:aws:s3:::b/*",
            "${aws:username}",
            "${aws:x, 'd'}",
            "${*}",
        ]
    ),
)


@settings(max_examples=300)
@given(
    operator=_OPERATOR_NAMES,
    qualifier=_QUALIFIERS,
    if_exists=st.booleans(),
    values=st.lists(_SCALARS, max_size=3),
    request=st.lists(_SCALARS, max_size=3),
    present=st.booleans(),
    variables=st.booleans(),
)
def test_conditions_never_raise_on_generated_input(operator, qualifier, if_exists, values, request, present, variables):
    suffix = "IfExists" if if_exists and operator != "Null" else ""
    condition = cond(qualifier + operator + suffix, "aws:Key", *values)
    raw = {"aws:Key": request, "aws:username": "alice"} if present else {"aws:username": "alice"}
    result, absent = conditions_match((condition,), make_context(raw), variables=variables)
    assert result in (True, False)
    assert absent in ((), ("aws:Key",))


@given(
    st.dictionaries(
        st.text(max_size=10),
        st.one_of(st.text(max_size=10), st.integers(), st.booleans(), st.lists(st.text(max_size=5), max_size=3)),
    )
)
def test_make_context_only_raises_engine_errors(raw):
    try:
        context = make_context(raw)
    except EngineError:
        return
    assert all(isinstance(value, tuple) for value in context.values())
