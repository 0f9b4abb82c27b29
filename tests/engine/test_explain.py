"""Tests for ``iamtutor.engine.explain``: AWS's access-denied wording (§4.3) and the teaching sentences.

The strings are pinned exactly: the message formats come from AWS's *Troubleshooting access denied error
messages* page (D-AD); the teaching sentences are ours and the lessons quote them.
"""

from __future__ import annotations

import importlib

import pytest

from iamtutor.engine.errors import ParameterError
from iamtutor.engine.evaluate import Decision, evaluate
from iamtutor.engine.explain import access_denied_message, explain

from .test_evaluate import (
    ALICE,
    ANONYMOUS,
    B_BUCKET,
    B_GRANT_ALICE,
    EC2_ONLY,
    FULL_ACCESS,
    REP_GRANT_ALICE,
    REP_GRANT_ROLE,
    REP_GRANT_SESSION,
    S01_POLICY,
    SCP_DENY_EC2,
    SCP_S3_ONLY,
    SP_EC2,
    STAR,
    A,
    B,
    allow,
    assume,
    aws,
    cond,
    deny,
    ident,
    policy,
    req,
    session,
    trust,
    user,
)

explain_module = importlib.import_module("iamtutor.engine.explain")  # the module, not the re-exported function

ALICE_PREFIX = "User: arn:aws:iam::111111111111:user/alice is not authorized to perform:"
SESSION_PREFIX = "User: arn:aws:sts::111111111111:assumed-role/App/s1 is not authorized to perform:"
TARGET_ROLE = f"arn:aws:iam::{B}:role/TargetRole"


def message(request) -> str:
    return access_denied_message(evaluate(request), request)


# ---- §4.3 implicit denies -------------------------------------------------------------------------------------

IMPLICIT = [
    # §4.3 / §8.1 S02, D-AD (H)
    pytest.param(
        req(ALICE),
        f"{ALICE_PREFIX} s3:GetObject on resource: arn:aws:s3:::rep/q1.csv because no identity-based policy "
        "allows the s3:GetObject action",
        id="identity",
    ),
    # §4.3 / §8.1 S12, D-AD (H)
    pytest.param(
        req(
            ALICE,
            "iam:CreateUser",
            f"arn:aws:iam::{A}:user/new",
            identity_policies=(ident(allow()),),
            boundary=EC2_ONLY,
        ),
        f"{ALICE_PREFIX} iam:CreateUser on resource: arn:aws:iam::111111111111:user/new because no permissions "
        "boundary allows the iam:CreateUser action",
        id="boundary",
    ),
    # §4.3 / §8.1 S07, D-AD (H); the caller ARN of a role session is the session ARN
    pytest.param(
        req(session(), resource_policy=REP_GRANT_ROLE, identity_policies=(ident(allow()),), session_policies=(SP_EC2,)),
        f"{SESSION_PREFIX} s3:GetObject on resource: arn:aws:s3:::rep/q1.csv because no session policy allows "
        "the s3:GetObject action",
        id="session",
    ),
    # §4.3 / §8.1 S11, D-AD / D-XACCT (H)
    pytest.param(
        req(ALICE, resource=B_BUCKET, resource_account=B, identity_policies=(ident(allow()),)),
        f"{ALICE_PREFIX} s3:GetObject on resource: arn:aws:s3:::b-bucket/report because no resource-based policy "
        "allows the s3:GetObject action",
        id="resource",
    ),
    # §4.3 / §8.5 S63, D-AD (H)
    pytest.param(
        assume(ALICE, policy("trust", trust(aws(f"arn:aws:iam::{A}:user/bob")))),
        f"{ALICE_PREFIX} sts:AssumeRole on resource: arn:aws:iam::111111111111:role/Deploy because no role trust "
        "policy allows the sts:AssumeRole action",
        id="trust",
    ),
    # §4.3 / §8.5 S62, D-AD (H): the trust names the account, the identity side is missing
    pytest.param(
        assume(ALICE, policy("trust", trust(aws(A)))),
        f"{ALICE_PREFIX} sts:AssumeRole on resource: arn:aws:iam::111111111111:role/Deploy because no "
        "identity-based policy allows the sts:AssumeRole action",
        id="trust-names-account",
    ),
    # §4.3 / §8.1 S15, D-AD note (H): an SCP miss reads as an explicit deny; no resource for "*"
    pytest.param(
        req(
            ALICE,
            "ec2:DescribeInstances",
            "*",
            identity_policies=(ident(allow()),),
            scps=((FULL_ACCESS,), (SCP_S3_ONLY,)),
        ),
        f"{ALICE_PREFIX} ec2:DescribeInstances with an explicit deny in a service control policy",
        id="scp-miss",
    ),
    # §4.3 RCP wording, ⚠ F23 (M)
    pytest.param(
        req(ALICE, identity_policies=(ident(allow()),), rcps=((policy("rcp", allow("sqs:*", principal=STAR)),),)),
        f"{ALICE_PREFIX} s3:GetObject on resource: arn:aws:s3:::rep/q1.csv with an explicit deny in a resource "
        "control policy",
        id="rcp-miss",
    ),
]


