"""IAM's per-account quotas on instance profiles and identity providers, on create and on load (§1.9).

Source (D-QUOTA, H): IAM User Guide, "IAM and AWS STS quotas" — instance profiles in an account: 1,000 by
default, adjustable to 5,000; OpenID Connect providers per account: 100; SAML providers per account: 100.
IAM's texts (OBS, H: public logs): "LimitExceeded: Cannot exceed quota for InstanceProfilesPerAccount: 1000"
and "Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100" (409); the SAML quota's name in the
message is unverified, by analogy (M).
"""

from __future__ import annotations

import pytest

from iamtutor.engine import IamError, WorldError
from iamtutor.engine.world_model import DEFAULT_QUOTAS
from tests.engine.world_builders import DEPLOY, A, account, make_world, role, trust

OIDC = f"arn:aws:iam::{A}:oidc-provider/token{{}}.example.com"
SAML = f"arn:aws:iam::{A}:saml-provider/idp{{}}"


def test_the_defaults_are_iams() -> None:
    assert DEFAULT_QUOTAS["InstanceProfilesPerAccount"] == 1000
    assert DEFAULT_QUOTAS["OpenIdConnectProvidersPerAccount"] == 100
    assert DEFAULT_QUOTAS["SamlProvidersPerAccount"] == 100


def test_instance_profiles_per_account_on_create() -> None:
    world = make_world(
        {
            A: account(
                roles=[role("Deploy", trust({"Service": "ec2.amazonaws.com"}))],
                quotas={"InstanceProfilesPerAccount": 2},
            )
        }
    )
    world.add_instance_profile(DEPLOY, "one")
    world.add_instance_profile(DEPLOY, "two")
    with pytest.raises(IamError) as excinfo:
        world.add_instance_profile(DEPLOY, "three")
    assert (excinfo.value.code, excinfo.value.http_status) == ("LimitExceeded", 409)
    assert excinfo.value.message == "Cannot exceed quota for InstanceProfilesPerAccount: 2"


@pytest.mark.parametrize(
    ("kind", "template", "quota"),
    [("oidc", OIDC, "OpenIdConnectProvidersPerAccount"), ("saml", SAML, "SamlProvidersPerAccount")],
)
def test_identity_providers_per_account_on_create(kind, template, quota) -> None:
    world = make_world({A: account(quotas={quota: 2})})
    audiences = ["sts.amazonaws.com"] if kind == "oidc" else []
    for n in range(2):
        world.add_identity_provider(A, kind, template.format(n), audiences)
    with pytest.raises(IamError) as excinfo:
        world.add_identity_provider(A, kind, template.format(2), audiences)
    assert (excinfo.value.code, excinfo.value.message) == ("LimitExceeded", f"Cannot exceed quota for {quota}: 2")
    other = "saml" if kind == "oidc" else "oidc"  # each kind has its own quota
    world.add_identity_provider(
        A, other, (SAML if other == "saml" else OIDC).format(9), ["sts.amazonaws.com"] if other == "oidc" else []
    )


def test_a_world_over_a_quota_is_refused_on_load() -> None:
    providers = [{"type": "oidc", "arn": OIDC.format(n), "audiences": ["sts.amazonaws.com"]} for n in range(3)]
    with pytest.raises(WorldError, match="Cannot exceed quota for OpenIdConnectProvidersPerAccount: 2"):
        make_world({A: account(identity_providers=providers, quotas={"OpenIdConnectProvidersPerAccount": 2})})
    profiles = [{"InstanceProfileName": f"p{n}"} for n in range(3)]
    deploy = role("Deploy", trust({"Service": "ec2.amazonaws.com"}), InstanceProfileList=profiles)
    with pytest.raises(WorldError, match="Cannot exceed quota for InstanceProfilesPerAccount: 2"):
        make_world({A: account(roles=[deploy], quotas={"InstanceProfilesPerAccount": 2})})
