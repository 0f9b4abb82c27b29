"""STS over a world: the S61–S85 scenarios of iam-reference.md §8.5 and the rules of §5 behind them.

Each test names its S-number (or section) and the AWS fact it rests on with the reference's source tag.
"""

from __future__ import annotations

import importlib

import pytest

from iamtutor.engine import sts
from iamtutor.engine.errors import EngineError, IamError, ParameterError, PolicyError, StsError
from tests.engine.world_builders import (
    ALICE,
    BOB,
    DEPLOY,
    A,
    B,
    C,
    account,
    allow,
    deny,
    doc,
    make_world,
    role,
    trust,
    user,
)

evaluate_module = importlib.import_module("iamtutor.engine.evaluate")  # the module, not the re-exported function

ASSUME_ALL = allow("sts:AssumeRole")


def deploy_world(
    trust_policy: dict, *alice_policies: dict, role_extra: dict | None = None, alice_extra: dict | None = None
):
    return make_world(
        {
            A: account(
                users=[user("alice", *alice_policies, **(alice_extra or {})), user("bob")],
                roles=[role("Deploy", trust_policy, doc(allow("s3:*")), **(role_extra or {}))],
            )
        }
    )


def denied(excinfo: pytest.ExceptionInfo) -> str:
    assert excinfo.value.code == "AccessDenied"
    return excinfo.value.message


# ---- S61–S64: who may assume (§5.2 step 2) -----------------------------------------------------------------------


def test_s61_trust_naming_the_user_needs_no_identity_allow():
    # S61, §5.1/§5.2 API-STS (H): same account, trust names alice's ARN: no identity policy needed; the
    # session ARN drops the path, AssumedRoleId is AROA…:name, keys are ASIA…, Expiration is now + 3600 s.
    world = deploy_world(trust({"AWS": ALICE}))
    result = sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "deploy-1"))
    assert result["ok"] is True
    assert result["assumed_role_user"]["Arn"] == f"arn:aws:sts::{A}:assumed-role/Deploy/deploy-1"
    assert result["assumed_role_user"]["AssumedRoleId"].startswith("AROA")
    assert result["assumed_role_user"]["AssumedRoleId"].endswith(":deploy-1")
    assert result["credentials"]["AccessKeyId"].startswith("ASIA")
    assert result["credentials"]["Expiration"] == "2026-01-01T10:00:00Z"
    assert result["packed_policy_size"] == 0


def test_session_arn_drops_the_role_path():
    # §5.1 D-IDS (H): AssumedRoleUser.Arn has no path: arn:aws:sts::A:assumed-role/NAME/SESSION.
    world = make_world({A: account(users=[user("alice")], roles=[role("Ops", trust({"AWS": ALICE}), Path="/team/x/")])})
    result = sts.assume_role(world, ALICE, sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/team/x/Ops", "sx"))
    assert result["assumed_role_user"]["Arn"] == f"arn:aws:sts::{A}:assumed-role/Ops/sx"


def test_s62_trust_naming_the_account_needs_an_identity_allow():
    # S62, §5.2 API-STS/D-EVAL (H): trusting the account delegates to the caller's identity policies.
    world = deploy_world(trust({"AWS": f"arn:aws:iam::{A}:root"}))
    with pytest.raises(StsError) as excinfo:
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "deploy-1"))
    assert denied(excinfo).startswith(
        f"User: {ALICE} is not authorized to perform: sts:AssumeRole on resource: {DEPLOY}"
    )
    allowed = deploy_world(trust({"AWS": f"arn:aws:iam::{A}:root"}), doc(allow("sts:AssumeRole", DEPLOY)))
    assert sts.assume_role(allowed, ALICE, sts.AssumeRoleRequest(DEPLOY, "deploy-1"))["ok"]


def test_s63_identity_allow_without_trust_is_not_enough():
    # S63, §5.2 D-EVAL exception (H): the trust policy must itself allow the caller or its account.
    world = deploy_world(trust({"AWS": BOB}), doc(ASSUME_ALL))
    with pytest.raises(StsError) as excinfo:
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "deploy-1"))
    assert "sts:AssumeRole" in denied(excinfo)


@pytest.mark.parametrize("principal", [f"arn:aws:iam::{A}:user/alice", A])
def test_s64_cross_account_needs_both_sides(principal):
    # S64, §4.1 fact 7 D-XACCT (H): B's trust names alice (or A) and alice's identity policy must allow it.
    target = f"arn:aws:iam::{B}:role/Target"
    accounts = {A: account(users=[user("alice")]), B: account(roles=[role("Target", trust({"AWS": principal}))])}
    world = make_world(accounts)
    with pytest.raises(StsError) as excinfo:
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(target, "sx"))
    # ⚠ F22: cross-account denials outside one organization print the bare form (OBS, H).
    assert denied(excinfo) == f"User: {ALICE} is not authorized to perform: sts:AssumeRole on resource: {target}"
    accounts[A] = account(users=[user("alice", doc(allow("sts:AssumeRole", target)))])
    result = sts.assume_role(make_world(accounts), ALICE, sts.AssumeRoleRequest(target, "sx"))
    assert result["assumed_role_user"]["Arn"] == f"arn:aws:sts::{B}:assumed-role/Target/sx"


# ---- S65–S66: external id and MFA (§5.6, §5.7) -------------------------------------------------------------------


