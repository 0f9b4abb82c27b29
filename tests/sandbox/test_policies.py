"""Customer managed policies: create, edit (a new default version), delete; IAM's limits from the engine.

Facts: §1.9 D-QUOTA (6,144 characters per managed policy, five versions), DeleteConflict while attached.
"""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from iamtutor.sandbox.models import Sandbox

pytestmark = pytest.mark.django_db
ME = "111111111111"
HTMX = {"HX-Request": "true"}


def document(action: str = "s3:GetObject", sid: str = "Read") -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Allow", "Action": action, "Resource": "*"}]},
        indent=2,
    )


def url(name: str, sandbox: Sandbox, *args) -> str:
    return reverse(f"sandbox:{name}", args=[sandbox.pk, *args])


def stored_policy(sandbox: Sandbox, name: str) -> dict | None:
    policies = sandbox.accounts.get(account_id=ME).document.get("Policies", [])
    return next((p for p in policies if p["PolicyName"] == name), None)


@pytest.fixture
def with_policy(alice_client, alice_sandbox):
    alice_client.post(
        url("policy_new", alice_sandbox),
        {"account": ME, "policy_name": "ReadAll", "path": "/", "description": "", "document": document()},
    )
    return alice_sandbox


def test_the_owner_sees_the_pages_and_a_stranger_gets_404(alice_client, with_policy, mallory):
    pages = [url("policies", with_policy), url("policy_new", with_policy), url("policy", with_policy, ME, "ReadAll")]
    for page in pages:
        assert alice_client.get(page).status_code == 200
    alice_client.force_login(mallory)
    for page in pages:
        assert alice_client.get(page).status_code == 404
    assert alice_client.post(url("policy_delete", with_policy, ME, "ReadAll")).status_code == 404
    assert alice_client.post(pages[2], {"document": document()}).status_code == 404
    assert stored_policy(with_policy, "ReadAll")


def test_creating_a_policy_lists_it(alice_client, with_policy):
    assert stored_policy(with_policy, "ReadAll")["DefaultVersionId"] == "v1"
    assert "ReadAll" in alice_client.get(url("policies", with_policy)).content.decode()


def test_a_managed_policy_over_6144_characters_is_refused(alice_client, alice_sandbox):
    page = alice_client.post(
        url("policy_new", alice_sandbox),
        {"account": ME, "policy_name": "Huge", "path": "/", "document": document(sid="S" * 6200)},
        headers=HTMX,
    ).content.decode()
    assert "LimitExceeded" in page and 'id="policy-form"' in page and "<html" not in page
    assert stored_policy(alice_sandbox, "Huge") is None


def test_a_policy_name_with_markup_is_refused_and_escaped(alice_client, alice_sandbox):
    page = alice_client.post(
        url("policy_new", alice_sandbox),
        {"account": ME, "policy_name": "<b>x</b>", "path": "/", "document": document()},
    ).content.decode()
    assert "at &#x27;policyName&#x27;" in page and "<b>x</b>" not in page


def editor_version(client, sandbox: Sandbox) -> str:
    """The default version the policy page's editor says it was loaded with."""
    page = client.get(url("policy", sandbox, ME, "ReadAll")).content.decode()
    return re.search(r'name="version" value="(v\d+)"', page).group(1)


def test_editing_saves_a_new_default_version_up_to_five(alice_client, with_policy):
    target = url("policy", with_policy, ME, "ReadAll")
    for i in range(4):
        data = {"document": document(sid=f"V{i}"), "version": editor_version(alice_client, with_policy)}
        assert alice_client.post(target, data).status_code == 302
    assert stored_policy(with_policy, "ReadAll")["DefaultVersionId"] == "v5"
    data = {"document": document(sid="Six"), "version": "v5"}
    page = alice_client.post(target, data).content.decode()
    assert "A managed policy can have up to 5 versions." in page and "Six" in page


def test_deleting_an_attached_policy_is_a_delete_conflict(alice_client, with_policy):
    arn = stored_policy(with_policy, "ReadAll")["Arn"]
    alice_client.post(url("role_attach", with_policy, ME, "ReportsReader"), {"policy_arn": arn})
    page = alice_client.post(url("policy_delete", with_policy, ME, "ReadAll"), headers=HTMX).content.decode()
    assert "DeleteConflict: Cannot delete a policy attached to entities." in page
    alice_client.post(url("role_detach", with_policy, ME, "ReportsReader"), {"policy_arn": arn})
    response = alice_client.post(url("policy_delete", with_policy, ME, "ReadAll"))
    assert response.url == url("policies", with_policy) and stored_policy(with_policy, "ReadAll") is None


