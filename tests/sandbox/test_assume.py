"""Assume a role as a user, a session, a service or a GitHub Actions token: success and AWS's failures,
each failure explained in plain words with its lesson step (iam-reference §5: STS)."""

from __future__ import annotations

import html
import itertools
import re

import pytest
from django.urls import reverse

from iamtutor.engine import AssumeRoleRequest, ParameterError, StsError, assume_role
from iamtutor.sandbox.explain import describe_failure
from iamtutor.sandbox.models import AuditEvent, Sandbox, StsSession
from iamtutor.sandbox.worlds import SandboxWorld

pytestmark = pytest.mark.django_db
ALICE = "arn:aws:iam::111111111111:user/alice"
BOB = "arn:aws:iam::111111111111:user/bob"
CAROL = "arn:aws:iam::222222222222:user/carol"
READER = "arn:aws:iam::111111111111:role/ReportsReader"
PARTNER_AUDIT = "arn:aws:iam::111111111111:role/PartnerAudit"
GITHUB_DEPLOY = "arn:aws:iam::111111111111:role/GitHubDeploy"
EC2 = "ec2:arn:aws:ec2:us-east-1:111111111111:instance/i-0a1b2c3d4e5f60718"
LAMBDA = "lambda:arn:aws:lambda:us-east-1:111111111111:function:report-builder"
HX = {"HX-Request": "true"}


def _url(sandbox) -> str:
    return reverse("sandbox:assume", args=[sandbox.pk])


def _call(client, sandbox, identity: str, role: str = READER, **fields) -> str:
    headers = HX if fields.pop("htmx", False) else {}
    data = {"identity": identity, "role": role, "session_name": "learning", **fields}
    response = client.post(_url(sandbox), data, headers=headers)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _github(client, sandbox, **token) -> str:
    fields = {"repository": "example-org/app", "ref_type": "branch", "ref": "main", "audience": "sts.amazonaws.com"}
    fields.update(token)
    return _call(client, sandbox, "web:github", GITHUB_DEPLOY, **fields)


def _chain_target(sandbox) -> str:
    """A role whose trust policy names the ReportsReader role, with a 12-hour MaxSessionDuration."""
    loaded = SandboxWorld.load(sandbox)
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": READER}, "Action": "sts:AssumeRole"}],
    }
    role = loaded.world.create_role("111111111111", "ChainTarget", trust, max_session_duration=43200)
    loaded.save()
    return role.arn


# ---- who may see what --------------------------------------------------------------------------------------


def test_the_owner_sees_every_kind_of_identity(alice_client, alice_sandbox):
    page = alice_client.get(_url(alice_sandbox)).content.decode()
    assert page.count("<h1") == 1
    for text in (
        ALICE,
        CAROL,
        "Launch the EC2 instance web-server-1",
        "Invoke the Lambda function report-builder",
        "GitHub Actions",
        "<legend>",
    ):
        assert text in page


def test_an_anonymous_owner_can_assume(client):
    client.post(reverse("sandbox:create"))
    sandbox = Sandbox.objects.get()
    assert client.get(_url(sandbox)).status_code == 200
    assert "STS issued temporary credentials" in _call(client, sandbox, f"user:{ALICE}")


