"""Users and access keys: the list, CreateUser with IAM's rules, policies, and keys shown once (AWS's behaviour)."""

from __future__ import annotations

import itertools
import re

import pytest
from django.urls import reverse

from iamtutor.sandbox.models import AccessKeySecret, Sandbox
from iamtutor.sandbox.worlds import SandboxWorld

pytestmark = pytest.mark.django_db
ME = "111111111111"
PARTNER = "222222222222"
HX = {"HX-Request": "true"}
READ_Q1 = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'


def _url(name: str, sandbox, *args) -> str:
    return reverse(f"sandbox:{name}", args=[sandbox.pk, *args])


def _user(sandbox, account: str, name: str) -> dict:
    document = sandbox.accounts.get(account_id=account).document
    return next(u for u in document["UserDetailList"] if u["UserName"] == name)


@pytest.fixture
def anonymous_sandbox(client):
    """An anonymous learner's sandbox, kept with their browser session."""
    client.post(reverse("sandbox:create"))
    return Sandbox.objects.get(owner__isnull=True)


# ---- who may see what --------------------------------------------------------------------------------------


def test_the_owner_sees_the_users_of_both_accounts(alice_client, alice_sandbox):
    page = alice_client.get(_url("users", alice_sandbox)).content.decode()
    for name in ("alice", "bob", "carol"):
        assert f">{name}</a>" in page
    assert page.count("<h1") == 1 and "/lessons/pitfalls/" in page


def test_an_anonymous_owner_works_with_users_too(client, anonymous_sandbox):
    assert client.get(_url("users", anonymous_sandbox)).status_code == 200
    response = client.post(_url("user_new", anonymous_sandbox), {"account": ME, "name": "dave", "path": "/"})
    assert response.status_code == 302
    assert client.get(response.url).status_code == 200


def test_a_stranger_gets_404_on_every_users_url(mallory_client, alice_sandbox):
    key = SandboxWorld.load(alice_sandbox)
    key_id = key.world.create_access_key(f"arn:aws:iam::{ME}:user/bob").id
    key.save()
    for name, args in (("users", ()), ("user_new", ()), ("user", (ME, "alice"))):
        assert mallory_client.get(_url(name, alice_sandbox, *args)).status_code == 404
    for name, args in (
        ("user_new", ()),
        ("user_policy", (ME, "alice")),
        ("user_key_new", (ME, "bob")),
        ("user_key_delete", (ME, "bob", key_id)),
    ):
        assert mallory_client.post(_url(name, alice_sandbox, *args), {"action": "put"}).status_code == 404
    assert len(_user(alice_sandbox, ME, "bob")["AccessKeys"]) == 1


def test_an_unknown_user_is_404(alice_client, alice_sandbox):
    assert alice_client.get(_url("user", alice_sandbox, ME, "nobody")).status_code == 404


def test_the_users_list_needs_a_fixed_number_of_queries(alice_client, alice_sandbox, django_assert_max_num_queries):
    loaded = SandboxWorld.load(alice_sandbox)
    for n in range(40):
        loaded.world.create_user(ME, f"user{n}")
    loaded.save()
    with django_assert_max_num_queries(8):
        page = alice_client.get(_url("users", alice_sandbox)).content.decode()
    assert ">user39</a>" in page


# ---- CreateUser ---------------------------------------------------------------------------------------------


def test_creating_a_user_in_the_partner_account(alice_client, alice_sandbox):
    response = alice_client.post(
        _url("user_new", alice_sandbox), {"account": PARTNER, "name": "dave", "path": "/auditors/"}
    )
    assert response.url == _url("user", alice_sandbox, PARTNER, "dave")
    assert _user(alice_sandbox, PARTNER, "dave")["Arn"] == f"arn:aws:iam::{PARTNER}:user/auditors/dave"


def test_a_bad_user_name_gets_iams_wording_and_keeps_what_was_typed(alice_client, alice_sandbox):
    # IAM user names: 1–64 of [\w+=,.@-] (iam-reference §1.9, API-IAM)
    response = alice_client.post(_url("user_new", alice_sandbox), {"account": ME, "name": "dave smith", "path": "/"})
    page = response.content.decode()
    assert "at &#x27;userName&#x27; failed to satisfy constraint" in page
    assert 'value="dave smith"' in page and 'role="alert"' in page
    assert 'aria-describedby="id_name_helptext id_name_error"' in page


def test_a_bad_path_is_refused(alice_client, alice_sandbox):
    page = alice_client.post(
        _url("user_new", alice_sandbox), {"account": ME, "name": "dave", "path": "team"}
    ).content.decode()
    assert "at &#x27;path&#x27;" in page and 'id="id_path_error"' in page


def test_user_names_are_unique_ignoring_case(alice_client, alice_sandbox):
    page = alice_client.post(
        _url("user_new", alice_sandbox), {"account": ME, "name": "ALICE", "path": "/"}
    ).content.decode()
    assert "EntityAlreadyExists: User with name ALICE already exists." in page


