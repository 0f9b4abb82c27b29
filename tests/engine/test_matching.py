"""Wildcards, actions, resources, ARN operators and principals (iam-reference.md §1.4–§1.6, §2.3, §4.1)."""

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamtutor.engine.matching import (
    compile_arn,
    compile_glob,
    compile_resource,
    escape_glob,
    match_action,
    match_arn,
    match_principal,
    match_resource,
    parse_arn,
)
from iamtutor.engine.policy import PrincipalSpec
from iamtutor.engine.principals import Caller


def _reference_glob(pattern: str, value: str) -> bool:
    """A plainly correct (exponential-free thanks to memoisation) recursive glob matcher to compare with."""

    @cache
    def match(p: int, v: int) -> bool:
        if p == len(pattern):
            return v == len(value)
        if pattern[p] == "*":
            return match(p + 1, v) or (v < len(value) and match(p, v + 1))
        if v < len(value) and (pattern[p] == "?" or pattern[p] == value[v]):
            return match(p + 1, v + 1)
        return False

    return match(0, 0)


def _reference_resource(pattern: str, resource: str) -> bool:
    """§1.5 spelled out: `*` alone, else component by component (short wildcard patterns padded, F4)."""
    if pattern == "*":
        return True
    wanted, given_parts = pattern.split(":", 5), resource.split(":", 5)
    if len(given_parts) < 6:
        return _reference_glob(pattern, resource)
    if len(wanted) < 6:
        if "*" not in pattern and "?" not in pattern:
            return False
        wanted += ["*"] * (6 - len(wanted))
    return all(_reference_glob(p, r) for p, r in zip(wanted, given_parts, strict=True))


# ---------------------------------------------------------------------------------------------- globs


class TestGlob:
    # §1.4 D-ACT, §1.5 D-RES, §2.3 D-OPS StringLike (H): `*` any run incl. empty, `?` exactly one character,
    # whole-string match.
    CASES = [
        ("*", "", True),
        ("*", "anything/at:all", True),
        ("", "", True),
        ("", "a", False),
        ("abc", "abc", True),
        ("abc", "abcd", False),
        ("abc", "ABC", False),
        ("a*", "a", True),
        ("a*", "abc", True),
        ("a*", "ba", False),
        ("*c", "abc", True),
        ("*c", "cb", False),
        ("a*c", "ac", True),
        ("a*c", "abbbc", True),
        ("a*c", "abcb", False),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("a?c", "abbc", False),
        ("?", "é", True),
        ("??", "é", False),
        ("*a*b*", "xxaxxbxx", True),
        ("*a*b*", "xxbxxaxx", False),
        ("a*b?c*d", "aXXbYcZZd", True),
        ("a*b?c*d", "abcd", False),
        ("*ab*ab*", "abab", True),
        ("*ab*ab*", "aba", False),
        ("*aab", "aaab", True),
        ("**", "", True),
        ("a**b", "ab", True),
        ("*?*", "", False),
        ("*?*", "x", True),
    ]

    @pytest.mark.parametrize(("pattern", "value", "expected"), CASES)
    def test_glob_semantics(self, pattern, value, expected):
        assert compile_glob(pattern)(value) is expected

    def test_glob_is_case_sensitive_unless_asked(self):
        assert not compile_glob("S3:Get*")("s3:getobject")
        assert compile_glob("S3:Get*", ignore_case=True)("s3:getobject")

    def test_escaped_glob_treats_escaped_wildcards_literally(self):
        # §2.4 D-VARS (H): ${*} and ${?} are literal characters, not wildcards
        assert compile_glob(r"a\*b", escaped=True)("a*b")
        assert not compile_glob(r"a\*b", escaped=True)("axb")
        assert compile_glob(r"a\?b", escaped=True)("a?b")
        assert not compile_glob(r"a\?b", escaped=True)("axb")
        assert compile_glob(r"a\\b*", escaped=True)("a\\bzz")
        assert compile_glob("a\\", escaped=True)("a\\")  # trailing lone backslash is literal

    def test_escape_glob_round_trips_any_text(self):
        text = r"we*ird?\text"
        assert compile_glob(escape_glob(text), escaped=True)(text)
        assert not compile_glob(escape_glob(text), escaped=True)("weXirdY\\text")

    def test_non_string_pattern_never_matches(self):
        assert not compile_glob(None)("x")
        assert not compile_glob(["*"])("x")

    def test_compiled_matchers_are_cached(self):
        assert compile_glob("cache*me?") is compile_glob("cache*me?")

    @settings(max_examples=400)
    @given(st.text("ab*?", max_size=8), st.text("ab", max_size=10))
    def test_glob_agrees_with_a_reference_matcher(self, pattern, value):
        assert compile_glob(pattern)(value) is _reference_glob(pattern, value)

    @settings(max_examples=200)
    @given(st.text("a*?é/:", max_size=12), st.text("aé/:", max_size=14))
    def test_glob_agrees_with_a_reference_matcher_on_unicode_and_separators(self, pattern, value):
        assert compile_glob(pattern)(value) is _reference_glob(pattern, value)

    @given(st.text(max_size=30), st.text(max_size=60))
    def test_glob_never_raises(self, pattern, value):
        assert compile_glob(pattern)(value) in (True, False)
        assert compile_glob(pattern, ignore_case=True, escaped=True)(value) in (True, False)