def test_a_stranger_gets_404_and_nothing_happens(mallory_client, alice_sandbox):
    assert mallory_client.get(_url(alice_sandbox)).status_code == 404
    response = mallory_client.post(
        _url(alice_sandbox), {"identity": f"user:{ALICE}", "role": READER, "session_name": "stolen"}
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.exists() and not StsSession.objects.exists()


# ---- a user -------------------------------------------------------------------------------------------------


def test_alice_assumes_reports_reader_and_the_session_is_stored(alice_client, alice_sandbox):
    page = _call(alice_client, alice_sandbox, f"user:{ALICE}")
    session = StsSession.objects.get(sandbox=alice_sandbox)
    assert session.arn == "arn:aws:sts::111111111111:assumed-role/ReportsReader/learning"
    assert session.access_key_id.startswith("ASIA") and session.access_key_id in page
    assert session.data["secret_access_key"] in page and session.data["session_token"] in page
    assert session.arn in page and "Expiration" in page
    assert AuditEvent.objects.get(sandbox=alice_sandbox).error_code == ""


def test_bob_is_refused_and_told_the_trust_policy_names_alice(alice_client, alice_sandbox):
    # §5.2 step 2: the trust policy must allow the caller (D-TRUST)
    page = _call(alice_client, alice_sandbox, f"user:{BOB}")
    assert (
        "AccessDenied: User: arn:aws:iam::111111111111:user/bob is not authorized to perform: sts:AssumeRole "
        "on resource: arn:aws:iam::111111111111:role/ReportsReader"
    ) in page.replace("</code>", "")
    assert f"The trust policy of ReportsReader names {ALICE} — not {BOB}." in page
    assert "/lessons/step-3-trust/" in page and 'role="alert"' in page
    assert AuditEvent.objects.get(sandbox=alice_sandbox).error_code == "AccessDenied"
    assert not StsSession.objects.exists()


def test_a_role_that_does_not_exist_is_access_denied(alice_client, alice_sandbox):
    page = _call(alice_client, alice_sandbox, f"user:{ALICE}", role_arn="arn:aws:iam::111111111111:role/Nope")
    assert "AccessDenied" in page and "No role arn:aws:iam::111111111111:role/Nope exists" in page


def test_a_longer_session_than_max_session_duration_is_refused(alice_client, alice_sandbox):
    page = _call(alice_client, alice_sandbox, f"user:{ALICE}", duration_seconds="7200")
    assert "ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration" in page.replace(
        "</code>", ""
    )
    assert "/lessons/step-4-temporary-credentials/" in page


def test_mfa_with_a_device_of_someone_else_is_refused_and_with_alices_own_it_works(alice_client, alice_sandbox):
    mfa = {"mfa_serial": "arn:aws:iam::111111111111:mfa/alice", "mfa_code": "123456"}
    assert "MultiFactorAuthentication failed" in _call(alice_client, alice_sandbox, f"user:{BOB}", **mfa)
    assert "STS issued temporary credentials" in _call(alice_client, alice_sandbox, f"user:{ALICE}", **mfa)


def test_session_tags_need_tag_session_in_the_trust_policy(alice_client, alice_sandbox):
    page = _call(
        alice_client, alice_sandbox, f"user:{ALICE}", tag_key_0="project", tag_value_0="q3", tag_transitive_0="on"
    )
    assert "not authorized to perform: sts:TagSession" in page and "must also allow sts:TagSession" in page
    assert 'value="project"' in page  # nothing typed is lost


# ---- cross-account with an external ID ----------------------------------------------------------------------


def test_carol_needs_the_external_id_for_partner_audit(alice_client, alice_sandbox):
    # §5.6, D-XID: sts:ExternalId in the trust policy's condition
    page = _call(alice_client, alice_sandbox, f"user:{CAROL}", PARTNER_AUDIT)
    assert "AccessDenied" in page and "StringEquals sts:ExternalId expects partner-7f3a; this call sent nothing" in page
    assert "/lessons/step-5-cross-account/" in page
    wrong = _call(alice_client, alice_sandbox, f"user:{CAROL}", PARTNER_AUDIT, external_id="guess")
    assert "this call sent guess" in wrong and 'value="guess"' in wrong
    page = _call(alice_client, alice_sandbox, f"user:{CAROL}", PARTNER_AUDIT, external_id="partner-7f3a")
    assert "arn:aws:sts::111111111111:assumed-role/PartnerAudit/learning" in page


# ---- a session: role chaining -------------------------------------------------------------------------------


def test_chaining_is_capped_at_one_hour_and_records_the_parent(alice_client, alice_sandbox):
    # §5.3, D-TERMS (H): role chaining limits the session to one hour
    target = _chain_target(alice_sandbox)
    _call(alice_client, alice_sandbox, f"user:{ALICE}")
    first = StsSession.objects.get()
    assert f'value="session:{first.session_id}"' in alice_client.get(_url(alice_sandbox)).content.decode()
    page = _call(alice_client, alice_sandbox, f"session:{first.session_id}", target, duration_seconds="7200")
    assert "exceeds the 1 hour session limit for roles assumed by role chaining" in page
    assert "Chained sessions are capped at one hour" in page and "/lessons/step-7-chaining-session-policies/" in page
    _call(alice_client, alice_sandbox, f"session:{first.session_id}", target, duration_seconds="3600")
    chained = StsSession.objects.get(role_arn=target)
    assert chained.parent == first


def test_an_expired_session_gets_expired_token(alice_client, alice_sandbox):
    _call(alice_client, alice_sandbox, f"user:{ALICE}")
    first = StsSession.objects.get()
    Sandbox.objects.filter(pk=alice_sandbox.pk).update(clock_offset=3601)
    page = _call(alice_client, alice_sandbox, f"session:{first.session_id}", READER)
    assert "ExpiredToken" in page and "/lessons/step-4-temporary-credentials/" in page


# ---- services ------------------------------------------------------------------------------------------------


def test_alice_launches_the_instance_and_ec2_names_the_session_after_it(alice_client, alice_sandbox):
    # §5.11, D-EC2 (H): the instance's session is named after the instance id
    page = _call(alice_client, alice_sandbox, EC2, "", launched_by=f"user:{ALICE}", external_id="ignored-here")
    assert "arn:aws:sts::111111111111:assumed-role/WebServerRole/i-0a1b2c3d4e5f60718" in page
    assert "external_id" in page  # named as not sent
    assert StsSession.objects.get().data["service"] == "ec2.amazonaws.com"


def test_bob_may_not_launch_the_instance(alice_client, alice_sandbox):
    # §5.11, D-PASS (H): the launcher needs ec2:RunInstances and iam:PassRole
    page = _call(alice_client, alice_sandbox, EC2, "", launched_by=f"user:{BOB}")
    assert "UnauthorizedOperation" in page and "iam:PassRole" in page and "/lessons/step-6-services/" in page


def test_a_service_needs_a_launching_user(alice_client, alice_sandbox):
    page = _call(alice_client, alice_sandbox, EC2, "")
    assert "Choose the user who launches it." in page and 'id="id_launched_by_error"' in page


def test_lambda_runs_as_its_execution_role(alice_client, alice_sandbox):
    page = _call(alice_client, alice_sandbox, LAMBDA, "", launched_by=f"user:{ALICE}")
    assert "assumed-role/ReportBuilderRole/report-builder" in page


# ---- a web identity: GitHub Actions --------------------------------------------------------------------------


def test_a_github_token_for_the_trusted_repository_and_branch(alice_client, alice_sandbox):
    page = _github(alice_client, alice_sandbox)
    assert "repo:example-org/app:ref:refs/heads/main" in page and "assumed-role/GitHubDeploy/learning" in page
    assert "https://token.actions.githubusercontent.com" in page


def test_a_github_token_for_another_repository_is_refused(alice_client, alice_sandbox):
    # §5.8 (H): the trust policy's conditions on the token's claims decide
    page = _github(alice_client, alice_sandbox, repository="someone-else/app")
    assert "Not authorized to perform sts:AssumeRoleWithWebIdentity" in page
    assert (
        "expects repo:example-org/app:ref:refs/heads/main; this call sent repo:someone-else/app:ref:refs/heads/main"
    ) in page
    assert AuditEvent.objects.get().error_code == "AccessDenied"


def test_a_github_token_for_the_wrong_audience(alice_client, alice_sandbox):
    page = _github(alice_client, alice_sandbox, audience="my-app")
    assert "InvalidIdentityToken" in page and "Incorrect token audience" in page and "(my-app)" in page


def test_a_github_token_for_a_pull_request_and_a_bad_repository(alice_client, alice_sandbox):
    page = _github(alice_client, alice_sandbox, ref_type="pull_request", ref="")
    assert "repo:example-org/app:pull_request" in page and "AccessDenied" in page
    assert "Type the repository as owner/name" in _github(alice_client, alice_sandbox, repository="not a repo")


# ---- htmx, bounded queries, hostile input ----------------------------------------------------------------------


def test_with_htmx_the_panel_swaps_in_place(alice_client, alice_sandbox):
    page = _call(alice_client, alice_sandbox, f"user:{BOB}", htmx=True)
    assert page.startswith('\n<div id="assume-panel">') and "<html" not in page and "AccessDenied" in page


def test_the_page_needs_a_fixed_number_of_queries_with_200_sessions(
    alice_client, alice_sandbox, django_assert_max_num_queries
):
    loaded = SandboxWorld.load(alice_sandbox)
    for n in range(200):
        assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, f"s-{n}", duration_seconds=900))
    loaded.save()
    with django_assert_max_num_queries(8):
        page = alice_client.get(_url(alice_sandbox)).content.decode()
    assert page.count('name="identity"') > 200


