"""Policy parsing and validation (iamtutor/engine/policy.py).

Every rule cites its fact in iam-reference.md (section and source tag). The MOTO-PV tables below are the
documents and messages moto recorded from real AWS CreatePolicy calls (§0: "78 invalid documents with the
exact message AWS returned"), so they pin both IAM's wording and which message wins when several apply.
"""

from __future__ import annotations

import contextlib
import json
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamtutor.engine.errors import EngineError, PolicyError
from iamtutor.engine.policy import (
    BASE_OPERATORS,
    Condition,
    Policy,
    PrincipalSpec,
    Statement,
    check_inline_policy_total,
    invalid_principal_error,
    iter_policy_problems,
    parse_policy,
    policy_size,
    split_operator,
)

B = "arn:aws:s3:::example_bucket"


def S(**kw):
    return {"Version": "2012-10-17", "Statement": kw}


def A(*stmts):
    return {"Version": "2012-10-17", "Statement": list(stmts)}


SYN = "Syntax errors in policy."
VER = "Policy document must be version 2012-10-17 or greater."
LEG = "The policy failed legacy parsing"
NOV = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
IAMP = (
    'IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, instance-profile/, '
    "mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/."
)
# §1.1–§1.7 MOTO-PV (H): CreatePolicy documents AWS rejected, with the message it gave.
MOTO_INVALID = [
    ("This is not a json document", SYN),
    ({"Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": B}}, VER),
    ({"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": B}}, VER),
    ({"Version": "2013-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": B}}, SYN),
    ({"Version": "2012-10-17"}, SYN),
    ({"Version": "2012-10-17", "Statement": ["afd"]}, SYN),
    (
        {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": B},
            "Extra field": "value",
        },
        SYN,
    ),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=B, **{"Extra field": "value"}), SYN),
    (
        {
            "Version": "2012-10-17",
            "Id": ["cd3a"],
            "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": B},
        },
        SYN,
    ),
    (
        {"Version": "2012-10-17", "Id": {}, "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": B}},
        SYN,
    ),
    (S(Effect="invalid", Action="s3:ListBucket", Resource=B), SYN),
    (S(Effect="Allow", Action="invalid", Resource=B), NOV),
    (S(Effect="Allow", NotAction="", Resource=B), NOV),
    (S(Effect="Allow", Action="a a:ListBucket", Resource=B), "Vendor a a is not valid"),
    (S(Effect="Allow", Action="s3:List:Bucket", Resource=B), "Actions/Condition can contain only one colon."),
    (
        A(
            {"Effect": "Allow", "Action": "s3s:ListBucket", "Resource": B},
            {"Effect": "Allow", "Action": "s:3s:ListBucket", "Resource": B},
        ),
        "Actions/Condition can contain only one colon.",
    ),
    (
        S(Effect="Allow", Action="s3:ListBucket", Resource="invalid resource"),
        'Resource invalid resource must be in ARN format or "*".',
    ),
    (
        A(
            {
                "Sid": "EnableDisableHongKong",
                "Effect": "Allow",
                "Action": ["account:EnableRegion", "account:DisableRegion"],
                "Resource": "",
                "Condition": {"StringEquals": {"account:TargetRegion": "ap-east-1"}},
            },
            {
                "Sid": "ViewConsole",
                "Effect": "Allow",
                "Action": ["aws-portal:ViewAccount", "account:ListRegions"],
                "Resource": "",
            },
        ),
        'Resource  must be in ARN format or "*".',
    ),
    (S(Effect="Allow", Action="s:3:ListBucket", Resource="sdfsadf"), 'Resource sdfsadf must be in ARN format or "*".'),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=["adf"]), 'Resource adf must be in ARN format or "*".'),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=""), 'Resource  must be in ARN format or "*".'),
    (
        S(Effect="Allow", NotAction="s3s:ListBucket", Resource="a:bsdfdsafsad"),
        'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".',
    ),
    (
        S(Effect="Allow", NotAction="s3s:ListBucket", Resource="a:b:cadfsdf"),
        'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".',
    ),
    (
        S(Effect="Allow", NotAction="s3s:ListBucket", Resource="a:b:c:d:e:f:g:h"),
        'Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".',
    ),
    (
        S(Effect="Allow", Action="s3:ListBucket", Resource="aws:s3:::example_bucket"),
        'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".',
    ),
    (
        S(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=["arn:error:s3:::example_bucket", "arn:error:s3::example_bucket"],
        ),
        'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".',
    ),
    ({"Version": "2012-10-17", "Statement": []}, SYN),
    (S(Effect="Allow", Action="s3:ListBucket"), "Policy statement must contain resources."),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=[]), "Policy statement must contain resources."),
    (S(Effect="Allow", Action="invalid"), NOV),
    (S(Effect="Allow", Resource=B), "Policy statement must contain actions."),
    (S(Action="s3:ListBucket", Resource=B), SYN),
    (S(Effect="Allow"), "Policy statement must contain actions."),
    (S(Effect="Allow", Action=[], Resource=B), "Policy statement must contain actions."),
    (
        A({"Effect": "Deny"}, {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": B}),
        "Policy statement must contain actions.",
    ),
    (S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:iam:::example_bucket"), IAMP),
    (S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:s3::example_bucket"), LEG),
    (S(Effect="Allow", Resource="arn:aws:s3::example_bucket"), LEG),
    (
        S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws"),
        "Resource vendor must be fully qualified and cannot contain regexes.",
    ),
    (S(Effect="Allow", Action="s3:ListBucket", Resource={"a": B}), SYN),
    (S(Effect="Deny", Action="s3:ListBucket", Resource=["adfdf", {}]), SYN),
    (S(Effect="Allow", NotAction="s3:ListBucket", Resource=B, NotResource=[]), SYN),
    (S(Effect="Deny", Action=[[]], Resource=B), SYN),
    (S(Effect="Allow", NotAction="s3s:ListBucket", Action=[], Resource=B), SYN),
    (S(Effect="Allow", Action={}, Resource=B), SYN),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition=[]), SYN),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition="a"), SYN),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition={"a": "b"}), SYN),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition={"DateGreaterThan": "b"}), SYN),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition={"DateGreaterThan": []}), SYN),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition={"DateGreaterThan": {"a": {}}}), SYN),
    (S(Effect="Allow", Resource=B, Condition={"DateGreaterThan": {"a": {}}}), SYN),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition={"x": {"a": "1"}}), SYN),
    (
        S(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=B,
            Condition={"ForAnyValue::StringEqualsIfExists": {"a": "asf"}},
        ),
        SYN,
    ),
    (
        S(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=B,
            Condition=[{"ForAllValues:StringEquals": {"aws:TagKeys": "Department"}}],
        ),
        SYN,
    ),
    (
        S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:iam:us-east-1::example_bucket"),
        "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.",
    ),
    (
        S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:s3:us-east-1::example_bucket"),
        "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.",
    ),
    (S(Sid={}, Effect="Allow", Action="s3:ListBucket", Resource=B), SYN),
    (S(Sid=[], Effect="Allow", Action="s3:ListBucket", Resource=B), SYN),
    (
        A(
            {"Sid": "sdf", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": B},
            {"Sid": "sdf", "Effect": "Allow"},
        ),
        "Statement IDs (SID) in a single policy must be unique.",
    ),
    (
        {
            "Statement": [
                {"Sid": "sdf", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": B},
                {"Sid": "sdf", "Effect": "Allow"},
            ]
        },
        VER,
    ),
    (S(Effect="Allow", NotAction="s3:ListBucket", Action="iam:dsf", Resource=B), SYN),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=B, NotResource="*"), SYN),
    (S(Effect="denY", Action="s3:ListBucket", Resource=B), LEG),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition={"DateGreaterThan": {"a": "sdfdsf"}}), LEG),
    (
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": B,
                "Condition": {"DateGreaterThan": {"a": "sdfdsf"}},
            }
        },
        VER,
    ),
    ({"Statement": {"Effect": "denY", "Action": "s3:ListBucket", "Resource": B}}, VER),
    (S(Effect="Allow", Condition={"DateGreaterThan": {"a": "sdfdsf"}}), LEG),
    (S(Effect="Allow", NotAction="s3:ListBucket", Resource="arn:aws::::example_bucket"), LEG),
    (S(Effect="allow", Resource="arn:aws:s3:us-east-1::example_bucket"), LEG),
    (
        A(
            {"Sid": "sdf", "Effect": "aLLow", "Action": "s3:ListBucket", "Resource": B},
            {"Sid": "sdf", "Effect": "Allow"},
        ),
        LEG,
    ),
    (S(Effect="Allow", Action="s3:ListBucket", NotResource="arn:aws:s3::example_bucket"), LEG),
    (S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition={"DateLessThanEquals": {"a": "234-13"}}), LEG),
    (
        S(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=B,
            Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+1"}},
        ),
        LEG,
    ),
    (
        S(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource=B,
            Condition={"DateLessThanEquals": {"a": "2016-12-13t2:00:00.1999999999+10:59"}},
        ),
        LEG,
    ),
    (
        S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition={"DateLessThan": {"a": "9223372036854775808"}}),
        LEG,
    ),
    (
        S(
            Effect="Allow",
            Action="s3:ListBucket",
            Resource="arn:error:s3:::example_bucket",
            Condition={"DateGreaterThan": {"a": "sdfdsf"}},
        ),
        LEG,
    ),
    (S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws::fdsasf"), LEG),
]
# §1.4, §1.5, §1.7 MOTO-PV (H): documents AWS accepted (unknown services, odd actions, empty blocks).
# §1.4, §1.5, §1.7 MOTO-PV (H): documents AWS accepted (unknown services, odd actions, empty blocks).
MOTO_VALID = [
    S(Effect="Allow", Action="s3:ListBucket", Resource=[B]),
    S(Effect="Allow", Action="iam: asdf safdsf af ", Resource=B),
    S(Effect="Allow", Action="s3:ListBucket", Resource=[B, "*"]),
    S(Effect="Allow", Action="*", Resource=B),
    A({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": B}),
    S(
        Effect="Allow",
        Action="service-prefix:action-name",
        Resource="*",
        Condition={
            "DateGreaterThan": {"aws:CurrentTime": "2017-07-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2017-12-31T23:59:59Z"},
        },
    ),
    S(Effect="Allow", Action="fsx:ListBucket", Resource=B),
    S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:iam:::user/example_bucket"),
    S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:s33:::example_bucket"),
    S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:fdsasf"),
    S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition={}),
    S(
        Effect="Allow",
        Action="s3:ListBucket",
        Resource=B,
        Condition={"ForAllValues:StringEquals": {"aws:TagKeys": "Department"}},
    ),
    S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:cloudwatch:us-east-1::example_bucket"),
    S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:ec2:us-east-1::example_bucket"),
    S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:invalid-service:::example_bucket"),
    S(Effect="Allow", Action="s3:ListBucket", Resource="arn:aws:invalid-service:us-east-1::example_bucket"),
    S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition={"DateGreaterThan": {}}),
    S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition={"DateGreaterThan": {"a": []}}),
    S(Effect="Allow", Action="s3:ListBucket", Resource=B, Condition={"a": {}}),
    S(Sid="dsfsdfsdfsdfsdfsadfsd", Effect="Allow", Action="s3:ListBucket", Resource=B),
]