@pytest.mark.parametrize(("request_", "expected"), IMPLICIT)
def test_implicit_deny_messages(request_, expected):
    assert message(request_) == expected


# ---- §4.3 explicit denies -------------------------------------------------------------------------------------

EXPLICIT = [
    # §4.3 / §8.1 S01, D-AD (H)
    pytest.param(
        req(ALICE, "s3:PutObject", "arn:aws:s3:::carlossalazar-logs", identity_policies=(S01_POLICY,)),
        f"{ALICE_PREFIX} s3:PutObject on resource: arn:aws:s3:::carlossalazar-logs with an explicit deny in an "
        "identity-based policy",
        id="identity",
    ),
    pytest.param(
        req(ALICE, identity_policies=(ident(allow()),), boundary=policy("boundary", allow(), deny("s3:*"))),
        f"{ALICE_PREFIX} s3:GetObject on resource: arn:aws:s3:::rep/q1.csv with an explicit deny in a permissions "
        "boundary",
        id="boundary",
    ),
    # D-AD prints "sessions policy" once; §4.3 keeps "session policy"
    pytest.param(
        req(session(), identity_policies=(ident(allow()),), session_policies=(policy("session", deny()),)),
        f"{SESSION_PREFIX} s3:GetObject on resource: arn:aws:s3:::rep/q1.csv with an explicit deny in a session policy",
        id="session",
    ),
    pytest.param(
        req(ALICE, identity_policies=(ident(allow()),), resource_policy=policy("resource", deny(principal=STAR))),
        f"{ALICE_PREFIX} s3:GetObject on resource: arn:aws:s3:::rep/q1.csv with an explicit deny in a "
        "resource-based policy",
        id="resource",
    ),
    pytest.param(
        assume(ALICE, policy("trust", trust(aws(A)), trust(aws(ALICE.arn), effect="Deny"))),
        f"{ALICE_PREFIX} sts:AssumeRole on resource: arn:aws:iam::111111111111:role/Deploy with an explicit deny "
        "in the role trust policy",
        id="trust",
    ),
    # §8.1 S14, D-AD (H)
    pytest.param(
        req(
            ALICE, "ec2:RunInstances", "*", identity_policies=(ident(allow()),), scps=((FULL_ACCESS,), (SCP_DENY_EC2,))
        ),
        f"{ALICE_PREFIX} ec2:RunInstances with an explicit deny in a service control policy",
        id="scp",
    ),
    pytest.param(
        req(ALICE, identity_policies=(ident(allow()),), rcps=((policy("rcp", deny("s3:*", principal=STAR)),),)),
        f"{ALICE_PREFIX} s3:GetObject on resource: arn:aws:s3:::rep/q1.csv with an explicit deny in a resource "
        "control policy",
        id="rcp",
    ),
]


@pytest.mark.parametrize(("request_", "expected"), EXPLICIT)
def test_explicit_deny_messages(request_, expected):
    assert message(request_) == expected


# ---- ⚠ F22: cross-account role assumption ---------------------------------------------------------------------


class TestCrossAccountAssumeRoleWording:
    # §4.3 and ⚠ F22 (M): bare for cross-account, enriched for same account or organization
    BARE = f"{ALICE_PREFIX} sts:AssumeRole on resource: arn:aws:iam::222222222222:role/TargetRole"

    def test_cross_account_assume_role_denial_is_bare(self):
        request = assume(ALICE, policy("trust", trust(aws(ALICE.arn))), role_arn=TARGET_ROLE)
        assert message(request) == self.BARE
        no_trust = assume(ALICE, None, role_arn=TARGET_ROLE, identity_policies=(ident(allow()),))
        assert message(no_trust) == self.BARE

    def test_same_organization_gets_the_enriched_form(self):
        org = {"aws:PrincipalOrgID": "o-abc123", "aws:ResourceOrgID": "o-abc123"}
        request = assume(ALICE, policy("trust", trust(aws(ALICE.arn))), role_arn=TARGET_ROLE, context=org)
        assert message(request) == f"{self.BARE} because no identity-based policy allows the sts:AssumeRole action"

    def test_switch_off_always_enriches(self, monkeypatch):
        monkeypatch.setattr(explain_module, "F22_BARE_CROSS_ACCOUNT_ASSUME_ROLE", False)
        request = assume(ALICE, None, role_arn=TARGET_ROLE, identity_policies=(ident(allow()),))
        assert message(request) == f"{self.BARE} because no role trust policy allows the sts:AssumeRole action"

    def test_other_cross_account_actions_stay_enriched(self):
        # §8.1 S11 expects the "because" clause for a cross-account S3 request (D-AD, H)
        request = req(ALICE, resource=B_BUCKET, resource_account=B, resource_policy=B_GRANT_ALICE)
        assert message(request).endswith("because no identity-based policy allows the s3:GetObject action")


