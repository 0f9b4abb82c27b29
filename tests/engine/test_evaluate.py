"""Tests for ``iamtutor.engine.evaluate``: the authorization decision of §4 of iam-reference.md.

Every table cites the fact it rests on (section and source tag). Accounts: A = 111111111111 (alice,
role App), B = 222222222222, C = 333333333333, as in §8 of the reference. Policies are built straight from
the dataclasses of ``policy.py`` so each test shows exactly which statements are in play.
"""

from __future__ import annotations

import importlib
from dataclasses import FrozenInstanceError, fields, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamtutor.engine.conditions import make_context
from iamtutor.engine.errors import EngineError, ParameterError
from iamtutor.engine.evaluate import FLOW_NODES, SOURCE_ORDER, Decision, Request, evaluate
from iamtutor.engine.policy import Condition, Policy, PrincipalSpec, Statement
from iamtutor.engine.principals import Caller

evaluate_module = importlib.import_module("iamtutor.engine.evaluate")  # the module, not the re-exported function

A, B, C = "111111111111", "222222222222", "333333333333"
ORG_ACCOUNT = "444455556666"


# ---- builders ------------------------------------------------------------------------------------------------


def _tup(value: str | tuple[str, ...] | None) -> tuple[str, ...] | None:
    return (value,) if isinstance(value, str) else value


def cond(operator: str, key: str, *values: str) -> Condition:
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists") and base != "IfExists"
    return Condition(
        operator,
        base.removesuffix("IfExists") if if_exists else base,
        qualifier or None,
        if_exists,
        key,
        values,
        f"$.Statement[0].Condition.{operator}.{key}",
    )


def stmt(
    effect: str,
    action: str | tuple[str, ...] | None = None,
    resource: str | tuple[str, ...] | None = "*",
    *,
    not_action: str | tuple[str, ...] | None = None,
    not_resource: str | tuple[str, ...] | None = None,
    principal: PrincipalSpec | None = None,
    not_principal: PrincipalSpec | None = None,
    conditions: tuple[Condition, ...] = (),
    sid: str | None = None,
) -> Statement:
    return Statement(
        index=0,
        sid=sid,
        effect=effect,
        principal=principal,
        not_principal=not_principal,
        actions=None if not_action is not None else _tup(action),
        not_actions=_tup(not_action),
        resources=None if not_resource is not None else _tup(resource),
        not_resources=_tup(not_resource),
        conditions=tuple(conditions),
        json_path="$.Statement",
    )


def allow(action="*", resource="*", **kw) -> Statement:
    return stmt("Allow", action, resource, **kw)


def deny(action="*", resource="*", **kw) -> Statement:
    return stmt("Deny", action, resource, **kw)


def trust(principal: PrincipalSpec, action="sts:AssumeRole", effect="Allow", **kw) -> Statement:
    return stmt(effect, action, None, principal=principal, **kw)


def policy(kind: str, *statements: Statement, name: str | None = None, version="2012-10-17") -> Policy:
    numbered = tuple(replace(s, index=i, json_path=f"$.Statement[{i}]") for i, s in enumerate(statements))
    return Policy(kind, version, None, numbered, name=name)


def ident(*statements: Statement, name="inline") -> Policy:
    return policy("identity", *statements, name=name)


def aws(*entries: str) -> PrincipalSpec:
    return PrincipalSpec(aws=entries)


STAR = PrincipalSpec(wildcard=True)
FULL_ACCESS = policy("scp", allow(), name="FullAWSAccess")


def user(name="alice", account=A, **kw) -> Caller:
    return Caller("user", f"arn:aws:iam::{account}:user/{name}", account, unique_id=f"AIDA{name.upper()}", **kw)


def session(role="App", name="s1", account=A, **kw) -> Caller:
    return Caller(
        "assumed_role",
        f"arn:aws:sts::{account}:assumed-role/{role}/{name}",
        account,
        role_arn=f"arn:aws:iam::{account}:role/{role}",
        session_name=name,
        unique_id=f"AROA{role.upper()}:{name}",
        **kw,
    )


def federated(name="fed", account=A, user_name="alice", **kw) -> Caller:
    return Caller(
        "federated_user",
        f"arn:aws:sts::{account}:federated-user/{name}",
        account,
        user_arn=f"arn:aws:iam::{account}:user/{user_name}",
        **kw,
    )


ALICE, BOB_B = user(), user("bob", B)
ROOT = Caller("root", f"arn:aws:iam::{A}:root", A)
EC2 = Caller("service", "ec2.amazonaws.com", None, service="ec2.amazonaws.com")
ANONYMOUS = Caller("anonymous", "anonymous", None)
ROLE_ARN = f"arn:aws:iam::{A}:role/Deploy"
OBJECT = "arn:aws:s3:::rep/q1.csv"


def req(caller: Caller, action="s3:GetObject", resource=OBJECT, *, context=None, **kw) -> Request:
    return Request(caller, action, resource, kw.pop("resource_account", None), make_context(context or {}), **kw)


def assume(caller: Caller, trust_policy: Policy | None, role_arn=ROLE_ARN, **kw) -> Request:
    account = role_arn.split(":")[4]
    return req(
        caller,
        "sts:AssumeRole",
        role_arn,
        resource_policy=trust_policy,
        resource_is_trust=True,
        resource_account=account,
        **kw,
    )


def outcome(request: Request) -> tuple[str, str | None]:
    decision = evaluate(request)
    return decision.outcome, decision.denied_by


# ---- §8.1 evaluation basics, S01–S22 -----------------------------------------------------------------------

S01_POLICY = ident(
    allow("s3:*", ("arn:aws:s3:::carlossalazar", "arn:aws:s3:::carlossalazar/*")),
    deny("s3:*", "arn:aws:s3:::*log*"),
)
REP_GRANT_ALICE = policy("resource", allow("s3:GetObject", "arn:aws:s3:::rep/*", principal=aws(ALICE.arn)))
REP_GRANT_ROLE = policy(
    "resource", allow("s3:GetObject", "arn:aws:s3:::rep/*", principal=aws(f"arn:aws:iam::{A}:role/App"))
)
REP_GRANT_SESSION = policy("resource", allow("s3:GetObject", "arn:aws:s3:::rep/*", principal=aws(session().arn)))
EC2_ONLY = policy("boundary", allow("ec2:*"), name="Ec2Only")
SP_EC2 = policy("session", allow("ec2:*"), name="session policy")
B_BUCKET = "arn:aws:s3:::b-bucket/report"
B_GRANT_ALICE = policy("resource", allow("s3:GetObject", "arn:aws:s3:::b-bucket/*", principal=aws(ALICE.arn)))
HR_ALLOW_AND_GUARD = ident(
    allow("s3:*"),
    deny("s3:*", not_resource=("arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*")),
)
BOB_ORG = user("Bob", ORG_ACCOUNT)
ALICE_ORG = user("Alice", ORG_ACCOUNT)
S20_BUCKET_POLICY = policy(
    "resource",
    deny("s3:*", "arn:aws:s3:::BUCKETNAME/*", not_principal=aws(BOB_ORG.arn, f"arn:aws:iam::{ORG_ACCOUNT}:root")),
    allow("s3:GetObject", "arn:aws:s3:::BUCKETNAME/*", principal=aws(BOB_ORG.arn, ALICE_ORG.arn)),
)
SCP_DENY_EC2 = policy("scp", deny("ec2:*"), name="DenyEc2")
SCP_S3_ONLY = policy("scp", allow("s3:*"), name="S3Only")

