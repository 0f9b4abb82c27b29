"""``graph/replay.py``: a scenario replayed with its world kept, for the lessons' step diagrams."""

from __future__ import annotations

import pytest

from iamtutor.engine import CHAINING_SECONDS, EngineError, replay

ALICE = "arn:aws:iam::111111111111:user/alice"
DEPLOY = "arn:aws:iam::111111111111:role/Deploy"
ANALYST = "arn:aws:iam::111111111111:role/Analyst"


def _trust(*principals: str) -> dict:
    statement = {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"}
    return {"Version": "2012-10-17", "Statement": [statement]}


def _read() -> list:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}
    return [{"PolicyName": "Read", "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}]


def scenario() -> dict:
    roles = [
        {"RoleName": "Deploy", "AssumeRolePolicyDocument": _trust(ALICE), "RolePolicyList": _read()},
        {
            "RoleName": "Analyst",
            "AssumeRolePolicyDocument": _trust(DEPLOY),
            "RolePolicyList": _read(),
            "MaxSessionDuration": 43200,
        },
    ]
    world = {
        "clock": "2026-01-01T09:00:00Z",
        "accounts": {
            "111111111111": {
                "UserDetailList": [{"UserName": "alice"}],
                "RoleDetailList": roles,
                "resources": [{"arn": "arn:aws:s3:::reports/*"}],
            }
        },
    }
    steps = [
        {"op": "assume_role", "id": "s1", "caller": ALICE, "role_arn": DEPLOY, "session_name": "pipeline"},
        {
            "op": "assume_role",
            "id": "c1",
            "caller": "s1",
            "role_arn": ANALYST,
            "session_name": "hop",
            "expect": {"ok": True},
        },
        {
            "op": "assume_role",
            "id": "c2",
            "caller": "s1",
            "role_arn": ANALYST,
            "session_name": "long",
            "duration_seconds": 7200,
        },
        {"op": "advance_clock", "seconds": 60},
        {
            "op": "request",
            "title": "read",
            "caller": "c1",
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::reports/a",
        },
        {
            "op": "request",
            "title": "write",
            "caller": "c1",
            "action": "s3:PutObject",
            "resource": "arn:aws:s3:::reports/a",
            "expect": {"decision": "allowed"},
        },
    ]
    return {"name": "chain", "world": world, "steps": steps}


def test_replay_keeps_the_world_and_links_each_chained_session_to_the_session_it_came_from():
    done = replay(scenario())
    first, hop, long, clock, *_requests = done.steps
    assert first.session and hop.session and hop.caller_session == first.session
    assert done.parents == {hop.session: first.session}
    assert done.world.sessions[hop.session].chained and not done.world.sessions[first.session].chained
    # role chaining caps a session at one hour (iam-reference.md §5.3): the engine refuses 7,200 s
    assert not long.ok and long.session is None and long.result["error"]["code"] == "ValidationError"
    assert CHAINING_SECONDS == 3600
    assert clock.clock.isoformat() == "2026-01-01T09:01:00+00:00"


def test_replay_gives_each_decided_request_the_evaluators_decision_with_its_path():
    done = replay(scenario())
    read, write = done.step("read"), done.step("write")
    assert read.decision.allowed and read.decision.path[-1] == "allow"
    assert read.decision.request.action == "s3:GetObject"
    assert write.decision.outcome == "implicitDeny" and write.result["decision"] == "implicitDeny"
    assert not write.ok and write.failures  # it expected "allowed": the failure is kept for the caller to report
    assert done.step("s1") is done.steps[0] and done.step("nothing") is None


def test_replay_is_repeatable_the_same_scenario_gives_the_same_sessions():
    assert list(replay(scenario()).world.sessions) == list(replay(scenario()).world.sessions)


def test_replay_refuses_a_world_that_does_not_load_with_its_path():
    broken = scenario()
    broken["world"]["accounts"]["111111111111"]["RoleDetailList"][0]["AssumeRolePolicyDocument"] = {"Statement": 3}
    with pytest.raises(EngineError) as caught:
        replay(broken)
    assert "RoleDetailList[0]" in (caught.value.json_path or "")