class TestHostileGlobs:
    # Linear-time requirement of the engine contract: a 50-star pattern against a 2,000-character value must
    # decide correctly. No time bound here: on the cases that do not match, a backtracking matcher would try
    # the placements of 50 stars in 2,000 characters (about 10**100) and run for hours, so an exponential
    # regression hangs instead of passing. The speed target (well under 1 ms) is the hostile wildcard row of
    # `python -m iamtutor.engine bench`.
    CASES = [
        ("*".join(["a"] * 51), "a" * 1999 + "b", False),
        ("*".join(["a"] * 51), "a" * 2000, True),
        ("*" + "*".join(["ab"] * 50) + "*c", "ab" * 1000, False),
        ("*" + "*".join(["a?"] * 50) + "*", "a" * 2000, True),
        ("*" + "?b" * 25 + "*", "a" * 2000, False),
        ("*" + "*".join(["é"] * 50) + "*", "é" * 2000, True),
    ]

    @pytest.mark.parametrize(("pattern", "value", "expected"), CASES)
    def test_fifty_star_patterns_decide_correctly(self, pattern, value, expected):
        matcher = compile_glob(pattern)
        assert matcher(value) is expected

    def test_fifty_star_resource_pattern_against_a_long_arn(self):
        pattern = "arn:aws:s3:::" + "*".join(["x"] * 50)
        resource = "arn:aws:s3:::" + "x:" * 1000 + "x"
        assert match_resource(pattern, resource)
        assert not match_resource(pattern, resource + "y")


# ---------------------------------------------------------------------------------------------- actions


class TestMatchAction:
    # §1.4 D-ACT (H), S23/S24
    CASES = [
        ("S3:getobject", "s3:GetObject", True),  # S23 actions are case-insensitive
        ("s3:Get*", "s3:GetObjectAcl", True),  # S24
        ("iam:*AccessKey*", "iam:ListAccessKeys", True),  # S24
        ("s3:Get*", "s3:PutObject", False),  # S24
        ("iam:*Report", "iam:GetCredentialReport", True),
        ("*", "sts:AssumeRole", True),
        ("s3:*", "s3express:CreateSession", False),
        ("s?:GetObject", "s3:GetObject", True),  # wildcard in the prefix is accepted (M)
        ("s3:GetObject", "s3:GetObjectAcl", False),
        ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", False),
    ]

    @pytest.mark.parametrize(("pattern", "action", "expected"), CASES)
    def test_match_action(self, pattern, action, expected):
        assert match_action(pattern, action) is expected

    @pytest.mark.parametrize(("pattern", "action"), [(None, "s3:GetObject"), ("*", None), (1, "x")])
    def test_non_strings_never_match(self, pattern, action):
        assert match_action(pattern, action) is False