@pytest.mark.parametrize(("external_id", "ok"), [(None, False), ("67890", False), ("12345", True)])
def test_s65_external_id_must_match(external_id, ok):
    # S65, §5.6 D-XID (H): StringEquals sts:ExternalId; missing or different → the same AccessDenied.
    world = deploy_world(trust({"AWS": ALICE}, Condition={"StringEquals": {"sts:ExternalId": "12345"}}))
    if ok:
        assert sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", external_id=external_id))["ok"]
    else:
        with pytest.raises(StsError, match="is not authorized to perform: sts:AssumeRole"):
            sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", external_id=external_id))


def test_s66_mfa_condition_and_the_session_keeps_mfa():
    # S66, §5.7 API-STS/D-GKEYS (H): SerialNumber+TokenCode make aws:MultiFactorAuthPresent true for the trust
    # evaluation, and the session keeps it for later requests.
    mfa_policy = doc(allow("s3:GetObject", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    world = make_world(
        {
            A: account(
                users=[user("alice", MFADevices=[{"SerialNumber": f"arn:aws:iam::{A}:mfa/alice"}])],
                roles=[
                    role(
                        "Deploy",
                        trust({"AWS": ALICE}, Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
                        mfa_policy,
                    )
                ],
            )
        }
    )
    with pytest.raises(StsError):
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx"))
    mfa = {"serial": f"arn:aws:iam::{A}:mfa/alice", "token_code": "123456", "age_seconds": 30}
    result = sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", mfa=mfa), session_id="s1")
    assert result["ok"]
    ctx = world.principal_context(world.identify("s1"))
    assert ctx["aws:MultiFactorAuthPresent"] == "true"
    assert ctx["aws:MultiFactorAuthAge"] == "30"
    assert world.request("s1", "s3:GetObject", "arn:aws:s3:::b/k").allowed


def test_mfa_serial_of_another_user_is_refused():
    # §5.7 (H mechanism; message OBS, M): a device that is not the caller's fails the one-time-code check.
    world = deploy_world(trust({"AWS": ALICE}))
    with pytest.raises(StsError, match="MultiFactorAuthentication failed"):
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", mfa={"serial": f"arn:aws:iam::{A}:mfa/bob"}))


# ---- S67–S69: validation and durations (§5.2 steps 1 and 4, §5.3) ------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (
            899,
            "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: "
            "Member must have value greater than or equal to 900",
        ),
        (
            43201,
            "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: "
            "Member must have value less than or equal to 43200",
        ),
        (7200, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."),
    ],
)
def test_s67_duration_bounds(seconds, message):
    # S67, §5.2 step 4 / §5.3 API-STS, OBS (H): model range 900–43,200, then the role's MaxSessionDuration.
    world = deploy_world(trust({"AWS": ALICE}))
    with pytest.raises(ParameterError) as excinfo:
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", duration_seconds=seconds))
    assert excinfo.value.code == "ValidationError"
    assert excinfo.value.message == message


def test_s67_fifteen_minute_session():
    # S67, §5.3 (H): 900 s is the minimum and gives Expiration = now + 15 min.
    world = deploy_world(trust({"AWS": ALICE}))
    result = sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", duration_seconds=900))
    assert result["credentials"]["Expiration"] == "2026-01-01T09:15:00Z"


def test_f20_duration_is_checked_after_authorization():
    # ⚠ F20 (§5.2 step 4, M): an unauthorised caller learns nothing about MaxSessionDuration.
    world = deploy_world(trust({"AWS": BOB}))
    with pytest.raises(StsError):
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", duration_seconds=7200))


def chain_world():
    return make_world(
        {
            A: account(
                users=[user("alice")],
                roles=[
                    role("First", trust({"AWS": ALICE}), doc(ASSUME_ALL)),
                    role("Second", trust({"AWS": f"arn:aws:iam::{A}:role/First"}), MaxSessionDuration=43200),
                ],
            )
        }
    )


@pytest.mark.parametrize(("seconds", "expiration"), [(3600, "2026-01-01T10:00:00Z"), (None, "2026-01-01T10:00:00Z")])
def test_s68_role_chaining_allows_up_to_one_hour(seconds, expiration):
    # S68, §5.3 D-TERMS (H): chained sessions default to and are capped at 3,600 s.
    world = chain_world()
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/First", "one"), session_id="s1")
    result = sts.assume_role(
        world, "s1", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/Second", "two", duration_seconds=seconds)
    )
    assert result["credentials"]["Expiration"] == expiration
    assert world.sessions[result["session_id"]].chained


def test_s68_role_chaining_over_one_hour_is_refused():
    # S68, §5.2 step 4 OBS (H): exact text of the chaining limit.
    world = chain_world()
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/First", "one"), session_id="s1")
    with pytest.raises(ParameterError) as excinfo:
        sts.assume_role(
            world, "s1", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/Second", "two", duration_seconds=7200)
        )
    assert excinfo.value.message == (
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
    )


@pytest.mark.parametrize(
    ("name", "constraint"),
    [
        ("bedrock role", r"Member must satisfy regular expression pattern: [\w+=,.@-]*"),
        ("a", "Member must have length greater than or equal to 2"),
        ("x" * 65, "Member must have length less than or equal to 64"),
    ],
)
def test_s69_session_name_rules(name, constraint):
    # S69, §5.2 step 1 API-STS/OBS (H for the first, M for the others' wording).
    world = deploy_world(trust({"AWS": ALICE}))
    with pytest.raises(ParameterError) as excinfo:
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, name))
    assert excinfo.value.message == (
        f"1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: {constraint}"
    )


def test_several_validation_failures_are_reported_together():
    # §5.2 step 1 (M): "2 validation errors detected: …; …".
    world = deploy_world(trust({"AWS": ALICE}))
    with pytest.raises(ParameterError, match=r"2 validation errors detected: .*roleSessionName.*; .*durationSeconds"):
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "a", duration_seconds=10))


