"""Properties that must hold for every input, checked with hypothesis.

- An added Deny statement never grants (§4.1 fact 1, D-EVAL, H).
- An added permissions boundary or session policy never widens access (§4.1 fact 8, D-PB, D-POL, H).
- ``parse_policy``, ``iter_policy_problems``, ``evaluate`` and ``World.from_dict`` raise nothing but
  ``EngineError`` whatever they are given (engine contract, "ground rules").
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamtutor.engine.conditions import make_context
from iamtutor.engine.errors import EngineError
from iamtutor.engine.evaluate import Request, evaluate
from iamtutor.engine.policy import POLICY_KINDS, iter_policy_problems, parse_policy
from iamtutor.engine.principals import Caller

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

A, B = "111111111111", "222222222222"
ALICE = f"arn:aws:iam::{A}:user/alice"
APP = f"arn:aws:iam::{A}:role/App"
SESSION = f"arn:aws:sts::{A}:assumed-role/App/s1"
USER = Caller("user", ALICE, A, unique_id="AIDAEXAMPLEALICE00001")
ROLE_SESSION = Caller("assumed_role", SESSION, A, role_arn=APP, unique_id="AROAEXAMPLEAPP000001:s1", session_name="s1")

ACTIONS = ["s3:GetObject", "s3:PutObject", "ec2:RunInstances", "iam:CreateUser", "sqs:SendMessage"]
ACTION_PATTERNS = ["*", "s3:*", "s3:Get*", "S3:getobject", "s3:?utObject", "ec2:*", "iam:*User", "sqs:SendMessage"]
RESOURCES = [
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::b",
    "arn:aws:iam::111111111111:user/x",
    "arn:aws:sqs:us-east-1:111111111111:q",
    "*",
]
RESOURCE_PATTERNS = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::b",
    "arn:aws:iam::111111111111:user/*",
    "arn:aws:sqs:*:111111111111:*",
    "arn:aws:s3:::${aws:username}/*",
]
CONDITIONS: list[dict[str, Any] | None] = [
    None,
    {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
    {"StringNotEquals": {"aws:PrincipalTag/team": ["blue", "green"]}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"Null": {"aws:TokenIssueTime": "true"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["Env"]}},
    {"ForAnyValue:StringLike": {"aws:TagKeys": ["E*"]}},
    {"StringLikeIfExists": {"s3:prefix": "home/${aws:username}/*"}},
    {"NumericLessThan": {"s3:max-keys": "10"}},
    {"DateLessThan": {"aws:CurrentTime": "2026-06-30T00:00:00Z"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111111111111:role/*"}},
]
PRINCIPALS = [
    "*",
    {"AWS": "*"},
    {"AWS": ALICE},
    {"AWS": A},
    {"AWS": f"arn:aws:iam::{A}:root"},
    {"AWS": APP},
    {"AWS": SESSION},
    {"AWS": B},
    {"Service": "ec2.amazonaws.com"},
]
CONTEXT_ENTRIES = {
    "aws:PrincipalTag/team": st.sampled_from(["blue", "red"]),
    "aws:SecureTransport": st.booleans(),
    "aws:SourceIp": st.sampled_from(["203.0.113.7", "198.51.100.1"]),
    "aws:TagKeys": st.lists(st.sampled_from(["Env", "Owner"]), max_size=2, unique=True),
    "s3:prefix": st.sampled_from(["home/alice/x", "tmp/"]),
    "s3:max-keys": st.sampled_from(["5", "50", "x"]),
    "aws:MultiFactorAuthPresent": st.sampled_from(["true", "false"]),
    "aws:TokenIssueTime": st.just("2026-01-01T09:00:00Z"),
}


def one_or_more(values: list) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(values), st.lists(st.sampled_from(values), min_size=1, max_size=3))


@st.composite
def statements(draw: st.DrawFn, *, effect: str | None = None, principal: bool = False) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    if principal:
        statement["Principal"] = draw(st.sampled_from(PRINCIPALS))
    statement["NotAction" if draw(st.integers(0, 5)) == 0 else "Action"] = draw(one_or_more(ACTION_PATTERNS))
    statement["NotResource" if draw(st.integers(0, 5)) == 0 else "Resource"] = draw(one_or_more(RESOURCE_PATTERNS))
    condition = draw(st.sampled_from(CONDITIONS))
    if condition is not None:
        statement["Condition"] = condition
    return statement


@st.composite
def policies(draw: st.DrawFn, kind: str = "identity", *, effect: str | None = None) -> Any:
    principal = kind == "resource"
    body = draw(st.lists(statements(effect=effect, principal=principal), min_size=1, max_size=4))
    return parse_policy({"Version": "2012-10-17", "Statement": body}, kind)


@st.composite
def requests(draw: st.DrawFn, caller: Caller | None = None) -> Request:
    who = caller or draw(st.sampled_from([USER, ROLE_SESSION]))
    raw = {key: draw(value) for key, value in CONTEXT_ENTRIES.items() if draw(st.booleans())}
    raw["aws:username"] = "alice" if who is USER else None
    raw = {k: v for k, v in raw.items() if v is not None}
    raw["aws:CurrentTime"] = "2026-01-01T09:00:00Z"
    raw["aws:PrincipalArn"] = ALICE if who is USER else APP
    return Request(
        caller=who,
        action=draw(st.sampled_from(ACTIONS)),
        resource=draw(st.sampled_from(RESOURCES)),
        resource_account=draw(st.sampled_from([None, None, B])),
        context=make_context(raw),
        identity_policies=tuple(draw(st.lists(policies(), max_size=3))),
        resource_policy=draw(st.one_of(st.none(), policies("resource"))),
        scps=draw(
            st.sampled_from(
                [
                    (),
                    (
                        (
                            parse_policy(
                                {
                                    "Version": "2012-10-17",
                                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                                },
                                "scp",
                            ),
                        ),
                    ),
                ]
            )
        ),
    )


def _grants(request: Request) -> bool:
    return evaluate(request).allowed


# ---- evaluation never widens ----------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(requests(), policies(effect="Deny"))
def test_an_added_deny_never_grants(request: Request, deny: Any) -> None:
    # §4.1 fact 1 D-EVAL (H): an applicable Deny beats every Allow; a Deny never allows anything.
    with_deny = dataclasses.replace(request, identity_policies=(*request.identity_policies, deny))
    assert not (_grants(with_deny) and not _grants(request))
    assert evaluate(with_deny).outcome in ("allowed", "explicitDeny", "implicitDeny")


@PROPERTY_SETTINGS
@given(
    requests(),
    st.lists(statements(principal=True), max_size=3),
    st.lists(statements(effect="Deny", principal=True), min_size=1, max_size=2),
)
def test_a_deny_added_to_the_resource_policy_never_grants(
    request: Request, base: list[dict], extra: list[dict]
) -> None:
    # §4.1 fact 1 D-EVAL (H).
    def resource_policy(body: list[dict]) -> Any:
        return parse_policy({"Version": "2012-10-17", "Statement": body}, "resource") if body else None

    before = dataclasses.replace(request, resource_policy=resource_policy(base))
    after = dataclasses.replace(request, resource_policy=resource_policy(base + extra))
    assert not (_grants(after) and not _grants(before))


@PROPERTY_SETTINGS
@given(requests(), policies("boundary"))
def test_a_boundary_never_widens_access(request: Request, boundary: Any) -> None:
    # §4.1 fact 8 D-PB (H): a boundary only limits; §4.1 fact 9: NotPrincipal+Deny hits boundaried callers.
    caller = dataclasses.replace(request.caller, has_boundary=True)
    limited = dataclasses.replace(request, caller=caller, boundary=boundary)
    assert not (_grants(limited) and not _grants(request))


@PROPERTY_SETTINGS
@given(requests(ROLE_SESSION), st.lists(policies("session"), min_size=1, max_size=2))
def test_a_session_policy_never_widens_access(request: Request, session_policies: list) -> None:
    # §5.4 D-POL, API-STS (H): session policies cannot grant more than the role's policies.
    limited = dataclasses.replace(request, session_policies=tuple(session_policies))
    assert not (_grants(limited) and not _grants(request))


# ---- nothing but EngineError escapes -------------------------------------------------------------------------------


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=25,
)
policy_keys = st.sampled_from(
    [
        "Version",
        "Id",
        "Statement",
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "AWS",
        "Service",
        "StringEquals",
        "ForAnyValue:StringLike",
        "Null",
        "aws:SourceIp",
    ]
)
policy_like = st.recursive(
    st.one_of(
        json_scalars,
        st.sampled_from(
            [
                "2012-10-17",
                "Allow",
                "Deny",
                "*",
                "s3:GetObject",
                "arn:aws:s3:::b/*",
                "${aws:username}",
                "sts:AssumeRole",
            ]
        ),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(policy_keys, inner, max_size=5)),
    max_leaves=30,
)


@PROPERTY_SETTINGS
@given(st.one_of(json_values, policy_like, st.text(max_size=200)), st.sampled_from(POLICY_KINDS), st.booleans())
def test_parsing_raises_only_engine_errors(document: Any, kind: str, managed: bool) -> None:
    # Engine contract: only EngineError subclasses escape, whatever the input.
    with contextlib.suppress(EngineError):
        parse_policy(document, kind, managed=managed)
    try:
        problems = list(iter_policy_problems(document, kind, managed=managed))
    except EngineError:
        problems = []
    assert all(isinstance(p, EngineError) for p in problems)


@PROPERTY_SETTINGS
@given(
    st.sampled_from(["[" * 5000, '{"Statement":' * 3000, '"\\ud800"', "\x00", '{"Version": 1e999}']),
    st.sampled_from(POLICY_KINDS),
)
def test_parsing_hostile_text_raises_only_engine_errors(text: str, kind: str) -> None:
    with contextlib.suppress(EngineError):
        parse_policy(text, kind)


BASE_WORLD = {
    "clock": "2026-01-01T09:00:00Z",
    "organization": {
        "id": "o-exampleorgid",
        "management_account": "333333333333",
        "scps": [
            {
                "name": "Full",
                "targets": [A],
                "document": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                },
            }
        ],
    },
    "accounts": {
        A: {
            "UserDetailList": [
                {
                    "UserName": "alice",
                    "Path": "/",
                    "Arn": ALICE,
                    "Tags": [{"Key": "team", "Value": "b"}],
                    "UserPolicyList": [
                        {
                            "PolicyName": "p",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
                            },
                        }
                    ],
                }
            ],
            "RoleDetailList": [
                {
                    "RoleName": "App",
                    "Path": "/",
                    "Arn": APP,
                    "MaxSessionDuration": 3600,
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}],
                    },
                }
            ],
            "resources": [{"arn": "arn:aws:s3:::b", "tags": {"env": "prod"}}],
        },
        "333333333333": {},
    },
}


@st.composite
def mutated_worlds(draw: st.DrawFn) -> Any:
    """``BASE_WORLD`` with one subtree replaced by arbitrary JSON (or a key dropped)."""
    world = json.loads(json.dumps(BASE_WORLD))
    node: Any = world
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if not keys:
            return world
        key = draw(st.sampled_from(keys))
        child = node[key]
        if not isinstance(child, dict | list) or draw(st.integers(0, 3)) == 0:
            if isinstance(node, dict) and draw(st.booleans()):
                del node[key]
            else:
                node[key] = draw(json_values)
            return world
        node = child


@PROPERTY_SETTINGS
@given(st.one_of(mutated_worlds(), json_values))
def test_loading_a_world_raises_only_engine_errors(data: Any) -> None:
    # Engine contract and world-format.md: a broken world is an error with a JSON path, never a traceback.
    from iamtutor.engine.world import World

    with contextlib.suppress(EngineError):
        World.from_dict(data)


def test_the_base_world_of_the_mutations_loads() -> None:
    from iamtutor.engine.world import World

    World.from_dict(BASE_WORLD)
