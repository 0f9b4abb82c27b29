"""The engine operations behind the endpoint's IAM calls: instance profiles as IAM keeps them, policy versions
(default or not, SetDefaultPolicyVersion, DeletePolicyVersion) and the policy simulator's two questions.
Each test names the AWS fact it rests on."""

from __future__ import annotations

import pytest

from iamtutor.engine import (
    IamError,
    ParameterError,
    World,
    launch_instance,
    parse_policy,
    simulate_custom_policy,
    simulate_principal_policy,
)
from tests.engine.world_builders import ALICE, BOB, DEPLOY, A, account, allow, deny, doc, make_world, role, trust, user

EC2_TRUST = trust({"Service": "ec2.amazonaws.com"})


def _world() -> World:
    return make_world(
        {
            A: account(
                [user("alice", doc(allow("s3:GetObject"), allow(["ec2:RunInstances", "iam:PassRole"]))), user("bob")],
                [role("Deploy", EC2_TRUST, doc(allow("s3:PutObject"))), role("Other", EC2_TRUST)],
            )
        }
    )


def _fails(call, code: str, message: str | None = None) -> IamError:
    with pytest.raises(IamError) as caught:
        call()
    assert caught.value.code == code
    if message is not None:
        assert caught.value.message == message
    return caught.value


# ---- instance profiles ------------------------------------------------------------------------------------------


def test_create_instance_profile_makes_an_empty_profile():
    # API_CreateInstanceProfile.html: "Creates a new instance profile"; roles are added by
    # AddRoleToInstanceProfile (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html).
    world = _world()
    made = world.create_instance_profile(A, "web", path="/apps/", tags=[{"Key": "team", "Value": "ops"}])
    assert made.arn == f"arn:aws:iam::{A}:instance-profile/apps/web" and made.id.startswith("AIPA")
    assert world.instance_profile_named(A, "WEB") == (made, None)
    assert world.account_instance_profiles(A) == [(made, None)]
    _fails(
        lambda: world.create_instance_profile(A, "Web"), "EntityAlreadyExists", "Instance Profile Web already exists."
    )
    with pytest.raises(ParameterError):
        world.create_instance_profile(A, "no spaces allowed")


def test_a_profile_holds_one_role_and_a_role_may_sit_in_many():
    # "An instance profile can contain only one role, and this quota cannot be increased."
    # (https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html); AWS's error text
    # "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1" (https://github.com/getmoto/moto/issues/6404).
    world = _world()
    world.create_instance_profile(A, "web")
    world.create_instance_profile(A, "batch")
    world.add_role_to_instance_profile("web", DEPLOY)
    world.add_role_to_instance_profile("batch", DEPLOY)
    for other in (DEPLOY, f"arn:aws:iam::{A}:role/Other"):
        _fails(
            lambda other=other: world.add_role_to_instance_profile("web", other),
            "LimitExceeded",
            "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
        )
    assert [(p.name, r.name) for p, r in world.account_instance_profiles(A)] == [("batch", "Deploy"), ("web", "Deploy")]
    # A profile holding its role launches instances with the role's credentials (§5.11, D-EC2).
    result = launch_instance(world, ALICE, f"arn:aws:iam::{A}:instance-profile/web")
    assert ":assumed-role/Deploy/" in str(result)


def test_removing_the_role_keeps_the_profile_until_it_is_deleted():
    # RemoveRoleFromInstanceProfile removes the role, not the profile; DeleteInstanceProfile refuses a profile
    # that still holds a role: DeleteConflict "Cannot delete entity, must remove roles from instance profile
    # first." (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteInstanceProfile.html;
    # text seen on AWS: https://github.com/99designs/iamy/issues/47).
    world = _world()
    world.create_instance_profile(A, "web")
    world.add_role_to_instance_profile("web", DEPLOY)
    _fails(
        lambda: world.delete_instance_profile(A, "web"),
        "DeleteConflict",
        "Cannot delete entity, must remove roles from instance profile first.",
    )
    _fails(lambda: world.remove_role_from_instance_profile("web", f"arn:aws:iam::{A}:role/Other"), "NoSuchEntity")
    world.remove_role_from_instance_profile("web", DEPLOY)
    _profile, holder = world.instance_profile_named(A, "web")
    assert holder is None and world.role(DEPLOY).instance_profiles == []
    world.delete_instance_profile(A, "web")
    _fails(lambda: world.instance_profile_named(A, "web"), "NoSuchEntity", "Instance Profile web cannot be found.")
    _fails(lambda: world.delete_instance_profile(A, "web"), "NoSuchEntity")


def test_empty_profiles_survive_a_save_and_load_and_count_toward_the_quota():
    # InstanceProfilesPerAccount counts every profile, empty or not (D-QUOTA, reference_iam-quotas.html).
    world = _world()
    world.create_instance_profile(A, "empty", tags=[{"Key": "k", "Value": "v"}])
    world.create_instance_profile(A, "held")
    world.add_role_to_instance_profile("held", DEPLOY)
    again = World.from_dict(world.to_dict())
    assert [(p.name, p.tags, r.name if r else None) for p, r in again.account_instance_profiles(A)] == [
        ("empty", [("k", "v")], None),
        ("held", [], "Deploy"),
    ]
    data = world.to_dict()
    data["accounts"][A]["quotas"] = {"InstanceProfilesPerAccount": 2}
    limited = World.from_dict(data)
    _fails(lambda: limited.create_instance_profile(A, "third"), "LimitExceeded")
    data["accounts"][A]["instance_profiles"].append(dict(data["accounts"][A]["instance_profiles"][0]))
    data["accounts"][A].pop("quotas")
    with pytest.raises(Exception, match="empty already exists"):
        World.from_dict(data)


