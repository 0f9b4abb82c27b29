"""Shared trust decisions (``graph/sharing.py``): principals whose requests differ only in what no policy reads
share one evaluation, and the graph is exactly the graph of one evaluation per pair — also in worlds built to
tell principals apart (policy variables, principal tags, a Deny naming one of them or reading its name)."""

from __future__ import annotations

import pytest

from iamtutor.engine import World
from iamtutor.engine.graph import access_graph
from iamtutor.engine.graph.sharing import Sharing, policy_reads
from iamtutor.engine.policy import parse_policy
from tests.engine.bench_graph import scale_world
from tests.engine.world_builders import A, B, account, allow, deny, doc, make_world, role, trust, user

ASSUME_ANY = doc(allow("sts:AssumeRole"))
TEAM = "aws:PrincipalTag/team"


def _tagged(name: str, team: str, *policies: dict) -> dict:
    return user(name, *policies, Tags=[{"Key": "team", "Value": team}])


def telling_world() -> World:
    """Principals that look alike but are not: each role's trust or the callers' policies read who they are."""
    crowd = [user(f"plain{i}", ASSUME_ANY) for i in range(6)]
    tagged = [_tagged(f"blue{i}", "blue", ASSUME_ANY) for i in range(3)] + [
        _tagged(f"red{i}", "red", ASSUME_ANY) for i in range(3)
    ]
    own_name = doc(allow("sts:AssumeRole", f"arn:aws:iam::{A}:role/${{aws:username}}-*"))
    named = [user(f"dev{i}", own_name) for i in range(4)]
    blue_only = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": A},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {TEAM: "blue"}},
        }
    )
    one_denied = doc(
        {"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{A}:user/plain2"}, "Action": "sts:AssumeRole"},
    )
    all_but_one = doc(
        {"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"},
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringNotEquals": {"aws:username": "plain0"}},
        },
    )
    roles = [
        role("Open", trust({"AWS": A})),
        role("BlueOnly", blue_only),
        role("OneDenied", one_denied),
        role("AllButOne", all_but_one),
        role("dev1-tools", trust({"AWS": A})),
        role("Direct", trust({"AWS": [f"arn:aws:iam::{A}:user/plain1", f"arn:aws:iam::{A}:user/blue0"]})),
        role("FromB", trust({"AWS": B}), doc(allow("s3:GetObject"))),
    ]
    outsiders = [user(f"b{i}", doc(allow("sts:AssumeRole", f"arn:aws:iam::{A}:role/*"))) for i in range(3)]
    outsiders += [user("b-none")]
    scp = doc(allow("*"), deny("sts:AssumeRole", Condition={"StringEquals": {TEAM: "red"}}))
    organization = {
        "id": "o-exampleorgid",
        "management_account": A,
        "scps": [{"name": "NoRed", "targets": [B], "document": scp}],
    }
    cross = role("Cross", trust({"AWS": B}))
    return make_world(
        {A: account([*crowd, *tagged, *named], [*roles, cross]), B: account(outsiders)}, organization=organization
    )


def _unshared(monkeypatch: pytest.MonkeyPatch, world: World, **options):
    with monkeypatch.context() as patch:
        patch.setattr(Sharing, "key", lambda self, *args: None)
        patch.setattr(Sharing, "role_twins", lambda self, *args: None)
        return access_graph(world, fold=None, budget=None, **options)


def _twins_only(monkeypatch: pytest.MonkeyPatch, world: World, **options):
    with monkeypatch.context() as patch:
        patch.setattr(Sharing, "key", lambda self, *args: None)
        return access_graph(world, fold=None, budget=None, **options)


@pytest.mark.parametrize(
    "make",
    [telling_world, lambda: scale_world(150, seed=3), lambda: scale_world(240, seed=11)],
    ids=["telling", "scale150", "scale240"],
)
def test_shared_decisions_give_the_graph_of_one_evaluation_per_pair(monkeypatch, make) -> None:
    world = make()
    shared = access_graph(world, fold=None, budget=None)
    alone = _unshared(monkeypatch, world)
    assert shared == alone
    assert shared.work.evaluations < alone.work.evaluations  # the point of it


