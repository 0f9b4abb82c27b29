"""CloudTrail-shaped events (§6 of iam-reference.md): one per STS call and per request, success or failure."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from iamtutor.engine import sts
from iamtutor.engine.audit import EventLog, cloudtrail_time, user_identity
from iamtutor.engine.errors import StsError
from iamtutor.engine.world_model import MAX_EVENTS
from tests.engine.world_builders import ALICE, DEPLOY, A, B, account, allow, doc, make_world, role, trust, user

GITHUB = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"


def audit_world():
    web_trust = trust({"Federated": GITHUB}, action="sts:AssumeRoleWithWebIdentity")
    return make_world(
        {
            A: account(
                users=[
                    user(
                        "alice",
                        doc(allow("s3:GetObject")),
                        AccessKeys=[{"AccessKeyId": "AKIAEXAMPLEKEY000001", "SecretAccessKey": "s" * 40}],
                    )
                ],
                roles=[
                    role(
                        "Deploy",
                        trust({"AWS": ALICE}, action=["sts:AssumeRole", "sts:SetSourceIdentity"]),
                        doc(allow("s3:*")),
                    ),
                    role("App", trust({"Service": "ec2.amazonaws.com"})),
                    role("CI", web_trust),
                ],
                identity_providers=[{"type": "oidc", "arn": GITHUB, "audiences": ["sts.amazonaws.com"]}],
            )
        }
    )


def test_cloudtrail_expiration_format():
    # §6.4 (H): CloudTrail prints credential expirations like "Oct 2, 2019, 11:12:29 PM".
    assert cloudtrail_time(datetime(2019, 10, 2, 23, 12, 29, tzinfo=UTC)) == "Oct 2, 2019, 11:12:29 PM"
    assert cloudtrail_time(datetime(2026, 1, 1, 0, 5, 0, tzinfo=UTC)) == "Jan 1, 2026, 12:05:00 AM"


def test_assume_role_event():
    # §6.3/§6.4 D-CT (H): eventSource, eventName, requestParameters, responseElements without the secret key,
    # resources naming the role, the caller as IAMUser.
    world = audit_world()
    result = sts.assume_role(
        world,
        "AKIAEXAMPLEKEY000001",
        sts.AssumeRoleRequest(
            DEPLOY, "deploy-1", duration_seconds=900, source_identity="alice", context={"aws:SourceIp": "203.0.113.7"}
        ),
    )
    (event,) = world.events
    assert (event["eventSource"], event["eventName"], event["eventType"]) == (
        "sts.amazonaws.com",
        "AssumeRole",
        "AwsApiCall",
    )
    assert (event["eventTime"], event["awsRegion"], event["sourceIPAddress"]) == (
        "2026-01-01T09:00:00Z",
        "us-east-1",
        "203.0.113.7",
    )
    assert event["userIdentity"] == {
        "type": "IAMUser",
        "principalId": world.find_user(ALICE).id,
        "arn": ALICE,
        "accountId": A,
        "userName": "alice",
        "accessKeyId": "AKIAEXAMPLEKEY000001",
    }
    assert event["requestParameters"] == {
        "roleArn": DEPLOY,
        "roleSessionName": "deploy-1",
        "durationSeconds": 900,
        "sourceIdentity": "alice",
    }
    credentials = event["responseElements"]["credentials"]
    assert credentials == {
        "accessKeyId": result["credentials"]["AccessKeyId"],
        "sessionToken": result["credentials"]["SessionToken"],
        "expiration": "Jan 1, 2026, 9:15:00 AM",
    }
    assert event["responseElements"]["assumedRoleUser"]["arn"] == result["assumed_role_user"]["Arn"]
    assert event["responseElements"]["sourceIdentity"] == "alice"
    assert event["resources"] == [{"ARN": DEPLOY, "accountId": A, "type": "AWS::IAM::Role"}]
    assert result["credentials"]["SecretAccessKey"] not in json.dumps(list(world.events))


def test_failed_assume_role_event():
    # §6.3 D-CT (H): errorCode AccessDenied, AWS's message, responseElements null.
    world = audit_world()
    with pytest.raises(StsError):
        sts.assume_role(world, ALICE, sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/App", "nope"))
    (event,) = world.events
    assert event["errorCode"] == "AccessDenied"
    assert event["errorMessage"].startswith(f"User: {ALICE} is not authorized to perform: sts:AssumeRole")
    assert event["responseElements"] is None


def test_cross_account_assume_role_writes_two_copies():
    # §6.3 D-CT (H): one event per account, same sharedEventID; the role account sees an AWSAccount caller.
    target = f"arn:aws:iam::{B}:role/Target"
    world = make_world(
        {
            A: account(users=[user("alice", doc(allow("sts:AssumeRole", target)))]),
            B: account(roles=[role("Target", trust({"AWS": A}))]),
        }
    )
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(target, "cross"))
    caller_copy, role_copy = world.events
    assert caller_copy["sharedEventID"] == role_copy["sharedEventID"]
    assert caller_copy["eventID"] != role_copy["eventID"]
    assert (caller_copy["recipientAccountId"], role_copy["recipientAccountId"]) == (A, B)
    assert role_copy["userIdentity"] == {"type": "AWSAccount", "principalId": world.find_user(ALICE).id, "accountId": A}


def test_session_caller_identity_shape():
    # §6.2 CloudTrail UG (H): AssumedRole with sessionContext.sessionIssuer, attributes and sourceIdentity.
    world = audit_world()
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "deploy-1", source_identity="alice"), session_id="s1")
    world.request("s1", "s3:ListBucket", "arn:aws:s3:::reports")
    identity = world.events[-1]["userIdentity"]
    role_id = world.find_role(DEPLOY).id
    assert identity["type"] == "AssumedRole"
    assert identity["principalId"] == f"{role_id}:deploy-1"
    assert identity["accessKeyId"].startswith("ASIA")
    assert identity["sessionContext"] == {
        "attributes": {"creationDate": "2026-01-01T09:00:00Z", "mfaAuthenticated": "false"},
        "sessionIssuer": {"type": "Role", "principalId": role_id, "arn": DEPLOY, "accountId": A, "userName": "Deploy"},
        "sourceIdentity": "alice",
    }


def test_root_service_and_web_identity_shapes():
    # §6.2 CloudTrail UG (H; web identity format M).
    world = audit_world()
    assert user_identity(world, world.identify(f"arn:aws:iam::{A}:root")) == {
        "type": "Root",
        "principalId": A,
        "arn": f"arn:aws:iam::{A}:root",
        "accountId": A,
    }
    sts.assume_role(world, "service:ec2.amazonaws.com", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/App", None))
    assert world.events[-1]["userIdentity"] == {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}
    assert world.events[-1]["sourceIPAddress"] == "ec2.amazonaws.com"
    claims = {"sub": "repo:org/app:ref:refs/heads/main", "aud": "sts.amazonaws.com"}
    sts.assume_role_with_web_identity(world, sts.WebIdentityRequest(GITHUB, f"arn:aws:iam::{A}:role/CI", "gh", claims))
    identity = world.events[-1]["userIdentity"]
    assert identity["type"] == "WebIdentityUser"
    assert identity["principalId"] == (
        "token.actions.githubusercontent.com:sts.amazonaws.com:repo:org/app:ref:refs/heads/main"
    )


def test_request_events_allowed_denied_and_data():
    # §6.1 D-CT (H): every request leaves an event; a deny carries errorCode AccessDenied and AWS's message;
    # S3 object-level calls are data events.
    world = audit_world()
    world.request(ALICE, "s3:GetObject", "arn:aws:s3:::reports/q1.csv")
    world.request(ALICE, "s3:PutObject", "arn:aws:s3:::reports/q1.csv")
    allowed, refused = world.events
    assert (allowed["eventSource"], allowed["eventName"], allowed["readOnly"]) == (
        "s3.amazonaws.com",
        "GetObject",
        True,
    )
    assert (allowed["eventCategory"], allowed["managementEvent"]) == ("Data", False)
    assert "errorCode" not in allowed
    assert refused["errorCode"] == "AccessDenied" and refused["readOnly"] is False
    assert refused["errorMessage"].startswith(f"User: {ALICE} is not authorized to perform: s3:PutObject")


def test_expired_credentials_leave_an_event():
    # §5.9 (H): the refused call is still recorded, with errorCode ExpiredToken.
    world = audit_world()
    sts.assume_role(world, ALICE, sts.AssumeRoleRequest(DEPLOY, "deploy-1", duration_seconds=900), session_id="s1")
    world.clock.advance(901)
    with pytest.raises(StsError):
        world.request("s1", "s3:GetObject", "arn:aws:s3:::reports/q1.csv")
    assert world.events[-1]["errorCode"] == "ExpiredToken"


def test_get_caller_identity_and_session_token_events():
    # §6.1 (H): every STS call is audited; GetSessionToken's response hides the secret key too.
    world = audit_world()
    sts.get_caller_identity(world, ALICE)
    result = sts.get_session_token(world, ALICE)
    names = [e["eventName"] for e in world.events]
    assert names == ["GetCallerIdentity", "GetSessionToken"]
    assert result["credentials"]["SecretAccessKey"] not in json.dumps(list(world.events))


def test_events_are_capped():
    # Ours: a world keeps at most MAX_EVENTS events, dropping the oldest.
    world = audit_world()
    world.events = [{"n": i} for i in range(MAX_EVENTS)]
    world.request(ALICE, "s3:GetObject", "arn:aws:s3:::reports/q1.csv")
    assert len(world.events) == MAX_EVENTS and world.events[0] == {"n": 1}


def test_trimming_in_batches_keeps_exactly_the_newest_events():
    # Ours: EventLog.trim frees dropped events in batches, but readers only ever see the newest `limit`.
    log = EventLog()
    for i in range(25):
        log.append({"n": i})
        log.trim(10)
        kept = list(range(max(0, i - 9), i + 1))
        assert [e["n"] for e in log] == kept
        assert len(log) == len(kept) and log[0] == {"n": kept[0]} and log[-1] == {"n": i}
        assert [e["n"] for e in log[2:4]] == kept[2:4]
    with pytest.raises(IndexError):
        log[10]
    with pytest.raises(IndexError):
        log[-11]
    del log[0]
    assert [e["n"] for e in log] == list(range(16, 25))


def test_chained_assume_role_shows_incoming_transitive_tags():
    # §6.3 D-CT (H): requestParameters.incomingTransitiveTags lists the tags a chain passes on.
    actions = ["sts:AssumeRole", "sts:TagSession"]
    world = make_world(
        {
            A: account(
                users=[user("alice")],
                roles=[
                    role("R1", trust({"AWS": ALICE}, action=actions), doc(allow("sts:AssumeRole"))),
                    role("R2", trust({"AWS": f"arn:aws:iam::{A}:role/R1"}, action=actions)),
                ],
            )
        }
    )
    sts.assume_role(
        world,
        ALICE,
        sts.AssumeRoleRequest(
            f"arn:aws:iam::{A}:role/R1", "s1", tags=[{"Key": "team", "Value": "blue"}], transitive_tag_keys=["team"]
        ),
        session_id="s1",
    )
    sts.assume_role(world, "s1", sts.AssumeRoleRequest(f"arn:aws:iam::{A}:role/R2", "s2"))
    first, second = world.events
    assert first["requestParameters"]["tags"] == [{"key": "team", "value": "blue"}]
    assert first["requestParameters"]["transitiveTagKeys"] == ["team"]
    assert second["requestParameters"]["incomingTransitiveTags"] == {"team": "blue"}


def test_a_repeated_call_is_a_new_event_with_its_own_time_and_ids():
    """CloudTrail gives every event its own eventID and every request its own requestID; the event of a call
    made again differs from the first only in those and its time
    (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)."""
    from iamtutor.engine import repeat_event

    first = {"eventName": "GetCallerIdentity", "eventTime": "2026-01-01T09:00:00Z", "eventID": "a", "requestID": "b"}
    later = datetime(2026, 1, 1, 9, 5, 30, 250_000, tzinfo=UTC)
    again = repeat_event(first, later, bytes(range(16)), bytes(range(16, 32)))
    assert again["eventName"] == "GetCallerIdentity" and again["eventTime"] == "2026-01-01T09:05:30Z"
    assert again["requestID"] != again["eventID"] and {again["eventID"], again["requestID"]}.isdisjoint({"a", "b"})
    assert first["eventID"] == "a"  # the kept event is not changed
