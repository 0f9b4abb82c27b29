"""The nodes a world's graph holds (``graph/builder.py``): live sessions with their remaining lifetime, hung
off their role or user, and chained to the session that assumed them."""

from __future__ import annotations

from iamtutor.engine import get_session_token
from iamtutor.engine.graph import (
    access_graph,
)
from tests.engine.graph.support import (
    edge,
    scenario_world,
    session_world,
)
from tests.engine.world_builders import (
    ALICE,
    A,
)

# ---- sessions --------------------------------------------------------------------------------------------------


def test_active_sessions_are_nodes_with_their_remaining_lifetime() -> None:
    # §5.3/§5.9: credentials expire at issue + duration; expired ones are not drawn.
    world, parents = session_world()
    graph = access_graph(world, parents=parents)
    first = graph.node("session:s-first")
    assert first.kind == "session" and first.expires_in == 3600 - 1200
    assert "40 min left" in first.label
    assert graph.node("session:s-old") is None
    assert edge(graph, "session:s-first", f"arn:aws:iam::{A}:role/App", "session_of") is not None


def test_session_token_credentials_hang_off_their_user() -> None:
    # §5.9 (API-STS, H): GetSessionToken credentials are the user's own, not a role session.
    world = scenario_world("sts_trust_names_user")
    get_session_token(world, ALICE, session_id="s-token")
    graph = access_graph(world)
    assert edge(graph, "session:s-token", ALICE, "session_of") is not None
    assert "12 h 0 min left" in graph.node("session:s-token").label


def test_chained_sessions_link_to_their_parent() -> None:
    # §5.3 (D-TERMS): role chaining — a session assumed with another session's credentials.
    world, parents = session_world()
    graph = access_graph(world, parents=parents)
    assert edge(graph, "session:s-first", "session:s-second", "chain") is not None
    assert not [e for e in access_graph(world).edges if e.kind == "chain"]