TRUST_PRINCIPAL = {"AWS": "arn:aws:iam::111111111111:root"}


def trust(**statement):
    """A trust policy with one statement; defaults to a valid AssumeRole grant."""
    body = {"Effect": "Allow", "Principal": TRUST_PRINCIPAL, "Action": "sts:AssumeRole", **statement}
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in body.items() if v is not None}]}


def identity(**statement):
    body = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", **statement}
    return {"Version": "2012-10-17", "Statement": [{k: v for k, v in body.items() if v is not None}]}


def error_of(document, kind="identity", **options) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(document, kind, **options)
    return caught.value


def messages(document, kind="identity", **options) -> list[str]:
    return [problem.message for problem in iter_policy_problems(document, kind, **options)]


def as_inputs(document):
    """The same document as a mapping, as compact text, as indented text and URL-encoded (§1.1, world-format)."""
    if isinstance(document, str):
        return [document]
    text = json.dumps(document)
    return [document, text, json.dumps(document, indent=2), quote(text)]


# --- The recorded AWS answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(("document", "message"), MOTO_INVALID, ids=[f"invalid-{i}" for i in range(len(MOTO_INVALID))])
def test_aws_recorded_rejections(document, message):
    # §1.1–§1.7 MOTO-PV (H): the first problem is the one AWS reported for CreatePolicy
    for document_in in as_inputs(document):
        assert error_of(document_in, managed=True).message == message
        assert next(iter_policy_problems(document_in, managed=True)).message == message