def test_f16_malformed_role_arn_is_invalid():
    # ⚠ F16 (§5.2, M): "<arn> is invalid" (ValidationError).
    world = deploy_world(trust({"AWS": ALICE}))
    with pytest.raises(ParameterError, match=r"arn:aws:s3:::not-a-role-at-all is invalid$"):
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest("arn:aws:s3:::not-a-role-at-all", "sx"))


# ---- S70–S72: session tags, transitive tags, source identity (§5.5, §5.2) ----------------------------------------


def test_s70_session_tags_need_sts_tag_session():
    # S70, §5.2 step 3 D-TAGS (H): without sts:TagSession the whole AssumeRole fails.
    tags = [{"Key": "project", "Value": "x"}]
    world = deploy_world(trust({"AWS": ALICE}))
    with pytest.raises(StsError) as excinfo:
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", tags=tags))
    assert "sts:TagSession" in denied(excinfo)
    world = deploy_world(trust({"AWS": ALICE}, action=["sts:AssumeRole", "sts:TagSession"]))
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", tags=tags), session_id="s1")
    assert world.principal_context(world.identify("s1"))["aws:PrincipalTag/project"] == "x"


def tag_chain_world():
    chain = ["sts:AssumeRole", "sts:TagSession"]
    roles = [
        role("R1", trust({"AWS": ALICE}, action=chain), doc(ASSUME_ALL)),
        role(
            "R2",
            trust({"AWS": f"arn:aws:iam::{A}:role/R1"}, action=chain),
            doc(ASSUME_ALL),
            Tags=[{"Key": "Sun", "Value": "2"}],
        ),
        role("R3", trust({"AWS": f"arn:aws:iam::{A}:role/R2"}, action=chain), Tags=[{"Key": "Star", "Value": "3"}]),
    ]
    world = make_world({A: account(users=[user("alice")], roles=roles)})
    sts.assume_role(
        world,
        ALICE,
        sts.AssumeRoleRequest(
            f"arn:aws:iam::{A}:role/R1",
            "s1",
            tags=[{"Key": "Star", "Value": "1"}, {"Key": "Heart", "Value": "1"}],
            transitive_tag_keys=["Star", "Heart"],
        ),
        session_id="s1",
    )
    sts.assume_role(world, "s1", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/R2", "s2"), session_id="s2")
    return world


def principal_tags(world, ref):
    ctx = world.principal_context(world.identify(ref))
    return {k.split("/", 1)[1]: v for k, v in ctx.items() if k.startswith("aws:PrincipalTag/")}


def test_s71_transitive_tags_flow_through_a_chain():
    # S71, §5.5 D-TAGS chain example (H): transitive tags pass on; the role's own tags join them; a transitive
    # tag overrides the next role's tag of the same key.
    world = tag_chain_world()
    assert principal_tags(world, "s2") == {"Heart": "1", "Star": "1", "Sun": "2"}
    sts.assume_role(world, "s2", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/R3", "s3"), session_id="s3")
    assert principal_tags(world, "s3") == {"Heart": "1", "Star": "1"}


def test_s71_passing_an_inherited_transitive_key_again_fails():
    # S71, §5.5 API-STS (H: the call fails; ⚠ F17: the error code is our guess, ValidationError).
    world = tag_chain_world()
    with pytest.raises(ParameterError, match="Star"):
        sts.assume_role(
            world, "s2", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/R3", "s3", tags=[{"Key": "star", "Value": "9"}])
        )


def test_s71_transitive_tag_replaces_resource_tag_in_the_next_trust_policy():
    # §5.5 D-TAGS (H): the calling session's transitive tag value replaces aws:ResourceTag/<key> of the role.
    chain = ["sts:AssumeRole", "sts:TagSession"]
    roles = [
        role("R1", trust({"AWS": ALICE}, action=chain), doc(ASSUME_ALL)),
        role(
            "R2",
            trust({"AWS": f"arn:aws:iam::{A}:role/R1"}, Condition={"StringEquals": {"aws:ResourceTag/Star": "1"}}),
            Tags=[{"Key": "Star", "Value": "3"}],
        ),
    ]
    world = make_world({A: account(users=[user("alice")], roles=roles)})
    sts.assume_role(
        world,
        ALICE,
        sts.AssumeRoleRequest(
            f"arn:aws:iam::{A}:role/R1", "s1", tags=[{"Key": "Star", "Value": "1"}], transitive_tag_keys=["Star"]
        ),
        session_id="s1",
    )
    assert sts.assume_role(world, "s1", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/R2", "s2"))["ok"]


def test_tag_keys_are_unique_ignoring_case():
    # §5.5 D-TAGS (H): Department and department cannot coexist.
    world = deploy_world(trust({"AWS": ALICE}, action=["sts:AssumeRole", "sts:TagSession"]))
    with pytest.raises(ParameterError, match="Duplicate tag keys"):
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", tags={"Department": "a", "department": "b"}))


def source_world():
    actions = ["sts:AssumeRole", "sts:SetSourceIdentity"]
    return make_world(
        {
            A: account(
                users=[user("alice")],
                roles=[
                    role("R1", trust({"AWS": ALICE}, action=actions), doc(ASSUME_ALL)),
                    role("R2", trust({"AWS": f"arn:aws:iam::{A}:role/R1"}, action=actions), doc(allow("s3:*"))),
                ],
            )
        }
    )


def test_s72_source_identity_is_sticky():
    # S72, §5.2 step 5 D-CT chaining example, D-GKEYS (H): a different value is refused; without one the
    # first value carries over and appears as aws:SourceIdentity.
    world = source_world()
    sts.assume_role(
        world, ALICE, sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/R1", "s1", source_identity="alice"), session_id="s1"
    )
    with pytest.raises(StsError, match="sts:SetSourceIdentity"):
        sts.assume_role(world, "s1", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/R2", "s2", source_identity="bob"))
    result = sts.assume_role(world, "s1", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/R2", "s2"), session_id="s2")
    assert result["source_identity"] == "alice"
    assert world.principal_context(world.identify("s2"))["aws:SourceIdentity"] == "alice"


def test_source_identity_needs_set_source_identity():
    # §5.2 step 3 D-STSKEYS (H): SourceIdentity requires sts:SetSourceIdentity in the trust policy.
    world = deploy_world(trust({"AWS": ALICE}))
    with pytest.raises(StsError, match="sts:SetSourceIdentity"):
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", source_identity="alice"))


def test_source_identity_may_not_start_with_aws():
    # §1.9 API-STS (H for the rule).
    world = deploy_world(trust({"AWS": ALICE}, action=["sts:AssumeRole", "sts:SetSourceIdentity"]))
    with pytest.raises(ParameterError, match="sourceIdentity"):
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", source_identity="aws:me"))


# ---- S73: session policies and packed size (§5.4, §5.2 step 5) ---------------------------------------------------


def test_s73_session_policy_over_2048_characters_is_a_validation_error():
    # S73, ⚠ F19 (§1.9 API-STS, H for the limit): ValidationError in the model's wording.
    world = deploy_world(trust({"AWS": ALICE}))
    big = doc(*[allow(f"s3:GetObject{i:04d}", f"arn:aws:s3:::bucket-{i:04d}/*") for i in range(40)])
    with pytest.raises(
        ParameterError,
        match="at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048",
    ):
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", policy=big))


def test_s73_many_long_tags_overflow_the_packed_space():
    # S73, §1.9 API-STS (H for the code; our packing model is an approximation, L).
    world = deploy_world(trust({"AWS": ALICE}, action=["sts:AssumeRole", "sts:TagSession"]))
    tags = [{"Key": f"k{i:02d}" + "k" * 100, "Value": "v" * 250} for i in range(50)]
    with pytest.raises(StsError) as excinfo:
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", policy=doc(allow("s3:GetObject")), tags=tags))
    assert excinfo.value.code == "PackedPolicyTooLarge"
    assert "% of allotted space" in excinfo.value.message


def test_packed_policy_size_is_reported_as_a_percentage():
    # §5.1 API-STS (H): PackedPolicySize is a percentage, > 0 when a session policy is passed.
    world = deploy_world(trust({"AWS": ALICE}))
    result = sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", policy=doc(allow("s3:GetObject"))))
    assert 0 < result["packed_policy_size"] <= 100


def test_malformed_session_policy_is_malformed_policy_document():
    # §5.2 step 5 (H): a session policy must be a valid policy without Principal.
    world = deploy_world(trust({"AWS": ALICE}))
    with pytest.raises(PolicyError) as excinfo:
        sts.assume_role(
            world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", policy=doc({**allow("s3:*"), "Principal": "*"}))
        )
    assert excinfo.value.code == "MalformedPolicyDocument"


def test_session_policy_limits_every_later_request():
    # §5.4 D-POL (H): effective permissions = role policies ∩ session policy; it never grants more (S13).
    world = deploy_world(trust({"AWS": ALICE}))
    sts.assume_role(
        world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", policy=doc(allow("s3:GetObject"))), session_id="s1"
    )
    assert world.request("s1", "s3:GetObject", "arn:aws:s3:::b/k").allowed
    assert world.request("s1", "s3:PutObject", "arn:aws:s3:::b/k").outcome == "implicitDeny"


def test_managed_session_policy_arns_must_exist():
    # §5.1 API-STS (H): PolicyArns name managed policies of the role's account (or AWS managed).
    world = deploy_world(trust({"AWS": ALICE}))
    result = sts.assume_role(
        world,
        ALICE,
        sts.AssumeRoleRequest(DEPLOY, "sx", policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
        session_id="s1",
    )
    assert result["packed_policy_size"] > 0
    assert world.request("s1", "s3:PutObject", "arn:aws:s3:::b/k").outcome == "implicitDeny"
    with pytest.raises(PolicyError, match="does not exist"):
        sts.assume_role(
            world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", policy_arns=[f"arn:aws:iam::{A}:policy/Ghost"])
        )


# ---- S74–S77: expiry, revocation, self-assumption, missing roles -------------------------------------------------


def test_s74_expired_credentials_fail_every_call():
    # S74, §5.9 OBS/API-STS (H): ExpiredToken with AWS's exact text, GetCallerIdentity included.
    world = deploy_world(trust({"AWS": ALICE}))
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", duration_seconds=900), session_id="s1")
    world.clock.advance(901)
    for call in (
        lambda: world.request("s1", "s3:GetObject", "arn:aws:s3:::b/k"),
        lambda: sts.get_caller_identity(world, "s1"),
    ):
        with pytest.raises(StsError) as excinfo:
            call()
        assert (excinfo.value.code, excinfo.value.message) == (
            "ExpiredToken",
            "The security token included in the request is expired",
        )


def test_s75_revoke_older_sessions():
    # S75, §5.9 D-REVOKE (H): AWSRevokeOlderSessions denies sessions issued before the revocation only.
    world = deploy_world(trust({"AWS": ALICE}))
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "old"), session_id="old")
    world.clock.set("2026-01-01T09:30:00Z")
    sts.revoke_sessions(world, DEPLOY)
    assert "AWSRevokeOlderSessions" in world.find_role(DEPLOY).inline
    world.clock.advance(60)
    decision = world.request("old", "s3:GetObject", "arn:aws:s3:::b/k")
    assert (decision.outcome, decision.denied_by) == ("explicitDeny", "identity")
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "new"), session_id="new")
    assert world.request("new", "s3:GetObject", "arn:aws:s3:::b/k").allowed


def test_s76_a_role_cannot_assume_itself_implicitly():
    # S76, §5.2 BLOG-SELF/D-UPDTRUST (H): self-assumption needs the role's own trust policy to allow it.
    world = make_world({A: account(users=[user("alice")], roles=[role("R", trust({"AWS": ALICE}), doc(ASSUME_ALL))])})
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/R", "s1"), session_id="s1")
    with pytest.raises(StsError):
        sts.assume_role(world, "s1", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/R", "again"))


def test_s77_a_missing_role_looks_like_a_trust_failure():
    # S77, §5.2 OBS (H): STS never reveals whether a role exists.
    world = make_world(
        {A: account(users=[user("alice", doc(ASSUME_ALL)), user("bob")], roles=[role("Other", trust({"AWS": BOB}))])}
    )
    with pytest.raises(StsError) as missing:
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/DoesNotExist", "sx"))
    with pytest.raises(StsError) as untrusted:
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/Other", "sx"))
    assert denied(missing).replace("DoesNotExist", "Other") == denied(untrusted)


def test_f3_role_arn_lookup_ignores_case():
    # ⚠ F3 (§5.10, M): RoleArn look-ups are case-insensitive; generated ARNs use the stored case.
    world = deploy_world(trust({"AWS": ALICE}))
    result = sts.assume_role(world, ALICE, sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/deploy", "sx"))
    assert result["assumed_role_user"]["Arn"] == f"arn:aws:sts::{A}:assumed-role/Deploy/sx"


# ---- S78–S79: wildcard trust (§1.6, D-PRIN) ----------------------------------------------------------------------


def org_world(*, b_allows: bool):
    org_trust = trust({"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc1234567"}})
    b_policies = [doc(allow("sts:AssumeRole", DEPLOY))] if b_allows else []
    accounts = {
        A: account(users=[user("alice")], roles=[role("Deploy", org_trust)]),
        B: account(users=[user("bea", *b_policies)]),
        C: account(users=[user("cy", doc(allow("sts:AssumeRole", DEPLOY)))]),
    }
    organization = {"id": "o-abc1234567", "management_account": A, "accounts": [A, B]}
    return make_world(accounts, organization=organization)


def test_s78_org_wide_trust():
    # S78, §3.1 D-GKEYS, §4.1 fact 7 D-XACCT (H): same org + identity allow → ok; no identity allow → denied;
    # another organization → denied.
    assert sts.assume_role(org_world(b_allows=True), f"arn:aws:iam::{B}:user/bea", sts.AssumeRoleRequest(DEPLOY, "sx"))[
        "ok"
    ]
    with pytest.raises(StsError):
        sts.assume_role(org_world(b_allows=False), f"arn:aws:iam::{B}:user/bea", sts.AssumeRoleRequest(DEPLOY, "sx"))
    with pytest.raises(StsError):
        sts.assume_role(org_world(b_allows=True), f"arn:aws:iam::{C}:user/cy", sts.AssumeRoleRequest(DEPLOY, "sx"))


def test_s79_same_account_star_trust_is_a_direct_grant():
    # S79, §1.6 D-PRIN "All principals" (M): a "*" grant counts as direct in the same account.
    world = deploy_world(trust({"AWS": "*"}))
    assert sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx"))["ok"]


# ---- S80–S83: services, PassRole, web identity (§5.11, §5.8) -----------------------------------------------------


def service_world(*extra_roles: dict, alice_policies: tuple = ()):
    ec2 = role(
        "App",
        trust({"Service": "ec2.amazonaws.com"}),
        doc(allow("s3:GetObject")),
        InstanceProfileList=[{"InstanceProfileName": "web"}],
    )
    return make_world({A: account(users=[user("alice", *alice_policies)], roles=[ec2, *extra_roles])})


def test_s80_ec2_assumes_its_instance_role():
    # S80, §5.11 D-EC2 (H): the session is named after the instance and aws:userid is AROA…:i-….
    world = service_world()
    result = sts.assume_role(
        world, "service:ec2.amazonaws.com", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/App", None), session_id="i"
    )
    session_name = result["assumed_role_user"]["Arn"].rsplit("/", 1)[1]
    assert session_name.startswith("i-") and len(session_name) == 19
    assert world.principal_context(world.identify("i"))["aws:userid"].endswith(":" + session_name)
    with pytest.raises(StsError):
        sts.assume_role(
            world, "service:lambda.amazonaws.com", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/App", "fn")
        )


def test_service_sessions_are_not_limited_by_max_session_duration():
    # §5.3 D-QUOTA (H): MaxSessionDuration does not limit sessions services assume for themselves.
    world = service_world()
    result = sts.assume_role(
        world,
        "service:ec2.amazonaws.com",
        sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/App", "i-0123456789abcdef0", duration_seconds=21600),
    )
    assert result["credentials"]["Expiration"] == "2026-01-01T15:00:00Z"


@pytest.mark.parametrize(("source_account", "ok"), [("999999999999", False), (A, True)])
def test_s81_confused_deputy_guard(source_account, ok):
    # S81, §5.6 D-CD (H): aws:SourceAccount / aws:SourceArn conditions on a service principal.
    sns = role(
        "Publish",
        trust(
            {"Service": "sns.amazonaws.com"},
            Condition={"StringEquals": {"aws:SourceAccount": A}, "ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:{A}:*"}},
        ),
    )
    world = service_world(sns)
    context = {"aws:SourceAccount": source_account, "aws:SourceArn": f"arn:aws:sns:us-east-1:{source_account}:t"}
    role_arn = f"arn:aws:iam::{A}:role/Publish"
    if ok:
        assert sts.assume_role(
            world, "service:sns.amazonaws.com", sts.AssumeRoleRequest(role_arn, "sns", context=context)
        )["ok"]
    else:
        with pytest.raises(StsError):
            sts.assume_role(world, "service:sns.amazonaws.com", sts.AssumeRoleRequest(role_arn, "sns", context=context))


def test_s82_launching_an_instance_needs_pass_role():
    # S82, §5.11 D-PASS/D-EC2 (H): without iam:PassRole on the role the launch is refused.
    world = service_world(alice_policies=(doc(allow("ec2:RunInstances")),))
    with pytest.raises(StsError) as excinfo:
        sts.launch_instance(world, ALICE, "web")
    assert excinfo.value.code == "UnauthorizedOperation"
    assert "iam:PassRole" in excinfo.value.message
    world = service_world(
        alice_policies=(
            doc(
                allow("ec2:RunInstances"),
                allow(
                    "iam:PassRole",
                    f"arn:aws:iam::{A}:role/App",
                    Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
                ),
            ),
        )
    )
    result = sts.launch_instance(world, ALICE, "web", instance_id="i-0123456789abcdef0")
    assert result["assumed_role_user"]["Arn"] == f"arn:aws:sts::{A}:assumed-role/App/i-0123456789abcdef0"


def test_lambda_refuses_a_role_that_does_not_trust_it():
    # §5.11 (M, public issue): "The role defined for the function cannot be assumed by Lambda."
    world = service_world(alice_policies=(doc(allow(["lambda:CreateFunction", "iam:PassRole"])),))
    with pytest.raises(StsError) as excinfo:
        sts.lambda_execution_session(world, ALICE, "fn", f"arn:aws:iam::{A}:role/App")
    assert (excinfo.value.code, excinfo.value.message) == (
        "InvalidParameterValueException",
        "The role defined for the function cannot be assumed by Lambda.",
    )


def lambda_world(condition: dict):
    fn = role("Fn", trust({"Service": "lambda.amazonaws.com"}, Condition=condition))
    return service_world(fn, alice_policies=(doc(allow(["lambda:CreateFunction", "iam:PassRole"])),))


def test_lambda_execution_role_guarded_by_source_account():
    # §5.6 D-CD + Lambda "Using source function ARN" (issue 14's correction): Lambda assumes an execution role
    # saying which account it acts for, so aws:SourceAccount guards the role...
    world = lambda_world({"StringEquals": {"aws:SourceAccount": A}})
    assert sts.lambda_execution_session(world, ALICE, "fn", f"arn:aws:iam::{A}:role/Fn")["ok"]
    with pytest.raises(StsError):
        sts.lambda_execution_session(
            lambda_world({"StringEquals": {"aws:SourceAccount": "999999999999"}}),
            ALICE,
            "fn",
            f"arn:aws:iam::{A}:role/Fn",
        )


def test_lambda_execution_role_requiring_source_arn_locks_the_function_out():
    # ...but the function's ARN is no key of that AssumeRole (it guards the function's own resource policy), so
    # a trust policy that requires aws:SourceArn refuses Lambda: the condition on a missing key is false (D-OPS).
    world = lambda_world({"ArnLike": {"aws:SourceArn": f"arn:aws:lambda:us-east-1:{A}:function:fn"}})
    with pytest.raises(StsError) as excinfo:
        sts.lambda_execution_session(world, ALICE, "fn", f"arn:aws:iam::{A}:role/Fn")
    assert excinfo.value.code == "InvalidParameterValueException"


GITHUB = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"


def github_world():
    trust_policy = trust(
        {"Federated": GITHUB},
        action="sts:AssumeRoleWithWebIdentity",
        Condition={
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            "StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"},
        },
    )
    providers = [{"type": "oidc", "arn": GITHUB, "audiences": ["sts.amazonaws.com"]}]
    return make_world({A: account(roles=[role("CI", trust_policy, doc(allow("s3:*")))], identity_providers=providers)})


def claims(sub: str = "repo:org/app:ref:refs/heads/main", aud: str = "sts.amazonaws.com") -> dict:
    return {"iss": "https://token.actions.githubusercontent.com", "sub": sub, "aud": aud}


def test_s83_github_oidc_success():
    # S83, §5.8 D-STSKEYS (H): claims become <provider>:<claim> keys; the response echoes sub and aud.
    world = github_world()
    result = sts.assume_role_with_web_identity(
        world, sts.WebIdentityRequest(GITHUB, f"arn:aws:iam::{A}:role/CI", "gh", claims()), session_id="gh"
    )
    assert result["SubjectFromWebIdentityToken"] == "repo:org/app:ref:refs/heads/main"
    assert result["Audience"] == "sts.amazonaws.com"
    ctx = world.principal_context(world.identify("gh"))
    assert ctx["aws:FederatedProvider"] == GITHUB  # ⚠ F24: the provider ARN
    assert ctx["token.actions.githubusercontent.com:sub"] == "repo:org/app:ref:refs/heads/main"


def test_s83_github_oidc_wrong_repository():
    # S83, §5.8 OBS (H): "Not authorized to perform sts:AssumeRoleWithWebIdentity".
    with pytest.raises(StsError) as excinfo:
        sts.assume_role_with_web_identity(
            github_world(),
            sts.WebIdentityRequest(
                GITHUB, f"arn:aws:iam::{A}:role/CI", "gh", claims(sub="repo:evil/app:ref:refs/heads/main")
            ),
        )
    assert (excinfo.value.code, excinfo.value.message) == (
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    )


def test_s83_github_oidc_wrong_audience():
    # S83, §5.8 OBS (M): InvalidIdentityToken "Incorrect token audience".
    with pytest.raises(StsError) as excinfo:
        sts.assume_role_with_web_identity(
            github_world(), sts.WebIdentityRequest(GITHUB, f"arn:aws:iam::{A}:role/CI", "gh", claims(aud="other"))
        )
    assert (excinfo.value.code, excinfo.value.message) == ("InvalidIdentityToken", "Incorrect token audience")


def test_web_identity_provider_must_exist_in_the_roles_account():
    # §5.8 OBS (M): "No OpenIDConnect provider found in your account for https://…".
    world = github_world()
    other = f"arn:aws:iam::{A}:oidc-provider/example.com"
    with pytest.raises(StsError, match=r"No OpenIDConnect provider found in your account for https://example\.com"):
        sts.assume_role_with_web_identity(
            world, sts.WebIdentityRequest(other, f"arn:aws:iam::{A}:role/CI", "gh", claims())
        )


def test_web_identity_sessions_are_not_role_chaining():
    # §5.8 (H): role-chaining limits do not apply; the role's MaxSessionDuration does.
    world = github_world()
    world.find_role(f"arn:aws:iam::{A}:role/CI").max_session_duration = 7200
    result = sts.assume_role_with_web_identity(
        world, sts.WebIdentityRequest(GITHUB, f"arn:aws:iam::{A}:role/CI", "gh", claims(), duration_seconds=7200)
    )
    assert result["credentials"]["Expiration"] == "2026-01-01T11:00:00Z"


# ---- S84: GetCallerIdentity (§5.9) -------------------------------------------------------------------------------


def test_s84_get_caller_identity_by_principal_type():
    # S84, §5.9 API-STS/D-VARS (H; GetSessionToken row ⚠ F25): UserId and Arn per caller type.
    world = deploy_world(trust({"AWS": ALICE}))
    alice = world.find_user(ALICE)
    assert sts.get_caller_identity(world, ALICE) == {"ok": True, "Account": A, "Arn": ALICE, "UserId": alice.id}
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "ss"), session_id="s")
    session = sts.get_caller_identity(world, "s")
    assert session["Arn"] == f"arn:aws:sts::{A}:assumed-role/Deploy/ss"
    assert session["UserId"] == f"{world.find_role(DEPLOY).id}:ss"
    root = sts.get_caller_identity(world, f"arn:aws:iam::{A}:root")
    assert (root["UserId"], root["Arn"]) == (A, f"arn:aws:iam::{A}:root")
    sts.get_session_token(world, ALICE, session_id="t")
    assert sts.get_caller_identity(world, "t")["Arn"] == ALICE