def resource_keyed_world() -> World:
    """Trusts that read the role's own tags and a caller's tag, roles tagged apart, and an RCP: what a principal's
    class (``Sharing.principal_class``) must not paper over."""
    by_tag = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": A},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
        }
    )
    crowd = [_tagged(f"blue{i}", "blue", ASSUME_ANY) for i in range(3)] + [
        _tagged(f"red{i}", "red", ASSUME_ANY) for i in range(3)
    ]
    crowd += [user(f"plain{i}", ASSUME_ANY) for i in range(3)]
    roles = [
        role("BlueTeam", by_tag, Tags=[{"Key": "team", "Value": "blue"}]),
        role("RedTeam", by_tag, Tags=[{"Key": "team", "Value": "red"}]),
        role("Open", trust({"AWS": A})),
        role("FromB", trust({"AWS": B})),
    ]
    outsiders = [user(f"b{i}", doc(allow("sts:AssumeRole", f"arn:aws:iam::{A}:role/*"))) for i in range(3)]
    rcp = doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sts:AssumeRole",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalArn": f"arn:aws:iam::{B}:user/b1"}},
        },
    )
    organization = {
        "id": "o-exampleorgid",
        "management_account": B,
        "scps": [],
        "rcps": [{"name": "NotB1", "targets": [A], "document": rcp}],
    }
    return make_world({A: account(crowd, roles), B: account(outsiders)}, organization=organization)


@pytest.mark.parametrize(
    "make",
    [telling_world, resource_keyed_world, lambda: scale_world(150, seed=3), lambda: scale_world(240, seed=11)],
    ids=["telling", "resource-keyed", "scale150", "scale240"],
)
def test_principal_classes_give_the_graph_of_one_evaluation_per_pair(monkeypatch, make) -> None:
    """Twins (principals of one class, ``Sharing.principal_class``) share edges on their own: the same graph as one
    evaluation per pair."""
    world = make()
    assert _twins_only(monkeypatch, world) == _unshared(monkeypatch, world)


def test_principals_a_policy_tells_apart_keep_their_own_answers() -> None:
    graph = access_graph(telling_world(), fold=None)
    allowed = {(e.source.rsplit("/", 1)[-1], e.target.rsplit("/", 1)[-1]) for e in graph.edges if e.allowed}
    assert ("blue0", "BlueOnly") in allowed and ("red0", "BlueOnly") not in allowed  # principal tag in the trust
    assert ("plain1", "OneDenied") in allowed and ("plain2", "OneDenied") not in allowed  # a Deny names plain2
    assert ("plain0", "AllButOne") in allowed and ("plain1", "AllButOne") not in allowed  # aws:username in a Deny
    assert ("dev1", "dev1-tools") in allowed and ("dev2", "dev1-tools") not in allowed  # ${aws:username}
    assert ("b0", "Cross") in allowed and ("b-none", "Cross") not in allowed


def test_a_policy_reads_its_condition_keys_and_variables() -> None:
    policy = parse_policy(
        doc(
            allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*", Condition={"Bool": {"aws:SecureTransport": "x"}}),
            allow("s3:PutObject", "arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/${*}"),
        )
    )
    assert policy_reads(policy) == ("aws:principaltag/team", "aws:securetransport", "aws:username")
    broken = parse_policy(doc(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username")))
    assert policy_reads(broken) is None  # a "${" that is not a whole variable: no sharing at all


def same_trust_world() -> World:
    """Roles of one account whose trusts have the same content, told apart by the callers' policies: one Allow
    names a single role, another resolves ${aws:username} in its Resource, a third reads the role's tag."""
    tagged_only = doc(
        allow("sts:AssumeRole", f"arn:aws:iam::{A}:role/*", Condition={"StringEquals": {"aws:ResourceTag/open": "yes"}})
    )
    users = [
        user("narrow", doc(allow("sts:AssumeRole", f"arn:aws:iam::{A}:role/First"))),
        user("ops", doc(allow("sts:AssumeRole", f"arn:aws:iam::{A}:role/${{aws:username}}-*"))),
        user("tags", tagged_only),
        *(user(f"any{i}", ASSUME_ANY) for i in range(3)),
    ]
    roles = [
        role(name, trust({"AWS": A}), **extra)
        for name, extra in [
            ("First", {}),
            ("Second", {}),
            ("ops-tools", {}),
            ("Opened", {"Tags": [{"Key": "open", "Value": "yes"}]}),
        ]
    ]
    return make_world({A: account(users, roles)})


def test_roles_with_the_same_trust_share_decisions_only_where_the_role_cannot_matter(monkeypatch) -> None:
    """One decision serves roles of one account, tags and trust content (``Sharing.across``) — not where the
    caller's policy names the role, resolves a variable against its ARN, or reads its tags."""
    world = same_trust_world()
    shared = access_graph(world, fold=None, budget=None)
    alone = _unshared(monkeypatch, world)
    assert shared == alone
    assert shared.work.evaluations < alone.work.evaluations
    allowed = {(e.source.rsplit("/", 1)[-1], e.target.rsplit("/", 1)[-1]) for e in shared.edges if e.allowed}
    assert ("narrow", "First") in allowed and ("narrow", "Second") not in allowed
    assert ("ops", "ops-tools") in allowed and ("ops", "First") not in allowed
    assert ("tags", "Opened") in allowed and ("tags", "Second") not in allowed
    assert {("any0", r) for r in ("First", "Second", "ops-tools", "Opened")} <= allowed
