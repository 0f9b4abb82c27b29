"""Sandbox quotas (``iamtutor/sandbox/quotas.py``): a world holding more than a sandbox may is refused on
import and on reset with a message naming the quota, the count and IAM's own figure; a world at the limit is
taken; the refusal costs a count, not a parse. IAM's figures: IAM User Guide, "IAM and AWS STS quotas"
(D-QUOTA); AWS Organizations' 10 accounts: Organizations User Guide, "Quotas for AWS Organizations"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from iamtutor.engine import World, WorldError
from iamtutor.sandbox import quotas
from iamtutor.sandbox.models import SandboxAccount
from iamtutor.sandbox.quotas import QUOTAS, SandboxQuotaExceeded, check_world_file
from iamtutor.sandbox.worlds import read_world_file, replace_contents

ME, PARTNER = "111111111111", "222222222222"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": ME}, "Action": "sts:AssumeRole"}],
}
README = Path(__file__).resolve().parents[2] / "README.md"


def _roles(count: int, prefix: str = "r") -> list[dict]:
    return [{"RoleName": f"{prefix}{n:04d}", "AssumeRolePolicyDocument": TRUST} for n in range(count)]


def _users(count: int, prefix: str = "u") -> list[dict]:
    return [{"UserName": f"{prefix}{n:04d}"} for n in range(count)]


def _file(accounts: dict) -> bytes:
    return json.dumps({"accounts": accounts}).encode()


# ---- the quotas and IAM's figures --------------------------------------------------------------------------


def test_each_quota_names_iams_figure_and_why_and_readme_lists_them():
    readme = README.read_text(encoding="utf-8")
    for quota in QUOTAS:
        assert quota.aws and quota.why and quota.limit > 0
        assert f"| {quota.noun[0].upper()}{quota.noun[1:]} | {quota.limit:,} |" in readme, quota.name


def test_the_figures_follow_iams_where_iam_has_one():
    # D-QUOTA (H): roles 1,000 per account by default; groups 300; instance profiles 1,000; OIDC and SAML 100.
    limits = {quota.name: quota.limit for quota in QUOTAS}
    assert limits["roles"] == 1_000 and limits["groups"] == 300 and limits["instance_profiles"] == 1_000
    assert limits["oidc_providers"] == limits["saml_providers"] == 100
    assert limits["accounts"] == 10  # AWS Organizations: 10 accounts per organization by default
    assert limits["users"] <= 5_000 and limits["policies"] <= 1_500  # never above IAM's own


# ---- refused on import, with the quota and the count -------------------------------------------------------


def test_too_many_roles_in_one_account_are_refused_naming_the_quota_and_the_count():
    with pytest.raises(SandboxQuotaExceeded) as excinfo:
        read_world_file(_file({ME: {"RoleDetailList": _roles(1_200)}}))
    err = excinfo.value
    assert err.message == (
        "This world has 1,200 roles in account 111111111111; a sandbox holds at most 1,000 "
        "(IAM's default quota is 1,000 roles per account)."
    )
    assert (err.code, err.json_path, err.quota.name, err.count) == ("LimitExceeded", f"accounts.{ME}", "roles", 1_200)


def test_a_total_over_the_quota_across_accounts_is_refused_and_says_where_they_are():
    raw = _file({ME: {"UserDetailList": _users(700)}, PARTNER: {"UserDetailList": _users(400)}})
    with pytest.raises(SandboxQuotaExceeded) as excinfo:
        read_world_file(raw)
    assert excinfo.value.message == (
        "This world has 1,100 users across 2 accounts (700 in account 111111111111, 400 in 222222222222); "
        "a sandbox holds at most 1,000 (IAM's quota is 5,000 users per account)."
    )


@pytest.mark.parametrize(
    ("accounts", "quota"),
    [
        ({f"{n:012d}": {} for n in range(1, 12)}, "accounts"),
        ({ME: {"GroupDetailList": [{"GroupName": f"g{n}"} for n in range(301)]}}, "groups"),
        (
            {ME: {"Policies": [{"PolicyName": f"p{n}", "Arn": f"arn:aws:iam::{ME}:policy/p{n}"} for n in range(501)]}},
            "policies",
        ),
        ({ME: {"resources": [{"arn": f"arn:aws:s3:::b{n}"} for n in range(1_001)]}}, "resources"),
        (
            {
                ME: {
                    "identity_providers": [
                        {"type": "oidc", "arn": f"arn:aws:iam::{ME}:oidc-provider/i{n}.example.com"} for n in range(101)
                    ]
                }
            },
            "oidc_providers",
        ),
        (
            {
                ME: {
                    "RoleDetailList": [
                        {
                            **role,
                            "InstanceProfileList": [
                                {"InstanceProfileName": f"{role['RoleName']}-{k}"} for k in range(3)
                            ],
                        }
                        for role in _roles(334)
                    ]
                }
            },
            "instance_profiles",
        ),
    ],
    ids=["accounts", "groups", "policies", "resources", "oidc", "instance-profiles"],
)
def test_every_quota_is_enforced_on_import(accounts, quota):
    with pytest.raises(SandboxQuotaExceeded) as excinfo:
        read_world_file(_file(accounts))
    assert excinfo.value.quota.name == quota


def test_aws_managed_policies_do_not_count_as_customer_managed():
    aws = [{"PolicyName": f"a{n}", "Arn": f"arn:aws:iam::aws:policy/a{n}"} for n in range(600)]
    counts = {quota.name: count for quota, count, _ in quotas.counted({"accounts": {ME: {"Policies": aws}}})}
    assert counts["policies"] == 0


def test_authorization_details_are_one_account_and_counted_the_same():
    raw = json.dumps({"RoleDetailList": _roles(1_001), "UserDetailList": []}).encode()
    with pytest.raises(SandboxQuotaExceeded) as excinfo:
        read_world_file(raw, ME)
    assert excinfo.value.message.startswith("This world has 1,001 roles in the file's account; ")


def test_a_world_file_may_lower_an_iam_quota_but_not_raise_it():
    with pytest.raises(WorldError) as excinfo:
        read_world_file(_file({ME: {"quotas": {"RolesPerAccount": 5_000}}}))
    assert excinfo.value.code == "LimitExceeded" and "keeps IAM's default of 1,000" in excinfo.value.message
    assert excinfo.value.json_path == f"accounts.{ME}.quotas.RolesPerAccount"
    assert read_world_file(_file({ME: {"quotas": {"RolesPerAccount": 5}}}))["world"]["accounts"][ME]["quotas"]


def test_a_world_at_every_limit_is_taken():
    accounts = {f"{n:012d}": {} for n in range(1, 9)}
    accounts[ME] = {"RoleDetailList": _roles(600), "UserDetailList": _users(500)}
    accounts[PARTNER] = {"RoleDetailList": _roles(400, "x"), "UserDetailList": _users(500, "y")}
    staged = read_world_file(_file(accounts))
    assert len(staged["world"]["accounts"]) == 10


def test_a_refusal_costs_a_count_not_a_parse(monkeypatch):
    def no_parse(*args, **kwargs):
        raise AssertionError("the engine should not parse a world over quota")

    monkeypatch.setattr(World, "from_dict", no_parse)
    with pytest.raises(SandboxQuotaExceeded):
        read_world_file(_file({ME: {"UserDetailList": _users(30_000)}}))


def test_data_of_the_wrong_shape_is_left_to_the_engine():
    for data in (
        None,
        [],
        "x",
        {"accounts": []},
        {"accounts": {ME: []}},
        {"world": 3},
        {"accounts": {ME: {"RoleDetailList": 7}}},
    ):
        check_world_file(data)  # no quota error: the engine names what is wrong and where


# ---- through the import page and a reset ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_import_page_refuses_it_and_the_sandbox_keeps_what_it_held(alice_client, alice_sandbox):
    before = list(SandboxAccount.objects.filter(sandbox=alice_sandbox).values_list("account_id", "document"))
    upload = SimpleUploadedFile("world.json", _file({ME: {"RoleDetailList": _roles(1_200)}}))
    response = alice_client.post(reverse("sandbox:import", args=[alice_sandbox.pk]), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200 and "This file cannot be imported." in page
    assert "This world has 1,200 roles in account 111111111111; a sandbox holds at most 1,000" in page
    assert list(SandboxAccount.objects.filter(sandbox=alice_sandbox).values_list("account_id", "document")) == before


@pytest.mark.django_db
def test_contents_over_quota_are_never_stored(alice_sandbox):
    revision = alice_sandbox.revision
    with pytest.raises(SandboxQuotaExceeded):
        replace_contents(alice_sandbox, {"accounts": {ME: {"UserDetailList": _users(1_001)}}})
    alice_sandbox.refresh_from_db()
    assert alice_sandbox.revision == revision and alice_sandbox.accounts.count() == 2