def test_with_htmx_the_list_swaps_in_place(alice_client, alice_sandbox):
    response = alice_client.post(
        _url("user_new", alice_sandbox), {"account": ME, "name": "erin", "path": "/"}, headers=HX
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert page.startswith('\n<div id="users-panel">') and ">erin</a>" in page and 'role="status"' in page


# ---- policies -----------------------------------------------------------------------------------------------


def test_an_inline_policy_is_validated_by_the_engine_then_saved(alice_client, alice_sandbox):
    url = _url("user_policy", alice_sandbox, ME, "bob")
    page = alice_client.post(
        url, {"action": "put", "name": "ReadQ1", "document": '{"Version": "2012-10-17"'}
    ).content.decode()
    assert "MalformedPolicyDocument" in page and "ReadQ1" in page
    response = alice_client.post(url, {"action": "put", "name": "ReadQ1", "document": READ_Q1})
    assert response.status_code == 302
    assert _user(alice_sandbox, ME, "bob")["UserPolicyList"][0]["PolicyName"] == "ReadQ1"
    alice_client.post(url, {"action": "delete", "name": "ReadQ1"})
    assert _user(alice_sandbox, ME, "bob")["UserPolicyList"] == []


def test_attaching_an_aws_managed_policy_from_the_catalogue(alice_client, alice_sandbox):
    url = _url("user_policy", alice_sandbox, ME, "bob")
    page = alice_client.post(
        url, {"action": "attach", "managed_name": "AmazonS3ReadOnlyAcess"}, headers=HX
    ).content.decode()
    assert "No AWS managed policy is named AmazonS3ReadOnlyAcess." in page and "AmazonS3ReadOnlyAccess" in page
    alice_client.post(url, {"action": "attach", "managed_name": "AmazonS3ReadOnlyAccess"})
    attached = _user(alice_sandbox, ME, "bob")["AttachedManagedPolicies"]
    assert attached[0]["PolicyArn"] == "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    alice_client.post(url, {"action": "detach", "policy": attached[0]["PolicyArn"]})
    assert _user(alice_sandbox, ME, "bob")["AttachedManagedPolicies"] == []


def test_attaching_a_customer_managed_policy_of_the_account(alice_client, alice_sandbox):
    loaded = SandboxWorld.load(alice_sandbox)
    arn = loaded.world.create_policy(ME, "ReadReports", READ_Q1).arn
    loaded.save()
    assert "ReadReports</option>" in alice_client.get(_url("user", alice_sandbox, ME, "bob")).content.decode()
    alice_client.post(_url("user_policy", alice_sandbox, ME, "bob"), {"action": "attach", "policy": arn})
    assert _user(alice_sandbox, ME, "bob")["AttachedManagedPolicies"][0]["PolicyArn"] == arn


def test_managed_policy_names_are_suggested_while_typing(alice_client, alice_sandbox):
    response = alice_client.get(_url("user", alice_sandbox, ME, "bob"), {"managed_name": "AmazonS3Read"}, headers=HX)
    assert '<option value="AmazonS3ReadOnlyAccess">' in response.content.decode()


# ---- access keys --------------------------------------------------------------------------------------------


def test_an_access_key_secret_is_shown_once_only(alice_client, alice_sandbox):
    response = alice_client.post(_url("user_key_new", alice_sandbox, ME, "bob"))
    page = response.content.decode()
    key = _user(alice_sandbox, ME, "bob")["AccessKeys"][0]
    key["SecretAccessKey"] = AccessKeySecret.objects.get(access_key_id=key["AccessKeyId"]).secret
    assert "SecretAccessKey" not in _user(alice_sandbox, ME, "bob")["AccessKeys"][0]  # kept apart from the document
    assert key["AccessKeyId"].startswith("AKIA") and key["SecretAccessKey"] in page
    assert "only time it is shown" in page and "/lessons/pitfalls/" in page
    assert "no-store" in response["Cache-Control"]
    for url in (_url("user", alice_sandbox, ME, "bob"), _url("users", alice_sandbox)):
        later = alice_client.get(url).content.decode()
        assert key["SecretAccessKey"] not in later
    assert key["AccessKeyId"] in alice_client.get(_url("user", alice_sandbox, ME, "bob")).content.decode()


def test_with_htmx_the_new_key_and_its_secret_swap_into_the_keys_panel(alice_client, alice_sandbox):
    page = alice_client.post(_url("user_key_new", alice_sandbox, ME, "bob"), headers=HX).content.decode()
    key = _user(alice_sandbox, ME, "bob")["AccessKeys"][0]
    secret = AccessKeySecret.objects.get(access_key_id=key["AccessKeyId"]).secret
    assert page.startswith('\n<div id="user-keys">') and secret in page


def test_a_third_access_key_is_refused_by_iams_quota(alice_client, alice_sandbox):
    # D-QUOTA (H): two access keys per user
    url = _url("user_key_new", alice_sandbox, ME, "bob")
    alice_client.post(url)
    alice_client.post(url)
    page = alice_client.post(url).content.decode()
    assert "LimitExceeded" in page and 'role="alert"' in page
    assert len(_user(alice_sandbox, ME, "bob")["AccessKeys"]) == 2


def test_deleting_a_key(alice_client, alice_sandbox):
    alice_client.post(_url("user_key_new", alice_sandbox, ME, "bob"))
    key_id = _user(alice_sandbox, ME, "bob")["AccessKeys"][0]["AccessKeyId"]
    assert alice_client.post(_url("user_key_delete", alice_sandbox, ME, "alice", key_id)).status_code == 404
    response = alice_client.post(_url("user_key_delete", alice_sandbox, ME, "bob", key_id))
    assert response.status_code == 302 and _user(alice_sandbox, ME, "bob")["AccessKeys"] == []


def test_the_user_page_has_one_h1_and_labelled_controls(alice_client, alice_sandbox):
    page = alice_client.get(_url("user", alice_sandbox, ME, "alice")).content.decode()
    assert page.count("<h1") == 1
    for control in re.findall(r'<(?:input|select|textarea)[^>]*id="([^"]+)"', page):
        assert f'for="{control}"' in page, control


def test_headings_stay_in_order_on_the_key_created_page(alice_client, alice_sandbox):
    page = alice_client.post(_url("user_key_new", alice_sandbox, ME, "bob")).content.decode()
    levels = [int(level) for level in re.findall(r"<h([1-6])", page)]
    assert levels[0] == 1 and all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels))