@pytest.mark.parametrize("document", MOTO_VALID, ids=[f"valid-{i}" for i in range(len(MOTO_VALID))])
def test_aws_recorded_acceptances(document):
    # §1.4/§1.5/§1.7 MOTO-PV (H): IAM does not reject unknown services, odd action names or empty blocks
    for document_in in as_inputs(document):
        assert isinstance(parse_policy(document_in, managed=True), Policy)
        assert list(iter_policy_problems(document_in, managed=True)) == []


# --- §8.4 validation scenarios ------------------------------------------------------------------------------


class TestScenarios:
    def test_s47_trust_policy_with_resource(self):
        # §8.4 S47 OBS, MOTO-PV (H)
        document = {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole", "Resource": "*"},
        }
        error = error_of(document, "trust")
        assert (error.code, error.message, error.json_path) == (
            "MalformedPolicyDocument",
            "Has prohibited field Resource",
            "$.Statement.Resource",
        )

    def test_s48_identity_policy_with_principal(self):
        # §8.4 S48 OBS (H)
        document = {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}}
        assert error_of(document).message == "Policy document should not specify a principal."

    @pytest.mark.parametrize("action", ["s3:GetObject", "iam:PassRole", "sts:GetCallerIdentity"])
    def test_s49_non_sts_action_in_trust_policy(self, action):
        # §8.4 S49, §1.8 "Trust-policy actions" OBS (H)
        assert error_of(trust(Action=action), "trust").message == (
            "AssumeRole policy may only specify STS AssumeRole actions."
        )

    def test_s50_unknown_principal_message_is_built_for_the_world(self):
        # §8.4 S50 OBS (H): existence is checked by world.py when it stores the policy; the grammar accepts it
        ghost = {"AWS": "arn:aws:iam::111111111111:role/Ghost"}
        assert parse_policy(trust(Principal=ghost), "trust").statements[0].principal.aws == (ghost["AWS"],)
        error = invalid_principal_error("AWS", ghost["AWS"], json_path="$.Statement[0].Principal")
        assert str(error) == (
            "MalformedPolicyDocument: Invalid principal in policy: "
            '"AWS":"arn:aws:iam::111111111111:role/Ghost" (at $.Statement[0].Principal)'
        )

    @pytest.mark.parametrize("version", ["2008-10-17", None])
    def test_s51_managed_policy_needs_2012_version(self, version):
        # §8.4 S51, §1.2 MOTO-PV (H)
        document = identity()
        document["Version"] = version
        if version is None:
            del document["Version"]
        assert error_of(document, managed=True).message == "Policy document must be version 2012-10-17 or greater."
        assert parse_policy(document).version == version  # inline policies accept either (§1.2, F1)

    @pytest.mark.parametrize(
        ("effect", "message"),
        [
            ("allow", "The policy failed legacy parsing"),
            ("DENY", "The policy failed legacy parsing"),
            ("Permit", "Syntax errors in policy."),
            (True, "Syntax errors in policy."),
        ],
    )
    def test_s52_effect_spelling(self, effect, message):
        # §8.4 S52, §1.3 D-EFF, MOTO-PV (H)
        assert error_of(identity(Effect=effect)).message == message

    def test_s53_sid_rules(self):
        # §8.4 S53, §1.3 MOTO-PV, OBS (H)
        twice = {"Version": "2012-10-17", "Statement": [identity(Sid="S1")["Statement"][0]] * 2}
        assert error_of(twice).message == "Statement IDs (SID) in a single policy must be unique."
        assert error_of(identity(Sid="my-sid")).message == (
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression "
            "[0-9A-Za-z]*"
        )

    def test_s54_missing_pieces(self):
        # §8.4 S54 MOTO-PV (H)
        assert error_of(identity(Action=None)).message == "Policy statement must contain actions."
        assert error_of(identity(Resource=None)).message == "Policy statement must contain resources."
        assert error_of({"Version": "2012-10-17", "Statement": []}).message == "Syntax errors in policy."

    def test_s55_action_prefix(self):
        # §8.4 S55 MOTO-PV, OBS (H)
        assert error_of(identity(Action="GetObject")).message == (
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
        )
        assert error_of(identity(Action="s3:List:Bucket")).message == "Actions/Condition can contain only one colon."

    def test_s56_bad_resource(self):
        # §8.4 S56 MOTO-PV (H)
        assert error_of(identity(Resource="invalid resource")).message == (
            'Resource invalid resource must be in ARN format or "*".'
        )
        assert error_of(identity(Resource="arn:aws:iam:us-east-1::x")).message == (
            "IAM resource arn:aws:iam:us-east-1::x cannot contain region information."
        )

    def test_s57_bad_date_in_condition(self):
        # §8.4 S57, §1.7 MOTO-PV (H)
        document = identity(Condition={"DateGreaterThan": {"aws:CurrentTime": "sdfdsf"}})
        error = error_of(document)
        assert error.message == "The policy failed legacy parsing"
        assert error.json_path == "$.Statement[0].Condition.DateGreaterThan.aws:CurrentTime"

    def test_s58_trust_policy_size_ignores_whitespace(self):
        # §8.4 S58, §1.9 D-QUOTA, OBS (H): 2,048 characters, whitespace not counted, HTTP 409
        base = json.dumps(trust(Condition={"StringEquals": {"sts:ExternalId": ""}}), separators=(",", ":"))
        fill = 2048 - len(base)
        at_limit = base.replace('"sts:ExternalId":""', '"sts:ExternalId":"' + "x" * fill + '"')
        assert policy_size(at_limit) == 2048
        assert parse_policy(at_limit.replace(",", "\n\t  " * 40 + ","), "trust")
        over = at_limit.replace('"x', '"xx')
        error = error_of(over, "trust")
        assert (error.code, error.message, error.http_status) == (
            "LimitExceeded",
            "Cannot exceed quota for ACLSizePerRole: 2048",
            409,
        )
        assert parse_policy(over, "trust", check_size=False)

    def test_s59_role_inline_policies_sum(self):
        # §8.4 S59, §1.9 D-QUOTA, OBS (H)
        document = json.dumps(identity(Sid="x" * (10241 - policy_size(identity(Sid="")))), separators=(",", ":"))
        assert policy_size(document) == 10241
        with pytest.raises(PolicyError) as caught:
            check_inline_policy_total("role", "Deploy", [document])
        assert (caught.value.code, caught.value.message, caught.value.http_status) == (
            "LimitExceeded",
            "Maximum policy size of 10240 bytes exceeded for role Deploy",
            409,
        )
        check_inline_policy_total("role", "Deploy", [identity()] * 10)

    def test_s60_managed_policy_size(self):
        # §8.4 S60, §1.9 D-QUOTA, OBS (H): 6,144 characters, whitespace not counted
        document = identity(Sid="x" * (6145 - policy_size(identity(Sid=""))))
        assert policy_size(document) == 6145
        error = error_of(document, managed=True)
        assert (error.code, error.message, error.http_status) == (
            "LimitExceeded",
            "Cannot exceed quota for PolicySize: 6144",
            409,
        )
        assert parse_policy(document)  # inline policies are limited by their entity's total instead