def test_a_huge_session_policy_is_refused_with_a_clear_message(alice_client, alice_sandbox):
    statement = '{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/%d"}'
    statements = ", ".join(statement % n for n in range(60))
    policy = f'{{"Version": "2012-10-17", "Statement": [{statements}]}}'
    page = _call(alice_client, alice_sandbox, f"user:{ALICE}", policy=policy)
    # §5.1 (H): a session policy is at most 2,048 characters; the form refuses it before STS is called
    assert "Member must have length less than or equal to 2048" in page and 'id="id_policy_error"' in page
    assert policy in page  # nothing typed is lost
    page = _call(alice_client, alice_sandbox, f"user:{ALICE}", policy="x" * 200_000)
    error = page.split('id="id_policy_error">')[1].split("</span>")[0]
    assert "a request may carry at most 131072" in error and "STS issued" not in page


def test_a_script_in_the_session_name_is_a_validation_error_shown_escaped(alice_client, alice_sandbox):
    response = alice_client.post(
        _url(alice_sandbox), {"identity": f"user:{ALICE}", "role": READER, "session_name": "<script>alert(1)</script>"}
    )
    page = response.content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "at &#x27;roleSessionName&#x27; failed to satisfy constraint" in page
    assert "letters, digits and + = , . @ _ - only" in page


