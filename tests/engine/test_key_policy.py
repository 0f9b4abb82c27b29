"""A KMS key named in a world file without a key policy gets the default key policy CreateKey applies."""

from __future__ import annotations

from iamtutor.engine.world_io import default_key_policy

from .world_builders import ALICE, A, account, allow, doc, make_world, user

KEY = f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_a_key_without_a_policy_gets_the_default_key_policy_written_into_the_world():
    """AWS KMS Developer Guide, "Key policies in AWS KMS" (every KMS key has exactly one key policy) and
    "Default key policy" (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html):
    CreateKey without a policy gives the owning account permission to use IAM policies for every KMS action
    on the key, through one statement naming the account root (§4.1 fact 5, H)."""
    world = make_world({A: account(users=[user("alice", doc(allow("kms:Decrypt")))], resources=[{"arn": KEY}])})
    [stored] = world.to_dict()["accounts"][A]["resources"]
    assert stored["policy"] == default_key_policy(KEY)
    [statement] = stored["policy"]["Statement"]
    assert statement == {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    assert world.request(ALICE, "kms:Decrypt", KEY).allowed


def test_only_kms_keys_get_a_default_policy():
    assert default_key_policy("arn:aws:s3:::reports") is None
    assert default_key_policy(f"arn:aws:kms:us-east-1:{A}:alias/reports") is None
    assert default_key_policy(f"arn:aws-cn:kms:cn-north-1:{A}:key/k")["Statement"][0]["Principal"] == {
        "AWS": f"arn:aws-cn:iam::{A}:root"
    }
    world = make_world({A: account(resources=[{"arn": "arn:aws:s3:::reports"}])})
    assert world.to_dict()["accounts"][A]["resources"][0].get("policy") is None