SCENARIOS_8_1 = [
    # §8.1 S01, D-EVAL Carlos example / D-AD (H)
    pytest.param(
        req(ALICE, "s3:PutObject", "arn:aws:s3:::carlossalazar-logs", identity_policies=(S01_POLICY,)),
        ("explicitDeny", "identity"),
        id="S01-explicit-deny-beats-allow",
    ),
    # §8.1 S02, D-EVAL (H)
    pytest.param(req(ALICE), ("implicitDeny", "identity"), id="S02-default-deny"),
    # §8.1 S03, D-EVAL "Important" (H)
    pytest.param(req(ALICE, resource_policy=REP_GRANT_ALICE), ("allowed", None), id="S03-resource-policy-alone"),
    # §8.1 S04, D-EVAL table / D-PB (H)
    pytest.param(
        req(ALICE, resource_policy=REP_GRANT_ALICE, boundary=EC2_ONLY),
        ("allowed", None),
        id="S04-user-arn-grant-ignores-boundary",
    ),
    # §8.1 S05, D-EVAL / D-PB (H)
    pytest.param(
        req(session(), resource_policy=REP_GRANT_ROLE, boundary=EC2_ONLY),
        ("implicitDeny", "boundary"),
        id="S05-role-arn-grant-capped-by-boundary",
    ),
    # §8.1 S06, D-EVAL / D-PB (H)
    pytest.param(
        req(session(), resource_policy=REP_GRANT_SESSION, boundary=EC2_ONLY),
        ("allowed", None),
        id="S06-session-arn-grant-ignores-boundary",
    ),
    # §8.1 S07, D-POL (H)
    pytest.param(
        req(
            session(),
            resource_policy=REP_GRANT_ROLE,
            identity_policies=(ident(allow("s3:*")),),
            session_policies=(SP_EC2,),
        ),
        ("implicitDeny", "session"),
        id="S07-role-arn-grant-capped-by-session-policy",
    ),
    # §8.1 S08, D-POL / D-EVAL / API-STS (M, ⚠ F15: AWS docs, not iam-simulate)
    pytest.param(
        req(session(), resource_policy=REP_GRANT_SESSION, session_policies=(SP_EC2,)),
        ("allowed", None),
        id="S08-session-arn-grant-vs-session-policy",
    ),
    # §8.1 S09, D-XACCT (H)
    pytest.param(
        req(ALICE, resource=B_BUCKET, resource_account=B, resource_policy=B_GRANT_ALICE),
        ("implicitDeny", "identity"),
        id="S09-cross-account-needs-identity-side",
    ),
    # §8.1 S10, D-XACCT (H)
    pytest.param(
        req(
            ALICE,
            resource=B_BUCKET,
            resource_account=B,
            resource_policy=B_GRANT_ALICE,
            identity_policies=(ident(allow("s3:GetObject", "arn:aws:s3:::b-bucket/*")),),
        ),
        ("allowed", None),
        id="S10-cross-account-both-sides",
    ),
    # §8.1 S11, D-XACCT / D-AD (H)
    pytest.param(
        req(ALICE, resource=B_BUCKET, resource_account=B, identity_policies=(ident(allow("s3:*")),)),
        ("implicitDeny", "resource"),
        id="S11-cross-account-resource-side-missing",
    ),
    # §8.1 S12, D-PB / D-AD (H)
    pytest.param(
        req(
            ALICE,
            "iam:CreateUser",
            f"arn:aws:iam::{A}:user/new",
            identity_policies=(ident(allow(("s3:*", "iam:*"))),),
            boundary=policy("boundary", allow("s3:*")),
        ),
        ("implicitDeny", "boundary"),
        id="S12-boundary-caps-identity",
    ),
    # §8.1 S13, API-STS / D-POL (H)
    pytest.param(
        req(
            session(),
            "s3:PutObject",
            identity_policies=(ident(allow("s3:GetObject")),),
            session_policies=(policy("session", allow("s3:*")),),
        ),
        ("implicitDeny", "identity"),
        id="S13-session-policy-cannot-widen",
    ),
    # §8.1 S14, D-EVAL / D-AD (H)
    pytest.param(
        req(
            ALICE,
            "ec2:RunInstances",
            "*",
            identity_policies=(ident(allow("ec2:*")),),
            scps=((FULL_ACCESS,), (SCP_DENY_EC2, FULL_ACCESS)),
        ),
        ("explicitDeny", "scp"),
        id="S14-scp-explicit-deny",
    ),
    # §8.1 S15, D-AD note (H)
    pytest.param(
        req(
            ALICE,
            "ec2:DescribeInstances",
            "*",
            identity_policies=(ident(allow("ec2:*")),),
            scps=((FULL_ACCESS,), (SCP_S3_ONLY,)),
        ),
        ("implicitDeny", "scp"),
        id="S15-scp-implicit-miss",
    ),
    # §8.1 S16, Organizations UG (M)
    pytest.param(
        req(
            ALICE,
            "ec2:RunInstances",
            "*",
            identity_policies=(ident(allow("ec2:*")),),
            scps=((FULL_ACCESS,), (SCP_S3_ONLY,), (FULL_ACCESS,)),
        ),
        ("implicitDeny", "scp"),
        id="S16-scp-needs-allow-at-every-level",
    ),
    # §8.1 S17, Organizations UG (M): the caller leaves SCPs out for the management account
    pytest.param(
        req(ALICE, "ec2:RunInstances", "*", identity_policies=(ident(allow("ec2:*")),)),
        ("allowed", None),
        id="S17-management-account-exempt",
    ),
    # §8.1 S18, D-NOTACT (H)
    pytest.param(
        req(ALICE, identity_policies=(ident(allow(not_action="iam:*")),)),
        ("allowed", None),
        id="S18-not-action-allow-covers-others",
    ),
    pytest.param(
        req(ALICE, "iam:CreateUser", "*", identity_policies=(ident(allow(not_action="iam:*")),)),
        ("implicitDeny", "identity"),
        id="S18-not-action-allow-excludes-listed",
    ),
    # §8.1 S19, D-NOTRES (H)
    pytest.param(
        req(ALICE, resource="arn:aws:s3:::HRBucket/Other/x", identity_policies=(HR_ALLOW_AND_GUARD,)),
        ("explicitDeny", "identity"),
        id="S19-not-resource-deny-hits-others",
    ),
    pytest.param(
        req(ALICE, resource="arn:aws:s3:::HRBucket/Payroll/x", identity_policies=(HR_ALLOW_AND_GUARD,)),
        ("allowed", None),
        id="S19-not-resource-deny-spares-listed",
    ),
    # §8.1 S20, D-NOTPRIN (H)
    pytest.param(
        req(BOB_ORG, resource="arn:aws:s3:::BUCKETNAME/x", resource_policy=S20_BUCKET_POLICY),
        ("allowed", None),
        id="S20-not-principal-exempts-listed",
    ),
    pytest.param(
        req(ALICE_ORG, resource="arn:aws:s3:::BUCKETNAME/x", resource_policy=S20_BUCKET_POLICY),
        ("explicitDeny", "resource"),
        id="S20-not-principal-denies-unlisted",
    ),
    # §8.1 S21, D-PB "Important" (H)
    pytest.param(
        req(
            user("Bob", ORG_ACCOUNT, has_boundary=True),
            resource="arn:aws:s3:::BUCKETNAME/x",
            resource_policy=S20_BUCKET_POLICY,
            boundary=policy("boundary", allow()),
        ),
        ("explicitDeny", "resource"),
        id="S21-not-principal-deny-hits-boundaried-principal",
    ),
    # §8.1 S22, D-TEMP note 4 (H)
    pytest.param(
        req(ALICE, "sts:GetCallerIdentity", "*", identity_policies=(ident(deny("sts:GetCallerIdentity")),)),
        ("allowed", None),
        id="S22-get-caller-identity-cannot-be-denied",
    ),
]


@pytest.mark.parametrize(("request_", "expected"), SCENARIOS_8_1)
def test_evaluation_basics_scenarios(request_, expected):
    # §8.1 S01–S22 (sources per row above)
    assert outcome(request_) == expected


# ---- §4.1 facts 1–11 ------------------------------------------------------------------------------------------


