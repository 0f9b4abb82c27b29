"""The "Web identity tokens" page: who may see it, the token it issues, and what it refuses.

AWS facts: GitHub's tokens carry sub ``repo:OWNER/REPO:ref:REF`` and aud ``sts.amazonaws.com`` when asked by
aws-actions/configure-aws-credentials (https://docs.github.com/en/actions/reference/security/oidc); a
RoleSessionName is 2-64 characters of ``[\\w+=,.@-]``
(https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html).
"""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from iamtutor.awsapi.webidentity import issue_token, read_token
from iamtutor.sandbox.models import Sandbox
from iamtutor.sandbox.worlds import changing
from tests.factories import SandboxFactory

pytestmark = pytest.mark.django_db
GITHUB = "token.actions.githubusercontent.com"
DEPLOY = "arn:aws:iam::111111111111:role/GitHubDeploy"
FORM = {
    "provider": GITHUB,
    "audience": "",
    "subject": "",
    "repository": "example-org/app",
    "ref": "refs/heads/main",
    "extra": "",
    "lifetime": "5",
    "role": DEPLOY,
    "session_name": "web-identity",
}


def _url(sandbox) -> str:
    return reverse("sandbox:webid", args=[sandbox.pk])


def _token(page: str) -> str:
    found = re.search(r'<code id="webid-token" class="token">([^<]+)</code>', page)
    assert found, "no token on the page"
    return found.group(1)


def _post(client, sandbox, **fields) -> str:
    response = client.post(_url(sandbox), {**FORM, **fields})
    assert response.status_code == 200
    return response.content.decode()


def test_the_owner_sees_the_form_with_github_defaults_and_the_nav_link(alice_client, alice_sandbox):
    response = alice_client.get(_url(alice_sandbox))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="{_url(alice_sandbox)}" aria-current="page">Web identity tokens</a>' in page
    assert 'value="sts.amazonaws.com"' in page and 'value="refs/heads/main"' in page
    assert f'<option value="{DEPLOY}" selected>' in page  # the role that trusts GitHub's provider
    assert 'value="5"' in page and "webid-token" not in page
    assert "js/copy.js" in page


def test_a_stranger_gets_404_and_cannot_issue_a_token(mallory_client, alice_sandbox):
    assert mallory_client.get(_url(alice_sandbox)).status_code == 404
    assert mallory_client.post(_url(alice_sandbox), FORM).status_code == 404
    assert Client().get(_url(alice_sandbox)).status_code == 404  # anonymous visitor, another's sandbox


def test_an_anonymous_sandbox_issues_tokens(client):
    client.post(reverse("sandbox:create"))
    sandbox = Sandbox.objects.get(owner=None)
    page = _post(client, sandbox)
    found, claims = read_token(_token(page))
    assert found == sandbox and claims["sub"] == "repo:example-org/app:ref:refs/heads/main"


def test_a_token_carries_the_typed_claims_and_the_page_shows_them_and_the_commands(alice_client, alice_sandbox):
    page = _post(
        alice_client, alice_sandbox, ref="refs/tags/v1.0", extra="environment=prod\nworkflow=deploy", lifetime="15"
    )
    token = _token(page)
    _sandbox, claims = read_token(token)
    assert claims["iss"] == f"https://{GITHUB}" and claims["aud"] == "sts.amazonaws.com"
    assert claims["sub"] == "repo:example-org/app:ref:refs/tags/v1.0" and claims["ref_type"] == "tag"
    assert claims["repository_owner"] == "example-org" and claims["environment"] == "prod"
    text = html.unescape(page)
    assert '"exp": ' in text and "valid for 15 minutes" in text
    assert "aws sts assume-role-with-web-identity --region us-east-1 --endpoint-url http://testserver/aws/" in text
    assert f"--role-arn {DEPLOY} --role-session-name web-identity" in text
    assert f"--web-identity-token {token}" in text
    assert f'WebIdentityToken="{token}"' in text and 'endpoint_url="http://testserver/aws/"' in text
    assert 'data-copy="webid-token"' in page and 'role="status"' in page


def test_a_script_in_a_claim_is_shown_escaped(alice_client, alice_sandbox):
    page = _post(alice_client, alice_sandbox, subject="<script>alert(1)</script>", extra="x=<img src=x onerror=1>")
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    _sandbox, claims = read_token(_token(page))
    assert claims["sub"] == "<script>alert(1)</script>"  # kept as typed in the token itself