def test_s22_get_caller_identity_cannot_be_denied():
    # S22, §4.1 fact 11 D-TEMP (H): even an explicit deny does not stop it.
    world = deploy_world(trust({"AWS": ALICE}), doc(deny("sts:GetCallerIdentity")))
    assert sts.get_caller_identity(world, ALICE)["ok"]


def test_unknown_credentials_are_invalid_client_token_id():
    # §5.9 (H): unknown or deleted keys → InvalidClientTokenId with AWS's text.
    world = deploy_world(trust({"AWS": ALICE}))
    with pytest.raises(StsError) as excinfo:
        sts.get_caller_identity(world, "ASIAUNKNOWNKEY000000")
    assert (excinfo.value.code, excinfo.value.message) == (
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )


# ---- S85 and F14: the caller's permissions boundary --------------------------------------------------------------


def boundary_world():
    policies = [
        {
            "PolicyName": "OnlyS3",
            "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": True, "Document": doc(allow("s3:*"))}],
        }
    ]
    boundary = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": f"arn:aws:iam::{A}:policy/OnlyS3"}
    return make_world(
        {
            A: account(
                users=[user("alice", PermissionsBoundary=boundary)],
                roles=[role("Deploy", trust({"AWS": ALICE}))],
                Policies=policies,
            )
        }
    )


