"""The key index stays in step with the sandbox (pages, reset, import, deletion), a key never reaches another
learner's sandbox, secrets are sealed at rest, and the sandbox pages show what the endpoint did."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from iamtutor.awsapi import keys
from iamtutor.awsapi.models import ApiKey
from iamtutor.sandbox.worlds import create_sandbox, replace_contents, starting_compute, starting_world

from .conftest import ACCOUNT, ADMIN_POLICY, Key, add_key
from .signing import call

pytestmark = pytest.mark.django_db(transaction=True)


def code_of(response) -> str:
    match = re.search(rb"<Code>([^<]+)</Code>", response.content)
    return match.group(1).decode() if match else ""


def test_a_key_made_on_the_users_page_is_indexed_and_its_deletion_too(client, alice, sandbox):
    client.force_login(alice)
    url = reverse("sandbox:user_key_new", args=[sandbox.pk, ACCOUNT, "alice"])
    page = client.post(url)
    assert page.status_code == 200
    row = ApiKey.objects.get(sandbox=sandbox, kind=ApiKey.LONG_TERM)
    secret = re.search(rb"[A-Za-z0-9+/]{40}", page.content.split(row.access_key_id.encode(), 1)[1]).group().decode()
    key = Key(row.access_key_id, secret)
    assert call(client, key, "GetCallerIdentity").status_code == 200
    delete = reverse("sandbox:user_key_delete", args=[sandbox.pk, ACCOUNT, "alice", row.access_key_id])
    client.post(delete)
    assert not ApiKey.objects.filter(access_key_id=row.access_key_id).exists()
    assert code_of(call(client, key, "GetCallerIdentity")) == "InvalidClientTokenId"


def test_reset_empties_the_index(client, sandbox, alice_key):
    assert call(client, alice_key, "GetCallerIdentity").status_code == 200
    replace_contents(sandbox, starting_world(), starting_compute())
    assert not ApiKey.objects.filter(sandbox=sandbox).exists()
    assert code_of(call(client, alice_key, "GetCallerIdentity")) == "InvalidClientTokenId"


def test_deleting_the_sandbox_deletes_its_rows(sandbox, alice_key):
    sandbox.delete()
    assert not ApiKey.objects.filter(access_key_id=alice_key.access_key_id).exists()


def test_keys_of_one_learner_never_reach_another_sandbox(client, sandbox, mallory, admin_key):
    theirs = create_sandbox(owner=mallory)
    mallory_admin = add_key(theirs, "admin", create=True, policy=ADMIN_POLICY)
    trust = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    )
    assert (
        call(
            client, admin_key, "CreateRole", service="iam", RoleName="OnlyAlice", AssumeRolePolicyDocument=trust
        ).status_code
        == 200
    )
    assert code_of(call(client, mallory_admin, "GetRole", service="iam", RoleName="OnlyAlice")) == "NoSuchEntity"
    assert call(client, admin_key, "GetRole", service="iam", RoleName="OnlyAlice").status_code == 200


def test_an_imported_copy_of_anothers_key_id_is_not_indexed(client, sandbox, mallory, alice_key):
    theirs = create_sandbox(owner=mallory)
    world = starting_world()
    user = next(u for u in world["accounts"][ACCOUNT]["UserDetailList"] if u["UserName"] == "alice")
    user["AccessKeys"] = [{"AccessKeyId": alice_key.access_key_id, "Status": "Active"}]
    replace_contents(theirs, world, starting_compute(), {alice_key.access_key_id: "m" * 40})
    assert ApiKey.objects.get(access_key_id=alice_key.access_key_id).sandbox_id == sandbox.pk
    assert code_of(call(client, Key(alice_key.access_key_id, "m" * 40), "GetCallerIdentity")) == "SignatureDoesNotMatch"
    assert call(client, alice_key, "GetCallerIdentity").status_code == 200


def test_secrets_are_sealed_at_rest(client, alice_key, settings):
    row = ApiKey.objects.get(access_key_id=alice_key.access_key_id)
    assert alice_key.secret not in row.sealed_secret
    assert keys.unseal(row.sealed_secret) == alice_key.secret
    settings.AWSAPI_SEAL_KEY = "another site's key, long enough to count as one"
    with pytest.raises(keys.SealBroken):
        keys.unseal(row.sealed_secret)
    assert code_of(call(client, alice_key, "GetCallerIdentity")) == "InvalidClientTokenId"


def test_a_tampered_seal_does_not_open(alice_key):
    sealed = ApiKey.objects.get(access_key_id=alice_key.access_key_id).sealed_secret
    flipped = sealed[:30] + ("A" if sealed[30] != "A" else "B") + sealed[31:]
    for bad in (flipped, "", "not base64!", sealed[:20]):
        with pytest.raises(keys.SealBroken):
            keys.unseal(bad)


def test_reindex_rebuilds_from_the_sandbox(client, sandbox, alice_key):
    ApiKey.objects.filter(sandbox=sandbox).delete()
    assert keys.reindex(sandbox) == 1
    assert call(client, alice_key, "GetCallerIdentity").status_code == 200


def test_sessions_from_the_endpoint_show_on_the_credentials_and_audit_pages(client, alice, sandbox, alice_key):
    response = call(
        client,
        alice_key,
        "AssumeRole",
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/ReportsReader",
        RoleSessionName="from-cli",
    )
    assert response.status_code == 200
    client.force_login(alice)
    page = client.get(reverse("sandbox:credentials", args=[sandbox.pk]))
    assert b"assumed-role/ReportsReader/from-cli" in page.content
    assert b"data-expires" in page.content or b"countdown" in page.content
    audit = client.get(reverse("sandbox:audit", args=[sandbox.pk]))
    assert b"AssumeRole" in audit.content


def test_a_read_only_sandbox_refuses_calls(client, sandbox, alice_key):
    type(sandbox).objects.filter(pk=sandbox.pk).update(read_only_reason="The classroom is closed.")
    response = call(client, alice_key, "GetCallerIdentity")
    assert (response.status_code, code_of(response)) == (403, "AccessDenied")
    assert b"The classroom is closed." in response.content


def test_reindex_command_after_a_new_seal_key(client, sandbox, alice_key, settings):
    from django.core.management import call_command

    settings.AWSAPI_SEAL_KEY = "a new sealing key for this site, long and random enough"
    assert code_of(call(client, alice_key, "GetCallerIdentity")) == "InvalidClientTokenId"
    call_command("awsapi_reindex", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert call(client, alice_key, "GetCallerIdentity").status_code == 200