def test_another_provider_of_the_world_is_offered_with_its_audience(alice_client, alice_sandbox):
    eks = "oidc.eks.us-east-1.amazonaws.com/id/ABC"
    with changing(alice_sandbox) as loaded:
        loaded.world.add_identity_provider(
            "111111111111", "oidc", f"arn:aws:iam::111111111111:oidc-provider/{eks}", ["my-app"]
        )
    page = alice_client.get(_url(alice_sandbox)).content.decode()
    assert f'<option value="{eks}">' in page
    refused = _post(alice_client, alice_sandbox, provider=eks)
    assert "Type the subject (sub) the provider would send." in refused and "webid-token" not in refused
    page = _post(alice_client, alice_sandbox, provider=eks, subject="system:serviceaccount:web:app")
    _sandbox, claims = read_token(_token(page))
    assert claims["iss"] == f"https://{eks}" and claims["aud"] == "my-app"  # the provider's first client ID
    assert "repository" not in claims


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"repository": "no-slash"}, "Type the repository as owner/name"),
        ({"ref": "main"}, "refs/heads/main or refs/tags/v1.0"),
        ({"lifetime": "4"}, "greater than or equal to 5"),
        ({"lifetime": "61"}, "less than or equal to 60"),
        ({"lifetime": "soon"}, "Enter a whole number"),
        ({"extra": "exp=99999999999"}, "Line 1 sets exp, which the fields above set."),
        ({"extra": "iamtutor:sandbox=x"}, "Line 1 sets iamtutor:sandbox"),
        ({"extra": "no equals sign"}, "Line 1 is not name=value"),
        ({"extra": "\n".join(f"c{i}=v" for i in range(21))}, "At most 20 more claims."),
        ({"extra": "a=" + "v" * 1001}, "over 1,000 characters"),
        ({"session_name": "has space"}, "A session name is 2 to 64"),
        ({"session_name": "x" * 65}, "at most 64 characters"),
        ({"provider": "evil.example.com"}, "Select a valid choice."),
        ({"role": "arn:aws:iam::999999999999:role/Nope"}, "Select a valid choice."),
        ({"subject": "s" * 10_000}, "at most 255 characters"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_no_token(alice_client, alice_sandbox, fields, message):
    page = html.unescape(_post(alice_client, alice_sandbox, **fields))
    assert message in page
    assert 'id="webid-token"' not in page and 'role="alert"' in page


def test_the_post_needs_csrf(alice, alice_sandbox):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(_url(alice_sandbox), FORM).status_code == 403


def test_with_htmx_only_the_panel_comes_back(alice_client, alice_sandbox):
    response = alice_client.post(_url(alice_sandbox), FORM, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="webid-panel">') and "<html" not in page
    assert "autofocus>Your web identity token</h2>" in page


def test_issuing_a_token_changes_nothing_in_the_sandbox(alice_client, alice_sandbox):
    before = Sandbox.objects.get(pk=alice_sandbox.pk).revision
    _post(alice_client, alice_sandbox)
    assert Sandbox.objects.get(pk=alice_sandbox.pk).revision == before
    assert not alice_sandbox.events.exists()


# ---- the assume page takes a pasted token ------------------------------------------------------------------


def _assume_with(client, sandbox, token: str, role: str = DEPLOY) -> str:
    data = {"identity": "web:github", "role": role, "session_name": "pasted", "web_token": token}
    response = client.post(reverse("sandbox:assume", args=[sandbox.pk]), data)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_assume_page_takes_a_token_from_this_page(alice_client, alice_sandbox):
    token = _token(_post(alice_client, alice_sandbox, repository="other-org/other", ref="refs/heads/dev"))
    page = _assume_with(alice_client, alice_sandbox, token)  # GitHubDeploy trusts example-org/app on main only
    assert "Not authorized to perform sts:AssumeRoleWithWebIdentity" in page
    token = _token(_post(alice_client, alice_sandbox))
    page = _assume_with(alice_client, alice_sandbox, token)
    assert "STS issued temporary credentials" in page
    assert "arn:aws:sts::111111111111:assumed-role/GitHubDeploy/pasted" in page


def test_the_assume_page_uses_the_pasted_tokens_provider(alice_client, alice_sandbox):
    eks = "oidc.eks.us-east-1.amazonaws.com/id/ABC"
    provider = f"arn:aws:iam::111111111111:oidc-provider/{eks}"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {"StringEquals": {f"{eks}:sub": "system:serviceaccount:web:app"}},
            }
        ],
    }
    with changing(alice_sandbox) as loaded:
        loaded.world.add_identity_provider("111111111111", "oidc", provider, ["app"])
        role = loaded.world.create_role("111111111111", "EksApp", trust).arn
    token = _token(_post(alice_client, alice_sandbox, provider=eks, subject="system:serviceaccount:web:app"))
    assert "Not authorized" in _assume_with(alice_client, alice_sandbox, token)  # GitHubDeploy trusts GitHub only
    page = _assume_with(alice_client, alice_sandbox, token, role=role)
    assert "STS issued temporary credentials" in page and "assumed-role/EksApp/pasted" in page


def test_the_assume_page_refuses_an_expired_a_foreign_or_a_broken_token(alice_client, alice_sandbox, mallory):
    token = _token(_post(alice_client, alice_sandbox))
    Sandbox.objects.filter(pk=alice_sandbox.pk).update(clock_offset=5 * 60 + 1)
    page = _assume_with(alice_client, alice_sandbox, token)
    assert "ExpiredTokenException: The web identity token that was passed is expired or is not valid." in page
    assert "STS issued temporary credentials" not in page

    other = SandboxFactory(owner=mallory)
    foreign = issue_token(other, {"iss": f"https://{GITHUB}", "sub": "x", "aud": "sts.amazonaws.com"})
    assert "This token was issued for another sandbox." in _assume_with(alice_client, alice_sandbox, foreign)
    data = {"identity": "web:github", "role": DEPLOY, "session_name": "x", "web_token": "<script>alert(1)</script>"}
    raw = alice_client.post(reverse("sandbox:assume", args=[alice_sandbox.pk]), data).content.decode()
    assert "InvalidIdentityToken: The web identity token is not a JWT" in html.unescape(raw)
    assert "<script>alert(1)" not in raw and "&lt;script&gt;alert(1)" in raw  # kept in the field, escaped