def test_s85_caller_boundary_must_allow_assume_role(monkeypatch):
    # S85, ⚠ F14 (§5.2, D-UPDTRUST vs D-EVAL, M): with the switch on the boundary gates trust by ARN.
    with pytest.raises(StsError):
        sts.assume_role(boundary_world(), ALICE, sts.AssumeRoleRequest(DEPLOY, "sx"))
    monkeypatch.setattr(evaluate_module, "F14_BOUNDARY_GATES_TRUST", False)
    assert sts.assume_role(boundary_world(), ALICE, sts.AssumeRoleRequest(DEPLOY, "sx"))["ok"]


# ---- GetSessionToken (§5.9, §5.3) --------------------------------------------------------------------------------


def test_get_session_token_durations():
    # §5.3 API-STS (H): users default to 12 h, up to 36 h; root is capped at 1 h without an error.
    world = deploy_world(trust({"AWS": ALICE}))
    assert sts.get_session_token(world, ALICE)["credentials"]["Expiration"] == "2026-01-01T21:00:00Z"
    root = sts.get_session_token(world, f"arn:aws:iam::{A}:root", duration_seconds=7200)
    assert root["credentials"]["Expiration"] == "2026-01-01T10:00:00Z"
    with pytest.raises(ParameterError, match="less than or equal to 129600"):
        sts.get_session_token(world, ALICE, duration_seconds=129_601)