# --- Policy types (§1.8) ------------------------------------------------------------------------------------


class TestTrustPolicies:
    @pytest.mark.parametrize(
        "action",
        [
            "sts:AssumeRole",
            "sts:AssumeRoleWithSAML",
            "sts:AssumeRoleWithWebIdentity",
            "sts:TagSession",
            "sts:SetSourceIdentity",
            "sts:SetContext",
            "STS:assumerole",
            "*",
            "sts:*",
            "sts:AssumeRole*",  # F28 default: accepted (findings.py warns)
        ],
    )
    def test_role_assumption_actions_are_accepted(self, action):
        # §1.8 "Trust-policy actions" (H); §1.4 D-ACT: action names are case-insensitive (H)
        assert parse_policy(trust(Action=[action, "sts:TagSession"]), "trust").statements[0].resources is None

    def test_missing_principal_uses_the_f5_default(self):
        # §1.6, F5 default: "Missing required field Principal"
        error = error_of(trust(Principal=None), "trust")
        assert (error.message, error.json_path) == ("Missing required field Principal", "$.Statement[0]")

    @pytest.mark.parametrize("element", ["NotPrincipal", "NotResource", "NotAction"])
    def test_other_prohibited_fields_follow_the_same_template(self, element):
        # §1.8 (H for Resource; M for the others — same "Has prohibited field" template)
        document = trust(**{element: "x"})
        if element == "NotAction":
            del document["Statement"][0]["Action"]
        assert f"Has prohibited field {element}" in messages(document, "trust")

    def test_bare_star_principal_is_accepted(self):
        # §1.6, F6 default: accept "Principal": "*" (an error-level finding, not an IAM error)
        spec = parse_policy(trust(Principal="*"), "trust").statements[0].principal
        assert spec == PrincipalSpec(wildcard=True)

    def test_every_principal_type_is_read_into_tuples(self):
        # §1.6 D-PRIN, D-GRAM (H): a bare string and a one-element array mean the same
        principal = {
            "AWS": ["111111111111", "*"],
            "Service": "ec2.amazonaws.com",
            "Federated": ["arn:aws:iam::111111111111:saml-provider/Okta"],
            "CanonicalUser": "ab" * 32,
        }
        spec = parse_policy(trust(Principal=principal), "trust").statements[0].principal
        assert spec == PrincipalSpec(
            wildcard=True,
            aws=("111111111111",),
            service=("ec2.amazonaws.com",),
            federated=("arn:aws:iam::111111111111:saml-provider/Okta",),
            canonical_user=("ab" * 32,),
        )

    @pytest.mark.parametrize(
        "value",
        [
            "arn:aws:iam::111111111111:user/*",
            "arn:aws:sts::111111111111:assumed-role/R/*",
            "arn:aws:iam::*:root",
            "arn:aws:iam::111111111111:group/Admins",
            "alice",
            "11111111111?",
        ],
    )
    def test_partial_wildcards_and_non_principals_are_invalid(self, value):
        # §1.6 D-PRIN, D-AA (H): only the whole value "*" is a wildcard; groups are never principals
        error = error_of(trust(Principal={"AWS": ["111111111111", value]}), "trust")
        assert error.message == f'Invalid principal in policy: "AWS":"{value}"'
        assert error.json_path == "$.Statement[0].Principal.AWS[1]"

    @pytest.mark.parametrize(
        "value",
        [
            "111111111111",
            "arn:aws:iam::111111111111:root",
            "arn:aws:iam::111111111111:user/path/alice",
            "arn:aws:iam::111111111111:role/Deploy",
            "arn:aws:sts::111111111111:assumed-role/Deploy/session",
            "arn:aws:sts::111111111111:federated-user/bob",
            "arn:aws-cn:iam::111111111111:root",
            "AROAEXAMPLEID1234567",
        ],
    )
    def test_valid_aws_principals(self, value):
        # §1.6 D-PRIN (H)
        assert parse_policy(trust(Principal={"AWS": value}), "trust")

    def test_an_empty_principal_list_has_no_principals(self):
        # §1.6 OBS (M): terraform-aws-iam #47
        assert error_of(trust(Principal={"AWS": []}), "trust").message == (
            "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
            "The passed in policy has a statement with no principals!"
        )


