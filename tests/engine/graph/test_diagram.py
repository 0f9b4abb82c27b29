"""Hand-drawn diagrams (``graph/diagram.py``): the lessons' content, drawn by the engine."""

from __future__ import annotations

import re

import pytest

from iamtutor.engine.errors import ParameterError
from iamtutor.engine.graph import (
    diagram_dot,
    diagram_edges,
    diagram_svg_ids,
)
from tests.engine.graph.support import (
    HOSTILE,
    render,
    svg_ids,
)

# ---- hand-drawn diagrams (the lessons' content, drawn by the engine) --------------------------------------------

DRAWN_NODES = [
    {"id": "a", "label": "alice", "kind": "principal"},
    {"id": "r", "label": HOSTILE[2] + " " + HOSTILE[3], "kind": "role"},
    {"id": "s", "label": "a session whose label is long enough to be wrapped onto several lines"},
]
DRAWN_EDGES = [
    {"from": "a", "to": "r", "label": HOSTILE[0]},
    {"from": "r", "to": "s", "label": ""},
    {"from": "s", "to": "a", "label": "signs requests"},
]


@pytest.mark.parametrize("renderer", ["dot", "wasm"])
def test_a_diagram_draws_every_node_and_edge_safely_with_ids_unique_to_it(renderer: str) -> None:
    source = diagram_dot("model", DRAWN_NODES, DRAWN_EDGES, direction="LR", fills={"role": "#e8f5e9"})
    assert source.count(" -> ") == len(DRAWN_EDGES) and "rankdir=LR" in source and "#e8f5e9" in source
    svg = render(source, renderer)
    expected = diagram_svg_ids("model", DRAWN_NODES, DRAWN_EDGES)
    assert expected == {"model-n0", "model-n1", "model-n2", "model-e0", "model-e1", "model-e2"}
    assert expected | {"model-graph"} <= svg_ids(svg)
    assert not re.search(r"<\s*script", svg, re.IGNORECASE) and "&lt;script&gt;" in svg


def test_a_diagrams_table_has_one_row_per_edge_with_the_node_labels() -> None:
    assert diagram_edges(DRAWN_NODES, DRAWN_EDGES) == [
        ("alice", DRAWN_NODES[1]["label"], HOSTILE[0]),
        (DRAWN_NODES[1]["label"], DRAWN_NODES[2]["label"], ""),
        (DRAWN_NODES[2]["label"], "alice", "signs requests"),
    ]


def test_a_diagram_wraps_long_labels() -> None:
    source = diagram_dot("model", DRAWN_NODES, DRAWN_EDGES)
    assert "a session whose label is long\\nenough to be wrapped onto\\nseveral lines" in source


def test_a_diagram_edge_naming_no_node_or_a_bad_direction_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="names no node 'x'"):
        diagram_dot("d", DRAWN_NODES, [{"from": "a", "to": "x", "label": ""}])
    with pytest.raises(ParameterError, match="names no node 'x'"):
        diagram_edges(DRAWN_NODES, [{"from": "x", "to": "a"}])
    with pytest.raises(ParameterError, match="TB, LR, BT, RL"):
        diagram_dot("d", DRAWN_NODES, DRAWN_EDGES, direction="UP")


# ---- groups and styles (the lessons' step diagrams: a chain's capped sessions, a policy intersection) -----------

GROUPS = [{"id": "both", "label": HOSTILE[1], "style": "lit"}, {"id": "off", "label": "neither", "style": "dashed"}]


@pytest.mark.parametrize("renderer", ["dot", "wasm"])
def test_a_diagram_draws_its_groups_around_their_nodes_with_escaped_labels(renderer: str) -> None:
    nodes = [
        {"id": "p", "label": "policy"},
        {"id": "a", "label": "s3:GetObject", "group": "both", "style": "lit"},
        {"id": "b", "label": "iam:CreateUser", "group": "off"},
    ]
    edges = [{"from": "p", "to": "a", "label": "allows", "style": "lit"}, {"from": "p", "to": "b", "style": "dashed"}]
    source = diagram_dot("g", nodes, edges, groups=GROUPS)
    assert source.count("subgraph cluster_") == 2 and "style=dashed" in source and "class=lit" in source
    svg = render(source, renderer)
    assert {"g-g0", "g-g1", "g-n1", "g-e0", "g-e1"} <= svg_ids(svg)
    assert not re.search(r"<\s*script", svg, re.IGNORECASE)
    # a group's box holds exactly its nodes: the lit group's cluster comes before its node in DOT order
    first = source.index("subgraph cluster_0")
    assert first < source.index('id="g-n1"') < source.index("subgraph cluster_1") < source.index('id="g-n2"')


def test_a_node_naming_an_unknown_group_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="names no group 'nowhere'"):
        diagram_dot("d", [{"id": "a", "label": "a", "group": "nowhere"}], [], groups=GROUPS)


def test_a_diagram_without_groups_or_styles_draws_as_before() -> None:
    plain = diagram_dot("model", DRAWN_NODES, DRAWN_EDGES)
    assert "cluster" not in plain and "penwidth" not in plain and "dashed" not in plain