def test_get_session_token_refuses_session_credentials():
    # §5.9 API-STS (H for the rule, OBS M for the text).
    world = deploy_world(trust({"AWS": ALICE}))
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "ss"), session_id="s")
    with pytest.raises(StsError, match="Cannot call GetSessionToken with session credentials"):
        sts.get_session_token(world, "s")


def test_session_token_without_mfa_cannot_call_iam():
    # §5.9 API-STS (H for the rule; the InvalidClientTokenId answer is M).
    world = deploy_world(trust({"AWS": ALICE}), doc(allow("*")))
    sts.get_session_token(world, ALICE, session_id="t")
    assert world.request("t", "s3:GetObject", "arn:aws:s3:::b/k").allowed
    with pytest.raises(StsError, match="invalid"):
        world.request("t", "iam:ListUsers", "*")


def test_assume_role_with_session_token_credentials_is_not_chaining():
    # §5.3 (M): GetSessionToken credentials are not a role session, so no 1-hour cap.
    world = deploy_world(trust({"AWS": ALICE}), role_extra={"MaxSessionDuration": 7200})
    sts.get_session_token(world, ALICE, session_id="t")
    assert sts.assume_role(world, "t", sts.AssumeRoleRequest(DEPLOY, "sx", duration_seconds=7200))["ok"]