class TestFacts:
    def test_fact1_default_is_implicit_deny_and_deny_beats_allow(self):
        # §4.1 fact 1, D-EVAL (H)
        assert outcome(req(ALICE)) == ("implicitDeny", "identity")
        both = ident(allow("s3:*"), deny("s3:GetObject"))
        assert outcome(req(ALICE, identity_policies=(both,))) == ("explicitDeny", "identity")

    def test_fact1_deny_in_resource_policy_beats_identity_allow(self):
        # §4.1 fact 1, D-EVAL (H)
        bucket = policy("resource", deny("s3:*", "arn:aws:s3:::rep/*", principal=STAR))
        request = req(ALICE, identity_policies=(ident(allow()),), resource_policy=bucket)
        assert outcome(request) == ("explicitDeny", "resource")

    def test_fact1_root_user_is_allowed_in_its_own_account(self):
        # §4.1 fact 1, D-EVAL (H): root needs no identity policy, but SCPs still bind a member root
        assert outcome(req(ROOT, "iam:CreateUser", "*")) == ("allowed", None)
        scps = ((FULL_ACCESS,), (SCP_DENY_EC2,))
        assert outcome(req(ROOT, "ec2:RunInstances", "*", scps=scps)) == ("explicitDeny", "scp")

    def test_fact2_reports_the_earliest_policy_type_in_documented_order(self):
        # §4.1 fact 2, D-EVAL (H): deny → RCP → SCP → resource → identity → boundary → session
        request = req(
            ALICE,
            "ec2:RunInstances",
            "*",
            identity_policies=(ident(deny("ec2:*")),),
            scps=((FULL_ACCESS, SCP_DENY_EC2),),
        )
        decision = evaluate(request)
        assert decision.denied_by == "scp"
        assert [m.source for m in decision.matched] == ["scp", "identity"]

    def test_fact3_scps_never_grant(self):
        # §4.1 fact 3, D-EVAL (H)
        assert outcome(req(ALICE, scps=((FULL_ACCESS,),))) == ("implicitDeny", "identity")

    def test_fact3_rcps_never_grant_and_a_miss_denies(self):
        # §4.1 fact 3, D-RCP (H); wording ⚠ F23
        rcp_full = policy("rcp", allow(principal=STAR), name="RCPFullAWSAccess")
        rcp_none = policy("rcp", allow("sqs:*", principal=STAR))
        assert outcome(req(ALICE, rcps=((rcp_full,),))) == ("implicitDeny", "identity")
        grant = req(ALICE, identity_policies=(ident(allow()),), rcps=((rcp_none,),))
        assert outcome(grant) == ("implicitDeny", "rcp")

    def test_fact4_same_account_either_side_is_enough(self):
        # §4.1 fact 4, D-EVAL "Important" (H)
        assert outcome(req(ALICE, identity_policies=(ident(allow("s3:GetObject")),))) == ("allowed", None)
        assert outcome(req(ALICE, resource_policy=REP_GRANT_ALICE)) == ("allowed", None)

    def test_fact5_trust_policy_must_itself_allow(self):
        # §4.1 fact 5, D-EVAL (H): an identity Allow is not enough without trust
        request = assume(ALICE, None, identity_policies=(ident(allow("sts:AssumeRole")),))
        assert outcome(request) == ("implicitDeny", "trust")

    def test_fact5_kms_style_key_policy_must_itself_allow(self):
        # §4.1 fact 5, D-EVAL (H): KMS key policies follow the same exception
        key = "arn:aws:kms:us-east-1:111111111111:key/k1"
        key_policy = policy("resource", allow("kms:*", "*", principal=aws(f"arn:aws:iam::{A}:root")))
        no_key_grant = req(ALICE, "kms:Decrypt", key, identity_policies=(ident(allow("kms:*")),))
        assert outcome(replace(no_key_grant, resource_is_trust=True)) == ("implicitDeny", "resource")
        assert outcome(replace(no_key_grant, resource_is_trust=True, resource_policy=key_policy)) == (
            "allowed",
            None,
        )

    def test_fact7_cross_account_needs_both_sides(self):
        # §4.1 fact 7, D-XACCT (H)
        assert outcome(req(ALICE, resource=B_BUCKET, resource_account=B, resource_policy=B_GRANT_ALICE))[0] == (
            "implicitDeny"
        )

    def test_fact8_boundary_and_session_policy_never_grant_alone(self):
        # §4.1 fact 8, D-PB / D-POL (H)
        boundary = policy("boundary", allow())
        assert outcome(req(ALICE, boundary=boundary)) == ("implicitDeny", "identity")
        sp = policy("session", allow())
        assert outcome(req(session(), session_policies=(sp,))) == ("implicitDeny", "identity")

    def test_fact9_not_principal_deny_always_hits_a_boundaried_caller(self):
        # §4.1 fact 9, §1.6, D-PB (H): even when the caller is listed
        bucket = policy(
            "resource",
            deny("s3:*", "arn:aws:s3:::rep/*", not_principal=aws(ALICE.arn, A)),
            allow("s3:*", "arn:aws:s3:::rep/*", principal=aws(ALICE.arn)),
        )
        assert outcome(req(ALICE, resource_policy=bucket)) == ("allowed", None)
        bounded = req(ALICE, resource_policy=bucket, boundary=policy("boundary", allow()))
        assert outcome(bounded) == ("explicitDeny", "resource")
        flagged = req(user(has_boundary=True), resource_policy=bucket)
        assert outcome(flagged) == ("explicitDeny", "resource")

    def test_fact10_statement_for_another_principal_does_not_apply(self):
        # §4.1 fact 10 (H)
        bucket = policy("resource", deny("s3:*", "*", principal=aws(BOB_B.arn)))
        request = req(ALICE, identity_policies=(ident(allow()),), resource_policy=bucket)
        assert outcome(request) == ("allowed", None)

    def test_fact11_get_caller_identity_needs_nothing_and_beats_every_deny(self):
        # §4.1 fact 11, D-TEMP note 4 (H)
        request = req(
            session(),
            "sts:GetCallerIdentity",
            "*",
            identity_policies=(ident(deny()),),
            boundary=policy("boundary", deny()),
            scps=((policy("scp", deny()),),),
        )
        decision = evaluate(request)
        assert decision.allowed
        assert decision.path == ("no_authorization", "allow")
        assert decision.grant == "no_authorization"


# ---- §4.1 fact 6: which ARN the resource policy names --------------------------------------------------------


