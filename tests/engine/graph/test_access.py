"""One whole graph serves every view (``cut_graph``) and any later instant (``at_time``) without evaluating
anything, and equals what ``access_graph`` would build for that view at that instant."""

from __future__ import annotations

from datetime import timedelta

import pytest

from iamtutor.engine import AssumeRoleRequest, World, assume_role, revoke_sessions
from iamtutor.engine.graph import Budget, access_graph, at_time, cut_graph, edge_summary
from iamtutor.engine.world_model import Session
from tests.engine.bench_graph import scale_world
from tests.engine.graph.support import session_world
from tests.engine.world_builders import ALICE, A

OUTSIDE = "999999999999"


def test_every_view_cut_from_the_whole_graph_equals_the_view_built_for_it() -> None:
    world = scale_world(90, seed=13)
    whole = access_graph(world, fold=None)
    nodes = [n.id for n in whole.nodes]
    views = [{}, {"fold": None}, {"collapse": ("s3",)}, {"collapse": ("222222222222", "sqs")}, {"fold": 2}]
    views += [{"focus": focus, "depth": depth} for focus in nodes[::17] for depth in (1, 2)]
    views += [{"focus": f"account:{A}", "depth": 1}, {"focus": nodes[3], "depth": 1, "collapse": ("s3",)}]
    for view in views:
        assert cut_graph(whole, **view) == access_graph(world, **view), view


def test_a_stopped_graph_stays_nodes_only_in_every_view() -> None:
    world = scale_world(90, seed=13)
    stopped = access_graph(world, fold=None, budget=Budget(edges=3))
    view = cut_graph(stopped, focus=stopped.nodes[0].id, depth=2)
    assert not view.complete and view.edges == () and view.focus == stopped.nodes[0].id


def _outside_session(world: World, name: str, minutes: int) -> None:
    """A session of a role in an account outside the world (a classmate's), as a cross-account sandbox holds."""
    now = world.clock.now()
    world.add_session(
        Session(
            id=f"x-{name}",
            kind="assumed_role",
            access_key_id=f"ASIAOUTSIDE{name.upper():X<9}"[:20],
            secret_access_key="s",
            session_token="t",
            account=OUTSIDE,
            arn=f"arn:aws:sts::{OUTSIDE}:assumed-role/Shared/{name}",
            issued_at=now,
            expires_at=now + timedelta(minutes=minutes),
            role_arn=f"arn:aws:iam::{OUTSIDE}:role/Shared",
            role_id="AROAOUTSIDEROLE00001",
            session_name=name,
        )
    )


@pytest.mark.parametrize("minutes", [1, 19, 21, 39, 41, 61, 200])
def test_a_kept_graph_brought_to_a_later_instant_equals_a_graph_built_then(minutes: int) -> None:
    world, parents = session_world()  # sessions with 40 min, 20 min… left; one chained
    assume_role(world, ALICE, AssumeRoleRequest(f"arn:aws:iam::{A}:role/App", "late"), session_id="s-late")
    _outside_session(world, "early", 20)
    _outside_session(world, "later", 50)
    kept = access_graph(world, parents=parents, fold=None)
    world.clock.advance(minutes * 60)
    now = world.clock.now()
    fresh = access_graph(world, parents=parents, fold=None)
    brought = at_time(kept, now)
    assert brought == fresh
    assert [n.detail for n in brought.nodes] == [n.detail for n in fresh.nodes]  # the tooltips too
    assert cut_graph(brought) == access_graph(world, parents=parents)


def test_a_view_whose_sessions_are_all_live_is_only_relabelled() -> None:
    world, parents = session_world()
    whole = access_graph(world, parents=parents, fold=None)
    view = cut_graph(whole, focus=f"arn:aws:iam::{A}:role/App", depth=2)
    world.clock.advance(5 * 60)  # every session of the view is still live
    now = world.clock.now()
    assert at_time(view, now) == cut_graph(at_time(whole, now), focus=f"arn:aws:iam::{A}:role/App", depth=2)


def test_the_same_instant_changes_nothing() -> None:
    world, parents = session_world()
    kept = access_graph(world, parents=parents, fold=None)
    assert at_time(kept, world.clock.now()) is kept


def test_a_graph_says_whether_its_answers_read_the_clock() -> None:
    assert not access_graph(scale_world(40, seed=3)).work.clock
    world, _ = session_world()
    revoke_sessions(world, f"arn:aws:iam::{A}:role/App")  # AWSRevokeOlderSessions reads aws:TokenIssueTime
    assert access_graph(world).work.clock


def test_the_edge_summary_counts_what_the_arrows_join() -> None:
    world = scale_world(90, seed=13)
    graph = access_graph(world)
    rows = edge_summary(graph)
    assert sum(row["count"] for row in rows) == sum(e.count for e in graph.edges)
    assert rows == sorted(rows, key=lambda row: -row["count"])
    assert any(row["from"].startswith("users in account") and row["what"] == "can assume" for row in rows)
