"""Teaching findings: each check fires on a policy with the problem and stays quiet on a close one without.

Policies are built straight from the ``policy.py`` dataclasses by ``_build`` (the same shape
``parse_policy`` returns), with the JSON text attached so that lines can be checked.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

from iamtutor.engine import data
from iamtutor.engine.errors import EngineError, ParameterError, PolicyError
from iamtutor.engine.findings import FINDINGS, SEVERITIES, Finding, check_policy
from iamtutor.engine.policy import Condition, Policy, PrincipalSpec, Statement

LESSON_ANCHORS = {
    "step-1-users",
    "step-2-role",
    "step-3-trust",
    "step-4-temporary-credentials",
    "step-5-cross-account",
    "step-6-services",
    "step-7-chaining-session-policies",
    "pitfalls",
    "myths",
}
V = "2012-10-17"
A = "111111111111"
B = "222222222222"
GITHUB = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"


# --- building Policy objects from JSON-shaped dicts ------------------------------------------------


def _values(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in items)


def _principal(value: object) -> PrincipalSpec | None:
    if value is None:
        return None
    if value == "*":
        return PrincipalSpec(wildcard=True)
    aws = _values(value.get("AWS")) or ()
    return PrincipalSpec(
        wildcard="*" in aws,
        aws=tuple(a for a in aws if a != "*"),
        service=_values(value.get("Service")) or (),
        federated=_values(value.get("Federated")) or (),
        canonical_user=_values(value.get("CanonicalUser")) or (),
    )


def _conditions(block: dict, path: str) -> tuple[Condition, ...]:
    found = []
    for operator, keys in block.items():
        qualifier, _, rest = operator.rpartition(":")
        if_exists = rest.endswith("IfExists")
        base = rest.removesuffix("IfExists")
        for key, values in keys.items():
            found.append(
                Condition(
                    operator,
                    base,
                    qualifier or None,
                    if_exists,
                    key,
                    _values(values),
                    f"{path}.Condition.{operator}.{key}",
                )
            )
    return tuple(found)


def _build(document: dict, kind: str = "identity") -> Policy:
    """A Policy as ``parse_policy`` would give it, with the document's indented JSON as its text."""
    text = json.dumps(document, indent=2)
    raw = document["Statement"]
    raw_list = raw if isinstance(raw, list) else [raw]
    opening = [n for n, line in enumerate(text.splitlines(), 1) if line in ("    {", '  "Statement": {')]
    statements = []
    for index, item in enumerate(raw_list):
        path = f"$.Statement[{index}]" if isinstance(raw, list) else "$.Statement"
        statements.append(
            Statement(
                index=index,
                sid=item.get("Sid"),
                effect=item["Effect"],
                principal=_principal(item.get("Principal")),
                not_principal=_principal(item.get("NotPrincipal")),
                actions=_values(item.get("Action")),
                not_actions=_values(item.get("NotAction")),
                resources=_values(item.get("Resource")),
                not_resources=_values(item.get("NotResource")),
                conditions=_conditions(item.get("Condition", {}), path),
                json_path=path,
                line=opening[index] if index < len(opening) else None,
            )
        )
    return Policy(kind, document.get("Version"), document.get("Id"), tuple(statements), text=text)


def _stmt(**elements: object) -> dict:
    return {"Effect": "Allow", **elements}


def _doc(*statements: dict, version: str | None = V, **top: object) -> dict:
    document: dict = {"Version": version} if version else {}
    document.update(top)
    document["Statement"] = list(statements)
    return document


def _codes(document: dict, kind: str = "identity", **kw: object) -> list[str]:
    return [f.code for f in check_policy(_build(document, kind), kind, **kw)]


def _trust(**elements: object) -> dict:
    return _doc(_stmt(Action="sts:AssumeRole", **elements))


# --- one triggering policy and one close policy per finding ----------------------------------------

GITHUB_AUD = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
GITHUB_SUB = {"token.actions.githubusercontent.com:sub": "repo:my-org/app:ref:refs/heads/main"}

