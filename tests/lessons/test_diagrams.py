"""The lessons' diagrams (``lessons/diagrams.py``): the content of ``diagrams.yaml`` is the only copy of each
diagram, drawn by the engine's generic ``diagram_dot`` for the visual mode, the cheat sheet and the home page."""

from __future__ import annotations

import re

import pytest

from iamtutor import engine
from iamtutor.lib import graphviz as renderer
from lessons import diagrams
from lessons.models import Diagram

pytestmark = pytest.mark.django_db


def shipped() -> list[Diagram]:
    return list(Diagram.objects.filter(language="en").order_by("order"))


def test_the_shipped_mental_model_and_sts_flow_are_stored_and_found(loaded):
    assert diagrams.stored(diagrams.MENTAL_MODEL).title == "The visitor badge: how a role is used"
    assert diagrams.stored("sts-flow") is not None
    assert diagrams.stored("no-such-diagram") is None


def test_nothing_is_found_before_the_lessons_are_loaded():
    assert diagrams.stored(diagrams.MENTAL_MODEL) is None


def test_each_diagram_draws_every_edge_of_its_table_with_its_own_ids(loaded):
    for diagram in shipped():
        source = diagrams.diagram_dot(diagram)
        rows = diagrams.draw(diagram).rows
        assert source.count(" -> ") == len(rows) == len(diagram.edges) >= 3, diagram.key
        labels = {node["id"]: node["label"] for node in diagram.nodes}
        assert rows == [(labels[e["from"]], labels[e["to"]], e["label"]) for e in diagram.edges]
        for index in range(len(diagram.edges)):
            assert f'id="{diagram.key}-e{index}"' in source, diagram.key


def test_each_diagram_renders_with_every_node_and_edge(loaded):
    if not renderer.renderer().available:
        pytest.skip("no Graphviz renderer here")
    for diagram in shipped():
        expected = engine.diagram_svg_ids(diagram.key, diagram.nodes, diagram.edges)
        svg = renderer.render_checked(diagrams.diagram_dot(diagram), expected)  # raises when one is missing
        assert 'class="node"' in svg


def test_the_visual_page_gives_each_diagram_element_an_id_no_other_diagram_uses(loaded, client):
    page = client.get("/lessons/visual/").content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert "mental&#45;model&#45;e0" in ids and "sts&#45;flow&#45;e0" in ids
    assert len(ids) == len(set(ids))


def test_the_sts_flow_shows_what_temporary_credentials_are_made_of(loaded):
    # iam-reference.md §5.1 (D-IDS, H): temporary access key ids start with ASIA and come with a secret, a session token
    # and an expiration (AWS STS API Reference, Credentials data type).
    sts_flow = diagrams.stored("sts-flow")
    words = " ".join(f"{a} {b} {label}" for a, b, label in engine.diagram_edges(sts_flow.nodes, sts_flow.edges))
    assert "ASIA" in words and "session token" in words and "expiration" in words


def test_the_mental_model_shows_the_trust_policy_sts_and_the_permissions(loaded):
    # The picture the home page keeps in mind: the trust policy decides who may assume the role, STS issues
    # temporary credentials, and the role's permission policies decide each request (§5.2, §4.1).
    model = diagrams.stored(diagrams.MENTAL_MODEL)
    words = " ".join(f"{a} {label} {b}" for a, b, label in engine.diagram_edges(model.nodes, model.edges))
    assert "Trust policy" in words and "STS issues temporary credentials" in words and "decide each request" in words