class TestResourcePolicyPrincipalKinds:
    # §4.1 fact 6, D-EVAL / D-PB / D-POL (H)

    def bucket(self, spec: PrincipalSpec, *conditions: Condition) -> Policy:
        return policy("resource", allow("s3:GetObject", "arn:aws:s3:::rep/*", principal=spec, conditions=conditions))

    def test_user_arn_grant_ignores_identity_and_boundary(self):
        decision = evaluate(req(ALICE, resource_policy=self.bucket(aws(ALICE.arn)), boundary=EC2_ONLY))
        assert (decision.outcome, decision.grant) == ("allowed", "direct")

    def test_session_arn_grant_ignores_boundary_and_session_policy(self):
        request = req(
            session(), resource_policy=self.bucket(aws(session().arn)), boundary=EC2_ONLY, session_policies=(SP_EC2,)
        )
        assert outcome(request) == ("allowed", None)

    def test_federated_user_arn_grant_ignores_boundary_and_session_policy(self):
        fed = federated()
        request = req(fed, resource_policy=self.bucket(aws(fed.arn)), boundary=EC2_ONLY, session_policies=(SP_EC2,))
        assert outcome(request) == ("allowed", None)

    @pytest.mark.parametrize(
        ("boundary", "sessions", "expected"),
        [
            (None, (), ("allowed", None)),
            (EC2_ONLY, (), ("implicitDeny", "boundary")),
            (policy("boundary", allow("s3:*")), (), ("allowed", None)),
            (None, (SP_EC2,), ("implicitDeny", "session")),
            (None, (policy("session", allow("s3:GetObject")),), ("allowed", None)),
        ],
    )
    def test_role_arn_grant_is_capped_by_boundary_and_session_policy(self, boundary, sessions, expected):
        request = req(
            session(),
            resource_policy=self.bucket(aws(f"arn:aws:iam::{A}:role/App")),
            boundary=boundary,
            session_policies=sessions,
        )
        assert outcome(request) == expected

    def test_role_grant_does_not_need_the_identity_policy(self):
        decision = evaluate(req(session(), resource_policy=self.bucket(aws(f"arn:aws:iam::{A}:role/App"))))
        assert decision.grant == "role"
        assert decision.path == ("deny", "rcp", "scp", "resource", "boundary", "session", "allow")

    def test_user_arn_grant_to_a_federated_session_is_capped_like_a_role_grant(self):
        request = req(federated(), resource_policy=self.bucket(aws(ALICE.arn)), boundary=EC2_ONLY)
        assert outcome(request) == ("implicitDeny", "boundary")

    def test_wildcard_with_principal_arn_condition_is_a_direct_grant(self):
        # §4.1 fact 6 row "*" + aws:PrincipalArn, D-PRIN (H)
        bucket = self.bucket(STAR, cond("ArnEquals", "aws:PrincipalArn", f"arn:aws:iam::{A}:role/App"))
        context = {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/App"}
        request = req(session(), context=context, resource_policy=bucket, boundary=EC2_ONLY, session_policies=(SP_EC2,))
        assert outcome(request) == ("allowed", None)
        other = req(
            session("Other"), context={"aws:PrincipalArn": f"arn:aws:iam::{A}:role/Other"}, resource_policy=bucket
        )
        assert outcome(other) == ("implicitDeny", "identity")

    def test_account_grant_in_same_account_needs_identity_allow(self):
        bucket = self.bucket(aws(f"arn:aws:iam::{A}:root"))
        assert outcome(req(ALICE, resource_policy=bucket)) == ("implicitDeny", "identity")
        granted = req(ALICE, resource_policy=bucket, identity_policies=(ident(allow("s3:GetObject")),))
        assert evaluate(granted).grant == "identity"


# ---- §4.1 fact 7: the cross-account matrix -------------------------------------------------------------------

CROSS_PRINCIPALS = {
    "no-policy": None,
    "names-alice": aws(ALICE.arn),
    "names-account": aws(A),
    "names-account-root": aws(f"arn:aws:iam::{A}:root"),
    "everyone": STAR,
    "names-someone-else": aws(f"arn:aws:iam::{A}:user/carol"),
}


@pytest.mark.parametrize("identity_allows", [True, False], ids=["identity-allows", "no-identity"])
@pytest.mark.parametrize("principal_key", list(CROSS_PRINCIPALS))
def test_cross_account_matrix(principal_key, identity_allows):
    # §4.1 fact 7, D-XACCT (H): allowed only when the resource side names alice (or her account, or
    # everyone) AND her identity policies allow; otherwise the first missing side is reported
    spec = CROSS_PRINCIPALS[principal_key]
    bucket = (
        None if spec is None else policy("resource", allow("s3:GetObject", "arn:aws:s3:::b-bucket/*", principal=spec))
    )
    identities = (ident(allow("s3:GetObject")),) if identity_allows else ()
    request = req(ALICE, resource=B_BUCKET, resource_account=B, resource_policy=bucket, identity_policies=identities)
    resource_side = principal_key not in ("no-policy", "names-someone-else")
    if resource_side and identity_allows:
        expected = ("allowed", None)
    else:
        expected = ("implicitDeny", "identity" if resource_side else "resource")
    assert outcome(request) == expected


def test_cross_account_role_grant_still_needs_identity_and_boundary():
    # §4.1 facts 6–7, D-XACCT / D-PB (H)
    caller = session(account=B)
    bucket = policy("resource", allow("s3:GetObject", "*", principal=aws(caller.role_arn)))
    base = req(caller, resource_account=A, resource_policy=bucket)
    assert outcome(base) == ("implicitDeny", "identity")
    allowed = replace(base, identity_policies=(ident(allow("s3:*")),))
    assert outcome(allowed) == ("allowed", None)
    assert outcome(replace(allowed, boundary=EC2_ONLY)) == ("implicitDeny", "boundary")


def test_cross_account_explicit_deny_in_either_account_wins():
    # §4.1 facts 1 and 7, D-XACCT (H)
    bucket = policy(
        "resource",
        allow("s3:GetObject", "*", principal=aws(ALICE.arn)),
        deny("s3:GetObject", "*", principal=aws(A)),
    )
    request = req(ALICE, resource_account=B, resource_policy=bucket, identity_policies=(ident(allow()),))
    assert outcome(request) == ("explicitDeny", "resource")


# ---- §5.2 who may assume a role -------------------------------------------------------------------------------


class TestTrustPolicies:
    # §5.2 and §8.5, D-EVAL / D-XACCT / API-STS (H unless marked)

    def test_s61_trust_naming_the_user_needs_no_identity_allow(self):
        decision = evaluate(assume(ALICE, policy("trust", trust(aws(ALICE.arn)))))
        assert (decision.outcome, decision.grant) == ("allowed", "direct")
        assert decision.matched[0].source == "trust"

    @pytest.mark.parametrize("entry", [A, f"arn:aws:iam::{A}:root"])
    def test_s62_trust_naming_the_account_needs_identity_allow(self, entry):
        tp = policy("trust", trust(aws(entry)))
        assert outcome(assume(ALICE, tp)) == ("implicitDeny", "identity")
        granted = assume(ALICE, tp, identity_policies=(ident(allow("sts:AssumeRole", ROLE_ARN)),))
        assert evaluate(granted).grant == "account"

    def test_s63_identity_allow_without_trust_is_not_enough(self):
        tp = policy("trust", trust(aws(f"arn:aws:iam::{A}:user/bob")))
        request = assume(ALICE, tp, identity_policies=(ident(allow("sts:AssumeRole")),))
        assert outcome(request) == ("implicitDeny", "trust")

    @pytest.mark.parametrize("entry", [ALICE.arn, A])
    def test_s64_cross_account_needs_trust_and_identity(self, entry):
        role = f"arn:aws:iam::{B}:role/Target"
        tp = policy("trust", trust(aws(entry)))
        assert outcome(assume(ALICE, tp, role_arn=role)) == ("implicitDeny", "identity")
        granted = assume(ALICE, tp, role_arn=role, identity_policies=(ident(allow("sts:AssumeRole", role)),))
        assert outcome(granted) == ("allowed", None)

    def test_s65_external_id_condition(self):
        # §5.6, D-XID (H)
        tp = policy("trust", trust(aws(A), conditions=(cond("StringEquals", "sts:ExternalId", "12345"),)))
        ids = (ident(allow("sts:AssumeRole")),)
        assert not evaluate(assume(ALICE, tp, identity_policies=ids)).allowed
        assert not evaluate(assume(ALICE, tp, identity_policies=ids, context={"sts:ExternalId": "67890"})).allowed
        assert evaluate(assume(ALICE, tp, identity_policies=ids, context={"sts:ExternalId": "12345"})).allowed

    def test_s76_role_cannot_assume_itself_unless_trusted(self):
        # §5.2 self-assumption, BLOG-SELF / D-UPDTRUST (H)
        me = session("Deploy")
        ids = (ident(allow("sts:AssumeRole", ROLE_ARN)),)
        only_alice = policy("trust", trust(aws(ALICE.arn)))
        assert outcome(assume(me, only_alice, identity_policies=ids)) == ("implicitDeny", "trust")
        names_itself = policy("trust", trust(aws(ROLE_ARN)))
        assert evaluate(assume(me, names_itself)).grant == "role"

    def test_s78_org_wide_trust_with_star(self):
        # §8.5 S78, D-PRIN / D-GKEYS / D-XACCT (H)
        tp = policy(
            "trust",
            trust(aws("*"), conditions=(cond("StringEquals", "aws:PrincipalOrgID", "o-abc123"),)),
        )
        role = f"arn:aws:iam::{A}:role/Shared"
        ids = (ident(allow("sts:AssumeRole")),)
        same_org = {"aws:PrincipalOrgID": "o-abc123"}
        assert outcome(assume(BOB_B, tp, role_arn=role, identity_policies=ids, context=same_org)) == ("allowed", None)
        assert outcome(assume(BOB_B, tp, role_arn=role, context=same_org)) == ("implicitDeny", "identity")
        outsider = user("carl", C)
        other_org = {"aws:PrincipalOrgID": "o-zzz999"}
        denied = assume(outsider, tp, role_arn=role, identity_policies=ids, context=other_org)
        assert outcome(denied) == ("implicitDeny", "trust")

    def test_s79_same_account_star_trust_is_a_direct_grant(self):
        # §8.5 S79, D-PRIN "All principals" (M)
        assert evaluate(assume(ALICE, policy("trust", trust(aws("*"))))).grant == "direct"

    def test_s80_service_principal_trust(self):
        # §8.5 S80, D-EC2 / D-PRIN (H / M)
        tp = policy("trust", trust(PrincipalSpec(service=("ec2.amazonaws.com",))))
        assert outcome(assume(EC2, tp, role_arn=ROLE_ARN)) == ("allowed", None)
        lam = Caller("service", "lambda.amazonaws.com", None, service="lambda.amazonaws.com")
        assert outcome(assume(lam, tp)) == ("implicitDeny", "trust")

    def test_s81_confused_deputy_guard(self):
        # §8.5 S81, D-CD (H)
        sns = Caller("service", "sns.amazonaws.com", None, service="sns.amazonaws.com")
        tp = policy(
            "trust",
            trust(
                PrincipalSpec(service=("sns.amazonaws.com",)),
                conditions=(
                    cond("StringEquals", "aws:SourceAccount", A),
                    cond("ArnLike", "aws:SourceArn", f"arn:aws:sns:*:{A}:*"),
                ),
            ),
        )
        mine = {"aws:SourceAccount": A, "aws:SourceArn": f"arn:aws:sns:us-east-1:{A}:topic"}
        theirs = {"aws:SourceAccount": "999999999999", "aws:SourceArn": "arn:aws:sns:us-east-1:999999999999:t"}
        assert evaluate(assume(sns, tp, context=mine)).allowed
        assert not evaluate(assume(sns, tp, context=theirs)).allowed

    def test_s85_boundary_gates_a_trust_that_names_the_caller(self, monkeypatch):
        # §5.2, D-UPDTRUST vs D-EVAL (M, ⚠ F14): default requires the boundary to allow sts:AssumeRole
        tp = policy("trust", trust(aws(ALICE.arn)))
        s3_only = policy("boundary", allow("s3:*"))
        request = assume(ALICE, tp, boundary=s3_only)
        decision = evaluate(request)
        assert (decision.outcome, decision.denied_by) == ("implicitDeny", "boundary")
        assert decision.path == ("deny", "rcp", "scp", "resource", "boundary", "implicit_deny")
        assert evaluate(assume(ALICE, tp, boundary=policy("boundary", allow("sts:AssumeRole")))).allowed
        monkeypatch.setattr(evaluate_module, "F14_BOUNDARY_GATES_TRUST", False)
        assert evaluate(request).allowed

    def test_session_policy_limits_assume_role_through_a_role_arn_trust(self):
        # §5.2 "Session policy of a calling session limits its sts:AssumeRole", D-POL (H)
        caller = session("Builder")
        tp = policy("trust", trust(aws(caller.role_arn)))
        assert outcome(assume(caller, tp, session_policies=(SP_EC2,))) == ("implicitDeny", "session")

    def test_explicit_deny_in_trust_policy(self):
        # §5.2 "Explicit Deny in the trust policy", D-AD (H)
        tp = policy("trust", trust(aws(A)), trust(aws(ALICE.arn), effect="Deny"))
        assert outcome(assume(ALICE, tp, identity_policies=(ident(allow()),))) == ("explicitDeny", "trust")

    def test_rcp_can_stop_outsiders_assuming_roles(self):
        # §1.8 RCP specifics, D-RCP (H): STS supports RCPs
        rcp = policy(
            "rcp",
            allow(principal=STAR),
            deny(
                "sts:AssumeRole",
                principal=STAR,
                conditions=(cond("StringNotEqualsIfExists", "aws:PrincipalOrgID", "o-abc123"),),
            ),
        )
        tp = policy("trust", trust(aws(B)))
        request = assume(BOB_B, tp, identity_policies=(ident(allow()),), rcps=((rcp,),), context={})
        assert outcome(request) == ("explicitDeny", "rcp")


# ---- NotPrincipal (§1.6) --------------------------------------------------------------------------------------


class TestNotPrincipal:
    # §1.6, D-NOTPRIN (H for the rule; M for the every-identity reading of "AWS might validate the account
    # first, then the role, and then the assumed-role user")
    BUCKET = "arn:aws:s3:::audit/x"

    def bucket(self, *entries: str) -> Policy:
        return policy(
            "resource",
            deny("s3:*", "arn:aws:s3:::audit/*", not_principal=aws(*entries)),
            allow("s3:*", "arn:aws:s3:::audit/*", principal=STAR),
        )

    def test_session_is_exempt_only_when_session_role_and_account_are_listed(self):
        me = session("Auditor", "app")
        full = self.bucket(me.arn, me.role_arn, A)
        assert outcome(req(me, resource=self.BUCKET, resource_policy=full)) == ("allowed", None)

    @pytest.mark.parametrize(
        "entries",
        [
            pytest.param(("arn:aws:sts::111111111111:assumed-role/Auditor/app",), id="session-only"),
            pytest.param(
                ("arn:aws:sts::111111111111:assumed-role/Auditor/app", "arn:aws:iam::111111111111:role/Auditor"),
                id="no-account",
            ),
            pytest.param(("arn:aws:iam::111111111111:role/Auditor", A), id="no-session"),
        ],
    )
    def test_session_missing_one_identity_is_denied(self, entries):
        me = session("Auditor", "app")
        assert outcome(req(me, resource=self.BUCKET, resource_policy=self.bucket(*entries))) == (
            "explicitDeny",
            "resource",
        )

    def test_user_needs_user_and_account_listed(self):
        assert outcome(req(ALICE, resource=self.BUCKET, resource_policy=self.bucket(ALICE.arn, A)))[0] == "allowed"
        assert outcome(req(ALICE, resource=self.BUCKET, resource_policy=self.bucket(ALICE.arn)))[0] == "explicitDeny"

    def test_not_principal_with_allow_grants_everyone_else(self):
        # §1.6 D-NOTPRIN "NotPrincipal With Allow" (H)
        bucket = policy("resource", allow("s3:*", "*", not_principal=aws(f"arn:aws:iam::{A}:user/bob", A)))
        assert outcome(req(ALICE, resource_policy=bucket))[0] == "allowed"
        bob = user("bob")
        assert outcome(req(bob, resource_policy=bucket))[0] == "implicitDeny"

    def test_not_principal_for_anonymous_and_services(self):
        bucket = self.bucket(ALICE.arn, A)
        assert outcome(req(ANONYMOUS, resource=self.BUCKET, resource_policy=bucket))[0] == "explicitDeny"
        service_listed = policy(
            "resource",
            deny("s3:*", "*", not_principal=PrincipalSpec(service=("ec2.amazonaws.com",))),
            allow("s3:*", "*", principal=STAR),
        )
        assert outcome(req(EC2, resource=self.BUCKET, resource_policy=service_listed))[0] == "allowed"


# ---- explicit deny in each policy type -------------------------------------------------------------------------

DENY_EVERYWHERE = [
    pytest.param({"identity_policies": (ident(allow(), deny("s3:GetObject")),)}, "identity", id="identity"),
    pytest.param(
        {"identity_policies": (ident(allow()),), "boundary": policy("boundary", allow(), deny("s3:*"))},
        "boundary",
        id="boundary",
    ),
    pytest.param(
        {"identity_policies": (ident(allow()),), "session_policies": (policy("session", deny("s3:*")),)},
        "session",
        id="session",
    ),
    pytest.param(
        {"identity_policies": (ident(allow()),), "scps": ((FULL_ACCESS, policy("scp", deny("s3:*"))),)},
        "scp",
        id="scp",
    ),
    pytest.param(
        {"identity_policies": (ident(allow()),), "rcps": ((policy("rcp", deny("s3:*", principal=STAR)),),)},
        "rcp",
        id="rcp",
    ),
    pytest.param(
        {"identity_policies": (ident(allow()),), "resource_policy": policy("resource", deny(principal=STAR))},
        "resource",
        id="resource",
    ),
]


def test_denies_everywhere_are_listed_in_documented_order():
    # §4.1 fact 2, D-EVAL (H); §4.3 D-AD: only one type is named — the first in SOURCE_ORDER
    everywhere = {}
    for param in DENY_EVERYWHERE:
        everywhere.update(param.values[0])
    everywhere["identity_policies"] = (ident(deny("s3:*")),)
    decision = evaluate(req(session(), **everywhere))
    sources = [m.source for m in decision.matched]
    assert sources == [s for s in SOURCE_ORDER if s in sources]
    assert set(sources) == {"rcp", "scp", "resource", "identity", "boundary", "session"}
    assert decision.denied_by == "rcp"


@pytest.mark.parametrize(("policies", "source"), DENY_EVERYWHERE)
def test_explicit_deny_in_each_policy_type(policies, source):
    # §4.1 fact 1 and §4.3, D-EVAL / D-AD (H)
    decision = evaluate(req(session(), **policies))
    assert (decision.outcome, decision.denied_by) == ("explicitDeny", source)
    assert decision.path == ("deny", "explicit_deny")
    assert [m.effect for m in decision.matched] == ["Deny"]
    assert "with an explicit deny in" in decision.reason


# ---- anonymous and service callers (§4.2 notes) --------------------------------------------------------------


class TestCallersWithoutIdentitySide:
    # §4.2 notes, IS README "Anonymous Requests" / DefaultServiceAuthorizer (M)

    def test_anonymous_allowed_only_by_a_wildcard_grant(self):
        public = policy("resource", allow("s3:GetObject", "*", principal=STAR))
        assert outcome(req(ANONYMOUS, resource_policy=public)) == ("allowed", None)
        account = policy("resource", allow("s3:GetObject", "*", principal=aws(A)))
        assert outcome(req(ANONYMOUS, resource_policy=account)) == ("implicitDeny", "resource")

    def test_anonymous_ignores_identity_inputs_but_rcps_apply(self):
        public = policy("resource", allow("s3:GetObject", "*", principal=STAR))
        rcp = policy("rcp", deny("s3:*", principal=STAR))
        request = req(ANONYMOUS, resource_policy=public, identity_policies=(ident(deny()),), scps=((policy("scp"),),))
        assert outcome(request) == ("allowed", None)
        assert outcome(replace(request, rcps=((rcp,),))) == ("explicitDeny", "rcp")

    def test_service_principal_needs_only_the_resource_policy(self):
        queue = policy(
            "resource", allow("sqs:SendMessage", "*", principal=PrincipalSpec(service=("sns.amazonaws.com",)))
        )
        sns = Caller("service", "sns.amazonaws.com", None, service="sns.amazonaws.com")
        assert outcome(req(sns, "sqs:SendMessage", f"arn:aws:sqs:us-east-1:{A}:q", resource_policy=queue))[0] == (
            "allowed"
        )
        assert outcome(req(EC2, "sqs:SendMessage", f"arn:aws:sqs:us-east-1:{A}:q", resource_policy=queue)) == (
            "implicitDeny",
            "resource",
        )


# ---- path, matched statements, missing context ----------------------------------------------------------------


class TestDecisionRecord:
    def test_flow_nodes_cover_every_path_node(self):
        for request_, _ in (p.values for p in SCENARIOS_8_1):
            assert set(evaluate(request_).path) <= set(FLOW_NODES)

    @pytest.mark.parametrize(
        ("request_", "path"),
        [
            (req(ALICE, resource_policy=REP_GRANT_ALICE), ("deny", "rcp", "scp", "resource", "allow")),
            (
                req(ALICE, identity_policies=(ident(allow()),)),
                ("deny", "rcp", "scp", "resource", "identity", "boundary", "session", "allow"),
            ),
            (req(ALICE), ("deny", "rcp", "scp", "resource", "identity", "implicit_deny")),
            (
                req(ALICE, identity_policies=(ident(allow()),), boundary=EC2_ONLY),
                ("deny", "rcp", "scp", "resource", "identity", "boundary", "implicit_deny"),
            ),
            (req(ALICE, scps=((SCP_S3_ONLY,), (policy("scp"),))), ("deny", "rcp", "scp", "implicit_deny")),
            (req(ALICE, resource_account=B), ("deny", "rcp", "scp", "resource", "implicit_deny")),
        ],
    )
    def test_path_follows_the_flowchart(self, request_, path):
        # §4.1 fact 2 and §4.2, D-EVAL (H)
        assert evaluate(request_).path == path

    def test_scp_miss_records_the_level(self):
        # §4.1 fact 3 (H), S16
        decision = evaluate(req(ALICE, "ec2:RunInstances", "*", scps=((FULL_ACCESS,), (SCP_S3_ONLY,), (FULL_ACCESS,))))
        assert decision.level == 1

    def test_matched_statements_name_source_policy_and_sid(self):
        # API-SIM MatchedStatements (H)
        ids = ident(allow("s3:GetObject", sid="ReadReports"), name="arn:aws:iam::111111111111:policy/Read")
        decision = evaluate(req(ALICE, identity_policies=(ids,), resource_policy=REP_GRANT_ALICE))
        assert [(m.source, m.policy, m.sid, m.principal_match) for m in decision.matched] == [
            ("resource", None, None, "direct"),
            ("identity", "arn:aws:iam::111111111111:policy/Read", "ReadReports", None),
        ]
        assert decision.matched[1].json_path == "$.Statement[0]"

    def test_explicit_deny_lists_only_deny_statements(self):
        # API-SIM: "if one statement denies, the deny statement is the only entry" (H)
        decision = evaluate(req(ALICE, identity_policies=(S01_POLICY,), resource="arn:aws:s3:::carlossalazar/log"))
        assert [m.effect for m in decision.matched] == ["Deny"]

    def test_missing_context_lists_absent_keys_as_written(self):
        # API-SIM MissingContextValues (H); §2.2 missing-key rule, D-OPS (H)
        ids = ident(
            allow("s3:GetObject", conditions=(cond("StringEquals", "aws:PrincipalTag/Team", "dev"),)),
            allow("iam:*", conditions=(cond("Bool", "aws:MultiFactorAuthPresent", "true"),)),
        )
        decision = evaluate(req(ALICE, identity_policies=(ids,)))
        assert decision.missing_context == ("aws:PrincipalTag/Team",)
        assert not decision.allowed
        tagged = evaluate(req(ALICE, identity_policies=(ids,), context={"aws:PrincipalTag/Team": "dev"}))
        assert tagged.allowed and tagged.missing_context == ()

    def test_decision_reason_is_the_access_denied_message(self):
        # §4.3, D-AD (H)
        assert evaluate(req(ALICE)).reason == (
            "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: s3:GetObject on resource: "
            "arn:aws:s3:::rep/q1.csv because no identity-based policy allows the s3:GetObject action"
        )

    def test_hot_path_constructors_build_the_same_values(self):
        # Not an AWS fact: evaluate.new_request and _new_decision fill the frozen slots directly for speed, and
        # must give exactly what the dataclass constructors give (fields, equality, repr).
        made = req(ALICE, identity_policies=(ident(allow()),), resource_policy=REP_GRANT_ALICE, resource_account=B)
        fast = evaluate_module.new_request(*(getattr(made, f.name) for f in fields(Request)))
        assert fast == made and repr(fast) == repr(made)
        assert [getattr(fast, f.name) for f in fields(Request)] == [getattr(made, f.name) for f in fields(Request)]
        decision = evaluate(made)
        values = [getattr(decision, f.name) for f in fields(Decision)]
        assert type(decision) is Decision
        assert decision == Decision(*values) and repr(decision) == repr(Decision(*values))
        assert decision.request is made
        with pytest.raises(FrozenInstanceError):
            fast.action = "s3:PutObject"  # type: ignore[misc]


# ---- matching details that flow through the decision ---------------------------------------------------------


class TestMatchingInTheDecision:
    def test_actions_case_insensitive_resources_case_sensitive(self):
        # §8.2 S23 D-ACT / S25 D-RES (H)
        ids = (ident(allow("S3:getobject", "arn:aws:s3:::Reports/*")),)
        assert evaluate(req(ALICE, resource="arn:aws:s3:::Reports/q1", identity_policies=ids)).allowed
        assert not evaluate(req(ALICE, resource="arn:aws:s3:::reports/q1", identity_policies=ids)).allowed

    def test_policy_variables_in_resources(self):
        # §2.4, D-VARS (H): resolved in 2012-10-17 documents, literal otherwise, unresolved matches nothing
        home = allow("s3:GetObject", "arn:aws:s3:::bucket/home/${aws:username}/*")
        mine = "arn:aws:s3:::bucket/home/alice/notes.txt"
        ctx = {"aws:username": "alice"}
        assert evaluate(req(ALICE, resource=mine, context=ctx, identity_policies=(ident(home),))).allowed
        bobs = "arn:aws:s3:::bucket/home/bob/notes.txt"
        assert not evaluate(req(ALICE, resource=bobs, context=ctx, identity_policies=(ident(home),))).allowed
        assert not evaluate(req(session(), resource=mine, identity_policies=(ident(home),))).allowed
        legacy = policy("identity", home, version="2008-10-17")
        assert not evaluate(req(ALICE, resource=mine, context=ctx, identity_policies=(legacy,))).allowed

    def test_unresolved_variable_in_not_resource_excludes_nothing(self):
        # §2.2 / §2.4, D-VARS (H): the pattern matches nothing, so the Deny applies to every resource
        guard = deny("s3:*", not_resource="arn:aws:s3:::bucket/home/${aws:username}/*")
        ids = (ident(allow(), guard),)
        assert outcome(req(session(), resource="arn:aws:s3:::bucket/home/x/y", identity_policies=ids)) == (
            "explicitDeny",
            "identity",
        )

    def test_star_only_covers_actions_without_resources(self, monkeypatch):
        # §1.5, ⚠ F18 (M): default needs Resource "*"; the switch accepts "arn:aws:s3:::*"
        ids = (ident(allow("s3:ListAllMyBuckets", "arn:aws:s3:::*")),)
        request = req(ALICE, "s3:ListAllMyBuckets", "*", identity_policies=ids)
        assert not evaluate(request).allowed
        monkeypatch.setattr(evaluate_module, "F18_ONLY_STAR_COVERS_STAR", False)
        assert evaluate(request).allowed

    def test_session_arn_grant_with_f15_off_follows_iam_simulate(self, monkeypatch):
        # §4.2 notes, ⚠ F15 (M)
        request = req(session(), resource_policy=REP_GRANT_SESSION, session_policies=(SP_EC2,))
        monkeypatch.setattr(evaluate_module, "F15_SESSION_ARN_GRANT_IGNORES_SESSION_POLICY", False)
        assert outcome(request) == ("implicitDeny", "session")

    def test_short_arn_never_matches_in_resource_policies(self):
        # §1.5, ⚠ F4 (M, IS): padded in identity policies only
        ids = (ident(allow("s3:GetObject", "arn:aws:s3:*")),)
        assert evaluate(req(ALICE, identity_policies=ids)).allowed
        bucket = policy("resource", allow("s3:GetObject", "arn:aws:s3:*", principal=STAR))
        assert not evaluate(req(ALICE, resource_policy=bucket)).allowed


# ---- robustness and properties --------------------------------------------------------------------------------


class TestHostileInput:
    # Contract ground rule: only EngineError subclasses escape

    @pytest.mark.parametrize(
        "request_",
        [
            Request(ALICE, None, OBJECT, None, {}),  # type: ignore[arg-type]
            Request(None, "s3:GetObject", OBJECT, None, {}),  # type: ignore[arg-type]
            Request(ALICE, "s3:GetObject", OBJECT, None, {}, identity_policies=("not a policy",)),  # type: ignore[arg-type]
        ],
    )
    def test_malformed_request_raises_parameter_error(self, request_):
        with pytest.raises(ParameterError):
            evaluate(request_)

    def test_unicode_and_huge_strings_are_just_data(self):
        ids = (ident(allow("s3:*", "arn:aws:s3:::" + "*" * 50 + "é")),)
        # Behaviour only: catastrophic backtracking is caught by TestHostileGlobs in test_matching.py, and the
        # matching speed is the hostile wildcard row of `python -m iamtutor.engine bench`.
        resource = "arn:aws:s3:::" + "ü/" * 50_000 + "é"
        decision = evaluate(
            req(ALICE, resource=resource, context={"aws:username": "ålice\u0000"}, identity_policies=ids)
        )
        assert decision.allowed

    def test_thousands_of_statements(self):
        many = ident(*(allow(f"svc{i}:Get*", f"arn:aws:s3:::b{i}/*") for i in range(2000)))
        assert not evaluate(req(ALICE, identity_policies=(many,))).allowed
        assert evaluate(req(ALICE, "svc1999:GetX", "arn:aws:s3:::b1999/k", identity_policies=(many,))).allowed

    def test_index_is_bounded(self, monkeypatch):
        monkeypatch.setattr(evaluate_module, "_INDEX_LIMIT", 8)
        ids = ident(allow("s3:GetObject"))
        for i in range(50):
            assert evaluate(req(ALICE, resource=f"arn:aws:s3:::b/{i}", identity_policies=(ids,))).allowed
        assert len(ids.cache["memo"]) <= 8


ACTIONS = ("s3:GetObject", "s3:PutObject", "iam:CreateUser", "sts:AssumeRole", "s3:ListAllMyBuckets")
RESOURCES = ("arn:aws:s3:::bucket/a", "arn:aws:s3:::other/b", ROLE_ARN, "*")
ACTION_PATTERNS = ("*", "s3:*", "s3:Get*", "iam:*", "sts:AssumeRole", "S3:putobject")
RESOURCE_PATTERNS = ("*", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a", "arn:aws:s3:::other/*", ROLE_ARN)
CONDITIONS = (
    (),
    (cond("StringEquals", "aws:PrincipalTag/team", "dev"),),
    (cond("Bool", "aws:SecureTransport", "true"),),
    (cond("StringNotEquals", "aws:username", "alice"),),
)
PRINCIPALS = (
    STAR,
    aws(ALICE.arn),
    aws(A),
    aws(f"arn:aws:iam::{A}:role/App"),
    aws(session().arn),
    aws(BOB_B.arn),
    PrincipalSpec(service=("ec2.amazonaws.com",)),
)
CALLERS = (ALICE, session(), ROOT, EC2, ANONYMOUS, BOB_B, federated(), user(has_boundary=True))
CONTEXTS = ({}, {"aws:PrincipalTag/team": "dev", "aws:SecureTransport": "true"}, {"aws:username": "alice"})


@st.composite
def statements(draw, kind: str) -> Statement:
    effect = draw(st.sampled_from(("Allow", "Deny")))
    actions = tuple(draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=2)))
    negate_action = draw(st.booleans()) and kind != "trust"
    resources = (
        None if kind == "trust" else tuple(draw(st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2)))
    )
    negate_resource = resources is not None and draw(st.booleans())
    principal = not_principal = None
    if kind in ("resource", "trust", "rcp"):
        spec = draw(st.sampled_from(PRINCIPALS))
        if kind == "resource" and draw(st.booleans()):
            not_principal = spec
        else:
            principal = spec
    return stmt(
        effect,
        None if negate_action else actions,
        None if negate_resource else resources,
        not_action=actions if negate_action else None,
        not_resource=resources if negate_resource else None,
        principal=principal,
        not_principal=not_principal,
        conditions=draw(st.sampled_from(CONDITIONS)),
    )


def policies(kind: str, max_statements=3):
    return st.lists(statements(kind), min_size=0 if kind != "scp" else 1, max_size=max_statements).map(
        lambda found: policy(kind, *found)
    )


@st.composite
def requests(draw) -> Request:
    is_trust = draw(st.booleans())
    resource_kind = "trust" if is_trust else "resource"
    return req(
        draw(st.sampled_from(CALLERS)),
        draw(st.sampled_from(ACTIONS)),
        draw(st.sampled_from(RESOURCES)),
        context=draw(st.sampled_from(CONTEXTS)),
        resource_account=draw(st.sampled_from((None, A, B))),
        identity_policies=tuple(draw(st.lists(policies("identity"), max_size=3))),
        boundary=draw(st.none() | policies("boundary")),
        session_policies=tuple(draw(st.lists(policies("session"), max_size=2))),
        scps=tuple((p,) for p in draw(st.lists(policies("scp"), max_size=2))),
        rcps=tuple((p,) for p in draw(st.lists(policies("rcp"), max_size=1))),
        resource_policy=draw(st.none() | policies(resource_kind)),
        resource_is_trust=is_trust,
    )


PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _fresh(request: Request) -> Request:
    """The same request with fresh Policy objects, so no index is shared between the compared runs."""

    def copy(p: Policy | None) -> Policy | None:
        return None if p is None else Policy(p.kind, p.version, p.id, p.statements, p.name)

    return replace(
        request,
        identity_policies=tuple(map(copy, request.identity_policies)),
        boundary=copy(request.boundary),
        session_policies=tuple(map(copy, request.session_policies)),
        scps=tuple(tuple(map(copy, level)) for level in request.scps),
        rcps=tuple(tuple(map(copy, level)) for level in request.rcps),
        resource_policy=copy(request.resource_policy),
    )


class TestProperties:
    @PROPERTY_SETTINGS
    @given(requests())
    def test_evaluate_never_raises_and_decision_is_consistent(self, request_):
        # contract: never raises for a well-typed Request; §4.2 decision strings (API-SIM, H)
        decision = evaluate(request_)
        assert isinstance(decision, Decision)
        assert decision.outcome in ("allowed", "explicitDeny", "implicitDeny")
        assert (decision.denied_by is None) == decision.allowed
        assert decision.path[-1] == {"allowed": "allow", "explicitDeny": "explicit_deny"}.get(
            decision.outcome, "implicit_deny"
        )
        assert set(decision.path) <= set(FLOW_NODES)
        assert decision.reason

    @PROPERTY_SETTINGS
    @given(requests(), statements("identity"), st.booleans())
    def test_adding_a_deny_never_turns_a_deny_into_an_allow(self, request_, extra, to_resource):
        # §4.1 fact 1, D-EVAL (H)
        before = evaluate(request_)
        denial = replace(extra, effect="Deny")
        if to_resource and request_.resource_policy is not None:
            rp = request_.resource_policy
            widened = replace(
                request_, resource_policy=policy(rp.kind, *rp.statements, replace(denial, principal=STAR))
            )
        else:
            widened = replace(request_, identity_policies=(*request_.identity_policies, policy("identity", denial)))
        after = evaluate(_fresh(widened))
        assert after.allowed <= before.allowed
        if before.outcome == "explicitDeny":
            assert after.outcome == "explicitDeny"

    @PROPERTY_SETTINGS
    @given(requests(), policies("boundary"))
    def test_adding_a_boundary_never_widens_access(self, request_, boundary):
        # §4.1 fact 8 / §1.6 fact 9, D-PB (H); F14 only narrows further
        request_ = replace(request_, boundary=None)
        before = evaluate(request_)
        caller = replace(request_.caller, has_boundary=True)
        after = evaluate(_fresh(replace(request_, boundary=boundary, caller=caller)))
        assert after.allowed <= before.allowed

    @PROPERTY_SETTINGS
    @given(requests(), st.lists(policies("session"), min_size=1, max_size=2))
    def test_adding_session_policies_never_widens_access(self, request_, sessions):
        # §5.4, D-POL / API-STS (H)
        request_ = replace(request_, session_policies=())
        before = evaluate(request_)
        after = evaluate(_fresh(replace(request_, session_policies=tuple(sessions))))
        assert after.allowed <= before.allowed

    @PROPERTY_SETTINGS
    @given(requests(), st.randoms(use_true_random=False))
    def test_order_of_policies_and_statements_does_not_change_the_outcome(self, request_, rnd):
        # §4.1 fact 2, D-EVAL (H): order only decides which reason is reported
        def shuffled(p: Policy) -> Policy:
            items = list(p.statements)
            rnd.shuffle(items)
            return Policy(p.kind, p.version, p.id, tuple(items), p.name)

        identity = [shuffled(p) for p in request_.identity_policies]
        rnd.shuffle(identity)
        other = replace(
            request_,
            identity_policies=tuple(identity),
            resource_policy=request_.resource_policy and shuffled(request_.resource_policy),
        )
        assert evaluate(other).outcome == evaluate(request_).outcome


def test_only_engine_errors_escape_for_garbage_fields():
    # Contract ground rule (no KeyError/TypeError leaks)
    for garbage in (object(), 3, b"bytes", ["list"]):
        with pytest.raises(EngineError):
            evaluate(Request(ALICE, garbage, garbage, None, {}))  # type: ignore[arg-type]


# ---- through the real parser ------------------------------------------------------------------------------------


def test_parsed_policies_decide_like_built_ones_and_report_lines():
    # §8.1 S01 and S62 from JSON text via policy.parse_policy (D-EVAL, D-AD, API-STS; H)
    from iamtutor.engine.policy import parse_policy

    carlos = parse_policy(
        '{"Version": "2012-10-17", "Statement": [\n'
        '  {"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::carlossalazar", '
        '"arn:aws:s3:::carlossalazar/*"]},\n'
        '  {"Sid": "NoLogs", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::*log*"}\n'
        "]}",
        "identity",
        name="Carlos",
    )
    decision = evaluate(req(ALICE, "s3:PutObject", "arn:aws:s3:::carlossalazar-logs", identity_policies=(carlos,)))
    assert (decision.outcome, decision.matched[0].sid, decision.matched[0].line) == ("explicitDeny", "NoLogs", 3)

    trust_doc = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "sts:AssumeRole"},
    }
    tp = parse_policy(trust_doc, "trust", name="trust policy of Deploy")
    assert outcome(assume(ALICE, tp)) == ("implicitDeny", "identity")
    assert evaluate(assume(ALICE, tp, identity_policies=(ident(allow("sts:AssumeRole")),))).grant == "account"


class TestAwsFacts:
    """Rules where the engine used to differ from AWS, each backed by AWS's documentation."""

    def test_a_variable_before_the_fifth_colon_is_not_substituted(self):
        """IAM User Guide, "IAM policy elements: Variables and tags", Where you can use policy variables
        (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html): a variable can
        replace only the resource part of an ARN, after the fifth colon; before it (service, region or
        account) it is not substituted, so the written text matches no real ARN (§2.4, D-VARS, H)."""
        queue = "arn:aws:sqs:us-east-1:111111111111:orders"
        context = make_context({"aws:PrincipalAccount": A, "aws:username": "orders"})
        for pattern in (
            "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:*",
            "arn:aws:${aws:username}:us-east-1:111111111111:*",
        ):
            request = req(
                user(), "sqs:SendMessage", queue, context=context, identity_policies=(ident(allow("*", pattern)),)
            )
            assert outcome(request) == ("implicitDeny", "identity"), pattern
        after = ident(allow("*", "arn:aws:sqs:us-east-1:111111111111:${aws:username}"))
        assert evaluate(req(user(), "sqs:SendMessage", queue, context=context, identity_policies=(after,))).allowed

    def test_a_kms_key_without_a_key_policy_is_denied_whatever_iam_allows(self):
        """AWS KMS Developer Guide, "Key policies in AWS KMS"
        (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html): every KMS key has exactly
        one key policy, and "without permission from the key policy, IAM policies that allow permissions have
        no effect" (§4.1 fact 5, H). A request that reaches the evaluator with no key policy is denied."""
        key = "arn:aws:kms:us-east-1:111111111111:key/k1"
        identity = (ident(allow("kms:*")),)
        assert outcome(req(user(), "kms:Decrypt", key, identity_policies=identity)) == ("implicitDeny", "resource")
        # Not a key: KMS actions on "*" (ListKeys) and aliases are authorised by IAM policies alone.
        assert evaluate(req(user(), "kms:ListKeys", "*", identity_policies=identity)).allowed
        root = policy("resource", allow("kms:*", "*", principal=aws(f"arn:aws:iam::{A}:root")))
        with_key_policy = req(user(), "kms:Decrypt", key, identity_policies=identity, resource_policy=root)
        assert evaluate(with_key_policy).allowed
        assert not evaluate(replace(with_key_policy, identity_policies=())).allowed