def test_the_customer_policy_is_found_by_the_attach_search(alice_client, with_policy):
    page = alice_client.get(url("role_attach", with_policy, ME, "ReportsReader"), {"q": "read"}).content.decode()
    assert "arn:aws:iam::111111111111:policy/ReadAll" in page and "customer managed" in page


def test_a_stale_editor_does_not_make_its_old_document_the_default(alice_client, with_policy):
    # Issue 10: two tabs open the editor at v1; the first saves v2; the second, still at v1, must not make
    # its document the default over v2 without seeing v2 first.
    target = url("policy", with_policy, ME, "ReadAll")
    loaded_at = editor_version(alice_client, with_policy)
    assert alice_client.post(target, {"document": document(sid="Newer"), "version": loaded_at}).status_code == 302
    page = alice_client.post(target, {"document": document(sid="Stale"), "version": loaded_at}).content.decode()
    policy = stored_policy(with_policy, "ReadAll")
    assert policy["DefaultVersionId"] == "v2" and len(policy["PolicyVersionList"]) == 2
    assert "changed in another tab or window" in page and "Stale" in page and "Newer" in page
    # Having seen both, saving again from the page makes it the default on purpose.
    again = re.search(r'name="version" value="(v\d+)"', page).group(1)
    assert again == "v2"
    assert alice_client.post(target, {"document": document(sid="Stale"), "version": again}).status_code == 302
    assert stored_policy(with_policy, "ReadAll")["DefaultVersionId"] == "v3"


def test_an_editor_post_without_its_version_is_refused(alice_client, with_policy):
    response = alice_client.post(url("policy", with_policy, ME, "ReadAll"), {"document": document(sid="X")})
    assert response.status_code == 200 and "Reload the page and save again." in response.content.decode()
    assert stored_policy(with_policy, "ReadAll")["DefaultVersionId"] == "v1"


def test_a_policy_with_other_versions_is_deleted_after_them_and_never_its_default_version(alice_client, with_policy):
    """DeletePolicy needs every non-default version deleted first; DeletePolicyVersion never deletes the
    default one (https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicy.html,
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeletePolicyVersion.html)."""
    target = url("policy", with_policy, ME, "ReadAll")
    data = {"document": document(sid="Two"), "version": editor_version(alice_client, with_policy)}
    assert alice_client.post(target, data).status_code == 302
    page = alice_client.get(target).content.decode()
    assert "Delete version v1" in page and "Delete version v2" not in page  # v2 is the default now

    refused = alice_client.post(url("policy_delete", with_policy, ME, "ReadAll"), headers=HTMX).content.decode()
    assert "DeleteConflict: This policy has more than one version." in refused
    assert stored_policy(with_policy, "ReadAll")

    versions = url("policy_version_delete", with_policy, ME, "ReadAll")
    default = alice_client.post(versions, {"version_id": "v2"}, headers=HTMX).content.decode()
    assert "Cannot delete the default version of a policy." in default
    for bad, message in [("2", "v followed by its number"), ("v9", "v9"), ("<script>x</script>", "its number")]:
        page = alice_client.post(versions, {"version_id": bad}, headers=HTMX).content.decode()
        assert message in page and "<script>x" not in page
    assert alice_client.post(versions, {"version_id": "v9"}).status_code == 400
    assert len(stored_policy(with_policy, "ReadAll")["PolicyVersionList"]) == 2

    response = alice_client.post(versions, {"version_id": "v1"})
    assert response.status_code == 302 and response.url == target
    assert [v["VersionId"] for v in stored_policy(with_policy, "ReadAll")["PolicyVersionList"]] == ["v2"]
    response = alice_client.post(url("policy_delete", with_policy, ME, "ReadAll"))
    assert response.url == url("policies", with_policy) and stored_policy(with_policy, "ReadAll") is None


def test_a_stranger_cannot_delete_a_version(alice_client, with_policy, mallory):
    target = url("policy", with_policy, ME, "ReadAll")
    alice_client.post(target, {"document": document(sid="Two"), "version": editor_version(alice_client, with_policy)})
    alice_client.force_login(mallory)
    assert (
        alice_client.post(url("policy_version_delete", with_policy, ME, "ReadAll"), {"version_id": "v1"}).status_code
        == 404
    )
    assert len(stored_policy(with_policy, "ReadAll")["PolicyVersionList"]) == 2