# ---------------------------------------------------------------------------------------------- resources


class TestMatchResource:
    # §1.5 D-RES (H): case-sensitive; `*` spans `/` in the resource part; per-segment first five components
    CASES = [
        ("arn:aws:s3:::Reports/*", "arn:aws:s3:::reports/q1", False),  # S25
        ("arn:aws:s3:::B/*/test/*", "arn:aws:s3:::B/1/2/test/3/object.jpg", True),  # S26
        ("arn:aws:s3:::B/*/test/*", "arn:aws:s3:::B//test/object.jpg", True),  # S26
        ("arn:aws:s3:::B/*/test/*", "arn:aws:s3:::B/1/test/", True),  # S26
        ("arn:aws:s3:::B/*/test/*", "arn:aws:s3:::B/test/object.jpg", False),  # S26
        ("arn:aws:s3:::B/*/test/*", "arn:aws:s3:::B/1-test/object.jpg", False),  # S26
        ("arn:aws:s3:::log-200?", "arn:aws:s3:::log-2005", True),  # S27
        ("arn:aws:s3:::log-200?", "arn:aws:s3:::log-20055", False),  # S27
        ("arn:aws:s3:::log-200?", "arn:aws:s3:::log-200", False),  # S27
        ("*", "arn:aws:iam::111111111111:role/R", True),
        ("arn:aws:iam::111111111111:role/*", "arn:aws:iam::111111111111:role/team/R", True),
        ("arn:aws:iam::*:role/R", "arn:aws:iam::222222222222:role/R", True),
        ("arn:aws:ec2:*:123:*", "arn:aws:ec2:us-east-1:1234:instance/x", False),
        # the region wildcard does not swallow the account component (per-segment rule, M)
        ("arn:aws:ssm:*:parameter/x", "arn:aws:ssm:us-east-1:111111111111:parameter/x", False),
        # `*` in the resource part spans `:` as well as `/`
        (
            "arn:aws:logs:us-east-1:111111111111:log-group:*",
            "arn:aws:logs:us-east-1:111111111111:log-group:app:log-stream:s1",
            True,
        ),
        ("arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/${aws:username}/x", True),  # no substitution here
    ]

    @pytest.mark.parametrize(("pattern", "resource", "expected"), CASES)
    def test_match_resource(self, pattern, resource, expected):
        assert match_resource(pattern, resource) is expected

    # F4 (iam-simulate, M): short ARNs pad with `*` when they hold a wildcard (identity-style policies),
    # never match in resource policies.
    SHORT = [
        ("arn:aws:s3:*", "arn:aws:s3:::bucket/key", True, False),
        ("arn:aws:s3:*", "arn:aws:s3:us-east-1:111111111111:x:y", True, False),
        ("arn:aws:s3", "arn:aws:s3:::bucket", False, False),
        ("arn:aws:s3:::b", "arn:aws:s3:::b", True, True),
        ("arn:aws:iam::*", "arn:aws:iam::111111111111:role/R", True, False),
    ]

    @pytest.mark.parametrize(("pattern", "resource", "identity", "resource_policy"), SHORT)
    def test_short_arn_patterns(self, pattern, resource, identity, resource_policy):
        assert match_resource(pattern, resource) is identity
        assert match_resource(pattern, resource, pad_short=False) is resource_policy

    def test_request_resource_star_is_covered_only_by_star_by_default(self):
        # F18 default (iam-simulate; D-NOTACT): only "Resource": "*" covers actions without resource types
        assert match_resource("*", "*")
        assert not match_resource("arn:aws:s3:::*", "*")
        # F18 alternative (D-EVAL example): an ARN pattern whose resource part is `*`
        assert match_resource("arn:aws:s3:::*", "*", star_needs_star=False)
        assert not match_resource("arn:aws:s3:::b*", "*", star_needs_star=False)

    def test_non_arn_request_resource_is_matched_as_a_whole(self):
        assert match_resource("my-*", "my-bucket")
        assert not match_resource("arn:aws:s3:::*", "my-bucket")

    def test_escaped_resource_keeps_substituted_stars_literal(self):
        # §2.4 D-VARS (H): ${*} in a resource is a literal star
        assert match_resource(r"arn:aws:s3:::b/a\*", "arn:aws:s3:::b/a*", escaped=True)
        assert not match_resource(r"arn:aws:s3:::b/a\*", "arn:aws:s3:::b/ab", escaped=True)

    def test_compile_resource_agrees_with_match_resource(self):
        matcher = compile_resource("arn:aws:s3:::B/*/test/*")
        assert matcher("arn:aws:s3:::B/1/test/x")
        assert not matcher("arn:aws:s3:::B/test/x")
        assert compile_resource(None)("x") is False

    @settings(max_examples=400)
    @given(
        st.lists(st.text("a*?:", max_size=4), min_size=1, max_size=7),
        st.lists(st.text("a:", max_size=3), min_size=1, max_size=7),
    )
    def test_match_resource_agrees_with_a_per_component_reference(self, pattern_parts, resource_parts):
        # §1.5 (D-RES, H; per-segment rule M; F4): reference built from the plain recursive glob
        pattern = ":".join(["arn", *pattern_parts])
        resource = ":".join(["arn", *resource_parts])
        assert match_resource(pattern, resource) is _reference_resource(pattern, resource)

    @given(st.text(max_size=40), st.text(max_size=60), st.booleans())
    def test_match_resource_never_raises(self, pattern, resource, pad_short):
        assert match_resource(pattern, resource, pad_short=pad_short) in (True, False)

    @pytest.mark.parametrize(("pattern", "resource"), [(None, "x"), ("*", None), (["*"], "x")])
    def test_non_strings_never_match(self, pattern, resource):
        assert match_resource(pattern, resource) is False


