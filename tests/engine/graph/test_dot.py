"""DOT (``graph/dot.py``, ``ids.py``, ``table.py``): hostile labels stay text, every node and edge reaches the
SVG with its id, and the table follows the edge order. Rendered with ``dot`` and the WebAssembly build when
they are installed."""

from __future__ import annotations

import re

import pytest

from iamtutor.engine.graph import (
    AccessGraph,
    Cluster,
    Edge,
    Node,
    access_graph,
    edge_ids,
    edge_table,
    expected_svg_ids,
    node_svg_id,
    to_dot,
)
from tests.engine.bench_graph import scale_world
from tests.engine.graph.support import (
    HOSTILE,
    edge,
    render,
    scenario_world,
    session_world,
    svg_ids,
)
from tests.engine.world_builders import (
    ALICE,
    BOB,
    DEPLOY,
    A,
    account,
    allow,
    doc,
    make_world,
    role,
    trust,
    user,
)

# ---- DOT: escaping, ids, fallback layout --------------------------------------------------------------------


def hostile_graph() -> AccessGraph:
    nodes = tuple(Node(f"user:{i}", "user", text, A, text, None, text) for i, text in enumerate(HOSTILE))
    nodes += (Node("role", "role", HOSTILE[2], "111111111111", "r", None, HOSTILE[0]),)
    edges = tuple(
        Edge(
            n.id,
            "role",
            "assume",
            i % 2 == 0,
            conditions=(HOSTILE[i], HOSTILE[-1 - i]),
            missing=None if i % 2 == 0 else HOSTILE[i],
        )
        for i, n in enumerate(nodes[:-1])
    )
    return AccessGraph(nodes, edges, (Cluster(A, HOSTILE[1]),))


@pytest.mark.parametrize("renderer", ["dot", "wasm"])
def test_hostile_labels_render_as_text_and_inject_nothing(renderer: str) -> None:
    graph = hostile_graph()
    source = to_dot(graph, title=HOSTILE[4], link=lambda n: "javascript:alert(1)")
    assert "javascript:" not in source
    svg = render(source, renderer)
    assert not re.search(r"<\s*script|javascript:|\son[a-z]+\s*=", svg, re.IGNORECASE)
    assert svg.count('class="node"') == len(graph.nodes) and svg.count('class="edge"') == len(graph.edges)
    assert expected_svg_ids(graph) <= svg_ids(svg)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg  # shown as text
    assert "&amp;lt;b&amp;gt;&amp;amp;" in svg  # entities shown as typed, not decoded


@pytest.mark.parametrize("renderer", ["dot", "wasm"])
def test_hostile_world_strings_render_safely(renderer: str) -> None:
    # Resource ARNs, session ids and condition values are free text in a world; the diagram must survive them.
    evil = '"}<script>alert(1)</script>\\'
    world = make_world(
        {
            A: account(
                [user("alice")],
                [
                    role(
                        "Deploy",
                        trust({"AWS": ALICE}, Condition={"StringEquals": {"sts:ExternalId": evil}}),
                        doc(allow("s3:*")),
                    )
                ],
                resources=[{"arn": f"arn:aws:s3:::{evil}"}],
            )
        }
    )
    graph = access_graph(world)
    assert edge(graph, ALICE, DEPLOY).conditions == (f"ExternalId = {evil}",)
    svg = render(to_dot(graph), renderer)
    assert "<script" not in svg and expected_svg_ids(graph) <= svg_ids(svg)


@pytest.mark.parametrize("renderer", ["dot", "wasm"])
def test_every_edge_of_a_scenario_graph_is_in_the_svg(renderer: str) -> None:
    world, parents = session_world()
    graph = access_graph(world, parents=parents)
    for clusters in (True, False):
        svg = render(to_dot(graph, clusters=clusters), renderer)
        assert expected_svg_ids(graph) <= svg_ids(svg)


@pytest.mark.parametrize("renderer", ["dot", "wasm"])
def test_a_graph_whose_edges_mostly_cross_accounts_renders_every_edge(renderer: str) -> None:
    # Issue 5: dot 2.43 failed with "trouble in init_rank" on such graphs without newrank=true, and the
    # WebAssembly build once dropped edges silently; both layouts must draw every node and edge.
    graph = access_graph(scale_world(150))
    assert len({n.account for n in graph.nodes}) >= 4 and len(graph.edges) > 200
    for clusters in (True, False):
        assert expected_svg_ids(graph) <= svg_ids(render(to_dot(graph, clusters=clusters), renderer))


def test_dot_uses_newrank_clusters_ids_and_safe_links() -> None:
    graph = access_graph(scenario_world("sts_cross_account_both_sides"))
    links = {
        ALICE: "/sandbox/users/alice",
        BOB: "javascript:alert(1)",
        "arn:aws:iam::222222222222:role/Partner": "//evil.example/x",
    }
    source = to_dot(graph, link=lambda n: links.get(n.id))
    assert "newrank=true" in source and "subgraph cluster_0" in source
    assert 'URL="/sandbox/users/alice"' in source and "javascript" not in source and "evil" not in source
    assert f'id="{node_svg_id(ALICE)}"' in source and 'id="e-0"' in source
    assert "style=dashed" in source  # alice → Partner: trusted but not permitted
    flat = to_dot(graph, clusters=False)
    assert "subgraph" not in flat and "account 111111111111 (dev)" in flat and "newrank=true" in flat


def test_edge_ids_and_table_follow_the_edge_order() -> None:
    graph = access_graph(scenario_world("sts_trust_names_account"))
    rows = edge_table(graph)
    assert [r["id"] for r in rows] == list(edge_ids(graph))
    alice = next(r for r in rows if r["from_id"] == ALICE and r["to"] == "Deploy")
    assert alice["what"] == "is trusted but not permitted to assume" and alice["missing"] == "identity policy"
    bob = next(r for r in rows if r["from_id"] == BOB and r["to"] == "Deploy")
    assert bob["what"] == "can assume" and bob["missing"] == ""