# ---- policy versions --------------------------------------------------------------------------------------------


def test_a_new_version_is_the_default_only_when_asked():
    # CreatePolicyVersion SetAsDefault: "Specifies whether to set this version as the policy's default version."
    # (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicyVersion.html)
    world = _world()
    arn = world.create_policy(A, "Ops", doc(allow("s3:GetObject"))).arn
    world.attach_policy(BOB, arn)
    version = world.create_policy_version(arn, doc(allow("s3:PutObject")), set_as_default=False)
    assert version.version_id == "v2" and world.customer_policy(arn).default_version_id == "v1"
    assert world.request(BOB, "s3:GetObject", "arn:aws:s3:::b/k").allowed
    world.set_default_policy_version(arn, "v2")
    assert not world.request(BOB, "s3:GetObject", "arn:aws:s3:::b/k").allowed
    assert world.request(BOB, "s3:PutObject", "arn:aws:s3:::b/k").allowed
    _fails(
        lambda: world.set_default_policy_version(arn, "v9"),
        "NoSuchEntity",
        f"Policy {arn} version v9 does not exist or is not attachable.",
    )


def test_the_default_version_cannot_be_deleted():
    # "You cannot delete the default version from a policy using this operation."
    # (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicyVersion.html); AWS's text
    # "Cannot delete the default version of a policy." (https://github.com/byu-oit/handel/issues/140).
    world = _world()
    arn = world.create_policy(A, "Ops", doc(allow("s3:GetObject"))).arn
    world.create_policy_version(arn, doc(allow("s3:PutObject")))
    _fails(
        lambda: world.delete_policy_version(arn, "v2"),
        "DeleteConflict",
        "Cannot delete the default version of a policy.",
    )
    world.delete_policy_version(arn, "v1")
    assert [v.version_id for v in world.customer_policy(arn).versions] == ["v2"]
    _fails(lambda: world.delete_policy_version(arn, "v1"), "NoSuchEntity")


def test_version_changes_survive_a_save_and_load():
    world = _world()
    arn = world.create_policy(A, "Ops", doc(allow("s3:GetObject"))).arn
    world.create_policy_version(arn, doc(allow("s3:PutObject")), set_as_default=False)
    world.create_policy_version(arn, doc(allow("s3:ListBucket")), set_as_default=False)
    world.set_default_policy_version(arn, "v3")
    world.delete_policy_version(arn, "v2")
    policy = World.from_dict(world.to_dict()).customer_policy(arn)
    assert ([v.version_id for v in policy.versions], policy.default_version_id) == (["v1", "v3"], "v3")


def test_version_changes_bump_the_world_revision():
    # The sandbox saves a world whose revision moved: a change that did not bump it would be lost.
    world = _world()
    arn = world.create_policy(A, "Ops", doc(allow("s3:GetObject"))).arn
    world.create_policy_version(arn, doc(allow("s3:PutObject")), set_as_default=False)
    for change in (
        lambda: world.set_default_policy_version(arn, "v2"),
        lambda: world.delete_policy_version(arn, "v1"),
        lambda: world.create_instance_profile(A, "web"),
        lambda: world.add_role_to_instance_profile("web", DEPLOY),
        lambda: world.remove_role_from_instance_profile("web", DEPLOY),
        lambda: world.delete_instance_profile(A, "web"),
    ):
        before = world.revision
        change()
        assert world.revision > before


# ---- the simulator ----------------------------------------------------------------------------------------------


def test_simulate_principal_policy_decides_for_users_and_roles_without_an_event():
    # SimulatePrincipalPolicy takes a user, group or role ARN (API_SimulatePrincipalPolicy.html); the sandbox
    # asks a role as a fresh session of it. A simulation is not a request: no CloudTrail event.
    world = _world()
    events = len(world.events)
    assert simulate_principal_policy(world, ALICE, "s3:GetObject", "arn:aws:s3:::b/k").allowed
    assert not simulate_principal_policy(world, BOB, "s3:GetObject", "arn:aws:s3:::b/k").allowed
    assert simulate_principal_policy(world, DEPLOY, "s3:PutObject", "arn:aws:s3:::b/k").allowed
    assert len(world.events) == events
    _fails(
        lambda: simulate_principal_policy(world, f"arn:aws:iam::{A}:user/ghost", "s3:GetObject", "*"), "NoSuchEntity"
    )
    _fails(
        lambda: simulate_principal_policy(world, f"arn:aws:iam::{A}:group/devs", "s3:GetObject", "*"), "InvalidInput"
    )
    _fails(lambda: simulate_principal_policy(world, "not-an-arn", "s3:GetObject", "*"), "InvalidInput")


def test_simulate_custom_policy_uses_only_the_given_policies():
    # SimulateCustomPolicy: "The simulation does not automatically retrieve policies for the specified
    # resources" and evaluates the policies given (https://docs.aws.amazon.com/IAM/latest/APIReference/
    # API_SimulateCustomPolicy.html): alice's own s3:GetObject does not take part.
    world = _world()
    only_put = (parse_policy(doc(allow("s3:PutObject")), "identity"),)
    assert not simulate_custom_policy(world, ALICE, only_put, "s3:GetObject", "arn:aws:s3:::b/k").allowed
    assert simulate_custom_policy(world, ALICE, only_put, "s3:PutObject", "arn:aws:s3:::b/k").allowed
    both = (*only_put, parse_policy(doc(deny("s3:*")), "identity"))
    assert simulate_custom_policy(world, ALICE, both, "s3:PutObject", "arn:aws:s3:::b/k").outcome == "explicitDeny"