class TestOtherPolicyTypes:
    @pytest.mark.parametrize("kind", ["identity", "boundary", "session", "scp"])
    @pytest.mark.parametrize("element", ["Principal", "NotPrincipal"])
    def test_principal_is_forbidden_outside_resource_policies(self, kind, element):
        # §1.6, §1.8 OBS (H)
        error = error_of(identity(**{element: {"AWS": "111111111111"}}), kind)
        assert (error.message, error.json_path) == (
            "Policy document should not specify a principal.",
            f"$.Statement[0].{element}",
        )

    def test_resource_policies_need_a_principal_and_resources(self):
        # §1.6 (H for S3), §1.8 (H)
        assert messages(identity(), "resource") == ["Missing required field Principal"]
        document = identity(Principal="*", Resource=None)
        assert messages(document, "resource") == ["Policy statement must contain resources."]
        assert parse_policy(identity(NotPrincipal={"AWS": "111111111111"}, Effect="Deny"), "resource")

    def test_resource_policy_sids_may_use_any_characters(self):
        # §1.3 (H): "Resource policies of other services may allow spaces"; uniqueness still applies
        assert parse_policy(identity(Principal="*", Sid="my sid-1"), "resource").statements[0].sid == "my sid-1"

    @pytest.mark.parametrize(
        ("action", "ok"),
        [
            ("*", True),
            ("iam:*", True),
            ("iam:Get*", True),
            ("iam:GetRole", True),
            ("iam:*Role", False),
            ("*:GetRole", False),
            ("iam:Get?ole", False),
            ("s3:Get*Object*", False),
        ],
    )
    def test_scp_wildcards_only_alone_or_at_the_end(self, action, ok):
        # §1.4 D-SCP, D-AA (H)
        document = identity(Effect="Deny", Action=action)
        assert (messages(document, "scp") == []) is ok
        assert parse_policy(document, "identity")  # IAM itself accepts them

    def test_classic_scp_grammar_is_an_option(self):
        # F7 default: full grammar; classic mode restricts Allow statements
        document = identity(Condition={"Bool": {"aws:SecureTransport": "true"}}, Resource="arn:aws:s3:::b")
        assert messages(document, "scp") == []
        assert len(messages(document, "scp", classic_scp=True)) == 2

    def test_rcp_rules(self):
        # §1.8 RCP row (M): Principal "*", no NotPrincipal, Deny only except RCPFullAWSAccess
        deny = identity(Effect="Deny", Principal="*")
        assert messages(deny, "rcp") == []
        assert parse_policy(identity(Effect="Deny", Principal={"AWS": "*"}), "rcp")
        assert messages(identity(Effect="Deny", Principal={"AWS": "111111111111"}), "rcp") != []
        allow = identity(Principal="*", Action="*")
        assert messages(allow, "rcp") != []
        assert parse_policy(
            allow, "rcp", name="arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess"
        )

    def test_organizations_policies_count_whitespace(self):
        # §1.9 D-SCP (M), F8: 5,120 characters including whitespace
        document = json.dumps(identity(Effect="Deny"), indent=500)
        assert len(document) > 5120 > policy_size(document)
        error = error_of(document, "scp")
        assert (error.code, error.message) == ("LimitExceeded", "Cannot exceed quota for PolicySize: 5120")

    def test_session_policy_limit_counts_every_character(self):
        # §1.9, §5.1 API-STS (H); F19 default wording
        document = json.dumps(identity(), indent=2) + " " * 2048
        error = error_of(document, "session")
        assert (error.code, error.message) == (
            "ValidationError",
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: "
            "Member must have length less than or equal to 2048",
        )
        assert parse_policy(document, "session", check_size=False)

    def test_unknown_kind_is_an_engine_error(self):
        assert error_of(identity(), "bucket").code == "ValidationError"


# --- Conditions (§1.7, §2.3) ----------------------------------------------------------------------------------