CASES = [
    # (code, kind, policy with the problem, close policy without it, check_policy keywords)
    # §1.4 D-AA Invalid service (H): IAM accepts unknown services; the catalogue does not know them.
    (
        "INVALID_SERVICE",
        "identity",
        _doc(_stmt(Action="s3x:GetObject", Resource="*")),
        _doc(_stmt(Action="s3:GetObject", Resource="*")),
        {},
    ),
    # §1.4 D-AA Invalid action (H)
    (
        "INVALID_ACTION",
        "identity",
        _doc(_stmt(Action="s3:GetObjects", Resource="*")),
        _doc(_stmt(Action="s3:GetObject", Resource="*")),
        {},
    ),
    # §1.7 D-AA Null with if exists (H)
    (
        "NULL_WITH_IF_EXISTS",
        "identity",
        _doc(_stmt(Action="s3:GetObject", Resource="*", Condition={"NullIfExists": {"aws:TagKeys": "true"}})),
        _doc(_stmt(Action="s3:GetObject", Resource="*", Condition={"Null": {"aws:TagKeys": "true"}})),
        {},
    ),
    # §1.7 D-AA Duplicate keys with different case (H)
    (
        "DUPLICATE_KEYS_DIFFERENT_CASE",
        "identity",
        _doc(
            _stmt(
                Action="s3:GetObject",
                Resource="*",
                Condition={"StringEquals": {"aws:PrincipalTag/team": "a", "aws:principaltag/TEAM": "b"}},
            )
        ),
        _doc(
            _stmt(
                Action="s3:GetObject",
                Resource="*",
                Condition={
                    "StringEquals": {"aws:PrincipalTag/team": "a"},
                    "StringLike": {"aws:principaltag/TEAM": "b"},
                },
            )
        ),
        {},
    ),
    # §1.6 D-AA, ⚠ F6 (M): the bare string form in a role trust policy
    (
        "TRUST_PRINCIPAL_STAR_STRING",
        "trust",
        _trust(Principal="*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
        _trust(Principal={"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
        {},
    ),
    # §1.6 D-PRIN, D-AA Unsupported wildcard in principal (H)
    (
        "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        "trust",
        _trust(Principal={"AWS": "arn:aws:iam::*:root"}),
        _trust(Principal={"AWS": f"arn:aws:iam::{A}:root"}),
        {"account": A},
    ),
    # §2.3 D-GKEYS, D-AA (H): aws:SourceIp only carries public addresses
    (
        "SOURCE_IP_PRIVATE_ONLY",
        "identity",
        _doc(
            _stmt(
                Action="s3:GetObject",
                Resource="*",
                Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.1.7"]}},
            )
        ),
        _doc(
            _stmt(
                Action="s3:GetObject",
                Resource="*",
                Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}},
            )
        ),
        {},
    ),
    # §1.2, §2.4 D-VARS (H): variables are literal without Version 2012-10-17
    (
        "VARIABLE_WITH_OLD_VERSION",
        "identity",
        _doc(_stmt(Action="s3:GetObject", Resource="arn:aws:s3:::b/${aws:username}/*"), version="2008-10-17"),
        _doc(_stmt(Action="s3:GetObject", Resource="arn:aws:s3:::b/${aws:username}/*")),
        {},
    ),
    # §1.6 D-PRIN (H): "*" without a condition trusts every account
    (
        "TRUST_ANY_PRINCIPAL",
        "trust",
        _trust(Principal={"AWS": "*"}),
        _trust(Principal={"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
        {},
    ),
    # §5.6 D-XID (H): another account's root without sts:ExternalId
    (
        "TRUST_ACCOUNT_WITHOUT_EXTERNAL_ID",
        "trust",
        _trust(Principal={"AWS": f"arn:aws:iam::{B}:root"}),
        _trust(
            Principal={"AWS": f"arn:aws:iam::{B}:root"}, Condition={"StringEquals": {"sts:ExternalId": "customer-4711"}}
        ),
        {"account": A},
    ),
    # §3.3 D-STSKEYS, D-AA Missing github repo condition key (H)
    (
        "OIDC_TRUST_WITHOUT_SUB",
        "trust",
        _doc(
            _stmt(
                Principal={"Federated": GITHUB},
                Action="sts:AssumeRoleWithWebIdentity",
                Condition={"StringEquals": GITHUB_AUD},
            )
        ),
        _doc(
            _stmt(
                Principal={"Federated": GITHUB},
                Action="sts:AssumeRoleWithWebIdentity",
                Condition={"StringEquals": {**GITHUB_AUD, **GITHUB_SUB}},
            )
        ),
        {},
    ),
    # §5.11 D-PASS (H)
    (
        "PASSROLE_ON_ANY_RESOURCE",
        "identity",
        _doc(_stmt(Action=["iam:PassRole", "ec2:RunInstances"], Resource="*")),
        _doc(_stmt(Action="iam:PassRole", Resource=f"arn:aws:iam::{A}:role/app-*")),
        {},
    ),
    # §1.4 D-NOTACT (H)
    (
        "ALLOW_WITH_NOT_ACTION",
        "identity",
        _doc(_stmt(NotAction="iam:*", Resource="*")),
        _doc({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}),
        {},
    ),
    # §1.4 D-ACT, §4.1 (H): everything on everything
    (
        "ADMIN_EQUIVALENT",
        "identity",
        _doc(_stmt(Action="*", Resource="*")),
        _doc(_stmt(Action="*", Resource="arn:aws:s3:::bucket/*")),
        {},
    ),
    # §2.3 D-SVM, D-AA ForAllValues with single valued key (H)
    (
        "FORALLVALUES_SINGLE_VALUED_KEY",
        "identity",
        _doc(
            _stmt(
                Action="s3:GetObject",
                Resource="*",
                Condition={"ForAllValues:StringEquals": {"aws:PrincipalTag/team": "blue"}},
            )
        ),
        _doc(
            _stmt(Action="s3:GetObject", Resource="*", Condition={"ForAllValues:StringEquals": {"aws:TagKeys": "team"}})
        ),
        {},
    ),
    # §2.2 D-GKEYS (H): long-term keys carry no aws:MultiFactorAuthPresent
    (
        "MFA_DENY_WITHOUT_IF_EXISTS",
        "identity",
        _doc(
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
            }
        ),
        _doc(
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
            }
        ),
        {},
    ),
    # §5.6 D-CD, D-AA Restrict access to service principal (H)
    (
        "RESOURCE_SERVICE_WITHOUT_SOURCE",
        "resource",
        _doc(_stmt(Principal={"Service": "sns.amazonaws.com"}, Action="sqs:SendMessage", Resource="*")),
        _doc(
            _stmt(
                Principal={"Service": "sns.amazonaws.com"},
                Action="sqs:SendMessage",
                Resource="*",
                Condition={"ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:{A}:*"}},
            )
        ),
        {},
    ),
    # §1.8, ⚠ F28 (M)
    (
        "TRUST_WILDCARD_ACTION",
        "trust",
        _doc(_stmt(Principal={"AWS": f"arn:aws:iam::{A}:root"}, Action="sts:*")),
        _doc(_stmt(Principal={"AWS": f"arn:aws:iam::{A}:root"}, Action=["sts:AssumeRole", "sts:TagSession"])),
        {"account": A},
    ),
    # §3.3 D-STSKEYS (H): the audience claim
    (
        "OIDC_TRUST_WITHOUT_AUD",
        "trust",
        _doc(
            _stmt(
                Principal={"Federated": GITHUB},
                Action="sts:AssumeRoleWithWebIdentity",
                Condition={"StringLike": GITHUB_SUB},
            )
        ),
        _doc(
            _stmt(
                Principal={"Federated": GITHUB},
                Action="sts:AssumeRoleWithWebIdentity",
                Condition={"StringLike": GITHUB_SUB, "StringEquals": GITHUB_AUD},
            )
        ),
        {},
    ),
    # §2.4 D-VARS (H). IAM User Guide, "IAM policy elements: Variables and tags", Where you can use policy
    # variables (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html): variables
    # work only in the resource part of an ARN, after the fifth colon, not in the service or account fields.
    (
        "VARIABLE_BEFORE_RESOURCE_PART",
        "identity",
        _doc(_stmt(Action="sqs:SendMessage", Resource="arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:*")),
        _doc(_stmt(Action="sqs:SendMessage", Resource="arn:aws:sqs:us-east-1:111111111111:${aws:username}-*")),
        {},
    ),
    # §1.6 D-NOTPRIN (H). IAM User Guide, "AWS JSON policy elements: NotPrincipal"
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html):
    # "NotPrincipal must be used with "Effect":"Deny". Using it with "Effect":"Allow" is not supported."
    (
        "ALLOW_WITH_NOT_PRINCIPAL",
        "resource",
        _doc(_stmt(NotPrincipal={"AWS": "arn:aws:iam::111111111111:user/bob"}, Action="s3:GetObject", Resource="*")),
        _doc(
            {
                "Effect": "Deny",
                "NotPrincipal": {"AWS": "arn:aws:iam::111111111111:user/bob"},
                "Action": "s3:GetObject",
                "Resource": "*",
            }
        ),
        {},
    ),
    # §1.5 D-NOTRES (H)
    (
        "ALLOW_WITH_NOT_RESOURCE",
        "identity",
        _doc(_stmt(Action="s3:GetObject", NotResource="arn:aws:s3:::secret/*")),
        _doc({"Effect": "Deny", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::public/*"}),
        {},
    ),
    # §2.3 D-SVM (H)
    (
        "FORANYVALUE_SINGLE_VALUED_KEY",
        "identity",
        _doc(
            _stmt(
                Action="s3:GetObject",
                Resource="*",
                Condition={"ForAnyValue:StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
            )
        ),
        _doc(
            _stmt(
                Action="s3:GetObject",
                Resource="*",
                Condition={"ForAnyValue:StringEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}},
            )
        ),
        {},
    ),
    # §2.3 D-MULTI, ⚠ F12 (M)
    (
        "MULTIVALUED_KEY_WITHOUT_QUALIFIER",
        "identity",
        _doc(_stmt(Action="s3:GetObject", Resource="*", Condition={"StringEquals": {"aws:TagKeys": "team"}})),
        _doc(_stmt(Action="s3:GetObject", Resource="*", Condition={"Null": {"aws:TagKeys": "false"}})),
        {},
    ),
    # §1.2, ⚠ F1 (M)
    (
        "MISSING_VERSION",
        "identity",
        _doc(_stmt(Action="s3:GetObject", Resource="*"), version=None),
        _doc(_stmt(Action="s3:GetObject", Resource="*")),
        {},
    ),
    # §5.6 D-CD, §5.11 (H)
    (
        "TRUST_SERVICE_WITHOUT_SOURCE",
        "trust",
        _trust(Principal={"Service": "lambda.amazonaws.com"}),
        _trust(Principal={"Service": "lambda.amazonaws.com"}, Condition={"StringEquals": {"aws:SourceAccount": A}}),
        {},
    ),
    # §1.4 D-AA Wildcard in service name (M)
    (
        "WILDCARD_IN_SERVICE_NAME",
        "identity",
        _doc(_stmt(Action="s*:GetObject", Resource="*")),
        _doc(_stmt(Action="s3:Get*", Resource="*")),
        {},
    ),
    # §2.1 D-AA Empty array condition, ⚠ F9 (M)
    (
        "EMPTY_ARRAY_CONDITION",
        "identity",
        _doc(_stmt(Action="s3:GetObject", Resource="*", Condition={"StringEquals": {"s3:prefix": []}})),
        _doc(_stmt(Action="s3:GetObject", Resource="*", Condition={"StringEquals": {"s3:prefix": [""]}})),
        {},
    ),
    # §1.3 D-GRAM, ⚠ F2 (M)
    (
        "ID_IN_IDENTITY_POLICY",
        "identity",
        _doc(_stmt(Action="s3:GetObject", Resource="*"), Id="read-bucket"),
        _doc(_stmt(Action="s3:GetObject", Resource="*")),
        {},
    ),
    # §2.1 D-AA Redundant statement (M)
    (
        "REDUNDANT_STATEMENT",
        "identity",
        _doc(
            _stmt(Action=["s3:GetObject", "s3:ListBucket"], Resource="*"),
            _stmt(Action=["s3:listbucket", "s3:GetObject"], Resource="*"),
        ),
        _doc(
            _stmt(Action=["s3:GetObject", "s3:ListBucket"], Resource="*"),
            _stmt(Action=["s3:GetObject", "s3:ListBucket"], Resource="arn:aws:s3:::b/*"),
        ),
        {},
    ),
]


@pytest.mark.parametrize(("code", "kind", "bad", "good", "options"), CASES, ids=[c[0] for c in CASES])
def test_finding_fires_on_the_problem_and_not_on_the_close_policy(code, kind, bad, good, options):
    assert code in _codes(bad, kind, **options)
    assert code not in _codes(good, kind, **options)


# IAM's own validation (policy.py) already refuses these documents, so the finding is only reachable for
# Policy objects built elsewhere: Null cannot take IfExists (§1.7) and principals take no partial
# wildcards (§1.6 "Invalid principal in policy").
REFUSED_BY_THE_PARSER = {"NULL_WITH_IF_EXISTS", "UNSUPPORTED_WILDCARD_IN_PRINCIPAL"}


@pytest.mark.parametrize(("code", "kind", "bad", "good", "options"), CASES, ids=[c[0] for c in CASES])
def test_same_outcome_through_parse_policy_text(code, kind, bad, good, options):
    if code in REFUSED_BY_THE_PARSER:
        with pytest.raises(PolicyError):
            check_policy(json.dumps(bad), kind, **options)
    else:
        assert code in [f.code for f in check_policy(json.dumps(bad, indent=2), kind, **options)]
    assert code not in [f.code for f in check_policy(json.dumps(good, indent=2), kind, **options)]


def test_every_catalogued_finding_has_a_case():
    assert {c[0] for c in CASES} == set(FINDINGS)


# --- the catalogue ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(FINDINGS))
def test_catalogue_entry_is_complete(code):
    info = FINDINGS[code]
    assert code.isupper() and " " not in code
    assert info.severity in SEVERITIES
    assert info.title and not info.title.endswith(".")
    sentences = info.explanation.count(". ") + 1
    assert info.explanation.endswith(".") and 1 <= sentences <= 3
    assert info.lesson in LESSON_ANCHORS
    assert info.source.startswith("§")


def test_findings_carry_catalogue_text():
    (finding,) = check_policy(_build(_doc(_stmt(Action="s3:GetObjects", Resource="*"))), "identity")
    info = FINDINGS["INVALID_ACTION"]
    assert (finding.severity, finding.title, finding.detail, finding.lesson) == (
        info.severity,
        info.title,
        info.explanation,
        info.lesson,
    )


# --- where findings point --------------------------------------------------------------------------


def test_action_finding_points_at_the_element_and_line_of_the_action():
    document = _doc(
        _stmt(Action="s3:GetObject", Resource="*"), _stmt(Action=["s3:ListBucket", "s3:GetObjectz"], Resource="*")
    )
    policy = _build(document)
    (finding,) = check_policy(policy, "identity")
    assert finding.json_path == "$.Statement[1].Action"
    assert finding.subject == "s3:GetObjectz"
    assert policy.text.splitlines()[finding.line - 1].strip() == '"s3:GetObjectz"'


def test_condition_finding_points_at_the_condition_key():
    document = _doc(_stmt(Action="s3:GetObject", Resource="*", Condition={"NullIfExists": {"aws:TagKeys": "true"}}))
    policy = _build(document)
    (finding,) = check_policy(policy, "identity")
    assert finding.json_path == "$.Statement[0].Condition.NullIfExists.aws:TagKeys"
    assert '"aws:TagKeys"' in policy.text.splitlines()[finding.line - 1]


def test_search_for_a_line_stays_inside_the_statement():
    # The second statement's text also holds "s3:GetObjectz", but the finding is in the first one.
    document = _doc(_stmt(Action="s3:GetObjectz", Resource="*"), _stmt(Action="s3:GetObject", Resource="*"))
    policy = _build(document)
    findings = check_policy(policy, "identity")
    assert [f.line for f in findings] == [policy.statements[0].line + 2]


def test_without_source_text_the_line_is_the_statement_line():
    built = _build(_doc(_stmt(Action="s3:GetObjectz", Resource="*")))
    policy = Policy(built.kind, built.version, built.id, built.statements)
    (finding,) = check_policy(policy, "identity")
    assert finding.line == built.statements[0].line


def test_findings_follow_document_order():
    document = _doc(_stmt(Action="s3:Nope", Resource="*"), _stmt(Action="s3x:Get", Resource="*"), version=None)
    assert _codes(document) == ["MISSING_VERSION", "INVALID_ACTION", "INVALID_SERVICE"]


def test_finding_is_a_frozen_value():
    finding = Finding("INVALID_ACTION", "error", "$", None, "t", "d", None)
    with pytest.raises(AttributeError):
        finding.code = "X"  # type: ignore[misc]


# --- actions (§1.4) --------------------------------------------------------------------------------


class TestActions:
    # §1.4 D-ACT (H): action names are case-insensitive
    def test_action_names_are_checked_case_insensitively(self):
        assert _codes(_doc(_stmt(Action="S3:getobject", Resource="*"))) == []

    # §1.4 D-ACT (H): a wildcard pattern that matches no action is as useless as a misspelt action
    def test_wildcard_matching_no_action_is_invalid(self):
        assert _codes(_doc(_stmt(Action="s3:Fetch*", Resource="*"))) == ["INVALID_ACTION"]

    def test_star_alone_is_not_an_action_problem(self):
        assert "INVALID_ACTION" not in _codes(_doc(_stmt(Action="*", Resource="arn:aws:s3:::b")))

    def test_not_action_entries_are_checked_too(self):
        assert "INVALID_SERVICE" in _codes(_doc({"Effect": "Deny", "NotAction": "s3x:*", "Resource": "*"}))

    # §1.8: the STS permission-only actions are real actions
    def test_trust_actions_are_known(self):
        document = _trust(Principal={"AWS": f"arn:aws:iam::{A}:user/alice"})
        document["Statement"][0]["Action"] = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]
        assert _codes(document, "trust", account=A) == []


# --- grants in identity policies -------------------------------------------------------------------


class TestAdminEquivalent:
    # §1.4 D-ACT (H); the escalation list is ours
    @pytest.mark.parametrize("action", ["*", "*:*", "iam:*", "IAM:**", "iam:AttachRolePolicy", "iam:Put*"])
    def test_allow_on_every_resource(self, action):
        assert "ADMIN_EQUIVALENT" in _codes(_doc(_stmt(Action=action, Resource="*")))

    def test_not_action_that_leaves_iam_allowed_is_admin_equivalent(self):
        codes = _codes(_doc(_stmt(NotAction="s3:*", Resource="*")))
        assert "ADMIN_EQUIVALENT" in codes and "ALLOW_WITH_NOT_ACTION" in codes

    def test_not_action_excluding_iam_is_not_admin_equivalent(self):
        assert "ADMIN_EQUIVALENT" not in _codes(_doc(_stmt(NotAction="iam:*", Resource="*")))

    def test_read_only_iam_is_not_admin_equivalent(self):
        assert _codes(_doc(_stmt(Action=["iam:Get*", "iam:List*"], Resource="*"))) == []

    def test_deny_is_never_admin_equivalent(self):
        assert _codes(_doc({"Effect": "Deny", "Action": "*", "Resource": "*"})) == []

    # §1.8: SCPs and boundaries only limit; FullAWSAccess is their normal state
    @pytest.mark.parametrize("kind", ["scp", "boundary", "session"])
    def test_limiting_policy_types_are_not_reported(self, kind):
        assert _codes(_doc(_stmt(Action="*", Resource="*")), kind) == []

    @pytest.mark.parametrize(
        ("actions", "subject"),
        [
            (["s3:GetObject", "iam:*"], "iam:*"),
            (["s3:GetObject", "iam:Put*"], "iam:Put*"),
        ],
    )
    def test_subject_is_the_pattern_that_grants_it(self, actions, subject):
        (finding,) = check_policy(_build(_doc(_stmt(Action=actions, Resource="*"))), "identity")
        assert (finding.json_path, finding.subject) == ("$.Statement[0].Action", subject)


class TestPassRole:
    # §5.11 D-PASS (H)
    @pytest.mark.parametrize("action", ["iam:PassRole", "iam:Pass*", "IAM:passrole"])
    def test_pass_role_on_star(self, action):
        assert _codes(_doc(_stmt(Action=action, Resource="*"))) == ["PASSROLE_ON_ANY_RESOURCE"]

    def test_pass_role_with_not_resource(self):
        codes = _codes(_doc(_stmt(Action="iam:PassRole", NotResource=f"arn:aws:iam::{A}:role/admin")))
        assert "PASSROLE_ON_ANY_RESOURCE" in codes

    def test_admin_statement_is_not_reported_twice(self):
        assert _codes(_doc(_stmt(Action="iam:*", Resource="*"))) == ["ADMIN_EQUIVALENT"]


# --- trust policies (§1.6, §5.6, §3.3) ---------------------------------------------------------------


class TestTrust:
    def test_bare_star_without_condition_reports_both_problems(self):
        assert _codes(_trust(Principal="*"), "trust") == ["TRUST_PRINCIPAL_STAR_STRING", "TRUST_ANY_PRINCIPAL"]

    # §1.6 D-PRIN (H): {"AWS": "*"} is also everyone
    def test_aws_star_without_condition_is_open(self):
        assert _codes(_trust(Principal={"AWS": "*"}), "trust") == ["TRUST_ANY_PRINCIPAL"]

    def test_bare_star_needs_the_source_to_be_seen(self):
        built = _build(_trust(Principal="*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}}), "trust")
        policy = Policy(built.kind, built.version, built.id, built.statements)
        assert [f.code for f in check_policy(policy, "trust")] == []

    # §5.6 D-XID (H): a bare account id is the account too
    @pytest.mark.parametrize("principal", [B, f"arn:aws:iam::{B}:root"])
    def test_other_account_without_external_id(self, principal):
        codes = _codes(_trust(Principal={"AWS": principal}), "trust", account=A)
        assert codes == ["TRUST_ACCOUNT_WITHOUT_EXTERNAL_ID"]

    def test_own_account_needs_no_external_id(self):
        assert _codes(_trust(Principal={"AWS": f"arn:aws:iam::{A}:root"}), "trust", account=A) == []

    def test_unknown_owner_reports_every_account_principal(self):
        assert _codes(_trust(Principal={"AWS": A}), "trust") == ["TRUST_ACCOUNT_WITHOUT_EXTERNAL_ID"]

    def test_a_named_role_in_another_account_is_not_account_level_trust(self):
        assert _codes(_trust(Principal={"AWS": f"arn:aws:iam::{B}:role/deployer"}), "trust", account=A) == []

    def test_external_id_under_any_operator_counts(self):
        document = _trust(Principal={"AWS": B}, Condition={"StringLike": {"STS:EXTERNALID": "cust-*"}})
        assert _codes(document, "trust", account=A) == []

    @pytest.mark.parametrize("sub", ["*", "repo:*", "repo:*/*:ref:refs/heads/main", "repo:??*"])
    def test_github_subject_that_names_no_owner_is_missing(self, sub):
        document = _doc(
            _stmt(
                Principal={"Federated": GITHUB},
                Action="sts:AssumeRoleWithWebIdentity",
                Condition={"StringEquals": GITHUB_AUD, "StringLike": {"token.actions.githubusercontent.com:sub": sub}},
            )
        )
        assert _codes(document, "trust") == ["OIDC_TRUST_WITHOUT_SUB"]

    def test_github_subject_with_an_owner_wildcard_repo_is_enough(self):
        document = _doc(
            _stmt(
                Principal={"Federated": GITHUB},
                Action="sts:AssumeRoleWithWebIdentity",
                Condition={
                    "StringEquals": GITHUB_AUD,
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/*"},
                },
            )
        )
        assert _codes(document, "trust") == []

    def test_negated_subject_condition_does_not_restrict(self):
        document = _doc(
            _stmt(
                Principal={"Federated": GITHUB},
                Action="sts:AssumeRoleWithWebIdentity",
                Condition={
                    "StringEquals": GITHUB_AUD,
                    "StringNotLike": {"token.actions.githubusercontent.com:sub": "x"},
                },
            )
        )
        assert _codes(document, "trust") == ["OIDC_TRUST_WITHOUT_SUB"]

    def test_other_oidc_provider_needs_sub_on_its_own_host(self):
        provider = f"arn:aws:iam::{A}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
        host = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
        document = _doc(
            _stmt(
                Principal={"Federated": provider},
                Action="sts:AssumeRoleWithWebIdentity",
                Condition={
                    "StringEquals": {f"{host}:aud": "sts.amazonaws.com", f"{host}:sub": "system:serviceaccount:ns:app"}
                },
            )
        )
        assert _codes(document, "trust") == []

    def test_saml_trust_is_not_checked_for_oidc_claims(self):
        provider = f"arn:aws:iam::{A}:saml-provider/corp"
        document = _doc(_stmt(Principal={"Federated": provider}, Action="sts:AssumeRoleWithSAML"))
        assert _codes(document, "trust") == []

    def test_service_source_condition_is_case_insensitive(self):
        document = _trust(
            Principal={"Service": "ec2.amazonaws.com"},
            Condition={"ArnLike": {"AWS:SOURCEARN": "arn:aws:ec2:*:111111111111:instance/*"}},
        )
        assert _codes(document, "trust") == []

    def test_deny_statements_in_trust_policies_are_not_reported(self):
        document = _doc({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:*"})
        assert _codes(document, "trust") == []


# --- conditions (§2) -------------------------------------------------------------------------------


class TestConditions:
    # §2.3 D-SVM: types come from the catalogue; unknown keys are left alone
    def test_unknown_key_with_a_qualifier_is_not_reported(self):
        document = _doc(
            _stmt(
                Action="s3:GetObject", Resource="*", Condition={"ForAllValues:StringEquals": {"corp:unknownKey": "x"}}
            )
        )
        assert _codes(document) == []

    def test_service_multivalued_key_with_qualifier_is_fine(self):
        document = _doc(
            _stmt(
                Action="dynamodb:GetItem",
                Resource="*",
                Condition={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": "u1"}},
            )
        )
        assert _codes(document) == []

    def test_for_all_values_if_exists_on_single_valued_key_is_still_reported(self):
        document = _doc(
            _stmt(
                Action="s3:GetObject",
                Resource="*",
                Condition={"ForAllValues:StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}},
            )
        )
        assert _codes(document) == ["FORALLVALUES_SINGLE_VALUED_KEY"]

    def test_mfa_bool_true_in_allow_is_fine(self):
        document = _doc(
            _stmt(Action="s3:GetObject", Resource="*", Condition={"Bool": {"aws:MultiFactorAuthPresent": True}})
        )
        assert _codes(document) == []

    def test_mfa_bool_false_in_allow_is_not_the_deny_pitfall(self):
        document = _doc(
            _stmt(Action="s3:GetObject", Resource="*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})
        )
        assert "MFA_DENY_WITHOUT_IF_EXISTS" not in _codes(document)

    # §2.3 D-OPS (H): NotIpAddress on aws:SourceIp with private ranges never excludes anyone either
    def test_private_ranges_under_not_ip_address(self):
        document = _doc(
            {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": "172.16.0.0/12"}},
            }
        )
        assert _codes(document) == ["SOURCE_IP_PRIVATE_ONLY"]

    def test_ipv6_unique_local_range_is_private(self):
        document = _doc(
            _stmt(Action="s3:GetObject", Resource="*", Condition={"IpAddress": {"aws:SourceIp": "fd00::/8"}})
        )
        assert _codes(document) == ["SOURCE_IP_PRIVATE_ONLY"]

    def test_unparsable_address_is_left_to_the_validator(self):
        document = _doc(
            _stmt(
                Action="s3:GetObject",
                Resource="*",
                Condition={"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "not-an-ip"]}},
            )
        )
        assert _codes(document) == []

    def test_duplicate_keys_under_different_operators_are_fine(self):
        document = _doc(
            _stmt(
                Action="s3:GetObject",
                Resource="*",
                Condition={"StringEquals": {"s3:prefix": "a"}, "StringLike": {"S3:Prefix": "b*"}},
            )
        )
        assert _codes(document) == []

    # §1.2, §2.4 (H): variables in condition values too, and a missing Version is old language (F1)
    def test_variable_in_condition_without_version(self):
        document = _doc(
            _stmt(
                Action="s3:ListBucket", Resource="*", Condition={"StringLike": {"s3:prefix": "home/${aws:username}/*"}}
            ),
            version=None,
        )
        assert _codes(document) == ["MISSING_VERSION", "VARIABLE_WITH_OLD_VERSION"]


# --- document level --------------------------------------------------------------------------------


class TestDocument:
    # §1.3 ⚠ F2: Id belongs in resource-based policies
    def test_id_in_resource_policy_is_fine(self):
        document = _doc(
            _stmt(Principal={"AWS": A}, Action="s3:GetObject", Resource="arn:aws:s3:::b/*"), Id="bucket-policy"
        )
        assert _codes(document, "resource") == []

    def test_repeated_statement_with_a_sid_is_not_redundant(self):
        document = _doc(
            _stmt(Action="s3:GetObject", Resource="*"), _stmt(Sid="Again", Action="s3:GetObject", Resource="*")
        )
        assert _codes(document) == []

    def test_statements_differing_in_effect_are_not_redundant(self):
        document = _doc(
            _stmt(Action="s3:GetObject", Resource="*"), {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}
        )
        assert _codes(document) == []


# --- hostile and wrong input -----------------------------------------------------------------------


class TestInput:
    def test_unknown_kind_is_a_parameter_error(self):
        with pytest.raises(ParameterError):
            check_policy(_build(_doc(_stmt(Action="s3:GetObject", Resource="*"))), "bucket")

    @pytest.mark.parametrize("account", ["12345", 111111111111, "11111111111a"])
    def test_malformed_account_is_a_parameter_error(self, account):
        with pytest.raises(ParameterError):
            check_policy(_build(_doc(_stmt(Action="s3:GetObject", Resource="*"))), "identity", account=account)

    def test_huge_and_odd_strings_only_produce_findings(self):
        odd = "s3:" + "*a" * 5000 + "\u00e9"
        document = _doc(
            _stmt(
                Action=[odd, "ünï:cødé", "x" * 100_000 + ":y"],
                Resource="*",
                Condition={"StringLike": {"\u00e9:" + "k" * 10_000: ["*" * 5000]}},
            )
        )
        codes = _codes(document)
        assert codes == ["INVALID_ACTION", "INVALID_SERVICE", "INVALID_SERVICE"]

    def test_text_that_is_not_json_keeps_statement_lines(self):
        built = _build(_doc(_stmt(Action="s3:GetObjectz", Resource="*")))
        policy = Policy(built.kind, built.version, built.id, built.statements, text="%7B not json")
        (finding,) = check_policy(policy, "identity")
        assert finding.line == built.statements[0].line


def test_url_encoded_source_text_is_read_for_the_bare_star():
    # §1.1: the IAM API returns policy documents URL-encoded; the bare "*" must still be seen (F6).
    built = _build(_trust(Principal="*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}}), "trust")
    encoded = urllib.parse.quote(built.text)
    policy = Policy(built.kind, built.version, built.id, built.statements, text=encoded)
    assert [f.code for f in check_policy(policy, "trust")] == ["TRUST_PRINCIPAL_STAR_STRING"]


class TestThroughParsePolicy:
    """check_policy on JSON text and mappings, parsed by ``policy.parse_policy``."""

    def test_text_input_gives_lines(self):
        text = json.dumps(
            _doc(
                _stmt(Action="s3:GetObject", Resource="*"),
                _stmt(Action=["s3:ListBucket", "s3:GetObjectz"], Resource="*"),
            ),
            indent=2,
        )
        (finding,) = check_policy(text, "identity")
        assert finding.code == "INVALID_ACTION" and finding.json_path == "$.Statement[1].Action"
        assert text.splitlines()[finding.line - 1].strip() == '"s3:GetObjectz"'

    def test_mapping_input_gives_paths(self):
        (finding,) = check_policy(_doc(_stmt(Action="s3:GetObjectz", Resource="*")), "identity")
        assert (finding.code, finding.json_path) == ("INVALID_ACTION", "$.Statement[0].Action")

    # §1.6 ⚠ F6: IAM accepts the bare "*" in a trust policy; the finding teaches {"AWS": "*"}
    def test_open_trust_policy_text(self):
        text = json.dumps(_trust(Principal="*"), indent=2)
        assert [f.code for f in check_policy(text, "trust")] == ["TRUST_PRINCIPAL_STAR_STRING", "TRUST_ANY_PRINCIPAL"]

    def test_github_trust_policy_from_the_lesson_is_clean(self):
        # §8.5 S83: the recommended GitHub Actions trust policy raises nothing.
        document = _doc(
            _stmt(
                Principal={"Federated": GITHUB},
                Action="sts:AssumeRoleWithWebIdentity",
                Condition={
                    "StringEquals": GITHUB_AUD,
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"},
                },
            )
        )
        assert check_policy(document, "trust") == []

    @staticmethod
    def _aws_managed(name: str) -> list[Finding]:
        return check_policy(data.managed_policy_document(f"arn:aws:iam::aws:policy/{name}"), "identity")

    def test_administrator_access_is_the_textbook_admin_grant(self):
        assert [f.code for f in self._aws_managed("AdministratorAccess")] == ["ADMIN_EQUIVALENT"]

    # §1.4 D-NOTACT (H): PowerUserAccess allows everything except IAM, Organizations and Account
    def test_power_user_access_is_allow_with_not_action_but_not_admin(self):
        codes = [f.code for f in self._aws_managed("PowerUserAccess")]
        assert "ALLOW_WITH_NOT_ACTION" in codes and "ADMIN_EQUIVALENT" not in codes

    def test_read_only_access_is_checked_despite_its_size(self):
        # Larger than the 6,144-character quota for customer policies; check_policy leaves quotas alone.
        assert [f for f in self._aws_managed("ReadOnlyAccess") if f.severity == "security"] == []

    @pytest.mark.parametrize(
        "document",
        [
            "{not json",
            "",
            "[]",
            '{"Statement": []}',
            17,
            None,
            b"{}",
            "[" * 100_000,
            {"Statement": [{"Effect": {"a": [[[]]]}}]},
        ],
    )
    def test_invalid_documents_raise_only_engine_errors(self, document):
        with pytest.raises(EngineError):
            check_policy(document, "identity")