# ---- hostile input -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"duration_seconds": "abc"},
        {"duration_seconds": True},
        {"tags": "x"},
        {"tags": [1]},
        {"policy": 5},
        {"policy_arns": "arn"},
        {"transitive_tag_keys": [1]},
        {"mfa": "x"},
        {"mfa": {"serial": 1}},
        {"external_id": "a b"},
        {"context": []},
        {"context": {"k": {"nested": 1}}},
        {"session_id": 5},
        {"policy": "{" * 5000},
        {"tags": [{"Key": "k" * 10_000, "Value": "v"}]},
    ],
)
def test_hostile_parameters_raise_engine_errors_only(kwargs):
    # Contract ground rule: only EngineError subclasses escape, whatever the input.
    world = deploy_world(trust({"AWS": ALICE}))
    session_id = kwargs.pop("session_id", None)
    with pytest.raises(EngineError):
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "sx", **kwargs), session_id=session_id)


@pytest.mark.parametrize(
    "ref",
    [
        None,
        5,
        "",
        "x" * 5000,
        "arn:aws:iam::111111111111:user/nobody",
        "service:",
        "web_identity:nope",
        "AKIAUNKNOWN000000000",
    ],
)
def test_hostile_caller_references(ref):
    world = deploy_world(trust({"AWS": ALICE}))
    with pytest.raises(StsError):
        sts.assume_role(world, ref, sts.AssumeRoleRequest(DEPLOY, "sx"))