class TestConditions:
    @pytest.mark.parametrize(
        ("operator", "parsed"),
        [
            ("StringEquals", (None, "StringEquals", False)),
            ("StringLikeIfExists", (None, "StringLike", True)),
            ("ForAnyValue:StringLike", ("ForAnyValue", "StringLike", False)),
            ("ForAllValues:StringEqualsIfExists", ("ForAllValues", "StringEquals", True)),
            ("Null", (None, "Null", False)),
            ("ForAnyValue:Null", ("ForAnyValue", "Null", False)),
            # §1.7 D-AA (H): Null takes no IfExists; MOTO-PV (H): malformed qualifier
            ("NullIfExists", None),
            ("ForAnyValue::StringEquals", None),
            ("IfExists", None),
            # Operator names are case-sensitive like the other grammar tokens (D-GRAM; decision in policy.py)
            ("stringequals", None),
            ("forAnyValue:StringEquals", None),
            ("StringEqualsifexists", None),
            ("StringEqualsIfExistsIfExists", None),
            ("ForAnyValue:ForAllValues:StringEquals", None),
        ],
    )
    def test_operator_parsing(self, operator, parsed):
        # §2.3 D-OPS, D-MULTI (H)
        assert split_operator(operator) == parsed

    @pytest.mark.parametrize("base", BASE_OPERATORS)
    def test_every_base_operator_takes_if_exists_except_null(self, base):
        # §2.3 "…IfExists may be appended to every operator except Null" (H)
        assert (split_operator(base + "IfExists") is None) is (base == "Null")

    def test_conditions_are_normalised(self):
        # §1.1 D-GRAM (H): numbers and booleans may be unquoted; values become strings; lists become tuples
        text = (
            '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":'
            '{"Bool":{"aws:MultiFactorAuthPresent":true},"NumericLessThan":{"s3:max-keys":[10, 1.50]},'
            '"StringEquals":{"aws:SourceAccount":111111111111}}}}'
        )
        conditions = parse_policy(text).statements[0].conditions
        assert [(c.operator, c.key, c.values) for c in conditions] == [
            ("Bool", "aws:MultiFactorAuthPresent", ("true",)),
            ("NumericLessThan", "s3:max-keys", ("10", "1.50")),
            ("StringEquals", "aws:SourceAccount", ("111111111111",)),
        ]
        mapping = json.loads(text)
        assert parse_policy(mapping).statements[0].conditions[1].values == ("10", "1.5")

    def test_condition_records_its_parts_and_path(self):
        document = identity(Condition={"ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]}})
        condition = parse_policy(document).statements[0].conditions[0]
        assert condition == Condition(
            "ForAnyValue:StringLikeIfExists",
            "StringLike",
            "ForAnyValue",
            True,
            "aws:TagKeys",
            ("a*", "b"),
            "$.Statement[0].Condition.ForAnyValue:StringLikeIfExists.aws:TagKeys",
        )

    @pytest.mark.parametrize(
        "value",
        [
            "2026-01-01",
            "2026-01-01T09:00:00Z",
            "2026-01-01t09:00:00.123z",
            "2026-01-01T09:00+02:00",
            "2026",
            "0",
            "9223372036854775807",
            1700000000,
        ],
    )
    def test_valid_dates_are_accepted(self, value):
        # §1.7 MOTO-PV, D-OPS (H for the message; M for the exact grammar)
        assert parse_policy(identity(Condition={"DateLessThanIfExists": {"aws:CurrentTime": [value]}}))

    @pytest.mark.parametrize(
        "value",
        [
            "sdfdsf",
            "234-13",
            "2016-13-01",
            "9223372036854775808",
            "${aws:CurrentTime}",
            "2016-12-13t2:00:00.593194+1",
            True,
        ],
    )
    def test_unparsable_dates_fail_legacy_parsing(self, value):
        # §1.7, S57 MOTO-PV (H); §2.3: no policy variables in Date values (H)
        error = error_of(identity(Condition={"ForAnyValue:DateEquals": {"aws:CurrentTime": ["2026-01-01", value]}}))
        assert (error.message, error.json_path) == (
            "The policy failed legacy parsing",
            "$.Statement[0].Condition.ForAnyValue:DateEquals.aws:CurrentTime[1]",
        )

    @pytest.mark.parametrize("value", [None, {}, [[]], [None], {"a": "b"}])
    def test_condition_values_must_be_scalars_or_arrays_of_scalars(self, value):
        # §1.1 MOTO-PV (H): "condition value an object → Syntax errors in policy."
        assert error_of(identity(Condition={"StringEquals": {"aws:username": value}})).message == (
            "Syntax errors in policy."
        )


# --- Versions, Ids, Sids -------------------------------------------------------------------------------------


def test_variables_need_the_2012_version():
    # §1.2, §2.4 D-VARS (H); F1 default: a missing Version means the old language
    document = identity()
    assert parse_policy(document).variables_enabled
    document["Version"] = "2008-10-17"
    assert not parse_policy(document).variables_enabled
    del document["Version"]
    assert not parse_policy(document).variables_enabled


def test_a_string_id_is_accepted_in_identity_policies():
    # §1.3, F2 default: accept (Access Analyzer-style suggestion elsewhere)
    document = {"Id": "policy-1", **identity()}
    assert parse_policy(document).id == "policy-1"


def test_empty_sids_are_allowed_and_not_counted_for_uniqueness():
    # §1.3 MOTO-PV (M)
    statement = identity(Sid="")["Statement"][0]
    assert parse_policy({"Version": "2012-10-17", "Statement": [statement, statement]})


# --- Order of problems and locations ----------------------------------------------------------------------------


MULTI_PROBLEM = """{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "a-1", "Effect": "Allow", "Action": "GetObject", "Resource": "arn:aws:s3:us-east-1::b"},
    {"Sid": "a-1", "Effect": "deny", "Action": "s3:Get*", "Resource": ["*", "nope"]},
    {"Effect": "Allow", "Resource": "*", "Principal": "*"}
  ]
}"""


def test_all_problems_come_in_iam_order_and_parse_raises_the_first():
    # §1.2 ordering facts, MOTO-PV (H) for legacy < sid < actions < resource format < action format
    found = [(p.message, p.json_path, p.line, p.column) for p in iter_policy_problems(MULTI_PROBLEM)]
    assert found == [
        ("Policy document should not specify a principal.", "$.Statement[2].Principal", 6, 42),
        ("The policy failed legacy parsing", "$.Statement[1].Effect", 5, 30),
        (
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression "
            "[0-9A-Za-z]*",
            "$.Statement[0].Sid",
            4,
            13,
        ),
        (
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression "
            "[0-9A-Za-z]*",
            "$.Statement[1].Sid",
            5,
            13,
        ),
        ("Statement IDs (SID) in a single policy must be unique.", "$.Statement[1].Sid", 5, 13),
        ("Policy statement must contain actions.", "$.Statement[2]", 6, 5),
        ("Resource arn:aws:s3:us-east-1::b can not contain region information.", "$.Statement[0].Resource", 4, 74),
        ('Resource nope must be in ARN format or "*".', "$.Statement[1].Resource[1]", 5, 77),
        ("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", "$.Statement[0].Action", 4, 49),
    ]
    assert error_of(MULTI_PROBLEM).message == found[0][0]


def test_syntax_errors_come_before_everything_and_all_are_listed():
    # §1.2 MOTO-PV (H): "Syntax errors in policy." is checked first, even before the managed Version rule
    document = {"Statement": [{"Effect": "Allow", "Action": {}, "Resource": "*", "Extra": 1}, "x"]}
    found = list(iter_policy_problems(json.dumps(document), managed=True))
    assert [p.message for p in found] == ["Syntax errors in policy."] * 3 + [
        "Policy document must be version 2012-10-17 or greater."
    ]
    assert [p.json_path for p in found][:3] == ["$.Statement[1]", "$.Statement[0].Extra", "$.Statement[0].Action"]


def test_version_message_beats_legacy_parsing_for_managed_policies():
    # §1.2 MOTO-PV (H): a versionless document with Effect "denY" still gets the version message
    document = {"Statement": {"Effect": "denY", "Action": "s3:ListBucket", "Resource": "*"}}
    assert error_of(document, managed=True).message == "Policy document must be version 2012-10-17 or greater."
    assert error_of(document).message == "The policy failed legacy parsing"


class TestLocations:
    def test_json_syntax_errors_carry_line_and_column(self):
        text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}'
        error = error_of(text)
        assert (error.code, error.message, error.line, error.column, error.json_path) == (
            "MalformedPolicyDocument",
            "Syntax errors in policy.",
            4,
            24,
            "$.Statement[0]",
        )

    def test_duplicate_keys_are_rejected_where_the_second_one_is(self):
        # §1.1 D-GRAM (H): two Effect keys must be rejected, not "last wins"
        text = '{"Statement": {"Effect": "Allow",\n "Effect": "Deny", "Action": "*", "Resource": "*"}}'
        error = error_of(text)
        assert (error.message, error.line, error.column, error.json_path) == (
            "Syntax errors in policy.",
            2,
            2,
            "$.Statement.Effect",
        )

    def test_statement_lines_are_recorded(self):
        policy = parse_policy(
            json.dumps({"Version": "2012-10-17", "Statement": [identity()["Statement"][0]] * 3}, indent=2)
        )
        assert [s.line for s in policy.statements] == [4, 9, 14]
        assert [s.json_path for s in policy.statements] == ["$.Statement[0]", "$.Statement[1]", "$.Statement[2]"]
        single = parse_policy('{"Statement":\n\n {"Effect": "Allow", "Action": "*", "Resource": "*"}}')
        assert (single.statements[0].line, single.statements[0].json_path) == (3, "$.Statement")
        assert parse_policy(json.dumps(identity())).statements[0].line == 1
        assert parse_policy(identity()).statements[0].line is None

    def test_mapping_input_gets_paths_but_no_lines(self):
        error = error_of(identity(Resource=["*", "bad"]))
        assert (error.json_path, error.line, error.column) == ("$.Statement[0].Resource[1]", None, None)

    def test_url_encoded_text_is_decoded_and_located_in_the_decoded_text(self):
        # world-format.md: a document may arrive URL-encoded as the raw IAM API returns it
        text = json.dumps(identity(Action="GetObject"), indent=1)
        policy_text = quote(json.dumps(identity(), indent=1))
        assert parse_policy(policy_text).text == json.dumps(identity(), indent=1)
        error = error_of(quote(text))
        assert (error.line, error.json_path) == (6, "$.Statement[0].Action")

    def test_the_policy_keeps_its_source_and_name(self):
        text = json.dumps(identity())
        policy = parse_policy(text, name="arn:aws:iam::111111111111:policy/Read")
        assert (policy.text, policy.name, policy.kind) == (text, "arn:aws:iam::111111111111:policy/Read", "identity")
        with pytest.raises(AttributeError):
            policy.statements[0].effect = "Deny"  # frozen
        assert isinstance(policy.statements[0], Statement)
        assert policy == parse_policy(text, name="arn:aws:iam::111111111111:policy/Read")


# --- Sizes (§1.9) ----------------------------------------------------------------------------------------------


def test_policy_size_ignores_whitespace_outside_strings_only():
    # §1.9 D-QUOTA, D-GRAM (H): whitespace outside strings does not count
    assert policy_size('{ "a" : [ "x y" ,\n\t"z" ] }') == len('{"a":["x y","z"]}')
    assert policy_size({"a": ["x y", "z"]}) == len('{"a":["x y","z"]}')
    assert policy_size(quote('{ "a" : 1 }')) == len('{"a":1}')
    assert policy_size('{"a": "\\" \\\\" }') == len('{"a":"\\" \\\\"}')


def test_a_hundred_kilobyte_document_is_refused_before_parsing():
    # §1.1 API-IAM (H): policyDocumentType is 1–131,072 characters
    document = '{"Statement": [' + ",".join(['"x"'] * 40_000) + "]}"
    error = error_of(document, "resource")
    assert (error.code, error.message) == (
        "ValidationError",
        "1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: "
        "Member must have length less than or equal to 131072",
    )


# --- Hostile input ------------------------------------------------------------------------------------------------


class TestHostileInput:
    def test_ten_thousand_deep_nesting(self):
        for text in ("[" * 10_000 + "]" * 10_000, '{"a":' * 10_000 + "1" + "}" * 10_000):
            error = error_of(text)
            assert (error.message, error.line) == ("Syntax errors in policy.", 1)
        deep = {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}
        cursor = deep["Statement"]
        for _ in range(10_000):
            cursor["Condition"] = {}
            cursor = cursor["Condition"]
        assert error_of(deep).message == "Syntax errors in policy."

    def test_a_ten_megabyte_string_is_refused(self):
        # No time bound: at 10,000,000 characters a quadratic pass (about 10**14 steps) would run for hours,
        # so such a regression hangs here instead of passing; parse speed is measured by `bench`.
        for document in ('{"Sid": "' + "a" * 10_000_000 + '"}', ("%7B" * 3_500_000)):
            assert error_of(document, "trust").code == "ValidationError"
        assert error_of(identity(Sid="a" * 10_000_000), managed=True).code == "LimitExceeded"

    def test_characters_outside_latin_1_are_refused_by_iam_with_their_location(self):
        # §1.1 API-IAM (H): only TAB, LF, CR and U+0020–U+00FF
        text = json.dumps(identity(Sid="😀"), ensure_ascii=False, indent=1)
        error = error_of(text)
        assert error.code == "ValidationError"
        assert error.message.endswith(
            r"Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+"
        )
        assert (error.line, error.json_path) == (8, "$")
        assert parse_policy(json.dumps(identity(Resource="arn:aws:s3:::café"), ensure_ascii=False))
        assert parse_policy(json.dumps(identity(Principal="*", Sid="😀"), ensure_ascii=False), "resource")
        assert error_of('{"Sid": "a\x01"}').code == "ValidationError"  # raw control character

    @pytest.mark.parametrize(
        "text",
        [
            "\ufeff" + json.dumps(identity()),
            json.dumps(identity()) + " x",
            json.dumps(identity()) + "{}",
            json.dumps(identity()).replace('"*"', "NaN"),
            json.dumps(identity()).replace('"*"', "-Infinity"),
            "",
            "   ",
            "null",
            "[]",
            '"policy"',
            "12",
            "{'Version': '2012-10-17'}",
        ],
    )
    def test_not_a_json_object(self, text):
        # §1.1 MOTO-PV (H): not JSON at all → "Syntax errors in policy."
        for kind in ("identity", "resource"):
            error = error_of(text, kind)
            assert error.message == "Syntax errors in policy." or error.code == "ValidationError"

    @pytest.mark.parametrize(
        "element",
        [
            "Version",
            "Id",
            "Statement",
            "Sid",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Principal",
            "Condition",
        ],
    )
    @pytest.mark.parametrize(
        "value",
        [None, 12, 1.5, True, [], [None], [[]], {}, {"a": {}}, ["*", 3]],
        ids=["null", "int", "float", "bool", "empty", "null-item", "nested", "obj", "obj2", "mix"],
    )
    def test_wrong_json_types_everywhere(self, element, value):
        # §1.1 MOTO-PV (H): wrong JSON types are syntax errors (or a later, more specific message)
        document = identity(Principal="*")
        target = document if element in ("Version", "Id", "Statement") else document["Statement"][0]
        target[element] = value
        for kind in ("identity", "resource", "trust"):
            for document_in in (document, json.dumps(document)):
                found = list(iter_policy_problems(document_in, kind))
                assert all(isinstance(problem, PolicyError) for problem in found)
                if found:
                    assert error_of(document_in, kind).message == found[0].message

    @pytest.mark.parametrize(
        "document",
        [
            None,
            12,
            b'{"Statement": {}}',
            b"\xff\xfe",
            bytearray(b"[]"),
            ["Statement"],
            {1: "x"},
            {
                "Statement": {
                    "Effect": "Allow",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"Bool": {"k": float("nan")}},
                }
            },
            {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"k": 10**5000}}}},
            {"Statement": {"Effect": "Allow", "Action": {"*"}, "Resource": object()}},
            {"Statement": {"Effect": "Allow", "Action": ("s3:*",), "Resource": "*", 7: 1}},
        ],
        ids=["none", "int", "bytes", "bad-utf8", "bytearray", "list", "int-key", "nan", "huge-int", "objects", "tuple"],
    )
    def test_odd_python_inputs_give_policy_errors(self, document):
        with contextlib.suppress(PolicyError):
            parse_policy(document)
        assert all(isinstance(problem, PolicyError) for problem in iter_policy_problems(document, "trust"))

    def test_a_cyclic_mapping_is_refused_without_recursion_errors(self):
        cyclic = identity()
        cyclic["Statement"][0]["Condition"] = {"StringEquals": {"k": []}}
        cyclic["Statement"][0]["Condition"]["StringEquals"]["k"].append(cyclic)
        for kind in ("identity", "trust", "scp"):
            assert list(iter_policy_problems(cyclic, kind))
            assert isinstance(error_of(cyclic, kind), EngineError)


