"""The AWS CLI (the PyPI ``awscli`` package) in a subprocess against the live test server, configured the way
README tells learners to: a profile with the keys, ``--endpoint-url``, path-style S3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ACCOUNT, Key

pytestmark = pytest.mark.django_db(transaction=True)

AWS = Path(sys.executable).with_name("aws")
READER = f"arn:aws:iam::{ACCOUNT}:role/ReportsReader"
BUCKET = f"reports-{ACCOUNT}"


@pytest.fixture
def aws(endpoint, tmp_path):
    config = tmp_path / "config"
    config.write_text(
        "[profile iamtutor]\nregion = us-east-1\noutput = json\ns3 =\n    addressing_style = path\n"
        "retry_mode = standard\nmax_attempts = 1\n"
    )

    def run(key: Key, *args: str) -> subprocess.CompletedProcess:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
            "AWS_PROFILE": "iamtutor",
            "AWS_ACCESS_KEY_ID": key.access_key_id,
            "AWS_SECRET_ACCESS_KEY": key.secret,
            **({"AWS_SESSION_TOKEN": key.token} if key.token else {}),
        }
        return subprocess.run(
            [str(AWS), *args, "--endpoint-url", endpoint],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


def session_of(result: subprocess.CompletedProcess) -> Key:
    creds = json.loads(result.stdout)["Credentials"]
    return Key(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


def test_get_caller_identity(aws, alice_key):
    result = aws(alice_key, "sts", "get-caller-identity")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/alice"


def test_assume_role_then_s3_cp_allowed_and_denied(aws, alice_key, admin_key, tmp_path):
    upload = tmp_path / "report.csv"
    upload.write_text("a,b\n1,2\n")
    assert aws(admin_key, "s3", "cp", str(upload), f"s3://{BUCKET}/report.csv").returncode == 0
    assumed = aws(alice_key, "sts", "assume-role", "--role-arn", READER, "--role-session-name", "cli")
    assert assumed.returncode == 0, assumed.stderr
    reader = session_of(assumed)
    target = tmp_path / "copy.csv"
    result = aws(reader, "s3", "cp", f"s3://{BUCKET}/report.csv", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_text() == "a,b\n1,2\n"
    denied = aws(reader, "s3", "cp", str(upload), f"s3://{BUCKET}/overwrite.csv")
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr


def test_create_role_with_a_bad_trust_policy(aws, admin_key):
    bad = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]})
    result = aws(admin_key, "iam", "create-role", "--role-name", "NoPrincipal", "--assume-role-policy-document", bad)
    assert result.returncode != 0
    assert "MalformedPolicyDocument" in result.stderr


def test_expired_session(aws, alice_key, sandbox):
    assumed = aws(
        alice_key, "sts", "assume-role", "--role-arn", READER, "--role-session-name", "cli", "--duration-seconds", "900"
    )
    reader = session_of(assumed)
    type(sandbox).objects.filter(pk=sandbox.pk).update(clock_offset=3600)  # the learner fast-forwards an hour
    result = aws(reader, "sts", "get-caller-identity")
    assert result.returncode != 0
    assert "ExpiredToken" in result.stderr