# ---------------------------------------------------------------------------------------------- ARN operator


class TestMatchArn:
    # §2.3 ARN operators, D-OPS (H): six components matched separately; S28
    VALUE = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"

    def test_arn_like_is_per_component_while_string_like_is_not(self):
        # S28 (D-OPS, H)
        pattern = "arn:aws:someservice:*:111122223333:finance/*"
        assert match_arn(pattern, self.VALUE) is False
        assert compile_glob(pattern)(self.VALUE) is True

    CASES = [
        ("arn:aws:sns:*:111111111111:*", "arn:aws:sns:us-east-1:111111111111:topic", True),  # S81
        ("arn:aws:sns:*:111111111111:*", "arn:aws:sns:us-east-1:999999999999:topic", False),  # S81
        ("arn:aws:iam::111111111111:role/*", "arn:aws:iam::111111111111:role/a/b", True),
        ("arn:aws:iam::111111111111:role/*", "arn:aws:iam::111111111111:ROLE/a", False),  # case-sensitive
        ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket", True),
        ("arn:aws:s3:::b?cket", "arn:aws:s3:::bucket", True),
        ("arn:aws:*:*:*:*", "not-an-arn", False),  # non-ARN request value never matches (M)
        ("arn:aws:*:*:*:*", "arn:aws:s3:::", True),
        ("arn:aws:*:*:*:*", "arn:aws:s3::", False),  # only five components
        ("*", "arn:aws:s3:::b", False),  # a pattern without six components is not an ARN (M)
        ("arn:*", "arn:aws:s3:::b", False),
    ]

    @pytest.mark.parametrize(("pattern", "value", "expected"), CASES)
    def test_match_arn(self, pattern, value, expected):
        assert match_arn(pattern, value) is expected

    def test_compile_arn_agrees_with_match_arn(self):
        assert compile_arn("arn:aws:s3:::b*")("arn:aws:s3:::bucket")
        assert compile_arn(42)("arn:aws:s3:::b") is False

    @given(st.text(max_size=40), st.text(max_size=60))
    def test_match_arn_never_raises(self, pattern, value):
        assert match_arn(pattern, value) in (True, False)


