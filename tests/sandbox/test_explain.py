"""``describe_failure`` asks the engine who a trust policy names and what an ARN's parts are; it decides nothing."""

from __future__ import annotations

import pytest

from iamtutor.engine import AssumeRoleRequest, StsError, World, assume_role
from iamtutor.sandbox.explain import describe_failure

A = "111111111111"
ALICE = f"arn:aws:iam::{A}:user/alice"
BOB = f"arn:aws:iam::{A}:user/bob"
DEPLOY = f"arn:aws:iam::{A}:role/team/Deploy"


def _denied(principal: dict, **statement) -> StsError:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **statement}],
    }
    world = World.from_dict(
        {
            "clock": "2026-01-01T09:00:00Z",
            "accounts": {
                A: {
                    "UserDetailList": [{"UserName": "alice"}, {"UserName": "bob"}],
                    "RoleDetailList": [{"RoleName": "Deploy", "Path": "/team/", "AssumeRolePolicyDocument": trust}],
                }
            },
        }
    )
    with pytest.raises(StsError) as excinfo:
        assume_role(world, ALICE, AssumeRoleRequest(DEPLOY, "session"))
    return excinfo.value


@pytest.mark.parametrize("principal", [{"AWS": A}, {"AWS": f"arn:aws:iam::{A}:root"}, {"AWS": ALICE}, "*"])
def test_a_trust_policy_that_names_the_caller_by_any_name_gets_its_conditions_described(principal):
    # §4.1 fact 6: the account id, the root ARN, the caller's own ARN and "*" all name the caller
    # (the engine's match_principal decides; the sandbox only words it).
    err = _denied(principal, Condition={"StringEquals": {"sts:ExternalId": "secret"}})
    sentences = describe_failure(err).sentences
    assert any("sts:ExternalId expects secret; this call sent nothing" in s for s in sentences)
    assert not any("— not" in s for s in sentences)


def test_a_trust_policy_naming_someone_else_says_whom_it_names_and_the_role_by_its_name():
    sentences = describe_failure(_denied({"AWS": BOB})).sentences
    assert sentences[0] == f"The trust policy of Deploy names {BOB} — not {ALICE}."
