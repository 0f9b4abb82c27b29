"""The request console: decisions the engine makes, explained, with matched statements marked in the policy text."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from iamtutor.engine import AssumeRoleRequest, assume_role
from iamtutor.sandbox.models import AuditEvent, Sandbox
from iamtutor.sandbox.views.console import evaluation_steps, policy_lines
from iamtutor.sandbox.worlds import SandboxWorld

pytestmark = pytest.mark.django_db
ALICE = "arn:aws:iam::111111111111:user/alice"
BOB = "arn:aws:iam::111111111111:user/bob"
READER = "arn:aws:iam::111111111111:role/ReportsReader"
Q1 = "arn:aws:s3:::reports-111111111111/q1.csv"
Q2 = "arn:aws:s3:::reports-111111111111/q2.csv"


def _assume(sandbox, seconds: int = 900) -> str:
    loaded = SandboxWorld.load(sandbox)
    result = assume_role(loaded.world, ALICE, AssumeRoleRequest(READER, "reading", duration_seconds=seconds))
    loaded.save()
    return result["credentials"]["AccessKeyId"]


def _form(caller: str, action: str = "s3:GetObject", resource: str = Q1, **extra) -> dict:
    data = {
        "caller": caller,
        "action": action,
        "resource": resource,
        "resource_arn": "",
        "context-TOTAL_FORMS": "4",
        "context-INITIAL_FORMS": "0",
    }
    for index in range(4):
        data[f"context-{index}-key"] = data[f"context-{index}-value"] = ""
    data.update(extra)
    return data


def _post(client, sandbox, data, **kwargs):
    return client.post(reverse("sandbox:console", args=[sandbox.pk]), data, **kwargs)


def test_the_console_offers_users_and_sessions_active_or_expired(alice_client, alice_sandbox):
    key = _assume(alice_sandbox)
    page = alice_client.get(reverse("sandbox:console", args=[alice_sandbox.pk])).content.decode()
    assert f'value="{ALICE}"' in page and f'value="{key}"' in page and "(active)" in page
    assert 'id="action-options"' in page and f'value="{READER}"' in page
    assert page.count("<h1") == 1


def test_an_anonymous_owner_uses_the_console_and_a_stranger_gets_404(mallory_client):
    anonymous = Client()
    anonymous.post(reverse("sandbox:create"))
    sandbox = Sandbox.objects.get()
    assert anonymous.get(reverse("sandbox:console", args=[sandbox.pk])).status_code == 200
    assert _post(anonymous, sandbox, _form(BOB)).status_code == 200
    client = mallory_client
    assert client.get(reverse("sandbox:console", args=[sandbox.pk])).status_code == 404
    assert _post(client, sandbox, _form(BOB)).status_code == 404
    actions = reverse("sandbox:console_actions", args=[sandbox.pk])
    assert client.get(actions, {"action": "s3:Get"}).status_code == 404


def test_allowed_marks_the_granting_statement_in_the_role_policy(alice_client, alice_sandbox):
    key = _assume(alice_sandbox)
    response = _post(alice_client, alice_sandbox, _form(key))
    card = response.context["card"]
    assert card["outcome"] == "allowed"
    [policy] = card["policies"]
    assert (policy["source"], policy["name"]) == ("identity", "ReadReports")
    assert [m.sid for m in policy["statements"]] == ["ReadTheObjects"]
    marked = [line["text"] for line in policy["lines"] if line["match"]]
    assert any('"Sid": "ReadTheObjects"' in text for text in marked)
    assert not any('"Sid": "ListTheBucket"' in text for text in marked)
    page = response.content.decode()
    assert "<mark>" in page and "Allowed" in page and "visited, step 1" in page
    assert 'id="decision-diagram"' in page


def test_implicit_deny_has_aws_wording_and_no_matched_statement(alice_client, alice_sandbox):
    card = _post(alice_client, alice_sandbox, _form(BOB)).context["card"]
    assert card["outcome"] == "implicitDeny" and card["policies"] == []
    # §4.3 D-AD: "… because no identity-based policy allows the s3:GetObject action"
    assert card["reason"].endswith("because no identity-based policy allows the s3:GetObject action")
    assert [step["id"] for step in card["path"] if step["position"]][-1] == "implicit_deny"


def test_explicit_deny_names_the_deny_statement(alice_client, alice_sandbox):
    loaded = SandboxWorld.load(alice_sandbox)
    loaded.world.put_inline_policy(
        READER,
        "NoSecondQuarter",
        {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "NotQ2", "Effect": "Deny", "Action": "s3:GetObject", "Resource": Q2}],
        },
    )
    loaded.save()
    key = _assume(alice_sandbox)
    card = _post(alice_client, alice_sandbox, _form(key, resource=Q2)).context["card"]
    assert card["outcome"] == "explicitDeny"
    denies = [(p["name"], m.sid) for p in card["policies"] for m in p["statements"] if m.effect == "Deny"]
    assert denies == [("NoSecondQuarter", "NotQ2")]


def test_a_trust_policy_statement_is_shown_in_the_role_s_trust_policy(alice_client, alice_sandbox):
    # The decision names the statement (kind, owner, index); the card reads the document the world stores.
    card = _post(alice_client, alice_sandbox, _form(ALICE, action="sts:AssumeRole", resource=READER)).context["card"]
    assert card["outcome"] == "allowed"
    trust = next(p for p in card["policies"] if p["source"] == "trust")
    assert trust["name"] == f"trust policy of {READER}"
    assert {m.ref.policy.owner for m in trust["statements"]} == {READER}
    marked = "\n".join(line["text"] for line in trust["lines"] if line["match"])
    assert '"Effect": "Allow"' in marked and "sts:AssumeRole" in marked


def test_a_request_with_an_expired_session_fails_with_expired_token(alice_client, alice_sandbox):
    key = _assume(alice_sandbox, seconds=900)
    Sandbox.objects.filter(pk=alice_sandbox.pk).update(clock_offset=901)
    response = _post(alice_client, alice_sandbox, _form(key))
    page = response.content.decode()
    assert response.status_code == 200
    assert "ExpiredToken" in page and "The security token included in the request is expired" in page
    assert "/lessons/step-4-temporary-credentials/" in page
    # The refused request is still audited, as CloudTrail records it.
    assert AuditEvent.objects.filter(sandbox=alice_sandbox, error_code="ExpiredToken").exists()


def test_requests_are_audited(alice_client, alice_sandbox):
    _post(alice_client, alice_sandbox, _form(BOB))
    event = AuditEvent.objects.get(sandbox=alice_sandbox)
    assert (event.event_name, event.error_code, event.principal_arn) == ("GetObject", "AccessDenied", BOB)


def test_htmx_swaps_only_the_panel(alice_client, alice_sandbox):
    response = _post(alice_client, alice_sandbox, _form(BOB), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="console-panel">') and "<html" not in page


def test_a_typed_arn_wins_and_nothing_typed_is_lost_on_error(alice_client, alice_sandbox):
    data = _form(BOB, action="", resource="", resource_arn="arn:aws:s3:::partner-shared-222222222222/x")
    data["context-0-key"], data["context-0-value"] = "aws:SourceIp", "203.0.113.7"
    response = _post(alice_client, alice_sandbox, data)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="arn:aws:s3:::partner-shared-222222222222/x"' in page and 'value="203.0.113.7"' in page
    assert 'aria-invalid="true"' in page and "This field is required." in page


def test_an_action_the_engine_refuses_becomes_a_form_error(alice_client, alice_sandbox):
    response = _post(alice_client, alice_sandbox, _form(BOB, action="GetObject"))
    assert response.status_code == 400
    assert "ValidationError" in response.content.decode() and 'value="GetObject"' in response.content.decode()


def test_context_keys_reach_the_request_and_caller_keys_are_flagged(alice_client, alice_sandbox):
    data = _form(BOB)
    data["context-0-key"], data["context-0-value"] = "aws:SourceIp", "203.0.113.7"
    data["context-1-key"], data["context-1-value"] = "aws:MultiFactorAuthPresent", "true"
    card = _post(alice_client, alice_sandbox, data).context["card"]
    # §3.1: keys that describe the principal come from its credentials, never from the request.
    assert card["ignored_keys"] == ["aws:MultiFactorAuthPresent"]
    assert AuditEvent.objects.get(sandbox=alice_sandbox).data["sourceIPAddress"] == "203.0.113.7"


def test_a_condition_key_the_request_lacks_is_listed_as_missing(alice_client, alice_sandbox):
    loaded = SandboxWorld.load(alice_sandbox)
    loaded.world.put_inline_policy(
        BOB,
        "FromTheOffice",
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                }
            ],
        },
    )
    loaded.save()
    card = _post(alice_client, alice_sandbox, _form(BOB)).context["card"]
    assert card["outcome"] == "implicitDeny" and card["missing_context"] == ("aws:SourceIp",)


def test_autocomplete_returns_catalogue_actions(alice_client, alice_sandbox):
    url = reverse("sandbox:console_actions", args=[alice_sandbox.pk])
    page = alice_client.get(url, {"action": "s3:GetObj"}, headers={"HX-Request": "true"}).content.decode()
    assert '<option value="s3:GetObject">' in page and "<datalist" not in page
    assert alice_client.get(url, {"action": ""}).content.decode().strip() == ""


def test_policy_lines_mark_each_statement_whole():
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Sid": "B", "Effect": "Deny", "Action": ["s3:DeleteObject"], "Resource": "*"},
        ],
    }
    lines = policy_lines(document, {1: "match"})
    marked = [line["text"].strip() for line in lines if line["match"]]
    assert marked[0] == "{" and marked[-1] == "}" and '"Sid": "B",' in marked and '"Sid": "A",' not in marked
    assert [line["number"] for line in lines] == list(range(1, len(lines) + 1))
    assert (
        "\n".join(line["text"] for line in lines).replace(" ", "").replace("\n", "")
        == '{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},'
        '{"Sid":"B","Effect":"Deny","Action":["s3:DeleteObject"],"Resource":"*"}]}'
    )


def test_policy_lines_handle_a_single_statement_object():
    lines = policy_lines({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}, {0: "match"})
    assert lines[1]["text"] == '  "Statement": {' and lines[1]["first"] and lines[-2]["text"] == "  }"


def test_evaluation_steps_follow_aws_order_and_mark_the_path():
    steps = evaluation_steps(("deny", "rcp", "scp", "resource", "identity", "implicit_deny"))
    assert [s["id"] for s in steps] == [
        "deny",
        "rcp",
        "scp",
        "resource",
        "identity",
        "boundary",
        "session",
        "implicit_deny",
    ]
    assert [s["position"] for s in steps] == [1, 2, 3, 4, 5, None, None, 6]