# ---- messages and reasons ---------------------------------------------------------------------------------------


def test_allowed_decision_has_no_access_denied_message_but_a_reason():
    request = req(ALICE, resource_policy=REP_GRANT_ALICE)
    decision = evaluate(request)
    assert access_denied_message(decision, request) == ""
    assert decision.reason == "Allowed: the resource-based policy names the caller directly."


@pytest.mark.parametrize(("request_", "expected"), [*IMPLICIT, *EXPLICIT])
def test_decision_reason_equals_access_denied_message(request_, expected):
    # §4.3 (H): the Decision carries AWS's wording
    assert evaluate(request_).reason == expected


def test_anonymous_caller_message():
    # §4.2 notes (M): anonymous callers are named "anonymous"
    request = req(ANONYMOUS, resource_policy=policy("resource", allow("s3:GetObject", principal=aws(A))))
    assert message(request) == (
        "User: anonymous is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::rep/q1.csv because "
        "no resource-based policy allows the s3:GetObject action"
    )


# ---- teaching sentences ---------------------------------------------------------------------------------------


def lines(request) -> list[str]:
    return explain(evaluate(request), request)


class TestExplain:
    def test_trust_naming_the_account_without_identity_allow(self):
        # §5.2 / S62 (H) — the canonical sentence of the lessons
        assert lines(assume(ALICE, policy("trust", trust(aws(A))))) == [
            "The trust policy names the account 111111111111, so alice's own identity policies must also allow "
            "sts:AssumeRole — none does.",
            "Nothing else grants sts:AssumeRole, so the request is implicitly denied.",
        ]

    def test_trust_naming_the_account_with_identity_allow(self):
        request = assume(ALICE, policy("trust", trust(aws(A))), identity_policies=(ident(allow(), name="Assume"),))
        assert lines(request) == [
            "The trust policy names the account 111111111111, so alice's own identity policies must also allow "
            "sts:AssumeRole.",
            "An identity-based policy allows sts:AssumeRole (Assume).",
            "So the request is allowed.",
        ]

    def test_trust_naming_the_caller(self):
        # §5.2 / S61 (H)
        assert lines(assume(ALICE, policy("trust", trust(aws(ALICE.arn))))) == [
            "The trust policy names alice directly, so in the same account no identity-based policy is needed "
            "and the permissions boundary does not limit the grant.",
            "So the request is allowed.",
        ]

    def test_identity_allow_without_trust(self):
        # §5.2 / S63 (H)
        request = assume(
            ALICE, policy("trust", trust(aws(f"arn:aws:iam::{A}:user/bob"))), identity_policies=(ident(allow()),)
        )
        assert lines(request)[0] == (
            "The trust policy does not allow alice to perform sts:AssumeRole. A role's trust policy must itself "
            "name the caller or its account; an identity-based Allow alone is not enough."
        )

    def test_boundary_gate_on_trust_mentions_f14(self):
        # §5.2, ⚠ F14 (M)
        request = assume(ALICE, policy("trust", trust(aws(ALICE.arn))), boundary=policy("boundary", allow("s3:*")))
        assert lines(request) == [
            "The trust policy names alice directly, so in the same account no identity-based policy is needed.",
            "But the caller has a permissions boundary, and for role assumption AWS's guide says it must still "
            "allow sts:AssumeRole (flag F14).",
            "The permissions boundary does not allow sts:AssumeRole.",
            "Nothing else grants sts:AssumeRole, so the request is implicitly denied.",
        ]

    def test_role_grant_capped_by_boundary(self):
        # §8.1 S05 (H)
        assert lines(req(session(), resource_policy=REP_GRANT_ROLE, boundary=EC2_ONLY)) == [
            "The resource-based policy names the role arn:aws:iam::111111111111:role/App, so the grant still has "
            "to pass the session's permissions boundary and session policy.",
            "No identity-based policy of the session App/s1 allows s3:GetObject.",
            "The permissions boundary does not allow s3:GetObject: a boundary caps what identity-based policies "
            "and role-ARN grants can give.",
            "Nothing else grants s3:GetObject, so the request is implicitly denied.",
        ]

    def test_session_arn_grant_mentions_f15(self):
        # §8.1 S08, ⚠ F15 (M)
        request = req(session(), resource_policy=REP_GRANT_SESSION, session_policies=(SP_EC2,))
        assert lines(request)[1] == (
            "AWS documents that a grant naming the session ARN is not limited by the session policy; some "
            "simulators (iam-simulate) apply the session policy anyway (flag F15)."
        )

    def test_cross_account_needs_both_sides(self):
        # §8.1 S09, D-XACCT (H)
        request = req(ALICE, resource=B_BUCKET, resource_account=B, resource_policy=B_GRANT_ALICE)
        assert lines(request) == [
            "The user alice is in account 111111111111 but the resource belongs to account 222222222222, so both "
            "accounts must allow: the resource's policy must name the caller or its account, and alice's own "
            "identity policies must allow s3:GetObject too.",
            "The resource-based policy names alice directly.",
            "No identity-based policy of alice allows s3:GetObject.",
            "Nothing else grants s3:GetObject, so the request is implicitly denied.",
        ]

    def test_explicit_deny(self):
        # §8.1 S01, D-EVAL (H)
        request = req(ALICE, "s3:PutObject", "arn:aws:s3:::carlossalazar-logs", identity_policies=(S01_POLICY,))
        assert lines(request) == [
            'The statement at $.Statement[1] in the identity-based policy "inline" is a Deny that matches '
            "s3:PutObject on arn:aws:s3:::carlossalazar-logs, and an explicit deny overrides every Allow."
        ]

    def test_explicit_deny_by_sid_and_count(self):
        ids = ident(allow(), deny("s3:*", sid="NoS3"), deny("s3:Get*"), name="Guard")
        assert lines(req(ALICE, identity_policies=(ids,))) == [
            'Statement "NoS3" in the identity-based policy "Guard" is a Deny that matches s3:GetObject on '
            "arn:aws:s3:::rep/q1.csv, and an explicit deny overrides every Allow.",
            "1 more Deny statement also matches.",
        ]

    def test_not_principal_deny_on_boundaried_caller(self):
        # §1.6 / §8.1 S21, D-PB (H)
        bucket = policy(
            "resource",
            deny("s3:*", not_principal=aws(ALICE.arn, A)),
            allow("s3:*", principal=aws(ALICE.arn)),
        )
        request = req(user(has_boundary=True), resource_policy=bucket)
        assert lines(request)[1] == (
            "Its NotPrincipal list does not protect alice: a NotPrincipal Deny always applies to a principal that "
            "has a permissions boundary."
        )

    def test_scp_level_miss(self):
        # §8.1 S16, Organizations UG (M); D-AD note (H)
        request = req(ALICE, "ec2:RunInstances", "*", scps=((FULL_ACCESS,), (SCP_S3_ONLY,), (FULL_ACCESS,)))
        assert lines(request) == [
            "No service control policy attached at organizational unit level 1 allows ec2:RunInstances. An action "
            "must be allowed at every level from the organization root down to the account, so it is denied.",
            "AWS words this as an explicit deny in a service control policy, even though no Deny statement matched.",
        ]

    def test_get_caller_identity(self):
        # §4.1 fact 11, D-TEMP (H)
        assert lines(req(ALICE, "sts:GetCallerIdentity", "*")) == [
            "sts:GetCallerIdentity needs no permission: AWS answers it for every valid caller, and not even an "
            "explicit Deny can block it."
        ]

    def test_missing_context_keys(self):
        # §2.2, D-OPS (H)
        ids = ident(allow("s3:GetObject", conditions=(cond("StringEquals", "aws:PrincipalTag/Team", "dev"),)))
        assert lines(req(ALICE, identity_policies=(ids,)))[-1] == (
            "These condition keys were not in the request: aws:PrincipalTag/Team. A condition on an absent key is "
            "false for positive operators and true for negated ones and for …IfExists."
        )

    def test_anonymous_and_wildcard(self):
        # §4.2 notes (M)
        request = req(ANONYMOUS, resource_policy=policy("resource", allow("s3:GetObject", principal=STAR)))
        assert lines(request) == [
            "An anonymous caller has no identity-based policies: only the resource-based policy can allow this "
            "request.",
            'The resource-based policy allows every principal ("*").',
            "So the request is allowed.",
        ]

    def test_every_scenario_has_an_explanation(self):
        from .test_evaluate import SCENARIOS_8_1

        for param in SCENARIOS_8_1:
            request_ = param.values[0]
            assert all(isinstance(line, str) and line for line in lines(request_))

    def test_malformed_input_raises_parameter_error(self):
        decision = Decision("explicitDeny", (), (), (), "identity", "")
        with pytest.raises(ParameterError):
            explain(decision, req(ALICE))
        with pytest.raises(ParameterError):
            explain(evaluate(req(ALICE)), None)  # type: ignore[arg-type]