# --- Properties -------------------------------------------------------------------------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "*",
            "s3:GetObject",
            "sts:AssumeRole",
            "arn:aws:s3:::b/*",
            "Allow",
            "Deny",
            "2012-10-17",
            "arn:aws:iam::111111111111:root",
            "StringEquals",
            "aws:username",
            "2026-01-01T00:00:00Z",
        ]
    ),
)
_keys = st.sampled_from(
    [
        "Version",
        "Id",
        "Statement",
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "AWS",
        "Service",
        "DateLessThan",
        "ForAnyValue:StringLike",
        "Null",
        "aws:TagKeys",
        "x",
    ]
) | st.text(max_size=6)
_json_ish = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=5), max_leaves=25
)


@settings(max_examples=300, deadline=None)
@given(
    _json_ish,
    st.sampled_from(["identity", "trust", "resource", "boundary", "scp", "rcp", "session"]),
    st.booleans(),
    st.booleans(),
)
def test_only_policy_errors_ever_escape(document, kind, as_text, managed):
    if as_text:
        try:
            document = json.dumps(document)
        except ValueError:
            return
    problems = list(iter_policy_problems(document, kind, managed=managed))
    assert all(isinstance(problem, PolicyError) for problem in problems)
    try:
        parse_policy(document, kind, managed=managed)
    except PolicyError as error:
        assert problems and error.message == problems[0].message
    else:
        assert problems == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='{}[]":,\\ \nSVEARPCtaeno*0123456789%7B\u00e9😀\ufeff', max_size=60))
def test_random_text_never_raises_anything_else(text):
    for kind in ("identity", "trust", "resource"):
        assert all(isinstance(problem, PolicyError) for problem in iter_policy_problems(text, kind))