# ---------------------------------------------------------------------------------------------- principals

ACCOUNT = "111111111111"
OTHER = "222222222222"
ALICE = Caller("user", f"arn:aws:iam::{ACCOUNT}:user/dev/alice", ACCOUNT, unique_id="AIDAALICE0000000001")
ROOT = Caller("root", f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, unique_id=ACCOUNT)
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ops/Deploy"
SESSION = Caller(
    "assumed_role",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/deploy-1",
    ACCOUNT,
    role_arn=ROLE_ARN,
    unique_id="AROADEPLOY000000001:deploy-1",
    session_name="deploy-1",
)
FEDERATED = Caller(
    "federated_user",
    f"arn:aws:sts::{ACCOUNT}:federated-user/bob",
    ACCOUNT,
    user_arn=f"arn:aws:iam::{ACCOUNT}:user/bob",
    unique_id=f"{ACCOUNT}:bob",
)
EC2 = Caller("service", "ec2.amazonaws.com", None, service="ec2.amazonaws.com")
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
WEB = Caller("web_identity", GITHUB, ACCOUNT, provider=GITHUB)
ANONYMOUS = Caller("anonymous", "anonymous", None)
GOV_USER = Caller("user", f"arn:aws-us-gov:iam::{ACCOUNT}:user/alice", ACCOUNT)


def aws(*entries):
    return PrincipalSpec(aws=entries)


class TestMatchPrincipal:
    # §1.6 D-PRIN (H) and §4.1 fact 6 D-EVAL (H): how each Principal form names each kind of caller
    CASES = [
        # everyone
        (PrincipalSpec(wildcard=True), ALICE, "direct"),
        (PrincipalSpec(wildcard=True), ANONYMOUS, "direct"),
        (PrincipalSpec(wildcard=True), EC2, "direct"),
        (aws("*"), SESSION, "direct"),
        # the account: id or :root ARN, for every principal of that account (":root" is not just root)
        (aws(ACCOUNT), ALICE, "account"),
        (aws(f"arn:aws:iam::{ACCOUNT}:root"), ALICE, "account"),
        (aws(f"arn:aws:iam::{ACCOUNT}:root"), SESSION, "account"),
        (aws(f"arn:aws:iam::{ACCOUNT}:root"), FEDERATED, "account"),
        (aws(f"arn:aws:iam::{ACCOUNT}:root"), ROOT, "account"),
        (aws(ACCOUNT), ROOT, "account"),
        (aws(OTHER), ALICE, None),
        (aws(f"arn:aws:iam::{OTHER}:root"), ALICE, None),
        (aws(f"arn:aws:iam::{ACCOUNT}:root"), GOV_USER, None),  # other partition
        (aws(f"arn:aws-us-gov:iam::{ACCOUNT}:root"), GOV_USER, "account"),
        (aws(ACCOUNT), EC2, None),
        (aws(ACCOUNT), ANONYMOUS, None),
        (aws(ACCOUNT), WEB, None),
        # a user, directly; user names are case-sensitive in Principal (D-PRIN, F3)
        (aws(ALICE.arn), ALICE, "direct"),
        (aws(f"arn:aws:iam::{ACCOUNT}:user/dev/Alice"), ALICE, None),
        (aws(f"arn:aws:iam::{ACCOUNT}:user/alice"), ALICE, None),  # path is part of the ARN
        # a role: any session of it, as a "role" grant; a session ARN directly
        (aws(ROLE_ARN), SESSION, "role"),
        (aws(SESSION.arn), SESSION, "direct"),
        (aws(f"arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/other"), SESSION, None),
        (aws(ROLE_ARN), ALICE, None),
        # a federated user: its own ARN directly, the IAM user behind it as a "role" grant
        (aws(FEDERATED.arn), FEDERATED, "direct"),
        (aws(FEDERATED.user_arn), FEDERATED, "role"),
        # unique ids left behind after a deletion match only that very entity (§1.6 D-PRIN)
        (aws("AIDAALICE0000000001"), ALICE, "direct"),
        (aws("AIDAOTHER0000000001"), ALICE, None),
        (aws("AROADEPLOY000000001"), SESSION, "role"),
        (aws("AROAOTHER0000000001"), SESSION, None),
        (aws("AROADEPLOY000000001:deploy-1"), SESSION, None),
        # partial wildcards are never wildcards (§1.6, S29)
        (aws(f"arn:aws:iam::{ACCOUNT}:user/*"), ALICE, None),
        (aws("arn:aws:iam::*:root"), ALICE, None),
        # services and federated providers
        (PrincipalSpec(service=("ec2.amazonaws.com",)), EC2, "direct"),  # S80
        (PrincipalSpec(service=("lambda.amazonaws.com",)), EC2, None),  # S80
        (PrincipalSpec(service=("ec2.amazonaws.com",)), ALICE, None),
        (PrincipalSpec(federated=(GITHUB,)), WEB, "direct"),  # S83
        (PrincipalSpec(federated=("cognito-identity.amazonaws.com",)), WEB, None),
        (PrincipalSpec(canonical_user=("a" * 64,)), ALICE, None),
        (PrincipalSpec(), ALICE, None),
    ]

    @pytest.mark.parametrize(("spec", "caller", "expected"), CASES)
    def test_match_principal(self, spec, caller, expected):
        assert match_principal(spec, caller) == expected

    def test_strongest_match_wins_when_several_entries_name_the_caller(self):
        # §1.6 D-PRIN (H): entries are OR-ed; the evaluator needs the least limited way it matched
        assert match_principal(aws(ACCOUNT, ROLE_ARN, SESSION.arn), SESSION) == "direct"
        assert match_principal(aws(ACCOUNT, ROLE_ARN), SESSION) == "role"
        assert match_principal(aws(OTHER, ACCOUNT), SESSION) == "account"

    def test_service_names_compare_without_case(self):
        assert match_principal(PrincipalSpec(service=("EC2.amazonaws.com",)), EC2) == "direct"

    @pytest.mark.parametrize(("spec", "caller"), [(None, ALICE), (aws(ACCOUNT), None), ("*", ALICE)])
    def test_malformed_input_matches_nothing(self, spec, caller):
        assert match_principal(spec, caller) is None

    def test_non_string_entries_are_ignored(self):
        assert match_principal(PrincipalSpec(aws=(None, 5, ACCOUNT)), ALICE) == "account"


