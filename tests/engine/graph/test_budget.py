"""The work budget of one access graph (``graph/budget.py``, ``graph/access.py``): counted, never exceeded, and
past it an answer that says so — every node, no edge — instead of a long wait. Asserted on counts, not time."""

from __future__ import annotations

import pytest

from iamtutor.engine import World
from iamtutor.engine.graph import DEFAULT_BUDGET, Budget, access_graph, node_summary
from iamtutor.engine.graph.budget import Meter, OverBudget
from tests.engine.bench_graph import scale_world
from tests.engine.world_builders import A, allow, doc

ASSUME_ANY = doc(allow("sts:AssumeRole"))
COUNTS = DEFAULT_BUDGET  # counts only, no time cap: the same answer on any machine, however loaded


def everyone_trusts_everyone(roles: int, users: int = 0) -> World:
    """The hostile world of the review: every role trusts its account, and every principal may assume any role."""
    trust = doc({"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"})
    role_list = [
        {
            "RoleName": f"r{n:04d}",
            "AssumeRolePolicyDocument": trust,
            "RolePolicyList": [{"PolicyName": "any", "PolicyDocument": ASSUME_ANY}],
        }
        for n in range(roles)
    ]
    user_list = [
        {"UserName": f"u{n:04d}", "UserPolicyList": [{"PolicyName": "any", "PolicyDocument": ASSUME_ANY}]}
        for n in range(users)
    ]
    accounts = {A: {"RoleDetailList": role_list, "UserDetailList": user_list}}
    return World.from_dict({"clock": "2026-01-01T09:00:00Z", "accounts": accounts})


def _within(work, budget: Budget) -> bool:
    return work.evaluations <= budget.evaluations and work.pairs <= budget.pairs and work.edges <= budget.edges


def test_a_graph_within_its_budget_is_complete_and_counts_its_work() -> None:
    graph = access_graph(scale_world(150, seed=4), budget=COUNTS)
    assert graph.complete and graph.work.stopped is None
    assert graph.work.evaluations > 0 and graph.work.pairs > 0 and graph.work.edges >= len(graph.edges)
    assert _within(graph.work, DEFAULT_BUDGET)


def test_a_thousand_roles_trusting_each_other_stop_at_the_budget_with_every_node_and_no_edge() -> None:
    world = everyone_trusts_everyone(1_000)
    graph = access_graph(world, budget=COUNTS)
    assert not graph.complete and graph.work.stopped in ("edges", "pairs", "evaluations")
    assert _within(graph.work, DEFAULT_BUDGET)  # the counts never pass the limits
    assert graph.edges == () and len([n for n in graph.nodes if n.kind == "role"]) == 1_000
    assert node_summary(graph) == [{"account": f"account {A}", "kind": "roles", "count": 1_000}]


def test_the_role_page_view_of_that_world_is_bounded_too() -> None:
    world = everyone_trusts_everyone(1_000)
    focused = access_graph(world, focus=f"arn:aws:iam::{A}:role/r0007", depth=1, budget=COUNTS)
    assert not focused.complete and _within(focused.work, DEFAULT_BUDGET)
    assert focused.focus == f"arn:aws:iam::{A}:role/r0007" and focused.edges == ()


@pytest.mark.parametrize(
    ("budget", "limit"),
    [
        (Budget(evaluations=5), "evaluations"),
        (Budget(pairs=50), "pairs"),
        (Budget(edges=10), "edges"),
        (Budget(seconds=0.0), "time"),
    ],
)
def test_each_limit_stops_the_build_and_is_named(budget: Budget, limit: str) -> None:
    graph = access_graph(scale_world(120, seed=5), budget=budget)
    assert graph.work.stopped == limit and graph.edges == ()
    assert _within(graph.work, budget)


def test_the_engines_default_has_no_time_cap_and_the_sites_has_one() -> None:
    assert DEFAULT_BUDGET.seconds is None  # the site adds one: iamtutor/sandbox/diagrams.py


def test_no_budget_means_no_limit() -> None:
    graph = access_graph(everyone_trusts_everyone(150), budget=None, fold=None)
    assert graph.complete and len(graph.edges) == 150 * 150  # every role may assume every role


def test_an_unknown_focus_is_still_an_error_when_the_build_stops() -> None:
    from iamtutor.engine import ParameterError

    with pytest.raises(ParameterError, match="no node"):
        access_graph(everyone_trusts_everyone(300), focus=f"arn:aws:iam::{A}:role/nobody", budget=Budget(edges=5))


def test_the_meter_refuses_work_before_it_passes_a_limit() -> None:
    meter = Meter(Budget(pairs=10))
    meter.paired(6)
    with pytest.raises(OverBudget):
        meter.paired(5)
    assert meter.pairs == 6 and meter.work("pairs").pairs == 6