def test_a_forged_identity_is_refused(alice_client, alice_sandbox):
    page = _call(alice_client, alice_sandbox, "user:arn:aws:iam::999999999999:user/eve")
    assert "Choose who calls STS." in page and not AuditEvent.objects.exists()


def test_every_control_is_labelled_and_headings_stay_in_order(alice_client, alice_sandbox):
    refused = _call(alice_client, alice_sandbox, f"user:{BOB}")
    issued = _call(alice_client, alice_sandbox, f"user:{ALICE}")
    for page in (alice_client.get(_url(alice_sandbox)).content.decode(), refused, issued):
        assert page.count("<h1") == 1
        levels = [int(level) for level in re.findall(r"<h([1-6])", page)]
        assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels)), levels
        for control in re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*id="([^"]+)"', page):
            assert f'for="{control}"' in page, control


def test_the_result_links_to_the_credentials_page(alice_client, alice_sandbox):
    page = _call(alice_client, alice_sandbox, f"user:{ALICE}")
    assert reverse("sandbox:credentials", args=[alice_sandbox.pk]) in page


@pytest.mark.parametrize(
    ("error", "sentence", "lesson"),
    [
        (
            StsError(
                "The role defined for the function cannot be assumed by Lambda.", code="InvalidParameterValueException"
            ),
            "must trust lambda.amazonaws.com",
            "step-6-services",
        ),
        (
            StsError(
                "Packed policy consumes 130% of allotted space, please use smaller policy.", code="PackedPolicyTooLarge"
            ),
            "packed form is limited",
            "step-7-chaining-session-policies",
        ),
        (
            # Keyed on the parameter the engine names (the first failing one), never on the message.
            ParameterError(
                "2 validation errors detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: "
                "Member must have length greater than or equal to 2; Value '5' at 'durationSeconds' failed to "
                "satisfy constraint: Member must have value greater than or equal to 900",
                parameter="RoleSessionName",
            ),
            "2 to 64 characters",
            "step-4-temporary-credentials",
        ),
        (
            ParameterError("Some wording the sandbox does not know.", parameter="DurationSeconds"),
            "from 900 (15 minutes)",
            "step-4-temporary-credentials",
        ),
        (
            ParameterError(
                "Some wording the sandbox does not know.", parameter="DurationSeconds", rule="role_chaining_cap"
            ),
            "capped at one hour",
            "step-7-chaining-session-policies",
        ),
    ],
)
def test_each_known_failure_gets_a_plain_sentence_and_a_lesson(error, sentence, lesson):
    failure = describe_failure(error)
    assert failure.code == error.code and failure.message == error.message
    assert any(sentence in text for text in failure.sentences) and failure.lesson == lesson
    assert failure.lesson_url == f"/lessons/{lesson}/"
