"""Every IAM list call pages as IAM documents (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html):
``MaxItems`` 1-1000 (100 when absent), ``IsTruncated``, and an opaque ``Marker`` to send back for the next page.
boto3's paginators and the CLI walk every page (bad values: test_iam_paging_errors.py)."""

from __future__ import annotations

import json

import pytest

from iamtutor.sandbox.worlds import changing

from .conftest import ACCOUNT
from .test_cli import aws  # noqa: F401 (the fixture)
from .test_iam import READ, TRUST

pytestmark = pytest.mark.django_db(transaction=True)


def _many_roles(sandbox, count: int) -> list[str]:
    names = [f"Worker{i:03d}" for i in range(count)]
    with changing(sandbox) as loaded:
        for name in names:
            loaded.world.create_role(ACCOUNT, name, TRUST, path="/workers/")
    sandbox.refresh_from_db()
    return names


def test_the_list_roles_paginator_walks_250_roles(client_for, sandbox, admin_key):
    names = _many_roles(sandbox, 250)
    iam = client_for("iam", admin_key)
    first = iam.list_roles(PathPrefix="/workers/")
    assert len(first["Roles"]) == 100 and first["IsTruncated"] and first["Marker"]  # 100 when MaxItems is absent
    pages = list(iam.get_paginator("list_roles").paginate(PathPrefix="/workers/"))
    assert [len(p["Roles"]) for p in pages] == [100, 100, 50]
    assert [r["RoleName"] for p in pages for r in p["Roles"]] == names
    assert not pages[-1]["IsTruncated"] and "Marker" not in pages[-1]
    small = iam.get_paginator("list_roles").paginate(PathPrefix="/workers/", PaginationConfig={"PageSize": 7})
    assert [r["RoleName"] for p in small for r in p["Roles"]] == names


def test_a_page_after_a_change_neither_repeats_nor_skips(client_for, sandbox, admin_key):
    _many_roles(sandbox, 5)
    iam = client_for("iam", admin_key)
    page = iam.list_roles(PathPrefix="/workers/", MaxItems=2)
    assert [r["RoleName"] for r in page["Roles"]] == ["Worker000", "Worker001"]
    iam.delete_role(RoleName="Worker000")
    iam.delete_role(RoleName="Worker002")  # the next page's first role
    rest = iam.list_roles(PathPrefix="/workers/", MaxItems=10, Marker=page["Marker"])
    assert [r["RoleName"] for r in rest["Roles"]] == ["Worker003", "Worker004"] and not rest["IsTruncated"]


def test_every_list_call_pages(client_for, sandbox, admin_key):
    iam = client_for("iam", admin_key)
    iam.create_role(
        RoleName="Paged", AssumeRolePolicyDocument=TRUST, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(3)]
    )
    iam.create_user(UserName="paged")
    arns = []
    for i in range(3):
        iam.put_role_policy(RoleName="Paged", PolicyName=f"inline{i}", PolicyDocument=READ)
        iam.put_user_policy(UserName="paged", PolicyName=f"inline{i}", PolicyDocument=READ)
        arns.append(iam.create_policy(PolicyName=f"Managed{i}", PolicyDocument=READ)["Policy"]["Arn"])
        iam.attach_role_policy(RoleName="Paged", PolicyArn=arns[-1])
        iam.attach_user_policy(UserName="paged", PolicyArn=arns[-1])
        iam.create_instance_profile(InstanceProfileName=f"profile{i}", Path="/paged/")
        iam.add_role_to_instance_profile(InstanceProfileName=f"profile{i}", RoleName="Paged")
    iam.create_access_key(UserName="paged")
    iam.create_access_key(UserName="paged")
    for _ in range(2):
        iam.create_policy_version(PolicyArn=arns[0], PolicyDocument=READ)
    iam.create_policy(PolicyName="Loose", PolicyDocument=READ)  # attached to nothing
    attached = iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]
    assert [p["PolicyName"] for p in attached] == ["Managed0", "Managed1", "Managed2"]
    calls = {
        "list_roles": ({}, "Roles"),
        "list_users": ({}, "Users"),
        "list_policies": ({"Scope": "Local"}, "Policies"),
        "list_role_policies": ({"RoleName": "Paged"}, "PolicyNames"),
        "list_user_policies": ({"UserName": "paged"}, "PolicyNames"),
        "list_attached_role_policies": ({"RoleName": "Paged"}, "AttachedPolicies"),
        "list_attached_user_policies": ({"UserName": "paged"}, "AttachedPolicies"),
        "list_role_tags": ({"RoleName": "Paged"}, "Tags"),
        "list_access_keys": ({"UserName": "paged"}, "AccessKeyMetadata"),
        "list_policy_versions": ({"PolicyArn": arns[0]}, "Versions"),
        "list_instance_profiles": ({"PathPrefix": "/paged/"}, "InstanceProfiles"),
        "list_instance_profiles_for_role": ({"RoleName": "Paged"}, "InstanceProfiles"),
    }
    for operation, (kwargs, result) in calls.items():
        whole = getattr(iam, operation)(**kwargs)[result]
        assert len(whole) >= 2, operation
        pages = list(iam.get_paginator(operation).paginate(**kwargs, PaginationConfig={"PageSize": 1}))
        assert len(pages) == len(whole), operation
        assert [item for page in pages for item in page[result]] == whole, operation


def test_simulation_results_page(client_for, admin_key):
    iam = client_for("iam", admin_key)
    actions = [f"s3:{verb}Object" for verb in ("Get", "Put", "Delete")]
    pages = iam.get_paginator("simulate_principal_policy").paginate(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:role/ReportsReader",
        ActionNames=actions,
        ResourceArns=["arn:aws:s3:::reports-111111111111/a", "arn:aws:s3:::reports-111111111111/b"],
        PaginationConfig={"PageSize": 4},
    )
    results = [(r["EvalActionName"], r["EvalResourceName"][-1]) for p in pages for r in p["EvaluationResults"]]
    assert results == [(a, r) for a in actions for r in "ab"]
    custom = iam.get_paginator("simulate_custom_policy").paginate(
        PolicyInputList=[READ], ActionNames=actions, PaginationConfig={"PageSize": 2}
    )
    assert [r["EvalDecision"] for p in custom for r in p["EvaluationResults"]] == [
        "allowed",
        "implicitDeny",
        "implicitDeny",
    ]


def test_the_cli_pages_through_list_roles(aws, sandbox, admin_key):  # noqa: F811 (the fixture)
    names = _many_roles(sandbox, 12)
    result = aws(admin_key, "iam", "list-roles", "--path-prefix", "/workers/", "--page-size", "5")
    assert result.returncode == 0, result.stderr
    assert [r["RoleName"] for r in json.loads(result.stdout)["Roles"]] == names