def test_unknown_role_for_revocation():
    world = deploy_world(trust({"AWS": ALICE}))
    with pytest.raises(IamError, match=r"The role with name Ghost cannot be found\."):
        sts.revoke_sessions(world, f"arn:aws:iam::{A}:role/Ghost")


def test_an_access_denied_carries_the_decision_to_explain_it():
    # §5.2 (H): the trust policy names only alice, so bob is refused; the error keeps the evaluated request.
    from iamtutor.engine import explain

    world = deploy_world(trust({"AWS": ALICE}))
    with pytest.raises(StsError) as error:
        sts.assume_role(world, BOB, sts.AssumeRoleRequest(DEPLOY, "bob-tries"))
    assert error.value.decision.outcome == "implicitDeny"
    assert error.value.request.caller.arn == BOB
    assert any("trust policy" in sentence for sentence in explain(error.value.decision, error.value.request))


def test_the_root_user_cannot_assume_a_role_even_when_trusted():
    # OBS (H): AWS refuses AssumeRole by an account's root user: "Roles may not be assumed by root accounts."
    world = deploy_world(trust({"AWS": f"arn:aws:iam::{A}:root"}))
    with pytest.raises(StsError) as error:
        sts.assume_role(world, f"arn:aws:iam::{A}:root", sts.AssumeRoleRequest(DEPLOY, "root-tries"))
    assert (error.value.code, error.value.message) == ("AccessDenied", "Roles may not be assumed by root accounts.")


# ---- the package's public face --------------------------------------------------------------------------------


def test_the_sts_package_keeps_every_public_name_of_the_former_module():
    # Ours: sts.py became the sts/ package; callers import from iamtutor.engine.sts or iamtutor.engine as before.
    import iamtutor.engine as engine
    from iamtutor.engine.sts import AssumeRoleRequest, assume_role, packed_policy_size

    assert assume_role is engine.assume_role and AssumeRoleRequest is engine.AssumeRoleRequest
    assert packed_policy_size(None, [], []) == 0
    for name in sts.__all__:
        assert getattr(sts, name) is not None
    for name in ("assume_role", "assume_role_with_web_identity", "get_caller_identity", "get_session_token",
                 "revoke_sessions", "launch_instance", "lambda_execution_session", "WebIdentityRequest"):  # fmt: skip
        assert getattr(engine, name) is getattr(sts, name)
    assert callable(sts.assume_role)  # a function, not the submodule of a similar name
    assert (sts.DEFAULT_DURATION, sts.CHAINING_LIMIT, sts.MAX_POLICY_ARNS) == (3600, 3600, 10)