@pytest.mark.parametrize(
    ("value", "fields", "resource_type", "resource_id", "name"),
    [
        (
            "arn:aws:iam::111111111111:role/team/Deploy",
            ("aws", "iam", "", "111111111111", "role/team/Deploy"),
            "role",
            "team/Deploy",
            "Deploy",
        ),
        (
            "arn:aws:sts::111111111111:assumed-role/Reader/work",
            ("aws", "sts", "", "111111111111", "assumed-role/Reader/work"),
            "assumed-role",
            "Reader/work",
            "work",
        ),
        (
            "arn:aws:lambda:us-east-1:111111111111:function:build",
            ("aws", "lambda", "us-east-1", "111111111111", "function:build"),
            "function",
            "build",
            "build",
        ),
        ("arn:aws:s3:::reports", ("aws", "s3", "", "", "reports"), "reports", "reports", "reports"),
    ],
)
def test_parse_arn_splits_the_six_fields_and_keeps_the_resource_whole(value, fields, resource_type, resource_id, name):
    # §1.5 D-RES (H): arn:partition:service:region:account-id:resource, the resource part keeping its colons.
    arn = parse_arn(value)
    assert (arn.partition, arn.service, arn.region, arn.account, arn.resource) == fields
    assert (arn.resource_type, arn.resource_id, arn.name) == (resource_type, resource_id, name)


@pytest.mark.parametrize("value", ["", "arn:aws:s3", "not:an:arn:at:all:x", None, 7])
def test_parse_arn_refuses_what_is_not_an_arn(value):
    assert parse_arn(value) is None
