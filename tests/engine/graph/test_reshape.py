"""Fold, collapse and focus (``graph/reshape.py``, ``graph/access.py``): a big graph made readable without
changing what it says."""

from __future__ import annotations

import pytest

from iamtutor.engine import World
from iamtutor.engine.errors import ParameterError
from iamtutor.engine.graph import (
    access_graph,
)
from iamtutor.engine.graph.builder import Builder
from iamtutor.engine.graph.reshape import fold, neighbourhood
from tests.engine.bench_graph import scale_world
from tests.engine.graph.support import (
    edge,
    scenario_world,
)
from tests.engine.world_builders import (
    ALICE,
    DEPLOY,
    A,
    B,
    account,
    allow,
    doc,
    make_world,
    role,
    trust,
    user,
)

# ---- fold, collapse, focus ----------------------------------------------------------------------------------


def crowd_world(users: int = 8) -> World:
    """Deploy trusts the whole account; only alice may assume it; the others lack the identity Allow."""
    crowd = [user(f"u{i}") for i in range(users)]
    alice = user("alice", doc(allow("sts:AssumeRole", f"arn:aws:iam::{A}:role/Deploy")))
    return make_world(
        {
            A: account(
                [alice, *crowd],
                [role("Deploy", trust({"AWS": A}))],
                resources=[{"arn": "arn:aws:s3:::one"}, {"arn": "arn:aws:s3:::two"}],
            )
        }
    )


def test_account_wide_dashed_edges_fold_into_one_from_the_account() -> None:
    graph = access_graph(crowd_world(), fold=5)
    folded = edge(graph, f"account:{A}", DEPLOY)
    assert folded.dashed and folded.count == 9 and folded.missing == "identity policy"  # 8 users + the role
    assert edge(graph, ALICE, DEPLOY).allowed
    assert len([e for e in access_graph(crowd_world(), fold=None).edges if e.dashed]) == 9


def test_folding_keeps_the_focused_principals_own_edge() -> None:
    graph = access_graph(crowd_world(), focus=f"arn:aws:iam::{A}:user/u3", depth=1)
    assert edge(graph, f"arn:aws:iam::{A}:user/u3", DEPLOY).missing == "identity policy"


def test_focus_keeps_the_neighbourhood_within_depth() -> None:
    world = scenario_world("sts_role_chaining_cap")
    app, long_role = f"arn:aws:iam::{A}:role/App", f"arn:aws:iam::{A}:role/Long"
    one = access_graph(world, focus=app, depth=1)
    assert {n.id for n in one.nodes} == {app, ALICE, long_role}
    assert access_graph(world, focus=app, depth=0).nodes == (one.node(app),)
    assert one.focus == app and one.depth == 1


def test_focus_computes_the_same_neighbourhood_as_the_whole_graph() -> None:
    # Focus evaluates only the roles near the focus; the result must be the whole graph's neighbourhood.
    world = scale_world(60, seed=11)
    whole = Builder(world, {}).build()
    some = [n.id for n in whole.nodes][::13]  # users, roles, resources, a session
    some += [n.id for n in whole.nodes if n.kind in ("service", "account_root")][:3]
    for focus in [*some, f"account:{A}"]:  # the last one exists only once the account's edges are folded
        for depth in (1, 2, 3):
            expected = neighbourhood(fold(whole, 5, focus), focus, depth)
            assert access_graph(world, focus=focus, depth=depth) == expected, (focus, depth)


def test_focus_on_an_unknown_node_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="no node"):
        access_graph(scenario_world("sts_trust_names_user"), focus="arn:aws:iam::111111111111:user/nobody")


def test_collapsing_an_account_makes_one_node_and_merges_its_edges() -> None:
    world = scenario_world("sts_cross_account_both_sides")  # alice is trusted by both roles, permitted by neither
    graph = access_graph(world, collapse=[B])
    group = graph.node(f"account:{B}")
    assert group.kind == "account_root" and len(group.members) == 2
    merged = edge(graph, ALICE, group.id)
    assert merged.dashed and merged.count == 2 and merged.missing == "identity policy"
    assert graph.collapsed == (B,)
    both = access_graph(world, collapse=[A, B])
    assert sorted((e.allowed, e.count) for e in both.edges) == [(False, 2), (True, 1)]  # bob → Shared is allowed
    inside = access_graph(scenario_world("sts_trust_names_account"), collapse=[A])
    assert inside.edges == ()  # every edge ran inside the collapsed account


def test_collapsing_a_service_groups_its_resources_and_focus_finds_members() -> None:
    graph = access_graph(crowd_world(), collapse=["s3"])
    group = graph.node(f"resources:{A}:s3")
    assert group.kind == "resource_group" and len(group.members) == 2
    focused = access_graph(crowd_world(), collapse=["s3"], focus="resource:arn:aws:s3:::one", depth=0)
    assert focused.focus == group.id


@pytest.mark.parametrize("options", [{"depth": -1}, {"depth": 99}, {"collapse": ["s3!"]}, {"fold": -1}, {"focus": 5}])
def test_bad_arguments_are_parameter_errors(options: dict) -> None:
    with pytest.raises(ParameterError):
        access_graph(scenario_world("sts_trust_names_user"), **options)
